// Package nodeunschedulable is the NodeUnschedulable plugin: cordoned
// nodes (spec.unschedulable) take only pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint.
package nodeunschedulable

import (
	"context"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
	"github.com/rigging-dev/rigging/scheduler/plugins/tainttoleration"
)

// ErrReasonUnschedulable is the Filter failure reason, Kubernetes' text.
const ErrReasonUnschedulable = "node(s) were unschedulable"

// NodeUnschedulable filters out cordoned nodes.
type NodeUnschedulable struct{}

var (
	_ framework.FilterPlugin      = NodeUnschedulable{}
	_ framework.EnqueueExtensions = NodeUnschedulable{}
)

var unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}

// Name returns "NodeUnschedulable".
func (NodeUnschedulable) Name() string { return names.NodeUnschedulable }

// Filter rejects an unschedulable node, UnschedulableAndUnresolvable,
// unless the pod tolerates the unschedulable taint.
func (NodeUnschedulable) Filter(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	node := ni.Node()
	if node == nil {
		return framework.NewStatus(framework.Error, "node not found")
	}
	if !node.Spec.Unschedulable || tainttoleration.TolerationsTolerateTaint(pod.Spec.Tolerations, &unschedulableTaint) {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnschedulable)
}

// EventsToRegister: nodes added or uncordoned, and the pod's tolerations
// changed.
func (NodeUnschedulable) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeTaint}, QueueingHintFn: func(_ *corev1.Pod, _, newObj any) (framework.QueueingHint, error) {
			if n, ok := newObj.(*corev1.Node); ok && n.Spec.Unschedulable {
				return framework.QueueSkip, nil
			}
			return framework.Queue, nil
		}},
		{Event: framework.ClusterEvent{Resource: framework.UnscheduledPod, ActionType: framework.UpdatePodToleration}},
	}, nil
}

// New is the plugin's factory; it takes no arguments.
func New(context.Context, any, framework.Handle) (framework.Plugin, error) {
	return NodeUnschedulable{}, nil
}

var _ framework.NodeLocalPlugin = NodeUnschedulable{}

// NodeLocal marks the plugin as judging each node by that node alone (see
// framework.NodeLocalPlugin).
func (NodeUnschedulable) NodeLocal() {}
