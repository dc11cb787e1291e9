package v1_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
)

func ptr[T any](v T) *T { return &v }

// TestJSON checks the wire form of the networking kinds both ways: the
// fields Kubernetes always writes (podSelector, pathType, scope, a
// resource backend's apiGroup) are present even when empty, the inline
// rule value has no key of its own, and decoding the encoding with
// unknown fields disallowed gives the value back.
func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		obj  any
		want string
	}{
		{
			name: "deny-all policy keeps an empty podSelector",
			obj: &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			}},
			want: `{"spec":{"podSelector":{},"policyTypes":["Ingress"]}}`,
		},
		{
			name: "named port, port range and ipBlock",
			obj: &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					Ports: []networkingv1.NetworkPolicyPort{
						{Port: ptr(intstr.FromString("metrics"))},
						{Protocol: ptr(corev1.ProtocolTCP), Port: ptr(intstr.FromInt32(32000)), EndPort: ptr(int32(32768))},
					},
					From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}}},
				}},
			}},
			want: `{"spec":{"podSelector":{},"ingress":[{"ports":[{"port":"metrics"},{"protocol":"TCP","port":32000,"endPort":32768}],` +
				`"from":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}]}]}}`,
		},
		{
			name: "ingress rule value is inline; nil pathType is null",
			obj: &networkingv1.Ingress{Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
				Host: "a.example.com",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:    "/",
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web"}},
					}},
				}},
			}}}},
			want: `{"spec":{"rules":[{"host":"a.example.com","http":{"paths":[{"path":"/","pathType":null,"backend":{"service":{"name":"web"}}}]}}]}}`,
		},
		{
			name: "rule without http",
			obj:  &networkingv1.Ingress{Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "b.example.com"}}}},
			want: `{"spec":{"rules":[{"host":"b.example.com"}]}}`,
		},
		{
			name: "resource backend keeps a null apiGroup",
			obj: &networkingv1.Ingress{Spec: networkingv1.IngressSpec{DefaultBackend: &networkingv1.IngressBackend{
				Resource: &corev1.TypedLocalObjectReference{Kind: "Bucket", Name: "static"},
			}}},
			want: `{"spec":{"defaultBackend":{"resource":{"apiGroup":null,"kind":"Bucket","name":"static"}}}}`,
		},
		{
			name: "load balancer status",
			obj: &networkingv1.Ingress{Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{
				Ingress: []networkingv1.IngressLoadBalancerIngress{{
					IP:    "192.0.2.1",
					Ports: []networkingv1.IngressPortStatus{{Port: 443, Protocol: corev1.ProtocolTCP, Error: ptr("CertMissing")}},
				}},
			}}},
			want: `{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1","ports":[{"port":443,"protocol":"TCP","error":"CertMissing"}]}]}}}`,
		},
		{
			name: "ingress class parameters keep a null scope",
			obj: &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{
				Controller: "example.com/ingress",
				Parameters: &networkingv1.IngressClassParametersReference{Kind: "ConfigMap", Name: "params"},
			}},
			want: `{"spec":{"controller":"example.com/ingress","parameters":{"kind":"ConfigMap","name":"params","scope":null}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.obj)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("encoded JSON (-want +got):\n%s", diff)
			}
			back := reflect.New(reflect.TypeOf(tt.obj).Elem()).Interface()
			dec := json.NewDecoder(bytes.NewReader(got))
			dec.DisallowUnknownFields()
			if err := dec.Decode(back); err != nil {
				t.Fatalf("unmarshal %s: %v", got, err)
			}
			if diff := cmp.Diff(tt.obj, back); diff != "" {
				t.Errorf("decoded value (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeepCopy checks that deep copies share no memory with the original.
func TestDeepCopy(t *testing.T) {
	policy := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"role": "db"}},
		Egress: []networkingv1.NetworkPolicyEgressRule{{
			Ports: []networkingv1.NetworkPolicyPort{{Port: ptr(intstr.FromInt32(53))}},
			To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8"}}}},
		}},
	}}
	ingress := &networkingv1.Ingress{Spec: networkingv1.IngressSpec{
		IngressClassName: ptr("nginx"),
		TLS:              []networkingv1.IngressTLS{{Hosts: []string{"a"}}},
		Rules: []networkingv1.IngressRule{{IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{PathType: ptr(networkingv1.PathTypePrefix)}},
		}}}},
	}}
	wantPolicy, wantIngress := policy.DeepCopy(), ingress.DeepCopy()

	p := policy.DeepCopy()
	p.Spec.PodSelector.MatchLabels["role"] = "web"
	*p.Spec.Egress[0].Ports[0].Port = intstr.FromString("dns")
	p.Spec.Egress[0].To[0].IPBlock.Except[0] = "192.168.0.0/16"
	i := ingress.DeepCopy()
	*i.Spec.IngressClassName = "other"
	i.Spec.TLS[0].Hosts[0] = "b"
	*i.Spec.Rules[0].HTTP.Paths[0].PathType = networkingv1.PathTypeExact

	if diff := cmp.Diff(wantPolicy, policy); diff != "" {
		t.Errorf("mutating the copy changed the NetworkPolicy (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantIngress, ingress); diff != "" {
		t.Errorf("mutating the copy changed the Ingress (-want +got):\n%s", diff)
	}
}

// A policy that lets only the frontend pods reach the database pods on
// port 5432.
func ExampleNetworkPolicy() {
	port := intstr.FromInt32(5432)
	policy := networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: networkingv1.GroupName + "/" + networkingv1.Version, Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "db-from-frontend", Namespace: "shop"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"role": "db"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{
					PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "frontend"}},
				}},
				Ports: []networkingv1.NetworkPolicyPort{{Port: &port}},
			}},
		},
	}
	out, err := json.MarshalIndent(policy, "", "  ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {
	//   "kind": "NetworkPolicy",
	//   "apiVersion": "networking.k8s.io/v1",
	//   "metadata": {
	//     "name": "db-from-frontend",
	//     "namespace": "shop"
	//   },
	//   "spec": {
	//     "podSelector": {
	//       "matchLabels": {
	//         "role": "db"
	//       }
	//     },
	//     "ingress": [
	//       {
	//         "ports": [
	//           {
	//             "port": 5432
	//           }
	//         ],
	//         "from": [
	//           {
	//             "podSelector": {
	//               "matchLabels": {
	//                 "role": "frontend"
	//               }
	//             }
	//           }
	//         ]
	//       }
	//     ],
	//     "policyTypes": [
	//       "Ingress"
	//     ]
	//   }
	// }
}
