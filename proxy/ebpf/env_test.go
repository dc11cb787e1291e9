package ebpf

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/rigging-dev/rigging/internal/testwatch"
	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
	"github.com/rigging-dev/rigging/proxy/ebpf/internal/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.ClientMain() // a client child process never returns from here
	testwatch.Run(m)     // os.Exit(m.Run()), reporting a test that would time out
}

// env is one privileged test's world: a netns whose loopback carries the
// backend addresses, a cgroup the dataplane attaches to, a client
// that runs inside both, and a private bpffs for the pins.
type env struct {
	ns     *sandbox.Netns
	cg     *sandbox.Cgroup
	client sandbox.Client
	opts   Options
}

// Addresses inside each test's netns. VIPs exist nowhere: without the
// dataplane they are unroutable there.
var (
	vip4 = netip.MustParseAddr("10.96.0.10")
	vip6 = netip.MustParseAddr("fd00:96::10")
)

func backendAddr4(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 244, 0, byte(i + 1)}) }
func backendAddr6(i int) netip.Addr {
	return netip.AddrFrom16([16]byte{0xfd, 0, 2, 0x44, 15: byte(i + 1)})
}

func newEnv(t testing.TB) *env {
	t.Helper()
	sandbox.Require(t)
	ns := sandbox.NewNetns(t)
	var addrs []string
	for i := range 16 {
		addrs = append(addrs, backendAddr4(i).String()+"/32", backendAddr6(i).String()+"/128")
	}
	ns.AddAddrs(t, addrs...)
	root, err := Cgroup2Root()
	if err != nil {
		t.Fatal(err)
	}
	cg := sandbox.NewCgroup(t, root)
	return &env{
		ns:     ns,
		cg:     cg,
		client: sandbox.Client{Netns: ns, Cgroup: cg},
		opts:   Options{PinPath: filepath.Join(dataplanetest.BPFFS(t), "rigging"), CgroupPath: cg.Path},
	}
}

// start creates a dataplane with e.opts and uninstalls it when t ends
// (unless the test closed or uninstalled it).
func (e *env) start(t testing.TB) *Dataplane {
	t.Helper()
	d, err := New(t.Context(), e.opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Uninstall(t.Context()); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Uninstall: %v", err)
		}
	})
	return d
}

// tcpBackends starts n TCP servers b0..b(n-1) on the netns' IPv4 (or IPv6)
// backend addresses and returns them with their proxy.Backends.
func (e *env) tcpBackends(t testing.TB, n int, v6 bool) ([]*sandbox.Server, []proxy.Backend) {
	return e.backends(t, n, v6, e.ns.ServeTCP)
}

func (e *env) udpBackends(t testing.TB, n int, v6 bool) ([]*sandbox.Server, []proxy.Backend) {
	return e.backends(t, n, v6, e.ns.ServeUDP)
}

func (e *env) backends(t testing.TB, n int, v6 bool, serve func(testing.TB, string, netip.AddrPort) *sandbox.Server) ([]*sandbox.Server, []proxy.Backend) {
	t.Helper()
	var ss []*sandbox.Server
	var bs []proxy.Backend
	for i := range n {
		a := backendAddr4(i)
		if v6 {
			a = backendAddr6(i)
		}
		s := serve(t, fmt.Sprintf("b%d", i), netip.AddrPortFrom(a, 0))
		ss = append(ss, s)
		bs = append(bs, proxy.Backend{Addr: s.Addr.Addr(), Port: s.Addr.Port()})
	}
	return ss, bs
}

func state(svcs map[proxy.ServiceKey]*proxy.Service) *proxy.State {
	return &proxy.State{Services: svcs}
}

func mustApply(t testing.TB, d *Dataplane, s *proxy.State) {
	t.Helper()
	if err := d.Apply(t.Context(), s); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

// tally counts results per backend and fails t on any error.
func tally(t testing.TB, res []sandbox.Result) map[string]int {
	t.Helper()
	n := map[string]int{}
	for i, r := range res {
		if r.Err != "" {
			t.Fatalf("attempt %d: %s", i, r.Err)
		}
		n[r.Backend]++
	}
	return n
}
