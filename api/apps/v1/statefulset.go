package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// StatefulSet runs pods with stable identities: pod i is named
// "<name>-<i>", gets the DNS name "<name>-<i>.<serviceName>" and keeps
// the PersistentVolumeClaims made from VolumeClaimTemplates for its ordinal
// across rescheduling. Pods are created, updated and deleted in ordinal
// order unless PodManagementPolicy is Parallel.
type StatefulSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the desired state.
	Spec StatefulSetSpec `json:"spec,omitempty,omitzero"`
	// Status is the observed state, written by the statefulset controller.
	Status StatefulSetStatus `json:"status,omitempty,omitzero"`
}

// StatefulSetSpec is the desired state of a StatefulSet.
type StatefulSetSpec struct {
	// Replicas is the desired number of pods; nil means 1.
	Replicas *int32 `json:"replicas,omitempty"`
	// Selector selects the StatefulSet's pods; it must match
	// Template.Labels.
	Selector *metav1.LabelSelector `json:"selector"`
	// Template is the pod every replica is made from; its hostname and
	// volumes are set per ordinal.
	Template corev1.PodTemplateSpec `json:"template"`
	// VolumeClaimTemplates are the claims each pod gets, named
	// "<template name>-<statefulset name>-<ordinal>"; a template volume of
	// the same name mounts it.
	VolumeClaimTemplates []corev1.PersistentVolumeClaim `json:"volumeClaimTemplates,omitempty"`
	// ServiceName is the headless Service that gives the pods their DNS
	// names; it must exist before the StatefulSet.
	ServiceName string `json:"serviceName"`
	// PodManagementPolicy is OrderedReady or Parallel; empty means
	// OrderedReady.
	PodManagementPolicy PodManagementPolicyType `json:"podManagementPolicy,omitempty"`
	// UpdateStrategy is how a changed template replaces the running pods.
	UpdateStrategy StatefulSetUpdateStrategy `json:"updateStrategy,omitempty,omitzero"`
	// RevisionHistoryLimit is how many old ControllerRevisions to keep;
	// nil means 10.
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
	// MinReadySeconds is how long a new pod must be ready before it counts
	// as available.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// PersistentVolumeClaimRetentionPolicy says whether the claims made
	// from VolumeClaimTemplates are deleted with the StatefulSet or on
	// scale-down; nil means both are retained.
	PersistentVolumeClaimRetentionPolicy *StatefulSetPersistentVolumeClaimRetentionPolicy `json:"persistentVolumeClaimRetentionPolicy,omitempty"`
	// Ordinals sets the first ordinal; nil means 0.
	Ordinals *StatefulSetOrdinals `json:"ordinals,omitempty"`
}

// PodManagementPolicyType is how a StatefulSet orders pod creation and
// deletion.
type PodManagementPolicyType string

// The pod management policies.
const (
	// OrderedReadyPodManagement creates pods in ordinal order, each only
	// once the previous one is ready, and deletes them in reverse.
	OrderedReadyPodManagement PodManagementPolicyType = "OrderedReady"
	// ParallelPodManagement creates and deletes pods all at once, without
	// waiting for each other.
	ParallelPodManagement PodManagementPolicyType = "Parallel"
)

// StatefulSetUpdateStrategy is how a StatefulSet replaces its pods.
type StatefulSetUpdateStrategy struct {
	// Type is RollingUpdate or OnDelete; empty means RollingUpdate.
	Type StatefulSetUpdateStrategyType `json:"type,omitempty"`
	// RollingUpdate tunes a RollingUpdate; only for that type.
	RollingUpdate *RollingUpdateStatefulSetStrategy `json:"rollingUpdate,omitempty"`
}

// StatefulSetUpdateStrategyType names a StatefulSetUpdateStrategy.
type StatefulSetUpdateStrategyType string

// The StatefulSet update strategies. Kubernetes' alpha Recreate strategy
// is not carried.
const (
	// RollingUpdateStatefulSetStrategyType replaces pods one at a time, in
	// reverse ordinal order, down to Partition.
	RollingUpdateStatefulSetStrategyType StatefulSetUpdateStrategyType = "RollingUpdate"
	// OnDeleteStatefulSetStrategyType replaces a pod only when someone
	// deletes it.
	OnDeleteStatefulSetStrategyType StatefulSetUpdateStrategyType = "OnDelete"
)

// RollingUpdateStatefulSetStrategy tunes a StatefulSet rolling update.
type RollingUpdateStatefulSetStrategy struct {
	// Partition keeps pods with an ordinal below it on the old template,
	// for staged roll-outs; nil means 0.
	Partition *int32 `json:"partition,omitempty"`
	// MaxUnavailable is how many pods may be unavailable during the update,
	// a number or a percentage of Replicas (rounded up); nil means 1.
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
}

// PersistentVolumeClaimRetentionPolicyType is what happens to a
// StatefulSet's claims.
type PersistentVolumeClaimRetentionPolicyType string

// The claim retention policies.
const (
	// RetainPersistentVolumeClaimRetentionPolicyType keeps the claims.
	RetainPersistentVolumeClaimRetentionPolicyType PersistentVolumeClaimRetentionPolicyType = "Retain"
	// DeletePersistentVolumeClaimRetentionPolicyType deletes the claims.
	DeletePersistentVolumeClaimRetentionPolicyType PersistentVolumeClaimRetentionPolicyType = "Delete"
)

// StatefulSetPersistentVolumeClaimRetentionPolicy says what happens to the
// claims made from VolumeClaimTemplates.
type StatefulSetPersistentVolumeClaimRetentionPolicy struct {
	// WhenDeleted applies when the StatefulSet is deleted; empty means
	// Retain.
	WhenDeleted PersistentVolumeClaimRetentionPolicyType `json:"whenDeleted,omitempty"`
	// WhenScaled applies to the claims of pods removed by a scale-down;
	// empty means Retain.
	WhenScaled PersistentVolumeClaimRetentionPolicyType `json:"whenScaled,omitempty"`
}

// StatefulSetOrdinals numbers a StatefulSet's pods.
type StatefulSetOrdinals struct {
	// Start is the ordinal of the first pod: the pods are numbered
	// [Start, Start+Replicas).
	Start int32 `json:"start"`
}

// StatefulSetStatus is the observed state of a StatefulSet.
type StatefulSetStatus struct {
	// ObservedGeneration is the metadata.generation last acted on.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Replicas counts the pods the controller created.
	Replicas int32 `json:"replicas"`
	// ReadyReplicas counts the pods with a Ready condition.
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// CurrentReplicas counts the pods made from CurrentRevision.
	CurrentReplicas int32 `json:"currentReplicas,omitempty"`
	// UpdatedReplicas counts the pods made from UpdateRevision.
	UpdatedReplicas int32 `json:"updatedReplicas,omitempty"`
	// CurrentRevision names the ControllerRevision of the pods
	// [0, CurrentReplicas).
	CurrentRevision string `json:"currentRevision,omitempty"`
	// UpdateRevision names the ControllerRevision of the pods
	// [Replicas-UpdatedReplicas, Replicas).
	UpdateRevision string `json:"updateRevision,omitempty"`
	// CollisionCount is bumped when the hash of the template collides with
	// an existing ControllerRevision's, and is mixed into the next hash.
	CollisionCount *int32 `json:"collisionCount,omitempty"`
	// Conditions are the latest observations.
	Conditions []StatefulSetCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// AvailableReplicas counts the pods ready for at least MinReadySeconds.
	AvailableReplicas int32 `json:"availableReplicas"`
}

// StatefulSetConditionType names a StatefulSetCondition.
type StatefulSetConditionType string

// The StatefulSet conditions.
const (
	// StatefulSetProgressing reports whether a rollout progresses.
	StatefulSetProgressing StatefulSetConditionType = "Progressing"
)

// StatefulSetCondition is one observation of a StatefulSet.
type StatefulSetCondition struct {
	// Type is what the condition describes.
	Type StatefulSetConditionType `json:"type"`
	// Status is True, False or Unknown.
	Status corev1.ConditionStatus `json:"status"`
	// LastTransitionTime is when Status last changed.
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty,omitzero"`
	// Reason is a CamelCase word for why.
	Reason string `json:"reason,omitempty"`
	// Message explains Reason to a human.
	Message string `json:"message,omitempty"`
}

// StatefulSetList is a list of StatefulSets.
type StatefulSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the StatefulSets.
	Items []StatefulSet `json:"items"`
}
