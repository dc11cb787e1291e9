package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// DaemonSet runs one pod from its template on every node that the
// template's node selector, affinity and tolerations admit, adding a pod
// when such a node joins and removing it when the node leaves.
type DaemonSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the desired state.
	Spec DaemonSetSpec `json:"spec,omitempty,omitzero"`
	// Status is the observed state, written by the daemonset controller.
	Status DaemonSetStatus `json:"status,omitempty,omitzero"`
}

// DaemonSetSpec is the desired state of a DaemonSet.
type DaemonSetSpec struct {
	// Selector selects the DaemonSet's pods; it must match
	// Template.Labels and cannot be changed after creation.
	Selector *metav1.LabelSelector `json:"selector"`
	// Template is the pod run on each eligible node.
	Template corev1.PodTemplateSpec `json:"template"`
	// UpdateStrategy is how a changed template replaces the running pods.
	UpdateStrategy DaemonSetUpdateStrategy `json:"updateStrategy,omitempty,omitzero"`
	// MinReadySeconds is how long a new pod must be ready before it counts
	// as available.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// RevisionHistoryLimit is how many old ControllerRevisions to keep for
	// rollback; nil means 10.
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
}

// DaemonSetUpdateStrategy is how a DaemonSet replaces its pods.
type DaemonSetUpdateStrategy struct {
	// Type is RollingUpdate or OnDelete; empty means RollingUpdate.
	Type DaemonSetUpdateStrategyType `json:"type,omitempty"`
	// RollingUpdate tunes a RollingUpdate; only for that type.
	RollingUpdate *RollingUpdateDaemonSet `json:"rollingUpdate,omitempty"`
}

// DaemonSetUpdateStrategyType names a DaemonSetUpdateStrategy.
type DaemonSetUpdateStrategyType string

// The DaemonSet update strategies.
const (
	// RollingUpdateDaemonSetStrategyType replaces the pods node by node,
	// within MaxUnavailable and MaxSurge.
	RollingUpdateDaemonSetStrategyType DaemonSetUpdateStrategyType = "RollingUpdate"
	// OnDeleteDaemonSetStrategyType replaces a pod only when someone
	// deletes it.
	OnDeleteDaemonSetStrategyType DaemonSetUpdateStrategyType = "OnDelete"
)

// RollingUpdateDaemonSet bounds a DaemonSet rolling update. Each bound is a
// number of nodes or a percentage of status.desiredNumberScheduled; the two
// cannot both be 0.
type RollingUpdateDaemonSet struct {
	// MaxUnavailable is how many nodes may be without an available daemon
	// pod during the update (a percentage rounds up); nil means 1.
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	// MaxSurge is how many nodes may run an old and a new pod at once
	// during the update (a percentage rounds up); nil means 0.
	MaxSurge *intstr.IntOrString `json:"maxSurge,omitempty"`
}

// DaemonSetStatus is the observed state of a DaemonSet. The counts are of
// nodes, not pods.
type DaemonSetStatus struct {
	// CurrentNumberScheduled counts the nodes that should run the daemon
	// pod and run at least one.
	CurrentNumberScheduled int32 `json:"currentNumberScheduled"`
	// NumberMisscheduled counts the nodes that run the daemon pod but
	// should not.
	NumberMisscheduled int32 `json:"numberMisscheduled"`
	// DesiredNumberScheduled counts the nodes that should run the daemon
	// pod.
	DesiredNumberScheduled int32 `json:"desiredNumberScheduled"`
	// NumberReady counts the nodes that should run the daemon pod and run
	// at least one ready.
	NumberReady int32 `json:"numberReady"`
	// ObservedGeneration is the metadata.generation last acted on.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// UpdatedNumberScheduled counts the nodes running a pod of the current
	// template.
	UpdatedNumberScheduled int32 `json:"updatedNumberScheduled,omitempty"`
	// NumberAvailable counts the nodes that should run the daemon pod and
	// run at least one available.
	NumberAvailable int32 `json:"numberAvailable,omitempty"`
	// NumberUnavailable counts the nodes that should run the daemon pod and
	// run none available.
	NumberUnavailable int32 `json:"numberUnavailable,omitempty"`
	// CollisionCount is bumped when the hash of the template collides with
	// an existing ControllerRevision's, and is mixed into the next hash.
	CollisionCount *int32 `json:"collisionCount,omitempty"`
	// Conditions are the latest observations.
	Conditions []DaemonSetCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// DaemonSetConditionType names a DaemonSetCondition. Kubernetes defines no
// values yet.
type DaemonSetConditionType string

// DaemonSetCondition is one observation of a DaemonSet.
type DaemonSetCondition struct {
	// Type is what the condition describes.
	Type DaemonSetConditionType `json:"type"`
	// Status is True, False or Unknown.
	Status corev1.ConditionStatus `json:"status"`
	// LastTransitionTime is when Status last changed.
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty,omitzero"`
	// Reason is a CamelCase word for why.
	Reason string `json:"reason,omitempty"`
	// Message explains Reason to a human.
	Message string `json:"message,omitempty"`
}

// DaemonSetList is a list of DaemonSets.
type DaemonSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the DaemonSets.
	Items []DaemonSet `json:"items"`
}
