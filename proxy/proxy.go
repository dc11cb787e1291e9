package proxy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/client"
)

// The defaults of Options.
const (
	// DefaultResyncPeriod is how often the whole State is applied again
	// even when nothing changed, so that the dataplane repairs drift:
	// 30 s, kube-proxy's default syncPeriod.
	DefaultResyncPeriod = 30 * time.Second
	// DefaultMinSyncInterval is the least time between two applies, so
	// that a burst of changes is applied in one batch: 1 s, kube-proxy's
	// default minSyncPeriod.
	DefaultMinSyncInterval = time.Second
)

// Options configure a Proxy. Client, Dataplane and NodeName are required;
// every other field's zero value works and means the default stated.
type Options struct {
	// Client reads Services and EndpointSlices (list and watch). Required.
	Client *client.Client
	// Dataplane programs the State. Required. The Proxy never closes it:
	// its owner does, after Run returns.
	Dataplane Dataplane
	// NodeName is the node the proxy runs on, for the Local traffic
	// policies. Required.
	NodeName string
	// NodeAddresses are the node's addresses, the frontends of NodePort
	// services. Default none: no NodePort frontends.
	NodeAddresses []netip.Addr
	// ResyncPeriod is how often the State is applied even without a
	// change (see DefaultResyncPeriod, 30 s). Health turns bad when no
	// apply succeeded for twice this.
	ResyncPeriod time.Duration
	// MinSyncInterval is the least time between applies (see
	// DefaultMinSyncInterval, 1 s): changes arriving meanwhile are
	// batched into the next apply.
	MinSyncInterval time.Duration
	// Logger receives sync failures and skipped services. Default:
	// discard.
	Logger logr.Logger
	// Metrics, when not nil, registers the proxy's metrics (see
	// NewMetrics). Default nil: not registered.
	Metrics prometheus.Registerer
	// HealthAddr, when not empty, is a TCP address ("127.0.0.1:10256",
	// or port 0 for any) on which Run serves /healthz (see
	// HealthHandler). Default "": no health server.
	HealthAddr string
	// Now is the clock of health checks and sync timing. Default
	// time.Now.
	Now func() time.Time
}

// Proxy watches Services and EndpointSlices and keeps its Dataplane
// programmed with the node's desired State. Make one with New, then Run it.
// Its methods may be called from any goroutine.
type Proxy struct {
	opts    Options
	metrics *metrics
	dirty   chan struct{} // a change is waiting; capacity 1
	// syncMu serialises Sync: the Dataplane allows one Apply at a time.
	// It also guards applied.
	syncMu sync.Mutex
	// applied is the State last handed to the Dataplane in full or in
	// part with success: what the dataplane is known to hold. nil when
	// unknown (before the first success, or after a failure), which makes
	// the next sync a full Apply.
	applied *State
	// syncs counts successful syncs by mode, "incremental" or "full".
	syncs *prometheus.CounterVec

	// mu guards the fields below.
	mu          sync.Mutex
	svcLister   *client.Lister[corev1.Service]
	sliceLister *client.Lister[discoveryv1.EndpointSlice]
	lastSuccess time.Time
	lastErr     error
	logged      map[Skipped]bool // skipped ports already logged
	healthAddr  net.Addr
	ran         bool
}

// New validates opts and returns a Proxy. It fails when a required field
// is missing, a duration is negative, a node address is invalid, or the
// metrics cannot be registered.
func New(opts Options) (*Proxy, error) {
	switch {
	case opts.Client == nil:
		return nil, errors.New("proxy: Options.Client is nil")
	case opts.Dataplane == nil:
		return nil, errors.New("proxy: Options.Dataplane is nil")
	case opts.NodeName == "":
		return nil, errors.New("proxy: Options.NodeName is empty")
	case opts.ResyncPeriod < 0:
		return nil, fmt.Errorf("proxy: negative ResyncPeriod %v", opts.ResyncPeriod)
	case opts.MinSyncInterval < 0:
		return nil, fmt.Errorf("proxy: negative MinSyncInterval %v", opts.MinSyncInterval)
	}
	for _, a := range opts.NodeAddresses {
		if !a.IsValid() || a.Zone() != "" {
			return nil, fmt.Errorf("proxy: invalid node address %v", a)
		}
	}
	if opts.ResyncPeriod == 0 {
		opts.ResyncPeriod = DefaultResyncPeriod
	}
	if opts.MinSyncInterval == 0 {
		opts.MinSyncInterval = DefaultMinSyncInterval
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.NodeAddresses = append([]netip.Addr(nil), opts.NodeAddresses...)
	m, err := newMetrics(opts.Metrics)
	if err != nil {
		return nil, err
	}
	syncs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rigging_proxy_syncs_total",
		Help: "Successful syncs by mode: incremental (ServiceApplier, changed frontends only) or full (Apply of the whole State).",
	}, []string{"mode"})
	if opts.Metrics != nil {
		if err := opts.Metrics.Register(syncs); err != nil {
			return nil, fmt.Errorf("proxy: register metrics: %w", err)
		}
	}
	return &Proxy{opts: opts, metrics: m, syncs: syncs, dirty: make(chan struct{}, 1), logged: map[Skipped]bool{}}, nil
}

// Run watches Services and EndpointSlices, applies the State once their
// caches have synced, then again after every change (at most once per
// MinSyncInterval) and every ResyncPeriod, until ctx is done. A failed
// apply is logged, counted and retried after MinSyncInterval. Run returns
// nil when ctx ends, or an error when it cannot start (the health address
// cannot be listened on, or Run was called before); it waits for every
// goroutine it started. A Proxy runs once.
func (p *Proxy) Run(ctx context.Context) error {
	p.mu.Lock()
	if p.ran {
		p.mu.Unlock()
		return errors.New("proxy: Run called twice")
	}
	p.ran = true
	p.mu.Unlock()

	svcs, err := client.For[corev1.Service](p.opts.Client)
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	slices, err := client.For[discoveryv1.EndpointSlice](p.opts.Client)
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	svcInf := client.NewInformer(svcs, client.InformerOptions{})
	sliceInf := client.NewInformer(slices, client.InformerOptions{})
	if _, err := svcInf.AddEventHandler(changeHandler[corev1.Service](p.changed)); err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	if _, err := sliceInf.AddEventHandler(changeHandler[discoveryv1.EndpointSlice](p.changed)); err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	p.mu.Lock()
	p.svcLister, p.sliceLister = svcInf.Lister(), sliceInf.Lister()
	p.mu.Unlock()

	var ln net.Listener
	if p.opts.HealthAddr != "" {
		ln, err = net.Listen("tcp", p.opts.HealthAddr)
		if err != nil {
			return fmt.Errorf("proxy: health server: %w", err)
		}
		p.mu.Lock()
		p.healthAddr = ln.Addr()
		p.mu.Unlock()
	}

	g, ctx := errgroup.WithContext(ctx)
	if ln != nil {
		srv := &http.Server{Handler: p.HealthHandler(), ReadHeaderTimeout: 10 * time.Second}
		g.Go(func() error {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("proxy: health server: %w", err)
			}
			return nil
		})
		g.Go(func() error {
			<-ctx.Done()
			return srv.Close()
		})
	}
	g.Go(func() error { return svcInf.Run(ctx) })
	g.Go(func() error { return sliceInf.Run(ctx) })
	g.Go(func() error {
		if !client.WaitForCacheSync(ctx, svcInf, sliceInf) {
			return nil
		}
		p.loop(ctx)
		return nil
	})
	err = g.Wait()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// changed records that an object changed; the loop applies soon.
func (p *Proxy) changed() {
	select {
	case p.dirty <- struct{}{}:
	default:
	}
}

// loop applies the State on changes, batched by MinSyncInterval, and every
// ResyncPeriod.
func (p *Proxy) loop(ctx context.Context) {
	resync := time.NewTimer(0) // the first sync happens at once
	defer resync.Stop()
	var last time.Time
	for {
		full := false
		select {
		case <-ctx.Done():
			return
		case <-p.dirty:
		case <-resync.C:
			full = true
		}
		if !last.IsZero() {
			if wait := p.opts.MinSyncInterval - p.opts.Now().Sub(last); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		}
		select { // this sync covers any change signalled so far
		case <-p.dirty:
		default:
		}
		last = p.opts.Now()
		if err := p.sync(ctx, full); err != nil {
			if ctx.Err() != nil {
				return
			}
			p.opts.Logger.Error(err, "sync failed; retrying", "after", p.opts.MinSyncInterval)
			p.changed()
		}
		if !resync.Stop() {
			select {
			case <-resync.C:
			default:
			}
		}
		resync.Reset(p.opts.ResyncPeriod)
	}
}

// Sync computes the State from the caches and applies it now, updating
// metrics and health. Run calls it after changes; it is exported for
// programs that drive the proxy themselves, and fails before Run has set
// up its caches. Only one Sync or Resync runs at a time.
//
// When the Dataplane implements ServiceApplier and the proxy knows what
// the dataplane holds (its last successful sync), Sync diffs the new State
// against that and calls ApplyService for each frontend added, changed
// (Backends, Affinity or Balancing) or removed (nil), which costs in the
// dataplane what changed rather than what exists. It hands the whole
// State to Apply instead when the dataplane has no ServiceApplier, when
// more than a quarter of the frontends changed, before the first success,
// and when an ApplyService fails (the failure is logged and the full
// Apply decides the result).
func (p *Proxy) Sync(ctx context.Context) error { return p.sync(ctx, false) }

// Resync is Sync that always hands the whole State to Apply, so that the
// dataplane repairs drift; Run calls it every ResyncPeriod.
func (p *Proxy) Resync(ctx context.Context) error { return p.sync(ctx, true) }

func (p *Proxy) sync(ctx context.Context, full bool) error {
	p.mu.Lock()
	sl, el := p.svcLister, p.sliceLister
	p.mu.Unlock()
	if sl == nil {
		return errors.New("proxy: sync before Run")
	}
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	start := p.opts.Now()
	st, skipped := DesiredSkipped(sl.List(nil), el.List(nil), Node{Name: p.opts.NodeName, Addresses: p.opts.NodeAddresses})
	p.logSkipped(skipped)
	return p.apply(ctx, st, full, start)
}

// apply hands st to the Dataplane, incrementally when it can (see Sync),
// and records the outcome in metrics and health. start is when the sync
// began, for the duration histogram. The caller holds syncMu.
func (p *Proxy) apply(ctx context.Context, st *State, full bool, start time.Time) error {
	mode := "full"
	err := errors.New("not applied")
	if sa, ok := p.opts.Dataplane.(ServiceApplier); ok && !full && p.applied != nil {
		changes := diffStates(p.applied, st)
		if total := max(len(p.applied.Services), len(st.Services)); len(changes)*4 <= total {
			mode = "incremental"
			err = applyChanges(ctx, sa, st, changes)
			if err != nil {
				p.opts.Logger.Error(err, "incremental sync failed; applying the whole State", "changes", len(changes))
			}
		}
	}
	if err != nil {
		// What the dataplane holds is unknown until Apply succeeds.
		p.applied = nil
		mode = "full"
		err = p.opts.Dataplane.Apply(ctx, st)
	}
	if err == nil {
		p.applied = st
	}
	p.metrics.syncDuration.Observe(p.opts.Now().Sub(start).Seconds())
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastErr = err
	if err != nil {
		p.metrics.syncErrors.Inc()
		return fmt.Errorf("proxy: apply %d services: %w", len(st.Services), err)
	}
	p.syncs.WithLabelValues(mode).Inc()
	p.lastSuccess = p.opts.Now()
	p.metrics.lastSuccess.Set(float64(p.lastSuccess.UnixNano()) / 1e9)
	eps := 0
	for _, s := range st.Services {
		eps += len(s.Backends)
	}
	p.metrics.services.Set(float64(len(st.Services)))
	p.metrics.endpoints.Set(float64(eps))
	return nil
}

// diffStates returns the frontends added, changed (Backends, Affinity or
// Balancing) or removed from old to cur, sorted so that the dataplane sees
// them in a stable order. It costs a map lookup per frontend of cur, and
// one per frontend of old when some were removed.
func diffStates(old, cur *State) []ServiceKey {
	var keys []ServiceKey
	kept := 0 // keys of cur also in old
	for k, n := range cur.Services {
		o, ok := old.Services[k]
		if ok {
			kept++
		}
		if !ok || !sameService(o, n) {
			keys = append(keys, k)
		}
	}
	if kept < len(old.Services) { // some were removed
		for k := range old.Services {
			if _, ok := cur.Services[k]; !ok {
				keys = append(keys, k)
			}
		}
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

func sameService(a, b *Service) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Affinity == b.Affinity && a.Balancing == b.Balancing && slices.Equal(a.Backends, b.Backends)
}

func compareKeys(a, b ServiceKey) int {
	if c := a.Addr.Compare(b.Addr); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Port, b.Port); c != 0 {
		return c
	}
	return cmp.Compare(a.Protocol, b.Protocol)
}

// applyChanges calls ApplyService for each key, with st's Service or nil
// when st has none, and stops at the first error.
func applyChanges(ctx context.Context, sa ServiceApplier, st *State, keys []ServiceKey) error {
	for _, k := range keys {
		svc := st.Services[k] // nil when removed
		if err := sa.ApplyService(ctx, k, svc); err != nil {
			return fmt.Errorf("apply service %s: %w", k, err)
		}
	}
	return nil
}

func (p *Proxy) logSkipped(skipped []Skipped) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range skipped {
		if !p.logged[s] {
			p.logged[s] = true
			p.opts.Logger.Info("service port skipped", "service", s.Service, "reason", s.Reason)
		}
	}
}

// Healthy reports whether the last successful sync was within twice the
// ResyncPeriod, as kube-proxy's healthz does; before the first successful
// sync it reports false. The error says why not.
func (p *Proxy) Healthy() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lastSuccess.IsZero() {
		if p.lastErr != nil {
			return fmt.Errorf("no successful sync yet; last error: %w", p.lastErr)
		}
		return errors.New("no successful sync yet")
	}
	if age := p.opts.Now().Sub(p.lastSuccess); age > 2*p.opts.ResyncPeriod {
		return fmt.Errorf("last successful sync %v ago, more than twice the resync period %v", age.Round(time.Millisecond), p.opts.ResyncPeriod)
	}
	return nil
}

// HealthHandler serves /healthz: 200 "ok" when Healthy, else 503 with the
// reason; other paths are 404.
func (p *Proxy) HealthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := p.Healthy(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, err)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// HealthAddr returns the address the health server listens on, once Run
// has started it; nil otherwise.
func (p *Proxy) HealthAddr() net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.healthAddr
}

// changeHandler is an informer handler that calls f on every change.
func changeHandler[T any](f func()) client.Handler[T] {
	return client.HandlerFuncs[T]{
		AddFunc:    func(*T, bool) { f() },
		UpdateFunc: func(o, n *T) { f() },
		DeleteFunc: func(*T, bool) { f() },
	}
}
