package interpodaffinity_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// TestMemoMatchesFresh checks that a plugin that keeps per-node results
// across cycles (its memos) gives the same Filter verdicts and scores as
// a new plugin, while pods come and go and nodes are relabelled between
// cycles, for pods with required and preferred affinity and
// anti-affinity, with and without namespace selectors.
func TestMemoMatchesFresh(t *testing.T) {
	nodes := []*corev1.Node{
		node("n1", map[string]string{"zone": "z1", "host": "n1"}),
		node("n2", map[string]string{"zone": "z1", "host": "n2"}),
		node("n3", map[string]string{"zone": "z2", "host": "n3"}),
		node("n4", map[string]string{"zone": "z2", "host": "n4"}),
	}
	blue := map[string]string{"color": "blue"}
	green := map[string]string{"color": "green"}
	teamA := corev1.PodAffinityTerm{
		LabelSelector:     &metav1.LabelSelector{MatchLabels: blue},
		TopologyKey:       "zone",
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}},
	}
	incoming := []*corev1.Pod{
		withAffinity(pod("aff", "", blue), terms(in("color", "zone", "blue")), nil),
		withAffinity(pod("anti", "", green), nil, terms(in("color", "host", "green"))),
		withAffinity(pod("both", "", blue), terms(in("color", "zone", "blue")), terms(in("color", "host", "green"))),
		withPreferred(pod("pref", "", blue), []corev1.WeightedPodAffinityTerm{weighted(5, in("color", "zone", "blue"))}, []corev1.WeightedPodAffinityTerm{weighted(3, in("color", "host", "green"))}),
		withAffinity(pod("nssel", "", blue), terms(teamA), nil),
		pod("plain", "", green),
	}
	existing := []*corev1.Pod{
		withAffinity(pod("e1", "n1", blue), terms(in("color", "zone", "blue")), nil),
		withAffinity(pod("e2", "n3", green), nil, terms(in("color", "host", "green"))),
		withPreferred(pod("ns-a/e3", "n4", blue), []corev1.WeightedPodAffinityTerm{weighted(7, in("color", "zone", "blue"))}, nil),
	}
	snap := newSnapshot(existing, nodes)
	shared := newPlugin(t, nil, snap)

	steps := []struct {
		name   string
		change func()
	}{
		{"initial", func() {}},
		{"unchanged", func() {}},
		{"green anti pod added to n2", func() {
			snap.ByName["n2"].AddPod(withAffinity(pod("e4", "n2", green), nil, terms(in("color", "host", "green"))))
		}},
		{"blue pod added to n4", func() { snap.ByName["n4"].AddPod(pod("e5", "n4", blue)) }},
		{"e1 removed", func() {
			if err := snap.ByName["n1"].RemovePod(existing[0]); err != nil {
				t.Fatal(err)
			}
		}},
		{"n3 moved to zone z1", func() {
			snap.ByName["n3"].SetNode(node("n3", map[string]string{"zone": "z1", "host": "n3"}))
		}},
		{"n2 replaced by a copy with a pod more", func() {
			c := snap.ByName["n2"].Snapshot()
			c.AddPod(pod("ns-a/e6", "n2", blue))
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
			wantScores, wantStatus := scoreAll(t, fresh, snap, p)
			gotScores, gotStatus := scoreAll(t, shared, snap, p)
			if diff := cmp.Diff(wantScores, gotScores); diff != "" {
				t.Errorf("%s: pod %s: scores (-fresh +memoised):\n%s", step.name, p.Name, diff)
			}
			if wantStatus.Code() != gotStatus.Code() {
				t.Errorf("%s: pod %s: PreScore %v, fresh plugin %v", step.name, p.Name, gotStatus, wantStatus)
			}
		}
	}
}
