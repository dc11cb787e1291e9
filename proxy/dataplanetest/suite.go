package dataplanetest

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/proxy"
)

// Ports the suite's backends serve on.
const (
	TCPPort uint16 = 8080
	UDPPort uint16 = 5353
)

// NewDataplane makes the dataplane under test for env. It should program
// env.NetNS (a dataplane that works per network namespace) or attach to
// env.Cgroup (one that works per cgroup), and register its own cleanup
// (Close, and Uninstall) with t.Cleanup.
type NewDataplane func(t *testing.T, env *Env) proxy.Dataplane

// Run runs the behaviour suite against the dataplanes newDataplane makes,
// one fresh Env and dataplane per subtest. It needs root (see Require).
func Run(t *testing.T, newDataplane NewDataplane) {
	for _, c := range []struct {
		name string
		f    func(t *testing.T, env *Env, dp proxy.Dataplane)
	}{
		{"TCPAndUDPReachBackends", testReach},
		{"SpreadIsUniform", testSpread},
		{"RemovedBackendGetsNothing", testRemoveBackend},
		{"DeletedServiceIsUnreachable", testDeleteService},
		{"NoEndpointsIsRefused", testNoEndpoints},
		{"SessionAffinity", testAffinity},
		{"PeerIsVIP", testPeerName},
		{"SameStateIsNoOp", testSameState},
		{"TenThousandServices", testScale},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := NewEnv(t)
			dp := newDataplane(t, env)
			c.f(t, env, dp)
		})
	}
}

func apply(t *testing.T, dp proxy.Dataplane, st *proxy.State) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	if err := dp.Apply(ctx, st); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

// backends returns the first n backends on port.
func backends(n int, port uint16) []proxy.Backend {
	var out []proxy.Backend
	for i := range n {
		out = append(out, proxy.Backend{Addr: BackendAddr(i), Port: port})
	}
	return out
}

func addrsOf(bs []proxy.Backend) []netip.Addr {
	var out []netip.Addr
	for _, b := range bs {
		out = append(out, b.Addr)
	}
	return out
}

func state(svcs map[proxy.ServiceKey]*proxy.Service) *proxy.State {
	return &proxy.State{Services: svcs}
}

// counts checks that every result succeeded and counts the servers that
// answered.
func counts(t *testing.T, res []Result) map[string]int {
	t.Helper()
	got := map[string]int{}
	for i, r := range res {
		if r.Err != "" {
			t.Fatalf("attempt %d failed: %s", i, r.Err)
		}
		got[r.Got]++
	}
	return got
}

func names(bs []proxy.Backend) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.String())
	}
	slices.Sort(out)
	return out
}

func keysOf(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func testReach(t *testing.T, env *Env, dp proxy.Dataplane) {
	tcp, udp := backends(3, TCPPort), backends(3, UDPPort)
	env.Serve(t, proxy.TCP, TCPPort, addrsOf(tcp)...)
	env.Serve(t, proxy.UDP, UDPPort, addrsOf(udp)...)
	vip := VIP(0)
	apply(t, dp, state(map[proxy.ServiceKey]*proxy.Service{
		{Addr: vip, Port: 80, Protocol: proxy.TCP}: {Name: "default/web:http", Backends: tcp},
		{Addr: vip, Port: 53, Protocol: proxy.UDP}: {Name: "default/dns:dns", Backends: udp},
	}))
	for _, c := range []struct {
		proto proxy.Protocol
		port  uint16
		want  []proxy.Backend
	}{{proxy.TCP, 80, tcp}, {proxy.UDP, 53, udp}} {
		got := counts(t, env.Dial(t, c.proto, netip.AddrPortFrom(vip, c.port), 60))
		for k := range got {
			if !slices.Contains(names(c.want), k) {
				t.Errorf("%v: answer from %q, not a backend %v", c.proto, k, names(c.want))
			}
		}
	}
}

// testSpread checks every backend gets connections and that each one's
// count is within 5 standard deviations of uniform (a false failure has a
// probability below 1e-5).
func testSpread(t *testing.T, env *Env, dp proxy.Dataplane) {
	const n, conns = 5, 500
	bs := backends(n, TCPPort)
	env.Serve(t, proxy.TCP, TCPPort, addrsOf(bs)...)
	vip := VIP(1)
	apply(t, dp, state(map[proxy.ServiceKey]*proxy.Service{
		{Addr: vip, Port: 80, Protocol: proxy.TCP}: {Name: "default/web:http", Backends: bs},
	}))
	got := counts(t, env.Dial(t, proxy.TCP, netip.AddrPortFrom(vip, 80), conns))
	if diff := cmp.Diff(names(bs), keysOf(got)); diff != "" {
		t.Fatalf("backends that answered (-want +got):\n%s", diff)
	}
	p := 1.0 / n
	mean, sd := conns*p, sqrt(conns*p*(1-p))
	for b, c := range got {
		if d := float64(c) - mean; d > 5*sd || d < -5*sd {
			t.Errorf("backend %s got %d of %d connections; uniform is %.0f ± %.1f", b, c, conns, mean, sd)
		}
	}
	t.Logf("spread over %d backends: %v", n, got)
}

func sqrt(x float64) float64 {
	z := x
	for range 50 {
		z = (z + x/z) / 2
	}
	return z
}

func testRemoveBackend(t *testing.T, env *Env, dp proxy.Dataplane) {
	bs := backends(3, TCPPort)
	env.Serve(t, proxy.TCP, TCPPort, addrsOf(bs)...)
	k := proxy.ServiceKey{Addr: VIP(2), Port: 80, Protocol: proxy.TCP}
	apply(t, dp, state(map[proxy.ServiceKey]*proxy.Service{k: {Name: "default/web:http", Backends: bs}}))
	if got := counts(t, env.Dial(t, proxy.TCP, netip.AddrPortFrom(k.Addr, k.Port), 60)); len(got) != 3 {
		t.Fatalf("before removal, answers from %v, want all 3 backends", keysOf(got))
	}
	apply(t, dp, state(map[proxy.ServiceKey]*proxy.Service{k: {Name: "default/web:http", Backends: bs[1:]}}))
	got := counts(t, env.Dial(t, proxy.TCP, netip.AddrPortFrom(k.Addr, k.Port), 60))
	if diff := cmp.Diff(names(bs[1:]), keysOf(got)); diff != "" {
		t.Fatalf("after removing %s, backends that answered (-want +got):\n%s", bs[0], diff)
	}
}

func testDeleteService(t *testing.T, env *Env, dp proxy.Dataplane) {
	tcp, udp := backends(2, TCPPort), backends(2, UDPPort)
	env.Serve(t, proxy.TCP, TCPPort, addrsOf(tcp)...)
	env.Serve(t, proxy.UDP, UDPPort, addrsOf(udp)...)
	vip := VIP(3)
	apply(t, dp, state(map[proxy.ServiceKey]*proxy.Service{
		{Addr: vip, Port: 80, Protocol: proxy.TCP}: {Name: "default/web:http", Backends: tcp},
		{Addr: vip, Port: 53, Protocol: proxy.UDP}: {Name: "default/dns:dns", Backends: udp},
	}))
	counts(t, env.Dial(t, proxy.TCP, netip.AddrPortFrom(vip, 80), 5))
	counts(t, env.Dial(t, proxy.UDP, netip.AddrPortFrom(vip, 53), 5))
	apply(t, dp, state(nil))
	for _, c := range []struct {
		proto proxy.Protocol
		port  uint16
	}{{proxy.TCP, 80}, {proxy.UDP, 53}} {
		for i, r := range env.Dial(t, c.proto, netip.AddrPortFrom(vip, c.port), 5) {
			if r.Err == "" {
				t.Errorf("%v attempt %d after delete reached %q", c.proto, i, r.Got)
			}
		}
	}
}

func testNoEndpoints(t *testing.T, env *Env, dp proxy.Dataplane) {
	vip := VIP(4)
	apply(t, dp, state(map[proxy.ServiceKey]*proxy.Service{
		{Addr: vip, Port: 80, Protocol: proxy.TCP}: {Name: "default/empty:http"},
		{Addr: vip, Port: 53, Protocol: proxy.UDP}: {Name: "default/empty:dns"},
	}))
	for _, p := range []struct {
		proto proxy.Protocol
		port  uint16
	}{{proxy.TCP, 80}, {proxy.UDP, 53}} {
		for i, r := range env.Dial(t, p.proto, netip.AddrPortFrom(vip, p.port), 3) {
			if r.Err == "" {
				t.Errorf("%v attempt %d to a service without endpoints reached %q", p.proto, i, r.Got)
			}
		}
	}
}

func testAffinity(t *testing.T, env *Env, dp proxy.Dataplane) {
	bs := backends(5, TCPPort)
	env.Serve(t, proxy.TCP, TCPPort, addrsOf(bs)...)
	k := proxy.ServiceKey{Addr: VIP(5), Port: 80, Protocol: proxy.TCP}
	apply(t, dp, state(map[proxy.ServiceKey]*proxy.Service{k: {Name: "default/sticky:http", Backends: bs, Affinity: time.Hour}}))
	got := counts(t, env.Dial(t, proxy.TCP, netip.AddrPortFrom(k.Addr, k.Port), 50))
	if len(got) != 1 {
		t.Fatalf("one client reached %v, want one backend", got)
	}
}

func testPeerName(t *testing.T, env *Env, dp proxy.Dataplane) {
	tcp, udp := backends(2, TCPPort), backends(2, UDPPort)
	env.Serve(t, proxy.TCP, TCPPort, addrsOf(tcp)...)
	env.Serve(t, proxy.UDP, UDPPort, addrsOf(udp)...)
	vip := VIP(6)
	apply(t, dp, state(map[proxy.ServiceKey]*proxy.Service{
		{Addr: vip, Port: 80, Protocol: proxy.TCP}: {Name: "default/web:http", Backends: tcp},
		{Addr: vip, Port: 53, Protocol: proxy.UDP}: {Name: "default/dns:dns", Backends: udp},
	}))
	for _, c := range []struct {
		proto proxy.Protocol
		port  uint16
	}{{proxy.TCP, 80}, {proxy.UDP, 53}} {
		want := netip.AddrPortFrom(vip, c.port).String()
		for i, r := range env.Dial(t, c.proto, netip.AddrPortFrom(vip, c.port), 10) {
			if r.Err != "" || r.Remote != want {
				t.Errorf("%v attempt %d: peer %q (err %q), want %s", c.proto, i, r.Remote, r.Err, want)
			}
		}
	}
}

func testSameState(t *testing.T, env *Env, dp proxy.Dataplane) {
	bs := backends(3, TCPPort)
	env.Serve(t, proxy.TCP, TCPPort, addrsOf(bs)...)
	k := proxy.ServiceKey{Addr: VIP(7), Port: 80, Protocol: proxy.TCP}
	mk := func() *proxy.State {
		return state(map[proxy.ServiceKey]*proxy.Service{k: {Name: "default/web:http", Backends: backends(3, TCPPort)}})
	}
	st := mk()
	apply(t, dp, st)
	apply(t, dp, st)
	apply(t, dp, mk())
	got := counts(t, env.Dial(t, proxy.TCP, netip.AddrPortFrom(k.Addr, k.Port), 60))
	if diff := cmp.Diff(names(bs), keysOf(got)); diff != "" {
		t.Fatalf("after re-applying the same State, backends that answered (-want +got):\n%s", diff)
	}
}

// ScaleState returns n services of 10 endpoints each: VIP(i):80/TCP to
// the ten backends on TCPPort. Benchmarks use it too.
func ScaleState(n int) *proxy.State {
	st := &proxy.State{Services: make(map[proxy.ServiceKey]*proxy.Service, n)}
	bs := backends(10, TCPPort)
	for i := range n {
		st.Services[proxy.ServiceKey{Addr: VIP(i), Port: 80, Protocol: proxy.TCP}] = &proxy.Service{
			Name: fmt.Sprintf("scale/svc-%d:http", i), Backends: bs,
		}
	}
	return st
}

func testScale(t *testing.T, env *Env, dp proxy.Dataplane) {
	const n = 10000
	bs := backends(10, TCPPort)
	env.Serve(t, proxy.TCP, TCPPort, addrsOf(bs)...)
	start := time.Now()
	apply(t, dp, ScaleState(n))
	t.Logf("applied %d services of 10 endpoints in %v", n, time.Since(start))
	for _, i := range []int{0, 1, 4999, 7777, n - 1} {
		got := counts(t, env.Dial(t, proxy.TCP, netip.AddrPortFrom(VIP(i), 80), 20))
		for k := range got {
			if !slices.Contains(names(bs), k) {
				t.Errorf("service %d: answer from %q, not a backend", i, k)
			}
		}
	}
}
