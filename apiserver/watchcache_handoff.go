package apiserver

import (
	"bytes"
	"reflect"
	"sync/atomic"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// A write hands the object it has just encoded to the watch cache, so that
// the cache does not decode the stored bytes again when the store's event
// for the write arrives, nor encode it again for lists and watches: its
// JSON is the writer's response body when the writer has made it by then,
// else the offered bytes with the resourceVersion spliced in.
//
// The store publishes a write's event before it answers the writer, so the
// writer cannot key its offer by the revision it will get: it offers the
// object before the write, keyed by the store key, and the cache claims the
// offer for the first event of that key whose value is byte for byte the
// offered encoding. Equal bytes decode to the same object, so a claim is
// right even when the event is another writer's identical write.

// handoff is one write's offer.
//
// The offered object is the writer's own, not a copy: from the offer on,
// neither side modifies it, but for its resourceVersion, which the first
// of the two to know the write's revision sets, under watchCache.pmu
// (objectAt). Should the cache claim the offer for another write's
// identical bytes at another revision, the side that comes second takes a
// shallow copy with its own resourceVersion instead. A writer whose write
// failed after the cache claimed its object goes on with a shallow copy
// (settle tells it).
type handoff struct {
	r   *resource
	key string
	// value is the bytes written to the store (encodeForStore's, which
	// nobody modifies); once the offer is claimed, the store's value at
	// the claiming event's revision.
	value []byte
	obj   metav1.Object // the written object; shared once its resourceVersion is set
	// result is set by the writer after a successful write: its revision
	// and the object's JSON at that revision (the response body).
	result atomic.Pointer[handoffResult]
	// rev, objRev and claimed are guarded by watchCache.pmu.
	rev     int64 // the write's revision once known; 0 while in flight
	objRev  int64 // the revision of obj's resourceVersion; 0 while unset
	claimed bool
}

// handoffResult is what a successful write adds to its offer.
type handoffResult struct {
	rev  int64
	json splicedJSON
}

// shallowCopy returns a new object of r sharing obj's maps, slices and
// pointers: fields that neither the writer (which must not modify what a
// write returned) nor the cache (which never modifies what it holds)
// change afterwards. Its ObjectMeta is its own, so its resourceVersion may
// be set.
func (r *resource) shallowCopy(obj metav1.Object) metav1.Object {
	cp := reflect.New(r.typ)
	cp.Elem().Set(reflect.ValueOf(obj).Elem())
	return cp.Interface().(metav1.Object)
}

// offer registers obj, just encoded as value for key, before it is
// written. From then on the writer must not modify obj (see handoff), and
// must call objectAt and settle after a successful write, settle after a
// failed one. A nil cache, or a nil receiver, offers nothing.
func (c *watchCache) offer(key string, value []byte, obj metav1.Object) *handoff {
	if c == nil {
		return nil
	}
	h := &handoff{r: c.r, key: key, value: value, obj: obj}
	c.pmu.Lock()
	c.pending[key] = append(c.pending[key], h)
	c.pmu.Unlock()
	return h
}

// objectAt returns obj, the object the writer of h (nil: no offer)
// wrote at rev, with its resourceVersion set: obj itself, or, when the
// cache claimed it for a write at another revision, a shallow copy.
func (c *watchCache) objectAt(r *resource, h *handoff, obj metav1.Object, rev int64) metav1.Object {
	if h == nil {
		obj.GetObjectMeta().ResourceVersion = formatRV(rev)
		return obj
	}
	c.pmu.Lock()
	defer c.pmu.Unlock()
	return h.objectAtLocked(r, rev)
}

// objectAtLocked returns h's object with the resourceVersion of rev,
// setting it when it is unset, or a shallow copy when it is another's.
// watchCache.pmu must be held.
func (h *handoff) objectAtLocked(r *resource, rev int64) metav1.Object {
	switch h.objRev {
	case 0:
		h.obj.GetObjectMeta().ResourceVersion = formatRV(rev)
		h.objRev = rev
		return h.obj
	case rev:
		return h.obj
	}
	cp := r.shallowCopy(h.obj)
	cp.GetObjectMeta().ResourceVersion = formatRV(rev)
	return cp
}

// settle records the outcome of h's write: rev > 0 and sp (the object's
// JSON at rev, when valid) on success, 0 on failure. An offer the cache can no longer
// claim is forgotten. It reports whether the cache claimed the offer:
// after a failed write, the writer must then not modify the object it
// offered.
func (c *watchCache) settle(h *handoff, rev int64, sp splicedJSON) bool {
	if h == nil {
		return false
	}
	// A packing cache (see watchcache_packed.go) does not need the
	// result of a splice: it makes the same splice of the offered bytes
	// itself (cachedObject.encoded, resource.pack). Not storing it saves
	// an allocation per write.
	if rev > 0 && sp.valid() && !(c.packs && sp.at >= 0) {
		h.result.Store(&handoffResult{rev: rev, json: sp})
	}
	c.pmu.Lock()
	defer c.pmu.Unlock()
	h.rev = rev
	if h.claimed {
		return true
	}
	// The cache applies events in revision order: once it is at rev
	// without having claimed h, it never will.
	if rev == 0 || c.curRev.Load() >= rev {
		c.removePending(h)
	}
	return false
}

// claim returns the unclaimed offer for key whose bytes are value, if any,
// with its object at rev (see objectAt), which the cache then shares, and
// forgets the settled offers of key at or before rev, which no later event
// can match. Only the run goroutine calls it.
func (c *watchCache) claim(key string, value []byte, rev int64) (*handoff, metav1.Object) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	hs := c.pending[key]
	if len(hs) == 0 {
		return nil, nil
	}
	var found *handoff
	var obj metav1.Object
	kept := hs[:0]
	for _, h := range hs {
		switch {
		case found == nil && bytes.Equal(h.value, value):
			h.claimed = true
			found = h
			obj = h.objectAtLocked(c.r, rev)
		case h.rev != 0 && h.rev <= rev:
			// settled and passed: forget it.
		default:
			kept = append(kept, h)
		}
	}
	clear(hs[len(kept):])
	if len(kept) == 0 {
		delete(c.pending, key)
	} else {
		c.pending[key] = kept
	}
	return found, obj
}

// sweepPending forgets the settled offers at or before rev: after a load
// at rev, no event will claim them.
func (c *watchCache) sweepPending(rev int64) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	for key, hs := range c.pending {
		kept := hs[:0]
		for _, h := range hs {
			if h.rev == 0 || h.rev > rev {
				kept = append(kept, h)
			}
		}
		clear(hs[len(kept):])
		if len(kept) == 0 {
			delete(c.pending, key)
		} else {
			c.pending[key] = kept
		}
	}
}

// removePending forgets h. c.pmu must be held.
func (c *watchCache) removePending(h *handoff) {
	hs := c.pending[h.key]
	for i, x := range hs {
		if x == h {
			hs = append(hs[:i], hs[i+1:]...)
			hs[len(hs):cap(hs)][0] = nil
			break
		}
	}
	if len(hs) == 0 {
		delete(c.pending, h.key)
	} else {
		c.pending[h.key] = hs
	}
}

// newCachedObjectFromHandoff makes the cache's object of a claimed offer
// for the event at rev, from the offer's object at rev (claim's).
func (r *resource) newCachedObjectFromHandoff(h *handoff, obj metav1.Object, rev int64) *cachedObject {
	co := r.newCachedObjectLazy(h.key, obj)
	co.src = h
	co.rev = rev
	return co
}
