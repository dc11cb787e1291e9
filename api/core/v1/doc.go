// Package v1 holds the core API group ("v1", the group with an empty name):
// Pod and the types a pod is made of (Container, Volume, Probe, Affinity,
// Toleration, ...), Node, Namespace, Service, Endpoints, ConfigMap, Secret,
// ServiceAccount, PersistentVolume, PersistentVolumeClaim, Event,
// ResourceQuota, LimitRange and Binding, each with its List type, plus the
// references between objects (ObjectReference, LocalObjectReference,
// TypedLocalObjectReference) and PodTemplateSpec for the workload groups.
//
// Where to start: Pod (pod.go) for workloads, Node (node.go) for the
// scheduler and the node agent, Service and Endpoints (service.go) for the
// service proxy, ResourceList (resource.go) for resource amounts.
//
// The JSON shapes are Kubernetes' own (k8s.io/api/core/v1) for every field
// carried: the same field names, JSON tags, nesting, pointer-or-value choice
// and enum strings, so that a manifest written for Kubernetes decodes into
// these types and kubectl or client-go can read what Rigging writes. The
// package carries a subset of Kubernetes' fields: the in-tree cloud volume
// plugins (GCE, AWS, Azure, Cinder, ...), dynamic resource allocation and
// alpha fields are left out; decoding a manifest that uses them with unknown
// fields disallowed fails on that field by name.
//
// As in api/meta/v1, struct-valued fields that Kubernetes tags omitempty are
// also tagged omitzero, so that an absent status, resources or timestamp
// stays absent after a round trip instead of becoming {} or null. Every
// Kubernetes client decodes both forms the same way. One consequence for
// readers of kubectl output: a zero timestamp such as "lastProbeTime: null"
// is dropped when re-encoded.
//
// The package holds types only. Defaulting (for example restartPolicy
// Always, or imagePullPolicy IfNotPresent for an image with a tag other
// than latest) lives in api/defaults and validation in api/validation. The
// comments here state what each enum value means, and a default only where
// the API itself fixes it (what a nil pointer or a zero probe timing
// means).
//
// Every type has a generated deep copy (DeepCopy and DeepCopyInto, in
// zz_generated.deepcopy.go), produced by controller-gen from the marker
// below; regenerate it with `go generate ./api/...` after changing a type.
// A value returned by DeepCopy shares no memory with the original and may
// be modified freely. The types hold no locks: a value shared between
// goroutines must not be modified while any of them reads it.
//
// Import it as corev1, as Kubernetes code does.
//
// +kubebuilder:object:generate=true
package v1
