// Package kubelet is Rigging's node agent: it registers a Node, keeps its
// Lease fresh, watches the pods bound to the node and drives a Runtime to
// run their containers, then reports pod status back to the API server.
//
// Runtime is the narrow interface a container runtime implements (the subset
// of CRI a node agent needs); kubelet/runtimetest is its conformance suite,
// and kubelet/runtime/process and kubelet/runtime/fake are the reference
// runtimes.
package kubelet
