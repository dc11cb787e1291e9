package mvcc

import (
	"strings"

	"github.com/rigging-dev/rigging/store"
)

// The bounds of the recent-event history that watchers catch up from
// before they have to read the file: 8192 events and 32 MiB of keys and
// values, whichever is reached first (at least the newest revision is
// always kept).
const (
	ringMaxEvents = 8192
	ringMaxBytes  = 32 << 20
)

// ringEntry is the events of one revision.
type ringEntry struct {
	rev    int64
	events []store.Event
	size   int
}

// ring is the history of the most recent revisions' events, oldest first.
// Every revision produces at least one event, so the revisions it holds
// are contiguous: start, start+1, ..., last. It is not safe for concurrent
// use; the hub guards it.
type ring struct {
	entries []ringEntry // entries[head:] are live
	head    int
	// start is the oldest revision held; last+1 when empty.
	start     int64
	events    int
	bytes     int
	maxEvents int
	maxBytes  int
}

func newRing(rev int64, maxEvents, maxBytes int) *ring {
	return &ring{start: rev + 1, maxEvents: maxEvents, maxBytes: maxBytes}
}

// eventSize estimates an event's memory.
func eventSize(ev *store.Event) int {
	n := 96 + len(ev.KV.Key) + len(ev.KV.Value)
	if ev.PrevKV != nil {
		n += 64 + len(ev.PrevKV.Value)
	}
	return n
}

// append adds one batch of events (in revision order, revisions following
// the last held) and evicts the oldest revisions beyond the bounds.
func (r *ring) append(events []store.Event) {
	for i := 0; i < len(events); {
		rev := events[i].KV.ModRevision
		j := i
		size := 0
		for j < len(events) && events[j].KV.ModRevision == rev {
			size += eventSize(&events[j])
			j++
		}
		if r.len() == 0 {
			r.start = rev
		}
		r.entries = append(r.entries, ringEntry{rev: rev, events: events[i:j:j], size: size})
		r.events += j - i
		r.bytes += size
		i = j
	}
	for r.len() > 1 && (r.events > r.maxEvents || r.bytes > r.maxBytes) {
		e := &r.entries[r.head]
		r.events -= len(e.events)
		r.bytes -= e.size
		*e = ringEntry{}
		r.head++
		r.start++
	}
	// Reclaim the evicted prefix once it is half the slice.
	if r.head > 64 && r.head*2 > len(r.entries) {
		n := copy(r.entries, r.entries[r.head:])
		clear(r.entries[n:])
		r.entries = r.entries[:n]
		r.head = 0
	}
}

// len returns the number of revisions held.
func (r *ring) len() int { return len(r.entries) - r.head }

// collect returns the events of keys with prefix from revision from on, in
// order, stopping after the first revision that brings the count to limit
// or more. next is the first revision not examined; complete reports
// whether every held revision was. from must be at least r.start.
func (r *ring) collect(prefix string, from int64, limit int) (out []store.Event, next int64, complete bool) {
	i := r.head + int(from-r.start)
	for ; i < len(r.entries); i++ {
		e := &r.entries[i]
		for k := range e.events {
			if strings.HasPrefix(e.events[k].KV.Key, prefix) {
				out = append(out, e.events[k])
			}
		}
		if len(out) >= limit && i+1 < len(r.entries) {
			return out, e.rev + 1, false
		}
	}
	return out, r.start + int64(r.len()), true
}
