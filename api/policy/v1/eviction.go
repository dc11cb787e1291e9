package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Eviction is the body of a POST to the pods/eviction subresource, shaped
// as Kubernetes' policy/v1 Eviction: metadata names the pod, and
// DeleteOptions shape the graceful delete that evicting performs.
type Eviction struct {
	metav1.TypeMeta `json:",inline"`
	// ObjectMeta names the pod to evict.
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`
	// DeleteOptions shape the delete; nil deletes with the pod's own
	// grace period.
	DeleteOptions *metav1.DeleteOptions `json:"deleteOptions,omitempty"`
}
