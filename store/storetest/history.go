package storetest

import (
	"slices"
	"strings"
	"sync"

	"github.com/rigging-dev/rigging/store"
)

// history records acknowledged writes, in any order, and answers what a
// store must hold at a revision: for each key, its latest write at or
// before the revision, unless that write deleted it. It is not a store:
// it only replays what a store under test acknowledged. Safe for
// concurrent use.
type history struct {
	mu      sync.Mutex // guards entries
	entries []entry
}

// entry is one acknowledged change of one key.
type entry struct {
	rev int64
	key string
	// kv is the key after the change; nil for a deletion.
	kv *store.KeyValue
}

// put records a Create, Put or Update that returned r.
func (h *history) put(r store.WriteResponse) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, entry{rev: r.KV.ModRevision, key: r.KV.Key, kv: ptr(r.KV)})
}

// del records a Delete that returned r.
func (h *history) del(r store.WriteResponse) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, entry{rev: r.KV.ModRevision, key: r.KV.Key})
}

// at returns the keys with prefix as of rev, in byte order.
func (h *history) at(prefix string, rev int64) []store.KeyValue {
	h.mu.Lock()
	defer h.mu.Unlock()
	latest := make(map[string]entry)
	for _, e := range h.entries {
		if e.rev > rev || !strings.HasPrefix(e.key, prefix) {
			continue
		}
		if cur, ok := latest[e.key]; !ok || e.rev > cur.rev {
			latest[e.key] = e
		}
	}
	var kvs []store.KeyValue
	for _, e := range latest {
		if e.kv != nil {
			kvs = append(kvs, *e.kv)
		}
	}
	slices.SortFunc(kvs, func(a, b store.KeyValue) int { return strings.Compare(a.Key, b.Key) })
	return kvs
}
