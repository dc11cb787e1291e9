package sandbox_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rigging-dev/rigging/proxy/ebpf/internal/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.ClientMain()
	os.Exit(m.Run())
}

// cgroup2Root finds the cgroup v2 mount point (the proxy/ebpf package has
// the real parser; this package must not import it).
func cgroup2Root(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		if f := strings.Fields(pre); ok && len(f) >= 5 && strings.HasPrefix(post, "cgroup2 ") {
			return f[4]
		}
	}
	t.Fatal("no cgroup2 mount")
	return ""
}

// TestClientInNetnsAndCgroup: a client process runs inside the test's
// netns (it reaches a server listening only there) and inside the test's
// cgroup.
func TestClientInNetnsAndCgroup(t *testing.T) {
	sandbox.Require(t)
	ns := sandbox.NewNetns(t)
	ns.AddAddrs(t, "10.250.0.1/32")
	cg := sandbox.NewCgroup(t, cgroup2Root(t))
	tcp := ns.ServeTCP(t, "tcp-server", netip.MustParseAddrPort("10.250.0.1:0"))
	udp := ns.ServeUDP(t, "udp-server", netip.MustParseAddrPort("10.250.0.1:0"))
	c := sandbox.Client{Netns: ns, Cgroup: cg}

	for _, tc := range []struct {
		network string
		s       *sandbox.Server
	}{{"tcp", tcp}, {"udp", udp}, {"udpconn", udp}} {
		res := c.Run(t, sandbox.Dial{Network: tc.network, Addr: tc.s.Addr, Count: 3})
		for _, r := range res {
			if r.Err != "" || r.Backend != tc.s.Name || r.Peer != tc.s.Addr.String() {
				t.Errorf("%s: %+v; want an answer from %s at %s", tc.network, r, tc.s.Name, tc.s.Addr)
			}
		}
	}
	if tcp.Hits() != 3 || udp.Hits() != 6 {
		t.Errorf("servers saw %d TCP connections and %d datagrams; want 3 and 6", tcp.Hits(), udp.Hits())
	}

	h := c.Hold(t, tcp.Addr)
	if r, err := h.Ping(); err != nil || r.Backend != tcp.Name {
		t.Errorf("ping over held connection: %+v, %v", r, err)
	}
	// The held client is in the cgroup while it runs.
	procs, err := os.ReadFile(filepath.Join(cg.Path, "cgroup.procs"))
	if err != nil || len(strings.Fields(string(procs))) != 1 {
		t.Errorf("cgroup.procs = %q, %v; want the one held client", procs, err)
	}
	if r := c.Bench(t, 10, tcp.Addr); r.N != 10 || len(r.Elapsed) != 1 || r.Elapsed[0] <= 0 {
		t.Errorf("bench: %+v", r)
	}
}

// A behaviour test builds its world from the sandbox pieces; a dataplane
// under test attaches to cg.Path. (Compiled, not run: it needs a *testing.T.)
func Example() {
	_ = func(t *testing.T) {
		sandbox.Require(t) // root, or fail when CI=true
		ns := sandbox.NewNetns(t)
		ns.AddAddrs(t, "10.244.0.1/32")
		cg := sandbox.NewCgroup(t, "/sys/fs/cgroup/unified")
		backend := ns.ServeTCP(t, "b0", netip.MustParseAddrPort("10.244.0.1:0"))
		// ... attach the dataplane to cg.Path and program a VIP ...
		c := sandbox.Client{Netns: ns, Cgroup: cg}
		for _, r := range c.Run(t, sandbox.Dial{Network: "tcp", Addr: backend.Addr, Count: 10}) {
			t.Log(r.Backend, r.Peer, r.Err)
		}
	}
}
