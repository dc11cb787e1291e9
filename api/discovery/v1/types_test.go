package v1_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func ptr[T any](v T) *T { return &v }

// TestEndpointSliceJSON checks the wire form both ways: addressType,
// endpoints and ports are always present; empty conditions are absent; a
// false condition and a nil port ("all ports") survive the round trip.
func TestEndpointSliceJSON(t *testing.T) {
	tests := []struct {
		name  string
		slice discoveryv1.EndpointSlice
		want  string
	}{
		{
			name:  "empty slice keeps its required fields",
			slice: discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "web-1"}},
			want:  `{"metadata":{"name":"web-1"},"addressType":"","endpoints":null,"ports":null}`,
		},
		{
			name: "endpoint without conditions",
			slice: discoveryv1.EndpointSlice{
				AddressType: discoveryv1.AddressTypeIPv6,
				Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"fd00::1"}}},
				Ports:       []discoveryv1.EndpointPort{},
			},
			want: `{"addressType":"IPv6","endpoints":[{"addresses":["fd00::1"]}],"ports":[]}`,
		},
		{
			name: "terminating endpoint and an all-ports port",
			slice: discoveryv1.EndpointSlice{
				AddressType: discoveryv1.AddressTypeIPv4,
				Endpoints: []discoveryv1.Endpoint{{
					Addresses:  []string{"10.0.0.7"},
					Conditions: discoveryv1.EndpointConditions{Ready: ptr(false), Serving: ptr(true), Terminating: ptr(true)},
					NodeName:   ptr("node-a"),
					TargetRef:  &corev1.ObjectReference{Kind: "Pod", Name: "web-0", Namespace: "shop"},
					Hints:      &discoveryv1.EndpointHints{ForZones: []discoveryv1.ForZone{{Name: "zone-1"}}},
				}},
				Ports: []discoveryv1.EndpointPort{{Name: ptr(""), Protocol: ptr(corev1.ProtocolUDP)}},
			},
			want: `{"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.7"],` +
				`"conditions":{"ready":false,"serving":true,"terminating":true},` +
				`"targetRef":{"kind":"Pod","namespace":"shop","name":"web-0"},"nodeName":"node-a",` +
				`"hints":{"forZones":[{"name":"zone-1"}]}}],"ports":[{"name":"","protocol":"UDP"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(&tt.slice)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("encoded JSON (-want +got):\n%s", diff)
			}
			var back discoveryv1.EndpointSlice
			dec := json.NewDecoder(bytes.NewReader(got))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&back); err != nil {
				t.Fatalf("unmarshal %s: %v", got, err)
			}
			if diff := cmp.Diff(tt.slice, back); diff != "" {
				t.Errorf("decoded value (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEndpointSliceDeepCopy checks that a deep copy shares no memory with
// the original.
func TestEndpointSliceDeepCopy(t *testing.T) {
	orig := &discoveryv1.EndpointSlice{
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{"10.0.0.1"},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)},
			Hints:      &discoveryv1.EndpointHints{ForNodes: []discoveryv1.ForNode{{Name: "a"}}},
		}},
		Ports: []discoveryv1.EndpointPort{{Port: ptr(int32(80))}},
	}
	want := orig.DeepCopy()
	cp := orig.DeepCopy()
	cp.Endpoints[0].Addresses[0] = "10.0.0.2"
	*cp.Endpoints[0].Conditions.Ready = false
	cp.Endpoints[0].Hints.ForNodes[0].Name = "b"
	*cp.Ports[0].Port = 81
	if diff := cmp.Diff(want, orig); diff != "" {
		t.Errorf("mutating the copy changed the original (-want +got):\n%s", diff)
	}
}

// The slice the endpointslice controller writes for a Service "web" with
// one ready pod behind port 80.
func ExampleEndpointSlice() {
	ready, port := true, int32(80)
	name, protocol := "http", corev1.ProtocolTCP
	slice := discoveryv1.EndpointSlice{
		TypeMeta: metav1.TypeMeta{APIVersion: discoveryv1.GroupName + "/" + discoveryv1.Version, Kind: "EndpointSlice"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      "web-x7k2p",
			Namespace: "shop",
			Labels: map[string]string{
				discoveryv1.LabelServiceName: "web",
				discoveryv1.LabelManagedBy:   "endpointslice-controller.k8s.io",
			},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{"10.244.1.17"},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: &name, Protocol: &protocol, Port: &port}},
	}
	out, err := json.MarshalIndent(slice, "", "  ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {
	//   "kind": "EndpointSlice",
	//   "apiVersion": "discovery.k8s.io/v1",
	//   "metadata": {
	//     "name": "web-x7k2p",
	//     "namespace": "shop",
	//     "labels": {
	//       "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
	//       "kubernetes.io/service-name": "web"
	//     }
	//   },
	//   "addressType": "IPv4",
	//   "endpoints": [
	//     {
	//       "addresses": [
	//         "10.244.1.17"
	//       ],
	//       "conditions": {
	//         "ready": true
	//       }
	//     }
	//   ],
	//   "ports": [
	//     {
	//       "name": "http",
	//       "protocol": "TCP",
	//       "port": 80
	//     }
	//   ]
	// }
}
