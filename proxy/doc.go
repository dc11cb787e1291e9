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
// the Proxy lists and watches Services and EndpointSlices, and brings the
// Dataplane up to date after every change (batched: at most once per
// MinSyncInterval, 1 s, a change after a quiet second is applied at once)
// and every ResyncPeriod (30 s). Syncs are incremental, as kube-proxy's
// change trackers make them: the informers' handlers record which
// Services changed (an EndpointSlice counts for the Service of its
// kubernetes.io/service-name label), and a sync recomputes only those
// Services' frontends, from the caches, updating the State it keeps in
// place. When the Dataplane implements ServiceApplier, only the frontends
// added, changed or removed go to ApplyService: one endpoint change costs
// about 15 µs in the proxy at 1,000 or 100,000 Services
// (BenchmarkSyncOneChange, two cores). The periodic resync recomputes the
// whole State from every object (about 1 s at 100,000 Services) and hands
// it to Apply, which lets the dataplane repair drift; the whole State also
// goes to Apply when more than a quarter of the frontends changed, after
// a failure, and on every change for a Dataplane without ServiceApplier;
// rigging_proxy_syncs_total counts syncs of each mode.
// HealthHandler (or Options.HealthAddr) serves
// /healthz as kube-proxy does; Options.Metrics registers its metrics.
//
// Desired is the pure heart of it: Services and EndpointSlices in, State
// out, with Kubernetes' rules (ready endpoints, else serving-terminating;
// traffic policies; session affinity; NodePorts); test against it
// directly. DataplaneFunc adapts a function, for tests and fakes; the
// behaviour suite every Dataplane passes is proxy/dataplanetest.
package proxy
