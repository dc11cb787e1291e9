// Package v1 holds the object metadata shared by every API kind: TypeMeta,
// ObjectMeta, ListMeta, the Status error object, label selectors, Time and
// MicroTime, watch events, delete options and the discovery documents.
//
// The JSON shapes are Kubernetes' own (k8s.io/apimachinery/pkg/apis/meta/v1),
// field for field, so that a manifest written for Kubernetes decodes into
// these types and kubectl or client-go can read what Rigging writes. One
// deliberate difference: zero-valued struct fields tagged omitempty are also
// tagged omitzero, so an absent creationTimestamp stays absent instead of
// becoming null. Every Kubernetes client decodes both forms the same way.
//
// Import it as metav1, as Kubernetes code does.
//
// +kubebuilder:object:generate=true
package v1
