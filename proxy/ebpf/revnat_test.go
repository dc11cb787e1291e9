package ebpf

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/ebpf/internal/sandbox"
)

// twoServices programs two TCP services on different VIPs (vip4 and
// vip6 or 10.96.0.11, port 80 and 81) with disjoint backends, and returns
// each service's VIP and backend names.
func twoServices(t *testing.T, e *env, d *Dataplane, v6 bool) (vips [2]netip.AddrPort, names [2]map[string]bool, addrs [2]map[string]bool) {
	t.Helper()
	servers, bs := e.tcpBackends(t, 4, v6)
	other := netip.MustParseAddr("10.96.0.11")
	if v6 {
		other = netip.MustParseAddr("fd00:96::11")
	}
	vip := vip4
	if v6 {
		vip = vip6
	}
	keys := [2]proxy.ServiceKey{
		{Addr: vip, Port: 80, Protocol: proxy.TCP},
		{Addr: other, Port: 81, Protocol: proxy.TCP},
	}
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{
		keys[0]: {Name: "default/a:http", Backends: bs[:2]},
		keys[1]: {Name: "default/b:http", Backends: bs[2:]},
	}))
	for i, k := range keys {
		vips[i] = netip.AddrPortFrom(k.Addr, k.Port)
		names[i] = map[string]bool{servers[2*i].Name: true, servers[2*i+1].Name: true}
		addrs[i] = map[string]bool{servers[2*i].Addr.String(): true, servers[2*i+1].Addr.String(): true}
	}
	return vips, names, addrs
}

// TestPeerIsVIPForManySockets: 400 TCP sockets open at once, connected by
// 8 threads in parallel to two services, each read its own service's VIP
// from getpeername once all are connected, and reached a backend of that
// service.
func TestPeerIsVIPForManySockets(t *testing.T) {
	for _, tc := range []struct {
		name string
		v6   bool
	}{{"IPv4", false}, {"IPv6", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			d := e.start(t)
			vips, names, _ := twoServices(t, e, d, tc.v6)
			const n = 400
			res := e.client.Open(t, sandbox.Dial{Network: "tcp", Addr: vips[0], More: vips[1:], Count: n}, 8)
			for i, r := range res {
				svc := i % 2
				if r.Err != "" {
					t.Fatalf("socket %d to %s: %s", i, vips[svc], r.Err)
				}
				if r.Peer != vips[svc].String() {
					t.Errorf("socket %d to %s: getpeername %s, want the VIP", i, vips[svc], r.Peer)
				}
				if !names[svc][r.Backend] {
					t.Errorf("socket %d to %s: answered by %q, not a backend of that service", i, vips[svc], r.Backend)
				}
			}
		})
	}
}

// TestPeerRecordTakenOver: with a single reverse-NAT slot every socket
// shares it, so of sockets connected one after another only the last
// keeps its record. The others read their own backend as their peer,
// never the VIP of another socket.
func TestPeerRecordTakenOver(t *testing.T) {
	e := newEnv(t)
	e.opts.RevNATEntries = 1
	d := e.start(t)
	if got := d.objs.RigRevsock.MaxEntries(); got != 1 {
		t.Fatalf("rig_revsock has %d slots, want 1", got)
	}
	vips, names, addrs := twoServices(t, e, d, false)
	const n = 20
	res := e.client.Open(t, sandbox.Dial{Network: "tcp", Addr: vips[0], More: vips[1:], Count: n}, 1)
	for i, r := range res {
		svc := i % 2
		if r.Err != "" || !names[svc][r.Backend] {
			t.Fatalf("socket %d to %s: %+v, want an answer from a backend of that service", i, vips[svc], r)
		}
		if i == n-1 {
			if r.Peer != vips[svc].String() {
				t.Errorf("last socket (to %s) reads peer %s, want its VIP", vips[svc], r.Peer)
			}
			continue
		}
		if !addrs[svc][r.Peer] {
			t.Errorf("socket %d to %s, whose slot a later socket took: peer %s, want its backend", i, vips[svc], r.Peer)
		}
	}
}

// TestRevsockSlots: the array of connected sockets' records is
// RevNATEntries rounded up to a power of two.
func TestRevsockSlots(t *testing.T) {
	for _, tc := range []struct{ in, want uint32 }{
		{0, 1}, {1, 1}, {2, 2}, {3, 4}, {1000, 1024}, {65536, 65536}, {65537, 131072}, {maxRevNATEntries, maxRevNATEntries},
	} {
		if got := revsockSlots(tc.in); got != tc.want {
			t.Errorf("revsockSlots(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
	if _, err := (Options{RevNATEntries: maxRevNATEntries + 1}).withDefaults(); err == nil {
		t.Errorf("RevNATEntries %d accepted", maxRevNATEntries+1)
	}
}

// TestAdoptReplacesStaleReverseNATMap: a pin path holding a rig_revsock of
// another layout (here an LRU hash, as a different version could have
// left) is adopted: New replaces that map with its own, the programs use
// the new one, and connected sockets read their VIP.
func TestAdoptReplacesStaleReverseNATMap(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 2, false)
	key, svc := tcpService("default/web:http", bs)
	vip := netip.AddrPortFrom(key.Addr, key.Port)

	if err := os.MkdirAll(e.opts.PinPath, 0o700); err != nil {
		t.Fatal(err)
	}
	stale, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.LRUHash, KeySize: 8, ValueSize: 8, MaxEntries: 16})
	if err != nil {
		t.Fatal(err)
	}
	pin := filepath.Join(e.opts.PinPath, lbMapRigRevsock)
	if err := stale.Pin(pin); err != nil {
		t.Fatal(err)
	}
	staleInfo, err := stale.Info()
	if err != nil {
		t.Fatal(err)
	}
	staleID, _ := staleInfo.ID()
	stale.Close()

	d := e.start(t)
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: svc}))
	pinned, err := ebpf.LoadPinnedMap(pin, nil)
	if err != nil {
		t.Fatalf("rig_revsock not pinned after New: %v", err)
	}
	defer pinned.Close()
	info, err := pinned.Info()
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := info.ID(); id == staleID || info.Type != ebpf.Array {
		t.Errorf("pinned rig_revsock is map %d of type %s; want a new array map (the stale one was %d)", id, info.Type, staleID)
	}
	for i, r := range e.client.Open(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 10}, 2) {
		if r.Err != "" || r.Peer != vip.String() {
			t.Errorf("socket %d: %+v, want peer %s", i, r, vip)
		}
	}
}

// TestRestartWithOtherRevNATEntries: New on a pin path whose reverse-NAT
// maps have another size replaces them (they only hold per-socket
// records) instead of failing; a connection held across the restart keeps
// working, and new ones read the VIP.
func TestRestartWithOtherRevNATEntries(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 2, false)
	key, svc := tcpService("default/web:http", bs)
	st := state(map[proxy.ServiceKey]*proxy.Service{key: svc})
	vip := netip.AddrPortFrom(key.Addr, key.Port)
	d1 := e.start(t)
	mustApply(t, d1, st)
	held := e.client.Hold(t, vip)
	if held.First.Err != "" || held.First.Peer != vip.String() {
		t.Fatalf("held connection: %+v", held.First)
	}
	if err := d1.Close(); err != nil {
		t.Fatal(err)
	}
	e.opts.RevNATEntries = 1000
	d2 := e.start(t)
	if got := d2.objs.RigRevsock.MaxEntries(); got != 1024 {
		t.Errorf("rig_revsock has %d slots after restart, want 1024", got)
	}
	if got := d2.objs.RigRevnat.MaxEntries(); got != 1000 {
		t.Errorf("rig_revnat has %d entries after restart, want 1000", got)
	}
	if n := len(d2.services); n != 1 {
		t.Fatalf("restarted dataplane read back %d services, want 1", n)
	}
	// The held socket's record went with the old map: it still reaches
	// its backend, and reads it as its peer.
	r, err := held.Ping()
	if err != nil || r.Err != "" || r.Backend != held.First.Backend {
		t.Fatalf("ping over held connection after restart: %+v, %v", r, err)
	}
	mustApply(t, d2, st)
	for i, r := range e.client.Open(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 10}, 2) {
		if r.Err != "" || r.Peer != vip.String() {
			t.Errorf("socket %d after restart: %+v, want peer %s", i, r, vip)
		}
	}
}
