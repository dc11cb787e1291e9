package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/cache"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
)

// Kubernetes' sampling bounds: evaluate at least 100 nodes, and at least 5%
// of them.
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// ScheduleResult is where a scheduling cycle would place a pod.
type ScheduleResult struct {
	// SuggestedHost is the chosen node.
	SuggestedHost string
	// EvaluatedNodes counts the nodes filtered.
	EvaluatedNodes int
	// FeasibleNodes counts the nodes that passed Filter.
	FeasibleNodes int
}

// algorithm is the synchronous heart of a scheduling cycle: filter, score
// and select a node for one pod on a snapshot. It is used by one goroutine
// at a time (the scheduling loop, or a Place or WhatIf call).
type algorithm struct {
	snapshot                 *cache.Snapshot
	percentageOfNodesToScore int32
	nextStartNodeIndex       int
	rng                      *rand.Rand
	nominator                *runtime.Nominator
	// memo reuses Filter and Score results between identical pods; nil
	// disables it.
	memo *memoTable
	// scratch holds buffers reused from cycle to cycle.
	scratch struct {
		statuses []*framework.Status
		pending  []int
		names    []string
		// feasible and feasibleIdx back the slices findNodesThatPassFilters
		// returns, valid until the next cycle.
		feasible    []*framework.NodeInfo
		feasibleIdx []int
		scores      runtime.ScoreScratch
	}
}

func newRand(seed uint64) *rand.Rand {
	if seed == 0 {
		seed = rand.Uint64()
	}
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// numFeasibleNodesToFind is how many feasible nodes a cycle looks for:
// every node below 100; otherwise the percentage (adaptive when 0: 50%
// minus 1% per 125 nodes, at least 5%) of them, but at least 100.
func (a *algorithm) numFeasibleNodesToFind(profilePercentage *int32, numAllNodes int) int {
	if numAllNodes < minFeasibleNodesToFind {
		return numAllNodes
	}
	percentage := a.percentageOfNodesToScore
	if profilePercentage != nil {
		percentage = *profilePercentage
	}
	if percentage == 0 {
		percentage = int32(50 - numAllNodes/125)
		if percentage < minFeasibleNodesPercentageToFind {
			percentage = minFeasibleNodesPercentageToFind
		}
	}
	n := numAllNodes * int(percentage) / 100
	if n < minFeasibleNodesToFind {
		return minFeasibleNodesToFind
	}
	return n
}

// schedulePod runs PreFilter, Filter (over a rotating window of nodes, in
// parallel), PreScore, Score and selectHost for pod on the snapshot, which
// the caller has brought up to date. It returns a *framework.FitError
// when no node fits. class, when not nil, is the pod's equivalence class
// for the memo.
func (a *algorithm) schedulePod(ctx context.Context, fwk *runtime.Framework, state *framework.CycleState, pod *corev1.Pod, class *memoClass) (ScheduleResult, error) {
	if a.snapshot.NumNodes() == 0 {
		return ScheduleResult{}, framework.ErrNoNodesAvailable
	}
	if class != nil {
		class.sync(a.snapshot, a.nominator)
	}
	feasible, feasibleIdx, diagnosis, err := a.findNodesThatFitPod(ctx, fwk, state, pod, class)
	if err != nil {
		return ScheduleResult{}, err
	}
	if len(feasible) == 0 {
		return ScheduleResult{}, &framework.FitError{Pod: pod, NumAllNodes: a.snapshot.NumNodes(), Diagnosis: diagnosis}
	}
	if len(feasible) == 1 {
		return ScheduleResult{SuggestedHost: feasible[0].NodeName(), EvaluatedNodes: 1 + diagnosis.NodeToStatus.Len(), FeasibleNodes: 1}, nil
	}
	scores, err := a.prioritizeNodes(ctx, fwk, state, pod, feasible, feasibleIdx, class)
	if err != nil {
		return ScheduleResult{}, err
	}
	host := a.selectHost(scores)
	return ScheduleResult{SuggestedHost: host, EvaluatedNodes: len(feasible) + diagnosis.NodeToStatus.Len(), FeasibleNodes: len(feasible)}, nil
}

func (a *algorithm) findNodesThatFitPod(ctx context.Context, fwk *runtime.Framework, state *framework.CycleState, pod *corev1.Pod, class *memoClass) ([]*framework.NodeInfo, []int, framework.Diagnosis, error) {
	diagnosis := framework.Diagnosis{NodeToStatus: framework.NewDefaultNodeToStatus()}
	allNodes, _ := a.snapshot.List()
	preRes, s := fwk.RunPreFilterPlugins(ctx, state, pod)
	if !s.IsSuccess() {
		if !s.IsRejected() {
			return nil, nil, diagnosis, s.AsError()
		}
		diagnosis.NodeToStatus.SetAbsentNodesStatus(s)
		diagnosis.PreFilterMsg = s.Message()
		diagnosis.AddPluginStatus(s)
		return nil, nil, diagnosis, nil
	}
	useMemo := class != nil && fwk.NodeLocalFilters(state)
	if pod.Status.NominatedNodeName != "" {
		if ni, err := a.snapshot.Get(pod.Status.NominatedNodeName); err == nil {
			feasible, idx, err := a.findNodesThatPassFilters(ctx, fwk, state, pod, &diagnosis, []*framework.NodeInfo{ni}, nil, false)
			if err != nil {
				return nil, nil, diagnosis, err
			}
			if len(feasible) > 0 {
				return feasible, idx, diagnosis, nil
			}
		}
	}
	nodes := allNodes
	if !preRes.AllNodes() {
		nodes = make([]*framework.NodeInfo, 0, len(preRes.NodeNames))
		for _, ni := range allNodes {
			if _, ok := preRes.NodeNames[ni.NodeName()]; ok {
				nodes = append(nodes, ni)
			}
		}
		diagnosis.NodeToStatus.SetAbsentNodesStatus(framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("node(s) didn't satisfy plugin(s) %v", sortedKeys(diagnosis.UnschedulablePlugins))))
	}
	var memo *memoClass
	if useMemo {
		memo = class
	}
	feasible, idx, err := a.findNodesThatPassFilters(ctx, fwk, state, pod, &diagnosis, nodes, memo, true)
	processed := len(feasible) + diagnosis.NodeToStatus.Len()
	a.nextStartNodeIndex = (a.nextStartNodeIndex + processed) % len(allNodes)
	if err != nil {
		return nil, nil, diagnosis, err
	}
	return feasible, idx, diagnosis, nil
}

// findNodesThatPassFilters filters nodes in order, starting at
// nextStartNodeIndex when rotate is set, until numFeasibleNodesToFind of
// them pass. It evaluates them in chunks, each in parallel, and reads the
// results in order, so which nodes it returns does not depend on the
// parallelism or on goroutine timing: the same inputs give the same nodes.
// It returns the feasible nodes and their indices in the snapshot's list
// (-1 when unknown).
func (a *algorithm) findNodesThatPassFilters(ctx context.Context, fwk *runtime.Framework, state *framework.CycleState, pod *corev1.Pod, diagnosis *framework.Diagnosis, nodes []*framework.NodeInfo, memo *memoClass, rotate bool) ([]*framework.NodeInfo, []int, error) {
	numAll := len(nodes)
	if numAll == 0 {
		return nil, nil, nil
	}
	numToFind := a.numFeasibleNodesToFind(fwk.PercentageOfNodesToScore(), numAll)
	start := 0
	if rotate {
		start = a.nextStartNodeIndex % numAll
	}
	allNodes, _ := a.snapshot.List()
	gens := a.snapshot.Generations()
	isSnapshotList := len(allNodes) == numAll && numAll > 0 && &allNodes[0] == &nodes[0]
	snapIndex := func(pos int) int {
		if isSnapshotList {
			return pos
		}
		if i, ok := a.snapshot.IndexOf(nodes[pos].NodeName()); ok {
			return i
		}
		return -1
	}
	sc := &a.scratch
	feasible := sc.feasible[:0]
	feasibleIdx := sc.feasibleIdx[:0]
	defer func() { sc.feasible, sc.feasibleIdx = feasible[:0], feasibleIdx[:0] }()
	if !fwk.HasFilterPlugins() {
		for i := 0; i < min(numToFind, numAll); i++ {
			pos := (start + i) % numAll
			feasible = append(feasible, nodes[pos])
			feasibleIdx = append(feasibleIdx, snapIndex(pos))
		}
		return feasible, feasibleIdx, nil
	}
	var errs framework.ErrorChannel
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for done := 0; done < numAll && len(feasible) < numToFind; {
		chunk := min(numAll-done, filterChunk(numToFind-len(feasible), len(feasible), done))
		sc.statuses = resize(sc.statuses, chunk)
		sc.pending = sc.pending[:0]
		for j := 0; j < chunk; j++ {
			pos := (start + done + j) % numAll
			if memo != nil {
				if st, ok := memo.filter(gens, snapIndex(pos)); ok {
					sc.statuses[j] = st
					continue
				}
			}
			sc.pending = append(sc.pending, j)
		}
		run := func(k int) {
			j := sc.pending[k]
			pos := (start + done + j) % numAll
			st := fwk.RunFilterPluginsWithNominatedPods(ctx, state, pod, nodes[pos])
			if st.Code() == framework.Error {
				errs.SendErrorWithCancel(st, cancel)
				return
			}
			sc.statuses[j] = st
			if memo != nil {
				memo.storeFilter(gens, snapIndex(pos), st)
			}
		}
		if len(sc.pending) == 1 {
			run(0)
		} else {
			fwk.Parallelizer().Until(ctx, len(sc.pending), run, "Filter")
		}
		if s := errs.Status(); s != nil {
			return feasible, feasibleIdx, s.AsError()
		}
		for j := 0; j < chunk && len(feasible) < numToFind; j++ {
			pos := (start + done + j) % numAll
			if st := sc.statuses[j]; st.IsSuccess() {
				feasible = append(feasible, nodes[pos])
				feasibleIdx = append(feasibleIdx, snapIndex(pos))
			} else {
				diagnosis.NodeToStatus.Set(nodes[pos].NodeName(), st)
				diagnosis.AddPluginStatus(st)
			}
		}
		done += chunk
	}
	return feasible, feasibleIdx, nil
}

// filterChunk returns how many nodes the next round of Filter evaluates
// when need more feasible nodes are wanted and found of the done nodes
// evaluated so far passed: at least 32, and enough that, if the nodes
// ahead pass Filter as often as those behind did, one more round finds
// them all (an eighth more, for chance). A round evaluates its nodes in
// parallel and then reads them in order, so a node evaluated beyond the
// one that completes the set is wasted work but changes neither the
// nodes found nor the diagnosis (a Filter error on such a node still
// fails the cycle, as an error anywhere in a round always has); fewer,
// larger rounds keep both cores busy where many small ones would wait on
// each other.
func filterChunk(need, found, done int) int {
	if done == 0 || found == 0 {
		return max(need, 32)
	}
	est := need * done / found
	return max(est+est/8, 32)
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func (a *algorithm) prioritizeNodes(ctx context.Context, fwk *runtime.Framework, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo, idx []int, class *memoClass) ([]framework.NodePluginScores, error) {
	if !fwk.HasScorePlugins() {
		out := make([]framework.NodePluginScores, len(nodes))
		for i, ni := range nodes {
			out[i] = framework.NodePluginScores{Name: ni.NodeName(), TotalScore: 1}
		}
		return out, nil
	}
	if s := fwk.RunPreScorePlugins(ctx, state, pod, nodes); !s.IsSuccess() {
		return nil, s.AsError()
	}
	var memo runtime.ScoreMemo
	if class != nil && fwk.NodeLocalScores(state) {
		memo = class.scoreMemo(a.snapshot.Generations(), fwk.ActiveScorePlugins(state), idx)
	}
	names := a.scratch.names[:0]
	all := a.snapshot.Names()
	for i, j := range idx {
		if j >= 0 {
			names = append(names, all[j])
		} else {
			names = append(names, nodes[i].NodeName())
		}
	}
	a.scratch.names = names
	a.scratch.scores.Names = names
	a.scratch.scores.TotalsOnly = true
	scores, s := fwk.RunScorePluginsInto(ctx, state, pod, nodes, memo, &a.scratch.scores)
	if !s.IsSuccess() {
		return nil, s.AsError()
	}
	return scores, nil
}

// selectHost returns the node with the highest total score, choosing among
// ties uniformly at random (reservoir sampling), as Kubernetes does.
func (a *algorithm) selectHost(scores []framework.NodePluginScores) string {
	best := 0
	count := 1
	for i := 1; i < len(scores); i++ {
		switch {
		case scores[i].TotalScore > scores[best].TotalScore:
			best, count = i, 1
		case scores[i].TotalScore == scores[best].TotalScore:
			count++
			if a.rng.IntN(count) == 0 {
				best = i
			}
		}
	}
	return scores[best].Name
}

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// errNoProfile is returned for pods whose scheduler name has no profile.
var errNoProfile = errors.New("no profile for the pod's scheduler name")
