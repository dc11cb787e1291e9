package ebpf

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/cilium/ebpf"
)

// entry is one key and value of a BPF map.
type entry[K, V any] struct {
	k K
	v V
}

// repair compares the three service maps with the Go mirror and rewrites
// every entry that is missing or differs and removes every extra one, in
// the same order program writes.
//
// It reads every entry back (in batches) and compares sorted lists rather
// than hash maps: the expected entries are generated from the mirror in
// key order (slots, by sorting the services by group) or sorted once
// (backends), the read entries sorted, and the two merged. At 100,000
// services of 10 backends that is 2.1 million entries; the kernel's walk
// of the maps' buckets is most of what remains.
func (d *Dataplane) repair() error {
	ps := make([]*programmed, 0, len(d.services))
	wantV := make([]entry[lbSvcKey, lbSvcVal], 0, len(d.services))
	for k, p := range d.services {
		ps = append(ps, p)
		wantV = append(wantV, entry[lbSvcKey, lbSvcVal]{svcKeyOf(k), p.svcVal()})
	}
	slices.SortFunc(wantV, func(a, b entry[lbSvcKey, lbSvcVal]) int { return compareSvcKey(a.k, b.k) })
	// Groups are unique to a service, so slots come out in key order.
	slices.SortFunc(ps, func(a, b *programmed) int { return cmp.Compare(a.group, b.group) })
	wantS := make([]entry[lbSlotKey, uint32], 0, d.nBackends)
	wantB := make([]entry[uint32, lbBackend], 0, d.nBackends)
	for _, p := range ps {
		for i, id := range p.slots {
			wantS = append(wantS, entry[lbSlotKey, uint32]{lbSlotKey{Group: p.group, Index: uint32(i)}, id})
		}
		for i, id := range p.ids {
			wantB = append(wantB, entry[uint32, lbBackend]{id, backendVal(p.backends[i], p.id)})
		}
	}
	wantB = radixSort(wantB, backendOrder)

	fixB, extraB, errB := reconcile(d.objs.RigBackends, wantB, cmp.Compare[uint32],
		func(es []entry[uint32, lbBackend]) []entry[uint32, lbBackend] { return radixSort(es, backendOrder) })
	fixS, extraS, errS := reconcile(d.objs.RigSlots, wantS, compareSlotKey,
		func(es []entry[lbSlotKey, uint32]) []entry[lbSlotKey, uint32] { return radixSort(es, slotOrder) })
	fixV, extraV, errV := reconcile(d.objs.RigServices, wantV, compareSvcKey,
		func(es []entry[lbSvcKey, lbSvcVal]) []entry[lbSvcKey, lbSvcVal] {
			slices.SortFunc(es, func(a, b entry[lbSvcKey, lbSvcVal]) int { return compareSvcKey(a.k, b.k) })
			return es
		})
	if err := errors.Join(errB, errS, errV); err != nil {
		return fmt.Errorf("ebpf: read maps for repair: %w", err)
	}
	n := len(fixB) + len(fixS) + len(fixV) + len(extraB) + len(extraS) + len(extraV)
	if n == 0 {
		return nil
	}
	d.log.Info("repairing drift", "backends", len(fixB), "slots", len(fixS), "services", len(fixV),
		"extraBackends", len(extraB), "extraSlots", len(extraS), "extraServices", len(extraV))
	d.metrics.repairs.Add(float64(n))
	var errs []error
	collect := func(what string) func(int, error) {
		return func(_ int, err error) { errs = append(errs, fmt.Errorf("ebpf: repair %s: %w", what, err)) }
	}
	bk, bv := unzip(fixB)
	batchUpdate(d.objs.RigBackends, bk, bv, collect("backend"))
	sk, sv := unzip(fixS)
	batchUpdate(d.objs.RigSlots, sk, sv, collect("slot"))
	vk, vv := unzip(fixV)
	batchUpdate(d.objs.RigServices, vk, vv, collect("service"))
	batchDelete(d.objs.RigServices, extraV, collect("extra service"))
	batchDelete(d.objs.RigSlots, extraS, collect("extra slot"))
	batchDelete(d.objs.RigBackends, extraB, collect("extra backend"))
	return errors.Join(errs...)
}

// reconcile reads every entry of m and compares them with want, sorted by
// key (compare) without duplicates; sort orders the entries read the same
// way. It returns the entries of want that m lacks or holds with another
// value, and the keys m holds that want lacks.
func reconcile[K any, V comparable](m *ebpf.Map, want []entry[K, V], compare func(a, b K) int,
	sort func([]entry[K, V]) []entry[K, V]) (fix []entry[K, V], extra []K, err error) {
	got := make([]entry[K, V], 0, len(want))
	if err := dump(m, func(k K, v V) { got = append(got, entry[K, V]{k, v}) }); err != nil {
		return nil, nil, err
	}
	got = sort(got)
	// A batch read can return an entry twice if the map changes under it.
	got = slices.CompactFunc(got, func(a, b entry[K, V]) bool { return compare(a.k, b.k) == 0 })
	fix, extra = diffSorted(want, got, compare)
	return fix, extra, nil
}

// diffSorted merges want and got, both sorted by key without duplicates:
// fix gets what want has and got lacks or holds with another value, extra
// the keys only got has.
func diffSorted[K any, V comparable](want, got []entry[K, V], compare func(a, b K) int) (fix []entry[K, V], extra []K) {
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		c := 0
		switch {
		case j == len(got):
			c = -1
		case i == len(want):
			c = 1
		default:
			c = compare(want[i].k, got[j].k)
		}
		switch {
		case c < 0:
			fix = append(fix, want[i])
			i++
		case c > 0:
			extra = append(extra, got[j].k)
			j++
		default:
			if want[i].v != got[j].v {
				fix = append(fix, want[i])
			}
			i++
			j++
		}
	}
	return fix, extra
}

// backendOrder and slotOrder map keys to integers in the order cmp.Compare
// and compareSlotKey give them, for radixSort.
func backendOrder(e *entry[uint32, lbBackend]) uint64 { return uint64(e.k) }
func slotOrder(e *entry[lbSlotKey, uint32]) uint64 {
	return uint64(e.k.Group)<<32 | uint64(e.k.Index)
}

// radixSort sorts es by key (stable, least significant byte first,
// skipping bytes that are equal in every key) and returns the sorted
// slice: es itself or a new one of the same length. For the million
// entries of a large dataplane it costs a few passes over them instead of
// the 20 comparisons per entry of a comparison sort.
func radixSort[E any](es []E, key func(*E) uint64) []E {
	if len(es) < 256 {
		slices.SortStableFunc(es, func(a, b E) int { return cmp.Compare(key(&a), key(&b)) })
		return es
	}
	or, and := uint64(0), ^uint64(0)
	for i := range es {
		k := key(&es[i])
		or |= k
		and &= k
	}
	varying := or ^ and
	src, dst := es, make([]E, len(es))
	for shift := 0; shift < 64; shift += 8 {
		if (varying>>shift)&0xff == 0 {
			continue
		}
		var start [257]int
		for i := range src {
			start[(key(&src[i])>>shift)&0xff+1]++
		}
		for b := 1; b < len(start); b++ {
			start[b] += start[b-1]
		}
		for i := range src {
			b := (key(&src[i]) >> shift) & 0xff
			dst[start[b]] = src[i]
			start[b]++
		}
		src, dst = dst, src
	}
	return src
}

func compareSlotKey(a, b lbSlotKey) int {
	if c := cmp.Compare(a.Group, b.Group); c != 0 {
		return c
	}
	return cmp.Compare(a.Index, b.Index)
}

func compareSvcKey(a, b lbSvcKey) int {
	if c := bytes.Compare(a.Addr[:], b.Addr[:]); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Port, b.Port); c != 0 {
		return c
	}
	return cmp.Compare(a.Proto, b.Proto)
}

func unzip[K, V any](es []entry[K, V]) ([]K, []V) {
	ks := make([]K, len(es))
	vs := make([]V, len(es))
	for i, e := range es {
		ks[i], vs[i] = e.k, e.v
	}
	return ks, vs
}
