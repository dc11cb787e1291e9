// Package v1 holds the scheduling.k8s.io/v1 API group: PriorityClass, which
// maps a class name that pods give in spec.priorityClassName to the integer
// priority that the scheduler orders and preempts them by, and the two
// built-in system classes.
//
// The JSON shapes are Kubernetes' own (k8s.io/api/scheduling/v1), field for
// field, so a PriorityClass manifest written for Kubernetes decodes into
// these types and back unchanged.
//
// The package holds types, the system priority constants and
// SystemPriorityClasses; values returned by DeepCopy share nothing with the
// original, and the types hold no locks.
//
// Import it as schedulingv1.
//
// +kubebuilder:object:generate=true
package v1

// GroupName is the API group of every kind in this package.
const GroupName = "scheduling.k8s.io"

// Version is the API version of every kind in this package.
const Version = "v1"
