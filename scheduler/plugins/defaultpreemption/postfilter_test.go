package defaultpreemption_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/defaultpreemption"
)

func unschedulable(msg string) *framework.Status {
	return framework.NewStatus(framework.Unschedulable, msg)
}

// nominated is the result that nominates node ("" clears the nomination).
func nominated(node string) *framework.PostFilterResult {
	return framework.NewPostFilterResultWithNominatedNode(node)
}

func TestPostFilter(t *testing.T) {
	zone := func(name, z string) *corev1.Node {
		return node(name, "", map[string]string{"zone": z, corev1.LabelHostname: name})
	}
	foo := map[string]string{"foo": ""}
	spreadPod := func() *corev1.Pod {
		p := withLabels(pod("p", "", highPriority, ""), foo)
		sel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "foo", Operator: metav1.LabelSelectorOpExists}}}
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{
			{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel},
			{MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel},
		}
		return p
	}
	never := func(p *corev1.Pod) *corev1.Pod {
		policy := corev1.PreemptNever
		p.Spec.PreemptionPolicy = &policy
		return p
	}
	guard := func() *corev1.Pod {
		p := withLabels(pod("guard", "n1", lowPriority, ""), map[string]string{"app": "guard"})
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			TopologyKey:   corev1.LabelHostname,
		}}}}
		return p
	}
	dbAffinity := func(p *corev1.Pod) *corev1.Pod {
		p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			TopologyKey:   corev1.LabelHostname,
		}}}}
		return p
	}
	budgetA := &defaultpreemption.DisruptionBudget{Namespace: "default", Name: "a",
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}}, DisruptionsAllowed: 0}
	hostNode := func(name, cpu string) *corev1.Node {
		return node(name, cpu, map[string]string{corev1.LabelHostname: name})
	}

	tests := []struct {
		name        string
		cfg         envConfig
		pod         *corev1.Pod
		wantResult  *framework.PostFilterResult
		wantStatus  *framework.Status
		wantEvicted []string
	}{
		{
			name: "preemptionPolicy Never does not preempt",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "1", nil)},
				pods: []*corev1.Pod{pod("low", "n1", lowPriority, "1")}},
			pod:        never(pod("p", "", highPriority, "1")),
			wantStatus: unschedulable("preemption: not eligible due to preemptionPolicy=Never."),
		},
		{
			name: "evict the least important pod that makes room",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "2", nil)},
				pods: []*corev1.Pod{pod("mid", "n1", midPriority, "1"), pod("low", "n1", lowPriority, "1")}},
			pod:         pod("p", "", highPriority, "1"),
			wantResult:  nominated("n1"),
			wantEvicted: []string{"low"},
		},
		{
			name: "reprieve the earlier-started of equal-priority pods",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "3", nil)},
				pods: []*corev1.Pod{
					startedAt(pod("low-old", "n1", lowPriority, "1"), 0),
					startedAt(pod("low-new", "n1", lowPriority, "1"), time.Hour),
					startedAt(pod("mid", "n1", midPriority, "1"), 0),
				}},
			pod:         pod("p", "", highPriority, "1"),
			wantResult:  nominated("n1"),
			wantEvicted: []string{"low-new"},
		},
		{
			name: "evict only as many as needed",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "3", nil)},
				pods: []*corev1.Pod{
					startedAt(pod("low-old", "n1", lowPriority, "1"), 0),
					startedAt(pod("low-new", "n1", lowPriority, "1"), time.Hour),
					startedAt(pod("mid", "n1", midPriority, "1"), 0),
				}},
			pod:         pod("p", "", highPriority, "2"),
			wantResult:  nominated("n1"),
			wantEvicted: []string{"low-new", "low-old"},
		},
		{
			name: "pods of equal or higher priority are never victims",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "1", nil)},
				pods: []*corev1.Pod{pod("peer", "n1", highPriority, "1")}},
			pod:        pod("p", "", highPriority, "1"),
			wantResult: nominated(""),
			wantStatus: unschedulable("preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."),
		},
		{
			name: "a node too small even when empty is no candidate",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "1", nil), node("n2", "1", nil)},
				pods: []*corev1.Pod{pod("low", "n1", lowPriority, "1"), pod("peer", "n2", highPriority, "1")}},
			pod:        pod("p", "", highPriority, "2"),
			wantResult: nominated(""),
			wantStatus: unschedulable("preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod."),
		},
		{
			name: "nodes rejected as unresolvable are not tried",
			cfg: envConfig{nodes: []*corev1.Node{hostNode("n1", "2"), hostNode("n2", "2")},
				pods: []*corev1.Pod{pod("low-1", "n1", lowPriority, "1"), pod("low-2", "n2", lowPriority, "1")}},
			pod:        dbAffinity(withLabels(pod("p", "", highPriority, "1"), map[string]string{"app": "web"})),
			wantResult: nominated(""),
			wantStatus: unschedulable("preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."),
		},
		{
			name: "the node whose most important victim is least important",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "1", nil), node("n2", "1", nil)},
				pods: []*corev1.Pod{pod("mid", "n1", midPriority, "1"), pod("low", "n2", lowPriority, "1")}},
			pod:         pod("p", "", highPriority, "1"),
			wantResult:  nominated("n2"),
			wantEvicted: []string{"low"},
		},
		{
			name: "the node without a disruption budget violation first",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "1", nil), node("n2", "1", nil)},
				pods: []*corev1.Pod{
					withLabels(pod("low-a", "n1", lowPriority, "1"), map[string]string{"app": "a"}),
					withLabels(pod("mid-b", "n2", midPriority, "1"), map[string]string{"app": "b"}),
				},
				args: defaultpreemption.Args{DisruptionBudgets: defaultpreemption.DisruptionBudgetListerFunc(func() ([]*defaultpreemption.DisruptionBudget, error) {
					return []*defaultpreemption.DisruptionBudget{budgetA}, nil
				})}},
			pod:         pod("p", "", highPriority, "1"),
			wantResult:  nominated("n2"),
			wantEvicted: []string{"mid-b"},
		},
		{
			name: "budgets from the Handle",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "1", nil), node("n2", "1", nil)},
				pods: []*corev1.Pod{
					withLabels(pod("low-a", "n1", lowPriority, "1"), map[string]string{"app": "a"}),
					withLabels(pod("mid-b", "n2", midPriority, "1"), map[string]string{"app": "b"}),
				},
				extended: true, budgets: []*defaultpreemption.DisruptionBudget{budgetA}},
			pod:         pod("p", "", highPriority, "1"),
			wantResult:  nominated("n2"),
			wantEvicted: []string{"mid-b"},
		},
		{
			name: "a budget violation when there is no other way",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "1", nil)},
				pods:     []*corev1.Pod{withLabels(pod("low-a", "n1", lowPriority, "1"), map[string]string{"app": "a"})},
				extended: true, budgets: []*defaultpreemption.DisruptionBudget{budgetA}},
			pod:         pod("p", "", highPriority, "1"),
			wantResult:  nominated("n1"),
			wantEvicted: []string{"low-a"},
		},
		{
			// zone1 holds 3 matching pods and zone2 2; node-x's pods are
			// not lower priority. Evicting pod-a2 or pod-b1 fixes the
			// spread; the tie goes to the first node.
			name: "preemption resolves a topology spread failure",
			cfg: envConfig{
				nodes: []*corev1.Node{zone("node-a", "zone1"), zone("node-b", "zone1"), zone("node-x", "zone2")},
				pods: []*corev1.Pod{
					withLabels(pod("pod-a1", "node-a", midPriority, ""), foo),
					withLabels(pod("pod-a2", "node-a", lowPriority, ""), foo),
					withLabels(pod("pod-b1", "node-b", lowPriority, ""), foo),
					withLabels(pod("pod-x1", "node-x", highPriority, ""), foo),
					withLabels(pod("pod-x2", "node-x", highPriority, ""), foo),
				},
			},
			pod:         spreadPod(),
			wantResult:  nominated("node-a"),
			wantEvicted: []string{"pod-a2"},
		},
		{
			name: "preemption resolves an existing pod's anti-affinity",
			cfg: envConfig{
				nodes: []*corev1.Node{hostNode("n1", "2"), hostNode("n2", "2")},
				pods:  []*corev1.Pod{guard(), pod("big", "n2", highPriority+1, "2")},
			},
			pod:         withLabels(pod("p", "", highPriority, "1"), map[string]string{"app": "web"}),
			wantResult:  nominated("n1"),
			wantEvicted: []string{"guard"},
		},
		{
			name: "an eviction failure is an error",
			cfg: envConfig{nodes: []*corev1.Node{node("n1", "1", nil)},
				pods: []*corev1.Pod{pod("low", "n1", lowPriority, "1")}, evictErr: errBoom},
			pod:        pod("p", "", highPriority, "1"),
			wantStatus: framework.NewStatus(framework.Error, "preemption: preempt pod default/low on node n1 for pod default/p: boom"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.cfg)
			state, statuses := e.filterStatuses(t, tc.pod)
			result, s := e.pl.PostFilter(context.Background(), state, tc.pod, statuses)
			if diff := cmp.Diff(tc.wantStatus, s); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if tc.cfg.evictErr != nil && !errors.Is(s.Err(), tc.cfg.evictErr) {
				t.Errorf("status error %v does not wrap %v", s.Err(), tc.cfg.evictErr)
			}
			if diff := cmp.Diff(tc.wantResult, result); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantEvicted, e.evictedPods()); diff != "" {
				t.Errorf("evicted (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPostFilterThroughFramework runs preemption as the scheduler does,
// through the framework's RunPostFilterPlugins.
func TestPostFilterThroughFramework(t *testing.T) {
	e := newEnv(t, envConfig{nodes: []*corev1.Node{node("n1", "1", nil)}, pods: []*corev1.Pod{pod("low", "n1", lowPriority, "1")}})
	p := pod("p", "", highPriority, "1")
	state, statuses := e.filterStatuses(t, p)
	result, s := e.fw.RunPostFilterPlugins(context.Background(), state, p, statuses)
	if !s.IsSuccess() {
		t.Fatalf("RunPostFilterPlugins = %v", s)
	}
	if diff := cmp.Diff(nominated("n1"), result); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestEligibility(t *testing.T) {
	terminating := func(name string, prio int32, reason string) *corev1.Pod {
		p := pod(name, "n1", prio, "1")
		p.DeletionTimestamp = &metav1.Time{Time: t0}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: reason}}
		return p
	}
	nominatedTo := func(node string) *corev1.Pod {
		p := pod("p", "", highPriority, "1")
		p.Status.NominatedNodeName = node
		return p
	}
	tests := []struct {
		name     string
		pods     []*corev1.Pod
		pod      *corev1.Pod
		override *framework.Status // status of n1, replacing Filter's
		want     *framework.Status
	}{
		{
			name: "a victim of an earlier preemption still terminates on the nominated node",
			pods: []*corev1.Pod{terminating("victim", lowPriority, corev1.PodReasonPreemptionByScheduler), pod("low", "n1", lowPriority, "1")},
			pod:  nominatedTo("n1"),
			want: unschedulable("preemption: not eligible due to a terminating pod on the nominated node."),
		},
		{
			name:     "the nominated node became unresolvable: preempt again",
			pods:     []*corev1.Pod{terminating("victim", lowPriority, corev1.PodReasonPreemptionByScheduler), pod("low", "n2", lowPriority, "1")},
			pod:      nominatedTo("n1"),
			override: framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) had untolerated taint"),
		},
		{
			name: "a pod terminating for another reason does not block",
			pods: []*corev1.Pod{terminating("evicted", lowPriority, "EvictionByEvictionAPI")},
			pod:  nominatedTo("n1"),
		},
		{
			name: "a terminating pod of higher priority does not block",
			pods: []*corev1.Pod{terminating("victim", highPriority+1, corev1.PodReasonPreemptionByScheduler), pod("low", "n2", lowPriority, "1")},
			pod:  nominatedTo("n1"),
		},
		{
			name: "terminating pods on other nodes do not block",
			pods: []*corev1.Pod{pod("low", "n1", lowPriority, "1"), func() *corev1.Pod {
				p := terminating("victim", lowPriority, corev1.PodReasonPreemptionByScheduler)
				p.Spec.NodeName = "n2"
				return p
			}()},
			pod: nominatedTo("n1"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envConfig{nodes: []*corev1.Node{node("n1", "1", nil), node("n2", "1", nil)}, pods: tc.pods})
			state, statuses := e.filterStatuses(t, tc.pod)
			if tc.override != nil {
				statuses.Set("n1", tc.override)
			}
			_, s := e.pl.PostFilter(context.Background(), state, tc.pod, statuses)
			if diff := cmp.Diff(tc.want, s); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNominatedPods checks that a nominated pod of higher priority keeps
// its room, and that lower-priority pods nominated to the chosen node lose
// their nomination and are sent back to the queue.
func TestNominatedPods(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envConfig{
		nodes:    []*corev1.Node{node("n1", "2", nil), node("n2", "1", nil)},
		pods:     []*corev1.Pod{pod("low-1", "n1", lowPriority, "1"), pod("low-2", "n2", lowPriority, "1")},
		extended: true,
	})
	nominate := func(p *corev1.Pod, node string) {
		pi, _ := framework.NewPodInfo(p)
		e.fw.AddNominatedPod(pi, &framework.NominatingInfo{NominatedNodeName: node, NominatingMode: framework.ModeOverride})
	}
	// A more important pod is nominated to n1's free CPU, a less
	// important one to n2.
	nominate(pod("vip", "", highPriority+1, "1"), "n1")
	nominate(pod("waiting", "", lowPriority, "1"), "n2")

	p := pod("p", "", highPriority, "1")
	state, statuses := e.filterStatuses(t, p)
	result, s := e.pl.PostFilter(ctx, state, p, statuses)
	if !s.IsSuccess() {
		t.Fatalf("PostFilter = %v", s)
	}
	// On n1 the vip's CPU is taken as used: evicting low-1 would be
	// needed too; n2 needs low-2 evicted. Equal victims: the first node.
	if diff := cmp.Diff(nominated("n1"), result); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"low-1"}, e.evictedPods()); diff != "" {
		t.Errorf("evicted (-want +got):\n%s", diff)
	}
	if got := e.fw.NominatedPodsForNode("n1"); len(got) != 1 || got[0].Pod.Name != "vip" {
		t.Errorf("pods nominated to n1 = %v, want only vip", got)
	}

	// Preempting on n2 (made the only choice) clears "waiting".
	e2 := newEnv(t, envConfig{
		nodes:    []*corev1.Node{node("n2", "1", nil)},
		pods:     []*corev1.Pod{pod("low-2", "n2", lowPriority, "1")},
		extended: true,
	})
	wpi, _ := framework.NewPodInfo(pod("waiting", "", lowPriority, "1"))
	e2.fw.AddNominatedPod(wpi, &framework.NominatingInfo{NominatedNodeName: "n2", NominatingMode: framework.ModeOverride})
	state, statuses = e2.filterStatuses(t, p)
	if _, s := e2.pl.PostFilter(ctx, state, p, statuses); !s.IsSuccess() {
		t.Fatalf("PostFilter = %v", s)
	}
	if got := e2.fw.NominatedPodsForNode("n2"); len(got) != 0 {
		t.Errorf("pods nominated to n2 after preemption = %v, want none", got)
	}
	if diff := cmp.Diff([]string{"waiting"}, e2.activatedPods()); diff != "" {
		t.Errorf("activated (-want +got):\n%s", diff)
	}
	e2.handle.mu.Lock()
	cleared := e2.handle.cleared
	e2.handle.mu.Unlock()
	if diff := cmp.Diff([]string{"waiting"}, cleared); diff != "" {
		t.Errorf("cleared through the Handle (-want +got):\n%s", diff)
	}
}

func TestWaitingVictimIsRejected(t *testing.T) {
	victim := pod("gang-member", "n1", lowPriority, "1")
	e := newEnv(t, envConfig{nodes: []*corev1.Node{node("n1", "1", nil)}, pods: []*corev1.Pod{victim},
		extended: true, waiting: []*corev1.Pod{victim}})
	p := pod("p", "", highPriority, "1")
	state, statuses := e.filterStatuses(t, p)
	result, s := e.pl.PostFilter(context.Background(), state, p, statuses)
	if !s.IsSuccess() {
		t.Fatalf("PostFilter = %v", s)
	}
	if diff := cmp.Diff(nominated("n1"), result); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if got := e.evictedPods(); len(got) != 0 {
		t.Errorf("evicted %v, want none (the waiting pod is rejected instead)", got)
	}
	if got, want := e.handle.waiting[victim.UID].rejection(), "DefaultPreemption: preempted"; got != want {
		t.Errorf("rejection = %q, want %q", got, want)
	}
}

func TestArgs(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	tests := []struct {
		name    string
		args    any
		wantErr string
	}{
		{name: "nil", args: nil},
		{name: "zero", args: defaultpreemption.Args{}},
		{name: "pointer", args: &defaultpreemption.Args{MinCandidateNodesPercentage: i32(0), MinCandidateNodesAbsolute: i32(1)}},
		{name: "percentage too big", args: defaultpreemption.Args{MinCandidateNodesPercentage: i32(101)},
			wantErr: "defaultpreemption args: minCandidateNodesPercentage: Invalid value: 101: not in valid range [0, 100]"},
		{name: "negative absolute", args: defaultpreemption.Args{MinCandidateNodesAbsolute: i32(-1)},
			wantErr: "minCandidateNodesAbsolute: Invalid value: -1: not in valid range [0, inf)"},
		{name: "both zero", args: defaultpreemption.Args{MinCandidateNodesPercentage: i32(0), MinCandidateNodesAbsolute: i32(0)},
			wantErr: "defaultpreemption args: [minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute, minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as minCandidateNodesPercentage]"},
		{name: "wrong type", args: "x", wantErr: "defaultpreemption: args of type string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := defaultpreemption.New(context.Background(), tc.args, &extendedHandle{})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New = %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr && !containsStr(err.Error(), tc.wantErr) {
				t.Fatalf("New = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	if _, err := defaultpreemption.New(context.Background(), nil, nil); err == nil {
		t.Error("New with a nil Handle succeeded")
	}
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
