// Package proxy is Rigging's service proxy: it watches Services and
// EndpointSlices, computes for its node the desired State (every frontend
// address, port and protocol with its ready backends), and hands it to a
// Dataplane that programs the kernel. proxy/ebpf is the reference dataplane
// (socket-level load balancing in eBPF); proxy/nftables is the fallback and
// the comparison.
//
// # Where to start
//
// New(Options{Client: c, Dataplane: dp, NodeName: "node-1"}) and Run(ctx):
// the Proxy lists and watches Services and EndpointSlices, and applies
// the whole State to the Dataplane after every change (batched: at most
// once per MinSyncInterval, 1 s) and every ResyncPeriod (30 s), which lets
// the dataplane repair drift. HealthHandler (or Options.HealthAddr) serves
// /healthz as kube-proxy does; Options.Metrics registers its metrics.
//
// Desired is the pure heart of it: Services and EndpointSlices in, State
// out, with Kubernetes' rules (ready endpoints, else serving-terminating;
// traffic policies; session affinity; NodePorts); test against it
// directly. DataplaneFunc adapts a function, for tests and fakes; the
// behaviour suite every Dataplane passes is proxy/dataplanetest.
package proxy
