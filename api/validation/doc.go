// Package validation checks API objects as the Kubernetes API server
// validates them on create and update, and reports every problem as a
// field.Error that prints exactly as Kubernetes prints it:
//
//	spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive
//
// Where to start: Object and ObjectUpdate dispatch on the Go type of any
// object of api/core/v1, api/apps/v1, api/discovery/v1, api/storage/v1,
// api/networking/v1, api/autoscaling/v2, api/coordination/v1, api/rbac/v1
// and api/scheduling/v1 (and their List types). Each kind also has its own
// function named for it: Pod, PodUpdate, Deployment, DeploymentUpdate,
// Service, ... and the building blocks that other packages reuse are
// exported too: ObjectMeta, ObjectMetaUpdate, PodSpec, PodTemplateSpec,
// LabelSelector and the name rules (NameIsDNSSubdomain, NameIsDNSLabel,
// NameIsDNS1035Label, NameIsPathSegment).
//
// # Contract
//
// Validation checks what defaulting leaves. Callers default an object first
// (api/defaults), as the API server does before it validates: an object
// that relies on defaults, such as a container without
// terminationMessagePolicy or a service port without protocol, is reported
// with "Required value" errors when it is validated as it was written.
// Un-defaulted and otherwise arbitrary input never makes a function panic:
// nil pointers, nil objects and empty lists are reported or skipped, never
// dereferenced.
//
// The functions are pure: they read their arguments, never modify them,
// and are safe for concurrent use. The returned list is nil or empty when
// the object is valid; the caller owns it.
//
// Validating a valid object is cheap: field paths are built on the stack
// and printed only for the errors reported, so a defaulted pod such as the
// one bench/apiserver creates costs 2 allocations (BenchmarkValidatePod).
//
// # Fidelity
//
// The rules and message texts are Kubernetes' own (k8s.io/kubernetes
// pkg/apis/*/validation and k8s.io/apimachinery pkg/api/validation, around
// release 1.31 to 1.34) for the fields Rigging carries, with the feature
// gates of a current cluster: relaxed environment variable names (any
// printable ASCII but "="), sidecar init containers, status.hostIPs in the
// downward API, the PreferSameZone and PreferSameNode traffic
// distributions. Kubernetes' quirks are kept where users may match on them:
// a few misspelled or oddly placed paths ("spec.volumes[0].downwarAPI",
// "spec.LoadBalancerSourceRanges", "metadata.taints", sub path errors under
// "volumeMounts" rather than "volumeMounts[i]") are reported exactly where
// Kubernetes reports them. The differences, each chosen deliberately:
//
//   - Errors come out in a deterministic order: map keys (labels,
//     annotations, resource lists, config data) are visited sorted, where
//     Kubernetes visits them in random order.
//   - A struct given as a bad value prints as the JSON of Rigging's v1
//     type ({"key":"a","effect":"NoSchedule"}), where Kubernetes prints its
//     internal type; times print as RFC 3339 text, as Kubernetes does.
//   - The detail of "pod updates may not change fields other than ..." and
//     the other "immutable after creation" errors lists the changed fields
//     as "- path: old" and "+ path: new" lines instead of a go-cmp diff,
//     whose output is deliberately unstable. Resources cannot be resized
//     in place, so they are not among the fields a pod update may change.
//   - StatefulSet pod templates are validated like the other workloads',
//     with each volumeClaimTemplate counted as a volume of the pod;
//     Kubernetes validates only their labels and annotations.
//   - Update functions report an error once even when both the update
//     rules and the re-validation of the new object find it.
//   - Checks that need cluster state or configuration are left to
//     admission: quota, whether privileged containers are allowed, node
//     port ranges, and the scope of an event's involved object (which
//     Kubernetes looked up in its RESTMapper).
//
// As in Kubernetes, a negative terminationGracePeriodSeconds is not an
// error (a pod update may set a negative one to 1), and an un-defaulted
// probe fails "successThreshold: must be 1".
package validation
