// Package v1 holds the storage.k8s.io/v1 API group: StorageClass (how
// volumes are provisioned on demand), CSIDriver (what the cluster needs to
// know about an installed CSI driver), CSINode (the CSI drivers registered
// on a node) and VolumeAttachment (a request to attach a volume to a node,
// and its outcome).
//
// The JSON shapes are Kubernetes' own (k8s.io/api/storage/v1) for every
// field carried, so manifests written for Kubernetes decode into these
// types and encode back unchanged. As in api/meta/v1, struct-valued fields
// that Kubernetes tags omitempty are also tagged omitzero. Not carried: the
// CSIStorageCapacity and VolumeAttributesClass kinds, CSINode status, and
// the CSIDriver fields serviceAccountTokenInSecrets and
// preventPodSchedulingIfMissing.
//
// The package holds types and well-known keys; values returned by DeepCopy
// share nothing with the original, and the types hold no locks.
//
// Import it as storagev1.
//
// +kubebuilder:object:generate=true
package v1

// GroupName is the API group of every kind in this package.
const GroupName = "storage.k8s.io"

// Version is the API version of every kind in this package.
const Version = "v1"

// AnnotationIsDefaultStorageClass set to "true" on a StorageClass makes it
// the class of PersistentVolumeClaims that name none.
const AnnotationIsDefaultStorageClass = "storageclass.kubernetes.io/is-default-class"
