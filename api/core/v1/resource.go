package v1

import "github.com/rigging-dev/rigging/api/resource"

// ResourceName names a resource that pods request and nodes offer: "cpu",
// "memory", "ephemeral-storage", "pods", a hugepages size or an extended
// resource such as "example.com/gpu"; in a ResourceQuota it names a quota
// such as "requests.cpu" or "pods".
type ResourceName string

// String returns the name as text.
func (n ResourceName) String() string { return string(n) }

// The standard compute and storage resources.
const (
	// ResourceCPU is CPU in cores; "500m" is half a core.
	ResourceCPU ResourceName = "cpu"
	// ResourceMemory is memory in bytes ("128Mi").
	ResourceMemory ResourceName = "memory"
	// ResourceStorage is persistent volume size in bytes ("10Gi").
	ResourceStorage ResourceName = "storage"
	// ResourceEphemeralStorage is node-local scratch space in bytes.
	ResourceEphemeralStorage ResourceName = "ephemeral-storage"
	// ResourcePods is the number of pods a node can run, or a quota on the
	// number of pods in a namespace.
	ResourcePods ResourceName = "pods"
)

// The object-count and compute quotas of a ResourceQuota.
const (
	ResourceServices                 ResourceName = "services"
	ResourceReplicationControllers   ResourceName = "replicationcontrollers"
	ResourceQuotas                   ResourceName = "resourcequotas"
	ResourceSecrets                  ResourceName = "secrets"
	ResourceConfigMaps               ResourceName = "configmaps"
	ResourcePersistentVolumeClaims   ResourceName = "persistentvolumeclaims"
	ResourceServicesNodePorts        ResourceName = "services.nodeports"
	ResourceServicesLoadBalancers    ResourceName = "services.loadbalancers"
	ResourceRequestsCPU              ResourceName = "requests.cpu"
	ResourceRequestsMemory           ResourceName = "requests.memory"
	ResourceRequestsStorage          ResourceName = "requests.storage"
	ResourceRequestsEphemeralStorage ResourceName = "requests.ephemeral-storage"
	ResourceLimitsCPU                ResourceName = "limits.cpu"
	ResourceLimitsMemory             ResourceName = "limits.memory"
	ResourceLimitsEphemeralStorage   ResourceName = "limits.ephemeral-storage"
)

// Prefixes of resource names.
const (
	// ResourceDefaultNamespacePrefix is the prefix of resource names that
	// Kubernetes itself defines.
	ResourceDefaultNamespacePrefix = "kubernetes.io/"
	// ResourceHugePagesPrefix prefixes a hugepages resource of one page
	// size, such as "hugepages-2Mi".
	ResourceHugePagesPrefix = "hugepages-"
	// ResourceAttachableVolumesPrefix prefixes the count of volumes of one
	// plugin that a node can attach.
	ResourceAttachableVolumesPrefix = "attachable-volumes-"
	// ResourceRequestsHugePagesPrefix prefixes a hugepages quota.
	ResourceRequestsHugePagesPrefix = "requests.hugepages-"
	// DefaultResourceRequestsPrefix prefixes a quota on requests of an
	// extended resource.
	DefaultResourceRequestsPrefix = "requests."
)

// ResourceList maps resource names to amounts. Its JSON form is an object
// of quantity strings: {"cpu": "500m", "memory": "128Mi"}.
type ResourceList map[ResourceName]resource.Quantity

// Name returns a copy of the amount of name in rl, or a pointer to a zero
// Quantity when rl has no such entry (or rl is nil). The result never
// aliases rl: modifying it leaves rl unchanged.
func (rl ResourceList) Name(name ResourceName) *resource.Quantity {
	q, ok := rl[name]
	if !ok {
		return &resource.Quantity{}
	}
	c := q.DeepCopy()
	return &c
}

// Cpu returns a copy of the "cpu" amount, or zero when absent; see Name.
// The spelling is Kubernetes' own.
func (rl ResourceList) Cpu() *resource.Quantity { return rl.Name(ResourceCPU) }

// Memory returns a copy of the "memory" amount, or zero when absent; see
// Name.
func (rl ResourceList) Memory() *resource.Quantity { return rl.Name(ResourceMemory) }

// Storage returns a copy of the "storage" amount, or zero when absent; see
// Name.
func (rl ResourceList) Storage() *resource.Quantity { return rl.Name(ResourceStorage) }

// StorageEphemeral returns a copy of the "ephemeral-storage" amount, or
// zero when absent; see Name.
func (rl ResourceList) StorageEphemeral() *resource.Quantity {
	return rl.Name(ResourceEphemeralStorage)
}

// Pods returns a copy of the "pods" amount, or zero when absent; see Name.
func (rl ResourceList) Pods() *resource.Quantity { return rl.Name(ResourcePods) }

// ResourceRequirements are a container's resource requests (what the
// scheduler reserves) and limits (what the runtime enforces).
type ResourceRequirements struct {
	Limits   ResourceList `json:"limits,omitempty"`
	Requests ResourceList `json:"requests,omitempty"`
}

// VolumeResourceRequirements are the storage a PersistentVolumeClaim
// requests and the most it may grow to.
type VolumeResourceRequirements struct {
	Limits   ResourceList `json:"limits,omitempty"`
	Requests ResourceList `json:"requests,omitempty"`
}
