package podtopologyspread

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

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
	}
	// counts[n*len(cs)+i] is the number of matching pods on nodes[n] for
	// constraint i, or -1 when the node is not eligible for it: one
	// allocation for the whole cycle instead of one per node.
	nc := len(cs)
	counts := make([]int, len(nodes)*nc)
	// values[n*len(cs)+i] is nodes[n]'s value of constraint i's topology
	// key, looked up once per node.
	values := make([]string, len(nodes)*nc)
	// selects[i] reports whether constraint i's selector can select a pod
	// (an empty selector counts nothing), computed once per constraint.
	selects := make([]bool, nc)
	for i := range cs {
		selects[i] = !cs[i].Selector.Empty()
	}
	ns := pod.Namespace
	// eligible marks, per node and constraint, the nodes that count
	// (row[i] = 0) before the node's matching pods are added.
	eligible := func(n int) bool {
		row := counts[n*nc : (n+1)*nc]
		for i := range row {
			row[i] = -1
		}
		node := nodes[n].Node()
		if node == nil {
			return false
		}
		vals := values[n*nc : (n+1)*nc]
		for i := range cs {
			v, ok := node.Labels[cs[i].TopologyKey]
			if !ok {
				return false // the node lacks a topology key: not eligible
			}
			vals[i] = v
		}
		// The node inclusion policies are checked before any pod label
		// is matched; pods are visited only when some eligible
		// constraint can select one.
		visit := false
		for i := range cs {
			if cs[i].matchNodeInclusionPolicies(pod, node, affinity) {
				row[i] = 0
				visit = visit || selects[i]
			}
		}
		return visit
	}
	// addMatching adds to row the pods of ni that each constraint selects.
	addMatching := func(row []int, matching []int) {
		for i := range row {
			if row[i] >= 0 && selects[i] {
				row[i] += matching[i]
			}
		}
	}
	if pl.matches != nil {
		// The matching pods of nodes that did not change since a pod
		// with the same namespace and selectors was counted are not
		// counted again.
		err := pl.matches.Visit(ctx, pl.parallelizer(), matchKey(ns, cs), nodes, func(ni *framework.NodeInfo) []int {
			return matchingPods(ni, ns, cs, selects)
		}, func(n int, matching []int) {
			if eligible(n) {
				addMatching(counts[n*nc:(n+1)*nc], matching)
			}
		}, Name)
		if err != nil {
			return nil, fmt.Errorf("podtopologyspread: %w", err)
		}
	} else {
		pl.parallelizer().Until(ctx, len(nodes), func(n int) {
			if eligible(n) {
				addMatching(counts[n*nc:(n+1)*nc], matchingPods(nodes[n], ns, cs, selects))
			}
		}, Name)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("podtopologyspread: %w", err)
	}
	for i := range cs {
		s.TpValueToMatchNum[i] = make(map[string]int)
	}
	for n := range nodes {
		row := counts[n*nc : (n+1)*nc]
		for i, c := range row {
			if c < 0 {
				continue
			}
			s.TpValueToMatchNum[i][values[n*nc+i]] += c
		}
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
	podLabels := labels.Set(pod.Labels)
	for i := range s.Constraints {
		c := &s.Constraints[i]
		value, ok := node.Labels[c.TopologyKey]
		if !ok {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNodeLabelNotMatch)
		}
		self := 0
		if c.Selector.Matches(podLabels) {
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

// matchingPods returns, per constraint of cs that selects (selects[i]),
// the number of ni's pods in namespace ns, not being deleted, that its
// selector selects; 0 for the others.
func matchingPods(ni *framework.NodeInfo, ns string, cs []constraint, selects []bool) []int {
	out := make([]int, len(cs))
	for _, pi := range ni.Pods {
		p := pi.Pod
		// Terminating pods and pods of other namespaces are not
		// counted, as in countPodsMatchSelector.
		if p.DeletionTimestamp != nil || p.Namespace != ns {
			continue
		}
		podLabels := labels.Set(p.Labels)
		for i := range cs {
			if selects[i] && cs[i].Selector.Matches(podLabels) {
				out[i]++
			}
		}
	}
	return out
}

// matchKey is the key of the matches memo for pods of namespace ns
// counted by cs: the namespace and each constraint's selector (Nothing()
// told apart from an empty selector).
func matchKey(ns string, cs []constraint) string {
	var b strings.Builder
	b.WriteString(ns)
	for i := range cs {
		b.WriteByte(0)
		if _, selects := cs[i].Selector.Requirements(); !selects {
			b.WriteString("!")
			continue
		}
		b.WriteString("=")
		b.WriteString(cs[i].Selector.String())
	}
	return b.String()
}
