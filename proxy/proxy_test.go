package proxy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/endpointslice"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/proxy"
)

// recorder is a fake Dataplane that keeps the last State applied.
type recorder struct {
	mu      sync.Mutex
	last    *proxy.State
	applies int
	fail    error
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 1)} }

func (r *recorder) Apply(_ context.Context, st *proxy.State) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applies++
	if r.fail != nil {
		return r.fail
	}
	r.last = st
	select {
	case r.changed <- struct{}{}:
	default:
	}
	return nil
}

func (r *recorder) Close() error { return nil }

// waitFor waits until cond holds for the last State, or fails after 30 s.
func (r *recorder) waitFor(t *testing.T, what string, cond func(*proxy.State) bool) *proxy.State {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		st := r.last
		r.mu.Unlock()
		if st != nil && cond(st) {
			return st
		}
		select {
		case <-r.changed:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; last State %+v", what, st)
		}
	}
}

func backendAddrs(st *proxy.State, k proxy.ServiceKey) []string {
	s, ok := st.Services[k]
	if !ok {
		return nil
	}
	var out []string
	for _, b := range s.Backends {
		out = append(out, b.String())
	}
	return out
}

func TestProxyWithAPIServer(t *testing.T) {
	env := envtest.Start(t)
	ctx := t.Context()
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := endpointslice.Add(mgr, env.Client, endpointslice.Options{}); err != nil {
		t.Fatal(err)
	}
	mctx, cancel := context.WithCancel(context.Background())
	mdone := make(chan struct{})
	go func() { defer close(mdone); _ = mgr.Start(mctx) }()
	t.Cleanup(func() { cancel(); <-mdone })
	// Pods are ready once they have an IP (which this test writes).
	env.StartFakeKubelet(t, envtest.FakeKubeletOptions{Ready: func(p *corev1.Pod) bool { return p.Status.PodIP != "" }})

	rec := newRecorder()
	reg := prometheus.NewRegistry()
	p, err := proxy.New(proxy.Options{Client: env.Client, Dataplane: rec, NodeName: envtest.DefaultFakeNode,
		MinSyncInterval: 10 * time.Millisecond, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithCancel(context.Background())
	pdone := make(chan error, 1)
	go func() { pdone <- p.Run(pctx) }()
	t.Cleanup(func() {
		pcancel()
		if err := <-pdone; err != nil {
			t.Errorf("Run: %v", err)
		}
	})

	svcs, _ := client.For[corev1.Service](env.Client)
	pods, _ := client.For[corev1.Pod](env.Client)
	s, err := svcs.Namespace("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{
			{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)}}},
	}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := proxy.ServiceKey{Addr: netip.MustParseAddr(s.Spec.ClusterIP), Port: 80, Protocol: proxy.TCP}
	for i, ip := range []string{"10.0.0.1", "10.0.0.2"} {
		name := []string{"web-a", "web-b"}[i]
		if _, err := pods.Namespace("default").Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "web",
				Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}},
		}, client.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		setPodIP(t, pods, name, ip)
	}
	rec.waitFor(t, "both pods behind the ClusterIP", func(st *proxy.State) bool {
		return slices.Equal(backendAddrs(st, k), []string{"10.0.0.1:8080", "10.0.0.2:8080"})
	})
	if err := p.Healthy(); err != nil {
		t.Errorf("Healthy after a sync: %v", err)
	}

	if err := pods.Namespace("default").Delete(ctx, "web-a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "the deleted pod gone", func(st *proxy.State) bool {
		return slices.Equal(backendAddrs(st, k), []string{"10.0.0.2:8080"})
	})

	if err := svcs.Namespace("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "the service gone", func(st *proxy.State) bool { _, ok := st.Services[k]; return !ok })

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, mf := range mfs {
		seen = append(seen, mf.GetName())
	}
	for _, want := range []string{"rigging_proxy_sync_duration_seconds", "rigging_proxy_services_programmed", "rigging_proxy_endpoints_programmed", "rigging_proxy_sync_errors_total"} {
		if !slices.Contains(seen, want) {
			t.Errorf("metric %s not registered; have %v", want, seen)
		}
	}
}

// setPodIP writes status.podIP as a CNI plugin and kubelet would, retrying
// on conflicts with the fake kubelet's own writes.
func setPodIP(t *testing.T, pods *client.Resource[corev1.Pod], name, ip string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := pods.Namespace("default").Get(t.Context(), name, client.GetOptions{})
		if err == nil {
			p.Status.PodIP = ip
			p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
			if _, err = pods.Namespace("default").UpdateStatus(t.Context(), p, client.UpdateOptions{}); err == nil {
				return
			}
		}
		if !client.IsConflict(err) || time.Now().After(deadline) {
			t.Fatalf("set pod %s IP: %v", name, err)
		}
	}
}

func TestHealthz(t *testing.T) {
	env := envtest.Start(t)
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	rec := newRecorder()
	p, err := proxy.New(proxy.Options{Client: env.Client, Dataplane: rec, NodeName: "n", ResyncPeriod: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	h := p.HealthHandler()
	code := func() int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		io.Copy(io.Discard, w.Body)
		return w.Code
	}
	if c := code(); c != http.StatusServiceUnavailable {
		t.Errorf("before any sync: %d, want 503", c)
	}
	if err := p.Sync(t.Context()); err == nil {
		t.Error("Sync before Run succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	rec.waitFor(t, "the first sync", func(*proxy.State) bool { return true })
	if c := code(); c != http.StatusOK {
		t.Errorf("after a sync: %d, want 200", c)
	}
	mu.Lock()
	now = now.Add(2*time.Hour + time.Second)
	mu.Unlock()
	if c := code(); c != http.StatusServiceUnavailable {
		t.Errorf("2h1s after the last sync with a 1h resync: %d, want 503", c)
	}
	rec.mu.Lock()
	rec.fail = errors.New("kernel says no")
	rec.mu.Unlock()
	// Sync with nothing changed calls no dataplane; Resync applies.
	if err := p.Resync(t.Context()); err == nil {
		t.Error("Resync with a failing dataplane succeeded")
	}
}

func TestNewValidates(t *testing.T) {
	env := envtest.Start(t)
	dp := proxy.DataplaneFunc(func(context.Context, *proxy.State) error { return nil })
	for name, o := range map[string]proxy.Options{
		"no client":        {Dataplane: dp, NodeName: "n"},
		"no dataplane":     {Client: env.Client, NodeName: "n"},
		"no node":          {Client: env.Client, Dataplane: dp},
		"negative resync":  {Client: env.Client, Dataplane: dp, NodeName: "n", ResyncPeriod: -1},
		"negative min":     {Client: env.Client, Dataplane: dp, NodeName: "n", MinSyncInterval: -1},
		"bad node address": {Client: env.Client, Dataplane: dp, NodeName: "n", NodeAddresses: []netip.Addr{{}}},
	} {
		if _, err := proxy.New(o); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// serviceRecorder is recorder with a ServiceApplier: it counts Applies and
// ApplyService calls.
type serviceRecorder struct {
	recorder
	services int // ApplyService calls; guarded by recorder.mu
}

var _ proxy.ServiceApplier = (*serviceRecorder)(nil)

func (r *serviceRecorder) ApplyService(context.Context, proxy.ServiceKey, *proxy.Service) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.services++
	return nil
}

// TestResyncAppliesWholeState checks that, with a ServiceApplier and
// nothing changing, Run still hands the whole State to Apply every
// ResyncPeriod.
func TestResyncAppliesWholeState(t *testing.T) {
	env := envtest.Start(t)
	rec := &serviceRecorder{recorder: recorder{changed: make(chan struct{}, 1)}}
	p, err := proxy.New(proxy.Options{Client: env.Client, Dataplane: rec, NodeName: "n",
		ResyncPeriod: 10 * time.Millisecond, MinSyncInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	// recorder.Apply signals changed on every successful Apply.
	rec.waitFor(t, "three Applies", func(*proxy.State) bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.applies >= 3
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.services != 0 {
		t.Errorf("%d ApplyService calls with nothing changing, want 0", rec.services)
	}
}
