package runtimetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rigging-dev/rigging/kubelet"
)

// cmpOpts are the options of every comparison: nil and empty maps and
// slices are the same.
var cmpOpts = []cmp.Option{cmpopts.EquateEmpty()}

func diff(want, got any) string { return cmp.Diff(want, got, cmpOpts...) }

// harness is one subtest's runtime and the helpers that drive it, failing
// the test on an unexpected error. Methods that fail the test are for the
// test goroutine only; the others say so.
type harness struct {
	t    *testing.T
	rt   kubelet.Runtime
	ctx  context.Context
	opts Options
}

// pod is a sandbox the harness made, with its config.
type pod struct {
	id     string
	config *kubelet.PodSandboxConfig
}

var podSeq atomic.Int64

// sandboxConfig returns a config for a new pod named name, with a fresh
// log directory. Any goroutine may call it.
func (h *harness) sandboxConfig(name string, labels map[string]string) *kubelet.PodSandboxConfig {
	n := podSeq.Add(1)
	return &kubelet.PodSandboxConfig{
		Metadata: kubelet.PodSandboxMetadata{
			Name:      name,
			Namespace: "runtimetest",
			UID:       fmt.Sprintf("runtimetest-uid-%d", n),
		},
		Hostname:     name,
		LogDirectory: h.t.TempDir(),
		Labels:       maps.Clone(labels),
		Annotations:  map[string]string{"runtimetest/pod": name},
	}
}

// runSandbox runs a sandbox of config and removes it when the test ends.
// Any goroutine may call it; it returns errors rather than failing.
func (h *harness) runSandbox(config *kubelet.PodSandboxConfig) (pod, error) {
	id, err := h.rt.RunPodSandbox(h.ctx, config)
	if err != nil {
		return pod{}, fmt.Errorf("RunPodSandbox(%s): %w", config.Metadata.Name, err)
	}
	if id == "" {
		return pod{}, fmt.Errorf("RunPodSandbox(%s) returned an empty ID", config.Metadata.Name)
	}
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), h.opts.Timeout)
		defer cancel()
		if err := h.rt.RemovePodSandbox(ctx, id); err != nil {
			h.t.Errorf("cleanup: RemovePodSandbox(%s): %v", id, err)
		}
	})
	return pod{id: id, config: config}, nil
}

// sandbox runs a sandbox named name.
func (h *harness) sandbox(name string, labels map[string]string) pod {
	h.t.Helper()
	p, err := h.runSandbox(h.sandboxConfig(name, labels))
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// containerConfig returns a config for a container named name that runs
// w, logging to <name>/0.log under its pod's log directory, which it makes
// (as a kubelet does). Any goroutine may call it.
func (h *harness) containerConfig(p pod, name string, w Workload, labels map[string]string) (*kubelet.ContainerConfig, error) {
	prog := h.opts.Workloads.Container(w)
	if err := os.MkdirAll(filepath.Join(p.config.LogDirectory, name), 0o755); err != nil {
		return nil, err
	}
	return &kubelet.ContainerConfig{
		Metadata:    kubelet.ContainerMetadata{Name: name},
		Image:       prog.Image,
		Command:     slices.Clone(prog.Command),
		Args:        slices.Clone(prog.Args),
		LogPath:     filepath.Join(name, "0.log"),
		Labels:      maps.Clone(labels),
		Annotations: map[string]string{"runtimetest/container": name},
	}, nil
}

// create creates a container named name running w in p.
func (h *harness) create(p pod, name string, w Workload, labels map[string]string) string {
	h.t.Helper()
	return h.createWith(p, name, w, labels, nil)
}

// createWith creates a container named name running w in p, its config
// changed by edit (when not nil).
func (h *harness) createWith(p pod, name string, w Workload, labels map[string]string, edit func(*kubelet.ContainerConfig)) string {
	h.t.Helper()
	config, err := h.containerConfig(p, name, w, labels)
	if err != nil {
		h.t.Fatal(err)
	}
	if edit != nil {
		edit(config)
	}
	id, err := h.rt.CreateContainer(h.ctx, p.id, config, p.config)
	if err != nil {
		h.t.Fatalf("CreateContainer(%s, %s): %v", p.id, name, err)
	}
	if id == "" {
		h.t.Fatalf("CreateContainer(%s, %s) returned an empty ID", p.id, name)
	}
	return id
}

// start starts container id.
func (h *harness) start(id string) {
	h.t.Helper()
	if err := h.block("StartContainer", 0, func(ctx context.Context) error { return h.rt.StartContainer(ctx, id) }); err != nil {
		h.t.Fatalf("StartContainer(%s): %v", id, err)
	}
}

// run creates and starts a container named name running w in p; for
// workloads that write ReadyLine it waits until the container is ready for
// a stop signal.
func (h *harness) run(p pod, name string, w Workload, labels map[string]string) string {
	h.t.Helper()
	return h.runWith(p, name, w, labels, nil)
}

// runWith is run with the config changed by edit (when not nil).
func (h *harness) runWith(p pod, name string, w Workload, labels map[string]string, edit func(*kubelet.ContainerConfig)) string {
	h.t.Helper()
	id := h.createWith(p, name, w, labels, edit)
	h.start(id)
	if needsReady(w) {
		if err := h.waitReady(id); err != nil {
			h.t.Fatal(err)
		}
	}
	return id
}

func needsReady(w Workload) bool {
	switch w.(type) {
	case SleepForever, IgnoreSIGTERM, StopOnSIGUSR1:
		return true
	}
	return false
}

// waitReady waits until container id's log holds ReadyLine on stdout. Any
// goroutine may call it; it returns an error rather than failing.
func (h *harness) waitReady(id string) error {
	deadline := time.Now().Add(h.opts.Timeout)
	for {
		st, err := h.rt.ContainerStatus(h.ctx, id)
		if err != nil {
			return fmt.Errorf("waiting for container %s to be ready: %w", id, err)
		}
		if st.State != kubelet.ContainerRunning {
			return fmt.Errorf("waiting for container %s to be ready: it is %v (exit code %d)", id, st.State, st.ExitCode)
		}
		if st.LogPath == "" {
			return fmt.Errorf("waiting for container %s to be ready: its status has no LogPath", id)
		}
		lines, err := readCRILog(st.LogPath)
		if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, errIncomplete) {
			return fmt.Errorf("waiting for container %s to be ready: %w", id, err)
		}
		if slices.Contains(lines.Stdout, ReadyLine) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s did not write %q to its log %s within %v", id, ReadyLine, st.LogPath, h.opts.Timeout)
		}
		h.tick()
	}
}

// stop stops container id with timeout.
func (h *harness) stop(id string, timeout time.Duration) {
	h.t.Helper()
	if err := h.block("StopContainer", timeout, func(ctx context.Context) error { return h.rt.StopContainer(ctx, id, timeout) }); err != nil {
		h.t.Fatalf("StopContainer(%s, %v): %v", id, timeout, err)
	}
}

// status returns container id's status.
func (h *harness) status(id string) *kubelet.ContainerStatus {
	h.t.Helper()
	st, err := h.rt.ContainerStatus(h.ctx, id)
	if err != nil {
		h.t.Fatalf("ContainerStatus(%s): %v", id, err)
	}
	if st == nil {
		h.t.Fatalf("ContainerStatus(%s) returned nil", id)
	}
	return st
}

// waitState waits until container id is in state want and returns its
// status then.
func (h *harness) waitState(id string, want kubelet.ContainerState) *kubelet.ContainerStatus {
	h.t.Helper()
	var st *kubelet.ContainerStatus
	h.eventually(fmt.Sprintf("container %s to be %v", id, want), func() string {
		st = h.status(id)
		if st.State != want {
			return fmt.Sprintf("it is %v", st.State)
		}
		return ""
	})
	return st
}

// tick waits one poll interval, moving a fake clock by AdvanceStep.
func (h *harness) tick() {
	if h.opts.Advance != nil {
		h.opts.Advance(AdvanceStep)
	}
	t := time.NewTimer(pollInterval)
	defer t.Stop()
	select {
	case <-t.C:
	case <-h.ctx.Done():
	}
}

// errHung reports a call that did not return in time.
var errHung = errors.New("call did not return in time")

// block runs call on its own goroutine and waits for it for Options.Timeout
// beyond extra, moving a fake clock meanwhile; it returns call's error, or
// errHung.
func (h *harness) block(what string, extra time.Duration, call func(ctx context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- call(h.ctx) }()
	deadline := time.Now().Add(extra + h.opts.Timeout)
	for {
		select {
		case err := <-done:
			return err
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w within %v", what, errHung, extra+h.opts.Timeout)
		}
		if h.opts.Advance == nil {
			t := time.NewTimer(time.Until(deadline))
			select {
			case err := <-done:
				t.Stop()
				return err
			case <-t.C:
			}
			continue
		}
		h.tick()
	}
}

// wantNotFound fails the test unless err wraps kubelet.ErrNotFound.
func (h *harness) wantNotFound(call string, err error) {
	h.t.Helper()
	if !errors.Is(err, kubelet.ErrNotFound) {
		h.t.Errorf("%s = %v; want an error wrapping kubelet.ErrNotFound", call, err)
	}
}

// wantExit fails the test unless st is an exit with code and the reason
// Kubernetes shows for it.
func (h *harness) wantExit(st *kubelet.ContainerStatus, code int32) {
	h.t.Helper()
	reason := kubelet.ReasonError
	if code == 0 {
		reason = kubelet.ReasonCompleted
	}
	type exit struct {
		State    kubelet.ContainerState
		ExitCode int32
		Reason   string
	}
	if d := diff(exit{kubelet.ContainerExited, code, reason}, exit{st.State, st.ExitCode, st.Reason}); d != "" {
		h.t.Errorf("container %s exit (-want +got):\n%s", st.ID, d)
	}
	if st.FinishedAt.IsZero() || st.FinishedAt.Before(st.StartedAt) {
		h.t.Errorf("container %s: FinishedAt %v is zero or before StartedAt %v", st.ID, st.FinishedAt, st.StartedAt)
	}
}

// ids returns the IDs of a list, sorted.
func ids[T any](list []T, id func(T) string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, id(x))
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// eventually polls check until it returns "" (the condition holds),
// failing the test with check's last answer when that does not happen
// within Options.Timeout. With Options.Advance it moves the clock
// AdvanceStep between polls.
func (h *harness) eventually(what string, check func() string) {
	h.t.Helper()
	deadline := time.Now().Add(h.opts.Timeout)
	for {
		why := check()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: not so within %v:\n%s", what, h.opts.Timeout, why)
		}
		h.tick()
	}
}

// runningPID returns the host PID that running container id reports (0
// when it runs no host process).
func (h *harness) runningPID(id string) int {
	h.t.Helper()
	st := h.status(id)
	if st.State != kubelet.ContainerRunning {
		h.t.Fatalf("container %s is %v; want running", id, st.State)
	}
	if st.PID < 0 {
		h.t.Fatalf("container %s reports PID %d", id, st.PID)
	}
	return st.PID
}

// wantGone waits until no process has the PID pid, which an exited
// container reported while it ran: the runtime must have ended and reaped
// it. A pid of 0 (no host process) passes at once.
func (h *harness) wantGone(pid int) {
	h.t.Helper()
	if pid <= 0 {
		return
	}
	h.eventually(fmt.Sprintf("process %d of an exited container to be gone", pid), func() string {
		p, err := os.FindProcess(pid)
		if err != nil {
			return ""
		}
		defer p.Release()
		if err := p.Signal(syscall.Signal(0)); err != nil {
			return "" // gone (ESRCH or os.ErrProcessDone)
		}
		return fmt.Sprintf("process %d still exists (or was not reaped)", pid)
	})
}
