package defaultpreemption

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func victim(name string, prio int32, started time.Duration) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)}}
	p.Spec.Priority = &prio
	if started >= 0 {
		p.Status.StartTime = &metav1.Time{Time: t0.Add(started)}
	}
	return p
}

// TestPickOneNodeForPreemption mirrors Kubernetes' TestSelectBestCandidate
// on the candidates directly.
func TestPickOneNodeForPreemption(t *testing.T) {
	c := func(node string, violations int, victims ...*corev1.Pod) *candidate {
		return &candidate{node: node, victims: victims, numPDBViolations: violations}
	}
	now := t0.Add(24 * time.Hour)
	tests := []struct {
		name       string
		candidates []*candidate
		want       string
	}{
		{
			name:       "fewest budget violations first",
			candidates: []*candidate{c("n1", 1, victim("a", 1, 0)), c("n2", 0, victim("b", 100, 0), victim("c", 100, 0))},
			want:       "n2",
		},
		{
			name:       "lowest highest priority",
			candidates: []*candidate{c("n1", 0, victim("a", 10, 0)), c("n2", 0, victim("b", 5, 0), victim("c", 5, 0), victim("d", 5, 0))},
			want:       "n2",
		},
		{
			name:       "smallest sum of priorities",
			candidates: []*candidate{c("n1", 0, victim("a", 10, 0), victim("b", 5, 0)), c("n2", 0, victim("c", 10, 0), victim("d", 1, 0))},
			want:       "n2",
		},
		{
			// Without the shift, -2-2 < -2 would favour two victims.
			name:       "the sum shifts negative priorities",
			candidates: []*candidate{c("n1", 0, victim("a", -2, 0), victim("b", -2, 0)), c("n2", 0, victim("c", -2, 0))},
			want:       "n2",
		},
		{
			name:       "fewest victims",
			candidates: []*candidate{c("n1", 0, victim("a", 2147483647, 0), victim("b", -2147483648, 0)), c("n2", 0, victim("c", 2147483647, 0))},
			want:       "n2",
		},
		{
			name:       "latest start of the highest-priority victims",
			candidates: []*candidate{c("n1", 0, victim("a", 5, time.Hour)), c("n2", 0, victim("b", 5, 2*time.Hour)), c("n3", 0, victim("c", 5, 0))},
			want:       "n2",
		},
		{
			name: "the earliest of several highest-priority victims counts",
			candidates: []*candidate{
				c("n1", 0, victim("a", 5, 3*time.Hour), victim("b", 5, 0)),
				c("n2", 0, victim("c", 5, time.Hour), victim("d", 5, time.Hour)),
			},
			want: "n2",
		},
		{
			name:       "a victim not started yet counts as starting now",
			candidates: []*candidate{c("n1", 0, victim("a", 5, 0)), c("n2", 0, victim("b", 5, -1))},
			want:       "n2",
		},
		{
			name:       "a full tie picks the first",
			candidates: []*candidate{c("n1", 0, victim("a", 5, 0)), c("n2", 0, victim("b", 5, 0))},
			want:       "n1",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := pickOneNodeForPreemption(tc.candidates, now); got.node != tc.want {
				t.Errorf("picked %s, want %s", got.node, tc.want)
			}
		})
	}
	if got := pickOneNodeForPreemption(nil, now); got != nil {
		t.Errorf("picked %v from no candidates", got)
	}
}

func TestCalculateNumCandidates(t *testing.T) {
	tests := []struct {
		pct, abs, nodes, want int32
	}{
		{10, 100, 10, 10},
		{10, 100, 1000, 100},
		{10, 100, 5000, 500},
		{50, 10, 100, 50},
		{5, 10, 100, 10},
		{0, 1, 7, 1},
		{100, 0, 7, 7},
		{40, 0, 1, 0},
	}
	for _, tc := range tests {
		pl := &DefaultPreemption{percentage: tc.pct, absolute: tc.abs}
		if got := pl.calculateNumCandidates(tc.nodes); got != tc.want {
			t.Errorf("calculateNumCandidates(%d) with %d%% and %d = %d, want %d", tc.nodes, tc.pct, tc.abs, got, tc.want)
		}
	}
}

func TestFilterPodsWithPDBViolation(t *testing.T) {
	labelled := func(name, ns string, labels map[string]string) *framework.PodInfo {
		p := victim(name, 1, 0)
		p.Namespace, p.Labels = ns, labels
		return &framework.PodInfo{Pod: p}
	}
	appA := map[string]string{"app": "a"}
	budget := func(allowed int32, disrupted ...string) *DisruptionBudget {
		b := &DisruptionBudget{Namespace: "default", Name: "a", Selector: &metav1.LabelSelector{MatchLabels: appA}, DisruptionsAllowed: allowed}
		if len(disrupted) > 0 {
			b.DisruptedPods = map[string]metav1.Time{}
			for _, d := range disrupted {
				b.DisruptedPods[d] = metav1.Time{Time: t0}
			}
		}
		return b
	}
	names := func(ps []*framework.PodInfo) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Pod.Name)
		}
		return out
	}
	pods := []*framework.PodInfo{
		labelled("p1", "default", appA),
		labelled("p2", "default", appA),
		labelled("p3", "other", appA),
		labelled("p4", "default", nil),
		labelled("p5", "default", appA),
	}
	tests := []struct {
		name                string
		budgets             []*DisruptionBudget
		wantViolating, want []string
	}{
		{name: "no budgets", want: []string{"p1", "p2", "p3", "p4", "p5"}},
		{name: "one disruption allowed", budgets: []*DisruptionBudget{budget(1)},
			wantViolating: []string{"p2", "p5"}, want: []string{"p1", "p3", "p4"}},
		{name: "already disrupted pods are not counted again", budgets: []*DisruptionBudget{budget(1, "p1")},
			wantViolating: []string{"p5"}, want: []string{"p1", "p2", "p3", "p4"}},
		{name: "an empty selector covers nothing", budgets: []*DisruptionBudget{{Namespace: "default", Selector: &metav1.LabelSelector{}}},
			want: []string{"p1", "p2", "p3", "p4", "p5"}},
		{name: "a nil selector covers nothing", budgets: []*DisruptionBudget{{Namespace: "default"}},
			want: []string{"p1", "p2", "p3", "p4", "p5"}},
		{name: "an invalid selector covers nothing", budgets: []*DisruptionBudget{{Namespace: "default",
			Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn}}}}},
			want: []string{"p1", "p2", "p3", "p4", "p5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			violating, ok := filterPodsWithPDBViolation(pods, tc.budgets)
			if diff := cmp.Diff(tc.wantViolating, names(violating)); diff != "" {
				t.Errorf("violating (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, names(ok)); diff != "" {
				t.Errorf("non-violating (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFitErrorMessage(t *testing.T) {
	m := framework.NewDefaultNodeToStatus()
	m.Set("n1", framework.NewStatus(framework.Unschedulable, "Insufficient cpu", "Too many pods"))
	m.Set("n2", framework.NewStatus(framework.Unschedulable, "Insufficient cpu"))
	m.SetAbsentNodesStatus(framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNotHelpful))
	want := "0/5 nodes are available: 1 Too many pods, 2 Insufficient cpu, 3 Preemption is not helpful for scheduling."
	if got := fitErrorMessage(5, m); got != want {
		t.Errorf("fitErrorMessage = %q, want %q", got, want)
	}
}

// stubHandle runs a one-pod-per-node filter, so that dry runs need no
// framework.
type stubHandle struct {
	framework.Handle
	parallelism int
}

func (h stubHandle) Parallelizer() framework.Parallelizer {
	return framework.Parallelizer{Parallelism: h.parallelism}
}

func (stubHandle) RunPreFilterExtensionAddPod(context.Context, *framework.CycleState, *corev1.Pod, *framework.PodInfo, *framework.NodeInfo) *framework.Status {
	return nil
}

func (stubHandle) RunPreFilterExtensionRemovePod(context.Context, *framework.CycleState, *corev1.Pod, *framework.PodInfo, *framework.NodeInfo) *framework.Status {
	return nil
}

func (stubHandle) RunFilterPluginsWithNominatedPods(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	if len(ni.Pods) > 0 {
		return framework.NewStatus(framework.Unschedulable, "Too many pods")
	}
	return nil
}

// TestDryRunOrderAndCut checks that candidates come back in node order
// whatever the random offset, and that the dry run stops once it has
// enough of them.
func TestDryRunOrderAndCut(t *testing.T) {
	var nodes []*framework.NodeInfo
	for i := range 5 {
		ni := framework.NewNodeInfo(victim(fmt.Sprintf("v%d", i), 1, 0))
		ni.SetNode(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("n%d", i)}})
		nodes = append(nodes, ni)
	}
	preemptor := victim("p", 10, 0)
	nodeNames := func(cs []*candidate) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.node)
		}
		return out
	}
	for offset := range 5 {
		pl := &DefaultPreemption{handle: stubHandle{parallelism: 3}, now: func() time.Time { return t0 }}
		cs, _, err := pl.dryRunPreemption(context.Background(), framework.NewCycleState(), preemptor, nodes, nil, offset, 5)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"n0", "n1", "n2", "n3", "n4"}, nodeNames(cs)); diff != "" {
			t.Errorf("offset %d: candidates (-want +got):\n%s", offset, diff)
		}
		if got := pl.selectCandidate(cs).node; got != "n0" {
			t.Errorf("offset %d: selected %s, want n0", offset, got)
		}
	}
	pl := &DefaultPreemption{handle: stubHandle{parallelism: 1}, now: func() time.Time { return t0 }}
	cs, _, err := pl.dryRunPreemption(context.Background(), framework.NewCycleState(), preemptor, nodes, nil, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"n3", "n4"}, nodeNames(cs)); diff != "" {
		t.Errorf("cut at 2 from offset 3: candidates (-want +got):\n%s", diff)
	}
	for _, ni := range nodes {
		if len(ni.Pods) != 1 {
			t.Errorf("the dry run changed node %s: %d pods", ni.NodeName(), len(ni.Pods))
		}
	}
}
