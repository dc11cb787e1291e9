package client

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The defaults of InformerOptions.
const (
	// DefaultPageSize is the number of objects per page of an informer's
	// list.
	DefaultPageSize = 500
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait before an
	// informer retries a failed list or watch: 800 ms doubling to 30 s,
	// with up to 10% jitter, as client-go's reflector does.
	DefaultMinBackoff = 800 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
	// DefaultWatchTimeout is the least timeoutSeconds an informer asks of
	// the server for each watch; each asks for between it and twice it,
	// at random, so that many clients do not reconnect at once.
	DefaultWatchTimeout = 5 * time.Minute
)

// InformerOptions configure an Informer. The zero value watches every object
// of the resource (in the Resource's namespace, if it has one) without
// resync.
type InformerOptions struct {
	// LabelSelector and FieldSelector restrict the objects cached, as in
	// ListOptions.
	LabelSelector string
	FieldSelector string
	// ResyncPeriod, when positive, makes the informer call every handler's
	// OnUpdate(obj, obj) for every cached object this often, so that
	// handlers may re-check state they act on. 0 means never.
	ResyncPeriod time.Duration
	// PageSize is the limit of each page of a list; 0 means
	// DefaultPageSize (500).
	PageSize int64
	// MinBackoff and MaxBackoff bound the retry delay after a failed list
	// or watch; 0 means DefaultMinBackoff (800 ms) and DefaultMaxBackoff
	// (30 s).
	MinBackoff, MaxBackoff time.Duration
	// WatchTimeout is as DefaultWatchTimeout; 0 means that default.
	WatchTimeout time.Duration
}

// Syncer is anything whose cache can be waited for: informers and handler
// registrations.
type Syncer interface {
	// Synced returns a channel closed once the cache is synced.
	Synced() <-chan struct{}
}

// WaitForCacheSync waits until every one of syncs has synced, and reports
// true; or until ctx is done, and reports false.
func WaitForCacheSync(ctx context.Context, syncs ...Syncer) bool {
	for _, s := range syncs {
		select {
		case <-s.Synced():
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// Informer keeps a cache of the objects of one resource up to date and
// tells handlers of every change. It lists the objects (in pages), then
// watches from the list's resourceVersion, with bookmarks; when the watch
// ends it resumes from the last resourceVersion seen (an event's or a
// bookmark's), so that no event is lost or repeated; when the server says
// that version is gone (410), it lists again and reports the difference
// (objects missing from the new list are reported deleted with
// finalStateUnknown). Failed lists and watches are retried with backoff.
//
// Create one with NewInformer, add handlers and indexers, then Run it. All
// methods may be called from any goroutine. The cached objects are shared,
// read-only: handlers and listers must DeepCopy an object before changing
// it.
type Informer[T any] struct {
	r     *Resource[T]
	opts  InformerOptions
	store *Indexer[T]

	// mu guards the fields below, and is held while a change is applied to
	// the store and queued for the handlers, so that every handler sees
	// the changes in store order, and a handler added meanwhile sees each
	// object exactly once.
	mu        sync.Mutex
	listeners []*listener[T]
	running   bool
	stopped   bool
	runCtx    context.Context
	wg        sync.WaitGroup // the listener and resync goroutines
	synced    bool
	syncedCh  chan struct{}
	lastRV    string
}

// NewInformer returns an informer of the objects r lists (in r's namespace,
// if it is scoped to one) that opts selects. It does nothing until Run.
func NewInformer[T any](r *Resource[T], opts InformerOptions) *Informer[T] {
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.WatchTimeout <= 0 {
		opts.WatchTimeout = DefaultWatchTimeout
	}
	return &Informer[T]{
		r:        r,
		opts:     opts,
		store:    newIndexer(r.meta),
		syncedCh: make(chan struct{}),
	}
}

// Resource returns the typed client the informer lists and watches with.
func (i *Informer[T]) Resource() *Resource[T] { return i.r }

// Store returns the informer's cache. Read it; never write it.
func (i *Informer[T]) Store() *Indexer[T] { return i.store }

// Lister returns a lister reading the informer's cache.
func (i *Informer[T]) Lister() *Lister[T] { return NewLister(i.store, i.r.info.Resource) }

// AddIndexers adds indexes to the cache, indexing the objects already in
// it; see Indexer.AddIndexers.
func (i *Informer[T]) AddIndexers(indexers Indexers[T]) error { return i.store.AddIndexers(indexers) }

// HasSynced reports whether the first list has been stored in the cache.
// Handlers may not have seen it yet: wait for their Registrations for that.
func (i *Informer[T]) HasSynced() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.synced
}

// Synced returns a channel closed when HasSynced becomes true.
func (i *Informer[T]) Synced() <-chan struct{} { return i.syncedCh }

// LastSyncResourceVersion returns the resourceVersion the cache is at: that
// of the last list, event or bookmark seen.
func (i *Informer[T]) LastSyncResourceVersion() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.lastRV
}

// AddEventHandler adds a handler. If the informer has already synced, the
// handler is first told of every cached object with OnAdd(obj, true). It
// fails once the informer has stopped.
func (i *Informer[T]) AddEventHandler(h Handler[T]) (*Registration, error) {
	if h == nil {
		return nil, errors.New("add event handler: handler is nil")
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stopped {
		return nil, fmt.Errorf("add event handler to the %s informer: it has stopped", i.r.info.Resource)
	}
	l := newListener(h)
	if i.synced {
		for _, o := range i.store.List() {
			l.add(notification[T]{kind: notifyAdd, obj: o, flag: true})
		}
		l.add(notification[T]{kind: notifySynced})
	}
	i.listeners = append(i.listeners, l)
	if i.running {
		ctx := i.runCtx
		i.wg.Go(func() { l.run(ctx) })
	}
	return &Registration{
		pending: l.pending,
		synced:  l.synced,
		stop: func() {
			i.mu.Lock()
			defer i.mu.Unlock()
			i.listeners = slices.DeleteFunc(i.listeners, func(x *listener[T]) bool { return x == l })
			l.once.Do(func() { close(l.stop) })
		},
	}, nil
}

// RemoveEventHandler removes a handler added by AddEventHandler; it gets no
// more notifications once its current call, if any, returns.
func (i *Informer[T]) RemoveEventHandler(reg *Registration) {
	if reg != nil && reg.stop != nil {
		reg.stop()
	}
}

// Run lists and watches until ctx is done, calling the handlers on
// goroutines of their own, and returns once those goroutines have returned
// (after their current call). It returns an error only when the informer
// was run before: an informer runs once.
func (i *Informer[T]) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	i.mu.Lock()
	if i.running || i.stopped {
		i.mu.Unlock()
		return fmt.Errorf("run the %s informer: it was run before", i.r.info.Resource)
	}
	i.running = true
	i.runCtx = ctx
	for _, l := range i.listeners {
		i.wg.Go(func() { l.run(ctx) })
	}
	if i.opts.ResyncPeriod > 0 {
		i.wg.Go(func() { i.resyncLoop(ctx) })
	}
	i.mu.Unlock()

	i.reflect(ctx)

	cancel()
	i.mu.Lock()
	i.stopped = true // no wg.Go after this
	i.mu.Unlock()
	i.wg.Wait()
	return nil
}

// reflect is the list-and-watch loop.
func (i *Informer[T]) reflect(ctx context.Context) {
	log := logr.FromContextOrDiscard(ctx).WithValues("resource", i.r.info.GroupVersionResource.String())
	b := backoff{min: i.opts.MinBackoff, max: i.opts.MaxBackoff}
	needList := true
	for ctx.Err() == nil {
		if needList {
			if err := i.list(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				log.Error(err, "list failed; retrying", "after", b.next())
				if b.wait(ctx) != nil {
					return
				}
				continue
			}
			needList = false
			b.reset()
		}
		err := i.watch(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case isExpiredOrGone(err):
			log.V(1).Info("watch too old; listing again", "resourceVersion", i.LastSyncResourceVersion(), "reason", err.Error())
			needList = true
		case err != nil:
			log.Error(err, "watch failed; retrying", "after", b.next())
			if b.wait(ctx) != nil {
				return
			}
		default:
			b.reset()
		}
	}
}

// list reads every object, in pages, and replaces the cache with them.
func (i *Informer[T]) list(ctx context.Context) error {
	var items []*T
	opts := ListOptions{LabelSelector: i.opts.LabelSelector, FieldSelector: i.opts.FieldSelector, Limit: i.opts.PageSize}
	rv := ""
	for {
		l, err := i.r.List(ctx, opts)
		if err != nil {
			if opts.Continue != "" && isExpiredOrGone(err) {
				// The snapshot the pages were read from is gone: read
				// it whole, as client-go's pager does.
				items, rv, opts.Continue, opts.Limit = nil, "", "", 0
				continue
			}
			return err
		}
		if rv == "" {
			rv = l.ResourceVersion
		}
		for j := range l.Items {
			items = append(items, &l.Items[j])
		}
		if l.Continue == "" {
			break
		}
		opts.Continue = l.Continue
	}
	i.replace(items, rv)
	return nil
}

// replace makes items the cache, telling the handlers the difference.
func (i *Informer[T]) replace(items []*T, rv string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	old := i.store.snapshot()
	initial := !i.synced
	_ = i.store.Replace(items) // an index function's failure leaves the object out of that index only
	for _, o := range items {
		key := i.store.KeyOf(o)
		prev, ok := old[key]
		switch {
		case !ok:
			i.distribute(notification[T]{kind: notifyAdd, obj: o, flag: initial})
		case i.r.meta(prev).ResourceVersion != i.r.meta(o).ResourceVersion:
			i.distribute(notification[T]{kind: notifyUpdate, old: prev, obj: o})
		}
		delete(old, key)
	}
	for _, key := range slices.Sorted(maps.Keys(old)) {
		i.distribute(notification[T]{kind: notifyDelete, obj: old[key], flag: true})
	}
	i.lastRV = rv
	if !i.synced {
		i.synced = true
		close(i.syncedCh)
		i.distribute(notification[T]{kind: notifySynced})
	}
}

// watch watches from the last resourceVersion until the stream ends. It
// returns nil when the stream ended after delivering something or after a
// while, the ERROR event's error, or the error starting the watch.
func (i *Informer[T]) watch(ctx context.Context) error {
	timeout := i.opts.WatchTimeout + rand.N(i.opts.WatchTimeout+1)
	w, err := i.r.Watch(ctx, WatchOptions{
		LabelSelector:       i.opts.LabelSelector,
		FieldSelector:       i.opts.FieldSelector,
		ResourceVersion:     i.LastSyncResourceVersion(),
		AllowWatchBookmarks: true,
		TimeoutSeconds:      int64(timeout / time.Second),
	})
	if err != nil {
		return err
	}
	defer w.Stop()
	start := time.Now()
	events := 0
	for ev := range w.ResultChan() {
		switch ev.Type {
		case metav1.Added, metav1.Modified:
			i.upsert(ev.Object)
		case metav1.Deleted:
			i.remove(ev.Object)
		case metav1.Bookmark:
			i.bookmark(ev.Object)
		case metav1.Error:
			return ev.Err
		}
		events++
	}
	if events == 0 && time.Since(start) < time.Second {
		return fmt.Errorf("watch of %s from resourceVersion %q ended at once with no events", i.r.info.Resource, i.LastSyncResourceVersion())
	}
	return nil
}

func (i *Informer[T]) upsert(o *T) {
	i.mu.Lock()
	defer i.mu.Unlock()
	key := i.store.KeyOf(o)
	prev, ok := i.store.GetByKey(key)
	_ = i.store.Add(o)
	if ok {
		i.distribute(notification[T]{kind: notifyUpdate, old: prev, obj: o})
	} else {
		i.distribute(notification[T]{kind: notifyAdd, obj: o})
	}
	i.setRV(o)
}

func (i *Informer[T]) remove(o *T) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.store.DeleteKey(i.store.KeyOf(o))
	i.distribute(notification[T]{kind: notifyDelete, obj: o})
	i.setRV(o)
}

func (i *Informer[T]) bookmark(o *T) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.setRV(o)
}

// setRV records o's resourceVersion as the last seen, with mu held.
func (i *Informer[T]) setRV(o *T) {
	if rv := i.r.meta(o).ResourceVersion; rv != "" {
		i.lastRV = rv
	}
}

// distribute queues n for every handler, with mu held.
func (i *Informer[T]) distribute(n notification[T]) {
	for _, l := range i.listeners {
		l.add(n)
	}
}

// resyncLoop tells the handlers of every cached object each ResyncPeriod.
func (i *Informer[T]) resyncLoop(ctx context.Context) {
	t := time.NewTicker(i.opts.ResyncPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		i.mu.Lock()
		if i.synced {
			for _, o := range i.store.List() {
				i.distribute(notification[T]{kind: notifyUpdate, old: o, obj: o})
			}
		}
		i.mu.Unlock()
	}
}

// backoff is an exponential retry delay with jitter.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

// next returns the delay the next wait will use.
func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		return b.min
	}
	return b.cur
}

// wait waits for the current delay (plus up to 10%) or until ctx is done,
// then doubles the delay up to max.
func (b *backoff) wait(ctx context.Context) error {
	d := b.next()
	b.cur = min(2*d, b.max)
	return sleepCtx(ctx, d+rand.N(d/10+1))
}

func (b *backoff) reset() { b.cur = 0 }
