// Package v2 holds the autoscaling/v2 API group: HorizontalPodAutoscaler,
// which sets the replica count of a scalable workload (through its /scale
// subresource, api/autoscaling/v1.Scale) from observed metrics: resource
// use of its pods, per-pod custom metrics, metrics of another object, or
// metrics from outside the cluster.
//
// The JSON shapes are Kubernetes' own (k8s.io/api/autoscaling/v2) for every
// field carried, so an HPA manifest written for Kubernetes decodes into
// these types and encodes back unchanged. As in api/meta/v1, struct-valued
// fields that Kubernetes tags omitempty are also tagged omitzero. Not
// carried: the per-direction tolerance of HPAScalingRules (behind
// Kubernetes' HPAConfigurableTolerance feature gate).
//
// The package holds types only; values returned by DeepCopy share nothing
// with the original, and the types hold no locks.
//
// Import it as autoscalingv2.
//
// +kubebuilder:object:generate=true
package v2

// GroupName is the API group of every kind in this package.
const GroupName = "autoscaling"

// Version is the API version of every kind in this package.
const Version = "v2"
