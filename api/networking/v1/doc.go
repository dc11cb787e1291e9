// Package v1 holds the networking.k8s.io/v1 API group: NetworkPolicy
// (which traffic may reach and leave a set of pods), Ingress (HTTP routing
// from outside the cluster to Services) and IngressClass (which controller
// implements an Ingress).
//
// The JSON shapes are Kubernetes' own (k8s.io/api/networking/v1) for every
// field carried, so manifests written for Kubernetes decode into these
// types and encode back unchanged. As in api/meta/v1, struct-valued fields
// that Kubernetes tags omitempty are also tagged omitzero. The IPAddress
// and ServiceCIDR kinds of the group are not carried.
//
// The package holds types and well-known keys; values returned by DeepCopy
// share nothing with the original, and the types hold no locks.
//
// Import it as networkingv1.
//
// +kubebuilder:object:generate=true
package v1

// GroupName is the API group of every kind in this package.
const GroupName = "networking.k8s.io"

// Version is the API version of every kind in this package.
const Version = "v1"

// AnnotationIsDefaultIngressClass set to "true" on an IngressClass makes it
// the class of Ingresses that name none.
const AnnotationIsDefaultIngressClass = "ingressclass.kubernetes.io/is-default-class"
