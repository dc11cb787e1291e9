package proxy

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
)

// BenchmarkConnect compares connecting through a service VIP with
// connecting straight to the one backend behind it: same client process
// (in the dataplane's namespace and cgroup), same server, attempts
// alternating VIP and direct one by one (-proxy.connects each, after 500
// warm ones). It reports median and p99 of each, their ratio
// (vip/direct, of medians) and connections per second (socket to close).
func BenchmarkConnect(b *testing.B) {
	for _, mode := range []dataplanetest.ConnectMode{dataplanetest.ConnectOnly, dataplanetest.ConnectRead} {
		for _, k := range kinds {
			b.Run(mode.String()+"/"+k.name, func(b *testing.B) {
				env := dataplanetest.NewEnv(b)
				backend := netip.AddrPortFrom(dataplanetest.BackendAddr(0), dataplanetest.TCPPort)
				vip := netip.AddrPortFrom(dataplanetest.VIP(0), 80)
				env.Serve(b, proxy.TCP, backend.Port(), backend.Addr())
				d := k.start(b, env)
				mustApply(b, d, &proxy.State{Services: map[proxy.ServiceKey]*proxy.Service{
					{Addr: vip.Addr(), Port: vip.Port(), Protocol: proxy.TCP}: {
						Name: "bench/web:http", Backends: []proxy.Backend{{Addr: backend.Addr(), Port: backend.Port()}},
					},
				}})
				var each [2][]time.Duration
				var total [2]time.Duration
				for b.Loop() {
					r := env.ConnectTimes(b, mode, *connects, 500, vip, backend)
					for i := range 2 {
						each[i] = append(each[i], r.Each[i]...)
						total[i] += r.Total[i]
					}
				}
				var med [2]float64
				for i, name := range []string{"vip", "direct"} {
					s := slices.Clone(each[i])
					slices.Sort(s)
					med[i] = float64(quantile(s, 0.5).Nanoseconds())
					b.ReportMetric(med[i], name+"-p50-ns")
					b.ReportMetric(float64(quantile(s, 0.99).Nanoseconds()), name+"-p99-ns")
					b.ReportMetric(float64(len(s))/total[i].Seconds(), name+"-conns/s")
				}
				b.ReportMetric(med[0]/med[1], "vip/direct-p50")
			})
		}
	}
}

// quantile returns the q-quantile of sorted s (nearest rank).
func quantile(s []time.Duration, q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
