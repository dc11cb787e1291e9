package v1

// Well-known node labels, set by the node agent or the cloud provider and
// used as topology keys.
const (
	// LabelHostname is the node's host name.
	LabelHostname = "kubernetes.io/hostname"
	// LabelTopologyZone is the node's failure zone.
	LabelTopologyZone = "topology.kubernetes.io/zone"
	// LabelTopologyRegion is the node's region, a set of zones.
	LabelTopologyRegion = "topology.kubernetes.io/region"
	// LabelOSStable is the node's operating system (GOOS).
	LabelOSStable = "kubernetes.io/os"
	// LabelArchStable is the node's architecture (GOARCH).
	LabelArchStable = "kubernetes.io/arch"
	// LabelInstanceTypeStable is the node's machine type.
	LabelInstanceTypeStable = "node.kubernetes.io/instance-type"
	// LabelNodeExcludeBalancers removes the node from load balancer
	// backends.
	LabelNodeExcludeBalancers = "node.kubernetes.io/exclude-from-external-load-balancers"
	// LabelMetadataName is set on every namespace to its name, so that
	// namespace selectors can select by name.
	LabelMetadataName = "kubernetes.io/metadata.name"
	// IsHeadlessService labels the Endpoints and EndpointSlices generated
	// for a headless service.
	IsHeadlessService = "service.kubernetes.io/headless"
)

// Well-known node taint keys, set by the node controller and the node
// agent from node conditions and spec.unschedulable.
const (
	// TaintNodeNotReady: the Ready condition is False.
	TaintNodeNotReady = "node.kubernetes.io/not-ready"
	// TaintNodeUnreachable: the Ready condition is Unknown (the node
	// stopped reporting).
	TaintNodeUnreachable = "node.kubernetes.io/unreachable"
	// TaintNodeUnschedulable: spec.unschedulable is true.
	TaintNodeUnschedulable = "node.kubernetes.io/unschedulable"
	// TaintNodeMemoryPressure: the MemoryPressure condition is True.
	TaintNodeMemoryPressure = "node.kubernetes.io/memory-pressure"
	// TaintNodeDiskPressure: the DiskPressure condition is True.
	TaintNodeDiskPressure = "node.kubernetes.io/disk-pressure"
	// TaintNodeNetworkUnavailable: the NetworkUnavailable condition is
	// True.
	TaintNodeNetworkUnavailable = "node.kubernetes.io/network-unavailable"
	// TaintNodePIDPressure: the PIDPressure condition is True.
	TaintNodePIDPressure = "node.kubernetes.io/pid-pressure"
	// TaintNodeOutOfService: an administrator declared the node out of
	// service, so its pods may be force-deleted.
	TaintNodeOutOfService = "node.kubernetes.io/out-of-service"
)
