package ebpf

import (
	"net/netip"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/ebpf/internal/sandbox"
)

// TestReachBackends: real TCP, unconnected UDP and connected UDP clients
// reach only the backends through the VIP, over IPv4 and IPv6, and see the
// VIP as their peer (getpeername, and recvmsg's source for UDP).
func TestReachBackends(t *testing.T) {
	for _, tc := range []struct {
		name string
		v6   bool
		vip  netip.Addr
	}{{"IPv4", false, vip4}, {"IPv6", true, vip6}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, tcpB := e.tcpBackends(t, 3, tc.v6)
			_, udpB := e.udpBackends(t, 3, tc.v6)
			tcpKey := proxy.ServiceKey{Addr: tc.vip, Port: 80, Protocol: proxy.TCP}
			udpKey := proxy.ServiceKey{Addr: tc.vip, Port: 53, Protocol: proxy.UDP}
			d := e.start(t)
			mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{
				tcpKey: {Name: "default/web:http", Backends: tcpB},
				udpKey: {Name: "default/dns:dns", Backends: udpB},
			}))
			for _, c := range []struct {
				network string
				key     proxy.ServiceKey
			}{{"tcp", tcpKey}, {"udp", udpKey}, {"udpconn", udpKey}} {
				vip := netip.AddrPortFrom(c.key.Addr, c.key.Port)
				res := e.client.Run(t, sandbox.Dial{Network: c.network, Addr: vip, Count: 30})
				got := tally(t, res)
				for name := range got {
					if name != "b0" && name != "b1" && name != "b2" {
						t.Errorf("%s: answer from %q, not a backend", c.network, name)
					}
				}
				for i, r := range res {
					if r.Peer != vip.String() {
						t.Errorf("%s attempt %d: peer %s, want the VIP %s", c.network, i, r.Peer, vip)
					}
				}
			}
		})
	}
}

func tcpService(name string, bs []proxy.Backend) (proxy.ServiceKey, *proxy.Service) {
	return proxy.ServiceKey{Addr: vip4, Port: 80, Protocol: proxy.TCP}, &proxy.Service{Name: name, Backends: bs}
}

// TestSpreadIsUniform: every backend receives connections, and each one's
// share of 2,000 random picks among 4 stays within 6.4 standard deviations
// (±125 around 500; a false failure has probability below 1e-9).
func TestSpreadIsUniform(t *testing.T) {
	e := newEnv(t)
	servers, bs := e.tcpBackends(t, 4, false)
	key, svc := tcpService("default/web:http", bs)
	d := e.start(t)
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: svc}))
	const n = 2000
	got := tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: netip.AddrPortFrom(key.Addr, key.Port), Count: n}))
	for _, s := range servers {
		if c := got[s.Name]; c < n/4-125 || c > n/4+125 {
			t.Errorf("backend %s got %d of %d connections, want %d±125 (all: %v)", s.Name, c, n, n/4, got)
		}
		if s.Hits() != got[s.Name] {
			t.Errorf("backend %s accepted %d connections, clients saw %d", s.Name, s.Hits(), got[s.Name])
		}
	}
}

// TestRemoveBackend: after Apply drops a backend, new connections reach
// only the others.
func TestRemoveBackend(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewPedanticRegistry()
	e.opts.Registerer = reg
	_, bs := e.tcpBackends(t, 3, false)
	key, svc := tcpService("default/web:http", bs)
	d := e.start(t)
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: svc}))
	if s, b := gathered(t, reg, "rigging_proxy_ebpf_services"), gathered(t, reg, "rigging_proxy_ebpf_backends"); s != 1 || b != 3 {
		t.Errorf("metrics: %v services, %v backends programmed; want 1, 3", s, b)
	}
	if n := gathered(t, reg, "rigging_proxy_ebpf_apply_duration_seconds"); n != 1 {
		t.Errorf("apply duration histogram counts %v Applies, want 1", n)
	}
	vip := netip.AddrPortFrom(key.Addr, key.Port)
	if got := tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 100})); len(got) != 3 {
		t.Fatalf("before removal, backends hit: %v; want all 3", got)
	}
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: {Name: svc.Name, Backends: bs[1:]}}))
	got := tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 200}))
	if got["b0"] != 0 || got["b1"] == 0 || got["b2"] == 0 {
		t.Errorf("after removing b0, backends hit: %v; want only b1 and b2", got)
	}
	if b := gathered(t, reg, "rigging_proxy_ebpf_backends"); b != 2 {
		t.Errorf("metrics: %v backends programmed; want 2", b)
	}
}

// TestDeleteService: a deleted service's VIP is unreachable again (it
// exists nowhere in the netns), and a service with no backend refuses
// connections with EPERM rather than passing them to the VIP.
func TestDeleteService(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 2, false)
	_, ubs := e.udpBackends(t, 2, false)
	key, svc := tcpService("default/web:http", bs)
	ukey := proxy.ServiceKey{Addr: vip4, Port: 53, Protocol: proxy.UDP}
	vip := netip.AddrPortFrom(key.Addr, key.Port)
	uvip := netip.AddrPortFrom(ukey.Addr, ukey.Port)
	d := e.start(t)
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: svc, ukey: {Name: "default/dns:dns", Backends: ubs}}))
	tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 5}))
	tally(t, e.client.Run(t, sandbox.Dial{Network: "udp", Addr: uvip, Count: 5}))

	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: {Name: svc.Name}, ukey: {Name: "default/dns:dns"}}))
	for _, network := range []string{"tcp", "udp", "udpconn"} {
		addr := uvip
		if network == "tcp" {
			addr = vip
		}
		for _, r := range e.client.Run(t, sandbox.Dial{Network: network, Addr: addr, Count: 3}) {
			if r.Err != "EPERM" {
				t.Errorf("%s to a service without backends: %+v, want EPERM", network, r)
			}
		}
	}

	mustApply(t, d, state(nil))
	for _, network := range []string{"tcp", "udp"} {
		addr := uvip
		if network == "tcp" {
			addr = vip
		}
		for _, r := range e.client.Run(t, sandbox.Dial{Network: network, Addr: addr, Count: 3}) {
			if r.Err != "ENETUNREACH" {
				t.Errorf("%s to a deleted service: %+v, want ENETUNREACH", network, r)
			}
		}
	}
}

// gathered returns the value of the gauge, or the sample count of the
// histogram, named name in reg.
func gathered(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name || len(mf.GetMetric()) != 1 {
			continue
		}
		m := mf.GetMetric()[0]
		if h := m.GetHistogram(); h != nil {
			return float64(h.GetSampleCount())
		}
		return m.GetGauge().GetValue()
	}
	t.Fatalf("metric %s not gathered", name)
	return 0
}
