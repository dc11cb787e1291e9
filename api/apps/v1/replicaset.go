package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// ReplicaSet keeps Replicas pods matching its Selector running, creating
// pods from Template when there are too few and deleting when there are
// too many. Deployments own ReplicaSets; users rarely create them directly.
type ReplicaSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the desired state.
	Spec ReplicaSetSpec `json:"spec,omitempty,omitzero"`
	// Status is the observed state, written by the replicaset controller.
	Status ReplicaSetStatus `json:"status,omitempty,omitzero"`
}

// ReplicaSetSpec is the desired state of a ReplicaSet.
type ReplicaSetSpec struct {
	// Replicas is the desired number of pods; nil means 1.
	Replicas *int32 `json:"replicas,omitempty"`
	// MinReadySeconds is how long a pod must be ready before it counts as
	// available.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// Selector selects the pods this ReplicaSet counts; it must match
	// Template.Labels.
	Selector *metav1.LabelSelector `json:"selector"`
	// Template is the pod created when there are too few.
	Template corev1.PodTemplateSpec `json:"template,omitempty,omitzero"`
}

// ReplicaSetStatus is the observed state of a ReplicaSet.
type ReplicaSetStatus struct {
	// Replicas counts the non-terminating pods selected.
	Replicas int32 `json:"replicas"`
	// FullyLabeledReplicas counts the pods whose labels match the
	// template's labels.
	FullyLabeledReplicas int32 `json:"fullyLabeledReplicas,omitempty"`
	// ReadyReplicas counts the ready non-terminating pods.
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// AvailableReplicas counts the pods ready for at least MinReadySeconds.
	AvailableReplicas int32 `json:"availableReplicas,omitempty"`
	// TerminatingReplicas counts the pods being deleted; nil when the
	// controller does not track them.
	TerminatingReplicas *int32 `json:"terminatingReplicas,omitempty"`
	// ObservedGeneration is the metadata.generation last acted on.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions are the latest observations.
	Conditions []ReplicaSetCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// ReplicaSetConditionType names a ReplicaSetCondition.
type ReplicaSetConditionType string

// The ReplicaSet conditions.
const (
	// ReplicaSetReplicaFailure is True when a pod could not be created or
	// deleted (quota, admission, a pod finalizer).
	ReplicaSetReplicaFailure ReplicaSetConditionType = "ReplicaFailure"
)

// ReplicaSetCondition is one observation of a ReplicaSet.
type ReplicaSetCondition struct {
	// Type is what the condition describes.
	Type ReplicaSetConditionType `json:"type"`
	// Status is True, False or Unknown.
	Status corev1.ConditionStatus `json:"status"`
	// LastTransitionTime is when Status last changed.
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty,omitzero"`
	// Reason is a CamelCase word for why.
	Reason string `json:"reason,omitempty"`
	// Message explains Reason to a human.
	Message string `json:"message,omitempty"`
}

// ReplicaSetList is a list of ReplicaSets.
type ReplicaSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the ReplicaSets.
	Items []ReplicaSet `json:"items"`
}
