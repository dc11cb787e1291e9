// Command cluster runs a whole Rigging cluster in one process: the store
// (store/mvcc in a data directory), the API server on 127.0.0.1 with a
// kubeconfig written out for kubectl, the scheduler, the controller manager
// a kubelet whose containers are real processes (kubelet/runtime/process) on
// a bridge network (cni/bridge), and the service proxy with the eBPF
// dataplane (proxy/ebpf) attached to the pods' cgroup, plus any number of
// simulated nodes (kubelet/runtime/fake).
//
// Usage:
//
//	go run ./examples/cluster                  # run until interrupted
//	go run ./examples/cluster -demo            # deploy a web app, check it, exit
//	go run ./examples/cluster -fake-nodes 100  # add 100 simulated nodes
//
// While it runs, kubectl works against it:
//
//	kubectl --kubeconfig <data-dir>/kubeconfig get nodes,pods -A
//
// With -demo it creates a Deployment of three replicas of a small HTTP
// server (this program itself, started by the kubelet as a container) and a
// Service, waits until every pod is Ready while showing progress, sends a
// request to each pod and to the Service's ClusterIP (from a process in the
// pods' cgroup, where the proxy balances it), prints the answers, and exits
// 0; it exits non-zero with the reason if anything fails.
//
// The kubelet needs root (it makes cgroups and namespaces for the
// containers); without root the cluster runs with simulated nodes only and
// -demo fails with that reason.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	dataDir    string
	port       int
	kubeconfig string
	fakeNodes  int
	nodeName   string
	demo       bool
	timeout    time.Duration
	verbose    bool
	keep       bool
}

func main() {
	if serveDemoIfAsked() {
		return
	}
	// One more P than the Go runtime would use: every container start
	// holds a P, idle, until the child has exec'd (Go forks with vfork,
	// and the parent's thread waits without giving its P up), which on a
	// busy machine is about a millisecond. With the extra P the other
	// goroutines keep every CPU busy meanwhile: with it, 100 pods
	// started at once reached Running with a p99 of 275-333 ms instead of
	// 346-523 ms on a 2-CPU machine (6 alternating pairs; bench/RESULTS.md,
	// "cluster"), and the API server took 100 concurrent clients' creates
	// 13% faster with a p99 1-2 ms lower ("apiserver"). GOMAXPROCS in the
	// environment still decides when set.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dataDir, "data-dir", "", "directory for the store, pods and logs (default: a new temporary directory, removed at exit unless -keep)")
	fs.IntVar(&o.port, "port", 0, "API server port on 127.0.0.1 (0: a free port)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "where to write the kubeconfig (default <data-dir>/kubeconfig)")
	fs.IntVar(&o.fakeNodes, "fake-nodes", 0, "simulated nodes to add (kubelets with the fake runtime)")
	fs.StringVar(&o.nodeName, "node-name", "", "name of the real node (default: the host name)")
	fs.BoolVar(&o.demo, "demo", false, "deploy a 3-replica web server and a Service, check every pod answers, and exit")
	fs.DurationVar(&o.timeout, "demo-timeout", 2*time.Minute, "how long -demo waits for the pods to be Ready")
	fs.BoolVar(&o.verbose, "v", false, "log every component's messages")
	fs.BoolVar(&o.keep, "keep", false, "keep a temporary data directory at exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.port < 0 || o.port > 65535 {
		return o, fmt.Errorf("-port %d: out of range", o.port)
	}
	if o.fakeNodes < 0 {
		return o, fmt.Errorf("-fake-nodes %d: must not be negative", o.fakeNodes)
	}
	if o.timeout <= 0 {
		return o, fmt.Errorf("-demo-timeout %v: must be positive", o.timeout)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if o.dataDir == "" {
		d, err := os.MkdirTemp("", "rigging-cluster-")
		if err != nil {
			return err
		}
		o.dataDir = d
		if !o.keep {
			defer os.RemoveAll(d)
		}
	}
	if o.dataDir, err = filepath.Abs(o.dataDir); err != nil {
		return err
	}
	c, err := start(ctx, o, stdout, stderr)
	if err != nil {
		return err
	}
	var runErr error
	if o.demo {
		runErr = runDemo(ctx, c, o, stdout)
	} else {
		c.progress("cluster running; kubectl --kubeconfig %s get nodes,pods -A  (Ctrl-C to stop)", c.cp.kubeconfig)
		<-ctx.Done()
	}
	c.progress("shutting down")
	if err := c.stop(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr == nil {
		c.progress("stopped cleanly")
	}
	return runErr
}
