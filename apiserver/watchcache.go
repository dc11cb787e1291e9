package apiserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigging-dev/rigging/api/fields"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/internal/keytable"
	"github.com/rigging-dev/rigging/store"
)

// watchCache mirrors one resource's objects in memory and serves every
// watch of that resource from memory, so that any number of watch clients
// cost one store watch.
//
// It lists the resource's prefix at one revision, then watches the store
// from the next revision on with progress notifications. It keeps the
// current objects (for resourceVersion=0 reads and for the initial ADDED
// events of a watch) and a window of the last Options.WatchCacheSize events
// (for watches that resume from a resourceVersion). A watch from a
// resourceVersion older than the window gets 410 Expired.
//
// The store watch is never blocked by a watch client: each client has a
// buffer of Options.WatchBufferSize events, and a client whose buffer is
// full when an event arrives is ended (its stream closes after the events
// already buffered; the client watches again from the last resourceVersion
// it saw, as client-go does). When the store watch fails (its revisions
// were compacted, or the store ended it), the cache lists again and ends
// every client watch the same way.
//
// Paginated lists are served from snapshots of the cache at the first
// page's revision (see watchcache_snapshot.go).
type watchCache struct {
	s       *Server
	r       *resource
	readyCh chan struct{} // closed when the first load finished
	once    sync.Once

	// packs says whether the cache keeps its objects packed (the
	// resource is namespaced; see watchcache_packed.go).
	packs bool

	mu sync.RWMutex // guards every field below; the run goroutine alone writes them
	// rev is the revision the cache is current to: every change of the
	// resource up to rev has been applied.
	rev int64
	// objects holds the objects by store key: a keytable rather than a
	// map, which every garbage collection would mark in several times the
	// time (see package keytable).
	objects *keytable.Table[cachedObject]
	tree    *objectTree // the same objects, ordered by key
	// snaps holds the snapshots paginated lists read, by revision; those
	// older than windowFrom are dropped (see watchcache_snapshot.go).
	snaps map[int64]*cacheSnapshot
	// ring holds the last events, oldest at head; windowFrom is the
	// revision after which every event is in the ring.
	ring       []*cacheEvent
	head, n    int
	windowFrom int64
	watchers   map[*cacheWatcher]struct{}
	stopped    bool
	// advanced is closed, and replaced, whenever rev grows.
	advanced chan struct{}
	// curRev is rev, readable without mu (by writers settling an offer).
	curRev atomic.Int64
	// events counts the store events received (the resource's
	// apiserver_watch_cache_events_total).
	events prometheus.Counter

	// pmu guards pending: the objects that writes in flight (or just
	// done) offer the cache, by store key (see watchcache_handoff.go).
	// Lock order: pmu before mu.
	pmu     sync.Mutex
	pending map[string][]*handoff
}

// newObjectTable returns an empty table of cached objects by key, sized
// for hint objects.
func newObjectTable(hint int) *keytable.Table[cachedObject] {
	return keytable.New(func(o *cachedObject) string { return o.key }, hint)
}

// cachedObject is one object as the cache keeps it. It is shared by every
// reader and must not be modified.
//
// A packed object (see watchcache_packed.go) has no obj and no labels
// map: its JSON is made when it is cached, its labels are in plabels and
// its strategy's fields in fields.packed. Read the object with object and
// its labels with labelSet.
type cachedObject struct {
	key       string
	namespace string
	obj       metav1.Object // resourceVersion set; nil when packed
	labels    labels.Set    // nil when packed
	plabels   flatSet       // the labels of a packed object
	fields    objectFields
	// src, when set, is the write that handed obj over at rev: its
	// result may already hold obj's JSON, and its value is the stored
	// bytes to make it from.
	src *handoff
	// rev is obj's mod revision: that of its last write (0 when not
	// known).
	rev int64
	// json is obj's JSON, made once on first use by encoded and shared
	// by every list and watch that sends the object.
	jsonOnce sync.Once
	json     splicedJSON
	jsonErr  error
}

// encoded returns the object's JSON, made on the first call: for an object
// a write handed over, the writer's response body or else the stored
// bytes with the resourceVersion spliced in (no copy of either), otherwise
// obj encoded. The bytes are shared and must not be modified. Any
// goroutine may call it.
func (o *cachedObject) encoded() (splicedJSON, error) {
	o.jsonOnce.Do(func() {
		if h := o.src; h != nil {
			o.src = nil // only read here: let the offer go
			if res := h.result.Load(); res != nil && res.rev == o.rev {
				o.json = res.json
				return
			}
			// The writer has not answered yet: its stored bytes are the
			// store's value at o.rev (claim compared them).
			if sp, ok := h.r.splice(h.value, o.obj); ok {
				o.json = sp
				return
			}
		}
		raw, err := marshalObject(o.obj)
		if err != nil {
			o.jsonErr = err
			return
		}
		o.json = plainJSON(raw)
	})
	return o.json, o.jsonErr
}

// cacheEvent is one change. For a deletion, obj is the object's last state
// with the resourceVersion of the deletion, as Kubernetes sends it.
type cacheEvent struct {
	typ  metav1.EventType
	rev  int64
	obj  *cachedObject
	prev *cachedObject // nil for ADDED
}

// watchItem is one frame for a watch client: an event, or a bookmark
// (obj nil) at rev.
type watchItem struct {
	typ metav1.EventType
	obj *cachedObject
	rev int64
}

// cacheWatcher is one watch client of the cache.
type cacheWatcher struct {
	ch        chan watchItem // closed by the cache when the watch ends
	from      int64          // events after from are delivered
	namespace string         // "" for all
	label     labels.Selector
	field     fields.Selector
	bookmarks bool
	closed    bool // guarded by watchCache.mu
}

// newWatchCache returns the cache of r; run starts it.
func newWatchCache(s *Server, r *resource) *watchCache {
	return &watchCache{
		s:        s,
		r:        r,
		readyCh:  make(chan struct{}),
		packs:    r.info.Namespaced,
		objects:  newObjectTable(0),
		tree:     newObjectTree(),
		ring:     make([]*cacheEvent, s.opts.WatchCacheSize),
		watchers: map[*cacheWatcher]struct{}{},
		advanced: make(chan struct{}),
		pending:  map[string][]*handoff{},
		events:   s.metrics.cacheEvents.WithLabelValues(r.info.Group, r.info.Plural),
	}
}

// setRev raises the cache's revision and wakes waitRev. c.mu must be held.
func (c *watchCache) setRev(rev int64) {
	if rev > c.rev {
		c.rev = rev
		c.curRev.Store(rev)
		close(c.advanced)
		c.advanced = make(chan struct{})
	}
}

// waitRev waits until the cache is current to rev, or ctx is done.
func (c *watchCache) waitRev(ctx context.Context, rev int64) error {
	for {
		c.mu.RLock()
		cur, ch := c.rev, c.advanced
		c.mu.RUnlock()
		if cur >= rev {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ready reports whether the first load finished.
func (c *watchCache) ready() bool {
	select {
	case <-c.readyCh:
		return true
	default:
		return false
	}
}

// waitReady waits until the first load finished, or ctx is done.
func (c *watchCache) waitReady(ctx context.Context) error {
	select {
	case <-c.readyCh:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run loads the cache and follows the store until ctx is done, loading
// again whenever the store watch fails; when it returns every watch client
// has been ended.
func (c *watchCache) run(ctx context.Context) {
	defer c.stop()
	log := c.s.log.WithValues("resource", c.r.qualifiedResource)
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		ch, err := c.load(ctx)
		if err == nil {
			backoff = 50 * time.Millisecond
			err = c.follow(ctx, ch)
		}
		if ctx.Err() != nil {
			return
		}
		log.Info("watch cache restarting", "error", err.Error())
		c.endWatchers()
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// load lists the prefix at one revision, replaces the cache's contents with
// it and starts the store watch after that revision.
func (c *watchCache) load(ctx context.Context) (<-chan store.WatchResponse, error) {
	objects := newObjectTable(0)
	tree := newObjectTree()
	var rev int64
	opts := store.ListOptions{Limit: 1000}
	for {
		resp, err := c.s.store.List(ctx, c.r.prefix, opts)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", c.r.prefix, err)
		}
		rev = resp.Revision
		for _, kv := range resp.KVs {
			co, err := c.newCachedObject(kv.Key, kv.Value, kv.ModRevision)
			if err != nil {
				c.s.log.Error(err, "skipping undecodable stored object", "key", kv.Key)
				continue
			}
			objects.Set(co)
			tree.ReplaceOrInsert(co)
		}
		if resp.Continue == "" {
			break
		}
		opts = store.ListOptions{Limit: 1000, Continue: resp.Continue}
	}
	ch, err := c.s.store.Watch(ctx, c.r.prefix, store.WatchOptions{Revision: rev + 1, ProgressNotify: true})
	if err != nil {
		return nil, fmt.Errorf("watch %s from %d: %w", c.r.prefix, rev+1, err)
	}
	c.mu.Lock()
	c.objects, c.tree, c.windowFrom = objects, tree, rev
	clear(c.snaps)
	c.rev = 0
	c.curRev.Store(0)
	c.setRev(rev)
	clear(c.ring)
	c.head, c.n = 0, 0
	c.mu.Unlock()
	c.sweepPending(rev)
	c.r.deletes.forget(rev)
	c.once.Do(func() { close(c.readyCh) })
	return ch, nil
}

// follow applies the store watch's events until it fails or ctx is done,
// and sends bookmarks every BookmarkInterval.
func (c *watchCache) follow(ctx context.Context, ch <-chan store.WatchResponse) error {
	ticker := time.NewTicker(c.s.opts.BookmarkInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case resp, ok := <-ch:
			if !ok {
				return errors.New("store watch closed")
			}
			if resp.Err != nil {
				return resp.Err
			}
			if resp.IsProgressNotify() {
				c.mu.Lock()
				c.setRev(resp.Revision)
				c.mu.Unlock()
				continue
			}
			c.apply(resp.Events)
		case <-ticker.C:
			c.sendBookmarks()
		}
	}
}

// newCachedObject decodes a stored value, and packs it when the cache
// packs its objects.
func (c *watchCache) newCachedObject(key string, value []byte, rev int64) (*cachedObject, error) {
	obj, err := c.r.decode(value, rev)
	if err != nil {
		return nil, err
	}
	co := c.r.newCachedObjectLazy(key, obj)
	co.rev = rev
	if c.packs {
		c.r.pack(co, value)
	}
	return co, nil
}

// newCachedObjectFrom wraps a decoded object, which the cache then owns.
// Its JSON is encoded when first needed.
func (r *resource) newCachedObjectFrom(key string, obj metav1.Object) (*cachedObject, error) {
	return r.newCachedObjectLazy(key, obj), nil
}

// newCachedObjectLazy wraps obj without encoding it.
func (r *resource) newCachedObjectLazy(key string, obj metav1.Object) *cachedObject {
	m := obj.GetObjectMeta()
	return &cachedObject{
		key:       key,
		namespace: m.Namespace,
		obj:       obj,
		labels:    labels.Set(m.Labels),
		fields:    r.selectableFields(obj),
	}
}

// apply turns store events into cache events, applies them and sends them
// to the watchers. Only the run goroutine calls it.
func (c *watchCache) apply(events []store.Event) {
	evs := make([]*cacheEvent, 0, len(events))
	// Only this goroutine writes c.objects, so it may read it unlocked;
	// pending tracks the changes of this batch not yet applied.
	pending := map[string]*cachedObject{}
	current := func(key string) *cachedObject {
		if co, ok := pending[key]; ok {
			return co
		}
		return c.objects.Get(key)
	}
	c.events.Add(float64(len(events)))
	for _, e := range events {
		key := e.KV.Key
		prev := current(key)
		switch e.Type {
		case store.EventPut:
			var co *cachedObject
			if h, obj := c.claim(key, e.KV.Value, e.KV.ModRevision); h != nil {
				// The writer's object: no need to decode the bytes again.
				// Kept decoded while the write is in the window
				// (see packEvicted).
				co = c.r.newCachedObjectFromHandoff(h, obj, e.KV.ModRevision)
			} else {
				var err error
				if co, err = c.newCachedObject(key, e.KV.Value, e.KV.ModRevision); err != nil {
					c.s.log.Error(err, "skipping undecodable stored object", "key", key)
					continue
				}
			}
			typ := metav1.Modified
			if prev == nil {
				typ = metav1.Added
			}
			evs = append(evs, &cacheEvent{typ: typ, rev: e.KV.ModRevision, obj: co, prev: prev})
			pending[key] = co
		case store.EventDelete:
			if prev != nil && prev.obj == nil {
				// A packed object: its last state is its JSON with the
				// deletion's resourceVersion, decoded only should the
				// deletion be an expiry to release.
				co := packedDeletion(prev, e.KV.ModRevision)
				if d := c.r.deletes; d != nil {
					expired := e.PrevKV != nil && c.r.leases.expired(e.PrevKV.Lease, c.s.opts.Now())
					var last metav1.Object
					if expired {
						var err error
						if last, err = co.object(c.r); err != nil {
							c.s.log.Error(err, "skipping undecodable deleted object", "key", key)
							continue
						}
					}
					if d.observe(key, e.KV.ModRevision, last, expired) {
						c.s.expiry.push(c.r, last)
					}
				}
				evs = append(evs, &cacheEvent{typ: metav1.Deleted, rev: e.KV.ModRevision, obj: co, prev: prev})
				pending[key] = nil
				continue
			}
			var last metav1.Object
			var err error
			switch {
			case prev != nil:
				// Only the copy's resourceVersion and kind are set
				// below: it may share the rest with prev's.
				last = c.r.shallowCopy(prev.obj)
			case e.PrevKV != nil:
				last, err = c.r.decode(e.PrevKV.Value, e.KV.ModRevision)
			default:
				continue
			}
			if err != nil {
				c.s.log.Error(err, "skipping undecodable deleted object", "key", key)
				continue
			}
			last.GetObjectMeta().ResourceVersion = formatRV(e.KV.ModRevision)
			c.r.setTypeMeta(last)
			co, err := c.r.newCachedObjectFrom(key, last)
			if err != nil {
				c.s.log.Error(err, "skipping unencodable deleted object", "key", key)
				continue
			}
			if c.packs && prev == nil {
				// Decoded from the previous value: pack it like
				// the objects it was not cached as.
				c.r.pack(co, e.PrevKV.Value)
			}
			if prev == nil {
				prev = co
			}
			if d := c.r.deletes; d != nil {
				expired := e.PrevKV != nil && c.r.leases.expired(e.PrevKV.Lease, c.s.opts.Now())
				if d.observe(key, e.KV.ModRevision, last, expired) {
					c.s.expiry.push(c.r, last)
				}
			}
			evs = append(evs, &cacheEvent{typ: metav1.Deleted, rev: e.KV.ModRevision, obj: co, prev: prev})
			pending[key] = nil
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range evs {
		if ev.typ == metav1.Deleted {
			c.objects.Delete(ev.obj.key)
			c.tree.Delete(ev.obj)
		} else {
			c.objects.Set(ev.obj)
			c.tree.ReplaceOrInsert(ev.obj)
		}
		c.push(ev)
		c.dispatch(ev)
	}
	// Nothing reads the revision while mu is held: raising it once, to
	// the last event's, wakes waitRev once for the batch.
	if len(evs) > 0 {
		c.setRev(evs[len(evs)-1].rev)
	}
}

// push appends ev to the ring, evicting the oldest event when full.
// c.mu must be held.
func (c *watchCache) push(ev *cacheEvent) {
	if len(c.snaps) > 0 {
		defer c.trimSnapshots()
	}
	if len(c.ring) == 0 {
		c.windowFrom = ev.rev
		c.packEvicted(ev)
		return
	}
	if c.n == len(c.ring) {
		c.windowFrom = c.ring[c.head].rev
		c.packEvicted(c.ring[c.head])
		c.ring[c.head] = nil
		c.head = (c.head + 1) % len(c.ring)
		c.n--
	}
	c.ring[(c.head+c.n)%len(c.ring)] = ev
	c.n++
}

// dispatch sends ev to every watcher it concerns; a watcher whose buffer is
// full is ended. c.mu must be held.
func (c *watchCache) dispatch(ev *cacheEvent) {
	for w := range c.watchers {
		item, ok := w.convert(ev)
		if !ok {
			continue
		}
		select {
		case w.ch <- item:
		default:
			c.s.metrics.terminated.WithLabelValues(c.r.info.Group, c.r.info.Plural).Inc()
			c.endWatcher(w)
		}
	}
}

// matches reports whether o is selected by the watcher.
func (w *cacheWatcher) matches(o *cachedObject) bool {
	if w.namespace != "" && o.namespace != w.namespace {
		return false
	}
	return w.label.Matches(o.labelSet()) && w.field.Matches(&o.fields)
}

// convert returns what the watcher sees of ev: an object that starts
// matching is ADDED, one that stops matching is DELETED, as in Kubernetes.
func (w *cacheWatcher) convert(ev *cacheEvent) (watchItem, bool) {
	if ev.rev <= w.from {
		return watchItem{}, false
	}
	prevMatch := ev.prev != nil && w.matches(ev.prev)
	switch ev.typ {
	case metav1.Deleted:
		if prevMatch {
			return watchItem{typ: metav1.Deleted, obj: ev.obj, rev: ev.rev}, true
		}
		return watchItem{}, false
	}
	curMatch := w.matches(ev.obj)
	switch {
	case curMatch && prevMatch:
		return watchItem{typ: metav1.Modified, obj: ev.obj, rev: ev.rev}, true
	case curMatch:
		return watchItem{typ: metav1.Added, obj: ev.obj, rev: ev.rev}, true
	case prevMatch:
		return watchItem{typ: metav1.Deleted, obj: ev.obj, rev: ev.rev}, true
	}
	return watchItem{}, false
}

// sendBookmarks sends every watcher that asked for bookmarks one at the
// cache's revision, unless its buffer is full (a bookmark is advisory).
func (c *watchCache) sendBookmarks() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for w := range c.watchers {
		if !w.bookmarks || c.rev < w.from {
			continue
		}
		select {
		case w.ch <- watchItem{typ: metav1.Bookmark, rev: c.rev}:
		default:
		}
	}
}

// endWatcher closes w's channel and forgets it. c.mu must be held.
func (c *watchCache) endWatcher(w *cacheWatcher) {
	if w.closed {
		return
	}
	w.closed = true
	close(w.ch)
	delete(c.watchers, w)
}

// endWatchers ends every watcher.
func (c *watchCache) endWatchers() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for w := range c.watchers {
		c.endWatcher(w)
	}
}

// stop ends every watcher and refuses new ones.
func (c *watchCache) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	for w := range c.watchers {
		c.endWatcher(w)
	}
}

// removeWatcher ends w on its client's behalf.
func (c *watchCache) removeWatcher(w *cacheWatcher) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.endWatcher(w)
}

// watchRequest says which events a new watcher wants.
type watchRequest struct {
	namespace string
	label     labels.Selector
	field     fields.Selector
	bookmarks bool
	// mode says where the watch starts: fromState sends ADDED events for
	// the cache's current objects and continues from its revision;
	// fromList sends ADDED events for initial (listed from the store at
	// rev) and continues after rev; fromRevision sends the events after
	// rev.
	mode    watchMode
	rev     int64
	initial []*cachedObject
}

type watchMode int

const (
	fromState watchMode = iota
	fromList
	fromRevision
)

// matchesRequest reports whether o is selected by req.
func (req *watchRequest) matches(o *cachedObject) bool {
	w := cacheWatcher{namespace: req.namespace, label: req.label, field: req.field}
	return w.matches(o)
}

// watch registers a watcher and returns it with the events to send before
// the ones its channel will carry, and the revision it starts from. It
// fails with 410 Expired when req.rev is older than the window.
func (c *watchCache) watch(req watchRequest) (*cacheWatcher, []watchItem, int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil, nil, 0, errServiceUnavailable("the server is shutting down")
	}
	w := &cacheWatcher{
		ch:        make(chan watchItem, c.s.opts.WatchBufferSize),
		namespace: req.namespace,
		label:     req.label,
		field:     req.field,
		bookmarks: req.bookmarks,
	}
	var initial []watchItem
	switch req.mode {
	case fromState:
		w.from = c.rev
		c.tree.Ascend(func(o *cachedObject) bool {
			if w.matches(o) {
				initial = append(initial, watchItem{typ: metav1.Added, obj: o, rev: c.rev})
			}
			return true
		})
	case fromList:
		w.from = req.rev
		for _, o := range req.initial {
			initial = append(initial, watchItem{typ: metav1.Added, obj: o, rev: req.rev})
		}
	case fromRevision:
		w.from = req.rev
	}
	if w.from < c.windowFrom {
		return nil, nil, 0, errTooOldResourceVersion(w.from, c.windowFrom+1)
	}
	for i := 0; i < c.n; i++ {
		ev := c.ring[(c.head+i)%len(c.ring)]
		if item, ok := w.convert(ev); ok {
			initial = append(initial, item)
		}
	}
	c.watchers[w] = struct{}{}
	return w, initial, w.from, nil
}

// list returns the cached objects that req selects, sorted by key, and
// the cache's revision.
func (c *watchCache) list(req watchRequest) ([]*cachedObject, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	prefix := c.r.listPrefix(req.namespace)
	var out []*cachedObject
	c.tree.AscendGreaterOrEqual(&cachedObject{key: prefix}, func(o *cachedObject) bool {
		if !strings.HasPrefix(o.key, prefix) {
			return false
		}
		if req.matches(o) {
			out = append(out, o)
		}
		return true
	})
	return out, c.rev
}

// get returns the cached object under key, or nil, and the cache's
// revision.
func (c *watchCache) get(key string) (*cachedObject, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.objects.Get(key), c.rev
}

// getAt returns the cached object under key when it is the one of mod
// revision rev (the store's value at rev, decoded or handed over by its
// writer) and the cache keeps it decoded (it is not packed), else nil.
// The object is shared: callers must not modify it.
func (c *watchCache) getAt(key string, rev int64) metav1.Object {
	if c == nil || rev == 0 {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if co := c.objects.Get(key); co != nil && co.rev == rev {
		return co.obj
	}
	return nil
}

// revision returns the revision the cache is current to.
func (c *watchCache) revision() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rev
}
