package podtopologyspread

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// preScoreStateKey names the plugin's PreScore data in the CycleState.
const preScoreStateKey framework.StateKey = "PreScore" + Name

// invalidScore marks, during NormalizeScore, a node that is not scored.
const invalidScore = -1

// preScoreState is what PreScore computes for Score: the ScheduleAnyway
// constraints, the nodes left unscored, the matching pods per domain
// (except for the host-name key, counted per node in Score) and each
// constraint's weight.
type preScoreState struct {
	Constraints []constraint
	// IgnoredNodes are the filtered nodes that lack a topology key (only
	// when every key is required); they score 0.
	IgnoredNodes map[string]struct{}
	// TopologyValueToPodCounts[i] maps each domain of Constraints[i] that
	// holds a filtered node to its number of matching pods.
	TopologyValueToPodCounts []map[string]*int64
	// TopologyNormalizingWeight[i] is log(number of domains + 2), so that
	// counts in small topologies are not watered down by big ones.
	TopologyNormalizingWeight []float64
}

// Clone returns s: the data does not change after PreScore.
func (s *preScoreState) Clone() framework.StateData { return s }

// initPreScoreState fills in the constraints, the ignored nodes, the
// domains of the filtered nodes and the weights.
func (pl *PodTopologySpread) initPreScoreState(s *preScoreState, pod *corev1.Pod, filtered []*framework.NodeInfo, requireAllTopologies bool) error {
	cs, err := pl.constraintsFor(pod, corev1.ScheduleAnyway)
	if err != nil {
		return err
	}
	s.Constraints = cs
	if len(cs) == 0 {
		return nil
	}
	s.TopologyValueToPodCounts = make([]map[string]*int64, len(cs))
	for i := range cs {
		s.TopologyValueToPodCounts[i] = make(map[string]*int64)
	}
	size := make([]int, len(cs))
	for _, ni := range filtered {
		node := ni.Node()
		if node == nil {
			continue
		}
		if requireAllTopologies && !nodeLabelsMatchSpreadConstraints(node.Labels, cs) {
			s.IgnoredNodes[node.Name] = struct{}{}
			continue
		}
		for i := range cs {
			if cs[i].TopologyKey == corev1.LabelHostname {
				continue // counted per node in Score
			}
			v := node.Labels[cs[i].TopologyKey]
			if s.TopologyValueToPodCounts[i][v] == nil {
				s.TopologyValueToPodCounts[i][v] = new(int64)
				size[i]++
			}
		}
	}
	s.TopologyNormalizingWeight = make([]float64, len(cs))
	for i := range cs {
		n := size[i]
		if cs[i].TopologyKey == corev1.LabelHostname {
			n = len(filtered) - len(s.IgnoredNodes)
		}
		s.TopologyNormalizingWeight[i] = topologyNormalizingWeight(n)
	}
	return nil
}

// PreScore counts, for each ScheduleAnyway constraint of pod (its own or
// the defaults), the matching pods in the domains of the filtered nodes,
// over every node of the snapshot that carries the topology keys and
// passes the constraint's node inclusion policies. It returns Skip when
// pod has no such constraint or the snapshot has no node.
//
// With the system default constraints a node need not carry every
// topology key (a node without a zone is still spread by host name);
// otherwise filtered nodes lacking a key score 0.
func (pl *PodTopologySpread) PreScore(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, filtered []*framework.NodeInfo) *framework.Status {
	lister := pl.handle.SnapshotSharedLister()
	if lister == nil {
		return framework.AsStatus(fmt.Errorf("podtopologyspread: no snapshot lister"))
	}
	all, err := lister.NodeInfos().List()
	if err != nil {
		return framework.AsStatus(fmt.Errorf("podtopologyspread: listing nodes: %w", err))
	}
	if len(all) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	s := &preScoreState{IgnoredNodes: make(map[string]struct{})}
	requireAllTopologies := len(pod.Spec.TopologySpreadConstraints) > 0 || !pl.systemDefaulted
	if err := pl.initPreScoreState(s, pod, filtered, requireAllTopologies); err != nil {
		return framework.AsStatus(fmt.Errorf("podtopologyspread: %w", err))
	}
	if len(s.Constraints) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	affinity := newRequiredNodeAffinity(pod)
	pl.parallelizer().Until(ctx, len(all), func(n int) {
		node := all[n].Node()
		if node == nil {
			return
		}
		if requireAllTopologies && !nodeLabelsMatchSpreadConstraints(node.Labels, s.Constraints) {
			return
		}
		for i := range s.Constraints {
			c := &s.Constraints[i]
			if !c.matchNodeInclusionPolicies(pod, node, affinity) {
				continue
			}
			counter := s.TopologyValueToPodCounts[i][node.Labels[c.TopologyKey]]
			if counter == nil {
				continue // a domain without filtered nodes, or the host name
			}
			atomic.AddInt64(counter, int64(countPodsMatchSelector(all[n].Pods, c.Selector, pod.Namespace)))
		}
	}, Name)
	if err := ctx.Err(); err != nil {
		return framework.AsStatus(fmt.Errorf("podtopologyspread: %w", err))
	}
	state.Write(preScoreStateKey, s)
	return nil
}

// Score returns the weighted number of matching pods in nodeInfo's domains
// (more is worse; NormalizeScore inverts it): for each constraint whose key
// the node carries, count × weight + maxSkew − 1, summed and rounded.
func (pl *PodTopologySpread) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) (int64, *framework.Status) {
	node := nodeInfo.Node()
	if node == nil {
		return 0, framework.AsStatus(fmt.Errorf("podtopologyspread: node not found"))
	}
	s, err := framework.ReadState[*preScoreState](state, preScoreStateKey)
	if err != nil {
		return 0, framework.AsStatus(fmt.Errorf("podtopologyspread: reading PreScore state: %w", err))
	}
	if _, ok := s.IgnoredNodes[node.Name]; ok {
		return 0, nil
	}
	var score float64
	for i := range s.Constraints {
		c := &s.Constraints[i]
		v, ok := node.Labels[c.TopologyKey]
		if !ok {
			continue
		}
		var cnt int64
		if c.TopologyKey == corev1.LabelHostname {
			cnt = int64(countPodsMatchSelector(nodeInfo.Pods, c.Selector, pod.Namespace))
		} else if p := s.TopologyValueToPodCounts[i][v]; p != nil {
			cnt = atomic.LoadInt64(p)
		}
		score += scoreForCount(cnt, c.MaxSkew, s.TopologyNormalizingWeight[i])
	}
	return int64(math.Round(score)), nil
}

// NormalizeScore maps the scores into [0, MaxNodeScore], inverted so that
// fewer matching pods score higher: MaxNodeScore × (max + min − score) /
// max, MaxNodeScore for all when max is 0, and 0 for ignored nodes.
func (pl *PodTopologySpread) NormalizeScore(_ context.Context, state *framework.CycleState, _ *corev1.Pod, scores framework.NodeScoreList) *framework.Status {
	s, err := framework.ReadState[*preScoreState](state, preScoreStateKey)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("podtopologyspread: reading PreScore state: %w", err))
	}
	if s == nil {
		return nil
	}
	var minScore int64 = math.MaxInt64
	var maxScore int64
	for i := range scores {
		if _, ok := s.IgnoredNodes[scores[i].Name]; ok {
			scores[i].Score = invalidScore
			continue
		}
		minScore = min(minScore, scores[i].Score)
		maxScore = max(maxScore, scores[i].Score)
	}
	for i := range scores {
		switch {
		case scores[i].Score == invalidScore:
			scores[i].Score = 0
		case maxScore == 0:
			scores[i].Score = framework.MaxNodeScore
		default:
			scores[i].Score = framework.MaxNodeScore * (maxScore + minScore - scores[i].Score) / maxScore
		}
	}
	return nil
}

// ScoreExtensions returns the plugin, which normalises its scores.
func (pl *PodTopologySpread) ScoreExtensions() framework.ScoreExtensions { return pl }

// topologyNormalizingWeight is log(size + 2): the weight of a topology with
// size domains.
func topologyNormalizingWeight(size int) float64 {
	return math.Log(float64(size + 2))
}

// scoreForCount is cnt × weight + maxSkew − 1: adding maxSkew − 1 waters
// down the differences between domains, so a larger maxSkew tolerates
// more skew.
func scoreForCount(cnt int64, maxSkew int32, weight float64) float64 {
	return float64(cnt)*weight + float64(maxSkew-1)
}
