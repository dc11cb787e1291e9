package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// StorageClass describes a class of dynamically provisioned volumes: the
// provisioner that creates them and its parameters. A
// PersistentVolumeClaim names one in spec.storageClassName. It is
// cluster-scoped; Provisioner, Parameters, ReclaimPolicy and
// VolumeBindingMode cannot be changed after creation.
type StorageClass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Provisioner names the volume plugin or CSI driver that provisions
	// the volumes ("hostpath.csi.k8s.io").
	Provisioner string `json:"provisioner"`
	// Parameters are passed to the provisioner as they are.
	Parameters map[string]string `json:"parameters,omitempty"`
	// ReclaimPolicy is given to the volumes provisioned: Delete or Retain;
	// nil means Delete.
	ReclaimPolicy *corev1.PersistentVolumeReclaimPolicy `json:"reclaimPolicy,omitempty"`
	// MountOptions are given to the volumes provisioned ("ro", "soft");
	// they are not validated, and a wrong one fails the mount.
	MountOptions []string `json:"mountOptions,omitempty"`
	// AllowVolumeExpansion says whether claims of this class may grow.
	AllowVolumeExpansion *bool `json:"allowVolumeExpansion,omitempty"`
	// VolumeBindingMode is when claims are provisioned and bound; nil
	// means Immediate.
	VolumeBindingMode *VolumeBindingMode `json:"volumeBindingMode,omitempty"`
	// AllowedTopologies restrict where volumes may be provisioned; empty
	// means anywhere. The keys are the provisioner's own.
	AllowedTopologies []corev1.TopologySelectorTerm `json:"allowedTopologies,omitempty"`
}

// VolumeBindingMode is when a PersistentVolumeClaim of a class is
// provisioned and bound.
type VolumeBindingMode string

// The volume binding modes.
const (
	// VolumeBindingImmediate provisions and binds a claim as soon as it is
	// created.
	VolumeBindingImmediate VolumeBindingMode = "Immediate"
	// VolumeBindingWaitForFirstConsumer waits until a pod using the claim
	// is scheduled, and provisions where the pod can run.
	VolumeBindingWaitForFirstConsumer VolumeBindingMode = "WaitForFirstConsumer"
)

// StorageClassList is a list of StorageClasses.
type StorageClassList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the StorageClasses.
	Items []StorageClass `json:"items"`
}
