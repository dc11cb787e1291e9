// Package proxy benchmarks the two service-proxy dataplanes of
// github.com/rigging-dev/rigging/proxy side by side, in one run: the eBPF
// dataplane (proxy/ebpf, cgroup socket load balancing) and the nftables
// dataplane (proxy/nftables, DNAT). It has only tests: every workload is
// one benchmark whose last sub-benchmark level names the dataplane, so
// the output reads in pairs:
//
//	ApplyFromEmpty/<n>/{ebpf,nftables}      program n services x 10 endpoints into empty maps/table
//	OneEndpointChange/<n>/ebpf              replace one endpoint, proxy.ServiceApplier.ApplyService
//	OneEndpointChange/<n>/ebpf-Apply        the same through a whole-State Apply
//	OneEndpointChange/<n>/nftables          the same through nftables' incremental Apply
//	Connect/<mode>/{ebpf,nftables}          connect through a VIP against directly to its backend
//
// Each dataplane gets a network namespace and a cgroup of its own
// (proxy/dataplanetest.NewEnv) and, for eBPF, a private bpffs; all of it,
// with the BPF links, pins and nftables table, is removed when the
// benchmark ends.
//
// Run it as root from the bench directory (it needs network namespaces,
// cgroup v2 and eBPF):
//
//	cd bench && go test -run '^$' -bench . -benchtime 3x -timeout 60m ./proxy/
//
// nftables takes about 90 s to program 100,000 services, once for
// ApplyFromEmpty and once to set up OneEndpointChange; -short (or
// -proxy.max 10000) leaves the 100,000 sizes out. -proxy.connects sets
// the attempts per address of Connect (default 20,000).
//
// Connect measures from one client process in the dataplane's namespace
// and cgroup, to one server: it alternates one connection to the VIP
// and one straight to the backend behind it, so both see the same load,
// and reports for each the median and p99 of the connect(2) call alone
// ("connect") or of connect plus reading the server's short answer
// ("connect+read"), connections per second (socket to close), and the
// ratio of the medians (vip/direct).
package proxy
