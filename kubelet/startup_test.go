package kubelet_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/kubelet"
)

// TestPodStartWritesRunningOnce: a pod's first status write already says
// Running (and Ready, without probes), and the kubelet spends one
// container list per pod on the way: none for a sandbox it has just made,
// no look for a sandbox to adopt (the pod had none when the kubelet
// started), and no second pass when the informer returns the status it
// wrote.
func TestPodStartWritesRunningOnce(t *testing.T) {
	// No relist: every runtime call comes from a sync.
	h := newHarness(t, harnessOpts{cfg: func(c *kubelet.Config) { c.RelistPeriod = time.Hour }})
	w, err := h.pods.Watch(t.Context(), client.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	names := []string{"a", "b", "c"}
	for _, n := range names {
		h.createPod(simplePod(n, ctr("app", "server")))
	}
	writes := map[string]int{} // pod -> MODIFIED events up to the first Running
	phases := map[string][]corev1.PodPhase{}
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for running := 0; running < len(names); {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch ended")
			}
			p := ev.Object
			if ev.Type != metav1.Modified || p == nil || slicesHasRunning(phases[p.Name]) {
				continue
			}
			writes[p.Name]++
			phases[p.Name] = append(phases[p.Name], p.Status.Phase)
			if p.Status.Phase == corev1.PodRunning {
				running++
				if cond(p, corev1.PodReady) != corev1.ConditionTrue || cstatus(p, "app").State.Running == nil {
					t.Errorf("pod %s: first Running status: %s", p.Name, statusString(p))
				}
			}
		case <-timeout.C:
			t.Fatalf("timed out; status writes seen: %v", phases)
		}
	}
	want := map[string]int{"a": 1, "b": 1, "c": 1}
	if d := cmp.Diff(want, writes); d != "" {
		t.Errorf("status writes up to Running (-want +got):\n%s\nphases: %v", d, phases)
	}
	// The informer delivers in order: once the kubelet has started a pod
	// made after these three, it has handed it their status echoes.
	h.createPod(simplePod("last", ctr("app", "server")))
	h.waitPod("last", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if n := len(h.rt.CallsTo("ListContainers")); n != 4 {
		t.Errorf("ListContainers calls for 4 pods: %d, want 4 (one after each start)", n)
	}
	if n := len(h.rt.CallsTo("ListPodSandbox")); n > 2 {
		t.Errorf("ListPodSandbox calls: %d, want at most 2 (at start, not per pod)", n)
	}
	if n := len(h.rt.CallsTo("RunPodSandbox")); n != 4 {
		t.Errorf("RunPodSandbox calls: %d, want 4", n)
	}
}

func slicesHasRunning(ps []corev1.PodPhase) bool {
	for _, p := range ps {
		if p == corev1.PodRunning {
			return true
		}
	}
	return false
}
