package podtopologyspread_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/podtopologyspread"
)

// workloads is a fixed WorkloadLister.
type workloads struct {
	services    []*corev1.Service
	replicaSets map[string]*appsv1.ReplicaSet
}

func (w *workloads) Services(ns string) ([]*corev1.Service, error) {
	var out []*corev1.Service
	for _, s := range w.services {
		if s.Namespace == ns {
			out = append(out, s)
		}
	}
	return out, nil
}

func (w *workloads) ReplicaSet(ns, name string) (*appsv1.ReplicaSet, error) {
	return w.replicaSets[ns+"/"+name], nil
}

func (w *workloads) StatefulSet(string, string) (*appsv1.StatefulSet, error) { return nil, nil }

// webRS is a ReplicaSet "web" selecting app=web, and webPod returns a pod
// it controls.
var webRS = &appsv1.ReplicaSet{
	ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
	Spec:       appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
}

func webPod(name, nodeName string) *corev1.Pod {
	p := pod(name, nodeName, map[string]string{"app": "web"})
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", Controller: ptr(true)}}
	return p
}

func hostNode(name, zone string) *corev1.Node {
	l := map[string]string{corev1.LabelHostname: name}
	if zone != "" {
		l[corev1.LabelTopologyZone] = zone
	}
	return node(name, l)
}

func TestScore(t *testing.T) {
	nodeSpread := spread(1, "node", corev1.ScheduleAnyway, exists("foo"))
	zoneSpread := spread(1, "zone", corev1.ScheduleAnyway, exists("foo"))
	incoming := func(cs ...corev1.TopologySpreadConstraint) *corev1.Pod {
		return withConstraints(pod("p", "", fooLabel), cs...)
	}
	twoNodes := []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1")}
	fourByNode := []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-c", "zone2"), zoned("node-d", "zone2")}
	tests := []struct {
		name     string
		args     any
		pod      *corev1.Pod
		nodes    []*corev1.Node
		pods     []*corev1.Pod
		filtered []string
		want     map[string]int64
		wantCode framework.Code
	}{
		{
			name:     "one constraint on node, no existing pods",
			pod:      incoming(nodeSpread),
			nodes:    twoNodes,
			filtered: []string{"node-a", "node-b"},
			want:     map[string]int64{"node-a": 100, "node-b": 100},
		},
		{
			name:     "one constraint on node, only one node is candidate",
			pod:      incoming(nodeSpread),
			nodes:    twoNodes,
			pods:     concat(pods("a", "node-a", 2), pods("b", "node-b", 1)),
			filtered: []string{"node-a"},
			want:     map[string]int64{"node-a": 100},
		},
		{
			name:     "one constraint on node, all nodes have the same number of matching pods",
			pod:      incoming(nodeSpread),
			nodes:    twoNodes,
			pods:     concat(pods("a", "node-a", 1), pods("b", "node-b", 1)),
			filtered: []string{"node-a", "node-b"},
			want:     map[string]int64{"node-a": 100, "node-b": 100},
		},
		{
			// weight log(6); raw scores 4/2/0/5.
			name:     "one constraint on node, all 4 nodes are candidates",
			pod:      incoming(nodeSpread),
			nodes:    fourByNode,
			pods:     concat(pods("a", "node-a", 2), pods("b", "node-b", 1), pods("d", "node-d", 3)),
			filtered: []string{"node-a", "node-b", "node-c", "node-d"},
			want:     map[string]int64{"node-a": 20, "node-b": 60, "node-c": 100, "node-d": 0},
		},
		{
			// weight log(4); zone1 holds 2 (raw 3), zone2 holds 1 (raw 1).
			name:     "one constraint on zone",
			pod:      incoming(zoneSpread),
			nodes:    fourNodes(),
			pods:     concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("x", "node-x", 1)),
			filtered: []string{"node-a", "node-b", "node-x", "node-y"},
			want:     map[string]int64{"node-a": 33, "node-b": 33, "node-x": 100, "node-y": 100},
		},
		{
			// maxSkew 3 adds 2 to every raw score: 5 and 3.
			name:     "a larger maxSkew tolerates more skew",
			pod:      incoming(spread(3, "zone", corev1.ScheduleAnyway, exists("foo"))),
			nodes:    fourNodes(),
			pods:     concat(pods("a", "node-a", 1), pods("b", "node-b", 1), pods("x", "node-x", 1)),
			filtered: []string{"node-a", "node-b", "node-x", "node-y"},
			want:     map[string]int64{"node-a": 60, "node-b": 60, "node-x": 100, "node-y": 100},
		},
		{
			name:     "a filtered node without the topology key scores 0",
			pod:      incoming(zoneSpread),
			nodes:    []*corev1.Node{zoned("node-a", "zone1"), zoned("node-x", "zone2"), node("node-c", map[string]string{"node": "node-c"})},
			pods:     concat(pods("a", "node-a", 1), pods("c", "node-c", 5)),
			filtered: []string{"node-a", "node-x", "node-c"},
			want:     map[string]int64{"node-a": 0, "node-x": 100, "node-c": 0},
		},
		{
			name: "nodeAffinityPolicy Honor leaves pods on nodes outside the affinity uncounted",
			pod: func() *corev1.Pod {
				p := incoming(zoneSpread)
				p.Spec.Affinity = nodeAffinityIn("node", "node-a", "node-x")
				return p
			}(),
			nodes:    []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-x", "zone2")},
			pods:     pods("b", "node-b", 3),
			filtered: []string{"node-a", "node-x"},
			want:     map[string]int64{"node-a": 100, "node-x": 100},
		},
		{
			name: "nodeAffinityPolicy Ignore counts them",
			pod: func() *corev1.Pod {
				c := zoneSpread
				c.NodeAffinityPolicy = ptr(corev1.NodeInclusionPolicyIgnore)
				p := incoming(c)
				p.Spec.Affinity = nodeAffinityIn("node", "node-a", "node-x")
				return p
			}(),
			nodes:    []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-x", "zone2")},
			pods:     pods("b", "node-b", 3),
			filtered: []string{"node-a", "node-x"},
			want:     map[string]int64{"node-a": 0, "node-x": 100},
		},
		{
			// Host name (weight log(5), maxSkew 3) and zone (weight log(4)
			// over {zone1, ""}, maxSkew 5): raw 12, 9 and 4; node-c has no
			// zone but is still spread by host name.
			name:     "system defaults for a ReplicaSet's pod, one node without a zone",
			args:     podtopologyspread.Args{Workloads: &workloads{replicaSets: map[string]*appsv1.ReplicaSet{"default/web": webRS}}},
			pod:      webPod("p", ""),
			nodes:    []*corev1.Node{hostNode("node-a", "zone1"), hostNode("node-b", "zone1"), hostNode("node-c", "")},
			pods:     []*corev1.Pod{webPod("a1", "node-a"), webPod("a2", "node-a"), webPod("c1", "node-c")},
			filtered: []string{"node-a", "node-b", "node-c"},
			want:     map[string]int64{"node-a": 33, "node-b": 58, "node-c": 100},
		},
		{
			name:     "no constraints and no workload lister: Skip",
			pod:      webPod("p", ""),
			nodes:    []*corev1.Node{hostNode("node-a", "zone1")},
			filtered: []string{"node-a"},
			wantCode: framework.Skip,
		},
		{
			name:     "only DoNotSchedule constraints: Skip",
			pod:      incoming(spread(1, "zone", corev1.DoNotSchedule, exists("foo"))),
			nodes:    twoNodes,
			filtered: []string{"node-a"},
			wantCode: framework.Skip,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := newSnapshot(tc.pods, tc.nodes)
			pl := newPlugin(t, tc.args, snap)
			got, s := scoreAll(t, pl, snap, tc.pod, tc.filtered...)
			if s.Code() != tc.wantCode {
				t.Fatalf("PreScore = %v, want code %v", s, tc.wantCode)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDefaultConstraints checks List defaulting, the workload selector and
// that default constraints leave out pods that belong to no workload.
func TestDefaultConstraints(t *testing.T) {
	args := podtopologyspread.Args{
		DefaultingType:     podtopologyspread.ListDefaulting,
		DefaultConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: corev1.DoNotSchedule}},
		Workloads: &workloads{
			services: []*corev1.Service{
				{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}}},
				{ObjectMeta: metav1.ObjectMeta{Name: "headless", Namespace: "default"}}, // nil selector selects nothing
			},
			replicaSets: map[string]*appsv1.ReplicaSet{"default/web": webRS},
		},
	}
	existing := []*corev1.Pod{webPod("a1", "node-a"), webPod("b1", "node-b"), pod("x1", "node-x", map[string]string{"app": "db"})}
	snap := newSnapshot(existing, fourNodes())
	pl := newPlugin(t, args, snap)

	// zone1 holds 2 web pods, zone2 none: zone1 is too full.
	got := filterAll(t, pl, snap, webPod("p", ""))
	want := map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("web pod statuses (-want +got):\n%s", diff)
	}

	// A pod of no Service and no controller gets no default constraint.
	got = filterAll(t, pl, snap, pod("lonely", "", map[string]string{"app": "lonely"}))
	want = map[string]*framework.Status{"": framework.NewStatus(framework.Skip)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lonely pod statuses (-want +got):\n%s", diff)
	}

	// A pod selected only by the Service counts the Service's pods.
	got = filterAll(t, pl, snap, pod("svc-only", "", map[string]string{"app": "web"}))
	want = map[string]*framework.Status{"node-a": unschedulable(), "node-b": unschedulable()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("service pod statuses (-want +got):\n%s", diff)
	}

	// A pod's own constraints replace the defaults.
	own := withConstraints(webPod("own", ""), spread(1, "node", corev1.ScheduleAnyway, exists("app")))
	got = filterAll(t, pl, snap, own)
	want = map[string]*framework.Status{"": framework.NewStatus(framework.Skip)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("own-constraint pod statuses (-want +got):\n%s", diff)
	}
}

// handleWithWorkloads is a Handle that also implements WorkloadLister.
type handleWithWorkloads struct {
	handle
	workloads
}

func TestWorkloadListerFromHandle(t *testing.T) {
	snap := newSnapshot([]*corev1.Pod{webPod("a1", "node-a"), webPod("a2", "node-a")}, fourNodes())
	h := &handleWithWorkloads{handle: handle{snap: snap}, workloads: workloads{replicaSets: map[string]*appsv1.ReplicaSet{"default/web": webRS}}}
	args := podtopologyspread.Args{
		DefaultingType:     podtopologyspread.ListDefaulting,
		DefaultConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "node", WhenUnsatisfiable: corev1.DoNotSchedule}},
	}
	p, err := podtopologyspread.New(t.Context(), args, h)
	if err != nil {
		t.Fatal(err)
	}
	got := filterAll(t, p.(*podtopologyspread.PodTopologySpread), snap, webPod("p", ""))
	want := map[string]*framework.Status{"node-a": unschedulable()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}
