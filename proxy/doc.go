// Package proxy is Rigging's service proxy: it watches Services and
// EndpointSlices, computes for its node the desired State (every frontend
// address, port and protocol with its ready backends), and hands it to a
// Dataplane that programs the kernel. proxy/ebpf is the reference dataplane
// (socket-level load balancing in eBPF); proxy/nftables is the fallback and
// the comparison.
package proxy
