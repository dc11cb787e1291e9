package mvcc

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sync/errgroup"

	"github.com/rigging-dev/rigging/store"
)

// setRingLimit shrinks the recent-event history, so tests reach the
// catch-up-from-file path with few writes.
func setRingLimit(s *Store, events int) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.ring.maxEvents = events
}

// collect reads w until it has seen every event up to revision last,
// failing on an error response or after 60 s.
func collect(t testing.TB, ch <-chan store.WatchResponse, last int64) []store.Event {
	t.Helper()
	var got []store.Event
	timer := time.NewTimer(60 * time.Second)
	defer timer.Stop()
	for len(got) == 0 || got[len(got)-1].KV.ModRevision < last {
		select {
		case r, ok := <-ch:
			if !ok {
				t.Fatalf("watch closed after %d events", len(got))
			}
			if r.Err != nil {
				t.Fatalf("watch ended with %v after %d events", r.Err, len(got))
			}
			got = append(got, r.Events...)
		case <-timer.C:
			t.Fatalf("timed out with %d events, the last at %d, want up to %d", len(got), lastRev(got), last)
		}
	}
	return got
}

func lastRev(evs []store.Event) int64 {
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].KV.ModRevision
}

// writeLoad runs writers goroutines, each making n writes (puts, updates,
// deletes and two-key transactions under prefix), and returns every event
// they caused in revision order.
func writeLoad(t testing.TB, s *Store, prefix string, writers, n int) []store.Event {
	t.Helper()
	ctx := t.Context()
	results := make([][]store.Event, writers)
	var g errgroup.Group
	for w := range writers {
		g.Go(func() error {
			for i := range n {
				key := fmt.Sprintf("%s%d/%d", prefix, w, i%3)
				switch i % 4 {
				case 0, 1:
					r, err := s.Put(ctx, key, []byte(fmt.Sprint(i)), store.PutOptions{})
					if err != nil {
						return err
					}
					results[w] = append(results[w], store.Event{Type: store.EventPut, KV: r.KV, PrevKV: r.PrevKV})
				case 2:
					r, err := s.Delete(ctx, key, store.DeleteOptions{})
					if errors.Is(err, store.ErrNotFound) {
						continue
					}
					if err != nil {
						return err
					}
					results[w] = append(results[w], store.Event{Type: store.EventDelete, KV: r.KV, PrevKV: r.PrevKV})
				case 3:
					r, err := s.Txn(ctx, store.Txn{Then: []store.Op{
						{Type: store.OpPut, Key: key + "/x", Value: []byte("x")},
						{Type: store.OpPut, Key: key + "/y", Value: []byte("y")},
					}})
					if err != nil {
						return err
					}
					for _, res := range r.Results {
						results[w] = append(results[w], store.Event{Type: store.EventPut, KV: res.KV, PrevKV: res.PrevKV})
					}
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	var all []store.Event
	for _, r := range results {
		all = append(all, r...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].KV.ModRevision < all[j].KV.ModRevision })
	return all
}

// eventOpts compare events as the conformance suite does: a nil and an
// empty value are the same.
var eventOpts = []cmp.Option{cmpopts.EquateEmpty()}

// TestWatchThousandsOfWatchers starts 2,000 watchers on a mix of prefixes,
// reads them all while concurrent writers run, and checks that every
// watcher gets every event of its prefix exactly once, in revision order.
// A small per-watcher buffer and history make many of them fall behind and
// catch up (from the history or the file) while the writes go on.
func TestWatchThousandsOfWatchers(t *testing.T) {
	s := openTest(t, Options{WatchBufferSize: 16})
	setRingLimit(s, 256)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	const watchers = 2000
	prefixes := []string{"", "w/", "w/0/", "w/1/", "w/2", "x/"}
	// Readers stop once they have reached their prefix's last revision,
	// which is known (in target) when targetSet is closed.
	target := map[string]int64{}
	targetSet := make(chan struct{})
	got := make([][]store.Event, watchers)
	var readers errgroup.Group
	for i := range watchers {
		p := prefixes[i%len(prefixes)]
		ch, err := s.Watch(ctx, p, store.WatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		set := targetSet
		readers.Go(func() error {
			known := false
			for {
				if known && lastRev(got[i]) >= target[p] {
					return nil
				}
				select {
				case r, ok := <-ch:
					if !ok || r.Err != nil {
						return fmt.Errorf("watcher %d of %q ended (%v) after %d events", i, p, r.Err, len(got[i]))
					}
					got[i] = append(got[i], r.Events...)
				case <-set:
					known, set = true, nil
				}
			}
		})
	}
	all := writeLoad(t, s, "w/", 8, 40)
	want := map[string][]store.Event{}
	for _, p := range prefixes {
		for _, ev := range all {
			if len(ev.KV.Key) >= len(p) && ev.KV.Key[:len(p)] == p {
				want[p] = append(want[p], ev)
			}
		}
		target[p] = lastRev(want[p])
	}
	close(targetSet)
	if err := readers.Wait(); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for i := range watchers {
		p := prefixes[i%len(prefixes)]
		if sameEvents(want[p], got[i]) {
			continue
		}
		if failed < 3 {
			t.Errorf("watcher %d of %q (-want +got):\n%s", i, p, cmp.Diff(want[p], got[i], eventOpts...))
		}
		failed++
	}
	if failed > 0 {
		t.Fatalf("%d of %d watchers got wrong events", failed, watchers)
	}
	t.Logf("%d events to %d watchers; %d catch-ups read the file", len(all), watchers, s.hub.fileCatchUps.Load())
}

// TestWatchCatchUpFromFile: a watcher that stops reading falls out of the
// synced set and, once the history in memory has moved past it, catches up
// from the file, losing and repeating nothing.
func TestWatchCatchUpFromFile(t *testing.T) {
	s := openTest(t, Options{WatchBufferSize: 4})
	setRingLimit(s, 8)
	ctx := t.Context()
	ch, err := s.Watch(ctx, "", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Not reading: the watcher's queue overflows and the ring moves on.
	all := writeLoad(t, s, "k/", 4, 40)
	got := collect(t, ch, s.Revision())
	if d := cmp.Diff(all, got, eventOpts...); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if s.hub.fileCatchUps.Load() == 0 {
		t.Error("the watcher never read from the file")
	}
	// And from an old revision, with the ring far ahead.
	ch2, err := s.Watch(ctx, "k/1/", store.WatchOptions{Revision: 2})
	if err != nil {
		t.Fatal(err)
	}
	var want []store.Event
	for _, ev := range all {
		if ev.KV.ModRevision >= 2 && len(ev.KV.Key) >= 4 && ev.KV.Key[:4] == "k/1/" {
			want = append(want, ev)
		}
	}
	if d := cmp.Diff(want, collect(t, ch2, lastRev(want)), eventOpts...); d != "" {
		t.Errorf("events from revision 2 (-want +got):\n%s", d)
	}
}

// TestWatchCompactedWhileBehind: a watcher that has fallen behind into
// revisions that are then compacted gets what it had, then a final
// ErrCompacted response naming the compaction revision.
func TestWatchCompactedWhileBehind(t *testing.T) {
	s := openTest(t, Options{WatchBufferSize: 2})
	setRingLimit(s, 4)
	ctx := t.Context()
	ch, err := s.Watch(ctx, "", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		mustPut(t, s, fmt.Sprintf("k%d", i%3), fmt.Sprint(i), store.NoLease)
	}
	if err := s.Compact(ctx, 25); err != nil {
		t.Fatal(err)
	}
	var got []store.Event
	for r := range ch {
		if r.Err != nil {
			var ce *store.CompactedError
			if !errors.As(r.Err, &ce) || r.CompactRevision != 25 {
				t.Fatalf("final error %v with CompactRevision %d, want ErrCompacted at 25", r.Err, r.CompactRevision)
			}
			break
		}
		got = append(got, r.Events...)
	}
	for i, ev := range got {
		if ev.KV.ModRevision != int64(i+1) {
			t.Fatalf("events before the error are not revisions 1..%d: %v", len(got), got)
		}
	}
	if len(got) >= 25 {
		t.Errorf("got %d events, all before the compaction revision: the watcher was not behind", len(got))
	}
	if _, ok := <-ch; ok {
		t.Error("channel not closed after the final response")
	}
}

// TestWatchFromFutureRevision: a watch from a revision not yet written
// waits for it.
func TestWatchFromFutureRevision(t *testing.T) {
	s := openTest(t, Options{})
	mustPut(t, s, "a", "1", store.NoLease)
	ch, err := s.Watch(t.Context(), "", store.WatchOptions{Revision: 4})
	if err != nil {
		t.Fatal(err)
	}
	var want []store.Event
	for i := range 5 {
		r := mustPut(t, s, "a", fmt.Sprint(i+2), store.NoLease)
		if r.Revision >= 4 {
			want = append(want, store.Event{Type: store.EventPut, KV: r.KV, PrevKV: r.PrevKV})
		}
	}
	if d := cmp.Diff(want, collect(t, ch, 6), eventOpts...); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

// TestWatchProgressFakeClock drives progress notifications with a fake
// clock: an idle watcher gets one per interval, at the current revision,
// even when the store's writes are to other prefixes.
func TestWatchProgressFakeClock(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	s := openTest(t, Options{Clock: clock, ProgressInterval: time.Second})
	ctx := t.Context()
	ch, err := s.Watch(ctx, "p/", store.WatchOptions{ProgressNotify: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		mustPut(t, s, "q/x", fmt.Sprint(i), store.NoLease)
		clock.Advance(time.Second)
		r := next(t, ch)
		if !r.IsProgressNotify() || r.Revision != int64(i+1) {
			t.Fatalf("after write %d and a tick: %+v, want a progress notification at %d", i+1, r, i+1)
		}
	}
	// After events, the next tick finds the watcher active, the one after
	// idle.
	w := mustPut(t, s, "p/a", "v", store.NoLease)
	if r := next(t, ch); len(r.Events) != 1 || r.Revision != w.Revision {
		t.Fatalf("event response %+v, want one event at %d", r, w.Revision)
	}
	clock.Advance(time.Second)
	clock.Advance(time.Second)
	if r := next(t, ch); !r.IsProgressNotify() || r.Revision != w.Revision {
		t.Fatalf("%+v, want a progress notification at %d", r, w.Revision)
	}
}

func next(t testing.TB, ch <-chan store.WatchResponse) store.WatchResponse {
	t.Helper()
	select {
	case r, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("no watch response within 30 s")
	}
	return store.WatchResponse{}
}

// TestWatchCloseWithUnreadResponses: Close does not wait for a watcher
// whose reader is not reading; the stream still ends with ErrClosed.
func TestWatchCloseWithUnreadResponses(t *testing.T) {
	s, err := Open(t.Context(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := s.Watch(t.Context(), "", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		mustPut(t, s, fmt.Sprint(i), "v", store.NoLease)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var last store.WatchResponse
	for r := range ch {
		last = r
	}
	if !errors.Is(last.Err, store.ErrClosed) {
		t.Errorf("last response %+v, want ErrClosed", last)
	}
}

func TestRingEviction(t *testing.T) {
	r := newRing(0, 4, 1<<20)
	var evs []store.Event
	for rev := int64(1); rev <= 6; rev++ {
		evs = append(evs, store.Event{Type: store.EventPut, KV: store.KeyValue{Key: fmt.Sprintf("k%d", rev), ModRevision: rev}})
	}
	r.append(evs[:3])
	r.append(evs[3:])
	if r.start != 3 || r.len() != 4 {
		t.Fatalf("after 6 revisions with room for 4: start %d, %d held", r.start, r.len())
	}
	got, next, complete := r.collect("k", 4, 1)
	if len(got) != 1 || got[0].KV.ModRevision != 4 || next != 5 || complete {
		t.Errorf("collect from 4, limit 1: %v, next %d, complete %v", got, next, complete)
	}
	got, next, complete = r.collect("k5", 4, 10)
	if len(got) != 1 || next != 7 || !complete {
		t.Errorf("collect k5 from 4: %v, next %d, complete %v", got, next, complete)
	}
}

// sameEvents is a fast equality of event lists (cmp.Diff of 2,000 lists
// takes seconds); a nil and an empty value are the same.
func sameEvents(a, b []store.Event) bool {
	if len(a) != len(b) {
		return false
	}
	sameKV := func(x, y *store.KeyValue) bool {
		if x == nil || y == nil {
			return x == y
		}
		return x.Key == y.Key && string(x.Value) == string(y.Value) && x.CreateRevision == y.CreateRevision &&
			x.ModRevision == y.ModRevision && x.Version == y.Version && x.Lease == y.Lease
	}
	for i := range a {
		if a[i].Type != b[i].Type || !sameKV(&a[i].KV, &b[i].KV) || !sameKV(a[i].PrevKV, b[i].PrevKV) {
			return false
		}
	}
	return true
}

// TestWatchRevisionLargerThanBuffer: a transaction with more changes than
// a watcher's buffer reaches the watcher whole, in one response.
func TestWatchRevisionLargerThanBuffer(t *testing.T) {
	s := openTest(t, Options{WatchBufferSize: 4})
	ctx := t.Context()
	ch, err := s.Watch(ctx, "t/", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		ops := make([]store.Op, 100)
		for i := range ops {
			ops[i] = store.Op{Type: store.OpPut, Key: fmt.Sprintf("t/%03d", i), Value: []byte(fmt.Sprint(round))}
		}
		r, err := s.Txn(ctx, store.Txn{Then: ops})
		if err != nil {
			t.Fatal(err)
		}
		resp := next(t, ch)
		if len(resp.Events) != 100 {
			t.Fatalf("round %d: response with %d events, want the transaction's 100", round, len(resp.Events))
		}
		for i, ev := range resp.Events {
			if ev.KV.ModRevision != r.Revision || ev.KV.Key != ops[i].Key {
				t.Fatalf("round %d: event %d is %q at %d, want %q at %d", round, i, ev.KV.Key, ev.KV.ModRevision, ops[i].Key, r.Revision)
			}
		}
	}
}

// TestRequestProgress: with the clock stopped, only RequestProgress can
// bring the idle watcher its notification, at the current revision; a
// watcher that did not ask for progress gets nothing.
func TestRequestProgress(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	s := openTest(t, Options{Clock: clock, ProgressInterval: time.Second})
	ctx := t.Context()
	ch, err := s.Watch(ctx, "p/", store.WatchOptions{ProgressNotify: true})
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := s.Watch(ctx, "p/", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := mustPut(t, s, "q/x", "v", store.NoLease)
	if err := s.RequestProgress(ctx); err != nil {
		t.Fatal(err)
	}
	if r := next(t, ch); !r.IsProgressNotify() || r.Revision != w.Revision {
		t.Fatalf("%+v, want a progress notification at %d", r, w.Revision)
	}
	p := mustPut(t, s, "p/a", "v", store.NoLease)
	if r := next(t, quiet); len(r.Events) != 1 || r.Revision != p.Revision {
		t.Fatalf("watcher without ProgressNotify got %+v, want only the event at %d", r, p.Revision)
	}
}
