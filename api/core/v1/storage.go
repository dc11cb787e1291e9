package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// PersistentVolume is a piece of storage in the cluster, provisioned by an
// administrator or dynamically through a StorageClass, that one claim at a
// time binds to. It is cluster-scoped.
type PersistentVolume struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Spec   PersistentVolumeSpec   `json:"spec,omitempty,omitzero"`
	Status PersistentVolumeStatus `json:"status,omitempty,omitzero"`
}

// PersistentVolumeList is a list of persistent volumes.
type PersistentVolumeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []PersistentVolume `json:"items"`
}

// PersistentVolumeSpec is the description of a persistent volume.
type PersistentVolumeSpec struct {
	// Capacity is the volume's size ("storage").
	Capacity ResourceList `json:"capacity,omitempty"`
	// PersistentVolumeSource is where the storage is; exactly one field
	// is set.
	PersistentVolumeSource `json:",inline"`
	// AccessModes are the ways the volume can be mounted.
	AccessModes []PersistentVolumeAccessMode `json:"accessModes,omitempty"`
	// ClaimRef is the claim bound to the volume, or reserving it.
	ClaimRef *ObjectReference `json:"claimRef,omitempty"`
	// PersistentVolumeReclaimPolicy says what happens to the volume when
	// its claim is deleted.
	PersistentVolumeReclaimPolicy PersistentVolumeReclaimPolicy `json:"persistentVolumeReclaimPolicy,omitempty"`
	// StorageClassName is the class the volume belongs to; only claims of
	// that class bind to it. Empty means no class.
	StorageClassName string `json:"storageClassName,omitempty"`
	// MountOptions are passed to mount as they are.
	MountOptions []string `json:"mountOptions,omitempty"`
	// VolumeMode is Filesystem (when nil) or Block.
	VolumeMode *PersistentVolumeMode `json:"volumeMode,omitempty"`
	// NodeAffinity limits the nodes that can reach the volume.
	NodeAffinity *VolumeNodeAffinity `json:"nodeAffinity,omitempty"`
	// VolumeAttributesClassName names the VolumeAttributesClass of the
	// volume.
	VolumeAttributesClassName *string `json:"volumeAttributesClassName,omitempty"`
}

// PersistentVolumeSource is where a persistent volume's storage is;
// exactly one field is set.
type PersistentVolumeSource struct {
	// HostPath is a path on one node, for single-node clusters and tests.
	HostPath *HostPathVolumeSource `json:"hostPath,omitempty"`
	// NFS is an NFS export.
	NFS *NFSVolumeSource `json:"nfs,omitempty"`
	// Local is a disk, partition or directory on one node; NodeAffinity
	// must name the node.
	Local *LocalVolumeSource `json:"local,omitempty"`
	// CSI is a volume of a CSI driver.
	CSI *CSIPersistentVolumeSource `json:"csi,omitempty"`
}

// LocalVolumeSource is storage local to one node. FSType applies to a
// block device only; nil means the node's default filesystem.
type LocalVolumeSource struct {
	Path   string  `json:"path"`
	FSType *string `json:"fsType,omitempty"`
}

// CSIPersistentVolumeSource is a volume managed by a CSI driver.
type CSIPersistentVolumeSource struct {
	// Driver is the CSI driver's name.
	Driver string `json:"driver"`
	// VolumeHandle is the driver's ID of the volume.
	VolumeHandle string `json:"volumeHandle"`
	// ReadOnly is passed to ControllerPublishVolume.
	ReadOnly bool `json:"readOnly,omitempty"`
	// FSType is the filesystem to mount.
	FSType string `json:"fsType,omitempty"`
	// VolumeAttributes are the driver's attributes of the volume.
	VolumeAttributes map[string]string `json:"volumeAttributes,omitempty"`
	// ControllerPublishSecretRef names the Secret for
	// ControllerPublishVolume and ControllerUnpublishVolume.
	ControllerPublishSecretRef *SecretReference `json:"controllerPublishSecretRef,omitempty"`
	// NodeStageSecretRef names the Secret for NodeStageVolume and
	// NodeUnstageVolume.
	NodeStageSecretRef *SecretReference `json:"nodeStageSecretRef,omitempty"`
	// NodePublishSecretRef names the Secret for NodePublishVolume and
	// NodeUnpublishVolume.
	NodePublishSecretRef *SecretReference `json:"nodePublishSecretRef,omitempty"`
	// ControllerExpandSecretRef names the Secret for
	// ControllerExpandVolume.
	ControllerExpandSecretRef *SecretReference `json:"controllerExpandSecretRef,omitempty"`
	// NodeExpandSecretRef names the Secret for NodeExpandVolume.
	NodeExpandSecretRef *SecretReference `json:"nodeExpandSecretRef,omitempty"`
}

// VolumeNodeAffinity limits the nodes a volume can be used from.
type VolumeNodeAffinity struct {
	Required *NodeSelector `json:"required,omitempty"`
}

// PersistentVolumeAccessMode is a way a volume can be mounted.
type PersistentVolumeAccessMode string

// The access modes.
const (
	// ReadWriteOnce: read-write by the pods of one node.
	ReadWriteOnce PersistentVolumeAccessMode = "ReadWriteOnce"
	// ReadOnlyMany: read-only by many nodes.
	ReadOnlyMany PersistentVolumeAccessMode = "ReadOnlyMany"
	// ReadWriteMany: read-write by many nodes.
	ReadWriteMany PersistentVolumeAccessMode = "ReadWriteMany"
	// ReadWriteOncePod: read-write by a single pod.
	ReadWriteOncePod PersistentVolumeAccessMode = "ReadWriteOncePod"
)

// PersistentVolumeReclaimPolicy says what happens to a volume released by
// its claim.
type PersistentVolumeReclaimPolicy string

// The reclaim policies.
const (
	// PersistentVolumeReclaimRecycle scrubs the volume and makes it
	// Available again. Deprecated in Kubernetes.
	PersistentVolumeReclaimRecycle PersistentVolumeReclaimPolicy = "Recycle"
	// PersistentVolumeReclaimDelete deletes the volume and its storage.
	PersistentVolumeReclaimDelete PersistentVolumeReclaimPolicy = "Delete"
	// PersistentVolumeReclaimRetain leaves the volume Released for an
	// administrator to handle.
	PersistentVolumeReclaimRetain PersistentVolumeReclaimPolicy = "Retain"
)

// PersistentVolumeMode is how a volume is presented to containers.
type PersistentVolumeMode string

// The volume modes.
const (
	// PersistentVolumeBlock presents a raw block device.
	PersistentVolumeBlock PersistentVolumeMode = "Block"
	// PersistentVolumeFilesystem presents a mounted filesystem.
	PersistentVolumeFilesystem PersistentVolumeMode = "Filesystem"
)

// PersistentVolumeStatus is the observed state of a persistent volume.
type PersistentVolumeStatus struct {
	Phase   PersistentVolumePhase `json:"phase,omitempty"`
	Message string                `json:"message,omitempty"`
	Reason  string                `json:"reason,omitempty"`
	// LastPhaseTransitionTime is when Phase last changed.
	LastPhaseTransitionTime *metav1.Time `json:"lastPhaseTransitionTime,omitempty"`
}

// PersistentVolumePhase is where a persistent volume is in its lifecycle.
type PersistentVolumePhase string

// The persistent volume phases.
const (
	// VolumePending: not yet available.
	VolumePending PersistentVolumePhase = "Pending"
	// VolumeAvailable: free, not bound to a claim.
	VolumeAvailable PersistentVolumePhase = "Available"
	// VolumeBound: bound to a claim.
	VolumeBound PersistentVolumePhase = "Bound"
	// VolumeReleased: its claim was deleted; not yet reclaimed.
	VolumeReleased PersistentVolumePhase = "Released"
	// VolumeFailed: automatic reclamation failed.
	VolumeFailed PersistentVolumePhase = "Failed"
)

// PersistentVolumeClaim is a user's request for storage, bound to one
// persistent volume that satisfies it.
type PersistentVolumeClaim struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Spec   PersistentVolumeClaimSpec   `json:"spec,omitempty,omitzero"`
	Status PersistentVolumeClaimStatus `json:"status,omitempty,omitzero"`
}

// PersistentVolumeClaimList is a list of persistent volume claims.
type PersistentVolumeClaimList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []PersistentVolumeClaim `json:"items"`
}

// PersistentVolumeClaimSpec is what a claim asks for.
type PersistentVolumeClaimSpec struct {
	// AccessModes are the ways the claimant will mount the volume.
	AccessModes []PersistentVolumeAccessMode `json:"accessModes,omitempty"`
	// Selector restricts binding to volumes with matching labels.
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
	// Resources are the minimum size requested and the limit for growth.
	Resources VolumeResourceRequirements `json:"resources,omitempty,omitzero"`
	// VolumeName binds the claim to this volume.
	VolumeName string `json:"volumeName,omitempty"`
	// StorageClassName is the class requested; nil means the default
	// class, and "" means no class.
	StorageClassName *string `json:"storageClassName,omitempty"`
	// VolumeMode is Filesystem (when nil) or Block.
	VolumeMode *PersistentVolumeMode `json:"volumeMode,omitempty"`
	// DataSource populates the new volume from a VolumeSnapshot or
	// another claim in the same namespace.
	DataSource *TypedLocalObjectReference `json:"dataSource,omitempty"`
	// DataSourceRef populates the new volume from any populator object,
	// possibly in another namespace.
	DataSourceRef *TypedObjectReference `json:"dataSourceRef,omitempty"`
	// VolumeAttributesClassName names the VolumeAttributesClass requested.
	VolumeAttributesClassName *string `json:"volumeAttributesClassName,omitempty"`
}

// PersistentVolumeClaimStatus is the observed state of a claim.
type PersistentVolumeClaimStatus struct {
	Phase PersistentVolumeClaimPhase `json:"phase,omitempty"`
	// AccessModes are the access modes of the bound volume.
	AccessModes []PersistentVolumeAccessMode `json:"accessModes,omitempty"`
	// Capacity is the size of the bound volume.
	Capacity   ResourceList                     `json:"capacity,omitempty"`
	Conditions []PersistentVolumeClaimCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// AllocatedResources is the size being expanded to.
	AllocatedResources ResourceList `json:"allocatedResources,omitempty"`
	// AllocatedResourceStatuses tracks expansion per resource.
	AllocatedResourceStatuses map[ResourceName]ClaimResourceStatus `json:"allocatedResourceStatuses,omitempty"`
	// CurrentVolumeAttributesClassName is the class the volume has now.
	CurrentVolumeAttributesClassName *string `json:"currentVolumeAttributesClassName,omitempty"`
}

// PersistentVolumeClaimPhase is where a claim is in its lifecycle.
type PersistentVolumeClaimPhase string

// The claim phases.
const (
	// ClaimPending: not yet bound.
	ClaimPending PersistentVolumeClaimPhase = "Pending"
	// ClaimBound: bound to a volume.
	ClaimBound PersistentVolumeClaimPhase = "Bound"
	// ClaimLost: its bound volume is gone.
	ClaimLost PersistentVolumeClaimPhase = "Lost"
)

// PersistentVolumeClaimConditionType is the type of a claim condition.
type PersistentVolumeClaimConditionType string

// The claim condition types.
const (
	// PersistentVolumeClaimResizing: the controller is expanding the
	// volume.
	PersistentVolumeClaimResizing PersistentVolumeClaimConditionType = "Resizing"
	// PersistentVolumeClaimFileSystemResizePending: the node must still
	// grow the filesystem.
	PersistentVolumeClaimFileSystemResizePending PersistentVolumeClaimConditionType = "FileSystemResizePending"
	// PersistentVolumeClaimControllerResizeError: controller expansion
	// failed.
	PersistentVolumeClaimControllerResizeError PersistentVolumeClaimConditionType = "ControllerResizeError"
	// PersistentVolumeClaimNodeResizeError: node expansion failed.
	PersistentVolumeClaimNodeResizeError PersistentVolumeClaimConditionType = "NodeResizeError"
)

// ClaimResourceStatus is the expansion state of one resource of a claim.
type ClaimResourceStatus string

// The expansion states.
const (
	PersistentVolumeClaimControllerResizeInProgress ClaimResourceStatus = "ControllerResizeInProgress"
	PersistentVolumeClaimControllerResizeInfeasible ClaimResourceStatus = "ControllerResizeInfeasible"
	PersistentVolumeClaimNodeResizePending          ClaimResourceStatus = "NodeResizePending"
	PersistentVolumeClaimNodeResizeInProgress       ClaimResourceStatus = "NodeResizeInProgress"
	PersistentVolumeClaimNodeResizeInfeasible       ClaimResourceStatus = "NodeResizeInfeasible"
)

// PersistentVolumeClaimCondition is one condition of a claim.
type PersistentVolumeClaimCondition struct {
	Type               PersistentVolumeClaimConditionType `json:"type"`
	Status             ConditionStatus                    `json:"status"`
	LastProbeTime      metav1.Time                        `json:"lastProbeTime,omitempty,omitzero"`
	LastTransitionTime metav1.Time                        `json:"lastTransitionTime,omitempty,omitzero"`
	Reason             string                             `json:"reason,omitempty"`
	Message            string                             `json:"message,omitempty"`
}
