package mvcc

import "sync/atomic"

// maxCachedValue is the largest value the record cache keeps: 1 MiB.
const maxCachedValue = 1 << 20

// cacheSlotBits sets the number of slots of the record cache: 1<<14.
const cacheSlotBits = 14

// recordCache keeps recently written and read records, decoded, by
// revision, so that a read of a hot key skips the bbolt transaction and
// the decoding. A record never changes once written (a revision names one
// record for ever; compaction only removes records no read may ask for),
// so the cache needs no invalidation. It is direct-mapped: each revision
// has one slot, shared with others, and a newer entry replaces the older.
// It holds at most max bytes of values (approximately, under concurrent
// fills). Safe for concurrent use without locks.
type recordCache struct {
	slots []atomic.Pointer[cacheEntry]
	bytes atomic.Int64
	max   int64
}

// cacheEntry is one cached record.
type cacheEntry struct {
	rev  revision
	rec  record
	size int64
}

// newRecordCache returns a cache of at most max bytes, or nil (no cache)
// for max 0.
func newRecordCache(max int64) *recordCache {
	if max <= 0 {
		return nil
	}
	return &recordCache{slots: make([]atomic.Pointer[cacheEntry], 1<<cacheSlotBits), max: max}
}

// slot returns r's slot, by a multiplicative hash of the revision.
func (c *recordCache) slot(r revision) *atomic.Pointer[cacheEntry] {
	h := uint64(r.main)*0x9E3779B97F4A7C15 ^ uint64(r.sub)*0xC2B2AE3D27D4EB4F
	return &c.slots[h>>(64-cacheSlotBits)]
}

// get returns the record at r, if cached. A nil cache holds nothing.
func (c *recordCache) get(r revision) (record, bool) {
	if c == nil {
		return record{}, false
	}
	e := c.slot(r).Load()
	if e == nil || e.rev != r {
		return record{}, false
	}
	return e.rec, true
}

// put caches rec, the record at r, unless its value is too large or the
// cache is full of entries at least as large.
func (c *recordCache) put(r revision, rec record) {
	if c == nil || len(rec.kv.Value) > maxCachedValue {
		return
	}
	size := int64(len(rec.kv.Key)+len(rec.kv.Value)) + 128
	s := c.slot(r)
	old := s.Load()
	oldSize := int64(0)
	if old != nil {
		if old.rev == r {
			return
		}
		oldSize = old.size
	}
	if c.bytes.Load()+size-oldSize > c.max {
		return
	}
	if !s.CompareAndSwap(old, &cacheEntry{rev: r, rec: rec, size: size}) {
		return // another goroutine filled it meanwhile
	}
	c.bytes.Add(size - oldSize)
}
