package storetest

import (
	"fmt"

	"github.com/rigging-dev/rigging/store"
)

func compactTests() []test {
	return []test{
		{"ReadsBeforeRevisionFail", testCompactReads},
		{"Twice", testCompactTwice},
		{"FutureRevision", testCompactFuture},
		{"CurrentRevision", testCompactCurrent},
	}
}

// After Compact(r), reads before r fail with a *CompactedError, reads at r
// or later see each key as it was, and the latest state is unchanged.
// Compaction is not a write: the revision stays.
func testCompactReads(h *harness) {
	var hist history
	hist.put(h.create("a", "1", store.PutOptions{}))    // 1
	hist.put(h.update("a", "2", store.UpdateOptions{})) // 2
	hist.put(h.create("b", "1", store.PutOptions{}))    // 3
	hist.del(h.del("b", store.DeleteOptions{}))         // 4
	hist.put(h.update("a", "3", store.UpdateOptions{})) // 5
	hist.put(h.create("c", "1", store.PutOptions{}))    // 6
	before := h.state()
	h.compact(4)
	h.unchanged(before, "Compact(4)")
	for rev := int64(1); rev < 4; rev++ {
		_, err := h.s.Get(h.ctx, "a", store.ReadOptions{Revision: rev})
		h.wantCompacted(err, rev, 4, fmt.Sprintf("Get(a) at revision %d after Compact(4)", rev))
		_, err = h.s.List(h.ctx, "", store.ListOptions{Revision: rev})
		h.wantCompacted(err, rev, 4, fmt.Sprintf("List at revision %d after Compact(4)", rev))
		_, err = h.s.List(h.ctx, "", store.ListOptions{Revision: rev, CountOnly: true})
		h.wantCompacted(err, rev, 4, fmt.Sprintf("CountOnly List at revision %d after Compact(4)", rev))
	}
	for rev := int64(4); rev <= 6; rev++ {
		want := hist.at("", rev)
		if d := diff(store.ListResponse{KVs: want, Revision: rev, Count: int64(len(want))}, h.list("", store.ListOptions{Revision: rev})); d != "" {
			h.t.Errorf("List at revision %d after Compact(4) (-want +got):\n%s", rev, d)
		}
	}
	if d := diff(store.GetResponse{KV: kv("a", "2", 1, 2, 2), Revision: 4}, h.get("a", 4)); d != "" {
		h.t.Errorf("Get(a) at the compaction revision (-want +got):\n%s", d)
	}
	_, err := h.s.Get(h.ctx, "b", store.ReadOptions{Revision: 4})
	h.wantErr(err, store.ErrNotFound, "Get(b), deleted at the compaction revision")
	// The latest state is still readable through the same calls, and a
	// write after compaction continues the revisions.
	if d := diff(store.GetResponse{KV: kv("a", "3", 1, 5, 3), Revision: 6}, h.get("a", 0)); d != "" {
		h.t.Errorf("Get(a) after Compact(4) (-want +got):\n%s", d)
	}
	want := store.WriteResponse{KV: kv("a", "4", 1, 7, 4), PrevKV: ptr(kv("a", "3", 1, 5, 3)), Revision: 7}
	if d := diff(want, h.update("a", "4", store.UpdateOptions{ExpectedModRevision: 5})); d != "" {
		h.t.Errorf("Update after Compact(4) (-want +got):\n%s", d)
	}
}

// Compacting at or below the compaction revision fails with ErrCompacted.
func testCompactTwice(h *harness) {
	for i := range 5 {
		h.put(fmt.Sprintf("k%d", i), "v", store.PutOptions{})
	}
	h.compact(3)
	before := h.state()
	for _, rev := range []int64{3, 2, 1} {
		err := h.s.Compact(h.ctx, rev)
		h.wantErr(err, store.ErrCompacted, fmt.Sprintf("Compact(%d) after Compact(3)", rev))
		h.wantMention(err, fmt.Sprint(rev), fmt.Sprintf("Compact(%d) after Compact(3)", rev))
	}
	h.unchanged(before, "failed compactions")
	h.compact(4)
	_, err := h.s.Get(h.ctx, "k0", store.ReadOptions{Revision: 3})
	h.wantCompacted(err, 3, 4, "Get at revision 3 after Compact(4)")
}

// Compacting beyond the current revision fails with ErrFutureRevision.
func testCompactFuture(h *harness) {
	h.put("a", "v", store.PutOptions{})
	h.put("b", "v", store.PutOptions{})
	before := h.state()
	for _, rev := range []int64{3, 1000} {
		err := h.s.Compact(h.ctx, rev)
		h.wantErr(err, store.ErrFutureRevision, fmt.Sprintf("Compact(%d) of a store at revision 2", rev))
	}
	h.unchanged(before, "failed compactions")
	if d := diff(store.GetResponse{KV: kv("a", "v", 1, 1, 1), Revision: 1}, h.get("a", 1)); d != "" {
		h.t.Errorf("Get(a) at revision 1 after a failed compaction (-want +got):\n%s", d)
	}
}

// Compacting at the current revision keeps the latest state readable and
// watchable from that revision.
func testCompactCurrent(h *harness) {
	h.put("a", "1", store.PutOptions{})          // 1
	b2 := h.create("b", "1", store.PutOptions{}) // 2
	h.compact(2)
	h.wantRev(2, "Compact(2)")
	if d := diff(store.GetResponse{KV: b2.KV, Revision: 2}, h.get("b", 2)); d != "" {
		h.t.Errorf("Get(b) at the compaction revision (-want +got):\n%s", d)
	}
	_, err := h.s.Get(h.ctx, "a", store.ReadOptions{Revision: 1})
	h.wantCompacted(err, 1, 2, "Get(a) at revision 1 after Compact(2)")
	s := h.watch("", store.WatchOptions{Revision: 2})
	a3 := h.put("a", "3", store.PutOptions{})
	if d := diff(ptr(kv("a", "1", 1, 1, 1)), a3.PrevKV); d != "" {
		h.t.Errorf("PrevKV of a Put after Compact(2) (-want +got):\n%s", d)
	}
	if d := diff([]store.Event{putEvent(b2), putEvent(a3)}, h.mustUntil(s, 3)); d != "" {
		h.t.Errorf("watch from the compaction revision (-want +got):\n%s", d)
	}
}
