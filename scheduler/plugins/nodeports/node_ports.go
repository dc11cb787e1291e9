// Package nodeports is the NodePorts plugin: a pod that asks for host
// ports fits only nodes where those ports are free.
package nodeports

import (
	"context"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// ErrReason is the Filter failure reason, Kubernetes' text.
const ErrReason = "node(s) didn't have free ports for the requested pod ports"

const preFilterStateKey framework.StateKey = "PreFilter" + names.NodePorts

// NodePorts filters nodes by free host ports.
type NodePorts struct{}

var (
	_ framework.PreFilterPlugin   = NodePorts{}
	_ framework.FilterPlugin      = NodePorts{}
	_ framework.EnqueueExtensions = NodePorts{}
)

// Name returns "NodePorts".
func (NodePorts) Name() string { return names.NodePorts }

type preFilterState []corev1.ContainerPort

func (s preFilterState) Clone() framework.StateData { return s }

// PreFilter collects the pod's host ports; Skip when it has none.
func (NodePorts) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	ports := framework.HostPorts(pod)
	if len(ports) == 0 {
		return nil, framework.NewStatus(framework.Skip)
	}
	state.Write(preFilterStateKey, preFilterState(ports))
	return nil, nil
}

// PreFilterExtensions returns nil.
func (NodePorts) PreFilterExtensions() framework.PreFilterExtensions { return nil }

// Filter rejects, Unschedulable, a node where one of the pod's host ports
// is taken.
func (NodePorts) Filter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	ports, err := framework.ReadState[preFilterState](state, preFilterStateKey)
	if err != nil {
		ports = framework.HostPorts(pod)
	}
	if !Fits(ports, ni) {
		return framework.NewStatus(framework.Unschedulable, ErrReason)
	}
	return nil
}

// Fits reports whether every port is free on the node.
func Fits(ports []corev1.ContainerPort, ni *framework.NodeInfo) bool {
	for _, p := range ports {
		if ni.UsedPorts.CheckConflict(p.HostIP, string(p.Protocol), p.HostPort) {
			return false
		}
	}
	return true
}

// EventsToRegister: an assigned pod deleted (it may free ports), a node
// added or changed.
func (NodePorts) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{Event: framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete}, QueueingHintFn: func(pod *corev1.Pod, oldObj, _ any) (framework.QueueingHint, error) {
			deleted, ok := oldObj.(*corev1.Pod)
			if !ok {
				return framework.Queue, nil
			}
			for _, dp := range framework.HostPorts(deleted) {
				for _, p := range framework.HostPorts(pod) {
					if dp.HostPort == p.HostPort && dp.Protocol == p.Protocol {
						return framework.Queue, nil
					}
				}
			}
			return framework.QueueSkip, nil
		}},
		{Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.Update}},
	}, nil
}

// New is the plugin's factory; it takes no arguments.
func New(context.Context, any, framework.Handle) (framework.Plugin, error) { return NodePorts{}, nil }

var _ framework.NodeLocalPlugin = NodePorts{}

// NodeLocal marks the plugin as judging each node by that node alone (see
// framework.NodeLocalPlugin).
func (NodePorts) NodeLocal() {}
