package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Scale is the replica count of a scalable object, as served by its /scale
// subresource. Its metadata is the scaled object's (name, namespace, uid,
// resourceVersion), so an update is guarded by the object's own
// resourceVersion.
type Scale struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the desired replica count.
	Spec ScaleSpec `json:"spec,omitempty,omitzero"`
	// Status is the observed replica count; read-only.
	Status ScaleStatus `json:"status,omitempty,omitzero"`
}

// ScaleSpec is the desired state of a scalable object.
type ScaleSpec struct {
	// Replicas is the desired number of instances.
	Replicas int32 `json:"replicas,omitempty"`
}

// ScaleStatus is the observed state of a scalable object.
type ScaleStatus struct {
	// Replicas is the number of instances observed.
	Replicas int32 `json:"replicas"`
	// Selector is the label selector of the object's pods in its query
	// string form ("app=web,tier in (a,b)"), so that a client can count
	// pods without knowing the object's type.
	Selector string `json:"selector,omitempty"`
}
