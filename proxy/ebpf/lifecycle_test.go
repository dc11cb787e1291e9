package ebpf

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/ebpf/internal/sandbox"
)

// TestMaglevKeepsClients: with Maglev each client (by source address)
// always gets the same backend, and when one of 5 backends goes, the
// clients of the other 4 nearly all keep theirs while the removed one's
// clients move.
func TestMaglevKeepsClients(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 5, false)
	key := proxy.ServiceKey{Addr: vip4, Port: 80, Protocol: proxy.TCP}
	d := e.start(t)
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: {Name: "default/mg:http", Backends: bs, Balancing: proxy.BalanceMaglev}}))
	var clients []netip.Addr
	for i := range 200 {
		clients = append(clients, netip.AddrFrom4([4]byte{127, 0, 1, byte(i + 1)}))
	}
	vip := netip.AddrPortFrom(key.Addr, key.Port)
	dial := func() []sandbox.Result {
		res := e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: len(clients), Bind: clients})
		tally(t, res)
		return res
	}
	before := dial()
	again := dial()
	spread := map[string]int{}
	for i := range clients {
		spread[before[i].Backend]++
		if before[i].Backend != again[i].Backend {
			t.Errorf("client %s: %s then %s; Maglev must be stable", clients[i], before[i].Backend, again[i].Backend)
		}
	}
	if len(spread) != 5 {
		t.Errorf("200 clients reached %v; want all 5 backends", spread)
	}

	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: {Name: "default/mg:http", Backends: bs[1:], Balancing: proxy.BalanceMaglev}}))
	after := dial()
	kept, others := 0, 0
	for i := range clients {
		if after[i].Backend == "b0" {
			t.Errorf("client %s still reaches removed backend b0", clients[i])
		}
		if before[i].Backend != "b0" {
			others++
			if after[i].Backend == before[i].Backend {
				kept++
			}
		}
	}
	if kept*100 < others*90 {
		t.Errorf("after removing b0, %d of %d clients of the other backends kept theirs; want at least 90%%", kept, others)
	}
	t.Logf("Maglev: %d of %d clients of the remaining backends kept their backend", kept, others)
}

// TestRestartAdopts: Close leaves traffic flowing (a held connection and
// new connections); New on the same pin path adopts the pinned links and
// maps without disturbing them, and its first Apply of the same state
// changes nothing.
func TestRestartAdopts(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 3, false)
	key, svc := tcpService("default/web:http", bs)
	st := state(map[proxy.ServiceKey]*proxy.Service{key: svc})
	vip := netip.AddrPortFrom(key.Addr, key.Port)
	d1 := e.start(t)
	mustApply(t, d1, st)
	held := e.client.Hold(t, vip)
	if held.First.Err != "" || held.First.Peer != vip.String() {
		t.Fatalf("held connection: %+v", held.First)
	}
	linkIDs := pinnedLinkIDs(t, e.opts.PinPath)
	if err := d1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// While no dataplane runs.
	ping(t, held, held.First.Backend)
	tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 20}))

	d2 := e.start(t)
	if got := pinnedLinkIDs(t, e.opts.PinPath); fmt.Sprint(got) != fmt.Sprint(linkIDs) {
		t.Errorf("links after restart %v, want the adopted %v", got, linkIDs)
	}
	if n := len(d2.services); n != 1 {
		t.Fatalf("restarted dataplane read back %d services, want 1", n)
	}
	ping(t, held, held.First.Backend)
	mustApply(t, d2, st)
	if got := tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 60})); len(got) != 3 {
		t.Errorf("after restart, backends hit: %v; want all 3", got)
	}
	ping(t, held, held.First.Backend)
	// And the adopted dataplane is fully functional.
	mustApply(t, d2, state(map[proxy.ServiceKey]*proxy.Service{key: {Name: svc.Name, Backends: bs[:1]}}))
	if got := tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 20})); got["b0"] != 20 {
		t.Errorf("after restart and change, backends hit: %v; want only b0", got)
	}
}

func ping(t *testing.T, h *sandbox.Held, want string) {
	t.Helper()
	r, err := h.Ping()
	if err != nil || r.Err != "" || r.Backend != want {
		t.Fatalf("ping over held connection: %+v, %v; want answer from %s", r, err, want)
	}
	if r.Peer != h.First.Peer {
		t.Errorf("held connection's peer is now %s, was %s", r.Peer, h.First.Peer)
	}
}

func pinnedLinkIDs(t *testing.T, pinPath string) []link.ID {
	t.Helper()
	var ids []link.ID
	for _, h := range (&lbObjects{}).hooks() {
		l, err := link.LoadPinnedLink(pinPath+"/"+h.name, nil)
		if err != nil {
			t.Fatalf("pinned link %s: %v", h.name, err)
		}
		info, err := l.Info()
		l.Close()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.ID)
	}
	return ids
}

// TestRepairDrift: Apply with an unchanged state compares the maps with
// what it programmed and puts right a deleted service entry, a corrupted
// slot and a stray backend.
func TestRepairDrift(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 2, false)
	key, svc := tcpService("default/web:http", bs)
	st := state(map[proxy.ServiceKey]*proxy.Service{key: svc})
	vip := netip.AddrPortFrom(key.Addr, key.Port)
	d := e.start(t)
	mustApply(t, d, st)
	p := d.services[key]

	k := svcKeyOf(key)
	if err := d.objs.RigServices.Delete(&k); err != nil {
		t.Fatal(err)
	}
	if err := d.objs.RigSlots.Put(lbSlotKey{Group: p.group, Index: 0}, uint32(999999)); err != nil {
		t.Fatal(err)
	}
	if err := d.objs.RigBackends.Put(uint32(888888), lbBackend{Port: 1}); err != nil {
		t.Fatal(err)
	}
	// And one of each other kind: a backend missing, a stray slot, a
	// stray service entry.
	if err := d.objs.RigBackends.Delete(p.ids[1]); err != nil {
		t.Fatal(err)
	}
	straySlot := lbSlotKey{Group: 777777, Index: 3}
	if err := d.objs.RigSlots.Put(straySlot, uint32(1)); err != nil {
		t.Fatal(err)
	}
	straySvc := svcKeyOf(proxy.ServiceKey{Addr: netip.MustParseAddr("10.96.9.9"), Port: 9, Protocol: proxy.UDP})
	if err := d.objs.RigServices.Put(straySvc, lbSvcVal{Id: 5, Count: 1, Group: 777777}); err != nil {
		t.Fatal(err)
	}
	if r := e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip})[0]; r.Err != "ENETUNREACH" {
		t.Fatalf("with the service entry deleted behind the dataplane: %+v, want ENETUNREACH", r)
	}
	mustApply(t, d, st)
	if got := tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: vip, Count: 50})); len(got) != 2 {
		t.Errorf("after repair, backends hit: %v; want both", got)
	}
	var stray lbBackend
	if err := d.objs.RigBackends.Lookup(uint32(888888), &stray); !errors.Is(err, ebpf.ErrKeyNotExist) {
		t.Errorf("stray backend still present (%v)", err)
	}
	var slot uint32
	if err := d.objs.RigSlots.Lookup(lbSlotKey{Group: p.group, Index: 0}, &slot); err != nil || slot != p.slots[0] {
		t.Errorf("slot 0 = %d, %v; want %d", slot, err, p.slots[0])
	}
	var be lbBackend
	if err := d.objs.RigBackends.Lookup(p.ids[1], &be); err != nil || be != backendVal(p.backends[1], p.id) {
		t.Errorf("deleted backend %d after repair: %+v, %v; want %+v", p.ids[1], be, err, backendVal(p.backends[1], p.id))
	}
	if err := d.objs.RigSlots.Lookup(straySlot, &slot); !errors.Is(err, ebpf.ErrKeyNotExist) {
		t.Errorf("stray slot still present (%v)", err)
	}
	var sv lbSvcVal
	if err := d.objs.RigServices.Lookup(straySvc, &sv); !errors.Is(err, ebpf.ErrKeyNotExist) {
		t.Errorf("stray service entry still present (%v)", err)
	}
	if got, want := countEntries[uint32, lbBackend](t, d.objs.RigBackends), 2; got != want {
		t.Errorf("%d backends after repair, want %d", got, want)
	}
}

// TestUninstall leaves nothing pinned or attached, frees the maps, and the
// VIP is unreachable again.
func TestUninstall(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 2, false)
	key, svc := tcpService("default/web:http", bs)
	d := e.start(t)
	mustApply(t, d, state(map[proxy.ServiceKey]*proxy.Service{key: svc}))
	var mapIDs []ebpf.MapID
	for _, m := range d.maps() {
		info, err := m.Info()
		if err != nil {
			t.Fatal(err)
		}
		id, _ := info.ID()
		mapIDs = append(mapIDs, id)
	}
	if err := d.Uninstall(t.Context()); err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	if _, err := os.Stat(e.opts.PinPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pin path after Uninstall: %v, want it gone", err)
	}
	cg, err := os.Open(e.cg.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	for _, h := range (&lbObjects{}).hooks() {
		q, err := link.QueryPrograms(link.QueryOptions{Target: int(cg.Fd()), Attach: h.attach})
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Programs) != 0 {
			t.Errorf("%s: %d programs still attached", h.attach, len(q.Programs))
		}
	}
	// The kernel frees maps after an RCU grace period: wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range mapIDs {
		for {
			m, err := ebpf.NewMapFromID(id)
			if err != nil {
				break
			}
			m.Close()
			if time.Now().After(deadline) {
				t.Fatalf("map %d still exists after Uninstall", id)
			}
			time.Sleep(10 * time.Millisecond) // polling the kernel's deferred free, with a deadline
		}
	}
	if r := e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: netip.AddrPortFrom(key.Addr, key.Port)})[0]; r.Err != "ENETUNREACH" {
		t.Errorf("VIP after Uninstall: %+v, want ENETUNREACH", r)
	}
	if err := d.Apply(t.Context(), state(nil)); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply after Uninstall: %v, want ErrClosed", err)
	}
}

// TestApplyErrorNamesService: when a map is full, Apply names the service
// it could not program, and the others work.
func TestApplyErrorNamesService(t *testing.T) {
	e := newEnv(t)
	e.opts.MaxServices = 2
	_, bs := e.tcpBackends(t, 1, false)
	d := e.start(t)
	svcs := map[proxy.ServiceKey]*proxy.Service{}
	for i := range 3 {
		svcs[proxy.ServiceKey{Addr: vip4, Port: uint16(80 + i), Protocol: proxy.TCP}] = &proxy.Service{Name: fmt.Sprintf("default/s%d:http", i), Backends: bs}
	}
	err := d.Apply(t.Context(), state(svcs))
	if err == nil || !strings.Contains(err.Error(), "default/s2:http") {
		t.Fatalf("Apply with 3 services and room for 2: %v; want an error naming default/s2:http", err)
	}
	for port := uint16(80); port <= 81; port++ {
		tally(t, e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: netip.AddrPortFrom(vip4, port), Count: 3}))
	}
	if err := d.Apply(t.Context(), &proxy.State{Services: map[proxy.ServiceKey]*proxy.Service{{Addr: vip4, Port: 0, Protocol: proxy.TCP}: {Name: "bad"}}}); err == nil {
		t.Error("Apply accepted port 0")
	}
}

// TestScale10k: 10,000 services of 10 endpoints each are programmed, and a
// sample of them answers.
func TestScale10k(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 10, false)
	svcs := map[proxy.ServiceKey]*proxy.Service{}
	var keys []proxy.ServiceKey
	for i := range 10000 {
		k := proxy.ServiceKey{Addr: netip.AddrFrom4([4]byte{10, 96, byte(i >> 8), byte(i)}), Port: 80, Protocol: proxy.TCP}
		rot := append(append([]proxy.Backend(nil), bs[i%10:]...), bs[:i%10]...)
		svcs[k] = &proxy.Service{Name: fmt.Sprintf("ns%d/svc%d:http", i%100, i), Backends: rot}
		keys = append(keys, k)
	}
	d := e.start(t)
	start := time.Now()
	mustApply(t, d, state(svcs))
	t.Logf("Apply of 10,000 services x 10 endpoints: %v", time.Since(start))
	if n := countEntries[lbSvcKey, lbSvcVal](t, d.objs.RigServices); n != 10000 {
		t.Errorf("services map holds %d entries, want 10000", n)
	}
	if n := countEntries[uint32, lbBackend](t, d.objs.RigBackends); n != 100000 {
		t.Errorf("backends map holds %d entries, want 100000", n)
	}
	var sample []netip.AddrPort
	for i := 0; i < len(keys); i += 97 {
		sample = append(sample, netip.AddrPortFrom(keys[i].Addr, keys[i].Port))
	}
	res := e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: sample[0], More: sample[1:], Count: len(sample)})
	if got := tally(t, res); len(got) < 5 {
		t.Errorf("%d sampled services reached only backends %v", len(sample), got)
	}
}

func countEntries[K, V any](t *testing.T, m *ebpf.Map) int {
	t.Helper()
	n := 0
	if err := dump(m, func(K, V) { n++ }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUpdateIsAtomic: while Apply keeps switching a service between two
// disjoint backend sets, every connection reaches a backend of one set or
// the other; none is refused or lost.
func TestUpdateIsAtomic(t *testing.T) {
	e := newEnv(t)
	_, bs := e.tcpBackends(t, 4, false)
	key := proxy.ServiceKey{Addr: vip4, Port: 80, Protocol: proxy.TCP}
	sets := []*proxy.State{
		state(map[proxy.ServiceKey]*proxy.Service{key: {Name: "default/web:http", Backends: bs[:2]}}),
		state(map[proxy.ServiceKey]*proxy.Service{key: {Name: "default/web:http", Backends: bs[2:]}}),
	}
	d := e.start(t)
	mustApply(t, d, sets[0])
	stop := make(chan struct{})
	applied := make(chan int)
	go func() {
		n := 0
		var err error
		for ; err == nil; n++ {
			select {
			case <-stop:
				applied <- n
				return
			default:
			}
			err = d.Apply(t.Context(), sets[(n+1)%2])
		}
		t.Errorf("Apply: %v", err)
		<-stop
		applied <- n
	}()
	res := e.client.Run(t, sandbox.Dial{Network: "tcp", Addr: netip.AddrPortFrom(key.Addr, key.Port), Count: 1000})
	close(stop)
	n := <-applied
	got := tally(t, res)
	t.Logf("%d Applies during 1000 connections; backends hit: %v", n, got)
	if n < 10 {
		t.Errorf("only %d Applies ran during the connections; the test proved little", n)
	}
}

// TestKernelFeatures: this kernel has everything New probes for.
func TestKernelFeatures(t *testing.T) {
	sandbox.Require(t)
	if err := checkKernel(); err != nil {
		t.Fatal(err)
	}
}

// TestRestartElsewhere: New on the same pin path with another cgroup moves
// the pinned links there, and with other map sizes fails clearly.
func TestRestartElsewhere(t *testing.T) {
	e := newEnv(t)
	d1 := e.start(t)
	if err := d1.Close(); err != nil {
		t.Fatal(err)
	}
	bigger := e.opts
	bigger.MaxServices = 2 * DefaultMaxServices
	if d, err := New(t.Context(), bigger); err == nil || !strings.Contains(err.Error(), "Uninstall") {
		if d != nil {
			d.Close()
		}
		t.Errorf("New with other map sizes on the same pin path: %v; want an incompatibility error", err)
	}

	root, err := Cgroup2Root()
	if err != nil {
		t.Fatal(err)
	}
	other := sandbox.NewCgroup(t, root)
	moved := e.opts
	moved.CgroupPath = other.Path
	e.opts = moved
	e.start(t)
	attached := func(path string) int {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n := 0
		for _, h := range (&lbObjects{}).hooks() {
			q, err := link.QueryPrograms(link.QueryOptions{Target: int(f.Fd()), Attach: h.attach})
			if err != nil {
				t.Fatal(err)
			}
			n += len(q.Programs)
		}
		return n
	}
	if n := attached(e.cg.Path); n != 0 {
		t.Errorf("old cgroup still has %d programs attached", n)
	}
	if n := attached(other.Path); n != 8 {
		t.Errorf("new cgroup has %d programs attached, want 8", n)
	}
}
