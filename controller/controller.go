package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
)

// Options configure New; the zero value works.
type Options struct {
	// MaxConcurrentReconciles is how many requests are reconciled at once.
	// Default 1.
	MaxConcurrentReconciles int
	// RateLimiter delays retries. Default DefaultRateLimiter(Clock): 5 ms
	// doubling to 1000 s per request, 10 qps with a burst of 100 overall.
	RateLimiter RateLimiter
	// Clock times requeues. Default RealClock.
	Clock Clock
	// Logger receives reconcile errors. Default: discard.
	Logger logr.Logger
	// Metrics, when set, records the queue's and the reconciles' metrics.
	// A Manager sets it to its own.
	Metrics *Metrics
}

// ErrAlreadyStarted is returned by Start on a controller already started.
var ErrAlreadyStarted = errors.New("controller already started")

// Controller feeds Requests from informers' events to a Reconciler through
// a rate-limited Queue. Make one with New, connect event sources with
// Watch, Owns and Watches, then Start it (or add it to a Manager).
type Controller struct {
	name    string
	rec     Reconciler
	opts    Options
	log     logr.Logger
	queue   *Queue[Request]
	metrics *Metrics

	mu      sync.Mutex // guards the fields below
	syncers []client.Syncer
	forKind string // kind and group of the object Watch'ed first
	forGrp  string
	started bool
}

// New returns a controller named name (used in logs and metrics) that
// calls r. It fails when name is empty, r is nil or an option is invalid.
func New(name string, r Reconciler, opts Options) (*Controller, error) {
	if name == "" {
		return nil, errors.New("new controller: empty name")
	}
	if r == nil {
		return nil, fmt.Errorf("new controller %q: nil Reconciler", name)
	}
	if opts.MaxConcurrentReconciles < 0 {
		return nil, fmt.Errorf("new controller %q: MaxConcurrentReconciles %d is negative", name, opts.MaxConcurrentReconciles)
	}
	if opts.MaxConcurrentReconciles == 0 {
		opts.MaxConcurrentReconciles = 1
	}
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.RateLimiter == nil {
		opts.RateLimiter = DefaultRateLimiter(opts.Clock)
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	c := &Controller{name: name, rec: r, opts: opts, log: opts.Logger.WithValues("controller", name), metrics: opts.Metrics}
	c.queue = NewQueue[Request](QueueOptions{RateLimiter: opts.RateLimiter, Clock: opts.Clock, Name: name, Metrics: opts.Metrics})
	return c, nil
}

// Name returns the controller's name.
func (c *Controller) Name() string { return c.name }

// Queue returns the controller's queue, to add requests by hand. The
// queue runs from New until Start returns.
func (c *Controller) Queue() *Queue[Request] { return c.queue }

// Watch enqueues a Request for every object inf reports (added, updated,
// deleted): the controller reconciles objects of kind T. The first kind
// watched is the owner kind Owns matches.
func Watch[T any, PT client.Object[T]](c *Controller, inf *client.Informer[T]) error {
	c.mu.Lock()
	if c.forKind == "" {
		info := inf.Resource().Info()
		c.forKind, c.forGrp = info.Kind, info.Group
	}
	c.mu.Unlock()
	return Watches(c, inf, func(obj *T) []Request {
		m := PT(obj).GetObjectMeta()
		return []Request{{types.NamespacedName{Namespace: m.Namespace, Name: m.Name}}}
	})
}

// Owns enqueues, for every object inf reports, the Request of its
// controller owner: the ownerReference with controller=true whose kind and
// API group are those of the kind the controller Watches, in the object's
// namespace. Objects without such an owner are ignored. Call Watch first.
func Owns[T any, PT client.Object[T]](c *Controller, inf *client.Informer[T]) error {
	c.mu.Lock()
	kind, grp := c.forKind, c.forGrp
	c.mu.Unlock()
	if kind == "" {
		return fmt.Errorf("controller %q: Owns %s before Watch: no owner kind", c.name, inf.Resource().Info().Kind)
	}
	return Watches(c, inf, func(obj *T) []Request {
		m := PT(obj).GetObjectMeta()
		for _, ref := range m.OwnerReferences {
			if ref.Controller != nil && *ref.Controller && ref.Kind == kind && apiGroup(ref.APIVersion) == grp {
				return []Request{{types.NamespacedName{Namespace: m.Namespace, Name: ref.Name}}}
			}
		}
		return nil
	})
}

// ControllingOwner returns obj's controller owner reference, or nil.
func ControllingOwner(obj metav1.Object) *metav1.OwnerReference {
	for i, ref := range obj.GetObjectMeta().OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			return &obj.GetObjectMeta().OwnerReferences[i]
		}
	}
	return nil
}

func apiGroup(apiVersion string) string {
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		return g
	}
	return ""
}

// Watches enqueues the Requests mapFn returns for every object inf reports;
// on updates, those of the old and of the new object. mapFn must not modify
// the object and may be called from the informer's goroutines.
func Watches[T any](c *Controller, inf *client.Informer[T], mapFn func(obj *T) []Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return fmt.Errorf("controller %q: %w: add event sources before Start", c.name, ErrAlreadyStarted)
	}
	enqueue := func(obj *T) {
		for _, r := range mapFn(obj) {
			c.queue.Add(r)
		}
	}
	reg, err := inf.AddEventHandler(client.HandlerFuncs[T]{
		AddFunc: func(obj *T, _ bool) { enqueue(obj) },
		UpdateFunc: func(oldObj, newObj *T) {
			enqueue(oldObj)
			enqueue(newObj)
		},
		DeleteFunc: func(obj *T, _ bool) { enqueue(obj) },
	})
	if err != nil {
		return fmt.Errorf("controller %q: watch %s: %w", c.name, inf.Resource().Info().Resource, err)
	}
	c.syncers = append(c.syncers, inf, reg)
	return nil
}

// Start waits for the watched informers' caches (which their owner must
// run), then reconciles with MaxConcurrentReconciles workers until ctx is
// done; then it shuts the queue down and returns once every in-flight
// reconcile has returned. It returns ctx's error, or an error when the
// caches never synced or the controller was already started.
func (c *Controller) Start(ctx context.Context) error {
	c.mu.Lock()
	if c.started {
		c.mu.Unlock()
		return fmt.Errorf("controller %q: %w", c.name, ErrAlreadyStarted)
	}
	c.started = true
	syncers := c.syncers
	c.mu.Unlock()
	defer c.queue.ShutDown()

	if !client.WaitForCacheSync(ctx, syncers...) {
		return fmt.Errorf("controller %q: wait for caches: %w", c.name, ctx.Err())
	}
	var wg sync.WaitGroup
	for range c.opts.MaxConcurrentReconciles {
		wg.Go(func() {
			for c.processNext(ctx) {
			}
		})
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
	return ctx.Err()
}

// processNext reconciles one request; false when the queue shut down.
func (c *Controller) processNext(ctx context.Context) bool {
	req, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(req)
	if ctx.Err() != nil {
		return true // shutting down: drain without reconciling
	}
	c.reconcile(ctx, req)
	return true
}

func (c *Controller) reconcile(ctx context.Context, req Request) {
	start := time.Now()
	res, err := c.reconcileSafe(ctx, req)
	result := "success"
	switch {
	case err != nil:
		result = "error"
		c.queue.AddRateLimited(req)
		c.log.Error(err, "reconcile failed", "namespace", req.Namespace, "name", req.Name)
	case res.RequeueAfter > 0:
		result = "requeue_after"
		c.queue.Forget(req)
		c.queue.AddAfter(req, res.RequeueAfter)
	case res.Requeue:
		result = "requeue"
		c.queue.AddRateLimited(req)
	default:
		c.queue.Forget(req)
	}
	if m := c.metrics; m != nil {
		m.reconciles.WithLabelValues(c.name, result).Inc()
		if err != nil {
			m.errors.WithLabelValues(c.name).Inc()
		}
		m.latency.WithLabelValues(c.name).Observe(time.Since(start).Seconds())
	}
}

// reconcileSafe turns a reconciler's panic into an error, so that one bad
// object does not end the process.
func (c *Controller) reconcileSafe(ctx context.Context, req Request) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reconcile %s: panic: %v", req.NamespacedName, p)
		}
	}()
	return c.rec.Reconcile(ctx, req)
}
