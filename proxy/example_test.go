package proxy_test

import (
	"fmt"
	"net/netip"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/proxy"
)

// ExampleDesired computes a node's State from one Service and its
// EndpointSlice: the ready endpoint is a backend, the not-ready one is not.
func ExampleDesired() {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: corev1.ServiceSpec{
			ClusterIPs: []string{"10.96.0.10"},
			Ports:      []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
		},
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "default", Name: "web-1", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: new("http"), Port: new(int32(8080))}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: new(true)}},
			{Addresses: []string{"10.0.0.2"}, Conditions: discoveryv1.EndpointConditions{Ready: new(false)}},
		},
	}
	st := proxy.Desired([]*corev1.Service{svc}, []*discoveryv1.EndpointSlice{slice}, proxy.Node{Name: "node-1"})
	k := proxy.ServiceKey{Addr: netip.MustParseAddr("10.96.0.10"), Port: 80, Protocol: proxy.TCP}
	fmt.Println(k, st.Services[k].Name, st.Services[k].Backends)
	// Output: 10.96.0.10:80/TCP default/web:http [10.0.0.1:8080]
}
