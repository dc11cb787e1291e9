// Package endpointslice is the EndpointSlice controller: for every core/v1
// Service with a selector it maintains discovery.k8s.io/v1 EndpointSlices
// listing the pods the selector picks, as Kubernetes' EndpointSlice
// controller does.
//
// The slices carry the labels kubernetes.io/service-name=<service> and
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io
// (Kubernetes' own value, so that tools that look for it find ours), the
// Service as their controller owner, and generateName "<service>-".
//
// A pod is listed when it is in the Service's namespace, matches its
// selector, has an address and is neither Succeeded nor Failed. Each of its
// addresses goes to a slice of the matching address type (IPv4 or IPv6).
// An endpoint's conditions are: ready when the pod is Ready and not
// terminating, serving when the pod is Ready (whether terminating or not),
// terminating when the pod has a deletionTimestamp; with
// spec.publishNotReadyAddresses every endpoint is ready and serving. The
// endpoint also names its node, its zone (the node's
// topology.kubernetes.io/zone label, when a node informer is given) and the
// pod as targetRef.
//
// Ports are the Service's ports resolved for each pod: a numeric targetPort
// as is, a named one looked up among the pod's container ports by name and
// protocol (a port whose name the pod lacks is left out for that pod). Pods
// whose resolved ports differ go to different slices. A slice holds at most
// MaxEndpointsPerSlice endpoints (default 100).
//
// Reconciling is incremental: existing slices are reused, a slice is
// written only when its content changed, slices that become empty are
// deleted, and new slices are created only for endpoints that fit in no
// existing slice. A Service with no endpoints keeps one empty placeholder
// slice, like in Kubernetes. Services without a selector are left alone.
// When a Service is gone the controller deletes its slices (garbage
// collection through the owner reference would too).
//
// Register it with a Manager through Add.
package endpointslice
