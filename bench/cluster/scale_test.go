package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
	"github.com/rigging-dev/rigging/scheduler"
	"github.com/rigging-dev/rigging/store/mvcc"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// startControlPlane starts an API server on a fresh store and the
// scheduler, stopped at the end of the benchmark. onOutcome, if any, is
// the scheduler's OnOutcome.
func startControlPlane(b *testing.B, onOutcome ...func(scheduler.Outcome)) (*envtest.Env, context.Context) {
	b.Helper()
	// A thousand kubelets write leases and statuses while the benchmark
	// creates pods: the in-flight limits are raised so that the API
	// server queues this load rather than answering 429.
	// BENCH_MVCC_WAL=1 puts the store's write-ahead log in front of
	// bbolt (mvcc.Options.WriteAheadLog).
	env, err := envtest.New(context.Background(), envtest.Options{
		Server: apiserver.Options{MaxMutatingInFlight: 10000, MaxReadInFlight: 10000},
		Store:  mvcc.Options{WriteAheadLog: os.Getenv("BENCH_MVCC_WAL") == "1"},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := env.Close(); err != nil {
			b.Error(err)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		opts := scheduler.RunOptions{LeaderElection: scheduler.LeaderElection{Disable: true}}
		if len(onOutcome) > 0 {
			opts.OnOutcome = onOutcome[0]
		}
		done <- scheduler.Run(ctx, env.Client, opts)
	}()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("scheduler: %v", err)
		}
	})
	return env, ctx
}

// runKubelet starts a kubelet and stops it at cleanup.
func runKubelet(b *testing.B, ctx context.Context, g *errgroup.Group, cfg kubelet.Config) {
	b.Helper()
	k, err := kubelet.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	g.Go(func() error {
		if err := k.Run(ctx); err != nil && ctx.Err() == nil {
			return fmt.Errorf("kubelet %s: %w", cfg.NodeName, err)
		}
		return nil
	})
}

// waitNodes waits until n nodes are Ready.
func waitNodes(b *testing.B, ctx context.Context, c *client.Client, n int) {
	b.Helper()
	nodes, err := client.For[corev1.Node](c)
	if err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		list, err := nodes.List(ctx, client.ListOptions{ResourceVersion: "0"})
		if err != nil {
			b.Fatal(err)
		}
		ready := 0
		for i := range list.Items {
			for _, cond := range list.Items[i].Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		if ready >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d nodes Ready after 10 minutes", ready, n)
		}
		time.Sleep(100 * time.Millisecond) // a benchmark's progress poll, not test synchronisation
	}
}

func benchPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"bench": "scale"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "c", Image: "pause",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("10m"),
					corev1.ResourceMemory: resource.MustParse("10Mi"),
				}},
			}},
		},
	}
}

// phaseWatcher counts pods reaching Running and records when each did.
type phaseWatcher struct {
	mu        sync.Mutex // guards scheduled, running, ready
	scheduled map[string]time.Time
	running   map[string]time.Time
	ready     map[string]time.Time
	changed   chan struct{}
}

func watchPods(b *testing.B, ctx context.Context, c *client.Client) *phaseWatcher {
	b.Helper()
	pods, err := client.For[corev1.Pod](c)
	if err != nil {
		b.Fatal(err)
	}
	inf := client.NewInformer(pods.Namespace("default"), client.InformerOptions{})
	w := &phaseWatcher{scheduled: map[string]time.Time{}, running: map[string]time.Time{}, ready: map[string]time.Time{}, changed: make(chan struct{}, 1)}
	note := func(p *corev1.Pod) {
		now := time.Now()
		w.mu.Lock()
		if p.Spec.NodeName != "" {
			if _, ok := w.scheduled[p.Name]; !ok {
				w.scheduled[p.Name] = now
			}
		}
		if p.Status.Phase == corev1.PodRunning {
			if _, ok := w.running[p.Name]; !ok {
				w.running[p.Name] = now
			}
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				if _, ok := w.ready[p.Name]; !ok {
					w.ready[p.Name] = now
				}
			}
		}
		w.mu.Unlock()
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
	if _, err := inf.AddEventHandler(client.HandlerFuncs[corev1.Pod]{
		AddFunc:    func(p *corev1.Pod, _ bool) { note(p) },
		UpdateFunc: func(_, p *corev1.Pod) { note(p) },
	}); err != nil {
		b.Fatal(err)
	}
	go inf.Run(ctx)
	if !client.WaitForCacheSync(ctx, inf) {
		b.Fatal("pod informer did not sync")
	}
	return w
}

func (w *phaseWatcher) counts() (running, ready int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.running), len(w.ready)
}

// waitRunning waits until n pods are Running (and Ready when ready is set).
func (w *phaseWatcher) wait(b *testing.B, ctx context.Context, n int, ready bool, timeout time.Duration) {
	b.Helper()
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		r, rd := w.counts()
		if r >= n && (!ready || rd >= n) {
			return
		}
		select {
		case <-w.changed:
		case <-t.C:
			b.Fatalf("after %v: %d Running, %d Ready, want %d", timeout, r, rd, n)
		case <-ctx.Done():
			b.Fatal(ctx.Err())
		}
	}
}

// BenchmarkScale: 1,000 simulated nodes, 30,000 pods, time to all Running.
func BenchmarkScale(b *testing.B) {
	nodes, pods := envInt("BENCH_NODES", 1000), envInt("BENCH_PODS", 30000)
	for range b.N {
		env, ctx := startControlPlane(b)
		kctx, kcancel := context.WithCancel(ctx)
		g, gctx := errgroup.WithContext(kctx)
		dir := b.TempDir()
		startNodes := time.Now()
		for i := range nodes {
			name := fmt.Sprintf("node-%04d", i)
			runKubelet(b, gctx, g, kubelet.Config{
				NodeName: name, Client: env.Client, Runtime: fake.New(fake.Options{MaxCalls: -1}),
				RootDir: filepath.Join(dir, name),
				Capacity: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("110"),
					corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi")},
			})
		}
		waitNodes(b, ctx, env.Client, nodes)
		nodesUp := time.Since(startNodes)
		w := watchPods(b, ctx, env.Client)

		podsRes, err := client.For[corev1.Pod](env.Client)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		start := time.Now()
		var next atomic.Int64
		cg, cctx := errgroup.WithContext(ctx)
		for range 32 {
			cg.Go(func() error {
				for {
					i := next.Add(1) - 1
					if i >= int64(pods) {
						return nil
					}
					if _, err := podsRes.Namespace("default").Create(cctx, benchPod(fmt.Sprintf("p-%05d", i)), client.CreateOptions{}); err != nil {
						return err
					}
				}
			})
		}
		if err := cg.Wait(); err != nil {
			b.Fatal(err)
		}
		created := time.Since(start)
		w.wait(b, ctx, pods, false, 30*time.Minute)
		total := time.Since(start)
		b.StopTimer()

		// Startup latency of each pod: from the start of creation is an
		// upper bound; report the spread of Running times instead.
		w.mu.Lock()
		var ts []time.Duration
		for _, t := range w.running {
			ts = append(ts, t.Sub(start))
		}
		w.mu.Unlock()
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		b.ReportMetric(total.Seconds(), "s-all-running")
		b.ReportMetric(created.Seconds(), "s-all-created")
		b.ReportMetric(float64(pods)/total.Seconds(), "pods/s")
		b.ReportMetric(nodesUp.Seconds(), "s-nodes-ready")
		b.ReportMetric(ts[len(ts)/2].Seconds(), "s-half-running")
		b.Logf("%d nodes ready in %v; %d pods created in %v, all Running after %v (%.0f pods/s)", nodes, nodesUp, pods, created, total, float64(pods)/total.Seconds())
		kcancel()
		if err := g.Wait(); err != nil {
			b.Error(err)
		}
	}
}
