package apiserver

import (
	policyv1 "github.com/rigging-dev/rigging/api/policy/v1"
)

// Eviction is the body of a POST to the pods/eviction subresource, shaped
// as Kubernetes' policy/v1 Eviction (package api/policy/v1, which also
// gives it its protobuf encoding): metadata names the pod, and
// DeleteOptions shape the graceful delete that evicting performs.
// PodDisruptionBudgets are not carried yet, so an eviction is never
// refused for one: it is a graceful delete with admission run as a create
// of pods/eviction.
type Eviction = policyv1.Eviction
