package defaultpreemption

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-logr/logr"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// Name is the plugin's name in a Registry and a profile.
const Name = names.DefaultPreemption

// The reasons preemption gives, with Kubernetes' texts.
const (
	// ReasonPreemptionNever: the pod's preemptionPolicy is Never.
	ReasonPreemptionNever = "not eligible due to preemptionPolicy=Never."
	// ReasonTerminatingVictims: a lower-priority pod on the pod's
	// nominated node is still terminating from an earlier preemption.
	ReasonTerminatingVictims = "not eligible due to a terminating pod on the nominated node."
	// ReasonNoVictims: the node runs no pod of lower priority.
	ReasonNoVictims = "No preemption victims found for incoming pod"
	// ReasonNotHelpful: the node failed in a way preemption cannot fix.
	ReasonNotHelpful = "Preemption is not helpful for scheduling"
)

// NominationClearer clears status.nominatedNodeName of pods through the API
// server, as Kubernetes does for the lower-priority pods nominated to the
// node a preemptor takes. It is optional: when the Handle implements it,
// the plugin calls it; in every case it forgets their nominations in the
// Handle's PodNominator and activates them so they are scheduled again.
type NominationClearer interface {
	ClearNominatedNodeName(ctx context.Context, pods ...*corev1.Pod) error
}

// DefaultPreemption is the PostFilter plugin that makes room for a pod no
// node fits by evicting pods of lower priority, with Kubernetes' rules. It
// is immutable after New and safe for concurrent use.
type DefaultPreemption struct {
	handle     framework.Handle
	percentage int32
	absolute   int32
	budgets    DisruptionBudgetLister
	now        func() time.Time
}

var (
	_ framework.PostFilterPlugin  = (*DefaultPreemption)(nil)
	_ framework.EnqueueExtensions = (*DefaultPreemption)(nil)
)

// New is the plugin's framework.PluginFactory. args is nil (the defaults),
// an Args or a *Args; h must not be nil. Victims are evicted with
// h.PodEvictor.
func New(_ context.Context, args any, h framework.Handle) (framework.Plugin, error) {
	if h == nil {
		return nil, errors.New("defaultpreemption: nil framework.Handle")
	}
	a, err := argsFrom(args)
	if err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	pl := &DefaultPreemption{
		handle:     h,
		percentage: a.percentage(),
		absolute:   a.absolute(),
		budgets:    a.DisruptionBudgets,
		now:        a.Now,
	}
	if pl.budgets == nil {
		if l, ok := h.(DisruptionBudgetLister); ok {
			pl.budgets = l
		}
	}
	if pl.now == nil {
		pl.now = time.Now
	}
	return pl, nil
}

// Name returns Name.
func (pl *DefaultPreemption) Name() string { return Name }

// EventsToRegister returns no events: the plugin never rejects a pod
// itself (preemption runs synchronously), so it has nothing to requeue.
func (pl *DefaultPreemption) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return nil, nil
}

// PostFilter preempts for pod, which no node passed Filter for:
//
//  1. A pod with preemptionPolicy Never, or whose nominated node still
//     has lower-priority pods terminating from an earlier preemption, does
//     not preempt (Unschedulable).
//  2. On the nodes whose Filter status is Unschedulable (not
//     UnschedulableAndUnresolvable), it dry-runs removing every pod of
//     lower priority, checks that pod then passes the Filter plugins, and
//     puts back as many of them as still lets it pass, highest priority
//     first (budget-violating pods before the others). What stays out are
//     the node's victims.
//  3. Among the candidate nodes it picks, in order: the fewest budget
//     violations, the lowest highest victim priority, the smallest sum of
//     victim priorities, the fewest victims, the latest start of the
//     highest-priority victims, and then the first.
//  4. It evicts the victims through the Handle's PodEvictor (a victim
//     waiting in Permit is rejected instead), clears the nominations of
//     lower-priority pods nominated to that node, and returns a result
//     nominating the node for pod.
//
// When no node can be freed it returns Unschedulable with Kubernetes'
// "0/N nodes are available: ..." message and a result that clears pod's
// nomination. Messages are prefixed "preemption: ".
func (pl *DefaultPreemption) PostFilter(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, m framework.NodeToStatusReader) (*framework.PostFilterResult, *framework.Status) {
	result, s := pl.preempt(ctx, state, pod, m)
	msg := s.Message()
	if msg == "" {
		return result, s
	}
	out := framework.NewStatus(s.Code(), "preemption: "+msg)
	if err := s.Err(); err != nil {
		out = out.WithError(fmt.Errorf("preemption: %w", err))
	}
	return result, out
}

func (pl *DefaultPreemption) preempt(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, m framework.NodeToStatusReader) (*framework.PostFilterResult, *framework.Status) {
	lister := pl.handle.SnapshotSharedLister()
	if lister == nil {
		return nil, framework.AsStatus(errors.New("defaultpreemption: no snapshot lister"))
	}
	if ok, msg := pl.podEligibleToPreemptOthers(lister, pod, m.Get(pod.Status.NominatedNodeName)); !ok {
		return nil, framework.NewStatus(framework.Unschedulable, msg)
	}
	all, err := lister.NodeInfos().List()
	if err != nil {
		return nil, framework.AsStatus(fmt.Errorf("defaultpreemption: listing nodes: %w", err))
	}
	candidates, statuses, err := pl.findCandidates(ctx, state, lister, all, pod, m)
	if err != nil && len(candidates) == 0 {
		return nil, framework.AsStatus(fmt.Errorf("defaultpreemption: %w", err))
	}
	if len(candidates) == 0 {
		statuses.SetAbsentNodesStatus(framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNotHelpful))
		return framework.NewPostFilterResultWithNominatedNode(""), framework.NewStatus(framework.Unschedulable, fitErrorMessage(len(all), statuses))
	}
	best := pl.selectCandidate(candidates)
	if s := pl.prepareCandidate(ctx, best, pod); !s.IsSuccess() {
		return nil, s
	}
	return framework.NewPostFilterResultWithNominatedNode(best.node), nil
}

// podEligibleToPreemptOthers reports whether pod may preempt, and the
// reason when it may not.
func (pl *DefaultPreemption) podEligibleToPreemptOthers(lister framework.SharedLister, pod *corev1.Pod, nominatedNodeStatus *framework.Status) (bool, string) {
	if p := pod.Spec.PreemptionPolicy; p != nil && *p == corev1.PreemptNever {
		return false, ReasonPreemptionNever
	}
	nominated := pod.Status.NominatedNodeName
	if nominated == "" {
		return true, ""
	}
	// When the nominated node is now out of reach, preempt again.
	if nominatedNodeStatus.Code() == framework.UnschedulableAndUnresolvable {
		return true, ""
	}
	if ni, err := lister.NodeInfos().Get(nominated); err == nil && ni != nil {
		prio := podPriority(pod)
		for _, pi := range ni.Pods {
			if podPriority(pi.Pod) < prio && terminatingByPreemption(pi.Pod) {
				return false, ReasonTerminatingVictims
			}
		}
	}
	return true, ""
}

// terminatingByPreemption reports whether p is being deleted because the
// scheduler preempted it (its DisruptionTarget condition says so).
func terminatingByPreemption(p *corev1.Pod) bool {
	if p.DeletionTimestamp == nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.DisruptionTarget {
			return c.Status == corev1.ConditionTrue && c.Reason == corev1.PodReasonPreemptionByScheduler
		}
	}
	return false
}

// calculateNumCandidates returns how many candidates to look for among
// numNodes nodes: percentage% of them, at least absolute, at most numNodes.
func (pl *DefaultPreemption) calculateNumCandidates(numNodes int32) int32 {
	n := numNodes * pl.percentage / 100
	n = max(n, pl.absolute)
	return min(n, numNodes)
}

// offsetAndNumCandidates returns a random node to start the dry run at, so
// that successive preemptions spread over the cluster, and the number of
// candidates to look for.
func (pl *DefaultPreemption) offsetAndNumCandidates(numNodes int32) (int32, int32) {
	return rand.Int32N(numNodes), pl.calculateNumCandidates(numNodes)
}

// prepareCandidate evicts c's victims and clears the nominations of the
// lower-priority pods nominated to c's node.
func (pl *DefaultPreemption) prepareCandidate(ctx context.Context, c *candidate, preemptor *corev1.Pod) *framework.Status {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var errs framework.ErrorChannel
	pl.handle.Parallelizer().Until(ctx, len(c.victims), func(i int) {
		if err := pl.preemptPod(ctx, c.node, preemptor, c.victims[i]); err != nil {
			errs.SendErrorWithCancel(framework.AsStatus(err), cancel)
		}
	}, Name)
	if s := errs.Status(); s != nil {
		return s
	}
	if err := ctx.Err(); err != nil {
		return framework.AsStatus(fmt.Errorf("defaultpreemption: evicting victims on node %s: %w", c.node, err))
	}
	pl.clearLowerPriorityNominations(ctx, preemptor, c.node)
	return nil
}

// preemptPod rejects victim when it waits in Permit, and evicts it
// otherwise.
func (pl *DefaultPreemption) preemptPod(ctx context.Context, node string, preemptor, victim *corev1.Pod) error {
	if victim.UID != "" {
		if wp := pl.handle.GetWaitingPod(victim.UID); wp != nil {
			wp.Reject(Name, "preempted")
			return nil
		}
	}
	if err := pl.handle.PodEvictor().Evict(ctx, victim, preemptor); err != nil {
		return fmt.Errorf("preempt pod %s/%s on node %s for pod %s/%s: %w", victim.Namespace, victim.Name, node, preemptor.Namespace, preemptor.Name, err)
	}
	return nil
}

// clearLowerPriorityNominations forgets the nominations to node of pods
// with lower priority than preemptor, which may no longer fit there, and
// sends them back to the active queue.
func (pl *DefaultPreemption) clearLowerPriorityNominations(ctx context.Context, preemptor *corev1.Pod, node string) {
	prio := podPriority(preemptor)
	var lower []*corev1.Pod
	for _, pi := range pl.handle.NominatedPodsForNode(node) {
		if podPriority(pi.Pod) < prio {
			lower = append(lower, pi.Pod)
		}
	}
	if len(lower) == 0 {
		return
	}
	if c, ok := pl.handle.(NominationClearer); ok {
		if err := c.ClearNominatedNodeName(ctx, lower...); err != nil {
			// Not critical, as in Kubernetes: the pods are still requeued.
			logr.FromContextOrDiscard(ctx).Error(err, "Cannot clear nominatedNodeName of lower-priority pods", "node", node)
		}
	}
	activate := make(map[string]*corev1.Pod, len(lower))
	for _, p := range lower {
		pl.handle.DeleteNominatedPodIfExists(p)
		activate[framework.PodKey(p)] = p
	}
	pl.handle.PodActivator().Activate(activate)
}

// podPriority returns the pod's priority, 0 when unset.
func podPriority(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}
