package proxy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/client"
)

// svcName and ip name the i-th test Service and its cluster IP.
func svcName(i int) string { return fmt.Sprintf("s%d", i) }
func ip(i int) string      { return fmt.Sprintf("10.96.0.%d", i) }

// backend is the i-th test Service's first endpoint.
func backend(i int) string { return fmt.Sprintf("10.0.0.%d", i) }

func TestSyncIncremental(t *testing.T) {
	rec := &serviceRecorder{}
	p, c := newTestProxy(t, rec)
	node := p.node()
	steps := []struct {
		name   string
		change func()
		full   bool
		calls  []string
	}{
		{"first sync is full", func() {
			for i := range 8 {
				c.putService(testService(svcName(i), ip(i)))
				c.putSlice(testSlice(svcName(i), svcName(i), backend(i)))
			}
		}, false, []string{"Apply 8 services"}},
		{"endpoint added", func() { c.putSlice(testSlice("s3", "s3", backend(3), "10.1.0.1")) }, false,
			[]string{"ApplyService 10.96.0.3:80/TCP [10.0.0.3:8080 10.1.0.1:8080]"}},
		{"service changed, no frontend did", func() {
			s := testService("s3", ip(3))
			s.Labels = map[string]string{"team": "a"}
			c.putService(s)
		}, false, nil},
		{"nothing changed", func() {}, false, nil},
		{"service deleted", func() { c.deleteService("default", "s5") }, false,
			[]string{"ApplyService 10.96.0.5:80/TCP removed"}},
		{"affinity set", func() {
			s := testService("s0", ip(0))
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
			c.putService(s)
		}, false, []string{"ApplyService 10.96.0.0:80/TCP [10.0.0.0:8080]"}},
		{"port added", func() {
			s := testService("s1", ip(1))
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "https", Port: 443})
			c.putService(s)
		}, false, []string{"ApplyService 10.96.0.1:443/TCP []"}},
		{"slice moved to another service", func() { c.putSlice(testSlice("s2", "s4", backend(2))) }, false,
			[]string{"ApplyService 10.96.0.2:80/TCP []", "ApplyService 10.96.0.4:80/TCP [10.0.0.2:8080 10.0.0.4:8080]"}},
		{"slice's service label removed", func() { c.putSlice(testSlice("s2", "", backend(2))) }, false,
			[]string{"ApplyService 10.96.0.4:80/TCP [10.0.0.4:8080]"}},
		{"periodic resync", func() {}, true, []string{"Apply 8 services"}},
		{"many changes", func() {
			for _, i := range []int{0, 6, 7} {
				c.putSlice(testSlice(svcName(i), svcName(i), backend(i), "10.1.0.1"))
			}
		}, false, []string{"Apply 8 services"}},
		{"service recreated, its slice still there", func() { c.putService(testService("s5", ip(5))) }, false,
			[]string{"ApplyService 10.96.0.5:80/TCP [10.0.0.5:8080]"}},
		{"slice deleted", func() { c.deleteSlice("default", "s6") }, false,
			[]string{"ApplyService 10.96.0.6:80/TCP []"}},
	}
	for _, s := range steps {
		s.change()
		sync := p.Sync
		if s.full {
			sync = p.Resync
		}
		if err := sync(t.Context()); err != nil {
			t.Fatalf("%s: sync: %v", s.name, err)
		}
		if diff := cmp.Diff(s.calls, rec.take()); diff != "" {
			t.Errorf("%s: calls (-want +got):\n%s", s.name, diff)
		}
		want, _ := c.desired(node)
		if diff := cmp.Diff(want, p.tracker.state, addrs); diff != "" {
			t.Errorf("%s: State (-Desired +incremental):\n%s", s.name, diff)
		}
	}
	if got, want := counterValue(p.syncs.WithLabelValues("incremental")), 10.0; got != want {
		t.Errorf("incremental syncs: %v, want %v", got, want)
	}
	if got, want := counterValue(p.syncs.WithLabelValues("full")), 3.0; got != want {
		t.Errorf("full syncs: %v, want %v", got, want)
	}
}

func TestSyncFallsBackToApply(t *testing.T) {
	rec := &serviceRecorder{}
	p, c := newTestProxy(t, rec)
	ctx := t.Context()
	for i := range 8 {
		c.putService(testService(svcName(i), ip(i)))
		c.putSlice(testSlice(svcName(i), svcName(i), backend(i)))
	}
	if err := p.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	rec.take()

	// ApplyService fails: the whole State goes to Apply, which succeeds.
	rec.failService = errors.New("map full")
	c.putSlice(testSlice("s2", "s2", backend(2), "10.1.0.1"))
	if err := p.Sync(ctx); err != nil {
		t.Fatalf("sync with a failing ApplyService and a working Apply: %v", err)
	}
	want := []string{"ApplyService 10.96.0.2:80/TCP [10.0.0.2:8080 10.1.0.1:8080]", "Apply 8 services"}
	if diff := cmp.Diff(want, rec.take()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if !p.known {
		t.Error("the dataplane's programming is unknown after a successful Apply")
	}

	// Both fail: the sync fails, and the next one is full whatever changed.
	rec.failApply = errors.New("kernel says no")
	c.putSlice(testSlice("s4", "s4", backend(4), "10.1.0.1"))
	if err := p.Sync(ctx); err == nil {
		t.Fatal("sync succeeded with ApplyService and Apply failing")
	}
	want = []string{"ApplyService 10.96.0.4:80/TCP [10.0.0.4:8080 10.1.0.1:8080]", "Apply 8 services"}
	if diff := cmp.Diff(want, rec.take()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if p.known {
		t.Error("the dataplane's programming is known after a failed Apply")
	}
	rec.failService, rec.failApply = nil, nil
	if err := p.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Apply 8 services"}, rec.take()); diff != "" {
		t.Errorf("sync after a failure: calls (-want +got):\n%s", diff)
	}
	if got := counterValue(p.metrics.syncErrors); got != 1 {
		t.Errorf("sync errors: %v, want 1", got)
	}
}

// TestSyncWithoutServiceApplier checks that a Dataplane without
// ServiceApplier gets the whole State on each change (and nothing when no
// frontend changed), and that a State it was given is never modified
// afterwards.
func TestSyncWithoutServiceApplier(t *testing.T) {
	var got []*State
	p, c := newTestProxy(t, DataplaneFunc(func(_ context.Context, st *State) error {
		got = append(got, st)
		return nil
	}))
	var want []*State // deep copies of what Desired said at each Apply
	sync := func(applies bool) {
		t.Helper()
		if err := p.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if applies {
			st, _ := c.desired(p.node())
			want = append(want, st)
		}
	}
	for i := range 8 {
		c.putService(testService(svcName(i), ip(i)))
		c.putSlice(testSlice(svcName(i), svcName(i), backend(i)))
	}
	sync(true)
	c.putSlice(testSlice("s1", "s1", backend(1), "10.1.0.1"))
	sync(true)
	s := testService("s1", ip(1))
	s.Annotations = map[string]string{"note": "no frontend changes"}
	c.putService(s)
	sync(false)
	c.deleteService("default", "s1")
	sync(true)
	c.putSlice(testSlice("s2", "s2"))
	sync(true)
	if diff := cmp.Diff(want, got, addrs); diff != "" {
		t.Errorf("States applied, as they are now (-Desired then +applied):\n%s", diff)
	}
}

// TestSkippedLogging checks that a skipped port is logged once while it
// stays skipped, and again when it is skipped again after being fixed.
func TestSkippedLogging(t *testing.T) {
	var logged []string
	log := funcr.New(func(_, args string) { logged = append(logged, args) }, funcr.Options{})
	p, err := New(Options{Client: &client.Client{}, Dataplane: &serviceRecorder{}, NodeName: "n", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	c := newCaches(t, p)
	sctp := func() *corev1.Service {
		s := testService("sig", ip(1))
		s.Spec.Ports[0].Protocol = corev1.ProtocolSCTP
		return s
	}
	steps := []struct {
		name   string
		change func()
		full   bool
		logged []string
	}{
		{"skipped on the first sync", func() { c.putService(sctp()) }, false,
			[]string{`"level"=0 "msg"="service port skipped" "service"="default/sig:http" "reason"="protocol SCTP not supported"`}},
		{"still skipped after a change", func() {
			s := sctp()
			s.Labels = map[string]string{"a": "b"}
			c.putService(s)
		}, false, nil},
		{"still skipped on a resync", func() {}, true, nil},
		{"fixed", func() { c.putService(testService("sig", ip(1))) }, false, nil},
		{"skipped again", func() { c.putService(sctp()) }, false,
			[]string{`"level"=0 "msg"="service port skipped" "service"="default/sig:http" "reason"="protocol SCTP not supported"`}},
		{"deleted", func() { c.deleteService("default", "sig") }, false, nil},
		{"recreated skipped, seen by a resync", func() { c.putService(sctp()) }, true,
			[]string{`"level"=0 "msg"="service port skipped" "service"="default/sig:http" "reason"="protocol SCTP not supported"`}},
	}
	for _, s := range steps {
		s.change()
		sync := p.Sync
		if s.full {
			sync = p.Resync
		}
		if err := sync(t.Context()); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.logged, logged); diff != "" {
			t.Errorf("%s: logged (-want +got):\n%s", s.name, diff)
		}
		logged = nil
		if n := len(p.tracker.services); strings.HasPrefix(s.name, "deleted") && n != 0 {
			t.Errorf("%s: %d Services tracked, want none", s.name, n)
		}
	}
}

// nopApplier is a Dataplane with a ServiceApplier that does nothing.
type nopApplier struct{ services, applies int }

func (d *nopApplier) Apply(context.Context, *State) error { d.applies++; return nil }
func (d *nopApplier) ApplyService(context.Context, ServiceKey, *Service) error {
	d.services++
	return nil
}
func (d *nopApplier) Close() error { return nil }

// benchCaches returns a Proxy with a nopApplier over caches holding n
// Services with one port each and an EndpointSlice of two ready endpoints
// for each, synced once.
func benchCaches(b *testing.B, n int) (*Proxy, *caches, *nopApplier) {
	dp := &nopApplier{}
	p, c := newTestProxy(b, dp)
	for i := range n {
		name := svcName(i)
		c.putService(testService(name, fmt.Sprintf("10.%d.%d.%d", 96+i>>16, byte(i>>8), byte(i))))
		c.putSlice(benchSlice(name, i, 1))
	}
	if err := p.Sync(b.Context()); err != nil {
		b.Fatal(err)
	}
	return p, c, dp
}

// benchSlice is the EndpointSlice of the i-th Service at generation gen:
// its second endpoint's address changes with gen.
func benchSlice(name string, i, gen int) *discoveryv1.EndpointSlice {
	return testSlice(name, name, fmt.Sprintf("10.%d.%d.%d", 1+i>>16, byte(i>>8), byte(i)),
		fmt.Sprintf("11.%d.%d.%d", byte(gen>>16), byte(gen>>8), byte(gen)))
}

// BenchmarkSyncOneChange measures one endpoint change (an EndpointSlice
// written to the cache, its handler, and Sync) at 1,000 to 100,000
// Services with a ServiceApplier that does nothing.
func BenchmarkSyncOneChange(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			p, c, dp := benchCaches(b, n)
			for i := 0; b.Loop(); i++ {
				j := i % n
				c.putSlice(benchSlice(svcName(j), j, i+2))
				if err := p.Sync(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
			if dp.services != b.N {
				b.Fatalf("%d ApplyService calls for %d changes", dp.services, b.N)
			}
		})
	}
}

// BenchmarkResync measures the periodic resync at 100,000 Services: the
// whole State recomputed from the caches and handed to a no-op Apply.
func BenchmarkResync(b *testing.B) {
	const n = 100_000
	p, _, dp := benchCaches(b, n)
	for b.Loop() {
		if err := p.Resync(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	if dp.applies != b.N+1 {
		b.Fatalf("%d Applies for %d resyncs and a first sync", dp.applies, b.N)
	}
	if got := len(p.tracker.state.Services); got != n {
		b.Fatalf("%d frontends, want %d", got, n)
	}
}

// TestSyncWithoutSliceIndex checks that Sync still reads a Service's
// EndpointSlices right when the slice lister lacks the index Run adds.
func TestSyncWithoutSliceIndex(t *testing.T) {
	rec := &serviceRecorder{}
	p, c := newTestProxy(t, rec)
	plain, err := client.NewIndexer[discoveryv1.EndpointSlice](nil)
	if err != nil {
		t.Fatal(err)
	}
	c.slices = plain
	p.sliceLister = client.NewLister(plain, "endpointslices")
	for i := range 8 {
		c.putService(testService(svcName(i), ip(i)))
		c.putSlice(testSlice(svcName(i), svcName(i), backend(i)))
	}
	c.putSlice(testSlice("other", "s1", "10.1.0.1"))
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.putSlice(testSlice("other", "s1", "10.1.0.2"))
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []string{"Apply 8 services", "ApplyService 10.96.0.1:80/TCP [10.0.0.1:8080 10.1.0.2:8080]"}
	if diff := cmp.Diff(want, rec.take()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
