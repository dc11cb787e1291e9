package podtopologyspread

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// Name is the plugin's name in a Registry and a profile.
const Name = names.PodTopologySpread

// The Filter reasons, with Kubernetes' texts.
const (
	// ErrReasonConstraintsNotMatch: placing the pod on the node would make
	// a DoNotSchedule constraint's skew exceed maxSkew.
	ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints"
	// ErrReasonNodeLabelNotMatch: the node lacks the topology key of a
	// DoNotSchedule constraint.
	ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + " (missing required label)"
)

// WorkloadLister gives the plugin the objects that Kubernetes derives a
// pod's default spreading selector from (the pods a default constraint
// counts are those of the same Services, ReplicaSet or StatefulSet). The
// embedder supplies it, typically from informer listers, in Args.Workloads
// or by making its framework.Handle implement it. Its methods are called
// concurrently from scheduling goroutines and must be cheap (cached reads).
//
// ReplicationControllers, which Kubernetes also consults, are not part of
// this module's API.
type WorkloadLister interface {
	// Services returns the Services of namespace.
	Services(namespace string) ([]*corev1.Service, error)
	// ReplicaSet returns the ReplicaSet namespace/name, or an error (or
	// nil) when there is none.
	ReplicaSet(namespace, name string) (*appsv1.ReplicaSet, error)
	// StatefulSet returns the StatefulSet namespace/name, or an error (or
	// nil) when there is none.
	StatefulSet(namespace, name string) (*appsv1.StatefulSet, error)
}

// PodTopologySpread is the PreFilter, Filter, PreScore and Score plugin that
// enforces (DoNotSchedule) and prefers (ScheduleAnyway) the pod's topology
// spread constraints, or the cluster default constraints for pods that set
// none.
//
// A PodTopologySpread is immutable after New and safe for concurrent use;
// per-cycle data lives in the CycleState.
type PodTopologySpread struct {
	handle             framework.Handle
	defaultConstraints []corev1.TopologySpreadConstraint
	// systemDefaulted is true when defaultConstraints are
	// SystemDefaultConstraints; then scoring does not require nodes to
	// carry every topology key, so nodes without a zone still get hostname
	// spreading.
	systemDefaulted bool
	workloads       WorkloadLister
	// domains remembers, per node, its domain and matching pods for each
	// DoNotSchedule constraint, and their sums per domain, for the next
	// pod with the same namespace, constraints and node inclusion inputs
	// (see framework.NodeAggregate and domainKey); nil in a
	// PodTopologySpread not made by New.
	domains *framework.NodeMemo[[]nodeDomain]
}

var (
	_ framework.PreFilterPlugin     = (*PodTopologySpread)(nil)
	_ framework.PreFilterExtensions = (*PodTopologySpread)(nil)
	_ framework.FilterPlugin        = (*PodTopologySpread)(nil)
	_ framework.PreScorePlugin      = (*PodTopologySpread)(nil)
	_ framework.ScorePlugin         = (*PodTopologySpread)(nil)
	_ framework.ScoreExtensions     = (*PodTopologySpread)(nil)
	_ framework.EnqueueExtensions   = (*PodTopologySpread)(nil)
)

// New is the plugin's framework.PluginFactory. args is nil (the defaults),
// an Args or a *Args; h must not be nil. It returns an error naming each
// invalid argument, as Kubernetes' ValidatePodTopologySpreadArgs does.
//
// The default constraints apply only when a WorkloadLister is known: from
// args.Workloads, else from h when h implements WorkloadLister. Without
// one no pod belongs to a workload, and pods without constraints of their
// own are not spread.
func New(_ context.Context, args any, h framework.Handle) (framework.Plugin, error) {
	if h == nil {
		return nil, errors.New("podtopologyspread: nil framework.Handle")
	}
	a, err := argsFrom(args)
	if err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	pl := &PodTopologySpread{handle: h, workloads: a.Workloads, domains: framework.NewNodeMemo[[]nodeDomain](16)}
	if pl.workloads == nil {
		if w, ok := h.(WorkloadLister); ok {
			pl.workloads = w
		}
	}
	if a.DefaultingType == "" || a.DefaultingType == SystemDefaulting {
		pl.defaultConstraints = SystemDefaultConstraints()
		pl.systemDefaulted = true
	} else {
		pl.defaultConstraints = slices.Clone(a.DefaultConstraints)
	}
	return pl, nil
}

// Name returns Name.
func (pl *PodTopologySpread) Name() string { return Name }

// EventsToRegister returns the events that may make a pod this plugin
// rejected schedulable, as Kubernetes registers them: a pod added, deleted,
// relabelled or given new tolerations, and a node added, deleted,
// relabelled or retainted; each with a hint that skips the events that
// cannot change this plugin's verdict.
func (pl *PodTopologySpread) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{
			Event:          framework.ClusterEvent{Resource: framework.Pod, ActionType: framework.Add | framework.UpdatePodLabel | framework.UpdatePodToleration | framework.Delete},
			QueueingHintFn: pl.isSchedulableAfterPodChange,
		},
		{
			Event:          framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.Delete | framework.UpdateNodeLabel | framework.UpdateNodeTaint},
			QueueingHintFn: pl.isSchedulableAfterNodeChange,
		},
	}, nil
}

// hardConstraints returns the DoNotSchedule constraints that apply to pod.
func (pl *PodTopologySpread) hardConstraints(pod *corev1.Pod) ([]constraint, error) {
	return pl.constraintsFor(pod, corev1.DoNotSchedule)
}

// involvedInTopologySpreading reports whether a change to other can change
// the spreading of pod: it is pod itself, or a bound pod of pod's
// namespace.
func involvedInTopologySpreading(other, pod *corev1.Pod) bool {
	return other.UID == pod.UID || (other.Spec.NodeName != "" && other.Namespace == pod.Namespace)
}

func (pl *PodTopologySpread) isSchedulableAfterPodChange(pod *corev1.Pod, oldObj, newObj any) (framework.QueueingHint, error) {
	oldPod, newPod, err := asPair[*corev1.Pod](oldObj, newObj)
	if err != nil {
		return framework.Queue, err
	}
	if (newPod != nil && !involvedInTopologySpreading(newPod, pod)) || (oldPod != nil && !involvedInTopologySpreading(oldPod, pod)) {
		return framework.QueueSkip, nil
	}
	cs, err := pl.hardConstraints(pod)
	if err != nil {
		return framework.Queue, err
	}
	switch {
	case oldPod != nil && newPod != nil:
		// The rejected pod itself got new tolerations: they count when a
		// constraint honours taints.
		if pod.UID == newPod.UID && !slices.EqualFunc(oldPod.Spec.Tolerations, newPod.Spec.Tolerations, tolerationEqual) {
			for i := range cs {
				if cs[i].NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor {
					return framework.Queue, nil
				}
			}
		}
		if maps.Equal(oldPod.Labels, newPod.Labels) {
			return framework.QueueSkip, nil
		}
		for i := range cs {
			if cs[i].Selector.Matches(labels.Set(oldPod.Labels)) != cs[i].Selector.Matches(labels.Set(newPod.Labels)) {
				return framework.Queue, nil
			}
		}
		return framework.QueueSkip, nil
	case newPod != nil:
		if podLabelsMatchSpreadConstraints(cs, newPod.Labels) {
			return framework.Queue, nil
		}
		return framework.QueueSkip, nil
	default:
		if podLabelsMatchSpreadConstraints(cs, oldPod.Labels) {
			return framework.Queue, nil
		}
		return framework.QueueSkip, nil
	}
}

func (pl *PodTopologySpread) isSchedulableAfterNodeChange(pod *corev1.Pod, oldObj, newObj any) (framework.QueueingHint, error) {
	oldNode, newNode, err := asPair[*corev1.Node](oldObj, newObj)
	if err != nil {
		return framework.Queue, err
	}
	cs, err := pl.hardConstraints(pod)
	if err != nil {
		return framework.Queue, err
	}
	var oldMatch, newMatch bool
	if oldNode != nil {
		oldMatch = nodeLabelsMatchSpreadConstraints(oldNode.Labels, cs)
	}
	if newNode != nil {
		newMatch = nodeLabelsMatchSpreadConstraints(newNode.Labels, cs)
	}
	switch {
	case oldNode != nil && newNode != nil:
		if oldMatch != newMatch {
			return framework.Queue, nil
		}
		if newMatch && (topologyKeyLabelsChanged(oldNode.Labels, newNode.Labels, cs) || !slices.EqualFunc(oldNode.Spec.Taints, newNode.Spec.Taints, taintEqual)) {
			return framework.Queue, nil
		}
		return framework.QueueSkip, nil
	case newNode != nil:
		if newMatch {
			return framework.Queue, nil
		}
		return framework.QueueSkip, nil
	default:
		if oldMatch {
			return framework.Queue, nil
		}
		return framework.QueueSkip, nil
	}
}

// topologyKeyLabelsChanged reports whether any constraint's topology key
// has another value in newLabels than in oldLabels.
func topologyKeyLabelsChanged(oldLabels, newLabels map[string]string, cs []constraint) bool {
	for i := range cs {
		if oldLabels[cs[i].TopologyKey] != newLabels[cs[i].TopologyKey] {
			return true
		}
	}
	return false
}

func tolerationEqual(a, b corev1.Toleration) bool {
	if a.Key != b.Key || a.Operator != b.Operator || a.Value != b.Value || a.Effect != b.Effect {
		return false
	}
	if (a.TolerationSeconds == nil) != (b.TolerationSeconds == nil) {
		return false
	}
	return a.TolerationSeconds == nil || *a.TolerationSeconds == *b.TolerationSeconds
}

func taintEqual(a, b corev1.Taint) bool {
	if a.Key != b.Key || a.Value != b.Value || a.Effect != b.Effect {
		return false
	}
	if (a.TimeAdded == nil) != (b.TimeAdded == nil) {
		return false
	}
	return a.TimeAdded == nil || a.TimeAdded.Equal(b.TimeAdded)
}

// asPair asserts that the old and new objects of an event are Ts (either
// may be nil); it returns an error naming the types otherwise.
func asPair[T comparable](oldObj, newObj any) (T, T, error) {
	var oldT, newT, zero T
	if oldObj != nil {
		t, ok := oldObj.(T)
		if !ok {
			return zero, zero, fmt.Errorf("podtopologyspread: event's old object is %T, want %T", oldObj, zero)
		}
		oldT = t
	}
	if newObj != nil {
		t, ok := newObj.(T)
		if !ok {
			return zero, zero, fmt.Errorf("podtopologyspread: event's new object is %T, want %T", newObj, zero)
		}
		newT = t
	}
	if oldT == zero && newT == zero {
		return zero, zero, errors.New("podtopologyspread: event has neither an old nor a new object")
	}
	return oldT, newT, nil
}
