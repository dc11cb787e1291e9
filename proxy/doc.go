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
// the State to the Dataplane after every change (batched: at most once
// per MinSyncInterval, 1 s) and every ResyncPeriod (30 s). When the
// Dataplane implements ServiceApplier, a change is applied incrementally:
// the new State is diffed against the last one applied and only the
// frontends added, changed or removed go to ApplyService. The whole State
// goes to Apply on the periodic resync (which lets the dataplane repair
// drift), when more than a quarter of the frontends changed, after a
// failure, and always for a Dataplane without ServiceApplier;
// rigging_proxy_syncs_total counts syncs of each mode. Desired and the
// diff still run over every object on each sync: at 100,000 services they
// cost about 0.9 s and 0.1 s on two cores (BenchmarkSyncOneChange).
// HealthHandler (or Options.HealthAddr) serves
// /healthz as kube-proxy does; Options.Metrics registers its metrics.
//
// Desired is the pure heart of it: Services and EndpointSlices in, State
// out, with Kubernetes' rules (ready endpoints, else serving-terminating;
// traffic policies; session affinity; NodePorts); test against it
// directly. DataplaneFunc adapts a function, for tests and fakes; the
// behaviour suite every Dataplane passes is proxy/dataplanetest.
package proxy
