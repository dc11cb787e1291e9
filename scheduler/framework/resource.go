package framework

import (
	"maps"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// The requests the scoring plugins assume for a container that does not
// request CPU or memory, as in Kubernetes: 0.1 core and 200 MiB. Filtering
// uses the real requests; only NonZeroRequested and scoring use these.
const (
	DefaultMilliCPURequest int64 = 100
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024
)

// Resource is an amount of each compute resource, in the units the
// scheduler compares: MilliCPU in thousandths of a core, Memory and
// EphemeralStorage in bytes, AllowedPodNumber in pods, and every scalar
// resource (extended resources such as "example.com/gpu", hugepages,
// attachable volumes) by its integer value.
//
// A Resource is a plain value owned by whoever built it; NodeInfo's
// Resources are read-only for plugins.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	// AllowedPodNumber is the node's "pods" capacity; in a pod's request it
	// stays 0.
	AllowedPodNumber int
	// ScalarResources maps each scalar resource to its amount; nil when
	// there are none.
	ScalarResources map[corev1.ResourceName]int64
}

// NewResource returns the Resource of a ResourceList (a node's allocatable
// or a container's requests). Resources that are neither the four standard
// ones nor scalar (see IsScalarResourceName) are ignored.
func NewResource(rl corev1.ResourceList) *Resource {
	r := &Resource{}
	r.Add(rl)
	return r
}

// Add adds each amount of rl to r.
func (r *Resource) Add(rl corev1.ResourceList) {
	for name, q := range rl {
		switch name {
		case corev1.ResourceCPU:
			r.MilliCPU += q.MilliValue()
		case corev1.ResourceMemory:
			r.Memory += q.Value()
		case corev1.ResourcePods:
			r.AllowedPodNumber += int(q.Value())
		case corev1.ResourceEphemeralStorage:
			r.EphemeralStorage += q.Value()
		default:
			if IsScalarResourceName(name) {
				r.AddScalar(name, q.Value())
			}
		}
	}
}

// AddResource adds every amount of o to r.
func (r *Resource) AddResource(o *Resource) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
	r.EphemeralStorage += o.EphemeralStorage
	r.AllowedPodNumber += o.AllowedPodNumber
	for name, v := range o.ScalarResources {
		r.AddScalar(name, v)
	}
}

// SubResource subtracts every amount of o from r.
func (r *Resource) SubResource(o *Resource) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
	r.EphemeralStorage -= o.EphemeralStorage
	r.AllowedPodNumber -= o.AllowedPodNumber
	for name, v := range o.ScalarResources {
		r.AddScalar(name, -v)
	}
}

// SetMaxResource raises each amount of r to that of o where o's is larger.
func (r *Resource) SetMaxResource(o *Resource) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, o.EphemeralStorage)
	r.AllowedPodNumber = max(r.AllowedPodNumber, o.AllowedPodNumber)
	for name, v := range o.ScalarResources {
		if cur, ok := r.ScalarResources[name]; !ok || v > cur {
			r.SetScalar(name, v)
		}
	}
}

// AddScalar adds quantity to the scalar resource name.
func (r *Resource) AddScalar(name corev1.ResourceName, quantity int64) {
	r.SetScalar(name, r.ScalarResources[name]+quantity)
}

// SetScalar sets the scalar resource name to quantity.
func (r *Resource) SetScalar(name corev1.ResourceName, quantity int64) {
	if r.ScalarResources == nil {
		r.ScalarResources = make(map[corev1.ResourceName]int64)
	}
	r.ScalarResources[name] = quantity
}

// Clone returns a deep copy of r.
func (r *Resource) Clone() *Resource {
	c := *r
	if r.ScalarResources != nil {
		c.ScalarResources = maps.Clone(r.ScalarResources)
	}
	return &c
}

// IsScalarResourceName reports whether the scheduler counts name as a
// scalar resource: an extended resource (a domain-prefixed name outside
// kubernetes.io/, such as "example.com/gpu"), a hugepages size, a
// kubernetes.io/-prefixed native resource, or an attachable-volumes count.
func IsScalarResourceName(name corev1.ResourceName) bool {
	s := string(name)
	return IsExtendedResourceName(name) ||
		strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) ||
		strings.Contains(s, corev1.ResourceDefaultNamespacePrefix) ||
		strings.HasPrefix(s, corev1.ResourceAttachableVolumesPrefix)
}

// IsExtendedResourceName reports whether name is an extended resource: it
// contains a "/", is not in the kubernetes.io/ domain, and does not start
// with "requests." (which names a quota).
func IsExtendedResourceName(name corev1.ResourceName) bool {
	s := string(name)
	if !strings.Contains(s, "/") || strings.Contains(s, corev1.ResourceDefaultNamespacePrefix) {
		return false
	}
	return !strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix)
}

// podResource is what a pod requests, computed once per PodInfo.
type podResource struct {
	resource Resource
	non0CPU  int64
	non0Mem  int64
}

// computePodResource returns the pod's effective requests as Kubernetes
// computes them: the sum over containers and restartable (sidecar) init
// containers, at least the largest of the init containers (each plus the
// sidecars started before it), plus the pod overhead. non0CPU and non0Mem
// are the same sums with DefaultMilliCPURequest and DefaultMemoryRequest in
// place of each missing (not merely zero) CPU or memory request.
func computePodResource(pod *corev1.Pod) podResource {
	var reqs, non0 Resource
	for i := range pod.Spec.Containers {
		r, n := containerRequests(&pod.Spec.Containers[i])
		reqs.AddResource(&r)
		non0.AddResource(&n)
	}
	var sidecars, sidecarsN, initMax, initMaxN Resource
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		r, n := containerRequests(c)
		var cur, curN Resource
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			reqs.AddResource(&r)
			non0.AddResource(&n)
			sidecars.AddResource(&r)
			sidecarsN.AddResource(&n)
			cur, curN = *sidecars.Clone(), *sidecarsN.Clone()
		} else {
			cur, curN = r, n
			cur.AddResource(&sidecars)
			curN.AddResource(&sidecarsN)
		}
		initMax.SetMaxResource(&cur)
		initMaxN.SetMaxResource(&curN)
	}
	reqs.SetMaxResource(&initMax)
	non0.SetMaxResource(&initMaxN)
	if len(pod.Spec.Overhead) > 0 {
		reqs.Add(pod.Spec.Overhead)
		non0.Add(pod.Spec.Overhead)
	}
	return podResource{resource: reqs, non0CPU: non0.MilliCPU, non0Mem: non0.Memory}
}

// containerRequests returns a container's requests, and the same with the
// non-zero defaults for missing CPU and memory.
func containerRequests(c *corev1.Container) (r, non0 Resource) {
	r.Add(c.Resources.Requests)
	non0 = r
	if r.ScalarResources != nil {
		non0.ScalarResources = maps.Clone(r.ScalarResources)
	}
	if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
		non0.MilliCPU = DefaultMilliCPURequest
	}
	if _, ok := c.Resources.Requests[corev1.ResourceMemory]; !ok {
		non0.Memory = DefaultMemoryRequest
	}
	return r, non0
}
