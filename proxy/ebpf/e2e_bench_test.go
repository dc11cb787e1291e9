package ebpf

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/proxy"
)

// e2eApplied is one ApplyService of the real dataplane that returned,
// and when.
type e2eApplied struct {
	key proxy.ServiceKey
	svc *proxy.Service
	at  time.Time
	err error
}

// e2eDataplane passes every call to the eBPF dataplane and reports, on
// applied, when each ApplyService returned, and the frontends of each
// Apply on applies.
type e2eDataplane struct {
	d       *Dataplane
	applied chan e2eApplied
	applies chan int
}

func (w *e2eDataplane) Apply(ctx context.Context, st *proxy.State) error {
	err := w.d.Apply(ctx, st)
	if err == nil {
		w.applies <- len(st.Services)
	}
	return err
}

func (w *e2eDataplane) ApplyService(ctx context.Context, k proxy.ServiceKey, svc *proxy.Service) error {
	err := w.d.ApplyService(ctx, k, svc)
	w.applied <- e2eApplied{k, svc, time.Now(), err}
	return err
}

// Close does nothing: benchDataplane's cleanup uninstalls the dataplane.
func (w *e2eDataplane) Close() error { return nil }

// e2eSlice is the EndpointSlice of Service name with one ready endpoint
// of generation gen.
func e2eSlice(name string, gen int) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: new("http"), Port: new(int32(8080))}},
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{
			netip.AddrFrom4([4]byte{10, 128 + byte(gen>>16), byte(gen >> 8), byte(gen)}).String()}}},
	}
}

// BenchmarkEndToEnd measures one EndpointSlice update, written through an
// in-process API server holding 100,000 Services and their slices, until
// the eBPF dataplane's ApplyService for the changed frontend, called by a
// running proxy.Proxy, returns: the store's write, the watch, the
// informer, the proxy's incremental sync of that one Service, and the
// eBPF map updates. It reports p50, p99 and max in µs; the same from the
// update's arrival at a slice informer of the benchmark's own (watch-);
// and the proxy's
// mean sync (taking the marks to ApplyService's return, eBPF included) as
// sync-µs. Creating the objects and the first Apply take minutes; they
// are not timed.
func BenchmarkEndToEnd(b *testing.B) {
	const n = 100_000
	d := benchDataplane(b)
	env := envtest.Start(b)
	svcs, err := client.For[corev1.Service](env.Client)
	if err != nil {
		b.Fatal(err)
	}
	sls, err := client.For[discoveryv1.EndpointSlice](env.Client)
	if err != nil {
		b.Fatal(err)
	}
	slicesNS := sls.Namespace("default")
	keys := make([]proxy.ServiceKey, n)
	last := make([]*discoveryv1.EndpointSlice, n)
	g, gctx := errgroup.WithContext(b.Context())
	g.SetLimit(4)
	for i := range n {
		g.Go(func() error {
			name := fmt.Sprintf("s%d", i)
			s, err := svcs.Namespace("default").Create(gctx, &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
			}, client.CreateOptions{})
			if err != nil {
				return fmt.Errorf("create service %s: %w", name, err)
			}
			keys[i] = proxy.ServiceKey{Addr: netip.MustParseAddr(s.Spec.ClusterIP), Port: 80, Protocol: proxy.TCP}
			last[i], err = slicesNS.Create(gctx, e2eSlice(name, 0), client.CreateOptions{})
			if err != nil {
				return fmt.Errorf("create slice %s: %w", name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}

	w := &e2eDataplane{d: d, applied: make(chan e2eApplied, 1024), applies: make(chan int, 16)}
	reg := prometheus.NewRegistry()
	// MinSyncInterval 1 ns: the changes come one after another, and the
	// default 1 s would measure the batching rather than the path.
	p, err := proxy.New(proxy.Options{Client: env.Client, Dataplane: w, NodeName: "n",
		MinSyncInterval: time.Nanosecond, ResyncPeriod: time.Hour, Metrics: reg})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("Run: %v", err)
		}
	})
	first := time.NewTimer(10 * time.Minute)
	for programmed := false; !programmed; {
		select {
		case got := <-w.applies:
			programmed = got == n
		case <-first.C:
			b.Fatalf("no Apply of %d services within 10 minutes", n)
		}
	}
	first.Stop()

	// A slice informer of the benchmark's own, beside the proxy's: when
	// an update reaches this process (approximately when the proxy's
	// informer sees it: another watch stream and goroutine).
	arrived := make(chan time.Time, 1024)
	inf := client.NewInformer(slicesNS, client.InformerOptions{})
	if _, err := inf.AddEventHandler(client.HandlerFuncs[discoveryv1.EndpointSlice]{
		UpdateFunc: func(_, _ *discoveryv1.EndpointSlice) { arrived <- time.Now() },
	}); err != nil {
		b.Fatal(err)
	}
	ictx, icancel := context.WithCancel(context.Background())
	idone := make(chan struct{})
	go func() { defer close(idone); _ = inf.Run(ictx) }()
	b.Cleanup(func() { icancel(); <-idone })
	if !client.WaitForCacheSync(b.Context(), inf) {
		b.Fatal("slice informer did not sync")
	}

	sum0, n0 := e2eSyncSeconds(b, reg)
	var lat, fromWatch []time.Duration
	lastKey, lastWant := proxy.ServiceKey{}, ""
	for i := 0; b.Loop(); i++ {
		j := i % n
		s := last[j].DeepCopy()
		s.Endpoints = e2eSlice(s.Name, i+1).Endpoints
		want := s.Endpoints[0].Addresses[0]
		start := time.Now()
		if last[j], err = slicesNS.Update(b.Context(), s, client.UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
		for found := false; !found; {
			select {
			case a := <-w.applied:
				if a.err != nil {
					b.Fatalf("ApplyService %s: %v", a.key, a.err)
				}
				if a.key == keys[j] && a.svc != nil && len(a.svc.Backends) == 1 && a.svc.Backends[0].Addr.String() == want {
					lat = append(lat, a.at.Sub(start))
					found = true
					lastKey, lastWant = a.key, want
				}
			case <-time.After(30 * time.Second):
				b.Fatalf("change %d: no ApplyService of %s with backend %s within 30 s", i, keys[j], want)
			}
		}
		select {
		case at := <-arrived:
			fromWatch = append(fromWatch, lat[len(lat)-1]-at.Sub(start))
		case <-time.After(30 * time.Second):
			b.Fatalf("change %d: the update did not arrive at the benchmark's informer within 30 s", i)
		}
	}
	// The dataplane holds the last change.
	d.mu.Lock()
	prog := d.services[lastKey]
	ok := prog != nil && len(prog.backends) == 1 && prog.backends[0].Addr.String() == lastWant
	d.mu.Unlock()
	if !ok {
		b.Fatalf("service %s not programmed with backend %s", lastKey, lastWant)
	}
	e2eQuantiles(b, "", lat)
	e2eQuantiles(b, "watch-", fromWatch)
	if sum, cnt := e2eSyncSeconds(b, reg); cnt > n0 {
		b.ReportMetric((sum-sum0)/float64(cnt-n0)*1e6, "sync-µs")
	}
}

// e2eQuantiles reports the p50, p99 and max of lat, in µs, with the unit
// prefix.
func e2eQuantiles(b *testing.B, prefix string, lat []time.Duration) {
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))]) / 1e3 }
	b.ReportMetric(q(0.50), prefix+"p50-µs")
	b.ReportMetric(q(0.99), prefix+"p99-µs")
	b.ReportMetric(q(1), prefix+"max-µs")
}

// e2eSyncSeconds returns the sum and count of the proxy's
// rigging_proxy_sync_duration_seconds histogram.
func e2eSyncSeconds(b *testing.B, reg *prometheus.Registry) (float64, uint64) {
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
