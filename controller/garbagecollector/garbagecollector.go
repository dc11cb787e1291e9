package garbagecollector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
)

// DefaultWorkers is how many deletions (and as many orphanings) the
// collector works on at once: 20, as Kubernetes' --concurrent-gc-syncs.
const DefaultWorkers = 20

// Options configure New. The zero value works: every field states its
// default.
type Options struct {
	// Resources are the resources whose objects the collector watches:
	// owners and dependents must be among them. Default
	// DefaultResources(): every built-in kind but Events.
	Resources []client.ResourceInfo
	// ExtraResources are watched as well as Resources: the user's own
	// kinds (served with apiserver.Register). Default none.
	ExtraResources []client.ResourceInfo
	// Workers is how many objects are worked on at once, per queue.
	// Default DefaultWorkers (20).
	Workers int
	// RateLimiter delays the retry of an object whose processing failed.
	// Default controller.DefaultRateLimiter(Clock): 5 ms doubling to
	// 1000 s per object, 10 qps with a burst of 100 overall.
	RateLimiter controller.RateLimiter
	// Clock times retries. Default controller.RealClock.
	Clock controller.Clock
	// Logger receives what the collector does and fails to do. Default:
	// discard.
	Logger logr.Logger
	// Registry, when set, receives the collector's metrics (see
	// NewMetrics). Default nil: no metrics.
	Registry prometheus.Registerer
	// InformerOptions are those of every informer of the collector (their
	// selectors must be empty: the collector sees every object). Default:
	// the client's defaults.
	InformerOptions client.InformerOptions
}

// GarbageCollector deletes objects whose owners are gone, as Kubernetes'
// garbage collector does. Make one with New and Run it; it keeps its own
// informers (of object metadata only) for every resource it watches.
type GarbageCollector struct {
	c         *client.Client
	opts      Options
	log       logr.Logger
	metrics   *metrics
	graph     *graph
	resources map[groupKind]*resourceClient
	infos     []client.ResourceInfo
	absent    *absentCache
	reported  sync.Map // uids of objects whose invalid owner reference was recorded

	attemptToDelete *controller.Queue[types.UID]
	attemptToOrphan *controller.Queue[types.UID]

	mu      sync.Mutex // guards started
	started bool
	synced  atomic.Bool
}

// resourceClient is a client of one watched resource's object metadata.
type resourceClient struct {
	info client.ResourceInfo
	r    *client.Resource[object]
}

// New returns a collector that watches and deletes through c. It fails
// when c is nil or an option is invalid: a resource named incompletely or
// twice, negative Workers, or metrics already registered on Registry.
func New(c *client.Client, opts Options) (*GarbageCollector, error) {
	if c == nil {
		return nil, errors.New("new garbage collector: nil client")
	}
	if opts.Resources == nil {
		opts.Resources = DefaultResources()
	}
	infos := append(append([]client.ResourceInfo(nil), opts.Resources...), opts.ExtraResources...)
	if err := checkResources(infos); err != nil {
		return nil, fmt.Errorf("new garbage collector: %w", err)
	}
	if opts.Workers < 0 {
		return nil, fmt.Errorf("new garbage collector: negative Workers %d", opts.Workers)
	}
	if opts.InformerOptions.LabelSelector != "" || opts.InformerOptions.FieldSelector != "" {
		return nil, errors.New("new garbage collector: InformerOptions may not have selectors: the collector must see every object")
	}
	if opts.Workers == 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Clock == nil {
		opts.Clock = controller.RealClock{}
	}
	if opts.RateLimiter == nil {
		opts.RateLimiter = controller.DefaultRateLimiter(opts.Clock)
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	gc := &GarbageCollector{
		c:         c,
		opts:      opts,
		log:       opts.Logger.WithName("garbagecollector"),
		resources: map[groupKind]*resourceClient{},
		infos:     infos,
		absent:    newAbsentCache(absentCacheSize),
	}
	namespaced := map[groupKind]bool{}
	for _, info := range infos {
		gk := groupKind{info.Group, info.Kind}
		gc.resources[gk] = &resourceClient{info: info, r: client.NewResource[object](c, info)}
		namespaced[gk] = info.Namespaced
	}
	gc.graph = newGraph(namespaced)
	var err error
	if gc.metrics, err = newMetrics(opts.Registry, gc.graph); err != nil {
		return nil, fmt.Errorf("new garbage collector: %w", err)
	}
	gc.attemptToDelete = controller.NewQueue[types.UID](controller.QueueOptions{RateLimiter: opts.RateLimiter, Clock: opts.Clock, Name: "garbage_collector_attempt_to_delete"})
	gc.attemptToOrphan = controller.NewQueue[types.UID](controller.QueueOptions{RateLimiter: opts.RateLimiter, Clock: opts.Clock, Name: "garbage_collector_attempt_to_orphan"})
	return gc, nil
}

// Resources returns the resources the collector watches, in the order of
// Options.Resources then Options.ExtraResources. The slice is the
// caller's.
func (gc *GarbageCollector) Resources() []client.ResourceInfo {
	return append([]client.ResourceInfo(nil), gc.infos...)
}

// HasSynced reports whether every informer of the collector has listed
// its resource and the graph holds what they listed; the workers start
// only then.
func (gc *GarbageCollector) HasSynced() bool { return gc.synced.Load() }

// Run watches the resources, builds the ownership graph and deletes and
// orphans until ctx is done; then it stops its workers and informers,
// waits for them and returns ctx's error. It fails at once when called
// twice. A resource the server does not serve keeps the collector from
// syncing (its informer retries), so that it never acts on a partial
// graph.
func (gc *GarbageCollector) Run(ctx context.Context) error {
	gc.mu.Lock()
	if gc.started {
		gc.mu.Unlock()
		return errors.New("garbage collector: Run called twice")
	}
	gc.started = true
	gc.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup // the informers and the workers
	defer func() {
		cancel()
		gc.attemptToDelete.ShutDown()
		gc.attemptToOrphan.ShutDown()
		wg.Wait()
	}()
	var syncers []client.Syncer
	for _, rc := range gc.resources {
		inf := client.NewInformer(rc.r, gc.opts.InformerOptions)
		info := rc.info
		reg, err := inf.AddEventHandler(client.HandlerFuncs[object]{
			AddFunc:    func(obj *object, _ bool) { gc.observe(info, obj) },
			UpdateFunc: func(_, obj *object) { gc.observe(info, obj) },
			DeleteFunc: func(obj *object, _ bool) {
				gc.absent.add(objectID{Group: info.Group, Kind: info.Kind, Namespace: obj.Namespace, Name: obj.Name, UID: obj.UID})
				gc.reported.Delete(obj.UID)
				gc.enqueue(gc.graph.remove(obj.UID))
			},
		})
		if err != nil {
			return fmt.Errorf("garbage collector: watch %s: %w", info.GroupVersionResource, err)
		}
		syncers = append(syncers, inf, reg)
		wg.Go(func() { _ = inf.Run(logr.NewContext(ctx, gc.log)) }) // Run fails only when run twice
	}
	if !client.WaitForCacheSync(ctx, syncers...) {
		return ctx.Err()
	}
	gc.synced.Store(true)
	gc.log.V(1).Info("graph synced", "nodes", gc.graph.size())
	for range gc.opts.Workers {
		wg.Go(func() { gc.worker(ctx, gc.attemptToDelete, gc.attemptToDeleteItem, "attempt_to_delete") })
		wg.Go(func() { gc.worker(ctx, gc.attemptToOrphan, gc.attemptToOrphanItem, "attempt_to_orphan") })
	}
	<-ctx.Done()
	return ctx.Err()
}

// observe records an added or updated object in the graph.
func (gc *GarbageCollector) observe(info client.ResourceInfo, obj *object) {
	id := objectID{Group: info.Group, Kind: info.Kind, Namespace: obj.Namespace, Name: obj.Name, UID: obj.UID}
	gc.enqueue(gc.graph.observe(id, &obj.ObjectMeta))
}

// enqueue queues the actions a graph change asks for.
func (gc *GarbageCollector) enqueue(a actions) {
	for _, uid := range a.attemptToDelete {
		gc.attemptToDelete.Add(uid)
	}
	for _, uid := range a.attemptToOrphan {
		gc.attemptToOrphan.Add(uid)
	}
}

// errRequeue asks the worker to look at an item again after its backoff,
// without logging an error: the collector waits for its informers.
var errRequeue = errors.New("requeue")

// worker processes a queue until it shuts down.
func (gc *GarbageCollector) worker(ctx context.Context, q *controller.Queue[types.UID], process func(context.Context, types.UID) error, name string) {
	for {
		uid, shutdown := q.Get()
		if shutdown {
			return
		}
		if ctx.Err() != nil {
			q.Done(uid)
			continue
		}
		err := process(ctx, uid)
		switch {
		case err == nil:
			q.Forget(uid)
		case errors.Is(err, errRequeue):
			q.AddRateLimited(uid)
		default:
			if ctx.Err() == nil {
				gc.metrics.errors.WithLabelValues(name).Inc()
				gc.log.Error(err, "garbage collection failed; retrying", "queue", name, "uid", uid)
			}
			q.AddRateLimited(uid)
		}
		q.Done(uid)
	}
}

// absentCacheSize is how many owners known to be absent the collector
// remembers, to spare a GET for each dependent of a deleted owner.
const absentCacheSize = 500

// absentCache remembers identities of owners known not to exist. A uid is
// never reused, so an entry never goes stale; the cache only forgets
// (all at once when full) to bound its memory.
type absentCache struct {
	max int
	mu  sync.Mutex // guards ids
	ids map[objectID]struct{}
}

func newAbsentCache(max int) *absentCache {
	return &absentCache{max: max, ids: map[objectID]struct{}{}}
}

func (c *absentCache) add(id objectID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ids) >= c.max {
		clear(c.ids)
	}
	c.ids[id] = struct{}{}
}

func (c *absentCache) has(id objectID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.ids[id]
	return ok
}
