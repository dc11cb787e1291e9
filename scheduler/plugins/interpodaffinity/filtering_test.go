package interpodaffinity_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

var (
	securityScan = map[string]string{"service": "securityscan"}
	securityS1   = map[string]string{"security": "S1"}
	skip         = map[string]*framework.Status{"": framework.NewStatus(framework.Skip)}
	none         = map[string]*framework.Status{}
)

// TestFilterSingleNode mirrors Kubernetes' TestRequiredAffinitySingleNode.
func TestFilterSingleNode(t *testing.T) {
	machine1 := node("machine1", map[string]string{"region": "r1", "zone": "z11"})
	incoming := func(labels map[string]string, affinity, anti []corev1.PodAffinityTerm) *corev1.Pod {
		return withAffinity(pod("incoming", "", labels), affinity, anti)
	}
	scanOnMachine1 := pod("existing", "machine1", securityScan)
	expr := func(key string, op metav1.LabelSelectorOperator, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	selTerm := func(topologyKey string, exprs ...metav1.LabelSelectorRequirement) corev1.PodAffinityTerm {
		return corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchExpressions: exprs}, TopologyKey: topologyKey}
	}
	withNamespaces := func(t corev1.PodAffinityTerm, ns ...string) corev1.PodAffinityTerm {
		t.Namespaces = ns
		return t
	}
	withNSSelector := func(t corev1.PodAffinityTerm, sel *metav1.LabelSelector) corev1.PodAffinityTerm {
		t.NamespaceSelector = sel
		return t
	}
	teamA := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}

	tests := []struct {
		name     string
		pod      *corev1.Pod
		existing []*corev1.Pod
		want     map[string]*framework.Status
	}{
		{
			name: "a pod without affinity onto a node without pods",
			pod:  pod("incoming", "", nil),
			want: skip,
		},
		{
			name:     "affinity with In matches the existing pod",
			pod:      incoming(securityS1, terms(in("service", "region", "securityscan", "value2")), nil),
			existing: []*corev1.Pod{scanOnMachine1},
			want:     none,
		},
		{
			name:     "affinity with NotIn matches the existing pod",
			pod:      incoming(securityS1, terms(notIn("service", "region", "securityscan3", "value3")), nil),
			existing: []*corev1.Pod{scanOnMachine1},
			want:     none,
		},
		{
			name:     "affinity in another namespace does not match",
			pod:      incoming(securityS1, terms(withNamespaces(in("service", "region", "securityscan", "value2"), "DiffNameSpace")), nil),
			existing: []*corev1.Pod{pod("ns/existing", "machine1", securityScan)},
			want:     map[string]*framework.Status{"machine1": affinityFails()},
		},
		{
			name:     "affinity with an unmatching selector",
			pod:      incoming(securityScan, terms(in("service", "region", "antivirusscan", "value2")), nil),
			existing: []*corev1.Pod{scanOnMachine1},
			want:     map[string]*framework.Status{"machine1": affinityFails()},
		},
		{
			name: "several terms with different operators all match",
			pod: incoming(securityS1, terms(
				selTerm("region", expr("service", metav1.LabelSelectorOpExists), expr("wrongkey", metav1.LabelSelectorOpDoesNotExist)),
				selTerm("region", expr("service", metav1.LabelSelectorOpIn, "securityscan"), expr("service", metav1.LabelSelectorOpNotIn, "WrongValue")),
			), nil),
			existing: []*corev1.Pod{scanOnMachine1},
			want:     none,
		},
		{
			name: "the requirements of a selector are ANDed",
			pod: incoming(securityS1, terms(
				selTerm("region", expr("service", metav1.LabelSelectorOpExists), expr("wrongkey", metav1.LabelSelectorOpDoesNotExist)),
				selTerm("region", expr("service", metav1.LabelSelectorOpIn, "securityscan2"), expr("service", metav1.LabelSelectorOpNotIn, "WrongValue")),
			), nil),
			existing: []*corev1.Pod{scanOnMachine1},
			want:     map[string]*framework.Status{"machine1": affinityFails()},
		},
		{
			name:     "affinity and anti-affinity both satisfied",
			pod:      incoming(securityS1, terms(in("service", "region", "securityscan", "value2")), terms(in("service", "node", "antivirusscan", "value2"))),
			existing: []*corev1.Pod{scanOnMachine1},
			want:     none,
		},
		{
			name: "affinity, anti-affinity and the existing pod's anti-affinity all satisfied",
			pod:  incoming(securityS1, terms(in("service", "region", "securityscan", "value2")), terms(in("service", "node", "antivirusscan", "value2"))),
			existing: []*corev1.Pod{withAffinity(pod("existing", "machine1", securityScan), nil,
				terms(in("service", "node", "antivirusscan", "value2")))},
			want: none,
		},
		{
			name:     "affinity satisfied, anti-affinity not",
			pod:      incoming(securityS1, terms(in("service", "region", "securityscan", "value2")), terms(in("service", "zone", "securityscan", "value2"))),
			existing: []*corev1.Pod{scanOnMachine1},
			want:     map[string]*framework.Status{"machine1": antiAffinityFails()},
		},
		{
			name: "affinity and anti-affinity satisfied, the existing pod's anti-affinity not",
			pod:  incoming(securityScan, terms(in("service", "region", "securityscan", "value2")), terms(in("service", "node", "antivirusscan", "value2"))),
			existing: []*corev1.Pod{withAffinity(pod("existing", "machine1", securityScan), nil,
				terms(in("service", "zone", "securityscan", "value2")))},
			want: map[string]*framework.Status{"machine1": existingAntiAffinityFails()},
		},
		{
			name:     "a matching pod on a node not in the snapshot does not count, and the pod does not match itself",
			pod:      incoming(securityScan, terms(notIn("service", "region", "securityscan", "value2")), nil),
			existing: []*corev1.Pod{pod("existing", "machine2", securityScan)},
			want:     map[string]*framework.Status{"machine1": affinityFails()},
		},
		{
			name: "the existing pod's anti-affinity applies to a pod without affinity",
			pod:  pod("incoming", "", securityScan),
			existing: []*corev1.Pod{withAffinity(pod("existing", "machine1", securityScan), nil,
				terms(in("service", "zone", "securityscan", "value2")))},
			want: map[string]*framework.Status{"machine1": existingAntiAffinityFails()},
		},
		{
			name: "the existing pod's anti-affinity does not select the pod",
			pod:  pod("incoming", "", securityScan),
			existing: []*corev1.Pod{withAffinity(pod("existing", "machine1", securityScan), nil,
				terms(notIn("service", "zone", "securityscan", "value2")))},
			want: skip,
		},
		{
			name: "the existing pod's anti-affinity names the pod's namespace",
			pod:  pod("ns-a/incoming", "", securityScan),
			existing: []*corev1.Pod{withAffinity(pod("existing", "machine1", nil), nil,
				terms(withNamespaces(in("service", "zone", "securityscan"), "ns-a")))},
			want: map[string]*framework.Status{"machine1": existingAntiAffinityFails()},
		},
		{
			name:     "a namespace selector selects the existing pod's namespace",
			pod:      incoming(securityS1, terms(withNSSelector(in("service", "region", "securityscan"), teamA)), nil),
			existing: []*corev1.Pod{pod("ns-a/existing", "machine1", securityScan)},
			want:     none,
		},
		{
			name:     "a namespace selector does not select the existing pod's namespace",
			pod:      incoming(securityS1, terms(withNSSelector(in("service", "region", "securityscan"), teamA)), nil),
			existing: []*corev1.Pod{pod("ns-b/existing", "machine1", securityScan)},
			want:     map[string]*framework.Status{"machine1": affinityFails()},
		},
		{
			name:     "an empty namespace selector selects every namespace",
			pod:      incoming(securityS1, terms(withNSSelector(in("service", "region", "securityscan"), &metav1.LabelSelector{})), nil),
			existing: []*corev1.Pod{pod("ns-b/existing", "machine1", securityScan)},
			want:     none,
		},
		{
			name:     "namespaces and a namespace selector add up",
			pod:      incoming(securityS1, terms(withNamespaces(withNSSelector(in("service", "region", "securityscan"), teamA), "ns-b")), nil),
			existing: []*corev1.Pod{pod("ns-b/existing", "machine1", securityScan)},
			want:     none,
		},
		{
			name: "the existing pod's anti-affinity selects the pod's namespace by label",
			pod:  pod("ns-a/incoming", "", securityScan),
			existing: []*corev1.Pod{withAffinity(pod("ns-b/existing", "machine1", nil), nil,
				terms(withNSSelector(in("service", "zone", "securityscan"), teamA)))},
			want: map[string]*framework.Status{"machine1": existingAntiAffinityFails()},
		},
		{
			name: "the existing pod's namespace selector does not select the pod's namespace",
			pod:  pod("incoming", "", securityScan),
			existing: []*corev1.Pod{withAffinity(pod("ns-b/existing", "machine1", nil), nil,
				terms(withNSSelector(in("service", "zone", "securityscan"), teamA)))},
			want: skip,
		},
		{
			name: "a term with an invalid selector makes the pod unschedulable",
			pod: incoming(securityS1, terms(corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "service", Operator: metav1.LabelSelectorOpIn}}},
				TopologyKey:   "region",
			}), nil),
			existing: []*corev1.Pod{scanOnMachine1},
			want: map[string]*framework.Status{"": framework.NewStatus(framework.UnschedulableAndUnresolvable,
				"parsing pod: pod default/incoming podAffinity.required[0]: labelSelector: matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := newSnapshot(tc.existing, []*corev1.Node{machine1})
			got := filterAll(t, newPlugin(t, nil, snap), snap, tc.pod)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		})
	}
}

// multiNodes are n1 and n2 in region r1, n3 in r2, and n4 with only a
// host name.
func multiNodes() []*corev1.Node {
	return []*corev1.Node{
		node("n1", map[string]string{"region": "r1", "zone": "z1", corev1.LabelHostname: "n1"}),
		node("n2", map[string]string{"region": "r1", "zone": "z2", corev1.LabelHostname: "n2"}),
		node("n3", map[string]string{"region": "r2", "zone": "z3", corev1.LabelHostname: "n3"}),
		node("n4", map[string]string{corev1.LabelHostname: "n4"}),
	}
}

// TestFilterMultipleNodes mirrors Kubernetes' TestRequiredAffinityMultipleNodes.
func TestFilterMultipleNodes(t *testing.T) {
	db := map[string]string{"app": "db"}
	web := map[string]string{"app": "web"}
	dbAffinity := terms(in("app", "region", "db"))
	tests := []struct {
		name     string
		pod      *corev1.Pod
		existing []*corev1.Pod
		want     map[string]*framework.Status
	}{
		{
			name: "the first pod of a self-affine group may go to any node with the topology key",
			pod:  withAffinity(pod("incoming", "", db), dbAffinity, nil),
			want: map[string]*framework.Status{"n4": affinityFails()},
		},
		{
			name:     "once a pod of the group runs, the others follow it",
			pod:      withAffinity(pod("incoming", "", db), dbAffinity, nil),
			existing: []*corev1.Pod{pod("db-1", "n3", db)},
			want:     map[string]*framework.Status{"n1": affinityFails(), "n2": affinityFails(), "n4": affinityFails()},
		},
		{
			name: "a pod that does not match its own affinity cannot go anywhere",
			pod:  withAffinity(pod("incoming", "", web), dbAffinity, nil),
			want: map[string]*framework.Status{"n1": affinityFails(), "n2": affinityFails(), "n3": affinityFails(), "n4": affinityFails()},
		},
		{
			name:     "a matching pod on a node without the topology key does not end the first-pod exception",
			pod:      withAffinity(pod("incoming", "", db), dbAffinity, nil),
			existing: []*corev1.Pod{pod("db-1", "n4", db)},
			want:     map[string]*framework.Status{"n4": affinityFails()},
		},
		{
			name:     "anti-affinity by host name keeps one pod per node",
			pod:      withAffinity(pod("incoming", "", db), nil, terms(in("app", corev1.LabelHostname, "db"))),
			existing: []*corev1.Pod{pod("db-1", "n1", db)},
			want:     map[string]*framework.Status{"n1": antiAffinityFails()},
		},
		{
			name:     "anti-affinity by region covers every node of the region; nodes without the key pass",
			pod:      withAffinity(pod("incoming", "", db), nil, terms(in("app", "region", "db"))),
			existing: []*corev1.Pod{pod("db-1", "n1", db)},
			want:     map[string]*framework.Status{"n1": antiAffinityFails(), "n2": antiAffinityFails()},
		},
		{
			name:     "symmetric anti-affinity by zone",
			pod:      pod("incoming", "", web),
			existing: []*corev1.Pod{withAffinity(pod("db-1", "n1", db), nil, terms(in("app", "zone", "web")))},
			want:     map[string]*framework.Status{"n1": existingAntiAffinityFails()},
		},
		{
			name:     "symmetric anti-affinity by region",
			pod:      pod("incoming", "", web),
			existing: []*corev1.Pod{withAffinity(pod("db-1", "n1", db), nil, terms(in("app", "region", "web")))},
			want:     map[string]*framework.Status{"n1": existingAntiAffinityFails(), "n2": existingAntiAffinityFails()},
		},
		{
			name: "matchLabelKeys narrows affinity to pods of the same version",
			pod: func() *corev1.Pod {
				term := corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpExists}}},
					TopologyKey: "region", MatchLabelKeys: []string{"version"}}
				return withAffinity(pod("incoming", "", map[string]string{"app": "db", "version": "v2"}), terms(term), nil)
			}(),
			existing: []*corev1.Pod{pod("db-v1", "n1", map[string]string{"app": "db", "version": "v1"}), pod("db-v2", "n3", map[string]string{"app": "db", "version": "v2"})},
			want:     map[string]*framework.Status{"n1": affinityFails(), "n2": affinityFails(), "n4": affinityFails()},
		},
		{
			name: "mismatchLabelKeys keeps tenants apart",
			pod: func() *corev1.Pod {
				term := corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tenant", Operator: metav1.LabelSelectorOpExists}}},
					TopologyKey: "region", MismatchLabelKeys: []string{"tenant"}}
				return withAffinity(pod("incoming", "", map[string]string{"tenant": "a"}), nil, terms(term))
			}(),
			existing: []*corev1.Pod{pod("a-1", "n1", map[string]string{"tenant": "a"}), pod("b-1", "n3", map[string]string{"tenant": "b"})},
			want:     map[string]*framework.Status{"n3": antiAffinityFails()},
		},
		{
			name:     "all affinity terms must be matched by the same pod",
			pod:      withAffinity(pod("incoming", "", web), terms(in("app", "region", "db"), in("tier", "zone", "back")), nil),
			existing: []*corev1.Pod{pod("db-1", "n1", db), pod("back-1", "n2", map[string]string{"tier": "back"})},
			want:     map[string]*framework.Status{"n1": affinityFails(), "n2": affinityFails(), "n3": affinityFails(), "n4": affinityFails()},
		},
		{
			name:     "a pod matching all affinity terms satisfies them in each term's domain",
			pod:      withAffinity(pod("incoming", "", web), terms(in("app", "region", "db"), in("tier", "zone", "back")), nil),
			existing: []*corev1.Pod{pod("db-1", "n1", map[string]string{"app": "db", "tier": "back"})},
			want:     map[string]*framework.Status{"n2": affinityFails(), "n3": affinityFails(), "n4": affinityFails()},
		},
		{
			name:     "terminating pods still count, as in Kubernetes",
			pod:      withAffinity(pod("incoming", "", db), nil, terms(in("app", corev1.LabelHostname, "db"))),
			existing: []*corev1.Pod{func() *corev1.Pod { p := pod("db-1", "n1", db); p.DeletionTimestamp = &metav1.Time{}; return p }()},
			want:     map[string]*framework.Status{"n1": antiAffinityFails()},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := newSnapshot(tc.existing, multiNodes())
			got := filterAll(t, newPlugin(t, nil, snap), snap, tc.pod)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAddRemovePod checks the PreFilterExtensions: on a cloned state they
// change Filter's verdict as if the pod were added or removed, and leave
// the original state alone.
func TestAddRemovePod(t *testing.T) {
	ctx := context.Background()
	db := map[string]string{"app": "db"}
	web := map[string]string{"app": "web"}
	guard := withAffinity(pod("guard", "n1", map[string]string{"app": "guard"}), nil, terms(in("app", "zone", "web")))
	db1 := pod("db-1", "n1", db)
	snap := newSnapshot([]*corev1.Pod{guard, db1}, multiNodes())
	pl := newPlugin(t, nil, snap)
	incoming := withAffinity(pod("incoming", "", web), terms(in("app", "region", "db")), terms(in("app", corev1.LabelHostname, "web")))
	nodes, _ := snap.List()
	state := framework.NewCycleState()
	if _, s := pl.PreFilter(ctx, state, incoming, nodes); !s.IsSuccess() {
		t.Fatalf("PreFilter: %v", s)
	}
	ni := func(name string) *framework.NodeInfo { n, _ := snap.Get(name); return n }
	info := func(p *corev1.Pod) *framework.PodInfo { pi, _ := framework.NewPodInfo(p); return pi }
	check := func(state *framework.CycleState, want map[string]*framework.Status) {
		t.Helper()
		got := map[string]*framework.Status{}
		for _, n := range nodes {
			if s := pl.Filter(ctx, state, incoming, n); !s.IsSuccess() {
				got[n.NodeName()] = s
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	}
	// db-1 draws the pod to region r1; the guard keeps it out of zone z1.
	initial := map[string]*framework.Status{"n1": existingAntiAffinityFails(), "n3": affinityFails(), "n4": affinityFails()}
	check(state, initial)

	removed := state.Clone()
	if s := pl.RemovePod(ctx, removed, incoming, info(guard), ni("n1")); !s.IsSuccess() {
		t.Fatal(s)
	}
	check(removed, map[string]*framework.Status{"n3": affinityFails(), "n4": affinityFails()})

	added := state.Clone()
	if s := pl.AddPod(ctx, added, incoming, info(pod("db-2", "n3", db)), ni("n3")); !s.IsSuccess() {
		t.Fatal(s)
	}
	if s := pl.AddPod(ctx, added, incoming, info(pod("web-1", "n2", web)), ni("n2")); !s.IsSuccess() {
		t.Fatal(s)
	}
	check(added, map[string]*framework.Status{"n1": existingAntiAffinityFails(), "n2": antiAffinityFails(), "n4": affinityFails()})

	// Removing the only db pod ends the region's attraction: no pod
	// matches any more, but the incoming pod (web) does not match itself.
	gone := state.Clone()
	if s := pl.RemovePod(ctx, gone, incoming, info(db1), ni("n1")); !s.IsSuccess() {
		t.Fatal(s)
	}
	check(gone, map[string]*framework.Status{"n1": affinityFails(), "n2": affinityFails(), "n3": affinityFails(), "n4": affinityFails()})

	check(state, initial)
}

func TestFilterWithoutPreFilter(t *testing.T) {
	snap := newSnapshot(nil, multiNodes())
	pl := newPlugin(t, nil, snap)
	n, _ := snap.Get("n1")
	if s := pl.Filter(context.Background(), framework.NewCycleState(), pod("p", "", nil), n); s.Code() != framework.Error {
		t.Fatalf("Filter without PreFilter = %v, want Error", s)
	}
	if s := pl.AddPod(context.Background(), framework.NewCycleState(), pod("p", "", nil), &framework.PodInfo{Pod: pod("q", "n1", nil)}, n); s.Code() != framework.Error {
		t.Fatalf("AddPod without PreFilter = %v, want Error", s)
	}
}
