package ebpf

import (
	"fmt"

	"github.com/rigging-dev/rigging/proxy"
)

// pending is one service being rewritten by program.
type pending struct {
	key      proxy.ServiceKey
	cur      *programmed // nil for a new service
	next     *programmed
	newSvcID bool
	newIdx   []int // indexes into next.backends of backends given new ids
	err      error
}

func (p *pending) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("ebpf: service %q (%s): "+format, append([]any{p.next.name, p.key}, args...)...)
	}
}

// prepare allocates ids for p's next programming of svc and computes its
// slots. Backends svc keeps keep their ids (so affinity survives); the
// group is always new.
func (d *Dataplane) prepare(p *pending, svc *proxy.Service) error {
	next := &programmed{
		name:      svc.Name,
		affinity:  svc.Affinity,
		balancing: svc.Balancing,
		backends:  canonicalBackends(svc.Backends),
		seen:      d.gen,
	}
	p.next = next
	var err error
	if p.cur != nil {
		next.id = p.cur.id
	} else if next.id, err = d.svcIDs.alloc(); err != nil {
		return fmt.Errorf("ebpf: service %q (%s): service id: %w", svc.Name, p.key, err)
	} else {
		p.newSvcID = true
	}
	next.ids = make([]uint32, len(next.backends))
	j := 0
	for i, b := range next.backends {
		if p.cur != nil {
			for j < len(p.cur.backends) && compareBackend(p.cur.backends[j], b) < 0 {
				j++
			}
			if j < len(p.cur.backends) && p.cur.backends[j] == b {
				next.ids[i] = p.cur.ids[j]
				continue
			}
		}
		if next.ids[i], err = d.bids.alloc(); err != nil {
			d.release(p)
			return fmt.Errorf("ebpf: service %q (%s): backend id: %w", svc.Name, p.key, err)
		}
		p.newIdx = append(p.newIdx, i)
	}
	if next.group, err = d.groups.alloc(); err != nil {
		d.release(p)
		return fmt.Errorf("ebpf: service %q (%s): slot group: %w", svc.Name, p.key, err)
	}
	if err := next.computeSlots(int(d.opts.MaglevTableSize)); err != nil {
		d.release(p)
		return fmt.Errorf("ebpf: service %q (%s): %w", svc.Name, p.key, err)
	}
	return nil
}

// release frees the ids prepare allocated for p.
func (d *Dataplane) release(p *pending) {
	if p.newSvcID {
		d.svcIDs.free(p.next.id)
	}
	for _, i := range p.newIdx {
		d.bids.free(p.next.ids[i])
	}
	if p.next.group != 0 {
		d.groups.free(p.next.group)
	}
}

// program writes changes and removes deletes, in the order that keeps each
// service atomic for a connecting socket: new backends, new slots, the
// services entries, then removals. It updates the Go mirror to what the
// kernel now holds and returns one error per failed service.
func (d *Dataplane) program(changes []change, deletes []proxy.ServiceKey) []error {
	ps := make([]*pending, len(changes))
	for i, c := range changes {
		p := &pending{key: c.key, cur: c.cur}
		ps[i] = p
		if err := d.prepare(p, c.svc); err != nil {
			p.err = err
			p.next = nil
		}
	}
	live := func(yield func(*pending) bool) {
		for _, p := range ps {
			if p.err == nil && !yield(p) {
				return
			}
		}
	}

	// 1. Backends new to their service.
	var bKeys []uint32
	var bVals []lbBackend
	var bOwn []*pending
	for p := range live {
		for _, i := range p.newIdx {
			bKeys = append(bKeys, p.next.ids[i])
			bVals = append(bVals, backendVal(p.next.backends[i], p.next.id))
			bOwn = append(bOwn, p)
		}
	}
	batchUpdate(d.objs.RigBackends, bKeys, bVals, func(i int, err error) {
		bOwn[i].fail("write backend %v: %w", backendOf(bVals[i]), err)
	})

	// 2. The complete new slot set of each service, under its new group.
	var sKeys []lbSlotKey
	var sVals []uint32
	var sOwn []*pending
	for p := range live {
		for i, id := range p.next.slots {
			sKeys = append(sKeys, lbSlotKey{Group: p.next.group, Index: uint32(i)})
			sVals = append(sVals, id)
			sOwn = append(sOwn, p)
		}
	}
	batchUpdate(d.objs.RigSlots, sKeys, sVals, func(i int, err error) {
		sOwn[i].fail("write slots: %w", err)
	})

	// 3. Switch each service to its new slots: one atomic map update.
	var vKeys []lbSvcKey
	var vVals []lbSvcVal
	var vOwn []*pending
	for p := range live {
		vKeys = append(vKeys, svcKeyOf(p.key))
		vVals = append(vVals, p.next.svcVal())
		vOwn = append(vOwn, p)
	}
	batchUpdate(d.objs.RigServices, vKeys, vVals, func(i int, err error) {
		vOwn[i].fail("write service entry: %w", err)
	})

	// 4. Remove deleted services' entries first, so nothing points at
	// what step 5 frees.
	var errs []error
	dKeys := make([]lbSvcKey, len(deletes))
	for i, k := range deletes {
		dKeys[i] = svcKeyOf(k)
	}
	dFailed := make([]bool, len(deletes))
	batchDelete(d.objs.RigServices, dKeys, func(i int, err error) {
		dFailed[i] = true
		errs = append(errs, fmt.Errorf("ebpf: delete service %q (%s): %w", d.services[deletes[i]].name, deletes[i], err))
	})

	// 5. Free what nothing points at any more: old slot sets and removed
	// backends of rewritten services, the new ones of failed rewrites, and
	// everything of deleted services.
	var freeSlots []lbSlotKey
	var freeBackends []uint32
	dropAll := func(p *programmed) {
		for i := range p.slots {
			freeSlots = append(freeSlots, lbSlotKey{Group: p.group, Index: uint32(i)})
		}
		freeBackends = append(freeBackends, p.ids...)
		d.groups.free(p.group)
		for _, id := range p.ids {
			d.bids.free(id)
		}
	}
	for _, p := range ps {
		switch {
		case p.next == nil: // prepare failed; nothing written
		case p.err != nil:
			for i := range p.next.slots {
				freeSlots = append(freeSlots, lbSlotKey{Group: p.next.group, Index: uint32(i)})
			}
			for _, i := range p.newIdx {
				freeBackends = append(freeBackends, p.next.ids[i])
			}
			d.release(p)
		default:
			if p.cur != nil {
				for i := range p.cur.slots {
					freeSlots = append(freeSlots, lbSlotKey{Group: p.cur.group, Index: uint32(i)})
				}
				d.groups.free(p.cur.group)
				kept := make(map[uint32]bool, len(p.next.ids))
				for _, id := range p.next.ids {
					kept[id] = true
				}
				for _, id := range p.cur.ids {
					if !kept[id] {
						freeBackends = append(freeBackends, id)
						d.bids.free(id)
					}
				}
				d.nBackends -= len(p.cur.backends)
			}
			d.services[p.key] = p.next
			d.nBackends += len(p.next.backends)
		}
		if p.err != nil {
			errs = append(errs, p.err)
		}
	}
	for i, k := range deletes {
		if dFailed[i] {
			continue
		}
		p := d.services[k]
		dropAll(p)
		d.svcIDs.free(p.id)
		d.nBackends -= len(p.backends)
		delete(d.services, k)
	}
	batchDelete(d.objs.RigSlots, freeSlots, func(i int, err error) {
		d.verify = true // the next Apply removes it
		d.log.Error(err, "free slot", "group", freeSlots[i].Group, "index", freeSlots[i].Index)
	})
	batchDelete(d.objs.RigBackends, freeBackends, func(i int, err error) {
		d.verify = true
		d.log.Error(err, "free backend", "id", freeBackends[i])
	})
	return errs
}
