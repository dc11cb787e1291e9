// Package nodename is the NodeName plugin: a pod that names a node in
// spec.nodeName fits only that node.
package nodename

import (
	"context"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// ErrReason is the Filter failure reason, Kubernetes' text.
const ErrReason = "node(s) didn't match the requested node name"

// NodeName filters nodes by the pod's spec.nodeName.
type NodeName struct{}

var (
	_ framework.FilterPlugin      = NodeName{}
	_ framework.EnqueueExtensions = NodeName{}
)

// Name returns "NodeName".
func (NodeName) Name() string { return names.NodeName }

// Filter passes when the pod names no node or names this one; otherwise
// it returns UnschedulableAndUnresolvable with ErrReason.
func (NodeName) Filter(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	if ni.Node() == nil {
		return framework.NewStatus(framework.Error, "node not found")
	}
	if !Fits(pod, ni) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReason)
	}
	return nil
}

// Fits reports whether pod may run on the node by its spec.nodeName.
func Fits(pod *corev1.Pod, ni *framework.NodeInfo) bool {
	return pod.Spec.NodeName == "" || pod.Spec.NodeName == ni.NodeName()
}

// EventsToRegister: a node being added (the named node may appear).
func (NodeName) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{{
		Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add},
		QueueingHintFn: func(pod *corev1.Pod, _, newObj any) (framework.QueueingHint, error) {
			n, ok := newObj.(*corev1.Node)
			if !ok || pod.Spec.NodeName == "" || pod.Spec.NodeName == n.Name {
				return framework.Queue, nil
			}
			return framework.QueueSkip, nil
		},
	}}, nil
}

// New is the plugin's factory; it takes no arguments.
func New(context.Context, any, framework.Handle) (framework.Plugin, error) { return NodeName{}, nil }

var _ framework.NodeLocalPlugin = NodeName{}

// NodeLocal marks the plugin as judging each node by that node alone (see
// framework.NodeLocalPlugin).
func (NodeName) NodeLocal() {}
