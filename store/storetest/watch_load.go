package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/rigging-dev/rigging/store"
)

// acks collects the events of acknowledged writes from many goroutines.
type acks struct {
	mu     sync.Mutex // guards events
	events []store.Event
}

func (a *acks) add(e store.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, e)
}

// sorted returns the events in revision order.
func (a *acks) sorted() []store.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := slices.Clone(a.events)
	slices.SortFunc(s, func(x, y store.Event) int { return int(x.KV.ModRevision - y.KV.ModRevision) })
	return s
}

// revisions returns the ModRevision of each event.
func revisions(events []store.Event) []int64 {
	revs := make([]int64, len(events))
	for i, e := range events {
		revs[i] = e.KV.ModRevision
	}
	return revs
}

// lastRevision returns the ModRevision of the last event, or 0.
func lastRevision(events []store.Event) int64 {
	if len(events) == 0 {
		return 0
	}
	return events[len(events)-1].KV.ModRevision
}

// eventsDiff compares a watch's events with the acknowledged ones: first
// their revisions (a short diff for a gap, a duplicate or a reordering),
// then, if those agree, the events whole. It returns "" if they are equal.
func eventsDiff(want, got []store.Event) string {
	if d := diff(revisions(want), revisions(got)); d != "" {
		return "event revisions (-want +got):\n" + d
	}
	if d := diff(want, got); d != "" {
		return "events (-want +got):\n" + d
	}
	return ""
}

// wantEvents reports eventsDiff, if any, and whether there was none.
func (h *harness) wantEvents(what string, want, got []store.Event) bool {
	h.t.Helper()
	if d := eventsDiff(want, got); d != "" {
		h.t.Errorf("%s: %s", what, d)
		return false
	}
	return true
}

// 8 writers × 100 writes, half to the watched prefix: a watcher of that
// prefix sees exactly the acknowledged writes to it, in revision order,
// once each; a watcher of every key sees all of them.
func testWatchConcurrentWriters(h *harness) {
	const writers, perWriter = 8, 100
	sw := h.watch("w/", store.WatchOptions{})
	sall := h.watch("", store.WatchOptions{})
	cw, call := sw.collect(eventTimeout), sall.collect(eventTimeout)
	var inPrefix, all acks
	g, ctx := errgroup.WithContext(h.ctx)
	for i := range writers {
		g.Go(func() error {
			for j := range perWriter {
				key := fmt.Sprintf("w/%d", i)
				if j%2 == 1 {
					key = fmt.Sprintf("x/%d", i)
				}
				r, err := h.s.Put(ctx, key, []byte(fmt.Sprint(j)), store.PutOptions{})
				if err != nil {
					return fmt.Errorf("writer %d: Put(%q): %w", i, key, err)
				}
				e := putEvent(r)
				all.add(e)
				if j%2 == 0 {
					inPrefix.add(e)
				}
			}
			return nil
		})
	}
	var err error
	h.within(writeTimeout, "8 concurrent writers", func() { err = g.Wait() })
	if err != nil {
		h.t.Fatal(err)
	}
	wantW, wantAll := inPrefix.sorted(), all.sorted()
	gotW, err := cw.finish(lastRevision(wantW))
	if err != nil {
		h.t.Error(err)
	}
	h.wantEvents(sw.what, wantW, gotW)
	gotAll, err := call.finish(lastRevision(wantAll))
	if err != nil {
		h.t.Error(err)
	}
	h.wantEvents(sall.what, wantAll, gotAll)
	if n := int64(len(wantAll)); lastRevision(wantAll) != n {
		h.t.Errorf("%d acknowledged writes on a fresh store, the last at revision %d", n, lastRevision(wantAll))
	}
}

// A watcher that reads nothing does not block 1,000 writes nor another
// watcher; when it reads, it gets every event in order, or a prefix of
// them and then a final ErrWatchTooSlow or ErrCompacted: never a gap or a
// duplicate.
func testWatchSlowWatcher(h *harness) {
	const writers, perWriter = 4, 250
	slow := h.watch("s/", store.WatchOptions{})
	fast := h.watch("s/", store.WatchOptions{})
	cfast := fast.collect(eventTimeout)
	var written acks
	g, ctx := errgroup.WithContext(h.ctx)
	for i := range writers {
		g.Go(func() error {
			for j := range perWriter {
				key := fmt.Sprintf("s/%d/%d", i, j%10)
				r, err := h.s.Put(ctx, key, []byte(fmt.Sprint(j)), store.PutOptions{})
				if err != nil {
					return fmt.Errorf("writer %d: Put(%q): %w", i, key, err)
				}
				written.add(putEvent(r))
			}
			return nil
		})
	}
	var err error
	h.within(writeTimeout, "1,000 writes with a watcher that reads nothing", func() { err = g.Wait() })
	if err != nil {
		h.t.Fatal(err)
	}
	want := written.sorted()
	last := lastRevision(want)
	got, err := cfast.finish(last)
	if err != nil {
		h.t.Errorf("the watcher that reads: %v", err)
	}
	h.wantEvents("the watcher that reads", want, got)

	got, err = slow.until(last, eventTimeout)
	switch {
	case err == nil:
		h.wantEvents("the watcher that read nothing until the writes ended", want, got)
	case errors.Is(err, store.ErrWatchTooSlow) || errors.Is(err, store.ErrCompacted):
		h.t.Logf("the watcher that read nothing was ended after %d of %d events: %v", len(got), len(want), err)
		if len(got) > len(want) {
			h.t.Errorf("the slow watcher got %d events, more than the %d written", len(got), len(want))
			got = got[:len(want)]
		}
		h.wantEvents("the slow watcher before its final error", want[:len(got)], got)
		errs, err := slow.closed(promptTimeout)
		if err != nil {
			h.t.Error(err)
		}
		if len(errs) > 0 {
			h.t.Errorf("%s: responses after the final one: %v", slow.what, errs)
		}
	default:
		h.t.Errorf("the watcher that read nothing until the writes ended: %v", err)
	}
}

// 200 watchers, half from revision 0 and half from the next revision, all
// get every event.
func testWatchManyWatchers(h *harness) {
	const watchers, writes = 200, 50
	next := h.rev() + 1
	streams := make([]*stream, watchers)
	collectors := make([]*collector, watchers)
	for i := range watchers {
		opts := store.WatchOptions{}
		if i%2 == 1 {
			opts.Revision = next
		}
		streams[i] = h.watch("m/", opts)
		collectors[i] = streams[i].collect(eventTimeout)
	}
	var want []store.Event
	for j := range writes {
		key := fmt.Sprintf("m/%d", j%10)
		if j%7 == 6 {
			want = append(want, deleteEvent(h.del(fmt.Sprintf("m/%d", (j-1)%10), store.DeleteOptions{})))
			continue
		}
		want = append(want, putEvent(h.put(key, fmt.Sprint(j), store.PutOptions{})))
	}
	last := lastRevision(want)
	failed := 0
	for i, c := range collectors {
		got, err := c.finish(last)
		problem := ""
		switch {
		case err != nil:
			problem = err.Error()
		default:
			problem = eventsDiff(want, got)
		}
		if problem == "" {
			continue
		}
		if failed++; failed <= 3 {
			h.t.Errorf("watcher %d of %d (%s): %s", i, watchers, streams[i].what, problem)
		}
	}
	if failed > 0 {
		h.t.Errorf("%d of %d watchers did not get exactly the %d events (the first 3 are reported)", failed, watchers, writes)
	}
}
