package proxy

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// caches stand in for the informers Run makes, so that tests and
// benchmarks drive Sync step by step: each write goes to the cache first,
// then to the Proxy's handler, as an informer delivers it.
type caches struct {
	svcs   *client.Indexer[corev1.Service]
	slices *client.Indexer[discoveryv1.EndpointSlice]
	svcH   client.Handler[corev1.Service]
	sliceH client.Handler[discoveryv1.EndpointSlice]
}

// newCaches gives p listers over new caches, as Run does.
func newCaches(t testing.TB, p *Proxy) *caches {
	t.Helper()
	svcs, err := client.NewIndexer[corev1.Service](nil)
	if err != nil {
		t.Fatal(err)
	}
	sls, err := client.NewIndexer[discoveryv1.EndpointSlice](client.Indexers[discoveryv1.EndpointSlice]{sliceServiceIndex: indexSliceByService})
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.svcLister = client.NewLister(svcs, "services")
	p.sliceLister = client.NewLister(sls, "endpointslices")
	p.mu.Unlock()
	return &caches{svcs: svcs, slices: sls, svcH: p.serviceHandler(), sliceH: p.sliceHandler()}
}

func (c *caches) putService(s *corev1.Service) {
	old, ok := c.svcs.GetByKey(c.svcs.KeyOf(s))
	_ = c.svcs.Add(s)
	if ok {
		c.svcH.OnUpdate(old, s)
	} else {
		c.svcH.OnAdd(s, false)
	}
}

func (c *caches) deleteService(ns, name string) {
	if old, ok := c.svcs.GetByKey(client.Key(ns, name)); ok {
		c.svcs.DeleteKey(client.Key(ns, name))
		c.svcH.OnDelete(old, false)
	}
}

func (c *caches) putSlice(s *discoveryv1.EndpointSlice) {
	old, ok := c.slices.GetByKey(c.slices.KeyOf(s))
	_ = c.slices.Add(s)
	if ok {
		c.sliceH.OnUpdate(old, s)
	} else {
		c.sliceH.OnAdd(s, false)
	}
}

func (c *caches) deleteSlice(ns, name string) {
	if old, ok := c.slices.GetByKey(client.Key(ns, name)); ok {
		c.slices.DeleteKey(client.Key(ns, name))
		c.sliceH.OnDelete(old, true)
	}
}

// desired is DesiredSkipped over everything cached.
func (c *caches) desired(node Node) (*State, []Skipped) {
	return DesiredSkipped(c.svcs.List(), c.slices.List(), node)
}

// addrs lets cmp compare netip.Addr, whose fields are unexported.
var addrs = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

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

// newTestProxy returns a Proxy on node "n" driven through caches.
func newTestProxy(t testing.TB, dp Dataplane) (*Proxy, *caches) {
	t.Helper()
	return newTestProxyOpts(t, Options{Dataplane: dp, NodeName: "n"})
}

// newTestProxyOpts returns a Proxy with opts driven through caches.
func newTestProxyOpts(t testing.TB, opts Options) (*Proxy, *caches) {
	t.Helper()
	// Sync never touches the client; New only requires one.
	opts.Client = &client.Client{}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p, newCaches(t, p)
}

// testService is a ClusterIP Service default/<name> at ip with port
// "http" 80/TCP.
func testService(name, ip string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: corev1.ServiceSpec{ClusterIPs: []string{ip},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
	}
}

// testSlice is an IPv4 EndpointSlice default/<name> of the Service
// service ("" for none), with port "http" 8080 and a ready endpoint at
// each address.
func testSlice(name, service string, addrs ...string) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "default", Name: name},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: new("http"), Port: new(int32(8080))}},
	}
	if service != "" {
		s.Labels = map[string]string{discoveryv1.LabelServiceName: service}
	}
	for _, a := range addrs {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{a}})
	}
	return s
}
