package kubelet_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/kubelet"
)

// TestReplacedSandboxContinuesAttempts: when a pod's sandbox dies and the
// kubelet makes a new one, the containers started in it continue the
// attempt count (restartCount 1, as Kubernetes counts it) instead of
// starting again at 0, so the new instance's log file is a new file and
// the old attempt's log stays the "previous" one.
func TestReplacedSandboxContinuesAttempts(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ctx := context.Background()
	h.createPod(simplePod("p", ctr("app", "server")))
	h.waitPod("p", "running", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return p.Status.Phase == corev1.PodRunning && cs != nil && cs.State.Running != nil
	})
	sbs, err := h.rt.ListPodSandbox(ctx, nil)
	if err != nil || len(sbs) != 1 {
		t.Fatalf("sandboxes: %v, %v", sbs, err)
	}
	old := sbs[0].ID
	if err := h.rt.StopPodSandbox(ctx, old); err != nil {
		t.Fatal(err)
	}
	p := h.waitPod("p", "running in a new sandbox with restartCount 1", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return cs != nil && cs.State.Running != nil && cs.RestartCount == 1
	})
	ctrs, err := h.rt.ListContainers(ctx, &kubelet.ContainerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	for _, c := range ctrs {
		if c.SandboxID == old {
			continue
		}
		if c.Metadata.Attempt != 1 {
			t.Errorf("container %s in the new sandbox: attempt %d, want 1", c.ID, c.Metadata.Attempt)
		}
		st, err := h.rt.ContainerStatus(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, st.LogPath)
	}
	if len(logs) != 1 {
		t.Fatalf("containers in the new sandbox: %d (%v), want 1; status %s", len(logs), logs, statusString(p))
	}
	if base := filepath.Base(logs[0]); !strings.HasSuffix(base, "_app_1.log") {
		t.Errorf("new instance's log file %s, want one ending in _app_1.log", logs[0])
	}
}
