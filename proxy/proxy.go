package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
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
	// DefaultResyncPeriod is how often the whole State is recomputed and
	// applied again, whatever changed in between, so that the dataplane
	// repairs drift: 30 s, kube-proxy's default syncPeriod.
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
	// ResyncPeriod is the time from one resync (see Proxy.Resync) to the
	// next, however many incremental syncs come between (see
	// DefaultResyncPeriod, 30 s). Health turns bad when no sync succeeded
	// for twice this.
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
	// syncs counts successful syncs by mode, "incremental" or "full".
	syncs *prometheus.CounterVec
	// signal says a change is waiting; capacity 1.
	signal chan struct{}

	// dirtyMu guards dirty.
	dirtyMu sync.Mutex
	// dirty holds the serviceIDs of the Services whose Service or
	// EndpointSlices changed since the last sync took them.
	dirty map[string]struct{}

	// syncMu serialises syncs: the Dataplane allows one call at a time.
	// It also guards tracker and known.
	syncMu sync.Mutex
	// tracker holds the desired State, updated in place Service by
	// Service; nil before the first sync.
	tracker *tracker
	// known is true when the dataplane is known to hold tracker's State:
	// after a successful sync, and false after a failed one, which makes
	// the next sync hand the whole State to Apply.
	known bool

	// mu guards the fields below.
	mu          sync.Mutex
	svcLister   *client.Lister[corev1.Service]
	sliceLister *client.Lister[discoveryv1.EndpointSlice]
	lastSuccess time.Time
	lastErr     error
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
		Help: "Successful syncs by mode: incremental (only the changed frontends, through ServiceApplier; nothing when none changed) or full (Apply of the whole State).",
	}, []string{"mode"})
	if opts.Metrics != nil {
		if err := opts.Metrics.Register(syncs); err != nil {
			return nil, fmt.Errorf("proxy: register metrics: %w", err)
		}
	}
	return &Proxy{opts: opts, metrics: m, syncs: syncs, signal: make(chan struct{}, 1), dirty: map[string]struct{}{}}, nil
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
	if err := sliceInf.AddIndexers(client.Indexers[discoveryv1.EndpointSlice]{sliceServiceIndex: indexSliceByService}); err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	svcReg, err := svcInf.AddEventHandler(p.serviceHandler())
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	sliceReg, err := sliceInf.AddEventHandler(p.sliceHandler())
	if err != nil {
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
		// The handlers' registrations, not the informers: once the
		// handlers have seen the initial lists, the first (full) sync
		// takes their marks, and the next sync does not recompute
		// every Service again.
		if !client.WaitForCacheSync(ctx, svcReg, sliceReg) {
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

// loop syncs on changes, at most once per MinSyncInterval (a change after
// a quieter spell is synced at once; changes arriving meanwhile are
// batched into the next sync), and resyncs every ResyncPeriod.
func (p *Proxy) loop(ctx context.Context) {
	resync := time.NewTimer(p.opts.ResyncPeriod)
	defer resync.Stop()
	var last time.Time
	for first := true; ; first = false {
		full := first // the first sync is a resync, at once
		if !first {
			select {
			case <-ctx.Done():
				return
			case <-p.signal:
			case <-resync.C:
				full = true
			}
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
		case <-p.signal:
		default:
		}
		last = p.opts.Now()
		if err := p.sync(ctx, full); err != nil {
			if ctx.Err() != nil {
				return
			}
			p.opts.Logger.Error(err, "sync failed; retrying", "after", p.opts.MinSyncInterval)
			p.wake()
		}
		if full {
			// ResyncPeriod after the last resync, however many
			// incremental syncs come between: steady churn must not
			// put off the repair of drift.
			if !resync.Stop() {
				select {
				case <-resync.C:
				default:
				}
			}
			resync.Reset(p.opts.ResyncPeriod)
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
