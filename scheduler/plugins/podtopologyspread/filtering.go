package podtopologyspread

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// preFilterStateKey names the plugin's PreFilter data in the CycleState.
const preFilterStateKey framework.StateKey = "PreFilter" + Name

// preFilterState is what PreFilter computes for Filter: for each
// DoNotSchedule constraint, the number of matching pods in each eligible
// domain and the smallest of those numbers. AddPod and RemovePod keep it
// right as pods are added and removed in simulation.
type preFilterState struct {
	Constraints []constraint
	// TpValueToMatchNum[i] maps each eligible domain (topology value) of
	// Constraints[i] to its number of matching pods.
	TpValueToMatchNum []map[string]int
	// MinMatchNum[i] is the smallest value of TpValueToMatchNum[i], or
	// math.MaxInt32 when there is no eligible domain.
	MinMatchNum []int
	// DomainsAtCount[i][k] is the number of domains of Constraints[i]
	// holding exactly k matching pods; it keeps MinMatchNum exact under
	// the one-pod changes of AddPod and RemovePod without a scan.
	DomainsAtCount []map[int]int
	// affinity is the incoming pod's node selector and required node
	// affinity, for the node inclusion policies; immutable.
	affinity requiredNodeAffinity
	// selfMatch[i] is 1 when Constraints[i] selects the incoming pod
	// itself, else 0; computed once by PreFilter instead of on every
	// node by Filter; nil in a state not made by PreFilter. Immutable.
	selfMatch []int
}

// Clone returns a copy whose counts can change independently; the
// constraints are shared (they are immutable).
func (s *preFilterState) Clone() framework.StateData {
	if s == nil {
		return (*preFilterState)(nil)
	}
	c := &preFilterState{
		Constraints:       s.Constraints,
		TpValueToMatchNum: make([]map[string]int, len(s.TpValueToMatchNum)),
		MinMatchNum:       slices.Clone(s.MinMatchNum),
		DomainsAtCount:    make([]map[int]int, len(s.DomainsAtCount)),
		affinity:          s.affinity,
		selfMatch:         s.selfMatch,
	}
	for i, m := range s.TpValueToMatchNum {
		c.TpValueToMatchNum[i] = maps.Clone(m)
	}
	for i, m := range s.DomainsAtCount {
		c.DomainsAtCount[i] = maps.Clone(m)
	}
	return c
}

// minMatchNum returns the global minimum of constraint i for the skew:
// 0 when fewer than minDomains domains are eligible.
func (s *preFilterState) minMatchNum(i int, minDomains int32) int {
	if len(s.TpValueToMatchNum[i]) < int(minDomains) {
		return 0
	}
	return s.MinMatchNum[i]
}

// update moves the domain value of constraint i by delta pods (±1) and
// keeps MinMatchNum and DomainsAtCount exact.
func (s *preFilterState) update(i int, value string, delta int) {
	old, existed := s.TpValueToMatchNum[i][value]
	cur := old + delta
	s.TpValueToMatchNum[i][value] = cur
	hist := s.DomainsAtCount[i]
	if existed {
		if hist[old]--; hist[old] <= 0 {
			delete(hist, old)
		}
	}
	hist[cur]++
	switch {
	case cur < s.MinMatchNum[i]:
		s.MinMatchNum[i] = cur
	case existed && old == s.MinMatchNum[i] && hist[old] == 0:
		// The last domain at the minimum moved up by one; every other
		// domain holds more than old, so cur is the new minimum.
		s.MinMatchNum[i] = cur
	}
}

// PreFilter counts, for each DoNotSchedule constraint of pod (its own or
// the defaults), the matching pods of pod's namespace in each domain of
// the eligible nodes: nodes that carry every constraint's topology key
// and pass the constraint's node inclusion policies. It returns Skip when
// pod has no DoNotSchedule constraint, and Error when a selector is
// invalid.
func (pl *PodTopologySpread) PreFilter(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	s, err := pl.calPreFilterState(ctx, pod, nodes)
	if err != nil {
		return nil, framework.AsStatus(err)
	}
	if len(s.Constraints) == 0 {
		return nil, framework.NewStatus(framework.Skip)
	}
	state.Write(preFilterStateKey, s)
	return nil, nil
}

// PreFilterExtensions returns the plugin: its counts depend on other pods.
func (pl *PodTopologySpread) PreFilterExtensions() framework.PreFilterExtensions { return pl }

// AddPod counts podInfoToAdd on nodeInfo's domains.
func (pl *PodTopologySpread) AddPod(_ context.Context, state *framework.CycleState, podToSchedule *corev1.Pod, podInfoToAdd *framework.PodInfo, nodeInfo *framework.NodeInfo) *framework.Status {
	s, err := getPreFilterState(state)
	if err != nil {
		return framework.AsStatus(err)
	}
	s.updateWithPod(podInfoToAdd.Pod, podToSchedule, nodeInfo.Node(), 1)
	return nil
}

// RemovePod uncounts podInfoToRemove from nodeInfo's domains.
func (pl *PodTopologySpread) RemovePod(_ context.Context, state *framework.CycleState, podToSchedule *corev1.Pod, podInfoToRemove *framework.PodInfo, nodeInfo *framework.NodeInfo) *framework.Status {
	s, err := getPreFilterState(state)
	if err != nil {
		return framework.AsStatus(err)
	}
	s.updateWithPod(podInfoToRemove.Pod, podToSchedule, nodeInfo.Node(), -1)
	return nil
}

func (s *preFilterState) updateWithPod(updated, preemptor *corev1.Pod, node *corev1.Node, delta int) {
	if s == nil || node == nil || updated.Namespace != preemptor.Namespace {
		return
	}
	if !nodeLabelsMatchSpreadConstraints(node.Labels, s.Constraints) {
		return
	}
	podLabels := labels.Set(updated.Labels)
	for i := range s.Constraints {
		c := &s.Constraints[i]
		if !c.Selector.Matches(podLabels) || !c.matchNodeInclusionPolicies(preemptor, node, s.affinity) {
			continue
		}
		s.update(i, node.Labels[c.TopologyKey], delta)
	}
}

// getPreFilterState reads the PreFilter data, or returns an error saying
// it is missing.
func getPreFilterState(state *framework.CycleState) (*preFilterState, error) {
	s, err := framework.ReadState[*preFilterState](state, preFilterStateKey)
	if err != nil {
		return nil, fmt.Errorf("podtopologyspread: reading PreFilter state: %w", err)
	}
	return s, nil
}

// calPreFilterState computes the PreFilter data of pod over nodes.
func (pl *PodTopologySpread) calPreFilterState(ctx context.Context, pod *corev1.Pod, nodes []*framework.NodeInfo) (*preFilterState, error) {
	cs, err := pl.hardConstraints(pod)
	if err != nil {
		return nil, fmt.Errorf("podtopologyspread: %w", err)
	}
	if len(cs) == 0 {
		return &preFilterState{}, nil
	}
	affinity := newRequiredNodeAffinity(pod)
	s := &preFilterState{
		Constraints:       cs,
		TpValueToMatchNum: make([]map[string]int, len(cs)),
		MinMatchNum:       make([]int, len(cs)),
		DomainsAtCount:    make([]map[int]int, len(cs)),
		affinity:          affinity,
		selfMatch:         make([]int, len(cs)),
	}
	podLabels := labels.Set(pod.Labels)
	for i := range cs {
		if cs[i].Selector.Matches(podLabels) {
			s.selfMatch[i] = 1
		}
	}
	// selects[i] reports whether constraint i's selector can select a pod
	// (an empty selector counts nothing), computed once per constraint.
	selects := make([]bool, len(cs))
	for i := range cs {
		selects[i] = !cs[i].Selector.Empty()
	}
	compute := func(ni *framework.NodeInfo) []nodeDomain { return nodeDomains(ni, pod, cs, selects, affinity) }
	use := func(agg domainTallies) {
		for i := range cs {
			m := make(map[string]int, len(agg[i]))
			for v, t := range agg[i] {
				m[v] = t.pods
			}
			s.TpValueToMatchNum[i] = m
		}
	}
	if pl.domains != nil {
		// Nodes that did not change since a pod with the same namespace,
		// constraints and node inclusion inputs was counted are not
		// visited again: the counts per domain are kept up to date by
		// taking away the changed nodes' old counts and adding their new
		// ones.
		err := framework.NodeAggregate(ctx, pl.domains, pl.parallelizer(), domainKey(pod, cs), nodes, compute,
			func() domainTallies { return newDomainTallies(len(cs)) }, domainTallies.apply, use, Name)
		if err != nil {
			return nil, fmt.Errorf("podtopologyspread: %w", err)
		}
	} else {
		perNode := make([][]nodeDomain, len(nodes))
		pl.parallelizer().Until(ctx, len(nodes), func(n int) { perNode[n] = compute(nodes[n]) }, Name)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("podtopologyspread: %w", err)
		}
		agg := newDomainTallies(len(cs))
		for _, d := range perNode {
			agg.apply(d, 1)
		}
		use(agg)
	}
	for i := range cs {
		s.MinMatchNum[i] = math.MaxInt32
		s.DomainsAtCount[i] = make(map[int]int)
		for _, n := range s.TpValueToMatchNum[i] {
			s.DomainsAtCount[i][n]++
			s.MinMatchNum[i] = min(s.MinMatchNum[i], n)
		}
	}
	return s, nil
}

// Filter rejects nodeInfo when it lacks a constraint's topology key
// (UnschedulableAndUnresolvable, ErrReasonNodeLabelNotMatch) or when
// placing pod there would make a constraint's skew exceed its maxSkew
// (Unschedulable, ErrReasonConstraintsNotMatch). The skew is the number of
// matching pods in the node's domain, plus one when pod matches its own
// selector, minus the global minimum (0 when fewer domains than minDomains
// are eligible).
func (pl *PodTopologySpread) Filter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) *framework.Status {
	node := nodeInfo.Node()
	if node == nil {
		return framework.AsStatus(fmt.Errorf("podtopologyspread: node not found"))
	}
	s, err := getPreFilterState(state)
	if err != nil {
		return framework.AsStatus(err)
	}
	for i := range s.Constraints {
		c := &s.Constraints[i]
		value, ok := node.Labels[c.TopologyKey]
		if !ok {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNodeLabelNotMatch)
		}
		var self int
		if s.selfMatch != nil {
			self = s.selfMatch[i]
		} else if c.Selector.Matches(labels.Set(pod.Labels)) {
			self = 1
		}
		skew := s.TpValueToMatchNum[i][value] + self - s.minMatchNum(i, c.MinDomains)
		if skew > int(c.MaxSkew) {
			return framework.NewStatus(framework.Unschedulable, ErrReasonConstraintsNotMatch)
		}
	}
	return nil
}

// parallelizer returns the Handle's Parallelizer.
func (pl *PodTopologySpread) parallelizer() framework.Parallelizer {
	return pl.handle.Parallelizer()
}
