package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/rigging-dev/rigging/client"
)

// ManagerOptions configure NewManager.
type ManagerOptions struct {
	// Client reaches the API server. Required.
	Client *client.Client
	// Informers are the informers shared by the controllers. Default:
	// client.NewInformerFactory(Client, FactoryOptions{}).
	Informers *client.InformerFactory
	// Addr is where /healthz, /readyz and /metrics are served (":0" picks
	// a free port; see Manager.Addr). Default "": not served.
	Addr string
	// Registry receives the controllers' metrics and is what /metrics
	// serves. Default: a new registry.
	Registry *prometheus.Registry
	// LeaderElection, when set, makes the controllers run only while this
	// manager leads; its Client defaults to the manager's, and its
	// OnStartedLeading/OnStoppedLeading are the manager's own (any set are
	// called too). Default nil: no election, controllers always run.
	LeaderElection *LeaderElectionOptions
	// Logger is given to controllers that have none. Default: discard.
	Logger logr.Logger
}

// Manager runs controllers, the informers they share, optional leader
// election and an HTTP endpoint for health checks and metrics. Add
// controllers, then Start it once.
type Manager struct {
	opts      ManagerOptions
	informers *client.InformerFactory
	registry  *prometheus.Registry
	metrics   *Metrics
	elector   *LeaderElector

	mu          sync.Mutex // guards the fields below
	controllers []*Controller
	started     bool
	addr        net.Addr
	synced      bool
}

// NewManager checks opts and returns a manager, with its metrics
// registered on opts.Registry.
func NewManager(opts ManagerOptions) (*Manager, error) {
	if opts.Client == nil {
		return nil, errors.New("new manager: nil Client")
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.Informers == nil {
		opts.Informers = client.NewInformerFactory(opts.Client, client.FactoryOptions{})
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	metrics, err := NewMetrics(opts.Registry)
	if err != nil {
		return nil, fmt.Errorf("new manager: %w", err)
	}
	m := &Manager{opts: opts, informers: opts.Informers, registry: opts.Registry, metrics: metrics}
	if opts.LeaderElection != nil {
		le := *opts.LeaderElection
		if le.Client == nil {
			le.Client = opts.Client
		}
		if le.Logger.GetSink() == nil {
			le.Logger = opts.Logger
		}
		if m.elector, err = NewLeaderElector(le); err != nil {
			return nil, fmt.Errorf("new manager: %w", err)
		}
	}
	return m, nil
}

// Informers returns the shared informer factory; ask it for informers
// before Start.
func (m *Manager) Informers() *client.InformerFactory { return m.informers }

// Metrics returns the metrics to give controllers (New's Options.Metrics);
// Add sets them on controllers made without.
func (m *Manager) Metrics() *Metrics { return m.metrics }

// Registry returns the registry /metrics serves.
func (m *Manager) Registry() *prometheus.Registry { return m.registry }

// Elector returns the leader elector, or nil without leader election.
func (m *Manager) Elector() *LeaderElector { return m.elector }

// NewController is New with the manager's logger and metrics filled in,
// and the controller added to the manager.
func (m *Manager) NewController(name string, r Reconciler, opts Options) (*Controller, error) {
	if opts.Metrics == nil {
		opts.Metrics = m.metrics
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = m.opts.Logger
	}
	c, err := New(name, r, opts)
	if err != nil {
		return nil, err
	}
	return c, m.Add(c)
}

// Add adds a controller; before Start only.
func (m *Manager) Add(c *Controller) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return fmt.Errorf("manager: add controller %q: %w", c.name, ErrAlreadyStarted)
	}
	m.controllers = append(m.controllers, c)
	return nil
}

// Addr returns the address the endpoint is bound to, or nil before Start
// bound it (or when Options.Addr is empty).
func (m *Manager) Addr() net.Addr {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addr
}

// Start serves the endpoint, starts the informers, campaigns for
// leadership if configured, and runs every controller (while leading)
// until ctx is done. Then it stops the controllers, waiting for in-flight
// reconciles, releases the lease, stops the informers and the endpoint,
// and returns: nil when ctx ended, or the first error (a failed listen,
// ErrLeaderElectionLost).
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	if m.started {
		m.mu.Unlock()
		return fmt.Errorf("manager: %w", ErrAlreadyStarted)
	}
	m.started = true
	controllers := m.controllers
	m.mu.Unlock()

	g, gctx := errgroup.WithContext(ctx)
	if m.opts.Addr != "" {
		ln, err := net.Listen("tcp", m.opts.Addr)
		if err != nil {
			return fmt.Errorf("manager: listen on %s: %w", m.opts.Addr, err)
		}
		m.mu.Lock()
		m.addr = ln.Addr()
		m.mu.Unlock()
		srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
		g.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("manager: serve %s: %w", ln.Addr(), err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		})
	}

	infCtx, stopInformers := context.WithCancel(gctx)
	m.informers.Start(infCtx)
	g.Go(func() error {
		if m.informers.WaitForCacheSync(infCtx) {
			m.mu.Lock()
			m.synced = true
			m.mu.Unlock()
		}
		return nil
	})

	runControllers := func(ctx context.Context) error {
		cg, cctx := errgroup.WithContext(ctx)
		for _, c := range controllers {
			cg.Go(func() error {
				if err := c.Start(cctx); err != nil && !errors.Is(err, context.Canceled) {
					return err
				}
				return nil
			})
		}
		return cg.Wait()
	}
	if m.elector == nil {
		g.Go(func() error { return runControllers(gctx) })
	} else {
		le := m.elector
		user := le.opts.OnStartedLeading
		var ctrlErr error
		le.opts.OnStartedLeading = func(lctx context.Context) {
			if user != nil {
				go user(lctx)
			}
			ctrlErr = runControllers(lctx)
		}
		g.Go(func() error {
			err := le.Run(gctx)
			if errors.Is(err, context.Canceled) {
				err = nil
			}
			return errors.Join(err, ctrlErr)
		})
	}
	err := g.Wait()
	stopInformers()
	m.informers.Shutdown()
	return err
}

// Handler returns the manager's HTTP handler: /healthz (200 while the
// manager runs), /readyz (200 once the shared informers synced, and, with
// leader election, ... regardless of who leads) and /metrics.
func (m *Manager) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		m.mu.Lock()
		synced := m.synced
		m.mu.Unlock()
		if !synced {
			http.Error(w, "informers not synced", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	return mux
}
