package defaultpreemption

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// candidate is a node where the preemptor fits once victims are evicted.
type candidate struct {
	node string
	// victims are ordered from the most to the least important.
	victims          []*corev1.Pod
	numPDBViolations int
}

// findCandidates dry-runs preemption on the nodes where it may help (their
// Filter status is Unschedulable) and returns the candidates found, the
// statuses of the nodes that are not candidates, and the errors met.
func (pl *DefaultPreemption) findCandidates(ctx context.Context, state *framework.CycleState, lister framework.SharedLister, all []*framework.NodeInfo, pod *corev1.Pod, m framework.NodeToStatusReader) ([]*candidate, *framework.NodeToStatus, error) {
	if len(all) == 0 {
		return nil, nil, errors.New("no nodes available")
	}
	potential, err := m.NodesForStatusCode(lister.NodeInfos(), framework.Unschedulable)
	if err != nil {
		return nil, nil, err
	}
	if len(potential) == 0 {
		return nil, framework.NewDefaultNodeToStatus(), nil
	}
	var budgets []*DisruptionBudget
	if pl.budgets != nil {
		if budgets, err = pl.budgets.ListDisruptionBudgets(); err != nil {
			return nil, nil, fmt.Errorf("listing disruption budgets: %w", err)
		}
	}
	offset, num := pl.offsetAndNumCandidates(int32(len(potential)))
	return pl.dryRunPreemption(ctx, state, pod, potential, budgets, int(offset), int(num))
}

// dryRunPreemption selects the victims on potential nodes in parallel,
// starting at offset, until it has num candidates of which at least one
// violates no budget, or has tried every node. It returns the candidates
// without violations first, each group in the order of potential (so that
// ties between candidates break the same way whatever the offset) and cut
// to num, then the nodes' statuses and the errors met.
func (pl *DefaultPreemption) dryRunPreemption(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, potential []*framework.NodeInfo,
	budgets []*DisruptionBudget, offset, num int) ([]*candidate, *framework.NodeToStatus, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	found := make([]*candidate, len(potential))
	var nonViolating, violating atomic.Int64
	statuses := framework.NewDefaultNodeToStatus()
	var mu sync.Mutex // guards statuses and errs
	var errs []error
	pl.handle.Parallelizer().Until(ctx, len(potential), func(i int) {
		idx := (offset + i) % len(potential)
		ni := potential[idx].Snapshot()
		name := ni.NodeName()
		victims, numViolations, s := pl.selectVictimsOnNode(ctx, state.Clone(), pod, ni, budgets)
		if s.IsSuccess() && len(victims) > 0 {
			found[idx] = &candidate{node: name, victims: victims, numPDBViolations: numViolations}
			var nv, v int64
			if numViolations == 0 {
				nv, v = nonViolating.Add(1), violating.Load()
			} else {
				nv, v = nonViolating.Load(), violating.Add(1)
			}
			if nv > 0 && nv+v >= int64(num) {
				cancel()
			}
			return
		}
		if s.IsSuccess() {
			s = framework.AsStatus(fmt.Errorf("expected at least one victim pod on node %q", name))
		}
		mu.Lock()
		defer mu.Unlock()
		if s.Code() == framework.Error {
			errs = append(errs, s.AsError())
		}
		statuses.Set(name, s)
	}, Name)
	var good, bad []*candidate
	for _, c := range found {
		switch {
		case c == nil:
		case c.numPDBViolations == 0:
			if len(good) < num {
				good = append(good, c)
			}
		default:
			if len(bad) < num {
				bad = append(bad, c)
			}
		}
	}
	return append(good, bad...), statuses, errors.Join(errs...)
}

// selectVictimsOnNode finds the fewest, least important pods of lower
// priority than pod to remove from ni (a copy it may change, with state a
// copy it may change) so that pod passes the Filter plugins there. It
// returns them from the most to the least important, with how many of them
// violate a disruption budget.
func (pl *DefaultPreemption) selectVictimsOnNode(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo, budgets []*DisruptionBudget) ([]*corev1.Pod, int, *framework.Status) {
	h := pl.handle
	removePod := func(pi *framework.PodInfo) error {
		if err := ni.RemovePod(pi.Pod); err != nil {
			return err
		}
		return h.RunPreFilterExtensionRemovePod(ctx, state, pod, pi, ni).AsError()
	}
	addPod := func(pi *framework.PodInfo) error {
		ni.AddPodInfo(pi)
		return h.RunPreFilterExtensionAddPod(ctx, state, pod, pi, ni).AsError()
	}
	// Remove every pod of lower priority and check that pod then fits.
	prio := podPriority(pod)
	var potential []*framework.PodInfo
	for _, pi := range slices.Clone(ni.Pods) {
		if podPriority(pi.Pod) < prio {
			potential = append(potential, pi)
			if err := removePod(pi); err != nil {
				return nil, 0, framework.AsStatus(err)
			}
		}
	}
	if len(potential) == 0 {
		return nil, 0, framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNoVictims)
	}
	// As in Kubernetes, a pod that fails only for affinity to some of the
	// removed pods is not considered.
	if s := h.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni); !s.IsSuccess() {
		return nil, 0, s
	}
	// Put back as many as possible, the most important first, the
	// budget-violating ones before the others.
	now := pl.now()
	sort.SliceStable(potential, func(i, j int) bool { return moreImportantPod(potential[i].Pod, potential[j].Pod, now) })
	violatingPods, nonViolatingPods := filterPodsWithPDBViolation(potential, budgets)
	var victims []*framework.PodInfo
	reprieve := func(pi *framework.PodInfo) (bool, error) {
		if err := addPod(pi); err != nil {
			return false, err
		}
		if h.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni).IsSuccess() {
			return true, nil
		}
		if err := removePod(pi); err != nil {
			return false, err
		}
		victims = append(victims, pi)
		return false, nil
	}
	numViolations := 0
	for _, pi := range violatingPods {
		fits, err := reprieve(pi)
		if err != nil {
			return nil, 0, framework.AsStatus(err)
		}
		if !fits {
			numViolations++
		}
	}
	for _, pi := range nonViolatingPods {
		if _, err := reprieve(pi); err != nil {
			return nil, 0, framework.AsStatus(err)
		}
	}
	if len(violatingPods) > 0 && len(nonViolatingPods) > 0 {
		sort.SliceStable(victims, func(i, j int) bool { return moreImportantPod(victims[i].Pod, victims[j].Pod, now) })
	}
	out := make([]*corev1.Pod, len(victims))
	for i, pi := range victims {
		out[i] = pi.Pod
	}
	return out, numViolations, nil
}

// moreImportantPod reports whether a is more important than b: a higher
// priority, or an equal one and an earlier start (a pod that has not
// started counts as starting now).
func moreImportantPod(a, b *corev1.Pod, now time.Time) bool {
	pa, pb := podPriority(a), podPriority(b)
	if pa != pb {
		return pa > pb
	}
	return podStartTime(a, now).Before(podStartTime(b, now))
}

// podStartTime returns p's start time, or now when it has not started.
func podStartTime(p *corev1.Pod, now time.Time) time.Time {
	if p.Status.StartTime != nil {
		return p.Status.StartTime.Time
	}
	return now
}

// selectCandidate picks the candidate to preempt on (see
// pickOneNodeForPreemption).
func (pl *DefaultPreemption) selectCandidate(candidates []*candidate) *candidate {
	if len(candidates) == 1 {
		return candidates[0]
	}
	return pickOneNodeForPreemption(candidates, pl.now())
}

// pickOneNodeForPreemption applies Kubernetes' criteria in turn, keeping
// the candidates with the best value of each until one is left:
//
//  1. the fewest disruption budget violations;
//  2. the lowest priority of the most important victim;
//  3. the smallest sum of victim priorities (each shifted by 2^31 so that
//     negative priorities do not favour more victims);
//  4. the fewest victims;
//  5. the latest start time among the highest-priority victims;
//  6. the first candidate.
func pickOneNodeForPreemption(candidates []*candidate, now time.Time) *candidate {
	if len(candidates) == 0 {
		return nil
	}
	scores := []func(c *candidate) int64{
		func(c *candidate) int64 { return -int64(c.numPDBViolations) },
		func(c *candidate) int64 { return -int64(podPriority(c.victims[0])) },
		func(c *candidate) int64 {
			var sum int64
			for _, p := range c.victims {
				sum += int64(podPriority(p)) + int64(math.MaxInt32) + 1
			}
			return -sum
		},
		func(c *candidate) int64 { return -int64(len(c.victims)) },
		func(c *candidate) int64 { return earliestStartOfHighestPriority(c.victims, now).UnixNano() },
	}
	remaining := candidates
	for _, score := range scores {
		var best []*candidate
		bestScore := int64(math.MinInt64)
		for _, c := range remaining {
			switch s := score(c); {
			case s > bestScore:
				bestScore, best = s, []*candidate{c}
			case s == bestScore:
				best = append(best, c)
			}
		}
		if len(best) == 1 {
			return best[0]
		}
		remaining = best
	}
	return remaining[0]
}

// earliestStartOfHighestPriority returns the earliest start time among the
// victims of the highest priority.
func earliestStartOfHighestPriority(victims []*corev1.Pod, now time.Time) time.Time {
	earliest := podStartTime(victims[0], now)
	top := podPriority(victims[0])
	for _, p := range victims[1:] {
		switch prio := podPriority(p); {
		case prio > top:
			top, earliest = prio, podStartTime(p, now)
		case prio == top:
			if t := podStartTime(p, now); t.Before(earliest) {
				earliest = t
			}
		}
	}
	return earliest
}

// fitErrorMessage is Kubernetes' FitError message: "0/N nodes are
// available: " and the sorted histogram of the reasons of the nodes in
// statuses (nodes not recorded there take its absent-nodes status), and a
// final ".".
func fitErrorMessage(numAllNodes int, statuses *framework.NodeToStatus) string {
	reasons := make(map[string]int)
	statuses.ForEachExplicitNode(func(_ string, s *framework.Status) {
		for _, r := range s.Reasons() {
			reasons[r]++
		}
	})
	if absent := numAllNodes - statuses.Len(); absent > 0 {
		for _, r := range statuses.AbsentNodesStatus().Reasons() {
			reasons[r] += absent
		}
	}
	list := make([]string, 0, len(reasons))
	for r, n := range reasons {
		list = append(list, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(list)
	msg := fmt.Sprintf("0/%d nodes are available:", numAllNodes)
	if len(list) > 0 {
		msg += " " + strings.Join(list, ", ") + "."
	}
	return msg
}
