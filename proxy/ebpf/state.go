package ebpf

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/rigging-dev/rigging/proxy"
)

// svcFlagMaglev marks a service whose slots are a Maglev table (lb.c
// SVC_F_MAGLEV).
const svcFlagMaglev = 1

// programmed is what the dataplane wrote for one frontend: the Go mirror of
// its services entry, its slots and its backends.
type programmed struct {
	name      string
	id        uint32
	group     uint32
	affinity  time.Duration
	balancing proxy.Balancing
	backends  []proxy.Backend // canonical: unmapped, sorted, unique
	ids       []uint32        // ids[i] is the backend id of backends[i]
	slots     []uint32        // backend id per slot
	seen      uint64          // Apply generation that last matched it
}

func (p *programmed) flags() uint32 {
	if p.balancing == proxy.BalanceMaglev {
		return svcFlagMaglev
	}
	return 0
}

func (p *programmed) svcVal() lbSvcVal {
	return lbSvcVal{
		Id:         p.id,
		Count:      uint32(len(p.slots)),
		Group:      p.group,
		Flags:      p.flags(),
		AffinityNs: uint64(p.affinity.Nanoseconds()),
	}
}

// matches reports whether p already programs svc (names aside).
func (p *programmed) matches(svc *proxy.Service, maglevSize int) bool {
	if p.affinity != svc.Affinity || p.balancing != svc.Balancing {
		return false
	}
	if p.balancing == proxy.BalanceMaglev && len(p.backends) > 0 && len(p.slots) != maglevSize {
		return false
	}
	if isCanonical(svc.Backends) {
		return slices.Equal(p.backends, svc.Backends)
	}
	return slices.Equal(p.backends, canonicalBackends(svc.Backends))
}

func compareBackend(a, b proxy.Backend) int {
	if c := a.Addr.Compare(b.Addr); c != 0 {
		return c
	}
	return cmp.Compare(a.Port, b.Port)
}

// isCanonical reports whether bs is strictly increasing with unmapped
// addresses, so it can be compared without a sorted copy.
func isCanonical(bs []proxy.Backend) bool {
	for i, b := range bs {
		if b.Addr.Is4In6() || b.Addr.Zone() != "" {
			return false
		}
		if i > 0 && compareBackend(bs[i-1], b) >= 0 {
			return false
		}
	}
	return true
}

// canonicalBackends returns a new slice: bs unmapped, unzoned, sorted and
// without duplicates. The caller's slice is never kept.
func canonicalBackends(bs []proxy.Backend) []proxy.Backend {
	out := make([]proxy.Backend, len(bs))
	for i, b := range bs {
		out[i] = proxy.Backend{Addr: b.Addr.Unmap().WithZone(""), Port: b.Port}
	}
	slices.SortFunc(out, compareBackend)
	return slices.CompactFunc(out, func(a, b proxy.Backend) bool { return a == b })
}

func canonicalKey(k proxy.ServiceKey) proxy.ServiceKey {
	k.Addr = k.Addr.Unmap()
	return k
}

// computeSlots fills p.slots from p.backends and p.ids.
func (p *programmed) computeSlots(maglevSize int) error {
	if len(p.backends) == 0 {
		p.slots = nil
		return nil
	}
	if p.balancing != proxy.BalanceMaglev {
		p.slots = slices.Clone(p.ids)
		return nil
	}
	names := make([]string, len(p.backends))
	for i, b := range p.backends {
		names[i] = b.String()
	}
	table, err := maglevTable(names, maglevSize)
	if err != nil {
		return err
	}
	p.slots = make([]uint32, len(table))
	for i, bi := range table {
		p.slots[i] = p.ids[bi]
	}
	return nil
}

// idAlloc hands out nonzero uint32 ids, round robin, skipping ids in use, so
// a freed id is not reused until the other four billion have been.
type idAlloc struct {
	next uint32
	used map[uint32]struct{}
}

func newIDAlloc() *idAlloc { return &idAlloc{next: 1, used: make(map[uint32]struct{})} }

func (a *idAlloc) alloc() (uint32, error) {
	if len(a.used) >= 1<<32-2 {
		return 0, fmt.Errorf("all ids in use")
	}
	for {
		id := a.next
		a.next++
		if a.next == 0 {
			a.next = 1
		}
		if _, ok := a.used[id]; id != 0 && !ok {
			a.used[id] = struct{}{}
			return id, nil
		}
	}
}

func (a *idAlloc) free(id uint32) { delete(a.used, id) }

// mark records an id found in the kernel as used.
func (a *idAlloc) mark(id uint32) {
	a.used[id] = struct{}{}
	if id >= a.next {
		a.next = id + 1
		if a.next == 0 {
			a.next = 1
		}
	}
}

// Conversions between the Go model and the map encodings of lb.c. Ports
// are stored in network byte order, which a host-order uint16 field holds
// as the host reads those two bytes.

func netPort(p uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], p)
	return binary.NativeEndian.Uint16(b[:])
}

func hostPort(p uint16) uint16 {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], p)
	return binary.BigEndian.Uint16(b[:])
}

func svcKeyOf(k proxy.ServiceKey) lbSvcKey {
	return lbSvcKey{Addr: k.Addr.As16(), Port: netPort(k.Port), Proto: uint8(k.Protocol)}
}

func serviceKeyOf(k lbSvcKey) proxy.ServiceKey {
	return proxy.ServiceKey{
		Addr:     netip.AddrFrom16(k.Addr).Unmap(),
		Port:     hostPort(k.Port),
		Protocol: proxy.Protocol(k.Proto),
	}
}

func backendVal(b proxy.Backend, svcID uint32) lbBackend {
	return lbBackend{Addr: b.Addr.As16(), Port: netPort(b.Port), SvcId: svcID}
}

func backendOf(v lbBackend) proxy.Backend {
	return proxy.Backend{Addr: netip.AddrFrom16(v.Addr).Unmap(), Port: hostPort(v.Port)}
}
