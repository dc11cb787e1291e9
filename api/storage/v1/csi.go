package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// CSIDriver tells the cluster how to use an installed CSI driver: whether
// volumes need an attach step, what the kubelet passes on mount. Its name
// is the driver's name as CSI GetPluginName returns it. It is
// cluster-scoped; a driver without one gets the defaults below.
type CSIDriver struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the driver's behaviour.
	Spec CSIDriverSpec `json:"spec"`
}

// CSIDriverSpec is the behaviour of a CSI driver.
type CSIDriverSpec struct {
	// AttachRequired says the driver implements ControllerPublishVolume,
	// so volumes wait for a VolumeAttachment to report attached before
	// mounting; nil means true. Immutable.
	AttachRequired *bool `json:"attachRequired,omitempty"`
	// PodInfoOnMount makes the kubelet pass the pod's name, namespace, UID
	// and whether the volume is ephemeral in the volume context of
	// NodePublishVolume ("csi.storage.k8s.io/pod.name", ...); nil means
	// false.
	PodInfoOnMount *bool `json:"podInfoOnMount,omitempty"`
	// VolumeLifecycleModes are the kinds of volume the driver serves;
	// empty means Persistent only. Immutable.
	VolumeLifecycleModes []VolumeLifecycleMode `json:"volumeLifecycleModes,omitempty"`
	// StorageCapacity makes the scheduler consider the capacity the driver
	// publishes in CSIStorageCapacity objects; nil means false.
	StorageCapacity *bool `json:"storageCapacity,omitempty"`
	// FSGroupPolicy says whether the kubelet may change the ownership and
	// permissions of volumes to a pod's fsGroup; nil means
	// ReadWriteOnceWithFSType.
	FSGroupPolicy *FSGroupPolicy `json:"fsGroupPolicy,omitempty"`
	// TokenRequests make the kubelet pass service account tokens for
	// these audiences in NodePublishVolume, under
	// "csi.storage.k8s.io/serviceAccount.tokens".
	TokenRequests []TokenRequest `json:"tokenRequests,omitempty"`
	// RequiresRepublish makes the kubelet call NodePublishVolume
	// periodically, to refresh the contents (tokens) of mounted volumes;
	// nil means false.
	RequiresRepublish *bool `json:"requiresRepublish,omitempty"`
	// SELinuxMount says the driver can mount each volume with its own
	// "-o context" option; nil means false.
	SELinuxMount *bool `json:"seLinuxMount,omitempty"`
	// NodeAllocatableUpdatePeriodSeconds, when set (at least 10), makes
	// the kubelet refresh the driver's allocatable count in CSINode at
	// this interval and after capacity failures; nil keeps it static.
	NodeAllocatableUpdatePeriodSeconds *int64 `json:"nodeAllocatableUpdatePeriodSeconds,omitempty"`
}

// FSGroupPolicy is whether the kubelet changes volume ownership to a pod's
// fsGroup.
type FSGroupPolicy string

// The fsGroup policies.
const (
	// ReadWriteOnceWithFSTypeFSGroupPolicy applies fsGroup only to volumes
	// with an fsType and a ReadWriteOnce or ReadWriteOncePod access mode.
	ReadWriteOnceWithFSTypeFSGroupPolicy FSGroupPolicy = "ReadWriteOnceWithFSType"
	// FileFSGroupPolicy always applies fsGroup, to every file.
	FileFSGroupPolicy FSGroupPolicy = "File"
	// NoneFSGroupPolicy never changes ownership or permissions.
	NoneFSGroupPolicy FSGroupPolicy = "None"
)

// VolumeLifecycleMode is a kind of volume a CSI driver serves.
type VolumeLifecycleMode string

// The volume lifecycle modes.
const (
	// VolumeLifecyclePersistent volumes are PersistentVolumes, living
	// independently of the pods that use them.
	VolumeLifecyclePersistent VolumeLifecycleMode = "Persistent"
	// VolumeLifecycleEphemeral volumes are declared inline in a pod and
	// live and die with it.
	VolumeLifecycleEphemeral VolumeLifecycleMode = "Ephemeral"
)

// TokenRequest asks for a service account token for an audience.
type TokenRequest struct {
	// Audience is the token's audience; "" means the API server's.
	Audience string `json:"audience"`
	// ExpirationSeconds is the token's lifetime; nil means that of the
	// kubelet's token requests (one hour).
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
}

// CSIDriverList is a list of CSIDrivers.
type CSIDriverList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the CSIDrivers.
	Items []CSIDriver `json:"items"`
}

// CSINode lists the CSI drivers installed on a node; the kubelet writes
// it as drivers register. Its name is the node's, and the node owns it.
type CSINode struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the registered drivers.
	Spec CSINodeSpec `json:"spec"`
}

// CSINodeSpec is the CSI drivers of a node.
type CSINodeSpec struct {
	// Drivers are the registered drivers; a driver not listed is not
	// installed (or not yet registered).
	Drivers []CSINodeDriver `json:"drivers"`
}

// CSINodeDriver is one CSI driver on a node.
type CSINodeDriver struct {
	// Name is the driver's name, as CSI GetPluginName returns it.
	Name string `json:"name"`
	// NodeID is the driver's name for the node, passed in attach calls.
	NodeID string `json:"nodeID"`
	// TopologyKeys are the topology label keys the driver reports on the
	// node ("topology.hostpath.csi/node"); empty when it has none.
	TopologyKeys []string `json:"topologyKeys"`
	// Allocatable is how many of the driver's volumes the node can take.
	Allocatable *VolumeNodeResources `json:"allocatable,omitempty"`
}

// VolumeNodeResources are the volume limits of a driver on a node.
type VolumeNodeResources struct {
	// Count is the most volumes of the driver the node can use at once;
	// nil means no limit.
	Count *int32 `json:"count,omitempty"`
}

// CSINodeList is a list of CSINodes.
type CSINodeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the CSINodes.
	Items []CSINode `json:"items"`
}
