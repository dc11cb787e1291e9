package interpodaffinity

import (
	"context"
	"fmt"
	"math"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// preScoreStateKey names the plugin's PreScore data in the CycleState.
const preScoreStateKey framework.StateKey = "PreScore" + Name

// scoreMap is the score of each domain: topology key -> value -> score.
type scoreMap map[string]map[string]int64

func (m scoreMap) add(key, value string, delta int64) {
	if m[key] == nil {
		m[key] = make(map[string]int64)
	}
	m[key][value] += delta
}

// scoreEntry is one addition to a domain's score found on one node; a
// node's entries are kept in a slice (a domain may repeat) and summed into
// the scoreMap, which is cheaper than a scoreMap per node.
type scoreEntry struct {
	key, value string
	delta      int64
}

// weightedTerm is a preferred term of the incoming pod.
type weightedTerm struct {
	term
	weight int32
}

func wrapWeighted(ts []framework.WeightedAffinityTerm) []weightedTerm {
	out := make([]weightedTerm, len(ts))
	for i := range ts {
		out[i] = weightedTerm{term: newTerm(&ts[i].AffinityTerm), weight: ts[i].Weight}
	}
	return out
}

// preScoreState is what PreScore computes for Score.
type preScoreState struct {
	topologyScore scoreMap
}

// Clone returns s: the data does not change after PreScore.
func (s *preScoreState) Clone() framework.StateData { return s }

// scorer holds what PreScore needs while it visits the existing pods.
type scorer struct {
	pod                        *corev1.Pod
	preferredAffinityTerms     []weightedTerm
	preferredAntiAffinityTerms []weightedTerm
	namespaceLabels            labels.Set // of the incoming pod's namespace
	ns                         *namespaceLabels
	hardPodAffinityWeight      int32
}

// processExistingPod adds, to the domains of existing's node:
//   - the weight of each preferred affinity term of the incoming pod that
//     selects existing, and minus that of each preferred anti-affinity term;
//   - the hard pod affinity weight for each required affinity term of
//     existing that selects the incoming pod;
//   - the weight of each preferred affinity term of existing that selects
//     the incoming pod, and minus that of each preferred anti-affinity term.
//
// The additions are appended to m; they are summed into a scoreMap later.
func (sc *scorer) processExistingPod(existing *framework.PodInfo, node *corev1.Node, m *[]scoreEntry) {
	if len(node.Labels) == 0 {
		return
	}
	addIf := func(match bool, key string, delta int64) {
		if !match {
			return
		}
		if v, ok := node.Labels[key]; ok {
			*m = append(*m, scoreEntry{key, v, delta})
		}
	}
	for _, t := range sc.preferredAffinityTerms {
		addIf(t.matches(existing.Pod, sc.ns), t.TopologyKey, int64(t.weight))
	}
	for _, t := range sc.preferredAntiAffinityTerms {
		addIf(t.matches(existing.Pod, sc.ns), t.TopologyKey, -int64(t.weight))
	}
	if sc.hardPodAffinityWeight > 0 {
		for i := range existing.RequiredAffinityTerms {
			t := &existing.RequiredAffinityTerms[i]
			addIf(t.Matches(sc.pod, sc.namespaceLabels), t.TopologyKey, int64(sc.hardPodAffinityWeight))
		}
	}
	for i := range existing.PreferredAffinityTerms {
		t := &existing.PreferredAffinityTerms[i]
		addIf(t.Matches(sc.pod, sc.namespaceLabels), t.TopologyKey, int64(t.Weight))
	}
	for i := range existing.PreferredAntiAffinityTerms {
		t := &existing.PreferredAntiAffinityTerms[i]
		addIf(t.Matches(sc.pod, sc.namespaceLabels), t.TopologyKey, -int64(t.Weight))
	}
}

// PreScore sums the preferences into a score per domain, over every node
// of the snapshot: the incoming pod's preferred terms against every
// existing pod (when it has such terms; otherwise only pods with affinity
// terms are visited), and the existing pods' required affinity (weighted
// HardPodAffinityWeight) and preferred terms against the incoming pod. It
// returns Skip when no domain gets a score, or when the pod has no
// preferred terms and IgnorePreferredTermsOfExistingPods is set; when the
// pod has no preferred terms and no existing pod has affinity terms
// (HavePodsWithAffinityList is empty) it returns Skip without further work.
func (pl *InterPodAffinity) PreScore(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) *framework.Status {
	lister := pl.handle.SnapshotSharedLister()
	if lister == nil {
		return framework.AsStatus(fmt.Errorf("interpodaffinity: no snapshot lister"))
	}
	a := pod.Spec.Affinity
	hasPreferred := a != nil && ((a.PodAffinity != nil && len(a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution) > 0) ||
		(a.PodAntiAffinity != nil && len(a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) > 0))
	if pl.ignorePreferredTermsOfExistingPods && !hasPreferred {
		return framework.NewStatus(framework.Skip)
	}
	var all []*framework.NodeInfo
	var err error
	if hasPreferred {
		all, err = lister.NodeInfos().List()
	} else {
		all, err = lister.NodeInfos().HavePodsWithAffinityList()
	}
	if err != nil {
		return framework.AsStatus(fmt.Errorf("interpodaffinity: listing nodes: %w", err))
	}
	if len(all) == 0 {
		// No node to visit (no preferred terms and no existing pod with
		// affinity terms, or no node at all): no domain can get a score.
		if err := ctx.Err(); err != nil {
			return framework.AsStatus(fmt.Errorf("interpodaffinity: %w", err))
		}
		return framework.NewStatus(framework.Skip)
	}
	pi, err := framework.NewPodInfo(pod)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("interpodaffinity: parsing pod: %w", err))
	}
	ns := newNamespaceLabels(pl.handle)
	sc := &scorer{
		pod:                        pod,
		preferredAffinityTerms:     wrapWeighted(pi.PreferredAffinityTerms),
		preferredAntiAffinityTerms: wrapWeighted(pi.PreferredAntiAffinityTerms),
		namespaceLabels:            ns.get(pod.Namespace),
		ns:                         ns,
		hardPodAffinityWeight:      pl.hardPodAffinityWeight,
	}
	compute := func(ni *framework.NodeInfo) []scoreEntry {
		node := ni.Node()
		if node == nil {
			return nil
		}
		pods := ni.PodsWithAffinity
		if hasPreferred {
			pods = ni.Pods
		}
		if len(pods) == 0 || len(node.Labels) == 0 {
			return nil
		}
		var m []scoreEntry
		for _, existing := range pods {
			sc.processExistingPod(existing, node, &m)
		}
		return m
	}
	s := &preScoreState{topologyScore: make(scoreMap)}
	visit := func(_ int, entries []scoreEntry) {
		for _, e := range entries {
			s.topologyScore.add(e.key, e.value, e.delta)
		}
	}
	key, memo := "", false
	if pl.memos != nil {
		key, memo = scoreKey(sc, hasPreferred)
	}
	if memo {
		err := framework.NodeAggregate(ctx, pl.memos.score, pl.handle.Parallelizer(), key, all, compute,
			func() scoreSums { return make(scoreSums) },
			func(agg scoreSums, entries []scoreEntry, sign int64) {
				for _, e := range entries {
					agg.add(e, sign)
				}
			},
			func(agg scoreSums) {
				for d, sum := range agg {
					s.topologyScore.add(d.key, d.value, sum.total)
				}
			}, Name)
		if err != nil {
			return framework.AsStatus(fmt.Errorf("interpodaffinity: %w", err))
		}
	} else {
		perNode := make([][]scoreEntry, len(all))
		pl.handle.Parallelizer().Until(ctx, len(all), func(i int) { perNode[i] = compute(all[i]) }, Name)
		if err := ctx.Err(); err != nil {
			return framework.AsStatus(fmt.Errorf("interpodaffinity: %w", err))
		}
		for i, entries := range perNode {
			visit(i, entries)
		}
	}
	if len(s.topologyScore) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(preScoreStateKey, s)
	return nil
}

// Score returns the sum of the scores of nodeInfo's domains: positive for
// affinity, negative for anti-affinity. NormalizeScore scales it.
func (pl *InterPodAffinity) Score(_ context.Context, state *framework.CycleState, _ *corev1.Pod, nodeInfo *framework.NodeInfo) (int64, *framework.Status) {
	node := nodeInfo.Node()
	if node == nil {
		return 0, framework.AsStatus(fmt.Errorf("interpodaffinity: node not found"))
	}
	s, err := framework.ReadState[*preScoreState](state, preScoreStateKey)
	if err != nil {
		return 0, framework.AsStatus(fmt.Errorf("interpodaffinity: reading PreScore state: %w", err))
	}
	var score int64
	for key, values := range s.topologyScore {
		if v, ok := node.Labels[key]; ok {
			score += values[v]
		}
	}
	return score, nil
}

// NormalizeScore maps the scores linearly onto [0, MaxNodeScore], the
// lowest to 0 and the highest to MaxNodeScore; all 0 when they are equal.
func (pl *InterPodAffinity) NormalizeScore(_ context.Context, state *framework.CycleState, _ *corev1.Pod, scores framework.NodeScoreList) *framework.Status {
	s, err := framework.ReadState[*preScoreState](state, preScoreStateKey)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("interpodaffinity: reading PreScore state: %w", err))
	}
	if len(s.topologyScore) == 0 {
		return nil
	}
	var minScore, maxScore int64 = math.MaxInt64, math.MinInt64
	for i := range scores {
		minScore = min(minScore, scores[i].Score)
		maxScore = max(maxScore, scores[i].Score)
	}
	diff := maxScore - minScore
	for i := range scores {
		var f float64
		if diff > 0 {
			f = float64(framework.MaxNodeScore) * (float64(scores[i].Score-minScore) / float64(diff))
		}
		scores[i].Score = int64(f)
	}
	return nil
}

// ScoreExtensions returns the plugin, which normalises its scores.
func (pl *InterPodAffinity) ScoreExtensions() framework.ScoreExtensions { return pl }

// scoreSums is the aggregate of PreScore's entries over nodes: per domain,
// the sum of the deltas and the number of entries, so that a domain is
// present exactly when some node has an entry for it (as in a scoreMap
// built from the entries).
type scoreSums map[topologyPair]scoreSum

type scoreSum struct {
	total, entries int64
}

// add adds sign times e to m.
func (m scoreSums) add(e scoreEntry, sign int64) {
	d := topologyPair{e.key, e.value}
	s := m[d]
	s.total += sign * e.delta
	s.entries += sign
	if s.entries == 0 {
		delete(m, d)
		return
	}
	m[d] = s
}
