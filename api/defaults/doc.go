// Package defaults fills in the fields of API objects that Kubernetes fills
// in when it stores them: a pod's restartPolicy Always, a deployment's
// rolling update of 25%, a service's type ClusterIP, and so on, with
// Kubernetes' own values and rules (k8s.io/kubernetes/pkg/apis/*/v1
// defaults), for every field Rigging's API types carry. An API server
// applies them to what a client sends before validating and storing it;
// controllers and tests apply them to objects they build, so that those
// compare equal to what the server would store.
//
// Where to start: Object, which takes a pointer to any kind of Rigging's
// API groups (or its List) and calls the function named for the kind: Pod,
// Service, Deployment, StatefulSet, HorizontalPodAutoscaler, ... PodSpec
// applies the pod defaults that the pod templates of workloads get too.
// Each function's documentation lists the fields it fills in and their
// values.
//
// # Contract
//
// Every function sets only fields that are unset, as Kubernetes judges
// them: an empty string, a nil pointer or map, an empty list where the API
// treats it as absent (a network policy's policyTypes, an autoscaler's
// metrics), or a zero number where the API gives zero no meaning (probe
// timings, a service's targetPort). A value the user set is kept, however
// unusual, and left for validation to judge. Applying a function twice
// gives the same object as applying it once. Each function accepts a
// partially filled object (nil pointers, nil maps, empty lists, a nil
// argument) without panicking.
//
// Kubernetes' defaulting changes three things a user may have set, and so
// does this package:
//
//   - Resource amounts in every ResourceList (container requests and
//     limits, pod overhead, node capacity and allocatable, claim and
//     volume sizes, quotas and limit ranges) are rounded up, away from
//     zero, to a whole number of thousandths: "0.5m" of CPU is stored as
//     "1m". An amount that is already whole in thousandths keeps its exact
//     form.
//   - A namespace's label "kubernetes.io/metadata.name" is always set to
//     the namespace's name, so namespace selectors can rely on it.
//   - A service's sessionAffinityConfig is cleared when sessionAffinity is
//     None, where it means nothing.
//
// # Not defaults
//
// Some fields that look defaulted in a stored object are set elsewhere in
// Kubernetes, and are left alone here: a service's clusterIPs, ipFamilies
// and ipFamilyPolicy are allocated when the API server creates it, as is
// a namespace's "kubernetes" finalizer; a pod's serviceAccountName,
// priority and preemptionPolicy come from admission. Defaults that
// Kubernetes applies only to fields Rigging does not carry (pod-level
// resources, image volumes, ephemeral containers, the in-tree cloud volume
// plugins) or only behind a feature gate that is off by default (a
// StatefulSet's rollingUpdate.maxUnavailable) are not applied.
//
// The functions modify the object in place and keep no state: any number
// of goroutines may call them at once on different objects, but no other
// goroutine may use an object while it is being defaulted.
package defaults
