package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/rigging-dev/rigging/store"
)

// watchBuffer is the capacity of the channel Watch returns. Beyond it,
// responses wait in clientv3's own (unbounded) per-watch buffer, so a slow
// reader never holds up etcd, writers or other watches.
const watchBuffer = 64

// compactProbeTimeout bounds how long compactRevision waits for etcd to
// report its compaction revision.
const compactProbeTimeout = 5 * time.Second

// Watch streams every change to the keys starting with prefix, from
// opts.Revision on (0: from the revision after etcd's current one, read
// linearizably before Watch returns, so every write that starts after
// Watch returns is delivered), with the previous values.
//
// Before returning, Watch reads one key at opts.Revision, so a negative
// revision fails with store.ErrInvalid and a compacted one with a
// *store.CompactedError at once; a revision beyond the current one is
// accepted and its changes arrive when they are written. It then opens an
// etcd watch (WithRev, WithPrefix, WithPrevKV, WithRequireLeader and, when
// asked, WithProgressNotify) and translates its responses: keys lose
// Options.Prefix; an empty response is a progress notification, passed on
// only to watches that asked for them and only when its revision does not
// go backwards.
//
// The stream ends by closing the channel: when ctx is done (no error is
// sent), or after one final response whose Err is a *store.CompactedError
// (with CompactRevision set) when etcd compacted revisions the watch still
// needed, store.ErrClosed when the Store closes, or etcd's error wrapped
// (for example when the member lost its leader). etcd's client resumes
// the watch across broken connections by itself, from the revision after
// the last one delivered, so the stream has no gaps and no repeats.
func (s *Store) Watch(ctx context.Context, prefix string, opts store.WatchOptions) (<-chan store.WatchResponse, error) {
	what := fmt.Sprintf("watch %q", prefix)
	if err := s.checkOpen(what); err != nil {
		return nil, err
	}
	if err := store.CheckRevision(opts.Revision); err != nil {
		return nil, fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	start, err := s.watchStart(ctx, what, prefix, opts.Revision)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, fmt.Errorf("store/etcd: %s: %w", what, store.ErrClosed)
	}
	s.watches.Add(1)
	s.mu.Unlock()

	key, end := s.rangeOf(prefix)
	wopts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithRev(start), clientv3.WithPrevKV()}
	if opts.ProgressNotify {
		wopts = append(wopts, clientv3.WithProgressNotify())
	}
	w := &watch{
		s:        s,
		ctx:      ctx,
		what:     what,
		progress: opts.ProgressNotify,
		next:     start,
		reported: start - 1,
		out:      make(chan store.WatchResponse, watchBuffer),
	}
	w.wctx, w.cancel = context.WithCancel(clientv3.WithRequireLeader(ctx))
	watcher := s.client.Watcher
	if opts.ProgressNotify && s.progress > 0 {
		// A watcher of its own puts the watch on a gRPC stream of its own,
		// so its progress requests reach no other watch.
		w.own = clientv3.NewWatcher(s.client)
		watcher = w.own
	}
	w.in = watcher.Watch(w.wctx, key, wopts...)
	go w.run()
	return w.out, nil
}

// watchStart checks rev with a linearizable read of one key and returns the
// first revision the watch must deliver.
func (s *Store) watchStart(ctx context.Context, what, prefix string, rev int64) (int64, error) {
	probe := s.full(prefix)
	if probe == "" {
		probe = "\x00"
	}
	resp, err := s.client.Get(ctx, probe, clientv3.WithRev(rev), clientv3.WithCountOnly())
	switch {
	case err == nil:
	case errors.Is(err, rpctypes.ErrFutureRev):
		// Watching from a future revision is allowed: it waits.
		return rev, nil
	case errors.Is(err, rpctypes.ErrCompacted):
		return 0, s.compactedError(ctx, what, rev, rev)
	default:
		return 0, s.mapError(what, err)
	}
	if rev == 0 {
		return resp.Header.Revision + 1, nil
	}
	return rev, nil
}

// watch is the state of one open Watch, owned by its run goroutine.
type watch struct {
	s        *Store
	ctx      context.Context // the caller's
	what     string
	progress bool // the caller asked for progress notifications

	wctx   context.Context // ctx with the etcd watch's metadata
	cancel context.CancelFunc
	own    clientv3.Watcher // non-nil when the watch has its own stream
	in     clientv3.WatchChan
	out    chan store.WatchResponse

	// next is the first revision not delivered yet.
	next int64
	// reported is the highest revision the caller has been told about.
	reported int64
	released bool
}

// run translates etcd's responses until the stream ends.
func (w *watch) run() {
	defer close(w.out)
	defer w.release()
	var tick <-chan time.Time
	if w.own != nil {
		t := time.NewTicker(w.s.progress)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-w.s.done:
			w.finish(store.WatchResponse{Err: fmt.Errorf("store/etcd: %s: %w", w.what, store.ErrClosed)})
			return
		case <-tick:
			// An error here means the stream itself failed, which the
			// stream reports on w.in.
			_ = w.own.RequestProgress(w.wctx)
		case resp, ok := <-w.in:
			if !ok {
				w.ended()
				return
			}
			r, send, final := w.translate(resp)
			if final {
				w.finish(r)
				return
			}
			if send && !w.send(r) {
				return
			}
		}
	}
}

// translate turns one etcd response into the store's; send is false for a
// response the caller does not get, final true for the last one.
func (w *watch) translate(resp clientv3.WatchResponse) (r store.WatchResponse, send, final bool) {
	rev := resp.Header.GetRevision()
	if resp.CompactRevision != 0 {
		return store.WatchResponse{
			Revision:        rev,
			CompactRevision: resp.CompactRevision,
			Err: fmt.Errorf("store/etcd: %s: %w", w.what, &store.CompactedError{
				Requested: w.next,
				Compacted: resp.CompactRevision,
			}),
		}, true, true
	}
	if err := resp.Err(); err != nil {
		return store.WatchResponse{Revision: rev, Err: w.s.mapError(w.what, err)}, true, true
	}
	if len(resp.Events) == 0 {
		if resp.Created || !w.progress || rev < w.reported {
			return store.WatchResponse{}, false, false
		}
		w.reported = rev
		return store.WatchResponse{Revision: rev}, true, false
	}
	r = store.WatchResponse{Revision: rev, Events: make([]store.Event, len(resp.Events))}
	for i, ev := range resp.Events {
		r.Events[i] = w.s.event(ev)
	}
	w.next = resp.Events[len(resp.Events)-1].Kv.ModRevision + 1
	w.reported = max(w.reported, rev, w.next-1)
	return r, true, false
}

// event converts one etcd event.
func (s *Store) event(ev *clientv3.Event) store.Event {
	e := store.Event{Type: store.EventPut, KV: s.keyValue(ev.Kv), PrevKV: s.prevKeyValue(ev.PrevKv)}
	if ev.Type == mvccpb.DELETE {
		e.Type = store.EventDelete
		e.KV = store.KeyValue{Key: e.KV.Key, ModRevision: ev.Kv.ModRevision}
	}
	return e
}

// send delivers r unless the caller's ctx ends or the Store closes first
// (then it delivers the final ErrClosed); it reports whether the stream
// goes on.
func (w *watch) send(r store.WatchResponse) bool {
	select {
	case w.out <- r:
		return true
	case <-w.ctx.Done():
		return false
	case <-w.s.done:
		w.finish(store.WatchResponse{Err: fmt.Errorf("store/etcd: %s: %w", w.what, store.ErrClosed)})
		return false
	}
}

// ended handles etcd's channel closing without a final response: the
// caller's ctx ended (nothing to send), the Store closed, or the etcd
// client was closed under the Store.
func (w *watch) ended() {
	switch {
	case w.ctx.Err() != nil:
	case w.s.isClosed():
		w.finish(store.WatchResponse{Err: fmt.Errorf("store/etcd: %s: %w", w.what, store.ErrClosed)})
	default:
		w.finish(store.WatchResponse{Err: fmt.Errorf("store/etcd: %s: %w: the etcd client's watch stream closed", w.what, store.ErrClosed)})
	}
}

// finish releases the etcd stream, then delivers the final response r once
// the caller takes it, unless the caller's ctx ends first. Close waits only
// for the release, not for the delivery.
func (w *watch) finish(r store.WatchResponse) {
	w.release()
	select {
	case w.out <- r:
	case <-w.ctx.Done():
	}
}

// release ends the etcd watch and tells Close the stream is gone; it runs
// once.
func (w *watch) release() {
	if w.released {
		return
	}
	w.released = true
	w.cancel()
	if w.own != nil {
		_ = w.own.Close()
	}
	w.s.watches.Done()
}

// compactRevision asks etcd for its compaction revision, which no read
// reports: a watch from revision from, which must be below it, is
// cancelled by etcd with the compaction revision at once. The watch
// filters out every event, so it carries nothing else. ok is false when
// etcd gave no answer within compactProbeTimeout.
func (s *Store) compactRevision(ctx context.Context, from int64) (rev int64, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, compactProbeTimeout)
	defer cancel()
	key, end := s.rangeOf("")
	ch := s.client.Watch(ctx, key, clientv3.WithRange(end), clientv3.WithRev(from),
		clientv3.WithFilterPut(), clientv3.WithFilterDelete())
	for resp := range ch {
		if resp.CompactRevision != 0 {
			return resp.CompactRevision, true
		}
		if resp.Canceled {
			return 0, false
		}
	}
	return 0, false
}
