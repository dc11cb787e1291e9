package cache_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/cache"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

func zoned(name, zone string) *corev1.Node {
	return ft.Node(name, ft.Resources("cpu", "4", "memory", "8Gi", "pods", "110"), map[string]string{corev1.LabelTopologyZone: zone})
}

func names(s *cache.Snapshot) []string {
	l, _ := s.List()
	var out []string
	for _, ni := range l {
		out = append(out, ni.NodeName())
	}
	return out
}

func TestZoneInterleavedOrder(t *testing.T) {
	c := cache.New()
	for _, n := range []*corev1.Node{zoned("a1", "a"), zoned("a2", "a"), zoned("a3", "a"), zoned("b1", "b"), zoned("c1", "c"), zoned("c2", "c")} {
		c.AddNode(n)
	}
	s := cache.NewEmptySnapshot()
	if err := c.UpdateSnapshot(s); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a1", "b1", "c1", "a2", "c2", "a3"}, names(s)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a1", "b1", "c1", "a2", "c2", "a3"}, s.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
}

func TestAssumeForgetConfirm(t *testing.T) {
	c := cache.New()
	c.AddNode(zoned("n", "a"))
	s := cache.NewEmptySnapshot()
	pod := ft.On(ft.Pod("p", ft.Resources("cpu", "1")), "n")
	pi, _ := framework.NewPodInfo(pod)
	requested := func() int64 {
		if err := c.UpdateSnapshot(s); err != nil {
			t.Fatal(err)
		}
		ni, _ := s.Get("n")
		return ni.Requested.MilliCPU
	}
	if err := c.AssumePod(pi); err != nil {
		t.Fatal(err)
	}
	if got := requested(); got != 1000 {
		t.Fatalf("assumed pod: requested %dm, want 1000m", got)
	}
	if err := c.AssumePod(pi); err == nil {
		t.Error("assuming a pod twice succeeded")
	}
	if err := c.ForgetPod(pod); err != nil {
		t.Fatal(err)
	}
	if got := requested(); got != 0 {
		t.Fatalf("forgotten pod: requested %dm, want 0", got)
	}
	// Assume, then the bound pod arrives on another node: it moves.
	c.AddNode(zoned("m", "a"))
	_ = c.AssumePod(pi)
	if err := c.FinishBinding(pod); err != nil {
		t.Fatal(err)
	}
	if err := c.AddPod(ft.On(pod, "m")); err != nil {
		t.Fatal(err)
	}
	if c.IsAssumedPod(pod) {
		t.Error("pod still assumed after AddPod confirmed it")
	}
	if got := requested(); got != 0 {
		t.Errorf("node n still holds %dm after the pod was confirmed on m", got)
	}
	if err := c.ForgetPod(pod); err == nil {
		t.Error("ForgetPod of a confirmed pod succeeded")
	}
	if err := c.RemovePod(pod); err != nil {
		t.Fatal(err)
	}
	if c.PodCount() != 0 {
		t.Errorf("PodCount = %d after removal, want 0", c.PodCount())
	}
}

// UpdateSnapshot copies only the nodes that changed: the others keep their
// generation, and the snapshot's NodeInfo pointers stay put.
func TestIncrementalSnapshot(t *testing.T) {
	c := cache.New()
	for _, n := range []string{"a", "b", "c"} {
		c.AddNode(zoned(n, "z"))
	}
	s := cache.NewEmptySnapshot()
	_ = c.UpdateSnapshot(s)
	before := map[string]*framework.NodeInfo{}
	gens := map[string]int64{}
	for _, n := range []string{"a", "b", "c"} {
		ni, _ := s.Get(n)
		before[n], gens[n] = ni, ni.Generation
	}
	epoch := s.Epoch()
	_ = c.AddPod(ft.On(ft.Pod("p", ft.Resources("cpu", "1")), "b"))
	_ = c.UpdateSnapshot(s)
	for _, n := range []string{"a", "b", "c"} {
		ni, _ := s.Get(n)
		if ni != before[n] {
			t.Errorf("node %s: NodeInfo pointer changed", n)
		}
		changed := ni.Generation != gens[n]
		if changed != (n == "b") {
			t.Errorf("node %s: generation changed = %v", n, changed)
		}
	}
	if s.Epoch() != epoch {
		t.Error("adding a pod changed the epoch")
	}
	if got := s.Generations()[1]; got != before["b"].Generation {
		t.Errorf("Generations()[1] = %d, want b's %d", got, before["b"].Generation)
	}
	// Removing a node rebuilds the list and changes the epoch.
	_ = c.RemoveNode(zoned("a", "z"))
	_ = c.UpdateSnapshot(s)
	if diff := cmp.Diff([]string{"b", "c"}, names(s)); diff != "" {
		t.Errorf("after removal (-want +got):\n%s", diff)
	}
	if s.Epoch() == epoch {
		t.Error("removing a node kept the epoch")
	}
}

func TestImageStates(t *testing.T) {
	withImage := func(n *corev1.Node) *corev1.Node {
		n.Status.Images = []corev1.ContainerImage{{Names: []string{"nginx:1.27"}, SizeBytes: 100}}
		return n
	}
	c := cache.New()
	c.AddNode(withImage(zoned("a", "z")))
	c.AddNode(withImage(zoned("b", "z")))
	c.AddNode(zoned("c", "z"))
	s := cache.NewEmptySnapshot()
	_ = c.UpdateSnapshot(s)
	ni, _ := s.Get("a")
	if diff := cmp.Diff(&framework.ImageStateSummary{Size: 100, NumNodes: 2}, ni.ImageStates["nginx:1.27"]); diff != "" {
		t.Errorf("image state (-want +got):\n%s", diff)
	}
	_ = c.RemoveNode(zoned("b", "z"))
	_ = c.UpdateSnapshot(s)
	ni, _ = s.Get("a")
	if got := ni.ImageStates["nginx:1.27"].NumNodes; got != 1 {
		t.Errorf("after removing b, NumNodes = %d, want 1", got)
	}
}

func TestSnapshotCloneAndAssume(t *testing.T) {
	s := cache.NewSnapshot(nil, []*corev1.Node{zoned("a", "z")})
	c := s.Clone()
	pi, _ := framework.NewPodInfo(ft.On(ft.Pod("p", ft.Resources("cpu", "1")), "a"))
	if err := c.AssumePod(pi); err != nil {
		t.Fatal(err)
	}
	orig, _ := s.Get("a")
	clone, _ := c.Get("a")
	if len(orig.Pods) != 0 || len(clone.Pods) != 1 {
		t.Errorf("pods: original %d, clone %d; want 0 and 1", len(orig.Pods), len(clone.Pods))
	}
	missing, _ := framework.NewPodInfo(ft.On(ft.Pod("q"), "nowhere"))
	if err := c.AssumePod(missing); err == nil {
		t.Error("assuming onto a missing node succeeded")
	}
}
