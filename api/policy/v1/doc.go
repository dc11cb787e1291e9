// Package v1 holds the policy API group ("policy/v1"): Eviction, the body
// of a POST to a pod's eviction subresource, which `kubectl drain` and
// client-go send to evict a pod gracefully.
//
// The JSON shape is Kubernetes' own (k8s.io/api/policy/v1), so that
// kubectl and client-go can send it, in JSON or in protobuf (package
// api/protobuf). PodDisruptionBudget is not carried yet.
package v1
