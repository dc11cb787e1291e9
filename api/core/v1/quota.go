package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// ResourceQuota caps the total resources and object counts of a namespace
// (or of the objects in it that match its scopes). Admission refuses a
// create or update that would take Used past Hard.
type ResourceQuota struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Spec   ResourceQuotaSpec   `json:"spec,omitempty,omitzero"`
	Status ResourceQuotaStatus `json:"status,omitempty,omitzero"`
}

// ResourceQuotaList is a list of resource quotas.
type ResourceQuotaList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []ResourceQuota `json:"items"`
}

// ResourceQuotaSpec is the quota's limits and the objects it counts.
type ResourceQuotaSpec struct {
	// Hard is the limit per quota name, such as "requests.cpu" or "pods".
	Hard ResourceList `json:"hard,omitempty"`
	// Scopes restrict the quota to objects in every listed scope.
	Scopes []ResourceQuotaScope `json:"scopes,omitempty"`
	// ScopeSelector restricts the quota like Scopes, with operators.
	ScopeSelector *ScopeSelector `json:"scopeSelector,omitempty"`
}

// ResourceQuotaStatus is the enforced limits and the current usage.
type ResourceQuotaStatus struct {
	Hard ResourceList `json:"hard,omitempty"`
	Used ResourceList `json:"used,omitempty"`
}

// ResourceQuotaScope is a class of objects that a quota may be limited to.
type ResourceQuotaScope string

// The quota scopes.
const (
	// ResourceQuotaScopeTerminating: pods with activeDeadlineSeconds set.
	ResourceQuotaScopeTerminating ResourceQuotaScope = "Terminating"
	// ResourceQuotaScopeNotTerminating: pods without activeDeadlineSeconds.
	ResourceQuotaScopeNotTerminating ResourceQuotaScope = "NotTerminating"
	// ResourceQuotaScopeBestEffort: pods of QoS class BestEffort.
	ResourceQuotaScopeBestEffort ResourceQuotaScope = "BestEffort"
	// ResourceQuotaScopeNotBestEffort: pods of any other QoS class.
	ResourceQuotaScopeNotBestEffort ResourceQuotaScope = "NotBestEffort"
	// ResourceQuotaScopePriorityClass: pods of the priority classes the
	// scope selector names.
	ResourceQuotaScopePriorityClass ResourceQuotaScope = "PriorityClass"
	// ResourceQuotaScopeCrossNamespacePodAffinity: pods with affinity
	// terms that reach other namespaces.
	ResourceQuotaScopeCrossNamespacePodAffinity ResourceQuotaScope = "CrossNamespacePodAffinity"
	// ResourceQuotaScopeVolumeAttributesClass: claims of the volume
	// attributes classes the scope selector names.
	ResourceQuotaScopeVolumeAttributesClass ResourceQuotaScope = "VolumeAttributesClass"
)

// ScopeSelector selects objects by scope; the requirements are ANDed.
type ScopeSelector struct {
	MatchExpressions []ScopedResourceSelectorRequirement `json:"matchExpressions,omitempty"`
}

// ScopedResourceSelectorRequirement relates a scope to Values: In and
// NotIn need values, Exists and DoesNotExist take none.
type ScopedResourceSelectorRequirement struct {
	ScopeName ResourceQuotaScope    `json:"scopeName"`
	Operator  ScopeSelectorOperator `json:"operator"`
	Values    []string              `json:"values,omitempty"`
}

// ScopeSelectorOperator is the relation of a scope selector requirement.
type ScopeSelectorOperator string

// The scope selector operators.
const (
	ScopeSelectorOpIn           ScopeSelectorOperator = "In"
	ScopeSelectorOpNotIn        ScopeSelectorOperator = "NotIn"
	ScopeSelectorOpExists       ScopeSelectorOperator = "Exists"
	ScopeSelectorOpDoesNotExist ScopeSelectorOperator = "DoesNotExist"
)

// LimitRange sets, per namespace, the minimum and maximum resources of
// each pod, container or claim, and the defaults that admission fills in
// for containers that set none.
type LimitRange struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Spec LimitRangeSpec `json:"spec,omitempty,omitzero"`
}

// LimitRangeList is a list of limit ranges.
type LimitRangeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []LimitRange `json:"items"`
}

// LimitRangeSpec is the list of limits, one item per kind of object.
type LimitRangeSpec struct {
	Limits []LimitRangeItem `json:"limits"`
}

// LimitRangeItem is the limits for one kind of object.
type LimitRangeItem struct {
	// Type is the kind of object limited.
	Type LimitType `json:"type"`
	// Max is the most that a request or limit may be.
	Max ResourceList `json:"max,omitempty"`
	// Min is the least that a request or limit may be.
	Min ResourceList `json:"min,omitempty"`
	// Default is the limit given to a container that sets none.
	Default ResourceList `json:"default,omitempty"`
	// DefaultRequest is the request given to a container that sets none.
	DefaultRequest ResourceList `json:"defaultRequest,omitempty"`
	// MaxLimitRequestRatio bounds limit divided by request.
	MaxLimitRequestRatio ResourceList `json:"maxLimitRequestRatio,omitempty"`
}

// LimitType is the kind of object a LimitRangeItem limits.
type LimitType string

// The limit types.
const (
	// LimitTypePod limits the sum over a pod's containers.
	LimitTypePod LimitType = "Pod"
	// LimitTypeContainer limits each container.
	LimitTypeContainer LimitType = "Container"
	// LimitTypePersistentVolumeClaim limits each claim's storage.
	LimitTypePersistentVolumeClaim LimitType = "PersistentVolumeClaim"
)
