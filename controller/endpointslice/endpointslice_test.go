package endpointslice_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/endpointslice"
	"github.com/rigging-dev/rigging/controller/envtest"
)

const ns = "default"

// fixture is an API server with the EndpointSlice controller running.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	svcs   *client.Resource[corev1.Service]
	pods   *client.Resource[corev1.Pod]
	slices *client.Resource[discoveryv1.EndpointSlice]
}

func start(t *testing.T) *fixture { t.Helper(); return startWith(t, nil) }

// startWith starts the API server, calls before (when not nil) with its
// client, then starts the controller.
func startWith(t *testing.T, before func(c *client.Client)) *fixture {
	t.Helper()
	env := envtest.Start(t)
	if before != nil {
		before(env.Client)
	}
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := endpointslice.Add(mgr, env.Client, endpointslice.Options{Options: controller.Options{MaxConcurrentReconciles: 2}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("manager Start: %v", err)
		}
	})
	svcs, err := client.For[corev1.Service](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	pods, err := client.For[corev1.Pod](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	sl, err := client.For[discoveryv1.EndpointSlice](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: t.Context(), svcs: svcs.Namespace(ns), pods: pods.Namespace(ns), slices: sl.Namespace(ns)}
}

// waitFor polls cond until it holds, failing the test after 15 s with
// cond's last description of the state.
func (f *fixture) waitFor(what string, cond func() (bool, string)) {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond) // polling interval, not synchronisation
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		<-tick.C
	}
}

func newService(name string, selector map[string]string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Selector: selector,
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("web")},
				{Name: "metrics", Port: 9090, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9100)},
			},
		},
	}
}

// createPod creates a pod labelled app=<app> serving port "web" on
// webPort, then sets its status as a kubelet would: Running with ip and
// Ready as ready.
func (f *fixture) createPod(name, app, ip string, webPort int32, ready bool) *corev1.Pod {
	f.t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": app}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "nginx",
			Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: webPort, Protocol: corev1.ProtocolTCP}},
		}}},
	}
	got, err := f.pods.Create(f.ctx, p, client.CreateOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.setStatus(got, ip, ready)
}

func (f *fixture) setStatus(p *corev1.Pod, ip string, ready bool) *corev1.Pod {
	f.t.Helper()
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = ip
	p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	got, err := f.pods.UpdateStatus(f.ctx, p, client.UpdateOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

// sliceList returns the slices of service svc.
func (f *fixture) sliceList(svc string) []discoveryv1.EndpointSlice {
	f.t.Helper()
	list, err := f.slices.List(f.ctx, client.ListOptions{LabelSelector: endpointslice.LabelServiceName + "=" + svc})
	if err != nil {
		f.t.Fatal(err)
	}
	return list.Items
}

// endpointState is an endpoint's pod, address and conditions.
type endpointState struct {
	Pod, Addr                   string
	Ready, Serving, Terminating bool
}

func state(ss []discoveryv1.EndpointSlice) []endpointState {
	var out []endpointState
	for _, s := range ss {
		for _, ep := range s.Endpoints {
			st := endpointState{Addr: strings.Join(ep.Addresses, ",")}
			if ep.TargetRef != nil {
				st.Pod = ep.TargetRef.Name
			}
			c := ep.Conditions
			st.Ready = c.Ready != nil && *c.Ready
			st.Serving = c.Serving != nil && *c.Serving
			st.Terminating = c.Terminating != nil && *c.Terminating
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b endpointState) int { return strings.Compare(a.Pod, b.Pod) })
	return out
}

// waitEndpoints waits until svc's slices list exactly want.
func (f *fixture) waitEndpoints(svc string, want []endpointState) []discoveryv1.EndpointSlice {
	f.t.Helper()
	var got []discoveryv1.EndpointSlice
	f.waitFor(fmt.Sprintf("endpoints of %s", svc), func() (bool, string) {
		got = f.sliceList(svc)
		diff := cmp.Diff(want, state(got))
		return diff == "", fmt.Sprintf("%d slices, (-want +got):\n%s", len(got), diff)
	})
	return got
}

func TestServiceGetsSliceOfItsPods(t *testing.T) {
	f := start(t)
	svc, err := f.svcs.Create(f.ctx, newService("web", map[string]string{"app": "web"}), client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.createPod("web-a", "web", "10.0.0.1", 8080, true)
	f.createPod("web-b", "web", "10.0.0.2", 8080, true)
	c := f.createPod("web-c", "web", "10.0.0.3", 8080, false)
	f.createPod("other", "other", "10.0.0.9", 8080, true)

	got := f.waitEndpoints("web", []endpointState{
		{Pod: "web-a", Addr: "10.0.0.1", Ready: true, Serving: true},
		{Pod: "web-b", Addr: "10.0.0.2", Ready: true, Serving: true},
		{Pod: "web-c", Addr: "10.0.0.3"},
	})
	if len(got) != 1 {
		t.Fatalf("got %d slices, want 1", len(got))
	}
	s := got[0]
	wantPorts := []discoveryv1.EndpointPort{
		{Name: new("http"), Protocol: new(corev1.ProtocolTCP), Port: new(int32(8080))},
		{Name: new("metrics"), Protocol: new(corev1.ProtocolTCP), Port: new(int32(9100))},
	}
	if diff := cmp.Diff(wantPorts, s.Ports); diff != "" {
		t.Errorf("ports (-want +got):\n%s", diff)
	}
	if s.AddressType != discoveryv1.AddressTypeIPv4 {
		t.Errorf("addressType %q, want IPv4", s.AddressType)
	}
	wantLabels := map[string]string{endpointslice.LabelServiceName: "web", endpointslice.LabelManagedBy: endpointslice.ManagedBy}
	if diff := cmp.Diff(wantLabels, s.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	wantOwners := []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: "web", UID: svc.UID, Controller: new(true), BlockOwnerDeletion: new(true)}}
	if diff := cmp.Diff(wantOwners, s.OwnerReferences); diff != "" {
		t.Errorf("ownerReferences (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(s.Name, "web-") || s.GenerateName != "web-" {
		t.Errorf("slice name %q generateName %q, want generated from web-", s.Name, s.GenerateName)
	}
	for _, ep := range s.Endpoints {
		if ep.TargetRef == nil || ep.TargetRef.Kind != "Pod" || ep.TargetRef.Namespace != ns || ep.TargetRef.UID == "" {
			t.Errorf("endpoint %v: targetRef %+v, want a Pod in %s with its UID", ep.Addresses, ep.TargetRef, ns)
		}
	}

	// The pod becoming ready flips its conditions, in the same slice.
	f.setStatus(c, "10.0.0.3", true)
	got = f.waitEndpoints("web", []endpointState{
		{Pod: "web-a", Addr: "10.0.0.1", Ready: true, Serving: true},
		{Pod: "web-b", Addr: "10.0.0.2", Ready: true, Serving: true},
		{Pod: "web-c", Addr: "10.0.0.3", Ready: true, Serving: true},
	})
	if len(got) != 1 || got[0].Name != s.Name {
		t.Errorf("after update: slices %v, want the same slice %s", names(got), s.Name)
	}

	// A deleted pod disappears.
	if err := f.pods.Delete(f.ctx, "web-b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitEndpoints("web", []endpointState{
		{Pod: "web-a", Addr: "10.0.0.1", Ready: true, Serving: true},
		{Pod: "web-c", Addr: "10.0.0.3", Ready: true, Serving: true},
	})

	// The service deleted, its slices go.
	if err := f.svcs.Delete(f.ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitFor("slices of deleted service gone", func() (bool, string) {
		got := f.sliceList("web")
		return len(got) == 0, fmt.Sprintf("slices %v", names(got))
	})
}

func names(ss []discoveryv1.EndpointSlice) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func TestDifferentResolvedPortsGoToDifferentSlices(t *testing.T) {
	f := start(t)
	if _, err := f.svcs.Create(f.ctx, newService("web", map[string]string{"app": "web"}), client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.createPod("web-a", "web", "10.0.0.1", 8080, true)
	f.createPod("web-b", "web", "10.0.0.2", 8081, true)
	got := f.waitEndpoints("web", []endpointState{
		{Pod: "web-a", Addr: "10.0.0.1", Ready: true, Serving: true},
		{Pod: "web-b", Addr: "10.0.0.2", Ready: true, Serving: true},
	})
	if len(got) != 2 {
		t.Fatalf("got %d slices, want 2 (one per resolved port)", len(got))
	}
	ports := map[int32]string{}
	for _, s := range got {
		if len(s.Endpoints) != 1 || len(s.Ports) == 0 || s.Ports[0].Port == nil {
			t.Fatalf("slice %s: %d endpoints, ports %v", s.Name, len(s.Endpoints), s.Ports)
		}
		ports[*s.Ports[0].Port] = s.Endpoints[0].TargetRef.Name
	}
	if diff := cmp.Diff(map[int32]string{8080: "web-a", 8081: "web-b"}, ports); diff != "" {
		t.Errorf("http port per pod (-want +got):\n%s", diff)
	}
}

func TestManyPodsAreSplitIntoSlicesOf100(t *testing.T) {
	f := start(t)
	if _, err := f.svcs.Create(f.ctx, newService("big", map[string]string{"app": "big"}), client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var want []endpointState
	for i := range 250 {
		name := fmt.Sprintf("big-%03d", i)
		ip := fmt.Sprintf("10.1.%d.%d", i/200, i%200+1)
		f.createPod(name, "big", ip, 8080, true)
		want = append(want, endpointState{Pod: name, Addr: ip, Ready: true, Serving: true})
	}
	got := f.waitEndpoints("big", want)
	var sizes []int
	for _, s := range got {
		sizes = append(sizes, len(s.Endpoints))
	}
	// How 250 endpoints spread over slices depends on how pod events were
	// batched into reconciles (existing slices with room are filled
	// first, as Kubernetes does, but a reconcile may run before the
	// previous one's slice is in the cache): every slice holds at most 100
	// and none is empty, so at least three are needed.
	slices.Sort(sizes)
	if len(sizes) < 3 || sizes[0] == 0 || sizes[len(sizes)-1] > 100 {
		t.Errorf("slice sizes %v: want at least 3 slices, none empty, none over 100", sizes)
	}
}

func TestServiceWithoutSelectorGetsNoSlice(t *testing.T) {
	f := start(t)
	if _, err := f.svcs.Create(f.ctx, newService("manual", nil), client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A service with a selector created after it: once that one has its
	// slice, the controller has seen the first one too.
	if _, err := f.svcs.Create(f.ctx, newService("marker", map[string]string{"app": "marker"}), client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.createPod("marker-a", "marker", "10.0.0.1", 8080, true)
	f.waitEndpoints("marker", []endpointState{{Pod: "marker-a", Addr: "10.0.0.1", Ready: true, Serving: true}})
	if got := f.sliceList("manual"); len(got) != 0 {
		t.Errorf("service without selector has slices %v, want none", names(got))
	}
}

func TestPublishNotReadyAddresses(t *testing.T) {
	f := start(t)
	svc := newService("web", map[string]string{"app": "web"})
	svc.Spec.PublishNotReadyAddresses = true
	if _, err := f.svcs.Create(f.ctx, svc, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.createPod("web-a", "web", "10.0.0.1", 8080, false)
	f.waitEndpoints("web", []endpointState{{Pod: "web-a", Addr: "10.0.0.1", Ready: true, Serving: true}})
}

func TestTerminatingPodIsServingNotReadyWithZone(t *testing.T) {
	// The node exists before the controller starts, so that its cache has
	// it when the pod comes.
	f := startWith(t, func(c *client.Client) {
		nodes, err := client.For[corev1.Node](c)
		if err != nil {
			t.Fatal(err)
		}
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{endpointslice.LabelTopologyZone: "zone-a"}}}
		if _, err := nodes.Create(t.Context(), node, client.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := f.svcs.Create(f.ctx, newService("web", map[string]string{"app": "web"}), client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-a", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{
			Name: "app", Image: "nginx",
			Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: 8080}},
		}}},
	}
	p, err := f.pods.Create(f.ctx, p, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.setStatus(p, "10.0.0.1", true)
	f.waitFor("endpoint with zone", func() (bool, string) {
		got := f.sliceList("web")
		if len(got) != 1 || len(got[0].Endpoints) != 1 {
			return false, fmt.Sprintf("slices %+v", got)
		}
		ep := got[0].Endpoints[0]
		return ep.Zone != nil && *ep.Zone == "zone-a" && ep.NodeName != nil && *ep.NodeName == "n1", fmt.Sprintf("endpoint %+v", ep)
	})
	// Bound to a node, the pod terminates gracefully: it stays listed as
	// serving and terminating, not ready.
	if err := f.pods.Delete(f.ctx, "web-a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitEndpoints("web", []endpointState{{Pod: "web-a", Addr: "10.0.0.1", Serving: true, Terminating: true}})
}
