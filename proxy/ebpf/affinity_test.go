package ebpf

import (
	"net/netip"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/ebpf/internal/sandbox"
	"golang.org/x/sys/unix"
)

// ageAffinity makes every session-affinity entry look idle for longer than
// timeout, as the BPF programs' clock (CLOCK_MONOTONIC) sees it: the test's
// stand-in for waiting out the timeout.
func ageAffinity(t *testing.T, d *Dataplane, timeout time.Duration) int {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	old := uint64(ts.Nano()) - uint64(timeout) - uint64(time.Second) // wraps on a young machine; the BPF subtraction wraps back
	var keys []lbAffinityKey
	var vals []lbAffinityVal
	if err := dump(d.objs.RigAffinity, func(k lbAffinityKey, v lbAffinityVal) {
		v.LastUsedNs = old
		keys = append(keys, k)
		vals = append(vals, v)
	}); err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		if err := d.objs.RigAffinity.Update(&keys[i], &vals[i], 0); err != nil {
			t.Fatal(err)
		}
	}
	return len(keys)
}

// TestSessionAffinity: with ClientIP affinity a client stays on one
// backend across connections while it is within the timeout, a rewrite of
// the service that keeps that backend keeps the client there, and once the
// entry has been idle past the timeout the client is balanced afresh.
func TestSessionAffinity(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 4, false)
	key := proxy.ServiceKey{Addr: vip4, Port: 80, Protocol: proxy.TCP}
	const timeout = time.Hour
	svc := &proxy.Service{Name: "default/sticky:http", Backends: bs, Affinity: timeout}
	d := e.start(t)
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: svc}))
	vip := netip.AddrPortFrom(key.Addr, key.Port)

	got := tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 50}))
	if len(got) != 1 {
		t.Fatalf("with affinity, one client reached %v; want one backend", got)
	}
	var first string
	for name := range got {
		first = name
	}

	// Another backend added: the service is rewritten under a new slot
	// group, and the client keeps its backend.
	extra := e.ns.ServeTCP(t, "b4", netip.AddrPortFrom(backendAddr4(4), 0))
	bs2 := append(append([]proxy.Backend(nil), bs...), proxy.Backend{Addr: extra.Addr.Addr(), Port: extra.Addr.Port()})
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: {Name: svc.Name, Backends: bs2, Affinity: timeout}}))
	if got := tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 30})); len(got) != 1 || got[first] != 30 {
		t.Fatalf("after adding a backend, the client reached %v; want only %s", got, first)
	}

	// The client becomes idle past the timeout: it is balanced afresh, so
	// over rounds of one connection after aging it meets other backends.
	seen := map[string]bool{first: true}
	for round := 0; round < 30 && len(seen) < 2; round++ {
		if n := ageAffinity(t, d, timeout); n == 0 {
			t.Fatal("no affinity entry to age")
		}
		for _, r := range e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip}) {
			if r.Err != "" {
				t.Fatal(r.Err)
			}
			seen[r.Backend] = true
		}
	}
	if len(seen) < 2 {
		t.Errorf("after the affinity timeout, 30 fresh picks among 4 backends all chose %v", seen)
	}
}
