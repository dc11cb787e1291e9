package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/deployment"
	"github.com/rigging-dev/rigging/controller/endpointslice"
	"github.com/rigging-dev/rigging/controller/garbagecollector"
	"github.com/rigging-dev/rigging/controller/namespace"
	"github.com/rigging-dev/rigging/controller/nodeipam"
	"github.com/rigging-dev/rigging/controller/nodelifecycle"
	"github.com/rigging-dev/rigging/controller/replicaset"
	"github.com/rigging-dev/rigging/controller/serviceaccount"
	"github.com/rigging-dev/rigging/scheduler"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// controlPlane is the store, the API server on a loopback listener, the
// scheduler and the controller manager of the single-process cluster.
type controlPlane struct {
	log        logr.Logger
	store      *mvcc.Store
	server     *apiserver.Server
	http       *http.Server
	listener   net.Listener
	url        string
	kubeconfig string
	// client calls the API server in-process: the components use it, so
	// they cost no socket; kubectl and the demo use the listener.
	client *client.Client
}

// startControlPlane opens the store in dataDir, starts the API server on
// 127.0.0.1:port (0: a free port) and writes a kubeconfig for it to
// kubeconfigPath (default dataDir/kubeconfig).
func startControlPlane(ctx context.Context, log logr.Logger, dataDir string, port int, kubeconfigPath string) (*controlPlane, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	cp := &controlPlane{log: log}
	st, err := mvcc.Open(ctx, mvcc.Options{Dir: filepath.Join(dataDir, "store")})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	cp.store = st
	srv, err := apiserver.New(st, apiserver.Options{Logger: log.WithName("apiserver"), Metrics: prometheus.NewRegistry()})
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("create apiserver: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		_ = srv.Close()
		_ = st.Close()
		return nil, fmt.Errorf("start apiserver: %w", err)
	}
	cp.server = srv
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		_ = srv.Close()
		_ = st.Close()
		return nil, fmt.Errorf("listen for the apiserver: %w", err)
	}
	cp.listener = ln
	cp.url = "http://" + ln.Addr().String()
	cp.http = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := cp.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(err, "apiserver listener stopped")
		}
	}()
	cp.client = client.NewInProcess(srv)

	if kubeconfigPath == "" {
		kubeconfigPath = filepath.Join(dataDir, "kubeconfig")
	}
	kc := client.NewKubeconfig("rigging", client.Config{Host: cp.url}, "default")
	if err := client.WriteKubeconfig(kubeconfigPath, kc); err != nil {
		cp.close()
		return nil, fmt.Errorf("write kubeconfig: %w", err)
	}
	cp.kubeconfig = kubeconfigPath
	return cp, nil
}

// runComponents runs the scheduler and the controller manager until ctx
// ends. ready is closed once the manager's informers have synced.
func (cp *controlPlane) runComponents(ctx context.Context, g *errgroup.Group, ready chan<- struct{}) error {
	mgr, err := controller.NewManager(controller.ManagerOptions{
		Client: cp.client,
		Logger: cp.log.WithName("controller-manager"),
	})
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	if _, err := replicaset.Add(mgr, cp.client, controller.Options{}); err != nil {
		return err
	}
	if _, err := endpointslice.Add(mgr, cp.client, endpointslice.Options{}); err != nil {
		return err
	}
	if _, err := namespace.Add(mgr, cp.client, controller.Options{}); err != nil {
		return err
	}
	if err := addControllers(mgr, cp.client); err != nil {
		return err
	}
	g.Go(func() error {
		if err := mgr.Start(ctx); err != nil && ctx.Err() == nil {
			return fmt.Errorf("controller manager: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if mgr.Informers().WaitForCacheSync(ctx) {
			close(ready)
		}
		return nil
	})
	gc, err := garbagecollector.New(cp.client, garbagecollector.Options{Logger: cp.log.WithName("garbage-collector")})
	if err != nil {
		return fmt.Errorf("garbage collector: %w", err)
	}
	g.Go(func() error {
		if err := gc.Run(ctx); err != nil && ctx.Err() == nil {
			return fmt.Errorf("garbage collector: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		err := scheduler.Run(ctx, cp.client, scheduler.RunOptions{
			LeaderElection: scheduler.LeaderElection{Disable: true},
		})
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("scheduler: %w", err)
		}
		return nil
	})
	return nil
}

// close stops the listener, the API server and the store.
func (cp *controlPlane) close() error {
	var errs []error
	if cp.server != nil {
		errs = append(errs, cp.server.Close())
	}
	if cp.http != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, cp.http.Shutdown(sctx))
		cancel()
	}
	if cp.store != nil {
		errs = append(errs, cp.store.Close())
	}
	return errors.Join(errs...)
}

// addControllers adds the controllers beyond ReplicaSet, EndpointSlice and
// Namespace.
func addControllers(mgr *controller.Manager, c *client.Client) error {
	if _, err := deployment.Add(mgr, c, controller.Options{}); err != nil {
		return err
	}
	if _, err := nodeipam.Add(mgr, c, nodeipam.Options{ClusterCIDRs: []netip.Prefix{clusterCIDR}}); err != nil {
		return err
	}
	if _, err := nodelifecycle.Add(mgr, c, nodelifecycle.Options{}); err != nil {
		return err
	}
	if _, err := serviceaccount.Add(mgr, c, serviceaccount.Options{}); err != nil {
		return err
	}
	return nil
}

// clusterCIDR is the pods' address range; each node gets a /24 of it.
var clusterCIDR = netip.MustParsePrefix("10.88.0.0/16")
