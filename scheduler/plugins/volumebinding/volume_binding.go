// Package volumebinding is the VolumeBinding plugin's hooks: PreFilter,
// Filter, Reserve/Unreserve and PreBind, delegating to a VolumeBinder the
// embedder supplies. Rigging has no volume scheduling yet, so with no
// VolumeBinder every hook passes: pods without PersistentVolumeClaims skip
// the plugin, and pods with claims are not held back.
package volumebinding

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// VolumeBinder finds, reserves and binds the volumes of a pod's claims, as
// Kubernetes' SchedulerVolumeBinder does. Every method may be called from
// several goroutines at once.
type VolumeBinder interface {
	// FindPodVolumes reports, for one node, the reasons the pod's claims
	// cannot be satisfied there (none when they can).
	FindPodVolumes(ctx context.Context, pod *corev1.Pod, node *corev1.Node) (reasons []string, err error)
	// AssumePodVolumes reserves the volumes chosen on nodeName.
	AssumePodVolumes(ctx context.Context, pod *corev1.Pod, nodeName string) error
	// RevertAssumedPodVolumes undoes AssumePodVolumes.
	RevertAssumedPodVolumes(ctx context.Context, pod *corev1.Pod, nodeName string)
	// BindPodVolumes binds the reserved volumes and waits until they are
	// bound.
	BindPodVolumes(ctx context.Context, pod *corev1.Pod, nodeName string) error
}

// Args are the plugin's arguments.
type Args struct {
	// Binder handles the volumes; nil makes every hook pass.
	Binder VolumeBinder
}

// VolumeBinding is the plugin.
type VolumeBinding struct {
	binder VolumeBinder
}

var (
	_ framework.PreFilterPlugin   = (*VolumeBinding)(nil)
	_ framework.FilterPlugin      = (*VolumeBinding)(nil)
	_ framework.ReservePlugin     = (*VolumeBinding)(nil)
	_ framework.PreBindPlugin     = (*VolumeBinding)(nil)
	_ framework.EnqueueExtensions = (*VolumeBinding)(nil)
)

// New is the plugin's factory; args may be nil, Args or *Args.
func New(_ context.Context, args any, _ framework.Handle) (framework.Plugin, error) {
	switch v := args.(type) {
	case nil:
		return &VolumeBinding{}, nil
	case Args:
		return &VolumeBinding{binder: v.Binder}, nil
	case *Args:
		if v == nil {
			return &VolumeBinding{}, nil
		}
		return &VolumeBinding{binder: v.Binder}, nil
	}
	return nil, fmt.Errorf("want args of type volumebinding.Args, got %T", args)
}

// Name returns "VolumeBinding".
func (*VolumeBinding) Name() string { return names.VolumeBinding }

// HasClaims reports whether the pod mounts PersistentVolumeClaims (or
// generic ephemeral volumes, which become claims).
func HasClaims(pod *corev1.Pod) bool {
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		if v.PersistentVolumeClaim != nil || v.Ephemeral != nil {
			return true
		}
	}
	return false
}

func (pl *VolumeBinding) active(pod *corev1.Pod) bool { return pl.binder != nil && HasClaims(pod) }

// PreFilter returns Skip when the pod has no claims or there is no binder.
func (pl *VolumeBinding) PreFilter(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	if !pl.active(pod) {
		return nil, framework.NewStatus(framework.Skip)
	}
	return nil, nil
}

// PreFilterExtensions returns nil.
func (*VolumeBinding) PreFilterExtensions() framework.PreFilterExtensions { return nil }

// Filter asks the binder whether the pod's claims can be satisfied on the
// node; its reasons make the node UnschedulableAndUnresolvable.
func (pl *VolumeBinding) Filter(ctx context.Context, _ *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	if !pl.active(pod) {
		return nil
	}
	reasons, err := pl.binder.FindPodVolumes(ctx, pod, ni.Node())
	if err != nil {
		return framework.AsStatus(err)
	}
	if len(reasons) > 0 {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, reasons...)
	}
	return nil
}

// Reserve assumes the pod's volumes on the node.
func (pl *VolumeBinding) Reserve(ctx context.Context, _ *framework.CycleState, pod *corev1.Pod, nodeName string) *framework.Status {
	if !pl.active(pod) {
		return nil
	}
	return framework.AsStatus(pl.binder.AssumePodVolumes(ctx, pod, nodeName))
}

// Unreserve reverts the assumed volumes.
func (pl *VolumeBinding) Unreserve(ctx context.Context, _ *framework.CycleState, pod *corev1.Pod, nodeName string) {
	if pl.active(pod) {
		pl.binder.RevertAssumedPodVolumes(ctx, pod, nodeName)
	}
}

// PreBind binds the volumes.
func (pl *VolumeBinding) PreBind(ctx context.Context, _ *framework.CycleState, pod *corev1.Pod, nodeName string) *framework.Status {
	if !pl.active(pod) {
		return nil
	}
	return framework.AsStatus(pl.binder.BindPodVolumes(ctx, pod, nodeName))
}

// EventsToRegister: volume objects and nodes changing.
func (*VolumeBinding) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{Event: framework.ClusterEvent{Resource: framework.PersistentVolumeClaim, ActionType: framework.Add | framework.Update}},
		{Event: framework.ClusterEvent{Resource: framework.PersistentVolume, ActionType: framework.Add | framework.Update}},
		{Event: framework.ClusterEvent{Resource: framework.StorageClass, ActionType: framework.Add | framework.Update}},
		{Event: framework.ClusterEvent{Resource: framework.CSINode, ActionType: framework.Add | framework.Update}},
		{Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeLabel | framework.UpdateNodeTaint}},
	}, nil
}
