// Package v1 holds the discovery.k8s.io/v1 API group: EndpointSlice, the
// scalable form of a Service's backends. The endpointslice controller
// splits the ready, serving and terminating addresses of a Service's pods
// into slices of at most 100 endpoints each, labelled with LabelServiceName;
// the service proxy watches them.
//
// The JSON shapes are Kubernetes' own (k8s.io/api/discovery/v1), field for
// field, so an EndpointSlice written for Kubernetes decodes into these
// types and back unchanged. The deprecated per-endpoint deprecatedTopology
// map is not carried.
//
// The package holds types and well-known label keys; values returned by
// DeepCopy share nothing with the original, and the types hold no locks.
//
// Import it as discoveryv1.
//
// +kubebuilder:object:generate=true
package v1

// GroupName is the API group of every kind in this package.
const GroupName = "discovery.k8s.io"

// Version is the API version of every kind in this package.
const Version = "v1"

// Label keys with a fixed meaning on EndpointSlices.
const (
	// LabelServiceName names the Service an EndpointSlice belongs to.
	LabelServiceName = "kubernetes.io/service-name"
	// LabelManagedBy names the controller that manages an EndpointSlice;
	// each controller touches only its own slices.
	LabelManagedBy = "endpointslice.kubernetes.io/managed-by"
	// LabelSkipMirror set to "true" on an Endpoints object stops the
	// mirroring controller from copying it into EndpointSlices.
	LabelSkipMirror = "endpointslice.kubernetes.io/skip-mirror"
)
