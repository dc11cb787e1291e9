package podtopologyspread_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/podtopologyspread"
)

func ptr[T any](v T) *T { return &v }

// fourNodes are node-a and node-b in zone1, node-x and node-y in zone2,
// as in Kubernetes' filtering tests.
func fourNodes() []*corev1.Node {
	return []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-x", "zone2"), zoned("node-y", "zone2")}
}

func TestFilterSingleConstraint(t *testing.T) {
	zoneSpread := spread(1, "zone", corev1.DoNotSchedule, exists("foo"))
	nodeSpread := spread(1, "node", corev1.DoNotSchedule, exists("foo"))
	incoming := func(cs ...corev1.TopologySpreadConstraint) *corev1.Pod {
		return withConstraints(pod("p", "", fooLabel), cs...)
	}
	otherNS := func(name, nodeName, ns string) *corev1.Pod {
		p := pod(name, nodeName, fooLabel)
		p.Namespace = ns
		return p
	}
	nodeBWithoutZone := []*corev1.Node{zoned("node-a", "zone1"), node("node-b", map[string]string{"node": "node-b"}), zoned("node-x", "zone2"), zoned("node-y", "zone2")}
	spread2103 := concat(pods("a", "node-a", 2), pods("b", "node-b", 1), pods("y", "node-y", 3))

	tests := []struct {
		name  string
		pod   *corev1.Pod
		nodes []*corev1.Node
		pods  []*corev1.Pod
		want  map[string]*framework.Status
	}{
		{
			name: "no existing pods",
			pod:  incoming(zoneSpread),
			want: map[string]*framework.Status{},
		},
		{
			name: "no existing pods, incoming pod doesn't match itself",
			pod:  withConstraints(pod("p", "", nil), zoneSpread),
			want: map[string]*framework.Status{},
		},
		{
			name: "existing pods in a different namespace do not count",
			pod:  incoming(zoneSpread),
			pods: []*corev1.Pod{otherNS("a1", "node-a", "ns1"), otherNS("a2", "node-a", "ns1"), otherNS("b1", "node-b", "ns2"), pod("x1", "node-x", fooLabel)},
			want: map[string]*framework.Status{"node-x": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "pods spread across zones as 3/3, all nodes fit",
			pod:  incoming(zoneSpread),
			pods: concat(pods("a", "node-a", 2), pods("b", "node-b", 1), pods("x", "node-x", 2), pods("y", "node-y", 1)),
			want: map[string]*framework.Status{},
		},
		{
			name:  "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
			pod:   incoming(zoneSpread),
			nodes: nodeBWithoutZone,
			pods:  concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("x", "node-x", 1), pods("y", "node-y", 1)),
			want:  map[string]*framework.Status{"node-b": missingLabel(), "node-x": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "pod cannot be scheduled as all nodes don't have label 'rack'",
			pod:  incoming(spread(1, "rack", corev1.DoNotSchedule, exists("foo"))),
			want: map[string]*framework.Status{"node-a": missingLabel(), "node-b": missingLabel(), "node-x": missingLabel(), "node-y": missingLabel()},
		},
		{
			name: "pods spread across nodes as 2/1/0/3, only node-x fits",
			pod:  incoming(nodeSpread),
			pods: spread2103,
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
			pod:  incoming(spread(2, "node", corev1.DoNotSchedule, exists("foo"))),
			pods: spread2103,
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
			pod:  withConstraints(pod("p", "", map[string]string{"bar": ""}), nodeSpread),
			pods: spread2103,
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
			pod: func() *corev1.Pod {
				p := incoming(nodeSpread)
				p.Spec.Affinity = nodeAffinityIn("node", "node-a", "node-y")
				return p
			}(),
			pods: spread2103,
			// Only node-a and node-y count (min 2); node-b and node-x are
			// outside the affinity and count 0, which NodeAffinity filters.
			want: map[string]*framework.Status{"node-y": unschedulable()},
		},
		{
			name: "nodeAffinityPolicy Ignore counts every node",
			pod: func() *corev1.Pod {
				c := nodeSpread
				c.NodeAffinityPolicy = ptr(corev1.NodeInclusionPolicyIgnore)
				p := incoming(c)
				p.Spec.Affinity = nodeAffinityIn("node", "node-a", "node-y")
				return p
			}(),
			pods: spread2103,
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "nodeSelector is honoured like node affinity",
			pod: func() *corev1.Pod {
				p := incoming(zoneSpread)
				p.Spec.NodeSelector = map[string]string{"zone": "zone1"}
				return p
			}(),
			// Only zone1 is eligible: min 2, zone1 passes; zone2 has no
			// eligible domain and counts 0.
			pods: concat(pods("a", "node-a", 2), pods("x", "node-x", 1)),
			want: map[string]*framework.Status{},
		},
		{
			name: "minDomains greater than the eligible domains makes the global minimum 0",
			pod: func() *corev1.Pod {
				c := spread(2, "zone", corev1.DoNotSchedule, exists("foo"))
				c.MinDomains = ptr[int32](3)
				return incoming(c)
			}(),
			pods: concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("x", "node-x", 1)),
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable()},
		},
		{
			name: "minDomains reached keeps the real global minimum",
			pod: func() *corev1.Pod {
				c := spread(2, "zone", corev1.DoNotSchedule, exists("foo"))
				c.MinDomains = ptr[int32](2)
				return incoming(c)
			}(),
			pods: concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("x", "node-x", 1)),
			want: map[string]*framework.Status{},
		},
		{
			name: "nodeTaintsPolicy Ignore counts a tainted node",
			pod:  incoming(nodeSpread),
			nodes: []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"),
				tainted(zoned("node-x", "zone2"), corev1.TaintEffectNoSchedule), zoned("node-y", "zone2")},
			pods: concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("y", "node-y", 1)),
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "nodeTaintsPolicy Honor leaves out a node with an untolerated taint",
			pod: func() *corev1.Pod {
				c := nodeSpread
				c.NodeTaintsPolicy = ptr(corev1.NodeInclusionPolicyHonor)
				return incoming(c)
			}(),
			nodes: []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"),
				tainted(zoned("node-x", "zone2"), corev1.TaintEffectNoSchedule), zoned("node-y", "zone2")},
			pods: concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("y", "node-y", 1)),
			want: map[string]*framework.Status{},
		},
		{
			name: "nodeTaintsPolicy Honor counts a node whose taint the pod tolerates",
			pod: func() *corev1.Pod {
				c := nodeSpread
				c.NodeTaintsPolicy = ptr(corev1.NodeInclusionPolicyHonor)
				p := incoming(c)
				p.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
				return p
			}(),
			nodes: []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"),
				tainted(zoned("node-x", "zone2"), corev1.TaintEffectNoSchedule), zoned("node-y", "zone2")},
			pods: concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("y", "node-y", 1)),
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "nodeTaintsPolicy Honor ignores PreferNoSchedule taints",
			pod: func() *corev1.Pod {
				c := nodeSpread
				c.NodeTaintsPolicy = ptr(corev1.NodeInclusionPolicyHonor)
				return incoming(c)
			}(),
			nodes: []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"),
				tainted(zoned("node-x", "zone2"), corev1.TaintEffectPreferNoSchedule), zoned("node-y", "zone2")},
			pods: concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("y", "node-y", 1)),
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "matchLabelKeys narrows the selector to the pod's own values",
			pod: func() *corev1.Pod {
				c := zoneSpread
				c.MatchLabelKeys = []string{"version"}
				return withConstraints(pod("p", "", map[string]string{"foo": "", "version": "v2"}), c)
			}(),
			pods: []*corev1.Pod{
				pod("a1", "node-a", map[string]string{"foo": "", "version": "v1"}),
				pod("b1", "node-b", map[string]string{"foo": "", "version": "v1"}),
				pod("x1", "node-x", map[string]string{"foo": "", "version": "v2"}),
			},
			want: map[string]*framework.Status{"node-x": unschedulable(), "node-y": unschedulable()},
		},
		{
			name: "without matchLabelKeys every version counts",
			pod:  withConstraints(pod("p", "", map[string]string{"foo": "", "version": "v2"}), zoneSpread),
			pods: []*corev1.Pod{
				pod("a1", "node-a", map[string]string{"foo": "", "version": "v1"}),
				pod("b1", "node-b", map[string]string{"foo": "", "version": "v1"}),
				pod("x1", "node-x", map[string]string{"foo": "", "version": "v2"}),
			},
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable()},
		},
		{
			// Counting node-a's terminating pod would make it 2/1/1/1.
			name: "terminating pods are not counted",
			pod:  incoming(nodeSpread),
			pods: func() []*corev1.Pod {
				ps := concat(pods("a", "node-a", 2), pods("b", "node-b", 1), pods("x", "node-x", 1), pods("y", "node-y", 1))
				ps[0].DeletionTimestamp = &metav1.Time{}
				return ps
			}(),
			want: map[string]*framework.Status{},
		},
		{
			name: "a nil labelSelector selects no pod",
			pod:  incoming(spread(1, "node", corev1.DoNotSchedule, nil)),
			pods: spread2103,
			want: map[string]*framework.Status{},
		},
		{
			name: "ScheduleAnyway constraints do not filter",
			pod:  incoming(spread(1, "rack", corev1.ScheduleAnyway, exists("foo"))),
			want: map[string]*framework.Status{"": framework.NewStatus(framework.Skip)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nodes := tc.nodes
			if nodes == nil {
				nodes = fourNodes()
			}
			snap := newSnapshot(tc.pods, nodes)
			pl := newPlugin(t, nil, snap)
			got := filterAll(t, pl, snap, tc.pod)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilterMultipleConstraints(t *testing.T) {
	zoneSpread := spread(1, "zone", corev1.DoNotSchedule, exists("foo"))
	nodeSpread := spread(1, "node", corev1.DoNotSchedule, exists("foo"))
	tests := []struct {
		name  string
		pod   *corev1.Pod
		nodes []*corev1.Node
		pods  []*corev1.Pod
		want  map[string]*framework.Status
	}{
		{
			// Zones hold 2/3: only zone1 fits the zone constraint; nodes
			// hold 2/0/1/2: only node-b fits the node constraint.
			name: "two constraints on zone and node, spreads 2/3 and 2/0/1/2",
			pod:  withConstraints(pod("p", "", fooLabel), zoneSpread, nodeSpread),
			pods: concat(pods("a", "node-a", 2), pods("x", "node-x", 1), pods("y", "node-y", 2)),
			want: map[string]*framework.Status{"node-a": unschedulable(), "node-x": unschedulable(), "node-y": unschedulable()},
		},
		{
			// Each constraint has its own selector: foo spreads 1/1 per
			// zone, bar spreads 0/1/0/1 per node.
			name: "two constraints with different selectors",
			pod: withConstraints(pod("p", "", map[string]string{"foo": "", "bar": ""}),
				zoneSpread, spread(1, "node", corev1.DoNotSchedule, exists("bar"))),
			pods: []*corev1.Pod{pod("a1", "node-a", fooLabel), pod("b1", "node-b", map[string]string{"bar": ""}),
				pod("x1", "node-x", fooLabel), pod("y1", "node-y", map[string]string{"bar": ""})},
			want: map[string]*framework.Status{"node-b": unschedulable(), "node-y": unschedulable()},
		},
		{
			// node-x lacks the zone label: it is not eligible for either
			// constraint, and fails with the missing label.
			name:  "a node missing one of the keys is left out of every constraint",
			pod:   withConstraints(pod("p", "", fooLabel), zoneSpread, nodeSpread),
			nodes: []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"), node("node-x", map[string]string{"node": "node-x"}), zoned("node-y", "zone2")},
			pods:  concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("x", "node-x", 3), pods("y", "node-y", 1)),
			want:  map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable(), "node-x": missingLabel()},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nodes := tc.nodes
			if nodes == nil {
				nodes = fourNodes()
			}
			snap := newSnapshot(tc.pods, nodes)
			got := filterAll(t, newPlugin(t, nil, snap), snap, tc.pod)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAddRemovePod checks that AddPod and RemovePod on a cloned state
// change Filter's verdict as if the pod were added or removed, and leave
// the original state alone.
func TestAddRemovePod(t *testing.T) {
	ctx := context.Background()
	nodeSpread := spread(1, "node", corev1.DoNotSchedule, exists("foo"))
	existing := concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("x", "node-x", 1))
	snap := newSnapshot(existing, fourNodes())
	pl := newPlugin(t, nil, snap)
	incoming := withConstraints(pod("p", "", fooLabel), nodeSpread)
	state := framework.NewCycleState()
	nodes, _ := snap.List()
	if _, s := pl.PreFilter(ctx, state, incoming, nodes); !s.IsSuccess() {
		t.Fatalf("PreFilter: %v", s)
	}
	nodeA, _ := snap.Get("node-a")
	nodeY, _ := snap.Get("node-y")

	// Counts 1/1/1/0: only node-y fits.
	if s := pl.Filter(ctx, state, incoming, nodeA); s.Code() != framework.Unschedulable {
		t.Fatalf("Filter(node-a) before = %v, want Unschedulable", s)
	}

	// Add a matching pod to node-y: 1/1/1/1, every node fits.
	added := state.Clone()
	pi, _ := framework.NewPodInfo(pod("y-new", "node-y", fooLabel))
	if s := pl.AddPod(ctx, added, incoming, pi, nodeY); !s.IsSuccess() {
		t.Fatalf("AddPod: %v", s)
	}
	if s := pl.Filter(ctx, added, incoming, nodeA); !s.IsSuccess() {
		t.Errorf("Filter(node-a) after AddPod = %v, want Success", s)
	}
	if s := pl.Filter(ctx, state, incoming, nodeA); s.Code() != framework.Unschedulable {
		t.Errorf("Filter(node-a) on the original state after AddPod = %v, want Unschedulable", s)
	}

	// Remove node-a's pod: 0/1/1/0, node-a fits again.
	removed := state.Clone()
	victim, _ := framework.NewPodInfo(existing[0])
	if s := pl.RemovePod(ctx, removed, incoming, victim, nodeA); !s.IsSuccess() {
		t.Fatalf("RemovePod: %v", s)
	}
	if s := pl.Filter(ctx, removed, incoming, nodeA); !s.IsSuccess() {
		t.Errorf("Filter(node-a) after RemovePod = %v, want Success", s)
	}

	// A pod of another namespace changes nothing.
	other := state.Clone()
	foreign := pod("a-foreign", "node-a", fooLabel)
	foreign.Namespace = "other"
	fi, _ := framework.NewPodInfo(foreign)
	if s := pl.RemovePod(ctx, other, incoming, fi, nodeA); !s.IsSuccess() {
		t.Fatalf("RemovePod: %v", s)
	}
	if s := pl.Filter(ctx, other, incoming, nodeA); s.Code() != framework.Unschedulable {
		t.Errorf("Filter(node-a) after removing a foreign pod = %v, want Unschedulable", s)
	}
}

func TestFilterWithoutPreFilter(t *testing.T) {
	snap := newSnapshot(nil, fourNodes())
	pl := newPlugin(t, nil, snap)
	ni, _ := snap.Get("node-a")
	s := pl.Filter(context.Background(), framework.NewCycleState(), pod("p", "", nil), ni)
	if s.Code() != framework.Error {
		t.Fatalf("Filter without PreFilter = %v, want Error", s)
	}
}

func TestPreFilterInvalidSelector(t *testing.T) {
	snap := newSnapshot(nil, fourNodes())
	pl := newPlugin(t, nil, snap)
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "foo", Operator: metav1.LabelSelectorOpIn}}}
	got := filterAll(t, pl, snap, withConstraints(pod("p", "", nil), spread(1, "zone", corev1.DoNotSchedule, bad)))
	if s := got[""]; s.Code() != framework.Error {
		t.Fatalf("PreFilter with an invalid selector = %v, want Error", s)
	}
}

func nodeAffinityIn(key string, values ...string) *corev1.Affinity {
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}},
		}}},
	}}
}

func tainted(n *corev1.Node, effect corev1.TaintEffect) *corev1.Node {
	n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "dedicated", Value: "x", Effect: effect})
	return n
}

var _ = podtopologyspread.Name
