package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/go-logr/logr"
	"golang.org/x/sync/errgroup"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	"github.com/rigging-dev/rigging/store"
)

// Server is a Kubernetes-compatible API server over a store.Store. It is an
// http.Handler: mount it on any http.Server (or httptest.Server).
//
// Its life: New registers the built-in kinds; Register adds more; Start
// loads the watch caches and creates the built-in namespaces and priority
// classes; ServeHTTP serves (resource requests get 503 before Start
// returns); Close stops the caches, ends every watch and waits for the
// server's goroutines. ServeHTTP may be called from any number of
// goroutines at once.
type Server struct {
	store store.Store
	// owned is store when it can keep written values without copying
	// them (see ownedWriter), else nil.
	owned     ownedWriter
	opts      Options
	log       logr.Logger
	metrics   *metrics
	admission admissionChain
	quota     *quotaAdmission // nil when disabled
	// expiry releases the objects the store deleted when their lease
	// expired (see expiry.go).
	expiry  *expiryQueue
	readSem chan struct{} // nil: no limit
	mutSem  chan struct{} // nil: no limit

	mu            sync.Mutex // guards started, closed, cancel and the registry while not started
	started       bool
	closed        bool
	cancel        context.CancelFunc
	group         *errgroup.Group
	groupVersions map[string]*groupVersion  // by "group/version" or "v1"
	gvOrder       []string                  // registration order
	resources     []*resource               // registration order
	byGroupPlural map[groupPlural]*resource // the version registered first
	ready         atomic.Bool

	// testHookInFlight, when set, is called by a request that holds an
	// in-flight slot, before it is served. Tests use it to block requests.
	testHookInFlight func(*http.Request)
	// testHookCompacted, when set before Start, is called after each
	// compaction with its revision and result.
	testHookCompacted func(rev int64, err error)
}

// New returns a Server over st with every built-in kind of Rigging's api
// packages registered. st stays the caller's: Close does not close it. New
// fails when an option is invalid.
func New(st store.Store, opts Options) (*Server, error) {
	if st == nil {
		return nil, errors.New("apiserver: nil store")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		store:         st,
		opts:          opts,
		log:           opts.Logger,
		groupVersions: map[string]*groupVersion{},
		byGroupPlural: map[groupPlural]*resource{},
	}
	s.owned, _ = st.(ownedWriter)
	if s.metrics, err = newMetrics(opts.Metrics); err != nil {
		return nil, err
	}
	if opts.MaxReadInFlight > 0 {
		s.readSem = make(chan struct{}, opts.MaxReadInFlight)
	}
	if opts.MaxMutatingInFlight > 0 {
		s.mutSem = make(chan struct{}, opts.MaxMutatingInFlight)
	}
	if err := registerBuiltins(s); err != nil {
		return nil, err
	}
	s.wireServices()
	s.admission = s.newAdmissionChain()
	s.expiry = newExpiryQueue(s.afterDelete)
	return s, nil
}

// Start loads every resource's watch cache from the store and starts
// following the store's changes and compacting its history (see
// Options.CompactionInterval), then creates the namespaces default,
// kube-system, kube-public and kube-node-lease and the two system priority
// classes when they are missing. It returns once the server is ready, or
// with ctx's error; ctx bounds only that wait: the caches run until Close,
// which must be called even when Start fails. Start may be called once.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return errors.New("apiserver: Start called twice or after Close")
	}
	s.started = true
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	g, gctx := errgroup.WithContext(runCtx)
	s.group = g
	for _, r := range s.resources {
		r.cache = newWatchCache(s, r)
		c := r.cache
		g.Go(func() error { c.run(gctx); return nil })
	}
	if s.opts.CompactionInterval > 0 {
		g.Go(func() error { s.compact(gctx, s.opts.CompactionInterval); return nil })
	}
	g.Go(func() error { s.expiry.run(gctx); return nil })
	s.mu.Unlock()

	for _, r := range s.resources {
		if err := r.cache.waitReady(ctx); err != nil {
			return fmt.Errorf("apiserver: start: load %s: %w", r.qualifiedResource, err)
		}
	}
	if err := s.bootstrap(ctx); err != nil {
		return err
	}
	s.ready.Store(true)
	return nil
}

// bootstrap creates the built-in namespaces and priority classes.
func (s *Server) bootstrap(ctx context.Context) error {
	if ns := s.lookup("", "namespaces"); ns != nil {
		for _, name := range []string{corev1.NamespaceDefault, "kube-system", "kube-public", corev1.NamespaceNodeLease} {
			obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
			if err := s.ensure(ctx, ns, obj); err != nil {
				return fmt.Errorf("apiserver: start: create namespace %s: %w", name, err)
			}
		}
	}
	if pc := s.lookup(schedulingv1.GroupName, "priorityclasses"); pc != nil {
		for _, obj := range schedulingv1.SystemPriorityClasses() {
			if err := s.ensure(ctx, pc, obj); err != nil {
				return fmt.Errorf("apiserver: start: create priority class %s: %w", obj.Name, err)
			}
		}
	}
	return nil
}

// ensure creates obj unless an object of that name exists.
func (s *Server) ensure(ctx context.Context, r *resource, obj metav1.Object) error {
	m := obj.GetObjectMeta()
	if _, err := s.store.Get(ctx, r.key(m.Namespace, m.Name), store.ReadOptions{}); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	_, err := s.create(ctx, r, m.Namespace, obj, writeOptions{})
	var st *metav1.Status
	if errors.As(err, &st) && st.Reason == metav1.StatusReasonAlreadyExists {
		return nil
	}
	return err
}

// Close stops the watch caches, ends every open watch and waits for the
// server's goroutines. It does not close the store. Close is idempotent;
// requests served after it fail with 503.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.ready.Store(false)
	cancel, g := s.cancel, s.group
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		return g.Wait()
	}
	return nil
}

// ServeHTTP serves one request. See the package documentation for the
// paths and verbs served.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r)
}
