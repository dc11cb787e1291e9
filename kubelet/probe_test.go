package kubelet_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

func execProbe(cmd string, period, failures int32) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{cmd}}},
		PeriodSeconds: period, FailureThreshold: failures, SuccessThreshold: 1, TimeoutSeconds: 1}
}

// probeRuntime answers exec probes: "live" fails for attempt 0 while
// liveFails is set, "ready" passes while ready is set, "start" passes
// while started is set.
type probeFlags struct {
	liveFails, ready, started atomic.Bool
}

func probeOptions(f *probeFlags) fake.Options {
	return fake.Options{Exec: func(_ context.Context, req fake.ExecRequest) fake.ExecResponse {
		ok := true
		switch req.Cmd[0] {
		case "live":
			ok = !(f.liveFails.Load() && req.Container.Attempt == 0)
		case "ready":
			ok = f.ready.Load()
		case "start":
			ok = f.started.Load()
		}
		if ok {
			return fake.ExecResponse{}
		}
		return fake.ExecResponse{ExitCode: 1, Stdout: []byte("probe says no")}
	}}
}

func TestLivenessFailureRestarts(t *testing.T) {
	var f probeFlags
	f.liveFails.Store(true)
	h := newHarness(t, harnessOpts{fake: probeOptions(&f)})
	c := ctr("app", "server")
	c.LivenessProbe = execProbe("live", 1, 3)
	h.createPod(simplePod("live", c))
	p := h.waitPodStepping("live", "restarted after liveness failure", time.Second, func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return cs != nil && cs.RestartCount == 1 && cs.State.Running != nil
	})
	cs := cstatus(p, "app")
	if cs.LastTerminationState.Terminated == nil {
		t.Errorf("no lastState after the restart: %s", statusString(p))
	}
	if n := len(h.rt.CallsTo("StopContainer")); n != 1 {
		t.Errorf("StopContainer called %d times, want 1", n)
	}
	// Attempt 1 passes: it stays.
	for range 10 {
		h.clock.Step(time.Second)
	}
	p = h.waitPod("live", "still running", func(p *corev1.Pod) bool { return cstatus(p, "app").State.Running != nil })
	if cstatus(p, "app").RestartCount != 1 {
		t.Errorf("restarted again: %s", statusString(p))
	}
}

func TestReadinessDrivesReady(t *testing.T) {
	var f probeFlags
	h := newHarness(t, harnessOpts{fake: probeOptions(&f)})
	c := ctr("app", "server")
	c.ReadinessProbe = execProbe("ready", 1, 1)
	h.createPod(simplePod("ready", c))
	p := h.waitPod("ready", "running, not ready", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && cstatus(p, "app").State.Running != nil
	})
	if cond(p, corev1.PodReady) != corev1.ConditionFalse || cond(p, corev1.ContainersReady) != corev1.ConditionFalse || cstatus(p, "app").Ready {
		t.Fatalf("ready before the probe passed: %s", statusString(p))
	}
	f.ready.Store(true)
	p = h.waitPodStepping("ready", "Ready", time.Second, func(p *corev1.Pod) bool {
		return cond(p, corev1.PodReady) == corev1.ConditionTrue
	})
	if cond(p, corev1.ContainersReady) != corev1.ConditionTrue || !cstatus(p, "app").Ready {
		t.Errorf("%s", statusString(p))
	}
	f.ready.Store(false)
	p = h.waitPodStepping("ready", "not Ready again", time.Second, func(p *corev1.Pod) bool {
		return cond(p, corev1.PodReady) == corev1.ConditionFalse
	})
	if cstatus(p, "app").RestartCount != 0 {
		t.Errorf("a readiness failure restarted the container: %s", statusString(p))
	}
}

func TestStartupProbeGatesLiveness(t *testing.T) {
	var f probeFlags
	f.liveFails.Store(true)
	h := newHarness(t, harnessOpts{fake: probeOptions(&f)})
	c := ctr("app", "server")
	c.StartupProbe = execProbe("start", 1, 1000)
	c.LivenessProbe = execProbe("live", 1, 1)
	h.createPod(simplePod("startup", c))
	h.waitPod("startup", "running", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return cs != nil && cs.State.Running != nil
	})
	// While the startup probe fails, liveness never runs.
	for range 20 {
		h.clock.Step(time.Second)
	}
	h.eventually("startup probed", func() (bool, string) {
		return len(h.rt.CallsTo("ExecSync")) >= 5, ""
	}, func() { h.clock.Step(time.Second) })
	for _, c := range h.rt.CallsTo("ExecSync") {
		if c.Cmd[0] == "live" {
			t.Fatalf("liveness probed before startup passed")
		}
	}
	p := h.waitPod("startup", "not started", func(p *corev1.Pod) bool { return true })
	if cs := cstatus(p, "app"); cs.Started == nil || *cs.Started || cs.RestartCount != 0 || cs.Ready {
		t.Fatalf("before startup: %s started=%v", statusString(p), cs.Started)
	}
	// Startup passes; liveness then runs, fails, and restarts it.
	f.started.Store(true)
	h.waitPodStepping("startup", "restarted by liveness", time.Second, func(p *corev1.Pod) bool {
		return cstatus(p, "app").RestartCount == 1
	})
}

func TestActiveDeadlineFailsPod(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	p := simplePod("deadline", ctr("app", "server"))
	p.Spec.ActiveDeadlineSeconds = new(int64(30))
	h.createPod(p)
	h.waitPod("deadline", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	h.clock.Step(30 * time.Second)
	got := h.waitPod("deadline", "failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if got.Status.Reason != "DeadlineExceeded" || got.Status.Message != "Pod was active on the node longer than the specified deadline" {
		t.Errorf("reason %q message %q", got.Status.Reason, got.Status.Message)
	}
	if cs := cstatus(got, "app"); cs.State.Terminated == nil {
		t.Errorf("container not terminated: %s", statusString(got))
	}
	h.eventually("sandbox removed", func() (bool, string) {
		sbs, _ := h.rt.ListPodSandbox(context.Background(), nil)
		return len(sbs) == 0, ""
	}, nil)
}
