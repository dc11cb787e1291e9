package podtopologyspread_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// TestMemoMatchesFresh checks that a plugin that remembers each node's
// matching pods across cycles gives the same Filter verdicts as a new
// plugin, while pods come and go and nodes are relabelled between cycles.
func TestMemoMatchesFresh(t *testing.T) {
	nodes := []*corev1.Node{zoned("n1", "z1"), zoned("n2", "z1"), zoned("n3", "z2"), zoned("n4", "z3")}
	existing := concat(pods("a", "n1", 2), pods("b", "n3", 1))
	snap := newSnapshot(existing, nodes)
	shared := newPlugin(t, nil, snap)
	honorAffinity := func(p *corev1.Pod) *corev1.Pod {
		p.Spec.NodeSelector = map[string]string{"zone": "z1"}
		return p
	}
	incoming := []*corev1.Pod{
		withConstraints(pod("zone", "", fooLabel), spread(1, "zone", corev1.DoNotSchedule, exists("foo"))),
		withConstraints(pod("both", "", fooLabel), spread(1, "zone", corev1.DoNotSchedule, exists("foo")), spread(1, "node", corev1.DoNotSchedule, exists("foo"))),
		withConstraints(pod("other", "", nil), spread(1, "node", corev1.DoNotSchedule, exists("bar"))),
		honorAffinity(withConstraints(pod("selector", "", fooLabel), spread(1, "node", corev1.DoNotSchedule, exists("foo")))),
	}
	steps := []struct {
		name   string
		change func()
	}{
		{"initial", func() {}},
		{"unchanged", func() {}},
		{"two foo pods added to n4", func() {
			for _, p := range pods("c", "n4", 2) {
				snap.ByName["n4"].AddPod(p)
			}
		}},
		{"a bar pod added to n2", func() { snap.ByName["n2"].AddPod(pod("bar", "n2", map[string]string{"bar": ""})) }},
		{"a0 removed", func() {
			if err := snap.ByName["n1"].RemovePod(existing[0]); err != nil {
				t.Fatal(err)
			}
		}},
		{"n3 moved to zone z1", func() { snap.ByName["n3"].SetNode(zoned("n3", "z1")) }},
		{"n2 replaced by a copy with a pod more", func() {
			c := snap.ByName["n2"].Snapshot()
			c.AddPod(pod("d0", "n2", fooLabel))
			snap.Nodes[1], snap.ByName["n2"] = c, c
		}},
		{"n4 left out", func() {
			snap.Nodes = snap.Nodes[:3]
			delete(snap.ByName, "n4")
		}},
	}
	for _, step := range steps {
		step.change()
		for _, p := range incoming {
			fresh := newPlugin(t, nil, snap)
			if diff := cmp.Diff(filterAll(t, fresh, snap, p), filterAll(t, shared, snap, p)); diff != "" {
				t.Errorf("%s: pod %s: Filter (-fresh +memoised):\n%s", step.name, p.Name, diff)
			}
		}
	}
}
