package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Node is a machine that runs pods, registered and kept up to date by its
// node agent. It is cluster-scoped.
type Node struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Spec   NodeSpec   `json:"spec,omitempty,omitzero"`
	Status NodeStatus `json:"status,omitempty,omitzero"`
}

// NodeList is a list of nodes.
type NodeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []Node `json:"items"`
}

// NodeSpec is the configuration of a node.
type NodeSpec struct {
	// PodCIDR is the node's primary pod address range.
	PodCIDR string `json:"podCIDR,omitempty"`
	// PodCIDRs are the node's pod address ranges, one per IP family,
	// PodCIDR first.
	PodCIDRs []string `json:"podCIDRs,omitempty" patchStrategy:"merge"`
	// ProviderID is the cloud provider's ID of the machine
	// ("<provider>://<id>").
	ProviderID string `json:"providerID,omitempty"`
	// Unschedulable keeps new pods off the node (cordon).
	Unschedulable bool `json:"unschedulable,omitempty"`
	// Taints repel pods that do not tolerate them.
	Taints []Taint `json:"taints,omitempty"`
}

// NodeStatus is the observed state of a node, reported by its node agent.
type NodeStatus struct {
	// Capacity is the node's total resources.
	Capacity ResourceList `json:"capacity,omitempty"`
	// Allocatable is what is left for pods after system reservations.
	Allocatable ResourceList `json:"allocatable,omitempty"`
	// Phase is no longer set by Kubernetes and is kept for old clients.
	Phase NodePhase `json:"phase,omitempty"`
	// Conditions are the node's conditions, one per type.
	Conditions []NodeCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// Addresses are the node's addresses.
	Addresses []NodeAddress `json:"addresses,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// DaemonEndpoints are the node agent's endpoints.
	DaemonEndpoints NodeDaemonEndpoints `json:"daemonEndpoints,omitempty,omitzero"`
	// NodeInfo describes the machine and its software.
	NodeInfo NodeSystemInfo `json:"nodeInfo,omitempty,omitzero"`
	// Images are the container images present on the node.
	Images []ContainerImage `json:"images,omitempty"`
	// VolumesInUse are the attachable volumes mounted on the node.
	VolumesInUse []UniqueVolumeName `json:"volumesInUse,omitempty"`
	// VolumesAttached are the volumes attached to the node.
	VolumesAttached []AttachedVolume `json:"volumesAttached,omitempty"`
}

// NodePhase is the deprecated lifecycle phase of a node.
type NodePhase string

// The node phases.
const (
	NodePending    NodePhase = "Pending"
	NodeRunning    NodePhase = "Running"
	NodeTerminated NodePhase = "Terminated"
)

// NodeConditionType is the type of a node condition.
type NodeConditionType string

// The node condition types.
const (
	// NodeReady: the node agent is healthy and ready for pods. Unknown
	// when the node stopped reporting.
	NodeReady NodeConditionType = "Ready"
	// NodeMemoryPressure: available memory is low.
	NodeMemoryPressure NodeConditionType = "MemoryPressure"
	// NodeDiskPressure: free disk or inodes are low.
	NodeDiskPressure NodeConditionType = "DiskPressure"
	// NodePIDPressure: too many processes run.
	NodePIDPressure NodeConditionType = "PIDPressure"
	// NodeNetworkUnavailable: the node's network is not configured.
	NodeNetworkUnavailable NodeConditionType = "NetworkUnavailable"
)

// NodeCondition is one condition of a node. LastHeartbeatTime is when the
// node agent last reported it.
type NodeCondition struct {
	Type               NodeConditionType `json:"type"`
	Status             ConditionStatus   `json:"status"`
	LastHeartbeatTime  metav1.Time       `json:"lastHeartbeatTime,omitempty,omitzero"`
	LastTransitionTime metav1.Time       `json:"lastTransitionTime,omitempty,omitzero"`
	Reason             string            `json:"reason,omitempty"`
	Message            string            `json:"message,omitempty"`
}

// NodeAddressType is the kind of a node address.
type NodeAddressType string

// The node address types.
const (
	NodeHostName    NodeAddressType = "Hostname"
	NodeInternalIP  NodeAddressType = "InternalIP"
	NodeExternalIP  NodeAddressType = "ExternalIP"
	NodeInternalDNS NodeAddressType = "InternalDNS"
	NodeExternalDNS NodeAddressType = "ExternalDNS"
)

// NodeAddress is one address of a node.
type NodeAddress struct {
	Type    NodeAddressType `json:"type"`
	Address string          `json:"address"`
}

// NodeDaemonEndpoints are the endpoints of the daemons on a node.
type NodeDaemonEndpoints struct {
	KubeletEndpoint DaemonEndpoint `json:"kubeletEndpoint,omitempty,omitzero"`
}

// DaemonEndpoint is the port of a daemon. Its JSON key is "Port" with a
// capital P, as in Kubernetes, for compatibility with old releases.
type DaemonEndpoint struct {
	Port int32 `json:"Port"`
}

// NodeSystemInfo identifies a node's machine and software.
type NodeSystemInfo struct {
	// MachineID is /etc/machine-id.
	MachineID string `json:"machineID"`
	// SystemUUID is the hardware UUID (SMBIOS).
	SystemUUID string `json:"systemUUID"`
	// BootID changes on every boot.
	BootID string `json:"bootID"`
	// KernelVersion is `uname -r`.
	KernelVersion string `json:"kernelVersion"`
	// OSImage is the PRETTY_NAME of /etc/os-release.
	OSImage string `json:"osImage"`
	// ContainerRuntimeVersion is "<runtime>://<version>".
	ContainerRuntimeVersion string `json:"containerRuntimeVersion"`
	// KubeletVersion is the node agent's version.
	KubeletVersion string `json:"kubeletVersion"`
	// KubeProxyVersion is deprecated and may be empty.
	KubeProxyVersion string `json:"kubeProxyVersion"`
	// OperatingSystem is GOOS, such as "linux".
	OperatingSystem string `json:"operatingSystem"`
	// Architecture is GOARCH, such as "amd64".
	Architecture string `json:"architecture"`
}

// ContainerImage is an image on a node, with all its names (tags and
// digests).
type ContainerImage struct {
	Names     []string `json:"names"`
	SizeBytes int64    `json:"sizeBytes,omitempty"`
}

// UniqueVolumeName identifies an attachable volume on a node
// ("<plugin>/<volume>").
type UniqueVolumeName string

// AttachedVolume is a volume attached to a node, at DevicePath.
type AttachedVolume struct {
	Name       UniqueVolumeName `json:"name"`
	DevicePath string           `json:"devicePath"`
}
