// Package schedulinggates is the SchedulingGates plugin: a pod with
// scheduling gates stays out of the active queue until they are all
// removed.
package schedulinggates

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// SchedulingGates holds back pods with spec.schedulingGates.
type SchedulingGates struct{}

var (
	_ framework.PreEnqueuePlugin  = SchedulingGates{}
	_ framework.EnqueueExtensions = SchedulingGates{}
)

// Name returns "SchedulingGates".
func (SchedulingGates) Name() string { return names.SchedulingGates }

// PreEnqueue returns UnschedulableAndUnresolvable, "waiting for scheduling
// gates: [a b]", while the pod has gates.
func (SchedulingGates) PreEnqueue(_ context.Context, pod *corev1.Pod) *framework.Status {
	if len(pod.Spec.SchedulingGates) == 0 {
		return nil
	}
	gates := make([]string, 0, len(pod.Spec.SchedulingGates))
	for _, g := range pod.Spec.SchedulingGates {
		gates = append(gates, g.Name)
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("waiting for scheduling gates: %v", gates))
}

// EventsToRegister: the pod's gates being removed.
func (SchedulingGates) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{Event: framework.ClusterEvent{Resource: framework.UnscheduledPod, ActionType: framework.UpdatePodSchedulingGatesEliminated}},
	}, nil
}

// New is the plugin's factory; it takes no arguments.
func New(context.Context, any, framework.Handle) (framework.Plugin, error) {
	return SchedulingGates{}, nil
}
