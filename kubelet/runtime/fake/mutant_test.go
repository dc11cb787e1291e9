package fake_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
	"github.com/rigging-dev/rigging/kubelet/runtimetest"
)

// The suite is only worth running if it fails runtimes that break the
// contract. Each mutant below is the fake with one fault; the suite,
// run on it in a child process, must fail exactly the subtests that check
// what the fault breaks.

// mutant wraps the fake with one broken method.
type mutant struct {
	*fake.Runtime
	fault string
}

func (m mutant) ContainerStatus(ctx context.Context, id string) (*kubelet.ContainerStatus, error) {
	st, err := m.Runtime.ContainerStatus(ctx, id)
	switch {
	case m.fault == "plain-not-found" && errors.Is(err, kubelet.ErrNotFound):
		return nil, errors.New("no such container")
	case m.fault == "reason-always-error" && err == nil && st.State == kubelet.ContainerExited:
		st.Reason = kubelet.ReasonError
	}
	return st, err
}

func (m mutant) StopPodSandbox(ctx context.Context, id string) error {
	if m.fault == "stop-sandbox-not-idempotent" {
		if _, err := m.Runtime.PodSandboxStatus(ctx, id); err != nil {
			return err
		}
	}
	return m.Runtime.StopPodSandbox(ctx, id)
}

func (m mutant) ListContainers(ctx context.Context, f *kubelet.ContainerFilter) ([]*kubelet.ContainerStatus, error) {
	if m.fault == "list-ignores-labels" && f != nil {
		g := *f
		g.LabelSelector = nil
		f = &g
	}
	return m.Runtime.ListContainers(ctx, f)
}

func (m mutant) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	if m.fault == "stop-kills-at-once" {
		timeout = 0
	}
	if m.fault == "stop-signal-ignored" {
		if st, err := m.Runtime.ContainerStatus(ctx, id); err == nil && st.Image == "stop-on-sigusr1" {
			// As if the runtime sent SIGTERM, which the container ignores.
			return m.Runtime.StopContainer(ctx, id, 0)
		}
	}
	return m.Runtime.StopContainer(ctx, id, timeout)
}

func (m mutant) ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) (kubelet.ExecResult, error) {
	if m.fault == "exec-swaps-streams" {
		res, err := m.Runtime.ExecSync(ctx, id, cmd, timeout)
		res.Stdout, res.Stderr = res.Stderr, res.Stdout
		return res, err
	}
	return m.Runtime.ExecSync(ctx, id, cmd, timeout)
}

// behaviourFault breaks the scripted behaviours.
func behaviourFault(fault string) func(*kubelet.ContainerConfig) fake.Behavior {
	return func(c *kubelet.ContainerConfig) fake.Behavior {
		b := behavior(c)
		if fault == "stderr-lost" && c.Image == "echo" {
			b.Stderr = nil
		}
		if fault == "env-lost" && c.Image == "print-env" {
			b.Stdout = make([]string, len(c.Args))
		}
		return b
	}
}

const mutantEnv = "RUNTIMETEST_MUTANT"

// TestMutantChild runs the suite on the mutant named by $RUNTIMETEST_MUTANT;
// it runs only as the child of TestSuiteCatchesMutants.
func TestMutantChild(t *testing.T) {
	fault := os.Getenv(mutantEnv)
	if fault == "" {
		t.Skip("runs only as the child of TestSuiteCatchesMutants")
	}
	var clock *controller.FakeClock
	runtimetest.Run(t, func(t *testing.T) kubelet.Runtime {
		clock = controller.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		rt := fake.New(fake.Options{Clock: clock, Behavior: behaviourFault(fault), Exec: execCmd})
		return mutant{rt, fault}
	}, runtimetest.Options{
		Workloads: workloads{},
		Now:       func() time.Time { return clock.Now() },
		Advance:   func(d time.Duration) { clock.Step(d) },
		Timeout:   3 * time.Second,
	})
}

func TestSuiteCatchesMutants(t *testing.T) {
	if os.Getenv(mutantEnv) != "" {
		t.Skip("in a child")
	}
	failed := regexp.MustCompile(`--- FAIL: TestMutantChild/(\w+/\w+)`)
	for _, tc := range []struct {
		fault string
		want  []string
	}{
		{"plain-not-found", []string{"Container/Remove", "Container/UnknownIDs", "Sandbox/RemoveRemovesContainers", "Sandbox/RemoveWithoutStop"}},
		{"reason-always-error", []string{"Config/Env", "Config/WorkingDir", "Container/ExitCodes", "Logs/CRIFormat", "Logs/PerContainer"}},
		{"stop-sandbox-not-idempotent", []string{"Sandbox/StopAndRemoveAreIdempotent", "Sandbox/UnknownIDs"}},
		{"list-ignores-labels", []string{"List/Filters"}},
		{"stop-kills-at-once", []string{"Concurrency/ManyPods", "Concurrency/OneContainerManyCallers", "Container/Lifecycle", "Stop/Graceful", "Stop/StopSignal", "Stop/TimeoutKills"}},
		{"exec-swaps-streams", []string{"Exec/Output"}},
		{"stderr-lost", []string{"Logs/CRIFormat", "Logs/PerContainer"}},
		{"env-lost", []string{"Config/Env"}},
		{"stop-signal-ignored", []string{"Stop/StopSignal"}},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutantChild$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+tc.fault)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("child run: %v (want a failing exit)\n%s", err, out)
			}
			var got []string
			for _, m := range failed.FindAllSubmatch(out, -1) {
				got = append(got, string(m[1]))
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("failed subtests (-want +got):\n%s\nchild output:\n%s", diff, out)
			}
		})
	}
}
