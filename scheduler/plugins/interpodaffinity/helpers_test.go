package interpodaffinity_test

import (
	"context"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
	"github.com/rigging-dev/rigging/scheduler/plugins/interpodaffinity"
)

// snapshot is a minimal framework.SharedLister over fixed nodes and pods.
type snapshot = frameworktest.Lister

func newSnapshot(pods []*corev1.Pod, nodes []*corev1.Node) *snapshot {
	return frameworktest.NewLister(pods, nodes)
}

// namespaces is a fixed framework.NamespaceLister.
type namespaces map[string]map[string]string

func (n namespaces) NamespaceLabels(name string) (map[string]string, bool) {
	l, ok := n[name]
	return l, ok
}

// handle is the part of framework.Handle the plugin uses; the other
// methods are left to the embedded nil interface (they would panic).
type handle struct {
	framework.Handle
	snap *snapshot
	ns   namespaces
}

func (h *handle) SnapshotSharedLister() framework.SharedLister { return h.snap }
func (h *handle) Parallelizer() framework.Parallelizer         { return framework.Parallelizer{Parallelism: 4} }
func (h *handle) NamespaceLister() framework.NamespaceLister   { return h.ns }

// testNamespaces are the namespaces the tests know, with their labels.
var testNamespaces = namespaces{
	"default": {corev1.LabelMetadataName: "default"},
	"ns-a":    {corev1.LabelMetadataName: "ns-a", "team": "a"},
	"ns-b":    {corev1.LabelMetadataName: "ns-b", "team": "b"},
}

func newPlugin(t testing.TB, args any, snap *snapshot) *interpodaffinity.InterPodAffinity {
	t.Helper()
	p, err := interpodaffinity.New(context.Background(), args, &handle{snap: snap, ns: testNamespaces})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p.(*interpodaffinity.InterPodAffinity)
}

func node(name string, labels map[string]string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

// pod returns a pod in namespace "default" (or ns, when given as
// "ns/name") bound to nodeName.
func pod(name, nodeName string, labels map[string]string) *corev1.Pod {
	ns := "default"
	for i := range name {
		if name[i] == '/' {
			ns, name = name[:i], name[i+1:]
			break
		}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + ns + "-" + name), Labels: labels},
		Spec:       corev1.PodSpec{NodeName: nodeName},
	}
}

// withAffinity sets the required affinity and anti-affinity terms of p.
func withAffinity(p *corev1.Pod, affinity, anti []corev1.PodAffinityTerm) *corev1.Pod {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	if affinity != nil {
		if p.Spec.Affinity.PodAffinity == nil {
			p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{}
		}
		p.Spec.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = affinity
	}
	if anti != nil {
		if p.Spec.Affinity.PodAntiAffinity == nil {
			p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
		}
		p.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = anti
	}
	return p
}

// withPreferred sets the preferred affinity and anti-affinity terms of p.
func withPreferred(p *corev1.Pod, affinity, anti []corev1.WeightedPodAffinityTerm) *corev1.Pod {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	if affinity != nil {
		if p.Spec.Affinity.PodAffinity == nil {
			p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{}
		}
		p.Spec.Affinity.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution = affinity
	}
	if anti != nil {
		if p.Spec.Affinity.PodAntiAffinity == nil {
			p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
		}
		p.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = anti
	}
	return p
}

// in is a term selecting pods whose key is one of values, in the domain of
// topologyKey.
func in(key, topologyKey string, values ...string) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: metav1.LabelSelectorOpIn, Values: values}}},
		TopologyKey:   topologyKey,
	}
}

func notIn(key, topologyKey string, values ...string) corev1.PodAffinityTerm {
	t := in(key, topologyKey, values...)
	t.LabelSelector.MatchExpressions[0].Operator = metav1.LabelSelectorOpNotIn
	return t
}

func weighted(w int32, t corev1.PodAffinityTerm) corev1.WeightedPodAffinityTerm {
	return corev1.WeightedPodAffinityTerm{Weight: w, PodAffinityTerm: t}
}

func terms(ts ...corev1.PodAffinityTerm) []corev1.PodAffinityTerm { return ts }

// filterAll runs PreFilter and then Filter on every node, returning the
// non-success statuses by node name, or the PreFilter status under "".
func filterAll(t testing.TB, pl *interpodaffinity.InterPodAffinity, snap *snapshot, p *corev1.Pod) map[string]*framework.Status {
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

// scoreAll runs PreScore, Score and NormalizeScore over every node and
// returns the normalised scores, or the PreScore status when it is not
// Success.
func scoreAll(t testing.TB, pl *interpodaffinity.InterPodAffinity, snap *snapshot, p *corev1.Pod) (map[string]int64, *framework.Status) {
	t.Helper()
	ctx := context.Background()
	state := framework.NewCycleState()
	nodes, _ := snap.List()
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

func affinityFails() *framework.Status {
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, interpodaffinity.ErrReasonAffinityRulesNotMatch)
}

func antiAffinityFails() *framework.Status {
	return framework.NewStatus(framework.Unschedulable, interpodaffinity.ErrReasonAntiAffinityRulesNotMatch)
}

func existingAntiAffinityFails() *framework.Status {
	return framework.NewStatus(framework.Unschedulable, interpodaffinity.ErrReasonExistingAntiAffinityRulesNotMatch)
}
