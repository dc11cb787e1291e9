package proxy_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/proxy"
)

// timedApply is one ApplyService call that returned, and when.
type timedApply struct {
	key proxy.ServiceKey
	svc *proxy.Service
	at  time.Time
}

// timingDataplane is a Dataplane with a ServiceApplier that does nothing
// but report, on applied, when each ApplyService returned, and count the
// frontends of each Apply on applies.
type timingDataplane struct {
	applied chan timedApply
	applies chan int
}

func newTimingDataplane() *timingDataplane {
	return &timingDataplane{applied: make(chan timedApply, 1024), applies: make(chan int, 1024)}
}

func (d *timingDataplane) Apply(_ context.Context, st *proxy.State) error {
	d.applies <- len(st.Services)
	return nil
}

func (d *timingDataplane) ApplyService(_ context.Context, k proxy.ServiceKey, svc *proxy.Service) error {
	d.applied <- timedApply{k, svc, time.Now()}
	return nil
}

func (d *timingDataplane) Close() error { return nil }

// e2eSlice is the EndpointSlice of Service name with one ready endpoint
// of generation gen, which a change bumps.
func e2eSlice(name string, gen int) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: new("http"), Port: new(int32(8080))}},
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{
			netip.AddrFrom4([4]byte{10, 128 + byte(gen>>16), byte(gen >> 8), byte(gen)}).String()}}},
	}
}

// e2eCluster is an API server holding n Services with one port each and
// an EndpointSlice for each.
type e2eCluster struct {
	env    *envtest.Env
	slices *client.Resource[discoveryv1.EndpointSlice]
	keys   []proxy.ServiceKey // of Service i's frontend
	last   []*discoveryv1.EndpointSlice
}

// newE2ECluster creates the n Services and their slices through the API
// server, four writers at a time.
func newE2ECluster(b *testing.B, n int) *e2eCluster {
	b.Helper()
	env := envtest.Start(b)
	svcs, err := client.For[corev1.Service](env.Client)
	if err != nil {
		b.Fatal(err)
	}
	sls, err := client.For[discoveryv1.EndpointSlice](env.Client)
	if err != nil {
		b.Fatal(err)
	}
	c := &e2eCluster{env: env, slices: sls.Namespace("default"), keys: make([]proxy.ServiceKey, n), last: make([]*discoveryv1.EndpointSlice, n)}
	g, ctx := errgroup.WithContext(b.Context())
	g.SetLimit(4)
	for i := range n {
		g.Go(func() error {
			name := fmt.Sprintf("s%d", i)
			s, err := svcs.Namespace("default").Create(ctx, &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
			}, client.CreateOptions{})
			if err != nil {
				return fmt.Errorf("create service %s: %w", name, err)
			}
			c.keys[i] = proxy.ServiceKey{Addr: netip.MustParseAddr(s.Spec.ClusterIP), Port: 80, Protocol: proxy.TCP}
			c.last[i], err = c.slices.Create(ctx, e2eSlice(name, 0), client.CreateOptions{})
			if err != nil {
				return fmt.Errorf("create slice %s: %w", name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	return c
}

// startProxy runs a Proxy with opts until the test ends; the cleanup
// stops it and fails the test if Run returned an error.
func startProxy(tb testing.TB, opts proxy.Options) {
	tb.Helper()
	p, err := proxy.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
}

// runProxy runs a Proxy over the cluster with dp until the benchmark
// ends, and waits for its first Apply of every Service.
func runProxy(b *testing.B, c *e2eCluster, dp proxy.Dataplane, applies <-chan int) *prometheus.Registry {
	b.Helper()
	reg := prometheus.NewRegistry()
	// A change is applied at once unless the last sync was less than
	// MinSyncInterval ago; the changes here come one after another, so a
	// 1 s interval would measure the batching, not the path.
	startProxy(b, proxy.Options{Client: c.env.Client, Dataplane: dp, NodeName: "n",
		MinSyncInterval: time.Nanosecond, ResyncPeriod: time.Hour, Metrics: reg})
	deadline := time.NewTimer(10 * time.Minute)
	defer deadline.Stop()
	for {
		select {
		case got := <-applies:
			if got == len(c.keys) {
				return reg
			}
		case <-deadline.C:
			b.Fatalf("no Apply of %d services within 10 minutes", len(c.keys))
		}
	}
}

// syncSeconds returns the sum and count of the proxy's
// rigging_proxy_sync_duration_seconds histogram.
func syncSeconds(b *testing.B, reg *prometheus.Registry) (float64, uint64) {
	b.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "rigging_proxy_sync_duration_seconds" {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleSum(), h.GetSampleCount()
		}
	}
	b.Fatal("no rigging_proxy_sync_duration_seconds")
	return 0, 0
}

// watchArrivals runs an informer of the cluster's EndpointSlices of its
// own, beside the proxy's, until the benchmark ends, and reports on the
// channel when each update reached this process: an approximation (a
// second watch stream, and another goroutine) of when the proxy's
// informer saw it.
func watchArrivals(b *testing.B, c *e2eCluster) <-chan time.Time {
	b.Helper()
	arrived := make(chan time.Time, 1024)
	inf := client.NewInformer(c.slices, client.InformerOptions{})
	if _, err := inf.AddEventHandler(client.HandlerFuncs[discoveryv1.EndpointSlice]{
		UpdateFunc: func(_, _ *discoveryv1.EndpointSlice) { arrived <- time.Now() },
	}); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = inf.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	if !client.WaitForCacheSync(b.Context(), inf) {
		b.Fatal("slice informer did not sync")
	}
	return arrived
}

// quantiles reports the p50, p99 and max of lat, in µs, with the unit
// prefix.
func quantiles(b *testing.B, prefix string, lat []time.Duration) {
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))]) / 1e3 }
	b.ReportMetric(q(0.50), prefix+"p50-µs")
	b.ReportMetric(q(0.99), prefix+"p99-µs")
	b.ReportMetric(q(1), prefix+"max-µs")
}

// measureChanges updates one EndpointSlice per iteration, round robin,
// and waits for the ApplyService of its Service's frontend with the new
// endpoint, on applied. It reports the latency from before the update to
// ApplyService's return (p50, p99 and max, in µs); from the update's
// arrival at this process (see watchArrivals) to ApplyService's return
// (watch-p50 ...); and the proxy's own part: the mean time of a sync,
// from taking the marks to the last ApplyService's return (sync-µs).
func measureChanges(b *testing.B, c *e2eCluster, reg *prometheus.Registry, applied <-chan timedApply) {
	b.Helper()
	arrived := watchArrivals(b, c)
	sum0, n0 := syncSeconds(b, reg)
	var lat, fromWatch []time.Duration
	gen := 0
	for i := 0; b.Loop(); i++ {
		j := i % len(c.keys)
		gen++
		s := c.last[j].DeepCopy()
		s.Endpoints = e2eSlice(s.Name, gen).Endpoints
		want := s.Endpoints[0].Addresses[0]
		start := time.Now()
		updated, err := c.slices.Update(b.Context(), s, client.UpdateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		c.last[j] = updated
		for done := false; !done; {
			select {
			case a := <-applied:
				if a.key == c.keys[j] && a.svc != nil && len(a.svc.Backends) == 1 && a.svc.Backends[0].Addr.String() == want {
					lat = append(lat, a.at.Sub(start))
					done = true
				}
			case <-time.After(30 * time.Second):
				b.Fatalf("change %d: no ApplyService of %s with backend %s within 30 s", i, c.keys[j], want)
			}
		}
		select {
		case at := <-arrived:
			fromWatch = append(fromWatch, lat[len(lat)-1]-at.Sub(start))
		case <-time.After(30 * time.Second):
			b.Fatalf("change %d: the update did not arrive at the benchmark's informer within 30 s", i)
		}
	}
	quantiles(b, "", lat)
	quantiles(b, "watch-", fromWatch)
	sum, n := syncSeconds(b, reg)
	if n > n0 {
		b.ReportMetric((sum-sum0)/float64(n-n0)*1e6, "sync-µs")
	}
}

// BenchmarkEndToEnd measures one EndpointSlice update, written through an
// in-process API server, until the proxy's ApplyService for the changed
// frontend returns: the store's write, the watch, the informer, the
// handler's mark, the sync loop, the recomputation of that one Service
// and the call, with a no-op dataplane. The API server holds n Services
// and n slices (created before the timer starts; 100,000 take minutes).
func BenchmarkEndToEnd(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			c := newE2ECluster(b, n)
			dp := newTimingDataplane()
			reg := runProxy(b, c, dp, dp.applies)
			measureChanges(b, c, reg, dp.applied)
		})
	}
}

// TestRunSyncsIncrementally runs a Proxy against an API server with a
// ServiceApplier and eight Services, and checks that EndpointSlice
// changes (to no more than a quarter of the frontends) reach it as
// ApplyService calls for exactly the frontends they change: an endpoint
// change, and a slice relabelled from one Service to another (both
// frontends change).
func TestRunSyncsIncrementally(t *testing.T) {
	env := envtest.Start(t)
	svcs, _ := client.For[corev1.Service](env.Client)
	sls, _ := client.For[discoveryv1.EndpointSlice](env.Client)
	ctx := t.Context()
	var keys []proxy.ServiceKey
	var last []*discoveryv1.EndpointSlice
	for i := range 8 {
		name := fmt.Sprintf("s%d", i)
		s, err := svcs.Namespace("default").Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
		}, client.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, proxy.ServiceKey{Addr: netip.MustParseAddr(s.Spec.ClusterIP), Port: 80, Protocol: proxy.TCP})
		sl, err := sls.Namespace("default").Create(ctx, e2eSlice(name, i), client.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		last = append(last, sl)
	}
	dp := newTimingDataplane()
	startProxy(t, proxy.Options{Client: env.Client, Dataplane: dp, NodeName: "n", MinSyncInterval: time.Millisecond, ResyncPeriod: time.Hour})
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	select {
	case n := <-dp.applies:
		if n != 8 {
			t.Fatalf("first Apply of %d services, want 8", n)
		}
	case <-deadline.C:
		t.Fatal("no first Apply within 30 s")
	}
	// next returns the next ApplyService as "key backends".
	next := func() string {
		t.Helper()
		select {
		case a := <-dp.applied:
			if a.svc == nil {
				return a.key.String() + " removed"
			}
			return fmt.Sprintf("%s %v", a.key, a.svc.Backends)
		case n := <-dp.applies:
			t.Fatalf("Apply of %d services, want ApplyService calls only", n)
		case <-deadline.C:
			t.Fatal("no ApplyService within 30 s")
		}
		return ""
	}
	update := func(i int, f func(*discoveryv1.EndpointSlice)) {
		t.Helper()
		s := last[i].DeepCopy()
		f(s)
		var err error
		if last[i], err = sls.Namespace("default").Update(ctx, s, client.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	update(1, func(s *discoveryv1.EndpointSlice) { s.Endpoints = e2eSlice("", 7).Endpoints })
	if diff := cmp.Diff(keys[1].String()+" [10.128.0.7:8080]", next()); diff != "" {
		t.Errorf("endpoint change (-want +got):\n%s", diff)
	}
	update(1, func(s *discoveryv1.EndpointSlice) { s.Labels[discoveryv1.LabelServiceName] = "s2" })
	got := []string{next(), next()}
	slices.Sort(got)
	want := []string{keys[1].String() + " []", keys[2].String() + " [10.128.0.2:8080 10.128.0.7:8080]"}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slice relabelled from s1 to s2 (-want +got):\n%s", diff)
	}
}

// TestResyncDespiteChurn checks that changes synced incrementally, one
// after another, do not put off the periodic resync: with a 50 ms
// ResyncPeriod and an EndpointSlice updated over and over, whole-State
// Applies keep coming.
func TestResyncDespiteChurn(t *testing.T) {
	env := envtest.Start(t)
	ctx := t.Context()
	svcs, _ := client.For[corev1.Service](env.Client)
	sls, _ := client.For[discoveryv1.EndpointSlice](env.Client)
	for i := range 8 {
		name := fmt.Sprintf("s%d", i)
		if _, err := svcs.Namespace("default").Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
		}, client.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	last, err := sls.Namespace("default").Create(ctx, e2eSlice("s0", 0), client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dp := newTimingDataplane()
	startProxy(t, proxy.Options{Client: env.Client, Dataplane: dp, NodeName: "n",
		MinSyncInterval: time.Millisecond, ResyncPeriod: 50 * time.Millisecond})
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	applies, services := 0, 0
	for gen := 1; applies < 4; gen++ { // the first sync, then resyncs
		select {
		case <-dp.applies:
			applies++
			continue
		case <-dp.applied:
			services++
			continue
		case <-deadline.C:
			t.Fatalf("%d whole-State Applies and %d ApplyService calls within 30 s of churn; want 4 Applies", applies, services)
		default:
		}
		s := last.DeepCopy()
		s.Endpoints = e2eSlice("s0", gen).Endpoints
		if last, err = sls.Namespace("default").Update(ctx, s, client.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if services == 0 {
		t.Error("no ApplyService call: the changes were not synced incrementally")
	}
}
