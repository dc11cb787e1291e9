package storetest

import (
	"fmt"

	"github.com/rigging-dev/rigging/store"
)

func watchTests() []test {
	return []test{
		{"FromNow", testWatchFromNow},
		{"ReplaysHistory", testWatchReplaysHistory},
		{"ResumeFromAnyRevision", testWatchResume},
		{"PrefixIsolation", testWatchPrefixIsolation},
		{"ConcurrentWritersExactlyOnce", testWatchConcurrentWriters},
		{"ProgressNotify", testWatchProgressNotify},
		{"RequestProgress", testWatchRequestProgress},
		{"CompactedRevision", testWatchCompacted},
		{"CancelClosesChannel", testWatchCancel},
		{"SlowWatcherDoesNotBlockWriters", testWatchSlowWatcher},
		{"ManyWatchers", testWatchManyWatchers},
	}
}

// A watch from revision 0 sees the writes after it, not those before.
func testWatchFromNow(h *harness) {
	h.put("w/a", "1", store.PutOptions{})
	h.put("w/b", "1", store.PutOptions{})
	s := h.watch("w/", store.WatchOptions{})
	r1 := h.put("w/a", "2", store.PutOptions{})
	r2 := h.create("w/c", "1", store.PutOptions{})
	want := []store.Event{putEvent(r1), putEvent(r2)}
	if d := diff(want, h.mustUntil(s, r2.Revision)); d != "" {
		h.t.Errorf("watch from revision 0 (-want +got):\n%s", d)
	}
}

// A watch from an old revision replays every change since, creations,
// updates and deletions, with KV and PrevKV.
func testWatchReplaysHistory(h *harness) {
	var want []store.Event
	want = append(want, putEvent(h.create("w/1", "a", store.PutOptions{})))
	want = append(want, putEvent(h.update("w/1", "b", store.UpdateOptions{})))
	want = append(want, putEvent(h.create("w/2", "a", store.PutOptions{})))
	want = append(want, deleteEvent(h.del("w/1", store.DeleteOptions{})))
	h.put("x/1", "outside", store.PutOptions{})
	want = append(want, putEvent(h.put("w/2", "b", store.PutOptions{})))
	want = append(want, putEvent(h.create("w/1", "c", store.PutOptions{})))
	last := h.del("w/2", store.DeleteOptions{ExpectedModRevision: 6})
	want = append(want, deleteEvent(last))

	// The events are exactly what the writes returned; check their shape
	// once against the contract, independently of the write responses.
	shape := []store.Event{
		{Type: store.EventPut, KV: kv("w/1", "a", 1, 1, 1)},
		{Type: store.EventPut, KV: kv("w/1", "b", 1, 2, 2), PrevKV: ptr(kv("w/1", "a", 1, 1, 1))},
		{Type: store.EventPut, KV: kv("w/2", "a", 3, 3, 1)},
		{Type: store.EventDelete, KV: deletion("w/1", 4), PrevKV: ptr(kv("w/1", "b", 1, 2, 2))},
		{Type: store.EventPut, KV: kv("w/2", "b", 3, 6, 2), PrevKV: ptr(kv("w/2", "a", 3, 3, 1))},
		{Type: store.EventPut, KV: kv("w/1", "c", 7, 7, 1)},
		{Type: store.EventDelete, KV: deletion("w/2", 8), PrevKV: ptr(kv("w/2", "b", 3, 6, 2))},
	}
	if d := diff(shape, want); d != "" {
		h.t.Errorf("write responses (-want +got):\n%s", d)
	}
	s := h.watch("w/", store.WatchOptions{Revision: 1})
	got := h.mustUntil(s, last.Revision)
	if d := diff(shape, got); d != "" {
		h.t.Errorf("watch from revision 1 (-want +got):\n%s", d)
	}
	creates := []bool{true, false, true, false, false, true, false}
	for i, e := range got {
		if i < len(creates) && e.IsCreate() != creates[i] {
			h.t.Errorf("event %d (%v %q at %d): IsCreate() = %v", i, e.Type, e.KV.Key, e.KV.ModRevision, e.IsCreate())
		}
	}
}

// A watch from any revision r delivers exactly the changes at r or later.
func testWatchResume(h *harness) {
	var all []store.Event
	rec := func(e store.Event) { all = append(all, e) }
	rec(putEvent(h.create("r/a", "1", store.PutOptions{})))
	rec(putEvent(h.create("r/b", "1", store.PutOptions{})))
	h.put("s/a", "outside", store.PutOptions{})
	rec(putEvent(h.update("r/a", "2", store.UpdateOptions{})))
	rec(deleteEvent(h.del("r/b", store.DeleteOptions{})))
	rec(putEvent(h.put("r/c", "1", store.PutOptions{})))
	h.put("s/a", "outside", store.PutOptions{})
	h.put("s/b", "outside", store.PutOptions{})
	rec(putEvent(h.put("r/b", "2", store.PutOptions{})))
	rec(putEvent(h.put("r/a", "3", store.PutOptions{})))
	rec(deleteEvent(h.del("r/c", store.DeleteOptions{})))
	rec(putEvent(h.create("r/c", "2", store.PutOptions{})))
	last := all[len(all)-1].KV.ModRevision
	for r := int64(1); r <= last; r++ {
		var want []store.Event
		for _, e := range all {
			if e.KV.ModRevision >= r {
				want = append(want, e)
			}
		}
		s := h.watch("r/", store.WatchOptions{Revision: r})
		if d := diff(want, h.mustUntil(s, last)); d != "" {
			h.t.Errorf("watch from revision %d (-want +got):\n%s", r, d)
		}
		s.cancel()
	}
	// From the next revision: only the next write.
	s := h.watch("r/", store.WatchOptions{Revision: h.rev() + 1})
	next := h.put("r/a", "4", store.PutOptions{})
	if d := diff([]store.Event{putEvent(next)}, h.mustUntil(s, next.Revision)); d != "" {
		h.t.Errorf("watch from the next revision (-want +got):\n%s", d)
	}
}

// A watch sees only its prefix, byte for byte.
func testWatchPrefixIsolation(h *harness) {
	sa := h.watch("a/", store.WatchOptions{})
	sall := h.watch("", store.WatchOptions{})
	var want, wantAll []store.Event
	for _, k := range []string{"a", "ab", "b/x", "a/x", "a0", "a/", "a\xff", "a/y"} {
		e := putEvent(h.put(k, "v", store.PutOptions{}))
		wantAll = append(wantAll, e)
		if len(k) >= 2 && k[:2] == "a/" {
			want = append(want, e)
		}
	}
	last := wantAll[len(wantAll)-1].KV.ModRevision
	if d := diff(want, h.mustUntil(sa, last)); d != "" {
		h.t.Errorf("watch a/ (-want +got):\n%s", d)
	}
	if d := diff(wantAll, h.mustUntil(sall, last)); d != "" {
		h.t.Errorf("watch of every key (-want +got):\n%s", d)
	}
}

// An idle watcher that asked for progress notifications learns the store's
// current revision, including writes to other prefixes.
func testWatchProgressNotify(h *harness) {
	h.put("q/1", "v", store.PutOptions{})
	h.put("q/2", "v", store.PutOptions{}) // 2
	s := h.watch("p/", store.WatchOptions{ProgressNotify: true})
	h.waitProgress(s, 2, 2)
	h.put("q/3", "v", store.PutOptions{}) // 3
	h.waitProgress(s, 2, 3)
}

// RequestProgress (an optional ability) brings a watcher that asked for
// progress notifications one at the store's current revision, after the
// events before it.
func testWatchRequestProgress(h *harness) {
	pr := h.progressRequester()
	s := h.watch("p/", store.WatchOptions{ProgressNotify: true})
	p1 := h.create("p/1", "v", store.PutOptions{})
	q1 := h.create("q/1", "v", store.PutOptions{})
	if d := diff([]store.Event{putEvent(p1)}, h.mustUntil(s, p1.Revision)); d != "" {
		h.t.Errorf("events before the progress notification (-want +got):\n%s", d)
	}
	if err := pr.RequestProgress(h.ctx); err != nil {
		h.t.Fatalf("RequestProgress: %v", err)
	}
	h.waitProgress(s, p1.Revision, q1.Revision)
}

// waitProgress waits up to ProgressTimeout for a progress notification at
// revision want, accepting earlier ones no older than oldest.
func (h *harness) waitProgress(s *stream, oldest, want int64) {
	h.t.Helper()
	for deadline := newDeadline(h.opts.ProgressTimeout); ; {
		r, ok, err := s.next(deadline.left())
		switch {
		case err != nil:
			h.t.Fatalf("no progress notification at revision %d within %v: %v", want, h.opts.ProgressTimeout, err)
		case !ok:
			h.t.Fatalf("%s: channel closed while waiting for a progress notification", s.what)
		case r.Err != nil:
			h.t.Fatalf("%s: ended with %v while waiting for a progress notification", s.what, r.Err)
		case !r.IsProgressNotify():
			h.t.Fatalf("%s: idle watcher got events %+v", s.what, r.Events)
		case r.Revision == want:
			return
		case r.Revision < oldest || r.Revision > want:
			h.t.Fatalf("%s: progress notification at revision %d, want %d", s.what, r.Revision, want)
		}
	}
}

// A watch from a compacted revision fails at once with a
// *CompactedError; from the compaction revision it replays what is left.
func testWatchCompacted(h *harness) {
	h.create("c/a", "1", store.PutOptions{})          // 1
	a2 := h.update("c/a", "2", store.UpdateOptions{}) // 2
	b3 := h.create("c/b", "1", store.PutOptions{})    // 3
	a4 := h.update("c/a", "3", store.UpdateOptions{}) // 4
	b5 := h.del("c/b", store.DeleteOptions{})         // 5
	h.compact(3)
	for _, r := range []int64{1, 2} {
		_, err := h.s.Watch(h.ctx, "c/", store.WatchOptions{Revision: r})
		h.wantCompacted(err, r, 3, fmt.Sprintf("Watch from revision %d after Compact(3)", r))
	}
	_, err := h.s.Watch(h.ctx, "other/", store.WatchOptions{Revision: 2})
	h.wantCompacted(err, 2, 3, "Watch of another prefix from revision 2 after Compact(3)")
	s := h.watch("c/", store.WatchOptions{Revision: 3})
	want := []store.Event{putEvent(b3), putEvent(a4), deleteEvent(b5)}
	if d := diff(want, h.mustUntil(s, 5)); d != "" {
		h.t.Errorf("watch from the compaction revision (-want +got):\n%s", d)
	}
	if d := diff(&a2.KV, a4.PrevKV); d != "" {
		h.t.Errorf("PrevKV of the update after compaction (-want +got):\n%s", d)
	}
}

// Cancelling the context closes the channel, with no error response.
func testWatchCancel(h *harness) {
	s := h.watch("c/", store.WatchOptions{})
	r := h.put("c/1", "v", store.PutOptions{})
	h.mustUntil(s, r.Revision)
	s.cancel()
	errs, err := s.closed(eventTimeout)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(errs) > 0 {
		h.t.Errorf("%s: cancelled watch sent errors %v; want the channel closed without one", s.what, errs)
	}
	h.put("c/2", "v", store.PutOptions{}) // not blocked by the ended watch
}
