package proxy_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/proxy"
)

func svc(name string, mut func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: corev1.ServiceSpec{
			ClusterIP:  "10.96.0.1",
			ClusterIPs: []string{"10.96.0.1"},
			Selector:   map[string]string{"app": name},
			Ports:      []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
		},
	}
	if mut != nil {
		mut(s)
	}
	return s
}

type ep struct {
	addr                        string
	ready, serving, terminating *bool
	node                        string
}

func slice(service string, at discoveryv1.AddressType, portName string, port int32, proto corev1.Protocol, eps ...ep) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: service + "-" + string(at) + portName,
			Labels: map[string]string{discoveryv1.LabelServiceName: service}},
		AddressType: at,
		Ports:       []discoveryv1.EndpointPort{{Name: new(portName), Port: new(port), Protocol: new(proto)}},
	}
	for _, e := range eps {
		x := discoveryv1.Endpoint{Addresses: []string{e.addr},
			Conditions: discoveryv1.EndpointConditions{Ready: e.ready, Serving: e.serving, Terminating: e.terminating}}
		if e.node != "" {
			x.NodeName = new(e.node)
		}
		s.Endpoints = append(s.Endpoints, x)
	}
	return s
}

var (
	yes = new(true)
	no  = new(false)
)

func key(a string, port uint16, p proxy.Protocol) proxy.ServiceKey {
	return proxy.ServiceKey{Addr: netip.MustParseAddr(a), Port: port, Protocol: p}
}

func be(a string, port uint16) proxy.Backend {
	return proxy.Backend{Addr: netip.MustParseAddr(a), Port: port}
}

func TestDesired(t *testing.T) {
	node := proxy.Node{Name: "node-a", Addresses: []netip.Addr{netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("fd00::10")}}
	tcp := corev1.ProtocolTCP
	for _, c := range []struct {
		name     string
		services []*corev1.Service
		slices   []*discoveryv1.EndpointSlice
		want     map[proxy.ServiceKey]*proxy.Service
	}{
		{
			name:     "ready endpoints, sorted, not-ready left out",
			services: []*corev1.Service{svc("web", nil)},
			slices: []*discoveryv1.EndpointSlice{slice("web", discoveryv1.AddressTypeIPv4, "http", 8080, tcp,
				ep{addr: "10.0.0.2", ready: yes}, ep{addr: "10.0.0.1"}, ep{addr: "10.0.0.3", ready: no, serving: no})},
			want: map[proxy.ServiceKey]*proxy.Service{key("10.96.0.1", 80, proxy.TCP): {Name: "default/web:http",
				Backends: []proxy.Backend{be("10.0.0.1", 8080), be("10.0.0.2", 8080)}}},
		},
		{
			name:     "no ready endpoint: serving and terminating ones",
			services: []*corev1.Service{svc("web", nil)},
			slices: []*discoveryv1.EndpointSlice{slice("web", discoveryv1.AddressTypeIPv4, "http", 8080, tcp,
				ep{addr: "10.0.0.1", ready: no, serving: yes, terminating: yes},
				ep{addr: "10.0.0.2", ready: no, serving: no, terminating: yes},
				ep{addr: "10.0.0.3", ready: no, serving: no})},
			want: map[proxy.ServiceKey]*proxy.Service{key("10.96.0.1", 80, proxy.TCP): {Name: "default/web:http",
				Backends: []proxy.Backend{be("10.0.0.1", 8080)}}},
		},
		{
			name:     "a ready endpoint hides terminating ones",
			services: []*corev1.Service{svc("web", nil)},
			slices: []*discoveryv1.EndpointSlice{slice("web", discoveryv1.AddressTypeIPv4, "http", 8080, tcp,
				ep{addr: "10.0.0.1", ready: no, serving: yes, terminating: yes}, ep{addr: "10.0.0.2", ready: yes})},
			want: map[proxy.ServiceKey]*proxy.Service{key("10.96.0.1", 80, proxy.TCP): {Name: "default/web:http",
				Backends: []proxy.Backend{be("10.0.0.2", 8080)}}},
		},
		{
			name: "dual stack: each ClusterIP gets its family's endpoints",
			services: []*corev1.Service{svc("web", func(s *corev1.Service) {
				s.Spec.ClusterIPs = []string{"10.96.0.1", "fd00:96::1"}
			})},
			slices: []*discoveryv1.EndpointSlice{
				slice("web", discoveryv1.AddressTypeIPv4, "http", 8080, tcp, ep{addr: "10.0.0.1"}),
				slice("web", discoveryv1.AddressTypeIPv6, "http", 8080, tcp, ep{addr: "fd00::1"}),
			},
			want: map[proxy.ServiceKey]*proxy.Service{
				key("10.96.0.1", 80, proxy.TCP):  {Name: "default/web:http", Backends: []proxy.Backend{be("10.0.0.1", 8080)}},
				key("fd00:96::1", 80, proxy.TCP): {Name: "default/web:http", Backends: []proxy.Backend{be("fd00::1", 8080)}},
			},
		},
		{
			name: "ports matched by name; UDP kept; SCTP skipped",
			services: []*corev1.Service{svc("dns", func(s *corev1.Service) {
				s.Spec.Ports = []corev1.ServicePort{
					{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
					{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP},
					{Name: "sig", Port: 99, Protocol: corev1.ProtocolSCTP},
				}
			})},
			slices: []*discoveryv1.EndpointSlice{
				slice("dns", discoveryv1.AddressTypeIPv4, "dns", 5353, corev1.ProtocolUDP, ep{addr: "10.0.0.1"}),
				slice("dns", discoveryv1.AddressTypeIPv4, "dns-tcp", 5354, tcp, ep{addr: "10.0.0.1"}),
				slice("dns", discoveryv1.AddressTypeIPv4, "sig", 99, corev1.ProtocolSCTP, ep{addr: "10.0.0.1"}),
			},
			want: map[proxy.ServiceKey]*proxy.Service{
				key("10.96.0.1", 53, proxy.UDP): {Name: "default/dns:dns", Backends: []proxy.Backend{be("10.0.0.1", 5353)}},
				key("10.96.0.1", 53, proxy.TCP): {Name: "default/dns:dns-tcp", Backends: []proxy.Backend{be("10.0.0.1", 5354)}},
			},
		},
		{
			name: "internalTrafficPolicy Local keeps this node's endpoints",
			services: []*corev1.Service{svc("web", func(s *corev1.Service) {
				s.Spec.InternalTrafficPolicy = new(corev1.ServiceInternalTrafficPolicyLocal)
			})},
			slices: []*discoveryv1.EndpointSlice{slice("web", discoveryv1.AddressTypeIPv4, "http", 8080, tcp,
				ep{addr: "10.0.0.1", node: "node-a"}, ep{addr: "10.0.0.2", node: "node-b"})},
			want: map[proxy.ServiceKey]*proxy.Service{key("10.96.0.1", 80, proxy.TCP): {Name: "default/web:http",
				Backends: []proxy.Backend{be("10.0.0.1", 8080)}}},
		},
		{
			name: "sessionAffinity ClientIP: default and set timeouts",
			services: []*corev1.Service{
				svc("a", func(s *corev1.Service) { s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP }),
				svc("b", func(s *corev1.Service) {
					s.Spec.ClusterIPs = []string{"10.96.0.2"}
					s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
					s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: new(int32(60))}}
				}),
			},
			want: map[proxy.ServiceKey]*proxy.Service{
				key("10.96.0.1", 80, proxy.TCP): {Name: "default/a:http", Affinity: 10800 * time.Second},
				key("10.96.0.2", 80, proxy.TCP): {Name: "default/b:http", Affinity: time.Minute},
			},
		},
		{
			name: "NodePort: a frontend per node address; externalTrafficPolicy Local",
			services: []*corev1.Service{svc("web", func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeNodePort
				s.Spec.Ports[0].NodePort = 30080
				s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
			})},
			slices: []*discoveryv1.EndpointSlice{slice("web", discoveryv1.AddressTypeIPv4, "http", 8080, tcp,
				ep{addr: "10.0.0.1", node: "node-a"}, ep{addr: "10.0.0.2", node: "node-b"})},
			want: map[proxy.ServiceKey]*proxy.Service{
				key("10.96.0.1", 80, proxy.TCP):       {Name: "default/web:http", Backends: []proxy.Backend{be("10.0.0.1", 8080), be("10.0.0.2", 8080)}},
				key("192.168.1.10", 30080, proxy.TCP): {Name: "default/web:http", Backends: []proxy.Backend{be("10.0.0.1", 8080)}},
			},
		},
		{
			name:     "without a selector: its slices as they are",
			services: []*corev1.Service{svc("ext", func(s *corev1.Service) { s.Spec.Selector = nil })},
			slices: []*discoveryv1.EndpointSlice{slice("ext", discoveryv1.AddressTypeIPv4, "http", 9000, tcp,
				ep{addr: "192.0.2.7"})},
			want: map[proxy.ServiceKey]*proxy.Service{key("10.96.0.1", 80, proxy.TCP): {Name: "default/ext:http",
				Backends: []proxy.Backend{be("192.0.2.7", 9000)}}},
		},
		{
			name: "headless and ExternalName skipped; no endpoints is an empty frontend",
			services: []*corev1.Service{
				svc("headless", func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "None", []string{"None"} }),
				svc("alias", func(s *corev1.Service) {
					s.Spec.Type, s.Spec.ExternalName, s.Spec.ClusterIP, s.Spec.ClusterIPs = corev1.ServiceTypeExternalName, "example.com", "", nil
				}),
				svc("empty", func(s *corev1.Service) { s.Spec.ClusterIPs = []string{"10.96.0.9"} }),
			},
			slices: []*discoveryv1.EndpointSlice{slice("headless", discoveryv1.AddressTypeIPv4, "http", 80, tcp, ep{addr: "10.0.0.1"})},
			want:   map[proxy.ServiceKey]*proxy.Service{key("10.96.0.9", 80, proxy.TCP): {Name: "default/empty:http"}},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := proxy.Desired(c.services, c.slices, node)
			if diff := cmp.Diff(&proxy.State{Services: c.want}, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("Desired (-want +got):\n%s", diff)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestDesiredSkippedReportsSCTP(t *testing.T) {
	s := svc("sig", func(s *corev1.Service) { s.Spec.Ports[0].Protocol = corev1.ProtocolSCTP })
	_, skipped := proxy.DesiredSkipped([]*corev1.Service{s}, nil, proxy.Node{Name: "n"})
	want := []proxy.Skipped{{Service: "default/sig:http", Reason: "protocol SCTP not supported"}}
	if diff := cmp.Diff(want, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}
