package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"golang.org/x/sync/errgroup"
)

// cluster is everything the command runs.
type cluster struct {
	out   io.Writer
	start time.Time
	log   logr.Logger
	cp    *controlPlane

	cancel context.CancelFunc
	g      *errgroup.Group
	gctx   context.Context

	// nodes are the node names of the kubelets started, real one first;
	// realNode is "" when none runs (not root).
	nodes    []string
	realNode string
	// podCgroup is the cgroup under which the real node's pods run and to
	// which the service proxy is attached; "" without a real node.
	podCgroup string
	// closers run at stop, after the components' goroutines have ended.
	closers []func() error

	mu sync.Mutex // guards out
}

// progress prints a line of progress with the time since start.
func (c *cluster) progress(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, "[%6.2fs] %s\n", time.Since(c.start).Seconds(), fmt.Sprintf(format, args...))
}

func newLogger(w io.Writer, verbose bool) logr.Logger {
	if !verbose {
		return logr.Discard()
	}
	var mu sync.Mutex
	return funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s %s %s\n", time.Now().Format("15:04:05.000"), prefix, args)
	}, funcr.Options{Verbosity: 1})
}

// start brings the cluster up: control plane, then nodes, then waits until
// every node is registered.
func start(ctx context.Context, o options, stdout, stderr io.Writer) (*cluster, error) {
	c := &cluster{out: stdout, start: time.Now(), log: newLogger(stderr, o.verbose)}
	c.progress("data directory %s", o.dataDir)
	cp, err := startControlPlane(ctx, c.log, o.dataDir, o.port, o.kubeconfig)
	if err != nil {
		return nil, err
	}
	c.cp = cp
	c.progress("store and API server up at %s; kubeconfig written to %s", cp.url, cp.kubeconfig)

	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel = cancel
	c.g, c.gctx = errgroup.WithContext(rctx)
	ready := make(chan struct{})
	if err := cp.runComponents(c.gctx, c.g, ready); err != nil {
		_ = c.stop()
		return nil, err
	}
	select {
	case <-ready:
	case <-c.gctx.Done():
		_ = c.stop()
		return nil, fmt.Errorf("controller manager did not start: %w", context.Cause(c.gctx))
	case <-ctx.Done():
		_ = c.stop()
		return nil, ctx.Err()
	}
	c.progress("scheduler and controller manager running")
	if err := startNodes(ctx, c, o); err != nil {
		_ = c.stop()
		return nil, err
	}
	return c, nil
}

// stop ends every component and waits for them, then closes the control
// plane.
func (c *cluster) stop() error {
	if c.cancel != nil {
		c.cancel()
	}
	var err error
	if c.g != nil {
		err = c.g.Wait()
	}
	for i := len(c.closers) - 1; i >= 0; i-- {
		if cerr := c.closers[i](); cerr != nil && err == nil {
			err = cerr
		}
	}
	if c.cp != nil {
		if cerr := c.cp.close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}
