// Package v1 holds the apps/v1 API group: the workload controllers that
// keep pods running from a pod template. Deployment (rolling updates of
// stateless pods through ReplicaSets), ReplicaSet (a fixed number of
// identical pods), DaemonSet (one pod per eligible node), StatefulSet (pods
// with stable names and their own volumes) and ControllerRevision (the
// template history that DaemonSets and StatefulSets roll back to).
//
// Where to start: Deployment (deployment.go). Each kind's spec holds a
// Selector and a corev1.PodTemplateSpec; its status is written by the
// controller and reports ObservedGeneration, so a reader can tell whether
// the status reflects the latest spec.
//
// The JSON shapes are Kubernetes' own (k8s.io/api/apps/v1) for every field
// carried, so a manifest written for Kubernetes decodes into these types
// and encodes back unchanged. As in api/meta/v1, struct-valued fields that
// Kubernetes tags omitempty are also tagged omitzero, so an absent status,
// strategy or timestamp stays absent after a round trip.
//
// The package holds types and the label and annotation keys the workload
// controllers use; defaulting and validation live elsewhere. Values
// returned by the generated DeepCopy share nothing with the original; the
// types hold no locks and are not safe for concurrent mutation.
//
// Import it as appsv1.
//
// +kubebuilder:object:generate=true
package v1

// GroupName is the API group of every kind in this package.
const GroupName = "apps"

// Version is the API version of every kind in this package.
const Version = "v1"

// Label and annotation keys the workload controllers set on the objects
// they create.
const (
	// ControllerRevisionHashLabelKey labels the pods of a DaemonSet or
	// StatefulSet, and its ControllerRevisions, with the hash of the
	// revision they were made from.
	ControllerRevisionHashLabelKey = "controller-revision-hash"
	// StatefulSetRevisionLabel is ControllerRevisionHashLabelKey, by the
	// name StatefulSet code uses.
	StatefulSetRevisionLabel = ControllerRevisionHashLabelKey
	// DefaultDaemonSetUniqueLabelKey is ControllerRevisionHashLabelKey, by
	// the name DaemonSet code uses.
	DefaultDaemonSetUniqueLabelKey = ControllerRevisionHashLabelKey
	// DefaultDeploymentUniqueLabelKey labels a Deployment's ReplicaSets and
	// their pods with the hash of the pod template, so that the
	// ReplicaSets of different templates select disjoint pods.
	DefaultDeploymentUniqueLabelKey = "pod-template-hash"
	// StatefulSetPodNameLabel labels each StatefulSet pod with its own
	// name, so a Service can select exactly one of them.
	StatefulSetPodNameLabel = "statefulset.kubernetes.io/pod-name"
	// PodIndexLabel labels each StatefulSet pod with its ordinal.
	PodIndexLabel = "apps.kubernetes.io/pod-index"
	// DeprecatedRollbackTo is the annotation through which the old
	// extensions API asked for a Deployment rollback; kept for reading
	// objects written by old clients.
	DeprecatedRollbackTo = "deprecated.deployment.rollback.to"
	// DeprecatedTemplateGeneration is the annotation that carried a
	// DaemonSet's template generation before ControllerRevisions.
	DeprecatedTemplateGeneration = "deprecated.daemonset.template.generation"
)
