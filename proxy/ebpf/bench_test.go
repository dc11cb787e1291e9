package ebpf

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
	"github.com/rigging-dev/rigging/proxy/ebpf/internal/sandbox"
)

// benchState returns n TCP services of 10 endpoints each, every endpoint
// distinct (as for pods of distinct deployments).
func benchState(n int) *proxy.State {
	svcs := make(map[proxy.ServiceKey]*proxy.Service, n)
	for i := range n {
		k := proxy.ServiceKey{Addr: netip.AddrFrom4([4]byte{10, 96 + byte(i>>16), byte(i >> 8), byte(i)}), Port: 80, Protocol: proxy.TCP}
		bs := make([]proxy.Backend, 10)
		for j := range bs {
			id := i*10 + j
			bs[j] = proxy.Backend{Addr: netip.AddrFrom4([4]byte{10, 128 + byte(id>>16), byte(id >> 8), byte(id)}), Port: 8080}
		}
		svcs[k] = &proxy.Service{Name: fmt.Sprintf("ns/svc%d:http", i), Backends: bs}
	}
	return &proxy.State{Services: svcs}
}

// benchDataplane attaches a dataplane to a cgroup of the benchmark's own
// (with no process in it) and sizes its maps for 100,000 services.
func benchDataplane(b *testing.B) *Dataplane {
	b.Helper()
	sandbox.Require(b)
	root, err := Cgroup2Root()
	if err != nil {
		b.Fatal(err)
	}
	cg := sandbox.NewCgroup(b, root)
	e := &env{opts: Options{
		PinPath:     filepath.Join(dataplanetest.BPFFS(b), "rigging"),
		CgroupPath:  cg.Path,
		MaxServices: 1 << 17,
		MaxBackends: 1 << 21,
		MaxSlots:    1 << 21,
	}}
	return e.start(b)
}

// BenchmarkApplyFromEmpty: one Apply of n services x 10 endpoints into
// empty maps.
func BenchmarkApplyFromEmpty(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			d := benchDataplane(b)
			st := benchState(n)
			empty := &proxy.State{}
			for b.Loop() {
				b.StopTimer()
				mustApply(b, d, empty)
				b.StartTimer()
				mustApply(b, d, st)
			}
		})
	}
}

// BenchmarkOneEndpointChange: with 100,000 services of 10 endpoints
// programmed, replace one endpoint of one service. Apply is the whole
// State handed over (its cost includes comparing 100,000 services);
// ApplyService is the incremental path for a caller that knows what
// changed. Resync is an Apply of an unchanged State, which reads all three
// maps back (2.1 million entries) to repair drift.
func BenchmarkOneEndpointChange(b *testing.B) {
	d := benchDataplane(b)
	st := benchState(100000)
	mustApply(b, d, st)
	key := proxy.ServiceKey{Addr: netip.AddrFrom4([4]byte{10, 96, 0, 7}), Port: 80, Protocol: proxy.TCP}
	orig := st.Services[key]
	alt := &proxy.Service{Name: orig.Name, Backends: append(append([]proxy.Backend(nil), orig.Backends[:9]...),
		proxy.Backend{Addr: netip.MustParseAddr("10.200.0.1"), Port: 8080})}
	b.Run("Apply", func(b *testing.B) {
		for b.Loop() {
			if st.Services[key] == orig {
				st.Services[key] = alt
			} else {
				st.Services[key] = orig
			}
			mustApply(b, d, st)
		}
	})
	b.Run("Resync", func(b *testing.B) {
		for b.Loop() {
			mustApply(b, d, st)
		}
	})
	b.Run("ApplyService", func(b *testing.B) {
		for b.Loop() {
			svc := orig
			if d.services[key].matches(orig, DefaultMaglevTableSize) {
				svc = alt
			}
			if err := d.ApplyService(b.Context(), key, svc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkConnect: TCP connect(2) plus abortive close from a client
// process in the dataplane's cgroup, to a service VIP (rewritten by
// cgroup/connect4) and directly to the backend, alternating one connect to
// each so that both see the same machine load. Reports ns/connect and
// connects/s of each as the client measured them (process start
// excluded), and the VIP's overhead in percent.
func BenchmarkConnect(b *testing.B) {
	e := newEnv(b)
	_, bs := e.tcpBackends(b, 1, false)
	key := proxy.ServiceKey{Addr: vip4, Port: 80, Protocol: proxy.TCP}
	d := e.start(b)
	mustApply(b, d, state(map[proxy.ServiceKey]*proxy.Service{key: {Name: "default/web:http", Backends: bs}}))
	direct := netip.AddrPortFrom(bs[0].Addr, bs[0].Port)
	vip := netip.AddrPortFrom(key.Addr, key.Port)
	var tDirect, tVIP time.Duration
	n := 0
	for b.Loop() {
		r := e.client.Bench(b, 1000, direct, vip)
		tDirect += r.Elapsed[0]
		tVIP += r.Elapsed[1]
		n += r.N
	}
	perDirect := float64(tDirect.Nanoseconds()) / float64(n)
	perVIP := float64(tVIP.Nanoseconds()) / float64(n)
	b.ReportMetric(perDirect, "direct-ns/connect")
	b.ReportMetric(perVIP, "vip-ns/connect")
	b.ReportMetric(1e9/perDirect, "direct-connects/s")
	b.ReportMetric(1e9/perVIP, "vip-connects/s")
	b.ReportMetric(100*(perVIP-perDirect)/perDirect, "vip-overhead-%")
}
