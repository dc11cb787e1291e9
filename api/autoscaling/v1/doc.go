// Package v1 holds the one kind of the autoscaling/v1 API group that
// Rigging carries: Scale, the body of the /scale subresource of
// Deployments, ReplicaSets and StatefulSets (and of any custom resource that
// declares one). Autoscalers and `kubectl scale` read and write a workload's
// replica count through it without knowing the workload's own type.
// The HorizontalPodAutoscaler lives in api/autoscaling/v2.
//
// The JSON shape is Kubernetes' own (k8s.io/api/autoscaling/v1).
//
// The package holds types only; values returned by DeepCopy share nothing
// with the original, and the types hold no locks.
//
// Import it as autoscalingv1.
//
// +kubebuilder:object:generate=true
package v1

// GroupName is the API group of every kind in this package.
const GroupName = "autoscaling"

// Version is the API version of every kind in this package.
const Version = "v1"
