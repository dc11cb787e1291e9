package interpodaffinity

import (
	"context"
	"fmt"
	"maps"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// preFilterStateKey names the plugin's PreFilter data in the CycleState.
const preFilterStateKey framework.StateKey = "PreFilter" + Name

// The Filter reasons, with Kubernetes' texts.
const (
	// ErrReasonExistingAntiAffinityRulesNotMatch: an existing pod's
	// required anti-affinity selects the incoming pod in the node's domain.
	ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules"
	// ErrReasonAffinityRulesNotMatch: the node's domain runs no pod that
	// matches all of the incoming pod's required affinity terms.
	ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules"
	// ErrReasonAntiAffinityRulesNotMatch: the node's domain runs a pod that
	// the incoming pod's required anti-affinity selects.
	ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules"
)

// topologyPair is one topology domain: a node label and its value.
type topologyPair struct {
	key   string
	value string
}

// topologyToMatchedTermCount counts matching pods per domain. Zero counts
// are deleted, so an empty map means no domain has a match.
type topologyToMatchedTermCount map[topologyPair]int64

func (m topologyToMatchedTermCount) add(pair topologyPair, delta int64) {
	m[pair] += delta
	if m[pair] == 0 {
		delete(m, pair)
	}
}

// updateWithAffinityTerms adds delta to each term's domain on node when
// pod matches all the terms.
func (m topologyToMatchedTermCount) updateWithAffinityTerms(ts []term, pod *corev1.Pod, node *corev1.Node, delta int64, ns *namespaceLabels) {
	if !matchesAll(ts, pod, ns) {
		return
	}
	for _, t := range ts {
		if v, ok := node.Labels[t.TopologyKey]; ok {
			m.add(topologyPair{t.TopologyKey, v}, delta)
		}
	}
}

// updateWithAntiAffinityTerms adds delta to the domain on node of each
// term that pod matches.
func (m topologyToMatchedTermCount) updateWithAntiAffinityTerms(ts []term, pod *corev1.Pod, node *corev1.Node, delta int64, ns *namespaceLabels) {
	for _, t := range ts {
		if !t.matches(pod, ns) {
			continue
		}
		if v, ok := node.Labels[t.TopologyKey]; ok {
			m.add(topologyPair{t.TopologyKey, v}, delta)
		}
	}
}

// updateWithExistingAntiAffinityTerms adds delta to the domain on node of
// each of an existing pod's required anti-affinity terms that selects the
// incoming pod, whose namespace has the labels nsLabels.
func (m topologyToMatchedTermCount) updateWithExistingAntiAffinityTerms(ts []framework.AffinityTerm, incoming *corev1.Pod, nsLabels labels.Set, node *corev1.Node, delta int64) {
	for i := range ts {
		t := &ts[i]
		if !t.Matches(incoming, nsLabels) {
			continue
		}
		if v, ok := node.Labels[t.TopologyKey]; ok {
			m.add(topologyPair{t.TopologyKey, v}, delta)
		}
	}
}

// preFilterState is what PreFilter computes for Filter.
type preFilterState struct {
	// existingAntiAffinityCounts counts, per domain, the existing pods
	// whose required anti-affinity selects the incoming pod.
	existingAntiAffinityCounts topologyToMatchedTermCount
	// affinityCounts counts, per domain of each required affinity term,
	// the existing pods that match all of the incoming pod's required
	// affinity terms.
	affinityCounts topologyToMatchedTermCount
	// antiAffinityCounts counts, per domain of each required anti-affinity
	// term, the existing pods that the term selects.
	antiAffinityCounts topologyToMatchedTermCount

	podInfo           *framework.PodInfo
	affinityTerms     []term
	antiAffinityTerms []term
	// namespaceLabels are the labels of the incoming pod's namespace.
	namespaceLabels labels.Set
	ns              *namespaceLabels
}

// Clone returns a copy whose counts can change independently.
func (s *preFilterState) Clone() framework.StateData {
	if s == nil {
		return (*preFilterState)(nil)
	}
	c := *s
	c.existingAntiAffinityCounts = maps.Clone(s.existingAntiAffinityCounts)
	c.affinityCounts = maps.Clone(s.affinityCounts)
	c.antiAffinityCounts = maps.Clone(s.antiAffinityCounts)
	return &c
}

// updateWithPod counts (delta 1) or uncounts (delta -1) the pod pi on node.
func (s *preFilterState) updateWithPod(pi *framework.PodInfo, node *corev1.Node, delta int64) {
	if s == nil || node == nil {
		return
	}
	s.existingAntiAffinityCounts.updateWithExistingAntiAffinityTerms(pi.RequiredAntiAffinityTerms, s.podInfo.Pod, s.namespaceLabels, node, delta)
	s.affinityCounts.updateWithAffinityTerms(s.affinityTerms, pi.Pod, node, delta, s.ns)
	s.antiAffinityCounts.updateWithAntiAffinityTerms(s.antiAffinityTerms, pi.Pod, node, delta, s.ns)
}

// PreFilter counts, over every node, the existing pods that match the
// incoming pod's required affinity and anti-affinity terms, and those whose
// required anti-affinity selects the incoming pod. It returns Skip when
// there is nothing to check (no required terms and no existing pod's
// anti-affinity selects the pod), and UnschedulableAndUnresolvable when a
// term of the pod does not parse.
func (pl *InterPodAffinity) PreFilter(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	pi, err := framework.NewPodInfo(pod)
	if err != nil {
		return nil, framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("parsing pod: %v", err))
	}
	ns := newNamespaceLabels(pl.handle)
	s := &preFilterState{
		podInfo:           pi,
		affinityTerms:     wrapTerms(pi.RequiredAffinityTerms),
		antiAffinityTerms: wrapTerms(pi.RequiredAntiAffinityTerms),
		namespaceLabels:   ns.get(pod.Namespace),
		ns:                ns,
	}
	s.existingAntiAffinityCounts = pl.existingAntiAffinityCounts(ctx, pod, s.namespaceLabels, nodes)
	s.affinityCounts, s.antiAffinityCounts = pl.incomingAffinityCounts(ctx, s, nodes)
	if err := ctx.Err(); err != nil {
		return nil, framework.AsStatus(fmt.Errorf("interpodaffinity: %w", err))
	}
	if len(s.existingAntiAffinityCounts) == 0 && len(s.affinityTerms) == 0 && len(s.antiAffinityTerms) == 0 {
		return nil, framework.NewStatus(framework.Skip)
	}
	state.Write(preFilterStateKey, s)
	return nil, nil
}

// existingAntiAffinityCounts counts, per domain, the existing pods whose
// required anti-affinity terms select pod.
func (pl *InterPodAffinity) existingAntiAffinityCounts(ctx context.Context, pod *corev1.Pod, nsLabels labels.Set, nodes []*framework.NodeInfo) topologyToMatchedTermCount {
	perNode := make([]topologyToMatchedTermCount, len(nodes))
	pl.handle.Parallelizer().Until(ctx, len(nodes), func(i int) {
		node := nodes[i].Node()
		if node == nil || len(nodes[i].PodsWithRequiredAntiAffinity) == 0 {
			return
		}
		m := make(topologyToMatchedTermCount)
		for _, existing := range nodes[i].PodsWithRequiredAntiAffinity {
			m.updateWithExistingAntiAffinityTerms(existing.RequiredAntiAffinityTerms, pod, nsLabels, node, 1)
		}
		perNode[i] = m
	}, Name)
	return merge(perNode)
}

// incomingAffinityCounts counts, per domain, the existing pods that match
// the incoming pod's required affinity terms and anti-affinity terms.
func (pl *InterPodAffinity) incomingAffinityCounts(ctx context.Context, s *preFilterState, nodes []*framework.NodeInfo) (affinity, anti topologyToMatchedTermCount) {
	if len(s.affinityTerms) == 0 && len(s.antiAffinityTerms) == 0 {
		return make(topologyToMatchedTermCount), make(topologyToMatchedTermCount)
	}
	perNodeAffinity := make([]topologyToMatchedTermCount, len(nodes))
	perNodeAnti := make([]topologyToMatchedTermCount, len(nodes))
	pl.handle.Parallelizer().Until(ctx, len(nodes), func(i int) {
		node := nodes[i].Node()
		if node == nil {
			return
		}
		a, aa := make(topologyToMatchedTermCount), make(topologyToMatchedTermCount)
		for _, existing := range nodes[i].Pods {
			a.updateWithAffinityTerms(s.affinityTerms, existing.Pod, node, 1, s.ns)
			aa.updateWithAntiAffinityTerms(s.antiAffinityTerms, existing.Pod, node, 1, s.ns)
		}
		perNodeAffinity[i], perNodeAnti[i] = a, aa
	}, Name)
	return merge(perNodeAffinity), merge(perNodeAnti)
}

// merge sums counts.
func merge(counts []topologyToMatchedTermCount) topologyToMatchedTermCount {
	out := make(topologyToMatchedTermCount)
	for _, m := range counts {
		for pair, n := range m {
			out.add(pair, n)
		}
	}
	return out
}

// PreFilterExtensions returns the plugin: its counts depend on other pods.
func (pl *InterPodAffinity) PreFilterExtensions() framework.PreFilterExtensions { return pl }

// AddPod counts podInfoToAdd as running on nodeInfo.
func (pl *InterPodAffinity) AddPod(_ context.Context, state *framework.CycleState, _ *corev1.Pod, podInfoToAdd *framework.PodInfo, nodeInfo *framework.NodeInfo) *framework.Status {
	s, err := getPreFilterState(state)
	if err != nil {
		return framework.AsStatus(err)
	}
	s.updateWithPod(podInfoToAdd, nodeInfo.Node(), 1)
	return nil
}

// RemovePod uncounts podInfoToRemove from nodeInfo.
func (pl *InterPodAffinity) RemovePod(_ context.Context, state *framework.CycleState, _ *corev1.Pod, podInfoToRemove *framework.PodInfo, nodeInfo *framework.NodeInfo) *framework.Status {
	s, err := getPreFilterState(state)
	if err != nil {
		return framework.AsStatus(err)
	}
	s.updateWithPod(podInfoToRemove, nodeInfo.Node(), -1)
	return nil
}

func getPreFilterState(state *framework.CycleState) (*preFilterState, error) {
	s, err := framework.ReadState[*preFilterState](state, preFilterStateKey)
	if err != nil {
		return nil, fmt.Errorf("interpodaffinity: reading PreFilter state: %w", err)
	}
	return s, nil
}

// satisfyExistingPodsAntiAffinity reports whether no existing pod's
// anti-affinity selecting the incoming pod covers a domain of node.
func satisfyExistingPodsAntiAffinity(s *preFilterState, node *corev1.Node) bool {
	if len(s.existingAntiAffinityCounts) == 0 {
		return true
	}
	for k, v := range node.Labels {
		if s.existingAntiAffinityCounts[topologyPair{k, v}] > 0 {
			return false
		}
	}
	return true
}

// satisfyPodAntiAffinity reports whether no pod that the incoming pod's
// anti-affinity selects runs in node's domain of the term.
func satisfyPodAntiAffinity(s *preFilterState, node *corev1.Node) bool {
	for _, t := range s.antiAffinityTerms {
		if v, ok := node.Labels[t.TopologyKey]; ok && s.antiAffinityCounts[topologyPair{t.TopologyKey, v}] > 0 {
			return false
		}
	}
	return true
}

// satisfyPodAffinity reports whether node carries every affinity term's
// topology key and, in each term's domain, runs a pod matching all the
// terms. As in Kubernetes, the first pod of a group with affinity to
// itself is let through: when no pod anywhere matches the terms and the
// incoming pod matches them itself, any node with all the keys passes.
func satisfyPodAffinity(s *preFilterState, node *corev1.Node) bool {
	podsExist := true
	for _, t := range s.affinityTerms {
		v, ok := node.Labels[t.TopologyKey]
		if !ok {
			return false
		}
		if s.affinityCounts[topologyPair{t.TopologyKey, v}] <= 0 {
			podsExist = false
		}
	}
	if podsExist {
		return true
	}
	return len(s.affinityCounts) == 0 && matchesAll(s.affinityTerms, s.podInfo.Pod, s.ns)
}

// Filter rejects nodeInfo when the incoming pod's required affinity is not
// met there (UnschedulableAndUnresolvable: removing pods cannot help),
// when its required anti-affinity is violated there (Unschedulable), or
// when an existing pod's required anti-affinity forbids it there
// (Unschedulable); in that order.
func (pl *InterPodAffinity) Filter(_ context.Context, state *framework.CycleState, _ *corev1.Pod, nodeInfo *framework.NodeInfo) *framework.Status {
	node := nodeInfo.Node()
	if node == nil {
		return framework.AsStatus(fmt.Errorf("interpodaffinity: node not found"))
	}
	s, err := getPreFilterState(state)
	if err != nil {
		return framework.AsStatus(err)
	}
	if !satisfyPodAffinity(s, node) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)
	}
	if !satisfyPodAntiAffinity(s, node) {
		return framework.NewStatus(framework.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)
	}
	if !satisfyExistingPodsAntiAffinity(s, node) {
		return framework.NewStatus(framework.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)
	}
	return nil
}
