package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Deployment runs Replicas copies of a pod template and rolls out a changed
// template by creating a new ReplicaSet and scaling the old ones down,
// according to Strategy.
type Deployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the desired state.
	Spec DeploymentSpec `json:"spec,omitempty,omitzero"`
	// Status is the observed state, written by the deployment controller.
	Status DeploymentStatus `json:"status,omitempty,omitzero"`
}

// DeploymentSpec is the desired state of a Deployment.
type DeploymentSpec struct {
	// Replicas is the desired number of pods; nil means 1.
	Replicas *int32 `json:"replicas,omitempty"`
	// Selector selects the Deployment's pods; it must match
	// Template.Labels and cannot be changed after creation.
	Selector *metav1.LabelSelector `json:"selector"`
	// Template is the pod every replica is made from.
	Template corev1.PodTemplateSpec `json:"template"`
	// Strategy is how a new template replaces the old pods.
	Strategy DeploymentStrategy `json:"strategy,omitempty,omitzero" patchStrategy:"retainKeys"`
	// MinReadySeconds is how long a new pod must be ready, without any
	// container crashing, before it counts as available; 0 means as soon
	// as it is ready.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// RevisionHistoryLimit is how many old ReplicaSets to keep for
	// rollback; nil means 10.
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
	// Paused stops the controller from rolling out template changes.
	Paused bool `json:"paused,omitempty"`
	// ProgressDeadlineSeconds is how long a rollout may make no progress
	// before the Progressing condition turns False with reason
	// ProgressDeadlineExceeded; nil means 600. The rollout itself goes on.
	ProgressDeadlineSeconds *int32 `json:"progressDeadlineSeconds,omitempty"`
}

// DeploymentStrategy is how a Deployment replaces old pods with new ones.
type DeploymentStrategy struct {
	// Type is RollingUpdate or Recreate; empty means RollingUpdate.
	Type DeploymentStrategyType `json:"type,omitempty"`
	// RollingUpdate tunes a RollingUpdate; it must be nil for Recreate.
	RollingUpdate *RollingUpdateDeployment `json:"rollingUpdate,omitempty"`
}

// DeploymentStrategyType names a DeploymentStrategy.
type DeploymentStrategyType string

// The deployment strategies.
const (
	// RecreateDeploymentStrategyType deletes every old pod before creating
	// any new one.
	RecreateDeploymentStrategyType DeploymentStrategyType = "Recreate"
	// RollingUpdateDeploymentStrategyType replaces pods gradually, within
	// the bounds of MaxUnavailable and MaxSurge.
	RollingUpdateDeploymentStrategyType DeploymentStrategyType = "RollingUpdate"
)

// RollingUpdateDeployment bounds a rolling update. Each bound is an
// absolute number of pods or a percentage of Replicas ("25%"); the two
// cannot both be 0.
type RollingUpdateDeployment struct {
	// MaxUnavailable is how many pods below Replicas the available count
	// may fall during the update (a percentage rounds down); nil means
	// "25%".
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	// MaxSurge is how many pods above Replicas may exist during the update
	// (a percentage rounds up); nil means "25%".
	MaxSurge *intstr.IntOrString `json:"maxSurge,omitempty"`
}

// DeploymentStatus is the observed state of a Deployment.
type DeploymentStatus struct {
	// ObservedGeneration is the metadata.generation the controller last
	// acted on.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Replicas counts the non-terminating pods of all its ReplicaSets.
	Replicas int32 `json:"replicas,omitempty"`
	// UpdatedReplicas counts the non-terminating pods of the current
	// template.
	UpdatedReplicas int32 `json:"updatedReplicas,omitempty"`
	// ReadyReplicas counts the ready non-terminating pods.
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// AvailableReplicas counts the pods ready for at least MinReadySeconds.
	AvailableReplicas int32 `json:"availableReplicas,omitempty"`
	// UnavailableReplicas is how many pods are still needed for the
	// Deployment to be fully available.
	UnavailableReplicas int32 `json:"unavailableReplicas,omitempty"`
	// TerminatingReplicas counts the pods being deleted; nil when the
	// controller does not track them.
	TerminatingReplicas *int32 `json:"terminatingReplicas,omitempty"`
	// Conditions are the latest observations of the rollout.
	Conditions []DeploymentCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// CollisionCount is bumped when the hash of the pod template collides
	// with an existing ReplicaSet's, and is mixed into the next hash.
	CollisionCount *int32 `json:"collisionCount,omitempty"`
}

// DeploymentConditionType names a DeploymentCondition.
type DeploymentConditionType string

// The Deployment conditions.
const (
	// DeploymentAvailable is True when at least Replicas minus
	// MaxUnavailable pods are available.
	DeploymentAvailable DeploymentConditionType = "Available"
	// DeploymentProgressing is True while a rollout makes progress or has
	// completed, and False once ProgressDeadlineSeconds passed without
	// progress.
	DeploymentProgressing DeploymentConditionType = "Progressing"
	// DeploymentReplicaFailure is True when a ReplicaSet could not create
	// or delete a pod (quota, admission).
	DeploymentReplicaFailure DeploymentConditionType = "ReplicaFailure"
)

// DeploymentCondition is one observation of a Deployment.
type DeploymentCondition struct {
	// Type is what the condition describes.
	Type DeploymentConditionType `json:"type"`
	// Status is True, False or Unknown.
	Status corev1.ConditionStatus `json:"status"`
	// LastUpdateTime is when the condition was last written.
	LastUpdateTime metav1.Time `json:"lastUpdateTime,omitempty,omitzero"`
	// LastTransitionTime is when Status last changed.
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty,omitzero"`
	// Reason is a CamelCase word for why (NewReplicaSetAvailable,
	// ProgressDeadlineExceeded, ...).
	Reason string `json:"reason,omitempty"`
	// Message explains Reason to a human.
	Message string `json:"message,omitempty"`
}

// DeploymentList is a list of Deployments.
type DeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the Deployments.
	Items []Deployment `json:"items"`
}
