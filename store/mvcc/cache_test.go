package mvcc

import (
	"bytes"
	"testing"

	"github.com/rigging-dev/rigging/store"
)

func TestRecordCache(t *testing.T) {
	rec := func(key string, n int) record {
		return record{kv: store.KeyValue{Key: key, Value: bytes.Repeat([]byte("v"), n)}}
	}
	c := newRecordCache(1000)
	c.put(revision{main: 1}, rec("a", 100))
	if got, ok := c.get(revision{main: 1}); !ok || got.kv.Key != "a" {
		t.Fatalf("get(1) = %+v, %v", got, ok)
	}
	if _, ok := c.get(revision{main: 1, sub: 1}); ok {
		t.Error("get of a revision never put hit")
	}
	c.put(revision{main: 2}, rec("big", maxCachedValue+1))
	if _, ok := c.get(revision{main: 2}); ok {
		t.Error("a value over maxCachedValue was cached")
	}
	// Fill past the byte bound: later entries are refused, the total
	// stays within it.
	for i := int64(3); i < 40; i++ {
		c.put(revision{main: i}, rec("k", 100))
	}
	if b := c.bytes.Load(); b > 1000 {
		t.Errorf("cache holds %d bytes, bound 1000", b)
	}
	var nilCache *recordCache
	nilCache.put(revision{main: 1}, rec("a", 1))
	if _, ok := nilCache.get(revision{main: 1}); ok {
		t.Error("a nil (disabled) cache hit")
	}
	if newRecordCache(-1) != nil {
		t.Error("newRecordCache(-1) is not nil")
	}
}

// TestCacheOff runs reads and writes with the cache turned off, so every
// read goes to the file.
func TestCacheOff(t *testing.T) {
	s := openTest(t, Options{CacheBytes: -1})
	ctx := t.Context()
	for i := range 5 {
		mustPut(t, s, "k", string(rune('a'+i)), store.NoLease)
	}
	for rev := int64(1); rev <= 5; rev++ {
		g, err := s.Get(ctx, "k", store.ReadOptions{Revision: rev})
		if err != nil || string(g.KV.Value) != string(rune('a'+rev-1)) {
			t.Errorf("Get at %d = %q, %v", rev, g.KV.Value, err)
		}
	}
	l := listAll(t, s, 3)
	if len(l.KVs) != 1 || string(l.KVs[0].Value) != "c" {
		t.Errorf("List at 3 = %+v", l)
	}
	r, err := s.Txn(ctx, store.Txn{If: []store.Compare{{Key: "k", Target: store.CompareValue, Result: store.Equal, Value: []byte("e")}}, Then: []store.Op{{Type: store.OpGet, Key: "k"}}})
	if err != nil || !r.Succeeded || string(r.Results[0].KV.Value) != "e" {
		t.Errorf("read-only Txn = %+v, %v", r, err)
	}
}
