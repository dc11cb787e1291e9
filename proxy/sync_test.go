package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// serviceRecorder is a fake Dataplane with a ServiceApplier that records
// every call as a line: "Apply <n> services", "ApplyService <key>
// <backends>" or "ApplyService <key> removed".
type serviceRecorder struct {
	calls       []string
	failService error // returned by ApplyService when set
	failApply   error // returned by Apply when set
}

var _ ServiceApplier = (*serviceRecorder)(nil)

func (r *serviceRecorder) Apply(_ context.Context, st *State) error {
	r.calls = append(r.calls, fmt.Sprintf("Apply %d services", len(st.Services)))
	return r.failApply
}

func (r *serviceRecorder) ApplyService(_ context.Context, k ServiceKey, svc *Service) error {
	if svc == nil {
		r.calls = append(r.calls, fmt.Sprintf("ApplyService %s removed", k))
	} else {
		r.calls = append(r.calls, fmt.Sprintf("ApplyService %s %v", k, svc.Backends))
	}
	return r.failService
}

func (r *serviceRecorder) Close() error { return nil }

// take returns the calls recorded since the last take.
func (r *serviceRecorder) take() []string {
	c := r.calls
	r.calls = nil
	return c
}

// counterValue returns c's count.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

func newTestProxy(t testing.TB, dp Dataplane) *Proxy {
	t.Helper()
	// apply never touches the client; New only requires one.
	p, err := New(Options{Client: &client.Client{}, Dataplane: dp, NodeName: "n"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func key(i int) ServiceKey {
	return ServiceKey{Addr: netip.AddrFrom4([4]byte{10, 96, byte(i >> 8), byte(i)}), Port: 80, Protocol: TCP}
}

// states returns n frontends, each with one backend 10.0.x.y:8080.
func testState(n int) *State {
	st := &State{Services: map[ServiceKey]*Service{}}
	for i := range n {
		st.Services[key(i)] = &Service{Name: fmt.Sprintf("default/s%d:http", i),
			Backends: []Backend{{netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 8080}}}
	}
	return st
}

// with returns a copy of st with f applied to copies of the services at keys.
func with(st *State, f func(*Service), keys ...ServiceKey) *State {
	out := &State{Services: map[ServiceKey]*Service{}}
	for k, s := range st.Services {
		out.Services[k] = s
	}
	for _, k := range keys {
		c := *out.Services[k]
		c.Backends = append([]Backend(nil), c.Backends...)
		f(&c)
		out.Services[k] = &c
	}
	return out
}

func addBackend(s *Service) {
	s.Backends = append(s.Backends, Backend{netip.MustParseAddr("10.1.0.1"), 8080})
}

func without(st *State, k ServiceKey) *State {
	out := with(st, func(*Service) {})
	delete(out.Services, k)
	return out
}

func TestApplyIncremental(t *testing.T) {
	rec := &serviceRecorder{}
	p := newTestProxy(t, rec)
	ctx := t.Context()
	s0 := testState(8)
	s1 := with(s0, addBackend, key(3))
	s2 := without(s1, key(5))
	s3 := with(s2, func(s *Service) { s.Affinity = time.Minute }, key(0))
	s4 := with(s3, func(s *Service) { s.Balancing = BalanceMaglev }, key(1))
	s5 := with(s4, addBackend, key(0), key(1), key(2)) // 3 of 8 > a quarter
	steps := []struct {
		name  string
		st    *State
		full  bool
		calls []string
	}{
		{"first sync is full", s0, false, []string{"Apply 8 services"}},
		{"endpoint change", s1, false, []string{"ApplyService 10.96.0.3:80/TCP [10.0.0.3:8080 10.1.0.1:8080]"}},
		{"no change", s1, false, nil},
		{"frontend removed", s2, false, []string{"ApplyService 10.96.0.5:80/TCP removed"}},
		{"affinity change", s3, false, []string{"ApplyService 10.96.0.0:80/TCP [10.0.0.0:8080]"}},
		{"balancing change", s4, false, []string{"ApplyService 10.96.0.1:80/TCP [10.0.0.1:8080]"}},
		{"periodic resync", s4, true, []string{"Apply 7 services"}},
		{"many changes", s5, false, []string{"Apply 7 services"}},
		{"unchanged after a full Apply", with(s5, func(*Service) {}), false, nil},
		{"frontend added", func() *State { s := with(s5, func(*Service) {}); s.Services[key(5)] = s0.Services[key(5)]; return s }(), false,
			[]string{"ApplyService 10.96.0.5:80/TCP [10.0.0.5:8080]"}},
	}
	for _, s := range steps {
		if err := p.apply(ctx, s.st, s.full, time.Now()); err != nil {
			t.Fatalf("%s: apply: %v", s.name, err)
		}
		if diff := cmp.Diff(s.calls, rec.take()); diff != "" {
			t.Errorf("%s: calls (-want +got):\n%s", s.name, diff)
		}
		if p.applied != s.st {
			t.Errorf("%s: last-applied State is not the one just applied", s.name)
		}
	}
	if got, want := counterValue(p.syncs.WithLabelValues("incremental")), 7.0; got != want {
		t.Errorf("incremental syncs: %v, want %v", got, want)
	}
	if got, want := counterValue(p.syncs.WithLabelValues("full")), 3.0; got != want {
		t.Errorf("full syncs: %v, want %v", got, want)
	}
}

func TestApplyServiceErrorFallsBackToApply(t *testing.T) {
	rec := &serviceRecorder{}
	p := newTestProxy(t, rec)
	ctx := t.Context()
	s0 := testState(8)
	if err := p.apply(ctx, s0, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	rec.take()

	// ApplyService fails: the whole State goes to Apply, which succeeds.
	rec.failService = errors.New("map full")
	s1 := with(s0, addBackend, key(2))
	if err := p.apply(ctx, s1, false, time.Now()); err != nil {
		t.Fatalf("apply with a failing ApplyService and a working Apply: %v", err)
	}
	want := []string{"ApplyService 10.96.0.2:80/TCP [10.0.0.2:8080 10.1.0.1:8080]", "Apply 8 services"}
	if diff := cmp.Diff(want, rec.take()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if p.applied != s1 {
		t.Error("last-applied State is not the one Apply accepted")
	}

	// Both fail: the sync fails, and the next one is full whatever changed.
	rec.failApply = errors.New("kernel says no")
	s2 := with(s1, addBackend, key(4))
	if err := p.apply(ctx, s2, false, time.Now()); err == nil {
		t.Fatal("apply succeeded with ApplyService and Apply failing")
	}
	want = []string{"ApplyService 10.96.0.4:80/TCP [10.0.0.4:8080 10.1.0.1:8080]", "Apply 8 services"}
	if diff := cmp.Diff(want, rec.take()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if p.applied != nil {
		t.Error("last-applied State kept after a failed Apply")
	}
	rec.failService, rec.failApply = nil, nil
	if err := p.apply(ctx, s2, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Apply 8 services"}, rec.take()); diff != "" {
		t.Errorf("sync after a failure: calls (-want +got):\n%s", diff)
	}
	if got := counterValue(p.metrics.syncErrors); got != 1 {
		t.Errorf("sync errors: %v, want 1", got)
	}
}

func TestApplyWithoutServiceApplier(t *testing.T) {
	var got []string
	p := newTestProxy(t, DataplaneFunc(func(_ context.Context, st *State) error {
		got = append(got, fmt.Sprintf("Apply %d services", len(st.Services)))
		return nil
	}))
	s0 := testState(8)
	for _, st := range []*State{s0, with(s0, addBackend, key(1)), without(s0, key(1))} {
		if err := p.apply(t.Context(), st, false, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"Apply 8 services", "Apply 8 services", "Apply 7 services"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// nopApplier is a Dataplane with a ServiceApplier that does nothing.
type nopApplier struct{ services int }

func (d *nopApplier) Apply(context.Context, *State) error { return nil }
func (d *nopApplier) ApplyService(context.Context, ServiceKey, *Service) error {
	d.services++
	return nil
}
func (d *nopApplier) Close() error { return nil }

// benchObjects returns n Services with one port each and an EndpointSlice
// of two ready endpoints for each.
func benchObjects(n int) ([]*corev1.Service, []*discoveryv1.EndpointSlice) {
	svcs := make([]*corev1.Service, n)
	sls := make([]*discoveryv1.EndpointSlice, n)
	for i := range n {
		name := fmt.Sprintf("s%d", i)
		svcs[i] = &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
			Spec: corev1.ServiceSpec{ClusterIPs: []string{fmt.Sprintf("10.%d.%d.%d", 96+i>>16, byte(i>>8), byte(i))},
				Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
		}
		sls[i] = benchSlice(name, i, 1)
	}
	return svcs, sls
}

func benchSlice(name string, i, gen int) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "default", Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: new("http"), Port: new(int32(8080))}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{fmt.Sprintf("10.%d.%d.%d", 1+i>>16, byte(i>>8), byte(i))}},
			{Addresses: []string{fmt.Sprintf("11.%d.%d.%d", byte(gen>>16), byte(gen>>8), byte(gen))}},
		},
	}
}

// BenchmarkSyncOneChange measures one endpoint change at 100,000 services
// with a ServiceApplier that does nothing: "desired" is the whole sync
// (Desired over every object, the diff, one ApplyService); "diff" is the
// diff and ApplyService alone, from precomputed States.
func BenchmarkSyncOneChange(b *testing.B) {
	const n = 100_000
	svcs, sls := benchObjects(n)
	node := Node{Name: "n"}
	b.Run("desired", func(b *testing.B) {
		dp := &nopApplier{}
		p := newTestProxy(b, dp)
		if err := p.apply(b.Context(), Desired(svcs, sls, node), false, time.Now()); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			j := i % n
			sls[j] = benchSlice(svcs[j].Name, j, i+2)
			st, _ := DesiredSkipped(svcs, sls, node)
			if err := p.apply(b.Context(), st, false, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		if dp.services != b.N {
			b.Fatalf("%d ApplyService calls for %d changes", dp.services, b.N)
		}
	})
	b.Run("diff", func(b *testing.B) {
		dp := &nopApplier{}
		p := newTestProxy(b, dp)
		st := Desired(svcs, sls, node)
		if err := p.apply(b.Context(), st, false, time.Now()); err != nil {
			b.Fatal(err)
		}
		alt := [2]*State{st, with(st, addBackend, key(7))}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if err := p.apply(b.Context(), alt[(i+1)%2], false, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		if dp.services != b.N {
			b.Fatalf("%d ApplyService calls for %d changes", dp.services, b.N)
		}
	})
}
