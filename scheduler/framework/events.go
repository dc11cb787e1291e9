package framework

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// ActionType is a set of kinds of change to an object, as bit flags.
type ActionType int64

// The action types, with Kubernetes' names. The Update* flags narrow an
// update to what changed, so plugins can ignore irrelevant updates.
const (
	Add ActionType = 1 << iota
	Delete
	UpdateNodeAllocatable
	UpdateNodeLabel
	UpdateNodeTaint
	UpdateNodeCondition
	UpdateNodeAnnotation
	UpdatePodLabel
	UpdatePodScaleDown
	UpdatePodToleration
	UpdatePodSchedulingGatesEliminated
	UpdatePodGeneratedResourceClaim

	// None is no action.
	None ActionType = 0
	// All is every action.
	All ActionType = 1<<iota - 1
	// Update is any update.
	Update = UpdateNodeAllocatable | UpdateNodeLabel | UpdateNodeTaint | UpdateNodeCondition | UpdateNodeAnnotation |
		UpdatePodLabel | UpdatePodScaleDown | UpdatePodToleration | UpdatePodSchedulingGatesEliminated | UpdatePodGeneratedResourceClaim
)

// EventResource is the kind of object an event is about.
type EventResource string

// The event resources.
const (
	// Pod is any pod; AssignedPod and UnscheduledPod narrow it.
	Pod EventResource = "Pod"
	// AssignedPod is a pod bound (or assumed) to a node.
	AssignedPod EventResource = "AssignedPod"
	// UnscheduledPod is a pod waiting for a node.
	UnscheduledPod EventResource = "UnscheduledPod"
	// Node is a node.
	Node EventResource = "Node"
	// PersistentVolume, PersistentVolumeClaim, StorageClass and CSINode are
	// the volume objects VolumeBinding watches.
	PersistentVolume      EventResource = "PersistentVolume"
	PersistentVolumeClaim EventResource = "PersistentVolumeClaim"
	StorageClass          EventResource = "storage.k8s.io/StorageClass"
	CSINode               EventResource = "storage.k8s.io/CSINode"
	// WildCard matches every resource.
	WildCard EventResource = "*"
)

// ClusterEvent is a change in the cluster: a resource and what happened to
// it. Label names the event in logs and metrics.
type ClusterEvent struct {
	Resource   EventResource
	ActionType ActionType
	Label      string
}

// IsWildCard reports whether the event matches every event.
func (ce ClusterEvent) IsWildCard() bool {
	return ce.Resource == WildCard && ce.ActionType == All
}

// Match reports whether the registered event ce covers the event that
// happened: same resource (or a wildcard; Pod covers AssignedPod and
// UnscheduledPod) and an overlapping action.
func (ce ClusterEvent) Match(happened ClusterEvent) bool {
	if ce.IsWildCard() {
		return true
	}
	if ce.Resource != WildCard && ce.Resource != happened.Resource {
		if ce.Resource != Pod || (happened.Resource != AssignedPod && happened.Resource != UnscheduledPod) {
			return false
		}
	}
	return ce.ActionType&happened.ActionType != 0
}

// WildCardEvent is the event that matches every event; the queue uses it
// for the periodic flush and when it cannot tell what changed.
var WildCardEvent = ClusterEvent{Resource: WildCard, ActionType: All, Label: "WildCard"}

// QueueingHint is a plugin's verdict on whether an event may make a pod it
// rejected schedulable.
type QueueingHint int

// The queueing hints.
const (
	// QueueSkip: the event does not help this pod.
	QueueSkip QueueingHint = iota
	// Queue: the event may help; move the pod to the active or backoff
	// queue.
	Queue
)

// String returns "QueueSkip" or "Queue".
func (h QueueingHint) String() string {
	if h == QueueSkip {
		return "QueueSkip"
	}
	return "Queue"
}

// QueueingHintFn decides whether an event (oldObj and newObj are the
// object before and after; either is nil for add and delete) may make pod
// schedulable. An error is treated as Queue.
type QueueingHintFn func(pod *corev1.Pod, oldObj, newObj any) (QueueingHint, error)

// ClusterEventWithHint is an event a plugin registers, with an optional
// hint function (nil means always Queue).
type ClusterEventWithHint struct {
	Event          ClusterEvent
	QueueingHintFn QueueingHintFn
}
