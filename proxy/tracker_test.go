package proxy

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// mirror is a Dataplane with a ServiceApplier that keeps what it was told
// as a State, and counts the calls that changed nothing.
type mirror struct {
	st       map[ServiceKey]*Service
	needless []string // ApplyService calls that changed nothing
	applies  int
	services int
}

func (m *mirror) Apply(_ context.Context, st *State) error {
	m.applies++
	m.st = maps.Clone(st.Services)
	return nil
}

func (m *mirror) ApplyService(_ context.Context, k ServiceKey, svc *Service) error {
	m.services++
	if sameService(m.st[k], svc) {
		m.needless = append(m.needless, k.String())
	}
	if svc == nil {
		delete(m.st, k)
	} else {
		m.st[k] = svc
	}
	return nil
}

func (m *mirror) Close() error { return nil }

// objects makes random Services and EndpointSlices from small pools of
// names, addresses and ports, so that changes collide: Services share
// cluster IPs and NodePorts, slices move between Services.
type objects struct {
	r *rand.Rand
}

var (
	randNamespaces = []string{"a", "b"}
	randVIPs       = []string{"10.96.0.1", "10.96.0.2", "10.96.0.3", "10.96.0.4", "10.96.0.5", "fd00::1", "fd00::2", "::ffff:10.96.0.6", "bogus"}
	randPortNames  = []string{"http", "dns", ""}
	randProtocols  = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolTCP, corev1.ProtocolUDP, "", corev1.ProtocolSCTP}
	randEndpoints  = []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "fd00:1::1", "fd00:1::2", "fd00:1::3", "x"}
	randNodes      = []string{"", "n", "m"}
)

func pick[T any](r *rand.Rand, l []T) T { return l[r.IntN(len(l))] }

func (o objects) name(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, o.r.IntN(n)) }

func (o objects) maybeBool() *bool {
	switch o.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return new(false)
	}
	return new(true)
}

func (o objects) service(ns, name string) *corev1.Service {
	r := o.r
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	switch r.IntN(20) {
	case 0:
		s.Spec.Type = corev1.ServiceTypeExternalName
	case 1:
		s.Spec.ClusterIP = corev1.ClusterIPNone
	case 2, 3, 4:
		s.Spec.Type = corev1.ServiceTypeNodePort
	case 5:
		s.Spec.Type = corev1.ServiceTypeLoadBalancer
	}
	if s.Spec.ClusterIP == "" {
		if r.IntN(5) == 0 {
			s.Spec.ClusterIP = pick(r, randVIPs) // the old single-IP field only
		} else {
			for range 1 + r.IntN(2) {
				s.Spec.ClusterIPs = append(s.Spec.ClusterIPs, pick(r, randVIPs))
			}
		}
	}
	for range r.IntN(4) {
		p := corev1.ServicePort{Name: pick(r, randPortNames), Port: int32(pick(r, []int{80, 53, 8080, 0})), Protocol: pick(r, randProtocols)}
		if r.IntN(2) == 0 {
			p.NodePort = int32(pick(r, []int{30000, 30001, 0}))
		}
		s.Spec.Ports = append(s.Spec.Ports, p)
	}
	if r.IntN(4) == 0 {
		s.Spec.InternalTrafficPolicy = new(corev1.ServiceInternalTrafficPolicyLocal)
	}
	if r.IntN(4) == 0 {
		s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	}
	if r.IntN(4) == 0 {
		s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
		if r.IntN(2) == 0 {
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: new(int32(60))}}
		}
	}
	return s
}

func (o objects) slice(ns, name string) *discoveryv1.EndpointSlice {
	r := o.r
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name},
		AddressType: pick(r, []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}),
	}
	if r.IntN(8) != 0 {
		s.Labels = map[string]string{discoveryv1.LabelServiceName: o.name("s", 8)}
	}
	for range 1 + r.IntN(2) {
		p := discoveryv1.EndpointPort{Name: new(pick(r, randPortNames)), Port: new(int32(8000 + r.IntN(3)))}
		if r.IntN(3) == 0 {
			p.Protocol = new(pick(r, randProtocols))
		}
		s.Ports = append(s.Ports, p)
	}
	for range r.IntN(5) {
		e := discoveryv1.Endpoint{Addresses: []string{pick(r, randEndpoints)},
			Conditions: discoveryv1.EndpointConditions{Ready: o.maybeBool(), Serving: o.maybeBool(), Terminating: o.maybeBool()}}
		if n := pick(r, randNodes); n != "" {
			e.NodeName = new(n)
		}
		s.Endpoints = append(s.Endpoints, e)
	}
	return s
}

func compareSkipped(a, b Skipped) int {
	if c := cmp.Compare(a.Service, b.Service); c != 0 {
		return c
	}
	return cmp.Compare(a.Reason, b.Reason)
}

// TestTrackerMatchesDesired applies a few hundred random creates, updates
// and deletes of Services and EndpointSlices in batches, syncing after
// each batch (and resyncing now and then), and checks that the State the
// Proxy keeps incrementally, and the one the dataplane was told through
// ApplyService and Apply, equal Desired over the same objects; that every
// ApplyService changed something; and that the skipped ports are
// Desired's.
func TestTrackerMatchesDesired(t *testing.T) {
	dp := &mirror{}
	p, c := newTestProxyOpts(t, Options{Dataplane: dp, NodeName: "n",
		NodeAddresses: []netip.Addr{netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("fd00::10")}})
	o := objects{rand.New(rand.NewPCG(9, 100_000))}
	node := p.node()
	// Services nothing changes, so that most batches change less than a
	// quarter of the frontends and go to ApplyService.
	for i := range 60 {
		c.putService(testService(svcName(i), fmt.Sprintf("10.97.0.%d", i)))
		c.putSlice(testSlice(svcName(i), svcName(i), backend(i)))
	}
	ops, contested := 0, 0
	for batch := 0; ops < 400; batch++ {
		for range 1 + o.r.IntN(6) {
			ops++
			ns := pick(o.r, randNamespaces)
			switch o.r.IntN(5) {
			case 0, 1:
				c.putService(o.service(ns, o.name("s", 8)))
			case 2:
				c.deleteService(ns, o.name("s", 8))
			case 3:
				c.putSlice(o.slice(ns, o.name("e", 12)))
			case 4:
				c.deleteSlice(ns, o.name("e", 12))
			}
		}
		sync, how := p.Sync, "Sync"
		if batch%10 == 9 {
			sync, how = p.Resync, "Resync"
		}
		if err := sync(t.Context()); err != nil {
			t.Fatalf("batch %d: %s: %v", batch, how, err)
		}
		want, wantSkipped := c.desired(node)
		if diff := gocmp.Diff(want, p.tracker.state, addrs); diff != "" {
			t.Fatalf("batch %d after %s: the Proxy's State (-Desired +incremental):\n%s", batch, how, diff)
		}
		if diff := gocmp.Diff(want.Services, dp.st, addrs); diff != "" {
			t.Fatalf("batch %d after %s: the dataplane's State (-Desired +told):\n%s", batch, how, diff)
		}
		if len(dp.needless) > 0 {
			t.Fatalf("batch %d: ApplyService calls that changed nothing: %v", batch, dp.needless)
		}
		if err := want.Validate(); err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		var gotSkipped []Skipped
		for _, e := range p.tracker.services {
			gotSkipped = append(gotSkipped, e.skipped...)
		}
		slices.SortFunc(gotSkipped, compareSkipped)
		slices.SortFunc(wantSkipped, compareSkipped)
		if diff := gocmp.Diff(wantSkipped, gotSkipped); diff != "" {
			t.Fatalf("batch %d: skipped (-Desired +incremental):\n%s", batch, diff)
		}
		contested = max(contested, len(p.tracker.others))
		backends := 0
		for _, s := range want.Services {
			backends += len(s.Backends)
		}
		if p.tracker.backends != backends {
			t.Fatalf("batch %d: %d backends counted, want %d", batch, p.tracker.backends, backends)
		}
	}
	// The mix must exercise both paths and the contested frontends.
	if dp.services < 100 || dp.applies < 10 || contested == 0 {
		t.Errorf("%d ApplyService calls, %d Applies and at most %d contested frontends over %d operations: the random mix is too narrow",
			dp.services, dp.applies, contested, ops)
	}
	t.Logf("%d operations: %d ApplyService calls, %d Applies, at most %d contested frontends", ops, dp.services, dp.applies, contested)
}
