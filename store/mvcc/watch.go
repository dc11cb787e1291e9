package mvcc

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/rigging-dev/rigging/store"
)

// hub fans committed events out to watchers, the way etcd's watchable
// store does. The writer publishes each committed batch: the events go into
// the ring of recent history and, for every "synced" watcher whose prefix
// matches, into that watcher's bounded queue; the writer never waits for a
// watcher. A watcher whose queue would overflow, or that starts at a past
// revision, is "unsynced": its own goroutine catches it up from the ring,
// or from the file when the ring no longer reaches back far enough, and
// then it rejoins the synced set under the hub lock, so that no event is
// missed or repeated across the switch.
type hub struct {
	bufSize int
	// readEvents reads the events of keys with prefix in revisions
	// [from, to] from the file (Store.readEvents).
	readEvents func(prefix string, from, to int64, limit int) ([]store.Event, int64, error)

	mu sync.Mutex // guards every field below and each watcher's hub-side fields
	// rev is the last revision published.
	rev  int64
	ring *ring
	// synced holds the synced watchers by prefix; lens is the distinct
	// prefix lengths in it, ascending, with their counts in lenCount.
	synced   map[string]map[*watcher]struct{}
	lens     []int
	lenCount map[int]int
	// all holds every running watcher.
	all map[*watcher]struct{}
	// touched is publish's scratch list.
	touched []*watcher
	closed  bool

	// fileCatchUps counts catch-up reads from the file (for tests).
	fileCatchUps atomic.Int64

	closing chan struct{} // closed by close
	wg      sync.WaitGroup
}

func newHub(rev int64, bufSize int, readEvents func(string, int64, int64, int) ([]store.Event, int64, error)) *hub {
	return &hub{
		bufSize:    bufSize,
		readEvents: readEvents,
		rev:        rev,
		ring:       newRing(rev, ringMaxEvents, ringMaxBytes),
		synced:     make(map[string]map[*watcher]struct{}),
		lenCount:   make(map[int]int),
		all:        make(map[*watcher]struct{}),
		closing:    make(chan struct{}),
	}
}

// watcher is one Watch call.
type watcher struct {
	h        *hub
	ctx      context.Context
	prefix   string
	progress bool
	out      chan store.WatchResponse
	wake     chan struct{} // capacity 1: a pending wake-up

	// Hub-side fields, guarded by h.mu.
	inSynced bool
	minRev   int64 // events before it are not for this watcher
	pend     []store.Event

	mu sync.Mutex // guards the fields below
	// queue holds the events the writer handed over, not yet taken.
	queue []store.Event
	// queueRev is the hub revision the queue is complete up to.
	queueRev int64
	// overflow is set when the writer dropped the watcher from the synced
	// set; resume is then the first revision it did not queue.
	overflow bool
	resume   int64
	// progressDue asks the goroutine for a progress notification at
	// progressRev; active records a send of events since the last
	// progress tick.
	progressDue bool
	progressRev int64
	active      bool
	// progressAsked marks a progress notification that RequestProgress
	// asked for: it is sent even after a batch of events.
	progressAsked bool
}

// signal wakes the watcher's goroutine without blocking.
func (w *watcher) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// register starts a watcher from revision start (0: the next write).
func (h *hub) register(ctx context.Context, prefix string, start int64, progress bool) (*watcher, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errClosed()
	}
	w := &watcher{
		h:        h,
		ctx:      ctx,
		prefix:   prefix,
		progress: progress,
		out:      make(chan store.WatchResponse, 1),
		wake:     make(chan struct{}, 1),
	}
	if start == 0 {
		start = h.rev + 1
	}
	resume := int64(0)
	if start > h.rev {
		w.minRev = start
		w.queueRev = h.rev
		h.join(w)
	} else {
		resume = start
	}
	h.all[w] = struct{}{}
	h.wg.Add(1)
	go w.run(resume)
	return w, nil
}

// join adds w to the synced set. h.mu must be held.
func (h *hub) join(w *watcher) {
	set := h.synced[w.prefix]
	if set == nil {
		set = make(map[*watcher]struct{})
		h.synced[w.prefix] = set
		n := len(w.prefix)
		if h.lenCount[n] == 0 {
			i := sort.SearchInts(h.lens, n)
			h.lens = append(h.lens, 0)
			copy(h.lens[i+1:], h.lens[i:])
			h.lens[i] = n
		}
		h.lenCount[n]++
	}
	set[w] = struct{}{}
	w.inSynced = true
}

// leave removes w from the synced set. h.mu must be held.
func (h *hub) leave(w *watcher) {
	if !w.inSynced {
		return
	}
	w.inSynced = false
	set := h.synced[w.prefix]
	delete(set, w)
	if len(set) > 0 {
		return
	}
	delete(h.synced, w.prefix)
	n := len(w.prefix)
	h.lenCount[n]--
	if h.lenCount[n] == 0 {
		delete(h.lenCount, n)
		i := sort.SearchInts(h.lens, n)
		h.lens = append(h.lens[:i], h.lens[i+1:]...)
	}
}

// publish hands a committed batch's events (in revision order, ending at
// revision rev) to the ring and the synced watchers. It never blocks on a
// watcher: a watcher whose queue would exceed bufSize leaves the synced set
// and catches up on its own.
func (h *hub) publish(events []store.Event, rev int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ring.append(events)
	h.rev = rev
	if len(h.synced) == 0 {
		return
	}
	touched := h.touched[:0]
	for i := range events {
		ev := &events[i]
		key := ev.KV.Key
		for _, n := range h.lens {
			if n > len(key) {
				break
			}
			for w := range h.synced[key[:n]] {
				if ev.KV.ModRevision < w.minRev {
					continue
				}
				if len(w.pend) == 0 {
					touched = append(touched, w)
				}
				// Past bufSize the watcher overflows anyway (below); keep
				// only the first event, which says where it resumes.
				if len(w.pend) <= h.bufSize {
					w.pend = append(w.pend, *ev)
				}
			}
		}
	}
	for _, w := range touched {
		w.mu.Lock()
		if len(w.queue)+len(w.pend) > h.bufSize {
			w.overflow = true
			w.resume = w.pend[0].KV.ModRevision
			h.leave(w)
		} else {
			w.queue = append(w.queue, w.pend...)
			w.queueRev = rev
		}
		w.mu.Unlock()
		clear(w.pend)
		w.pend = w.pend[:0]
		w.signal()
	}
	clear(touched)
	h.touched = touched[:0]
}

// tick marks every idle synced watcher that asked for progress
// notifications as due for one at the current revision.
func (h *hub) tick() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.all {
		if !w.progress {
			continue
		}
		w.mu.Lock()
		if w.inSynced && !w.overflow && len(w.queue) == 0 && !w.active {
			w.progressDue = true
			w.progressRev = h.rev
			w.signal()
		}
		w.active = false
		w.mu.Unlock()
	}
}

// requestProgress marks every synced watcher that asked for progress
// notifications as due for one at the current revision, idle or not.
func (h *hub) requestProgress() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.all {
		if !w.progress {
			continue
		}
		w.mu.Lock()
		if w.inSynced && !w.overflow {
			w.progressDue, w.progressAsked = true, true
			w.progressRev = h.rev
			w.signal()
		}
		w.mu.Unlock()
	}
}

// close ends every watcher with ErrClosed and waits for their goroutines.
func (h *hub) close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.closing)
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// errStop ends a watcher's goroutine without a final response (its context
// is done, or the final response was already sent).
var errStop = errors.New("watch stopped")

// run is the watcher's goroutine. resume, when non-zero, is the first
// revision it must catch up from before joining the synced set.
func (w *watcher) run(resume int64) {
	h := w.h
	defer h.wg.Done()
	defer close(w.out)
	defer func() {
		h.mu.Lock()
		h.leave(w)
		delete(h.all, w)
		h.mu.Unlock()
	}()
	for {
		if resume != 0 {
			if err := w.catchUp(resume); err != nil {
				if !errors.Is(err, errStop) {
					w.final(err)
				}
				return
			}
			resume = 0
		}
		select {
		case <-w.wake:
		case <-w.ctx.Done():
			return
		case <-h.closing:
			w.final(errClosed())
			return
		}
		w.mu.Lock()
		q, qrev := w.queue, w.queueRev
		w.queue = nil
		if w.overflow {
			w.overflow = false
			resume = w.resume
		}
		due, prev, asked := w.progressDue, w.progressRev, w.progressAsked
		w.progressDue, w.progressAsked = false, false
		w.mu.Unlock()
		switch {
		case len(q) > 0:
			if !w.send(store.WatchResponse{Events: q, Revision: qrev}) {
				return
			}
			// Every event up to prev was queued before the request
			// marked the watcher, so it is in q or was sent before; q
			// is complete up to qrev.
			if asked && resume == 0 && !w.send(store.WatchResponse{Revision: max(prev, qrev)}) {
				return
			}
		case due && resume == 0:
			if !w.send(store.WatchResponse{Revision: prev}) {
				return
			}
		}
	}
}

// catchUp delivers every event from revision resume on, from the ring or
// the file, and rejoins the synced set.
func (w *watcher) catchUp(resume int64) error {
	h := w.h
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return errClosed()
		}
		if resume >= h.ring.start {
			evs, next, complete := h.ring.collect(w.prefix, resume, h.bufSize)
			if complete {
				w.mu.Lock()
				w.queueRev = h.rev
				w.mu.Unlock()
				h.join(w)
			}
			h.mu.Unlock()
			if len(evs) > 0 && !w.send(store.WatchResponse{Events: evs, Revision: next - 1}) {
				return errStop
			}
			if complete {
				return nil
			}
			resume = next
			continue
		}
		to := h.rev
		h.mu.Unlock()
		h.fileCatchUps.Add(1)
		evs, next, err := h.readEvents(w.prefix, resume, to, h.bufSize)
		if err != nil {
			return err
		}
		if len(evs) > 0 && !w.send(store.WatchResponse{Events: evs, Revision: next - 1}) {
			return errStop
		}
		resume = next
		if err := w.ctx.Err(); err != nil {
			return errStop
		}
	}
}

// send delivers one response, giving up when the watch's context ends or
// the store closes (sending ErrClosed then).
func (w *watcher) send(resp store.WatchResponse) bool {
	select {
	case w.out <- resp:
		if len(resp.Events) > 0 {
			w.mu.Lock()
			w.active = true
			w.mu.Unlock()
		}
		return true
	case <-w.ctx.Done():
		return false
	case <-w.h.closing:
		w.final(errClosed())
		return false
	}
}

// final sends the last response, saying why the stream ends. For ErrClosed
// it never blocks (Close must not wait for a reader that is not reading):
// when the reader has not taken the previous response, that one is dropped
// to make room, which loses nothing the reader could still use, since the
// store is gone. Other errors wait for the reader or its context.
func (w *watcher) final(err error) {
	resp := store.WatchResponse{Err: err}
	var ce *store.CompactedError
	if errors.As(err, &ce) {
		resp.CompactRevision = ce.Compacted
	}
	w.h.mu.Lock()
	resp.Revision = w.h.rev
	w.h.mu.Unlock()
	if errors.Is(err, store.ErrClosed) {
		select {
		case w.out <- resp:
			return
		default:
		}
		select {
		case <-w.out:
		default:
		}
		select {
		case w.out <- resp:
		default:
		}
		return
	}
	select {
	case w.out <- resp:
	case <-w.ctx.Done():
	case <-w.h.closing:
		w.final(errClosed())
	}
}

var _ store.ProgressRequester = (*Store)(nil)

// RequestProgress asks for a progress notification, at the current
// revision, on every watch that asked for progress notifications
// (WatchOptions.ProgressNotify) and is not catching up from history; each
// gets it once every change up to that revision has been sent to it, as
// etcd's RequestProgress. A watcher catching up gets none: the caller waits
// with a deadline. An API server's watch cache uses it to serve consistent
// reads from memory. It does not block.
func (s *Store) RequestProgress(ctx context.Context) error {
	if err := s.callErr(ctx); err != nil {
		return fmt.Errorf("request progress: %w", err)
	}
	s.hub.requestProgress()
	return nil
}

// runProgress is the goroutine that ticks progress notifications.
func (s *Store) runProgress(t Ticker) {
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C():
			s.hub.tick()
		}
	}
}

// Watch streams every change to keys starting with prefix from
// opts.Revision on (0: from the next write), in revision order, each once,
// with its previous value; see store.Watcher for the contract.
//
// A watcher costs one goroutine and a queue of at most WatchBufferSize
// events. The writer only ever appends to that queue; a reader that falls
// further behind is caught up by its own goroutine from the recent history
// (the last 8192 events) or from the file, and ends with ErrCompacted only
// if it needs revisions that were compacted meanwhile (CompactRevision then
// says which is the oldest left). Watching from a revision not yet written
// is allowed: the stream waits for it. When the store closes, the stream's
// last response carries ErrClosed; a response the reader had not yet taken
// by then may be dropped for it.
func (s *Store) Watch(ctx context.Context, prefix string, opts store.WatchOptions) (<-chan store.WatchResponse, error) {
	if err := s.callErr(ctx); err != nil {
		return nil, fmt.Errorf("watch %q: %w", prefix, err)
	}
	if err := store.CheckRevision(opts.Revision); err != nil {
		return nil, fmt.Errorf("watch %q: %w", prefix, err)
	}
	if opts.Revision > 0 {
		if c := s.compactRevision(); opts.Revision < c {
			return nil, fmt.Errorf("watch %q from revision %d: %w", prefix, opts.Revision, &store.CompactedError{Requested: opts.Revision, Compacted: c})
		}
	}
	w, err := s.hub.register(ctx, prefix, opts.Revision, opts.ProgressNotify)
	if err != nil {
		return nil, fmt.Errorf("watch %q: %w", prefix, err)
	}
	return w.out, nil
}
