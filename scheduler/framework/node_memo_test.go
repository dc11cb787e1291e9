package framework

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func memoNode(name string, pods ...string) *NodeInfo {
	ni := NewNodeInfo()
	ni.SetNode(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}})
	for _, p := range pods {
		ni.AddPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: p}})
	}
	return ni
}

// TestNodeMemoVisit checks that Visit returns what compute returns, and
// computes only for nodes that are new or changed since the last Visit
// with the same key.
func TestNodeMemoVisit(t *testing.T) {
	m := NewNodeMemo[int](2)
	var computed []string
	compute := func(ni *NodeInfo) int {
		computed = append(computed, ni.NodeName()) // serial: Parallelizer of 1
		return len(ni.Pods)
	}
	p := Parallelizer{Parallelism: 1}
	visit := func(key string, nodes []*NodeInfo) []int {
		t.Helper()
		computed = nil
		got := make([]int, len(nodes))
		if err := m.Visit(t.Context(), p, key, nodes, compute, func(i, v int) { got[i] = v }, "test"); err != nil {
			t.Fatal(err)
		}
		return got
	}
	a, b, c := memoNode("a", "p1"), memoNode("b"), memoNode("c", "p2", "p3")
	check := func(step string, got, want []int, wantComputed []string) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: values (-want +got):\n%s", step, diff)
		}
		if diff := cmp.Diff(wantComputed, computed); diff != "" {
			t.Errorf("%s: computed (-want +got):\n%s", step, diff)
		}
	}
	check("first", visit("k", []*NodeInfo{a, b, c}), []int{1, 0, 2}, []string{"a", "b", "c"})
	check("unchanged", visit("k", []*NodeInfo{a, b, c}), []int{1, 0, 2}, nil)
	// The same NodeInfos in the same order: only the changed one is
	// recomputed, and the next call sees its new value remembered.
	c.AddPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p6"}})
	check("c changed in place", visit("k", []*NodeInfo{a, b, c}), []int{1, 0, 3}, []string{"c"})
	check("c remembered", visit("k", []*NodeInfo{a, b, c}), []int{1, 0, 3}, nil)
	// A NodeInfo that now holds another node is recomputed under its new
	// name; the old name is forgotten.
	c.SetNode(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "d"}})
	check("c renamed d", visit("k", []*NodeInfo{a, b, c}), []int{1, 0, 3}, []string{"d"})
	c.SetNode(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "c"}})
	check("d renamed c", visit("k", []*NodeInfo{a, b, c}), []int{1, 0, 3}, []string{"c"})
	b.AddPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p4"}})
	check("b changed", visit("k", []*NodeInfo{c, b, a}), []int{3, 1, 1}, []string{"b"})
	// A copy with the same generation reuses the value; changing the copy
	// does not change the original's value.
	a2 := a.Snapshot()
	check("copy", visit("k", []*NodeInfo{a2, b, c}), []int{1, 1, 3}, nil)
	a2.AddPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p5"}})
	check("copy changed", visit("k", []*NodeInfo{a2, b}), []int{2, 1}, []string{"a"})
	check("original again", visit("k", []*NodeInfo{a, b, c}), []int{1, 1, 3}, []string{"a", "c"})
	check("other key", visit("k2", []*NodeInfo{a}), []int{1}, []string{"a"})
	check("third key evicts k", visit("k3", []*NodeInfo{a}), []int{1}, []string{"a"})
	check("k forgotten", visit("k", []*NodeInfo{a}), []int{1}, []string{"a"})
	// Generation 0 is never remembered.
	lit := &NodeInfo{}
	check("literal", visit("k", []*NodeInfo{lit, lit}), []int{0, 0}, []string{"", ""})
	check("literal again", visit("k", []*NodeInfo{lit}), []int{0}, []string{""})
}

// TestNodeMemoCancelled checks that a cancelled Visit visits nothing and
// leaves the memo usable.
func TestNodeMemoCancelled(t *testing.T) {
	m := NewNodeMemo[int](4)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	n := 0
	err := m.Visit(ctx, Parallelizer{Parallelism: 1}, "k", []*NodeInfo{memoNode("a")}, func(*NodeInfo) int { return 1 }, func(int, int) { n++ }, "test")
	if err == nil || n != 0 {
		t.Fatalf("Visit after cancel = %v with %d visits, want ctx error and none", err, n)
	}
	var got int
	if err := m.Visit(t.Context(), Parallelizer{Parallelism: 1}, "k", []*NodeInfo{memoNode("a", "p")}, func(ni *NodeInfo) int { return len(ni.Pods) }, func(_, v int) { got = v }, "test"); err != nil || got != 1 {
		t.Errorf("Visit after a cancelled one = %d, %v; want 1, nil", got, err)
	}
}

// TestNodeAggregate checks that the aggregate NodeAggregate passes to use
// is the sum over exactly the nodes given, as nodes change, come and go,
// and when some cannot be remembered.
func TestNodeAggregate(t *testing.T) {
	m := NewNodeMemo[int](4)
	p := Parallelizer{Parallelism: 2}
	sum := func(nodes []*NodeInfo) int {
		t.Helper()
		var got int
		err := NodeAggregate(t.Context(), m, p, "k", nodes,
			func(ni *NodeInfo) int { return len(ni.Pods) },
			func() *int { return new(int) },
			func(agg *int, v int, sign int64) { *agg += int(sign) * v },
			func(agg *int) { got = *agg }, "test")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a, b, c := memoNode("a", "p1"), memoNode("b"), memoNode("c", "p2", "p3")
	steps := []struct {
		name   string
		change func()
		nodes  func() []*NodeInfo
		want   int
	}{
		{"first", func() {}, func() []*NodeInfo { return []*NodeInfo{a, b, c} }, 3},
		{"unchanged", func() {}, func() []*NodeInfo { return []*NodeInfo{a, b, c} }, 3},
		{"b gains a pod", func() {
			b.AddPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p4"}})
		}, func() []*NodeInfo { return []*NodeInfo{a, b, c} }, 4},
		{"c left out, order changed", func() {}, func() []*NodeInfo { return []*NodeInfo{b, a} }, 2},
		{"c back", func() {}, func() []*NodeInfo { return []*NodeInfo{c, b, a} }, 4},
		{"a repeated and a literal", func() {}, func() []*NodeInfo {
			return []*NodeInfo{a, b, a, {Pods: []*PodInfo{{}}}}
		}, 4},
		{"back to normal", func() {}, func() []*NodeInfo { return []*NodeInfo{a, b, c} }, 4},
	}
	for _, s := range steps {
		s.change()
		if got := sum(s.nodes()); got != s.want {
			t.Errorf("%s: aggregate %d, want %d", s.name, got, s.want)
		}
	}
}
