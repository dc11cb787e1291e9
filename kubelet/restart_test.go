package kubelet_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

var exitImages = map[string]fake.Behavior{
	"exit0": {Mode: fake.Exit, ExitCode: 0},
	"exit1": {Mode: fake.Exit, ExitCode: 1},
	"oom":   {Mode: fake.OOMKill},
}

func TestRestartPolicies(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Images: exitImages}})
	cases := []struct {
		name    string
		policy  corev1.RestartPolicy
		image   string
		phase   corev1.PodPhase // final phase, or Running for restarting
		reason  string
		code    int32
		restart bool
	}{
		{"never-0", corev1.RestartPolicyNever, "exit0", corev1.PodSucceeded, "Completed", 0, false},
		{"never-1", corev1.RestartPolicyNever, "exit1", corev1.PodFailed, "Error", 1, false},
		{"never-oom", corev1.RestartPolicyNever, "oom", corev1.PodFailed, "OOMKilled", 137, false},
		{"onfailure-0", corev1.RestartPolicyOnFailure, "exit0", corev1.PodSucceeded, "Completed", 0, false},
		{"onfailure-1", corev1.RestartPolicyOnFailure, "exit1", corev1.PodRunning, "Error", 1, true},
		{"always-0", corev1.RestartPolicyAlways, "exit0", corev1.PodRunning, "Completed", 0, true},
		{"always-1", corev1.RestartPolicyAlways, "exit1", corev1.PodRunning, "Error", 1, true},
	}
	for _, c := range cases {
		p := simplePod(c.name, ctr("app", c.image))
		p.Spec.RestartPolicy = c.policy
		h.createPod(p)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.restart {
				p := h.waitPod(c.name, "terminal phase", func(p *corev1.Pod) bool { return p.Status.Phase == c.phase })
				cs := cstatus(p, "app")
				if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != c.code || cs.State.Terminated.Reason != c.reason || cs.RestartCount != 0 {
					t.Errorf("status %s", statusString(p))
				}
				if cond(p, corev1.PodReady) != corev1.ConditionFalse {
					t.Errorf("Ready should be False: %s", statusString(p))
				}
				return
			}
			// Restarted once at once, then in CrashLoopBackOff with the
			// last exit in lastState.
			p := h.waitPod(c.name, "crash loop", func(p *corev1.Pod) bool {
				cs := cstatus(p, "app")
				return cs != nil && cs.RestartCount == 1 && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff"
			})
			cs := cstatus(p, "app")
			if p.Status.Phase != c.phase || cs.LastTerminationState.Terminated == nil ||
				cs.LastTerminationState.Terminated.ExitCode != c.code || cs.LastTerminationState.Terminated.Reason != c.reason {
				t.Errorf("status %s lastState %+v", statusString(p), cs.LastTerminationState.Terminated)
			}
		})
	}
	// Finished pods release their sandboxes.
	h.eventually("finished sandboxes removed", func() (bool, string) {
		sbs, _ := h.rt.ListPodSandbox(context.Background(), nil)
		return len(sbs) == 3, "" // the three restarting pods keep theirs
	}, nil)
}

func TestInitContainersRunInOrder(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Images: map[string]fake.Behavior{
		"init": {Mode: fake.Exit, After: 5 * time.Second},
	}}})
	p := simplePod("init", ctr("app", "server"))
	p.Spec.InitContainers = []corev1.Container{ctr("first", "init"), ctr("second", "init")}
	h.createPod(p)

	got := h.waitPod("init", "first init running", func(p *corev1.Pod) bool {
		cs := cstatus(p, "first")
		return cs != nil && cs.State.Running != nil
	})
	if got.Status.Phase != corev1.PodPending || cond(got, corev1.PodInitialized) != corev1.ConditionFalse ||
		cstatus(got, "second").State.Waiting == nil || cstatus(got, "app").State.Waiting.Reason != "PodInitializing" {
		t.Fatalf("while first runs: %s", statusString(got))
	}
	h.clock.Step(5 * time.Second)
	got = h.waitPod("init", "second init running", func(p *corev1.Pod) bool {
		cs := cstatus(p, "second")
		return cs != nil && cs.State.Running != nil
	})
	if f := cstatus(got, "first"); f.State.Terminated == nil || f.State.Terminated.Reason != "Completed" || !f.Ready {
		t.Fatalf("first after completion: %s", statusString(got))
	}
	if cstatus(got, "app").State.Waiting == nil {
		t.Fatalf("app started before init completed: %s", statusString(got))
	}
	h.clock.Step(5 * time.Second)
	got = h.waitPod("init", "app running", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && cond(p, corev1.PodReady) == corev1.ConditionTrue
	})
	if cond(got, corev1.PodInitialized) != corev1.ConditionTrue {
		t.Errorf("Initialized: %s", statusString(got))
	}
}

func TestInitContainerFailureWithNeverFailsPod(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Images: exitImages}})
	p := simplePod("initfail", ctr("app", "server"))
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	p.Spec.InitContainers = []corev1.Container{ctr("setup", "exit1")}
	h.createPod(p)
	got := h.waitPod("initfail", "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if cs := cstatus(got, "app"); cs.State.Waiting == nil || cs.State.Waiting.Reason != "PodInitializing" {
		t.Errorf("app: %s", statusString(got))
	}
}

// TestCrashLoopBackOff checks the restart delays of a container that keeps
// failing: at once, then 10 s doubling to the 5 min cap, and back to no
// delay after the container ran 10 min.
func TestCrashLoopBackOff(t *testing.T) {
	var crash atomic.Bool
	crash.Store(true)
	h := newHarness(t, harnessOpts{fake: fake.Options{Behavior: func(*kubelet.ContainerConfig) fake.Behavior {
		if crash.Load() {
			return fake.Behavior{Mode: fake.Exit, ExitCode: 2}
		}
		return fake.Behavior{}
	}}})
	h.createPod(simplePod("crash", ctr("app", "crasher")))

	started := func(p *corev1.Pod) time.Time {
		return cstatus(p, "app").LastTerminationState.Terminated.StartedAt.Time
	}
	inBackOff := func(restarts int32) func(*corev1.Pod) bool {
		return func(p *corev1.Pod) bool {
			cs := cstatus(p, "app")
			return cs != nil && cs.RestartCount == restarts && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff"
		}
	}
	p := h.waitPod("crash", "first back-off", inBackOff(1))
	prevStart := started(p)
	wantDelays := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 300 * time.Second, 300 * time.Second}
	for i, d := range wantDelays {
		msg := cstatus(p, "app").State.Waiting.Message
		if want := "back-off " + d.String() + " restarting failed container=app pod=crash_default(" + string(p.UID) + ")"; msg != want {
			t.Fatalf("back-off %d: message %q, want %q", i, msg, want)
		}
		// The worker waits for the clock to reach the exit time plus the
		// delay; nothing else moves the clock meanwhile, so the restart
		// comes exactly d after the previous one.
		restarts := int32(i + 2)
		h.clock.Step(d)
		p = h.waitPod("crash", "next back-off", inBackOff(restarts))
		if gap := started(p).Sub(prevStart); gap != d {
			t.Errorf("restart %d came %v after the previous start, want %v", restarts, gap, d)
		}
		prevStart = started(p)
	}
	// Let the next attempt run for 10 minutes; its failure then restarts
	// it at once, and the delay starts over at 10 s.
	crash.Store(false)
	h.clock.Step(5 * time.Minute)
	p = h.waitPod("crash", "running again", func(p *corev1.Pod) bool {
		return cstatus(p, "app").State.Running != nil
	})
	runningRestarts := cstatus(p, "app").RestartCount
	h.clock.Step(10 * time.Minute)
	crash.Store(true)
	id := cstatus(p, "app").ContainerID[len("fake://"):]
	if err := h.rt.KillContainer(id, 1); err != nil {
		t.Fatal(err)
	}
	p = h.waitPod("crash", "restart without delay, then 10s back-off", inBackOff(runningRestarts+1))
	if msg := cstatus(p, "app").State.Waiting.Message; msg[:len("back-off 10s")] != "back-off 10s" {
		t.Errorf("after reset: %q", msg)
	}
}

func TestStartFailureCountsRuntimeError(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Images: map[string]fake.Behavior{"broken": {Mode: fake.FailStart}}}})
	p := simplePod("broken", ctr("app", "broken"))
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	h.createPod(p)
	got := h.waitPod("broken", "failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if cs := cstatus(got, "app"); cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 128 {
		t.Errorf("status %s", statusString(got))
	}
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() != "rigging_kubelet_runtime_operations_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "operation_type" && l.GetValue() == "start_container" && m.GetCounter().GetValue() >= 1 {
					found = true
				}
			}
		}
	}
	if !found {
		t.Error("no start_container runtime error counted")
	}
}

// TestSidecarContainers: a restartable init container (restartPolicy
// Always) starts before the next init container, keeps running beside the
// containers, is restarted after it exits whatever the pod's policy, and
// does not keep a finished pod from completing.
func TestSidecarContainers(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Images: map[string]fake.Behavior{
		"setup": {Mode: fake.Exit},
		"job":   {Mode: fake.Exit, After: 30 * time.Second},
	}}})
	always := corev1.ContainerRestartPolicyAlways
	side := ctr("proxy", "envoy")
	side.RestartPolicy = &always
	p := simplePod("sidecar", ctr("main", "job"))
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	p.Spec.InitContainers = []corev1.Container{side, ctr("setup", "setup")}
	h.createPod(p)

	got := h.waitPod("sidecar", "running with the sidecar", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && cond(p, corev1.PodReady) == corev1.ConditionTrue
	})
	if cs := cstatus(got, "proxy"); cs.State.Running == nil || !cs.Ready || cs.Started == nil || !*cs.Started {
		t.Errorf("sidecar: %s", statusString(got))
	}
	if cs := cstatus(got, "setup"); cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
		t.Errorf("setup: %s", statusString(got))
	}
	if cond(got, corev1.PodInitialized) != corev1.ConditionTrue {
		t.Errorf("Initialized: %s", statusString(got))
	}
	// The sidecar crashes: restarted although the pod's policy is Never.
	id := cstatus(got, "proxy").ContainerID[len("fake://"):]
	if err := h.rt.KillContainer(id, 1); err != nil {
		t.Fatal(err)
	}
	got = h.waitPod("sidecar", "sidecar restarted", func(p *corev1.Pod) bool {
		cs := cstatus(p, "proxy")
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
	if cs := cstatus(got, "main"); cs.RestartCount != 0 || cs.State.Running == nil {
		t.Errorf("main disturbed by the sidecar's restart: %s", statusString(got))
	}
	// The main container completes: the pod succeeds, sidecar or not.
	h.clock.Step(30 * time.Second)
	got = h.waitPod("sidecar", "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
	h.eventually("sandbox removed", func() (bool, string) {
		sbs, _ := h.rt.ListPodSandbox(context.Background(), nil)
		return len(sbs) == 0, ""
	}, nil)
}

// TestSidecarsStopAfterContainers: on deletion the containers stop first,
// then the sidecars in reverse order.
func TestSidecarsStopAfterContainers(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	always := corev1.ContainerRestartPolicyAlways
	s1, s2 := ctr("s1", "envoy"), ctr("s2", "logger")
	s1.RestartPolicy, s2.RestartPolicy = &always, &always
	p := simplePod("order", ctr("main", "server"))
	p.Spec.InitContainers = []corev1.Container{s1, s2}
	h.createPod(p)
	got := h.waitPod("order", "ready", func(p *corev1.Pod) bool { return cond(p, corev1.PodReady) == corev1.ConditionTrue })
	names := map[string]string{}
	for _, n := range []string{"main", "s1", "s2"} {
		names[cstatus(got, n).ContainerID[len("fake://"):]] = n
	}
	h.rt.ResetCalls()
	if err := h.pods.Delete(context.Background(), "order", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h.eventually("three stops", func() (bool, string) { return len(h.rt.CallsTo("StopContainer")) >= 3, "" }, nil)
	var order []string
	for _, c := range h.rt.CallsTo("StopContainer") {
		order = append(order, names[c.ID])
	}
	if d := cmp.Diff([]string{"main", "s2", "s1"}, order[:3]); d != "" {
		t.Errorf("stop order (-want +got):\n%s", d)
	}
}

func TestTerminationMessageFallbackToLogs(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Images: map[string]fake.Behavior{
		"fail": {Mode: fake.Exit, ExitCode: 3, Stdout: []string{"starting", "cannot open config"}},
	}}})
	c := ctr("app", "fail")
	c.TerminationMessagePolicy = corev1.TerminationMessageFallbackToLogsOnError
	p := simplePod("msg", c)
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	h.createPod(p)
	got := h.waitPod("msg", "failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if term := cstatus(got, "app").State.Terminated; term == nil || term.Message != "starting\ncannot open config\n" {
		t.Errorf("terminated %+v", term)
	}
}
