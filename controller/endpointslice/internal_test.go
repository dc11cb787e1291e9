package endpointslice

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
)

var testSvc = &corev1.Service{
	ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "svc-uid"},
	Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "web"},
		Ports: []corev1.ServicePort{
			{Name: "http", Port: 80, TargetPort: intstr.FromString("web")},
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")},
			{Name: "plain", Port: 81},
			{Name: "num", Port: 82, TargetPort: intstr.FromInt32(8082)},
		},
	},
}

func TestResolvePorts(t *testing.T) {
	tests := []struct {
		name  string
		ports []corev1.ContainerPort
		want  []discoveryv1.EndpointPort
	}{
		{
			name:  "named ports found by name and protocol",
			ports: []corev1.ContainerPort{{Name: "web", ContainerPort: 8080}, {Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP}},
			want: []discoveryv1.EndpointPort{
				{Name: new("http"), Protocol: new(corev1.ProtocolTCP), Port: new(int32(8080))},
				{Name: new("dns"), Protocol: new(corev1.ProtocolUDP), Port: new(int32(5353))},
				{Name: new("plain"), Protocol: new(corev1.ProtocolTCP), Port: new(int32(81))},
				{Name: new("num"), Protocol: new(corev1.ProtocolTCP), Port: new(int32(8082))},
			},
		},
		{
			name:  "missing or wrong-protocol named ports left out",
			ports: []corev1.ContainerPort{{Name: "dns", ContainerPort: 5353}},
			want: []discoveryv1.EndpointPort{
				{Name: new("plain"), Protocol: new(corev1.ProtocolTCP), Port: new(int32(81))},
				{Name: new("num"), Protocol: new(corev1.ProtocolTCP), Port: new(int32(8082))},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: tt.ports}}}}
			if diff := cmp.Diff(tt.want, resolvePorts(testSvc, pod)); diff != "" {
				t.Errorf("resolvePorts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPodAddresses(t *testing.T) {
	tests := []struct {
		name   string
		status corev1.PodStatus
		want   []string
	}{
		{name: "none", want: nil},
		{name: "podIP only", status: corev1.PodStatus{PodIP: "10.0.0.1"}, want: []string{"10.0.0.1"}},
		{name: "dual stack", status: corev1.PodStatus{PodIP: "fd00::1", PodIPs: []corev1.PodIP{{IP: "fd00::1"}, {IP: "10.0.0.1"}}}, want: []string{"fd00::1", "10.0.0.1"}},
		{name: "garbage and duplicates skipped", status: corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: "nope"}, {IP: "10.0.0.1"}, {IP: "10.0.0.2"}}}, want: []string{"10.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range podAddresses(&corev1.Pod{Status: tt.status}) {
				got = append(got, a.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("podAddresses (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPodEndpointConditions(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name                             string
		ready, deleting, publish         bool
		wantReady, wantServing, wantTerm bool
	}{
		{name: "ready", ready: true, wantReady: true, wantServing: true},
		{name: "not ready"},
		{name: "terminating ready", ready: true, deleting: true, wantServing: true, wantTerm: true},
		{name: "terminating not ready", deleting: true, wantTerm: true},
		{name: "publishNotReadyAddresses", publish: true, wantReady: true, wantServing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := testSvc.DeepCopy()
			svc.Spec.PublishNotReadyAddresses = tt.publish
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "p-uid"}}
			if tt.ready {
				pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
			}
			if tt.deleting {
				pod.DeletionTimestamp = &now
			}
			want := discoveryv1.Endpoint{
				Addresses:  []string{"10.0.0.1"},
				Conditions: discoveryv1.EndpointConditions{Ready: new(tt.wantReady), Serving: new(tt.wantServing), Terminating: new(tt.wantTerm)},
				TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: "p", UID: "p-uid"},
			}
			if diff := cmp.Diff(want, podEndpoint(svc, pod, "10.0.0.1", "")); diff != "" {
				t.Errorf("podEndpoint (-want +got):\n%s", diff)
			}
		})
	}
}

// eps returns n endpoints of pods named p<from>...
func eps(from, n int) []discoveryv1.Endpoint {
	var out []discoveryv1.Endpoint
	for i := from; i < from+n; i++ {
		name := fmt.Sprintf("p%03d", i)
		out = append(out, discoveryv1.Endpoint{
			Addresses:  []string{netip.AddrFrom4([4]byte{10, 0, byte(i / 250), byte(i%250 + 1)}).String()},
			Conditions: discoveryv1.EndpointConditions{Ready: new(true), Serving: new(true), Terminating: new(false)},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: name, UID: types.UID(name)},
		})
	}
	return out
}

var testPorts = []discoveryv1.EndpointPort{{Name: new("http"), Protocol: new(corev1.ProtocolTCP), Port: new(int32(8080))}}

func existingSlice(name string, e []discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	s := newSlice(testSvc, discoveryv1.AddressTypeIPv4, testPorts, e)
	s.Name, s.UID = name, types.UID(name)
	return s
}

func desired(e []discoveryv1.Endpoint) map[string]*group {
	if len(e) == 0 {
		return map[string]*group{}
	}
	return map[string]*group{groupKey(discoveryv1.AddressTypeIPv4, testPorts): {addressType: discoveryv1.AddressTypeIPv4, ports: testPorts, endpoints: e}}
}

// planSummary is a plan as slice names and endpoint counts.
type planSummary struct {
	Creates []int          // endpoints per created slice
	Updates map[string]int // endpoints per updated slice
	Deletes []string
}

func summarize(p *slicePlan) planSummary {
	s := planSummary{Updates: map[string]int{}}
	for _, c := range p.creates {
		s.Creates = append(s.Creates, len(c.Endpoints))
	}
	for _, u := range p.updates {
		s.Updates[u.Name] = len(u.Endpoints)
	}
	for _, d := range p.deletes {
		s.Deletes = append(s.Deletes, d.Name)
	}
	return s
}

func TestPlan(t *testing.T) {
	changed := eps(0, 3)
	changed[1].Conditions.Ready = new(false)
	tests := []struct {
		name     string
		desired  []discoveryv1.Endpoint
		existing []*discoveryv1.EndpointSlice
		want     planSummary
	}{
		{name: "first slice", desired: eps(0, 3), want: planSummary{Creates: []int{3}, Updates: map[string]int{}}},
		{name: "split by max", desired: eps(0, 25), want: planSummary{Creates: []int{10, 10, 5}, Updates: map[string]int{}}},
		{name: "unchanged writes nothing", desired: eps(0, 3), existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 3))}, want: planSummary{Updates: map[string]int{}}},
		{name: "changed condition updates", desired: changed, existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 3))}, want: planSummary{Updates: map[string]int{"a": 3}}},
		{name: "new endpoints fill room first", desired: eps(0, 12), existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 8))}, want: planSummary{Creates: []int{2}, Updates: map[string]int{"a": 10}}},
		{name: "emptied slice deleted, full one untouched", desired: eps(0, 10), existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 10)), existingSlice("b", eps(10, 5))}, want: planSummary{Updates: map[string]int{}, Deletes: []string{"b"}}},
		{name: "no endpoints keeps one placeholder", existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 3)), existingSlice("b", eps(3, 3))}, want: planSummary{Creates: []int{0}, Updates: map[string]int{}, Deletes: []string{"a", "b"}}},
		{name: "no endpoints and no slice: placeholder", want: planSummary{Creates: []int{0}, Updates: map[string]int{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(plan(testSvc, desired(tt.desired), tt.existing, 10))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewReconcilerRejectsBadOptions(t *testing.T) {
	if _, err := NewReconciler(nil, nil, nil, nil, nil, Options{}); err == nil {
		t.Error("NewReconciler with nil client: no error")
	}
}

func TestDesiredGroupsByFamilyAndPorts(t *testing.T) {
	pod := func(name string, port int32, phase corev1.PodPhase, ips ...string) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name)},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: port}}}}},
			Status:     corev1.PodStatus{Phase: phase},
		}
		for _, ip := range ips {
			p.Status.PodIPs = append(p.Status.PodIPs, corev1.PodIP{IP: ip})
		}
		return p
	}
	pods := []*corev1.Pod{
		pod("dual", 8080, corev1.PodRunning, "10.0.0.1", "fd00::1"),
		pod("v4-other-port", 9090, corev1.PodRunning, "10.0.0.2"),
		pod("no-ip", 8080, corev1.PodPending),
		pod("done", 8080, corev1.PodSucceeded, "10.0.0.3"),
	}
	got := map[string][]string{} // address type and http port to pod/address
	for _, g := range (&Reconciler{}).desiredGroups(testSvc, pods) {
		k := fmt.Sprintf("%s:%d", g.addressType, *g.ports[0].Port)
		for _, ep := range g.endpoints {
			got[k] = append(got[k], ep.TargetRef.Name+"/"+ep.Addresses[0])
		}
	}
	want := map[string][]string{
		"IPv4:8080": {"dual/10.0.0.1"},
		"IPv6:8080": {"dual/fd00::1"},
		"IPv4:9090": {"v4-other-port/10.0.0.2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("desiredGroups (-want +got):\n%s", diff)
	}
}
