package podtopologyspread_test

import (
	"context"
	"fmt"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
	"github.com/rigging-dev/rigging/scheduler/plugins/podtopologyspread"
)

// snapshot is a minimal framework.SharedLister over fixed nodes and pods.
type snapshot = frameworktest.Lister

func newSnapshot(pods []*corev1.Pod, nodes []*corev1.Node) *snapshot {
	return frameworktest.NewLister(pods, nodes)
}

// handle is the part of framework.Handle the plugin uses; the other
// methods are left to the embedded nil interface (they would panic).
type handle struct {
	framework.Handle
	snap *snapshot
}

func (h *handle) SnapshotSharedLister() framework.SharedLister { return h.snap }
func (h *handle) Parallelizer() framework.Parallelizer         { return framework.Parallelizer{Parallelism: 4} }

// newPlugin builds the plugin over snap with args.
func newPlugin(t testing.TB, args any, snap *snapshot) *podtopologyspread.PodTopologySpread {
	t.Helper()
	p, err := podtopologyspread.New(context.Background(), args, &handle{snap: snap})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p.(*podtopologyspread.PodTopologySpread)
}

func node(name string, labels map[string]string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

// zoned returns a node labelled with the test topology keys "zone" and
// "node" (its name).
func zoned(name, zone string) *corev1.Node {
	return node(name, map[string]string{"zone": zone, "node": name})
}

func pod(name, nodeName string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Labels: labels},
		Spec:       corev1.PodSpec{NodeName: nodeName},
	}
}

func withConstraints(p *corev1.Pod, cs ...corev1.TopologySpreadConstraint) *corev1.Pod {
	p.Spec.TopologySpreadConstraints = cs
	return p
}

func spread(maxSkew int32, key string, action corev1.UnsatisfiableConstraintAction, sel *metav1.LabelSelector) corev1.TopologySpreadConstraint {
	return corev1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: action, LabelSelector: sel}
}

func exists(key string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: metav1.LabelSelectorOpExists}}}
}

var fooLabel = map[string]string{"foo": ""}

// pods returns n pods labelled foo on nodeName, named prefix0, prefix1...
func pods(prefix, nodeName string, n int) []*corev1.Pod {
	var out []*corev1.Pod
	for i := range n {
		out = append(out, pod(fmt.Sprintf("%s%d", prefix, i), nodeName, fooLabel))
	}
	return out
}

func concat(lists ...[]*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// filterAll runs PreFilter and then Filter on every node, returning the
// non-success statuses by node name, or the PreFilter status under "".
func filterAll(t testing.TB, pl *podtopologyspread.PodTopologySpread, snap *snapshot, p *corev1.Pod) map[string]*framework.Status {
	t.Helper()
	ctx := context.Background()
	state := framework.NewCycleState()
	nodes, _ := snap.List()
	out := make(map[string]*framework.Status)
	if _, s := pl.PreFilter(ctx, state, p, nodes); !s.IsSuccess() {
		out[""] = s
		return out
	}
	for _, ni := range nodes {
		if s := pl.Filter(ctx, state, p, ni); !s.IsSuccess() {
			out[ni.NodeName()] = s
		}
	}
	return out
}

// scoreAll runs PreScore, Score and NormalizeScore over the named filtered
// nodes and returns the normalised scores by node, or the PreScore status
// under "" (with score -1) when it is not Success.
func scoreAll(t testing.TB, pl *podtopologyspread.PodTopologySpread, snap *snapshot, p *corev1.Pod, filtered ...string) (map[string]int64, *framework.Status) {
	t.Helper()
	ctx := context.Background()
	state := framework.NewCycleState()
	var nodes []*framework.NodeInfo
	for _, n := range filtered {
		ni, err := snap.Get(n)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, ni)
	}
	if s := pl.PreScore(ctx, state, p, nodes); !s.IsSuccess() {
		return nil, s
	}
	var list framework.NodeScoreList
	for _, ni := range nodes {
		sc, s := pl.Score(ctx, state, p, ni)
		if !s.IsSuccess() {
			t.Fatalf("Score(%s): %v", ni.NodeName(), s)
		}
		list = append(list, framework.NodeScore{Name: ni.NodeName(), Score: sc})
	}
	if s := pl.ScoreExtensions().NormalizeScore(ctx, state, p, list); !s.IsSuccess() {
		t.Fatalf("NormalizeScore: %v", s)
	}
	out := make(map[string]int64)
	for _, ns := range list {
		out[ns.Name] = ns.Score
	}
	return out, nil
}

func unschedulable() *framework.Status {
	return framework.NewStatus(framework.Unschedulable, podtopologyspread.ErrReasonConstraintsNotMatch)
}

func missingLabel() *framework.Status {
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, podtopologyspread.ErrReasonNodeLabelNotMatch)
}
