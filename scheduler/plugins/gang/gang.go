// Package gang is Rigging's gang-scheduling plugin, after the
// Coscheduling plugin of kubernetes-sigs/scheduler-plugins: the pods of a
// pod group are bound all together or not at all.
//
// A pod joins group G by carrying the label
// pod-group.scheduling.sigs.k8s.io/name=G and states the group's minimum
// size in pod-group.scheduling.sigs.k8s.io/min-available. At Permit, a
// member waits until min-available members of its group (in its namespace)
// are placed (bound, assumed or waiting); the member that completes the
// quorum releases them all. When a member's wait times out, or any member
// is unreserved, every waiting member of the group is rejected, so none of
// them binds; their reservations are released and they return to the
// queue.
package gang

import (
	"context"
	"fmt"
	"strconv"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// The labels a pod group member carries.
const (
	LabelPodGroup     = "pod-group.scheduling.sigs.k8s.io/name"
	LabelMinAvailable = "pod-group.scheduling.sigs.k8s.io/min-available"
)

// DefaultTimeout is how long a member waits for its group at Permit when
// Args.Timeout is 0: 60 s, Coscheduling's default.
const DefaultTimeout = 60 * time.Second

// Args are the plugin's arguments.
type Args struct {
	// Timeout is how long members wait for their group; 0 means
	// DefaultTimeout.
	Timeout time.Duration
}

// Gang is the plugin.
type Gang struct {
	handle  framework.Handle
	timeout time.Duration
}

var (
	_ framework.PreFilterPlugin   = (*Gang)(nil)
	_ framework.ReservePlugin     = (*Gang)(nil)
	_ framework.PermitPlugin      = (*Gang)(nil)
	_ framework.EnqueueExtensions = (*Gang)(nil)
)

// EventsToRegister: a pending pod of the same group added (the group may
// now reach its quorum), an assigned pod deleted or a node added or
// changed (room may now exist for the whole group).
func (*Gang) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{Event: framework.ClusterEvent{Resource: framework.UnscheduledPod, ActionType: framework.Add}, QueueingHintFn: func(pod *corev1.Pod, _, newObj any) (framework.QueueingHint, error) {
			p, ok := newObj.(*corev1.Pod)
			if !ok {
				return framework.Queue, nil
			}
			if g, _, in, _ := Group(pod); in && sameGroup(p, pod.Namespace, g) {
				return framework.Queue, nil
			}
			return framework.QueueSkip, nil
		}},
		{Event: framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete}},
		{Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.Update}},
	}, nil
}

// New is the plugin's factory; args may be nil, Args or *Args. It fails on
// a negative timeout.
func New(_ context.Context, args any, h framework.Handle) (framework.Plugin, error) {
	var a Args
	switch v := args.(type) {
	case nil:
	case Args:
		a = v
	case *Args:
		if v != nil {
			a = *v
		}
	default:
		return nil, fmt.Errorf("want args of type gang.Args, got %T", args)
	}
	if a.Timeout < 0 {
		return nil, fmt.Errorf("timeout: Invalid value: %v: must not be negative", a.Timeout)
	}
	if a.Timeout == 0 {
		a.Timeout = DefaultTimeout
	}
	return &Gang{handle: h, timeout: a.Timeout}, nil
}

// Name returns "Gang".
func (*Gang) Name() string { return names.Gang }

// Group returns the pod's group name and minimum size; ok is false when
// the pod is in no group. err reports a min-available that is not a
// positive integer.
func Group(pod *corev1.Pod) (name string, minAvailable int, ok bool, err error) {
	name, ok = pod.Labels[LabelPodGroup]
	if !ok || name == "" {
		return "", 0, false, nil
	}
	v := pod.Labels[LabelMinAvailable]
	n, perr := strconv.Atoi(v)
	if perr != nil || n < 1 {
		return name, 0, true, fmt.Errorf("pod %s/%s: label %s=%q: must be a positive integer", pod.Namespace, pod.Name, LabelMinAvailable, v)
	}
	return name, n, true, nil
}

func sameGroup(a *corev1.Pod, ns, group string) bool {
	return a.Namespace == ns && a.Labels[LabelPodGroup] == group
}

// PreFilter skips pods in no group and rejects, UnschedulableAndUnresolvable,
// pods whose min-available is invalid.
func (g *Gang) PreFilter(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	_, _, ok, err := Group(pod)
	if !ok {
		return nil, framework.NewStatus(framework.Skip)
	}
	if err != nil {
		return nil, framework.NewStatus(framework.UnschedulableAndUnresolvable, err.Error())
	}
	return nil, nil
}

// PreFilterExtensions returns nil.
func (*Gang) PreFilterExtensions() framework.PreFilterExtensions { return nil }

// Reserve does nothing: the group is counted from the snapshot.
func (*Gang) Reserve(context.Context, *framework.CycleState, *corev1.Pod, string) *framework.Status {
	return nil
}

// Unreserve rejects every waiting member of the pod's group.
func (g *Gang) Unreserve(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, _ string) {
	group, _, ok, _ := Group(pod)
	if !ok {
		return
	}
	g.handle.IterateOverWaitingPods(func(wp framework.WaitingPod) {
		p := wp.GetPod()
		if p.UID != pod.UID && sameGroup(p, pod.Namespace, group) {
			wp.Reject(names.Gang, fmt.Sprintf("pod group %s/%s rejected: member %s was unreserved", pod.Namespace, group, pod.Name))
		}
	})
}

// Permit lets a pod in no group pass. For a member, it counts the members
// of its group already placed (in the cycle's snapshot, which holds bound
// and assumed pods, waiting ones included) plus itself; at min-available
// it allows every waiting member and passes, otherwise it waits up to the
// timeout.
func (g *Gang) Permit(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, _ string) (*framework.Status, time.Duration) {
	group, minAvailable, ok, err := Group(pod)
	if !ok {
		return nil, 0
	}
	if err != nil {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, err.Error()), 0
	}
	placed, err := g.placed(pod, group)
	if err != nil {
		return framework.AsStatus(err), 0
	}
	if placed+1 < minAvailable {
		return framework.NewStatus(framework.Wait, fmt.Sprintf("pod group %s/%s has %d of %d members", pod.Namespace, group, placed+1, minAvailable)), g.timeout
	}
	g.handle.IterateOverWaitingPods(func(wp framework.WaitingPod) {
		if sameGroup(wp.GetPod(), pod.Namespace, group) {
			wp.Allow(names.Gang)
		}
	})
	return nil, 0
}

// placed counts the members of the group in the snapshot, other than pod.
func (g *Gang) placed(pod *corev1.Pod, group string) (int, error) {
	nodes, err := g.handle.SnapshotSharedLister().NodeInfos().List()
	if err != nil {
		return 0, err
	}
	self := framework.PodKey(pod)
	n := 0
	for _, ni := range nodes {
		for _, pi := range ni.Pods {
			if sameGroup(pi.Pod, pod.Namespace, group) && framework.PodKey(pi.Pod) != self {
				n++
			}
		}
	}
	return n, nil
}
