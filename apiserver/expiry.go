package apiserver

import (
	"context"
	"sync"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Objects of a resource with a TTL leave the store two ways: deleted
// through the API, whose handler then releases what they held (afterDelete:
// their quota usage), or by the store itself when their lease expires,
// which no handler sees. The watch cache sees both as DELETED events; the
// deletion ledger tells them apart, so that the cache has a deletion that
// no delete request of this server made released (by the server's expiry
// worker) and leaves the others to their handlers.
//
// A delete request registers its key before the store delete (begin) and
// settles it after (end) with the deletion's revision, or 0 when it
// failed. The cache, for each DELETED event of the resource (observe):
// skips it when a settled delete of this server made it; parks it while a
// delete of the key is in flight, for end to decide; else releases it.
// end releases the parked events its delete did not make.

// deleteID is one deletion: a key and the revision that deleted it.
type deleteID struct {
	key string
	rev int64
}

// deleteLedger is the deletion ledger of one resource with a TTL.
type deleteLedger struct {
	mu sync.Mutex // guards the maps
	// inflight counts the delete requests of each key under way.
	inflight map[string]int
	// own holds this server's deletions whose event the cache has not
	// seen yet.
	own map[deleteID]struct{}
	// parked holds the deletions the cache saw while a delete request of
	// their key was under way, with the object's last state.
	parked map[string][]parkedDelete
}

// parkedDelete is a deletion event waiting for a delete request to end.
type parkedDelete struct {
	rev int64
	obj metav1.Object
}

func newDeleteLedger() *deleteLedger {
	return &deleteLedger{inflight: map[string]int{}, own: map[deleteID]struct{}{}, parked: map[string][]parkedDelete{}}
}

// begin registers a delete request of key about to delete it in the
// store. A nil ledger does nothing.
func (l *deleteLedger) begin(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight[key]++
}

// end settles a delete request of key begun with begin: rev is the
// revision of its deletion, 0 when it deleted nothing. It returns the
// objects of the deletions the cache parked meanwhile that the request did
// not make (the store expired them): the caller releases them.
func (l *deleteLedger) end(key string, rev int64) []metav1.Object {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	mine := false
	ps := l.parked[key]
	kept := ps[:0]
	for _, p := range ps {
		if rev > 0 && p.rev == rev {
			mine = true
			continue
		}
		kept = append(kept, p)
	}
	clear(ps[len(kept):])
	if rev > 0 && !mine {
		l.own[deleteID{key, rev}] = struct{}{}
	}
	if l.inflight[key]--; l.inflight[key] > 0 {
		l.parked[key] = kept
		return nil
	}
	delete(l.inflight, key)
	delete(l.parked, key)
	if len(kept) == 0 {
		return nil
	}
	out := make([]metav1.Object, len(kept))
	for i, p := range kept {
		out[i] = p.obj
	}
	return out
}

// observe decides what to do with the cache's DELETED event of key at rev
// (obj is the object's last state); expired says whether the object's
// lease is one of this server's that has expired, so that the deletion may
// be its expiry. It reports whether the deletion is to be released now:
// when it may be an expiry and no delete request of this server made it
// or may have made it. Only the watch cache's run goroutine calls it.
func (l *deleteLedger) observe(key string, rev int64, obj metav1.Object, expired bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := deleteID{key, rev}
	if _, ok := l.own[id]; ok {
		delete(l.own, id)
		return false
	}
	if !expired {
		return false
	}
	if l.inflight[key] > 0 {
		l.parked[key] = append(l.parked[key], parkedDelete{rev: rev, obj: obj})
		return false
	}
	return true
}

// forget drops the own deletions at or before rev, whose events the cache
// will never see: it has just loaded the resource at rev.
func (l *deleteLedger) forget(rev int64) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for id := range l.own {
		if id.rev <= rev {
			delete(l.own, id)
		}
	}
}

// expiredObject is an object of r that the store deleted on its own.
type expiredObject struct {
	r   *resource
	obj metav1.Object
}

// expiryQueue hands the cache's expired objects to the server's expiry
// worker, which releases them one at a time, so that the cache never
// waits for the store writes a release makes.
type expiryQueue struct {
	mu      sync.Mutex // guards items
	items   []expiredObject
	wake    chan struct{} // has a value when items may be non-empty
	release func(ctx context.Context, r *resource, obj metav1.Object)
}

func newExpiryQueue(release func(ctx context.Context, r *resource, obj metav1.Object)) *expiryQueue {
	return &expiryQueue{wake: make(chan struct{}, 1), release: release}
}

// push queues an expired object; it never blocks.
func (q *expiryQueue) push(r *resource, obj metav1.Object) {
	q.mu.Lock()
	q.items = append(q.items, expiredObject{r: r, obj: obj})
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run releases the queued objects until ctx is done.
func (q *expiryQueue) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		}
		for {
			q.mu.Lock()
			items := q.items
			q.items = nil
			q.mu.Unlock()
			if len(items) == 0 {
				break
			}
			for _, it := range items {
				if ctx.Err() != nil {
					return
				}
				q.release(ctx, it.r, it.obj)
			}
		}
	}
}
