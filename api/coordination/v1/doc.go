// Package v1 holds the coordination.k8s.io/v1 API group: Lease, the
// lightweight object that node heartbeats, leader election and API server
// identity are built on.
//
// The JSON shapes are Kubernetes' own (k8s.io/api/coordination/v1), field
// for field, so a Lease written by client-go's leader election decodes into
// these types and back unchanged.
//
// The package holds types only; values returned by DeepCopy share nothing
// with the original, and the types hold no locks.
//
// Import it as coordinationv1.
//
// +kubebuilder:object:generate=true
package v1

// GroupName is the API group of every kind in this package.
const GroupName = "coordination.k8s.io"

// Version is the API version of every kind in this package.
const Version = "v1"
