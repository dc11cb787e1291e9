package nodelifecycle

import (
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The reasons and messages of the conditions the controller sets Unknown,
// as Kubernetes writes them.
const (
	ReasonNodeStatusUnknown      = "NodeStatusUnknown"
	MessageNodeStatusUnknown     = "Kubelet stopped posting node status."
	ReasonNodeStatusNeverUpdated = "NodeStatusNeverUpdated"
	MessageNodeStatusNeverUpdate = "Kubelet never posted node status."
)

// unknownConditionTypes are the conditions set Unknown when a node stops
// reporting, in this order.
var unknownConditionTypes = []corev1.NodeConditionType{
	corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure,
}

// nodeCondition returns status's condition of type t, or nil.
func nodeCondition(status *corev1.NodeStatus, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range status.Conditions {
		if status.Conditions[i].Type == t {
			return &status.Conditions[i]
		}
	}
	return nil
}

// MarkUnknown sets the Ready, MemoryPressure, DiskPressure and PIDPressure
// conditions of status to Unknown, as Kubernetes' node lifecycle
// controller does when a node's grace period ran out: a condition that
// exists and is not Unknown gets reason NodeStatusUnknown, message
// "Kubelet stopped posting node status." and lastTransitionTime now, its
// lastHeartbeatTime kept; a missing one is added with reason
// NodeStatusNeverUpdated, lastHeartbeatTime created (the node's creation
// time) and lastTransitionTime now. It reports whether it changed status.
func MarkUnknown(status *corev1.NodeStatus, created, now time.Time) bool {
	changed := false
	ts := metav1.NewTime(now)
	for _, t := range unknownConditionTypes {
		c := nodeCondition(status, t)
		switch {
		case c == nil:
			status.Conditions = append(status.Conditions, corev1.NodeCondition{
				Type: t, Status: corev1.ConditionUnknown,
				Reason: ReasonNodeStatusNeverUpdated, Message: MessageNodeStatusNeverUpdate,
				LastHeartbeatTime: metav1.NewTime(created), LastTransitionTime: ts,
			})
			changed = true
		case c.Status != corev1.ConditionUnknown:
			c.Status = corev1.ConditionUnknown
			c.Reason = ReasonNodeStatusUnknown
			c.Message = MessageNodeStatusUnknown
			c.LastTransitionTime = ts
			changed = true
		}
	}
	return changed
}

// markPodNotReady sets pod's Ready condition False (keeping its reason
// and message, lastTransitionTime now), as Kubernetes' MarkPodsNotReady
// does; it reports whether it changed the pod. Pods without a Ready
// condition are left alone.
func markPodNotReady(status *corev1.PodStatus, now time.Time) bool {
	for i := range status.Conditions {
		c := &status.Conditions[i]
		if c.Type != corev1.PodReady {
			continue
		}
		if c.Status == corev1.ConditionFalse {
			return false
		}
		c.Status = corev1.ConditionFalse
		c.LastTransitionTime = metav1.NewTime(now)
		return true
	}
	return false
}
