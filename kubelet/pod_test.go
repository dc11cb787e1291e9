package kubelet_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

func TestPodRunsAndReportsStatus(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.createPod(simplePod("web", ctr("app", "nginx"), ctr("side", "busybox")))
	p := h.waitPod("web", "Running and Ready", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && cond(p, corev1.PodReady) == corev1.ConditionTrue
	})
	got := map[corev1.PodConditionType]corev1.ConditionStatus{}
	for _, c := range p.Status.Conditions {
		got[c.Type] = c.Status
		if c.LastTransitionTime.IsZero() {
			t.Errorf("condition %s has no lastTransitionTime", c.Type)
		}
	}
	want := map[corev1.PodConditionType]corev1.ConditionStatus{
		corev1.PodScheduled: "True", corev1.PodInitialized: "True", corev1.ContainersReady: "True",
		corev1.PodReady: "True", corev1.PodReadyToStartContainers: "True",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("conditions (-want +got):\n%s", d)
	}
	if p.Status.PodIP != "127.0.0.1" || len(p.Status.PodIPs) != 1 || p.Status.HostIP != "127.0.0.1" || len(p.Status.HostIPs) != 1 {
		t.Errorf("IPs: podIP=%q podIPs=%v hostIP=%q hostIPs=%v", p.Status.PodIP, p.Status.PodIPs, p.Status.HostIP, p.Status.HostIPs)
	}
	if p.Status.StartTime.IsZero() {
		t.Error("no startTime")
	}
	for _, name := range []string{"app", "side"} {
		cs := cstatus(p, name)
		if cs == nil {
			t.Fatalf("no status for %s", name)
		}
		if cs.State.Running == nil || !cs.Ready || cs.Started == nil || !*cs.Started || cs.RestartCount != 0 {
			t.Errorf("%s: %+v", name, cs)
		}
		if !strings.HasPrefix(cs.ContainerID, "fake://") {
			t.Errorf("%s: containerID %q", name, cs.ContainerID)
		}
	}
	if cs := cstatus(p, "app"); cs.Image != "nginx" {
		t.Errorf("image %q", cs.Image)
	}

	// Status is written only when it changes: many syncs later the pod
	// is at the same resourceVersion.
	rv := p.ResourceVersion
	calls := len(h.rt.CallsTo("ListContainers"))
	h.eventually("more syncs", func() (bool, string) {
		return len(h.rt.CallsTo("ListContainers")) >= calls+20, ""
	}, nil)
	if again, err := h.pods.Get(context.Background(), "web", client.GetOptions{}); err != nil || again.ResourceVersion != rv {
		t.Errorf("pod rewritten without a change: rv %s -> %s (%v)", rv, again.ResourceVersion, err)
	}

	// Graceful deletion: StopContainer with the grace period, then the
	// pod object disappears.
	h.rt.ResetCalls()
	if err := h.pods.Delete(context.Background(), "web", metav1.DeleteOptions{GracePeriodSeconds: new(int64(7))}); err != nil {
		t.Fatal(err)
	}
	h.eventually("pod gone", func() (bool, string) {
		_, err := h.pods.Get(context.Background(), "web", client.GetOptions{})
		return client.IsNotFound(err), errString(err)
	}, nil)
	stops := h.rt.CallsTo("StopContainer")
	if len(stops) != 2 {
		t.Fatalf("StopContainer calls: %+v", stops)
	}
	for _, c := range stops {
		if c.Timeout != 7*time.Second {
			t.Errorf("StopContainer timeout %v, want 7s", c.Timeout)
		}
	}
	h.eventually("sandbox removed", func() (bool, string) {
		sbs, err := h.rt.ListPodSandbox(context.Background(), nil)
		return err == nil && len(sbs) == 0, ""
	}, nil)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

var _ = fake.Options{}

// TestKubeletRestartAdoptsPods stops a kubelet and starts another for the
// same node and runtime: the running containers are kept, not restarted.
func TestKubeletRestartAdoptsPods(t *testing.T) {
	h := newHarness(t, harnessOpts{noStart: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.k.Run(ctx) }()
	h.createPod(simplePod("keep", ctr("app", "server")))
	before := h.waitPod("keep", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h.rt.ResetCalls()
	k2, err := kubelet.New(kubelet.Config{NodeName: testNode, Client: h.env.Client, Runtime: h.rt, RootDir: h.rootDir,
		Clock: h.clock, RelistPeriod: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.k = k2
	h.run()
	// A change to the pod makes the new kubelet sync it.
	p, err := h.pods.Get(context.Background(), "keep", client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Labels = map[string]string{"touched": "yes"}
	if _, err := h.pods.Update(context.Background(), p, client.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.eventually("new kubelet synced the pod", func() (bool, string) {
		return len(h.rt.CallsTo("ListContainers")) > 0, ""
	}, nil)
	after := h.waitPod("keep", "still running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if a, b := cstatus(after, "app").ContainerID, cstatus(before, "app").ContainerID; a != b {
		t.Errorf("container replaced: %s -> %s", b, a)
	}
	if n := len(h.rt.CallsTo("CreateContainer")) + len(h.rt.CallsTo("RunPodSandbox")); n != 0 {
		t.Errorf("the new kubelet created %d sandboxes/containers", n)
	}
	// And it still deletes it gracefully.
	if err := h.pods.Delete(context.Background(), "keep", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h.eventually("pod gone", func() (bool, string) {
		_, err := h.pods.Get(context.Background(), "keep", client.GetOptions{})
		return client.IsNotFound(err), errString(err)
	}, nil)
	if len(h.rt.CallsTo("StopContainer")) != 1 {
		t.Errorf("StopContainer calls: %v", h.rt.CallsTo("StopContainer"))
	}
}

// TestOrphanedSandboxesRemoved: sandboxes of this node's pods that no
// longer exist (deleted while the kubelet was down) are removed at start;
// other nodes' sandboxes are left alone.
func TestOrphanedSandboxesRemoved(t *testing.T) {
	h := newHarness(t, harnessOpts{noStart: true})
	ctx := context.Background()
	mine, err := h.rt.RunPodSandbox(ctx, &kubelet.PodSandboxConfig{
		Metadata: kubelet.PodSandboxMetadata{Name: "gone", Namespace: "default", UID: "uid-gone"},
		Labels:   map[string]string{kubelet.LabelPodUID: "uid-gone", kubelet.LabelNode: testNode}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := h.rt.RunPodSandbox(ctx, &kubelet.PodSandboxConfig{
		Metadata: kubelet.PodSandboxMetadata{Name: "theirs", Namespace: "default", UID: "uid-theirs"},
		Labels:   map[string]string{kubelet.LabelPodUID: "uid-theirs", kubelet.LabelNode: "node-2"}})
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	h.eventually("orphan removed", func() (bool, string) {
		_, err := h.rt.PodSandboxStatus(ctx, mine)
		return err != nil, errString(err)
	}, nil)
	if _, err := h.rt.PodSandboxStatus(ctx, other); err != nil {
		t.Errorf("another node's sandbox was touched: %v", err)
	}
}
