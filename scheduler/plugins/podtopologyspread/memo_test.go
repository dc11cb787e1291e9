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
	inZone := func(p *corev1.Pod, zone string) *corev1.Pod {
		p.Spec.NodeSelector = map[string]string{"zone": zone}
		return p
	}
	honorTaints := func(p *corev1.Pod, tolerate bool) *corev1.Pod {
		honor := corev1.NodeInclusionPolicyHonor
		p.Spec.TopologySpreadConstraints[0].NodeTaintsPolicy = &honor
		if tolerate {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
		}
		return p
	}
	// The pods after "selector" share their constraints' selectors and
	// topology keys with "zone" but differ in what decides which nodes
	// count (node selector, taint policy, tolerations): a memo that
	// mixed them up would count the wrong nodes.
	incoming := []*corev1.Pod{
		withConstraints(pod("zone", "", fooLabel), spread(1, "zone", corev1.DoNotSchedule, exists("foo"))),
		withConstraints(pod("both", "", fooLabel), spread(1, "zone", corev1.DoNotSchedule, exists("foo")), spread(1, "node", corev1.DoNotSchedule, exists("foo"))),
		withConstraints(pod("other", "", nil), spread(1, "node", corev1.DoNotSchedule, exists("bar"))),
		honorAffinity(withConstraints(pod("selector", "", fooLabel), spread(1, "node", corev1.DoNotSchedule, exists("foo")))),
		inZone(withConstraints(pod("zone-in-z2", "", fooLabel), spread(1, "zone", corev1.DoNotSchedule, exists("foo"))), "z2"),
		inZone(withConstraints(pod("zone-in-z3", "", fooLabel), spread(1, "zone", corev1.DoNotSchedule, exists("foo"))), "z3"),
		honorTaints(withConstraints(pod("zone-honor-taints", "", fooLabel), spread(1, "zone", corev1.DoNotSchedule, exists("foo"))), false),
		honorTaints(withConstraints(pod("zone-tolerating", "", fooLabel), spread(1, "zone", corev1.DoNotSchedule, exists("foo"))), true),
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
		{"n4 tainted", func() {
			n := zoned("n4", "z3")
			n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "x", Effect: corev1.TaintEffectNoSchedule}}
			snap.ByName["n4"].SetNode(n)
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
