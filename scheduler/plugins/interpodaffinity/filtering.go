package interpodaffinity

import (
	"context"
	"errors"
	"fmt"

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
	if n := m[pair] + delta; n != 0 {
		m[pair] = n
	} else {
		delete(m, pair)
	}
}

// pairCount is a count of one domain found on one node during PreFilter;
// a node's counts are kept in a slice (a pair may repeat) and summed into
// a map by merge, which is cheaper than a map per node.
type pairCount struct {
	pair topologyPair
	n    int64
}

// updateWithAffinityTerms adds delta to each term's domain on node when
// pod matches all the terms.
func (m *counts) updateWithAffinityTerms(ts []term, pod *corev1.Pod, node *corev1.Node, delta int64, ns *namespaceLabels) {
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
func (m *counts) updateWithAntiAffinityTerms(ts []term, pod *corev1.Pod, node *corev1.Node, delta int64, ns *namespaceLabels) {
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
func (m *counts) updateWithExistingAntiAffinityTerms(ts []framework.AffinityTerm, incoming *corev1.Pod, nsLabels labels.Set, node *corev1.Node, delta int64) {
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
	existingAntiAffinityCounts counts
	// affinityCounts counts, per domain of each required affinity term,
	// the existing pods that match all of the incoming pod's required
	// affinity terms.
	affinityCounts counts
	// antiAffinityCounts counts, per domain of each required anti-affinity
	// term, the existing pods that the term selects.
	antiAffinityCounts counts

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
	c.existingAntiAffinityCounts = s.existingAntiAffinityCounts.clone()
	c.affinityCounts = s.affinityCounts.clone()
	c.antiAffinityCounts = s.antiAffinityCounts.clone()
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
// incoming pod's required affinity and anti-affinity terms, and, over the
// snapshot's nodes running pods with required anti-affinity
// (HavePodsWithRequiredAntiAffinityList), those whose required
// anti-affinity selects the incoming pod. It returns Skip when there is
// nothing to check (no required terms and no existing pod's anti-affinity
// selects the pod) without visiting any node when the pod has no required
// terms and no existing pod has required anti-affinity, Error when the
// Handle has no snapshot lister, and UnschedulableAndUnresolvable when a
// term of the pod does not parse.
func (pl *InterPodAffinity) PreFilter(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	pi, err := framework.NewPodInfo(pod)
	if err != nil {
		return nil, framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("parsing pod: %v", err))
	}
	lister := pl.handle.SnapshotSharedLister()
	if lister == nil {
		return nil, framework.AsStatus(errors.New("interpodaffinity: no snapshot lister"))
	}
	withAnti, err := lister.NodeInfos().HavePodsWithRequiredAntiAffinityList()
	if err != nil {
		return nil, framework.AsStatus(fmt.Errorf("interpodaffinity: listing nodes with pods with required anti-affinity: %w", err))
	}
	hasTerms := len(pi.RequiredAffinityTerms) > 0 || len(pi.RequiredAntiAffinityTerms) > 0
	if len(withAnti) == 0 && !hasTerms {
		if err := ctx.Err(); err != nil {
			return nil, framework.AsStatus(fmt.Errorf("interpodaffinity: %w", err))
		}
		return nil, framework.NewStatus(framework.Skip)
	}
	ns := newNamespaceLabels(pl.handle)
	s := &preFilterState{
		podInfo:           pi,
		affinityTerms:     wrapTerms(pi.RequiredAffinityTerms),
		antiAffinityTerms: wrapTerms(pi.RequiredAntiAffinityTerms),
		namespaceLabels:   ns.get(pod.Namespace),
		ns:                ns,
	}
	s.existingAntiAffinityCounts = pl.existingAntiAffinityCounts(ctx, pod, s.namespaceLabels, withAnti)
	s.affinityCounts, s.antiAffinityCounts = pl.incomingAffinityCounts(ctx, s, nodes)
	if err := ctx.Err(); err != nil {
		return nil, framework.AsStatus(fmt.Errorf("interpodaffinity: %w", err))
	}
	if s.existingAntiAffinityCounts.len() == 0 && !hasTerms {
		return nil, framework.NewStatus(framework.Skip)
	}
	state.Write(preFilterStateKey, s)
	return nil, nil
}

// existingAntiAffinityCounts counts, per domain, the existing pods on
// nodes whose required anti-affinity terms select pod. nodes are those
// running pods with required anti-affinity; a node's counts are allocated
// only when one of its pods' terms selects pod. Nodes that did not change
// since a pod with the same namespace and labels was counted are not
// visited again (pl.memos.existing).
func (pl *InterPodAffinity) existingAntiAffinityCounts(ctx context.Context, pod *corev1.Pod, nsLabels labels.Set, nodes []*framework.NodeInfo) counts {
	out := make(topologyToMatchedTermCount)
	if len(nodes) == 0 {
		return ownCounts(out)
	}
	compute := func(ni *framework.NodeInfo) []pairCount { return existingAntiAffinityPairs(ni, pod, nsLabels) }
	visit := func(_ int, counts []pairCount) {
		for _, c := range counts {
			out.add(c.pair, c.n)
		}
	}
	if pl.memos != nil {
		var view countView
		_ = framework.NodeAggregate(ctx, pl.memos.existing, pl.handle.Parallelizer(), existingKey(pod, nsLabels), nodes, compute,
			newPublishedCounts, (*publishedCounts).addPairs, func(agg *publishedCounts) { view = agg.publish() }, Name) // PreFilter reports ctx's error
		return counts{view: view}
	}
	perNode := make([][]pairCount, len(nodes))
	pl.handle.Parallelizer().Until(ctx, len(nodes), func(i int) { perNode[i] = compute(nodes[i]) }, Name)
	for i, counts := range perNode {
		visit(i, counts)
	}
	return ownCounts(out)
}

// existingAntiAffinityPairs returns the domains of ni's node covered by a
// required anti-affinity term of one of ni's pods that selects pod, whose
// namespace has the labels nsLabels; one entry per term and pod.
func existingAntiAffinityPairs(ni *framework.NodeInfo, pod *corev1.Pod, nsLabels labels.Set) []pairCount {
	node := ni.Node()
	if node == nil {
		return nil
	}
	var m []pairCount
	for _, existing := range ni.PodsWithRequiredAntiAffinity {
		ts := existing.RequiredAntiAffinityTerms
		for j := range ts {
			t := &ts[j]
			if !t.Matches(pod, nsLabels) {
				continue
			}
			if v, ok := node.Labels[t.TopologyKey]; ok {
				m = append(m, pairCount{topologyPair{t.TopologyKey, v}, 1})
			}
		}
	}
	return m
}

// incomingAffinityCounts counts, per domain, the existing pods that match
// the incoming pod's required affinity terms and anti-affinity terms. A
// node's counts are allocated only when one of its pods matches. Nodes
// that did not change since a pod with the same terms was counted are not
// visited again (pl.memos.incoming), unless a term has a namespace
// selector that needs namespace labels.
func (pl *InterPodAffinity) incomingAffinityCounts(ctx context.Context, s *preFilterState, nodes []*framework.NodeInfo) (counts, counts) {
	affinity, anti := make(topologyToMatchedTermCount), make(topologyToMatchedTermCount)
	if len(s.affinityTerms) == 0 && len(s.antiAffinityTerms) == 0 {
		return ownCounts(affinity), ownCounts(anti)
	}
	compute := func(ni *framework.NodeInfo) incomingPairs { return s.incomingPairs(ni) }
	visit := func(_ int, p incomingPairs) {
		for _, c := range p.affinity {
			affinity.add(c.pair, c.n)
		}
		for _, c := range p.anti {
			anti.add(c.pair, c.n)
		}
	}
	if pl.memos != nil {
		if key, ok := incomingKey(s.affinityTerms, s.antiAffinityTerms); ok {
			var a, aa countView
			_ = framework.NodeAggregate(ctx, pl.memos.incoming, pl.handle.Parallelizer(), key, nodes, compute,
				func() *incomingCounts {
					return &incomingCounts{affinity: newPublishedCounts(), anti: newPublishedCounts()}
				},
				func(agg *incomingCounts, p incomingPairs, sign int64) {
					agg.affinity.addPairs(p.affinity, sign)
					agg.anti.addPairs(p.anti, sign)
				},
				func(agg *incomingCounts) { a, aa = agg.affinity.publish(), agg.anti.publish() }, Name) // PreFilter reports ctx's error
			return counts{view: a}, counts{view: aa}
		}
	}
	perNode := make([]incomingPairs, len(nodes))
	pl.handle.Parallelizer().Until(ctx, len(nodes), func(i int) { perNode[i] = compute(nodes[i]) }, Name)
	for i, p := range perNode {
		visit(i, p)
	}
	return ownCounts(affinity), ownCounts(anti)
}

// incomingPairs returns the domains of ni's node of the incoming pod's
// required affinity terms, once per pod of ni matching all of them, and
// of its anti-affinity terms, once per term and pod of ni it selects.
func (s *preFilterState) incomingPairs(ni *framework.NodeInfo) incomingPairs {
	node := ni.Node()
	if node == nil {
		return incomingPairs{}
	}
	var a, aa []pairCount
	for _, existing := range ni.Pods {
		if len(s.affinityTerms) > 0 && matchesAll(s.affinityTerms, existing.Pod, s.ns) {
			for _, t := range s.affinityTerms {
				if v, ok := node.Labels[t.TopologyKey]; ok {
					a = append(a, pairCount{topologyPair{t.TopologyKey, v}, 1})
				}
			}
		}
		for _, t := range s.antiAffinityTerms {
			if !t.matches(existing.Pod, s.ns) {
				continue
			}
			if v, ok := node.Labels[t.TopologyKey]; ok {
				aa = append(aa, pairCount{topologyPair{t.TopologyKey, v}, 1})
			}
		}
	}
	return incomingPairs{affinity: a, anti: aa}
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
	if s.existingAntiAffinityCounts.len() == 0 {
		return true
	}
	for k, v := range node.Labels {
		if s.existingAntiAffinityCounts.get(topologyPair{k, v}) > 0 {
			return false
		}
	}
	return true
}

// satisfyPodAntiAffinity reports whether no pod that the incoming pod's
// anti-affinity selects runs in node's domain of the term.
func satisfyPodAntiAffinity(s *preFilterState, node *corev1.Node) bool {
	for _, t := range s.antiAffinityTerms {
		if v, ok := node.Labels[t.TopologyKey]; ok && s.antiAffinityCounts.get(topologyPair{t.TopologyKey, v}) > 0 {
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
		if s.affinityCounts.get(topologyPair{t.TopologyKey, v}) <= 0 {
			podsExist = false
		}
	}
	if podsExist {
		return true
	}
	return s.affinityCounts.len() == 0 && matchesAll(s.affinityTerms, s.podInfo.Pod, s.ns)
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

// incomingCounts is the aggregate of incomingPairs over nodes.
type incomingCounts struct {
	affinity, anti *publishedCounts
}
