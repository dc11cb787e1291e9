package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Namespace is a scope for names and for policy (quotas, limits, access
// rules). Deleting a namespace deletes everything in it: it stays
// Terminating until its finalizers are done.
type Namespace struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Spec   NamespaceSpec   `json:"spec,omitempty,omitzero"`
	Status NamespaceStatus `json:"status,omitempty,omitzero"`
}

// NamespaceList is a list of namespaces.
type NamespaceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []Namespace `json:"items"`
}

// NamespaceSpec holds the namespace's finalizers: each must be removed
// (through the finalize subresource) before the namespace is deleted.
type NamespaceSpec struct {
	Finalizers []FinalizerName `json:"finalizers,omitempty"`
}

// FinalizerName names a namespace finalizer.
type FinalizerName string

// FinalizerKubernetes is the namespace finalizer of the namespace
// controller, which empties the namespace before removing it.
const FinalizerKubernetes FinalizerName = "kubernetes"

// NamespaceStatus is the observed state of a namespace.
type NamespaceStatus struct {
	Phase      NamespacePhase       `json:"phase,omitempty"`
	Conditions []NamespaceCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// NamespacePhase is where a namespace is in its lifecycle.
type NamespacePhase string

// The namespace phases.
const (
	// NamespaceActive: in use; objects may be created in it.
	NamespaceActive NamespacePhase = "Active"
	// NamespaceTerminating: being deleted; new objects are refused.
	NamespaceTerminating NamespacePhase = "Terminating"
)

// NamespaceTerminatingCause is the StatusCause type of the error that
// refuses a create in a terminating namespace.
const NamespaceTerminatingCause metav1.CauseType = "NamespaceTerminating"

// NamespaceConditionType is the type of a namespace condition; they all
// report why deletion is not finished.
type NamespaceConditionType string

// The namespace condition types.
const (
	NamespaceDeletionDiscoveryFailure NamespaceConditionType = "NamespaceDeletionDiscoveryFailure"
	NamespaceDeletionContentFailure   NamespaceConditionType = "NamespaceDeletionContentFailure"
	NamespaceDeletionGVParsingFailure NamespaceConditionType = "NamespaceDeletionGroupVersionParsingFailure"
	NamespaceContentRemaining         NamespaceConditionType = "NamespaceContentRemaining"
	NamespaceFinalizersRemaining      NamespaceConditionType = "NamespaceFinalizersRemaining"
)

// NamespaceCondition is one condition of a namespace.
type NamespaceCondition struct {
	Type               NamespaceConditionType `json:"type"`
	Status             ConditionStatus        `json:"status"`
	LastTransitionTime metav1.Time            `json:"lastTransitionTime,omitempty,omitzero"`
	Reason             string                 `json:"reason,omitempty"`
	Message            string                 `json:"message,omitempty"`
}
