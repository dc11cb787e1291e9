package endpointslice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
)

// Name is the controller's name in logs and metrics.
const Name = "endpointslice"

const (
	// LabelServiceName labels a slice with the name of its Service.
	LabelServiceName = "kubernetes.io/service-name"
	// LabelManagedBy labels a slice with the controller that manages it.
	LabelManagedBy = "endpointslice.kubernetes.io/managed-by"
	// ManagedBy is this controller's LabelManagedBy value; it is
	// Kubernetes' own value, so that tools that know it find our slices.
	ManagedBy = "endpointslice-controller.k8s.io"
	// LabelTopologyZone is the node label an endpoint's zone comes from.
	LabelTopologyZone = "topology.kubernetes.io/zone"
	// DefaultMaxEndpointsPerSlice is MaxEndpointsPerSlice's default (100, as
	// in Kubernetes).
	DefaultMaxEndpointsPerSlice = 100
	// ExpectationsTimeout is how long the controller waits for its slice
	// cache to show a slice it created or deleted before it acts again
	// anyway.
	ExpectationsTimeout = 30 * time.Second
)

// Options configure Add and NewReconciler; the zero value works.
type Options struct {
	// Options are the controller's options.
	controller.Options
	// MaxEndpointsPerSlice caps the endpoints in one slice. Default
	// DefaultMaxEndpointsPerSlice; at most 1000 (Kubernetes' limit).
	MaxEndpointsPerSlice int
}

// Reconciler reconciles the EndpointSlices of Services. Make one with
// NewReconciler.
type Reconciler struct {
	slices    *client.Resource[discoveryv1.EndpointSlice]
	svcList   *client.Lister[corev1.Service]
	podList   *client.Lister[corev1.Pod]
	sliceList *client.Lister[discoveryv1.EndpointSlice]
	nodeList  *client.Lister[corev1.Node] // nil: no zones
	max       int
	clock     controller.Clock

	mu  sync.Mutex
	exp map[types.NamespacedName]*expectations
}

var _ controller.Reconciler = (*Reconciler)(nil)

// expectations are the slices a reconcile created or deleted that the
// slice cache has not shown yet.
type expectations struct {
	created map[string]bool      // slice names
	deleted map[string]types.UID // slice name to UID
	at      time.Time
}

// NewReconciler returns a Reconciler that reads Services, pods, slices and
// (when nodeInf is not nil) nodes from the informers' caches and writes
// slices through c. It fails when c or a required informer is nil, c does
// not know EndpointSlices, or opts.MaxEndpointsPerSlice is negative or
// above 1000.
func NewReconciler(c *client.Client, svcInf *client.Informer[corev1.Service], podInf *client.Informer[corev1.Pod], sliceInf *client.Informer[discoveryv1.EndpointSlice], nodeInf *client.Informer[corev1.Node], opts Options) (*Reconciler, error) {
	if c == nil || svcInf == nil || podInf == nil || sliceInf == nil {
		return nil, errors.New("new endpointslice reconciler: nil client or informer")
	}
	max := opts.MaxEndpointsPerSlice
	if max < 0 || max > 1000 {
		return nil, fmt.Errorf("new endpointslice reconciler: MaxEndpointsPerSlice %d is not in [1, 1000]", max)
	}
	if max == 0 {
		max = DefaultMaxEndpointsPerSlice
	}
	sl, err := client.For[discoveryv1.EndpointSlice](c)
	if err != nil {
		return nil, fmt.Errorf("new endpointslice reconciler: %w", err)
	}
	clock := opts.Clock
	if clock == nil {
		clock = controller.RealClock{}
	}
	r := &Reconciler{
		slices: sl, svcList: svcInf.Lister(), podList: podInf.Lister(), sliceList: sliceInf.Lister(),
		max: max, clock: clock, exp: map[types.NamespacedName]*expectations{},
	}
	if nodeInf != nil {
		r.nodeList = nodeInf.Lister()
	}
	return r, nil
}

// Add makes the EndpointSlice controller with mgr's informers (Services,
// Pods, EndpointSlices, Nodes), Watches Services, Owns EndpointSlices,
// maps every pod event to the Services in its namespace whose selector
// matches it, and adds the controller to mgr, which runs it on Start.
func Add(mgr *controller.Manager, c *client.Client, opts Options) (*controller.Controller, error) {
	svcInf, err := client.InformerFor[corev1.Service](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add endpointslice controller: %w", err)
	}
	podInf, err := client.InformerFor[corev1.Pod](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add endpointslice controller: %w", err)
	}
	sliceInf, err := client.InformerFor[discoveryv1.EndpointSlice](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add endpointslice controller: %w", err)
	}
	nodeInf, err := client.InformerFor[corev1.Node](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add endpointslice controller: %w", err)
	}
	r, err := NewReconciler(c, svcInf, podInf, sliceInf, nodeInf, opts)
	if err != nil {
		return nil, fmt.Errorf("add endpointslice controller: %w", err)
	}
	ctrl, err := mgr.NewController(Name, r, opts.Options)
	if err != nil {
		return nil, fmt.Errorf("add endpointslice controller: %w", err)
	}
	if err := controller.Watch(ctrl, svcInf); err != nil {
		return nil, fmt.Errorf("add endpointslice controller: %w", err)
	}
	if err := controller.Owns(ctrl, sliceInf); err != nil {
		return nil, fmt.Errorf("add endpointslice controller: %w", err)
	}
	if err := controller.Watches(ctrl, podInf, r.ServicesForPod); err != nil {
		return nil, fmt.Errorf("add endpointslice controller: %w", err)
	}
	return ctrl, nil
}

// ServicesForPod returns a Request for every Service in pod's namespace
// whose selector (non-empty) matches pod's labels, read from the Service
// cache.
func (r *Reconciler) ServicesForPod(pod *corev1.Pod) []controller.Request {
	var reqs []controller.Request
	for _, svc := range r.svcList.ListNamespace(pod.Namespace, nil) {
		if svc.Spec.Selector == nil {
			continue
		}
		if labels.SelectorFromSet(labels.Set(svc.Spec.Selector)).Matches(labels.Set(pod.Labels)) {
			reqs = append(reqs, controller.Request{NamespacedName: types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}})
		}
	}
	return reqs
}

// Reconcile syncs the slices of the Service req names. When the Service is
// gone it deletes the slices it managed; a Service without selector is left
// alone.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	key := req.NamespacedName
	existing := r.managedSlices(key)
	svc, err := r.svcList.Get(key.Namespace, key.Name)
	if client.IsNotFound(err) {
		return controller.Result{}, r.deleteAll(ctx, key, existing)
	}
	if err != nil {
		return controller.Result{}, fmt.Errorf("get service %s: %w", key, err)
	}
	if svc.Spec.Selector == nil || svc.DeletionTimestamp != nil {
		return controller.Result{}, nil
	}
	if !r.satisfied(key) {
		// The slice events that satisfy them requeue the service; should
		// they never come, act again once they expire.
		return controller.Result{RequeueAfter: ExpectationsTimeout}, nil
	}
	// Slices owned by an older Service of the same name are not ours to
	// reuse; delete them.
	var stale []*discoveryv1.EndpointSlice
	existing = slices.DeleteFunc(existing, func(s *discoveryv1.EndpointSlice) bool {
		ref := controller.ControllingOwner(s)
		if ref == nil || ref.UID != svc.UID {
			stale = append(stale, s)
			return true
		}
		return false
	})
	sel := labels.SelectorFromSet(labels.Set(svc.Spec.Selector))
	pods := r.podList.ListNamespace(key.Namespace, sel)
	desired := r.desiredGroups(svc, pods)
	p := plan(svc, desired, existing, r.max)
	p.deletes = append(p.deletes, stale...)
	return controller.Result{}, r.apply(ctx, key, p)
}

// managedSlices returns the cached slices this controller manages for the
// Service key.
func (r *Reconciler) managedSlices(key types.NamespacedName) []*discoveryv1.EndpointSlice {
	sel := labels.SelectorFromSet(labels.Set{LabelServiceName: key.Name, LabelManagedBy: ManagedBy})
	return r.sliceList.ListNamespace(key.Namespace, sel)
}

func (r *Reconciler) deleteAll(ctx context.Context, key types.NamespacedName, existing []*discoveryv1.EndpointSlice) error {
	r.mu.Lock()
	delete(r.exp, key)
	r.mu.Unlock()
	return r.apply(ctx, key, &slicePlan{deletes: existing})
}

// group is the endpoints of one address type and one list of ports.
type group struct {
	addressType discoveryv1.AddressType
	ports       []discoveryv1.EndpointPort
	endpoints   []discoveryv1.Endpoint
}

// groupKey identifies a group by its address type and ports.
func groupKey(at discoveryv1.AddressType, ports []discoveryv1.EndpointPort) string {
	var b strings.Builder
	b.WriteString(string(at))
	for _, p := range ports {
		b.WriteByte('|')
		if p.Name != nil {
			b.WriteString(strconv.Quote(*p.Name))
		}
		b.WriteByte('/')
		if p.Protocol != nil {
			b.WriteString(string(*p.Protocol))
		}
		b.WriteByte('/')
		if p.Port != nil {
			b.WriteString(strconv.Itoa(int(*p.Port)))
		}
		b.WriteByte('/')
		if p.AppProtocol != nil {
			b.WriteString(strconv.Quote(*p.AppProtocol))
		}
	}
	return b.String()
}

// desiredGroups returns the endpoints svc should list, grouped by address
// type and resolved ports, keyed by groupKey.
func (r *Reconciler) desiredGroups(svc *corev1.Service, pods []*corev1.Pod) map[string]*group {
	groups := map[string]*group{}
	for _, pod := range pods {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		ports := resolvePorts(svc, pod)
		var zone string
		if r.nodeList != nil && pod.Spec.NodeName != "" {
			if n, err := r.nodeList.Get("", pod.Spec.NodeName); err == nil {
				zone = n.Labels[LabelTopologyZone]
			}
		}
		for _, addr := range podAddresses(pod) {
			at := discoveryv1.AddressTypeIPv4
			if addr.Is6() {
				at = discoveryv1.AddressTypeIPv6
			}
			k := groupKey(at, ports)
			g := groups[k]
			if g == nil {
				g = &group{addressType: at, ports: ports}
				groups[k] = g
			}
			g.endpoints = append(g.endpoints, podEndpoint(svc, pod, addr.String(), zone))
		}
	}
	return groups
}

// podAddresses returns pod's addresses (PodIPs, else PodIP) that parse, at
// most one per family.
func podAddresses(pod *corev1.Pod) []netip.Addr {
	raw := make([]string, 0, len(pod.Status.PodIPs)+1)
	for _, ip := range pod.Status.PodIPs {
		raw = append(raw, ip.IP)
	}
	if len(raw) == 0 && pod.Status.PodIP != "" {
		raw = append(raw, pod.Status.PodIP)
	}
	var out []netip.Addr
	var has4, has6 bool
	for _, s := range raw {
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		a = a.Unmap()
		switch {
		case a.Is4() && !has4:
			has4 = true
			out = append(out, a)
		case a.Is6() && !has6:
			has6 = true
			out = append(out, a)
		}
	}
	return out
}

// resolvePorts returns svc's ports as pod serves them: numeric targetPorts
// as is, named ones looked up among pod's container ports by name and
// protocol; a named port pod lacks is left out.
func resolvePorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	var out []discoveryv1.EndpointPort
	for _, sp := range svc.Spec.Ports {
		proto := sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		port, ok := findPort(pod, sp, proto)
		if !ok {
			continue
		}
		ep := discoveryv1.EndpointPort{Name: new(sp.Name), Protocol: new(proto), Port: new(port)}
		if sp.AppProtocol != nil {
			ep.AppProtocol = new(*sp.AppProtocol)
		}
		out = append(out, ep)
	}
	return out
}

// findPort resolves sp's targetPort for pod; an unset targetPort means the
// service port itself.
func findPort(pod *corev1.Pod, sp corev1.ServicePort, proto corev1.Protocol) (int32, bool) {
	tp := sp.TargetPort
	if tp.Type == intstr.String {
		if tp.StrVal == "" {
			return sp.Port, true
		}
		for _, c := range pod.Spec.Containers {
			for _, cp := range c.Ports {
				cpProto := cp.Protocol
				if cpProto == "" {
					cpProto = corev1.ProtocolTCP
				}
				if cp.Name == tp.StrVal && cpProto == proto {
					return cp.ContainerPort, true
				}
			}
		}
		return 0, false
	}
	if tp.IntVal == 0 {
		return sp.Port, true
	}
	return tp.IntVal, true
}

// podEndpoint returns the endpoint for one address of pod.
func podEndpoint(svc *corev1.Service, pod *corev1.Pod, addr, zone string) discoveryv1.Endpoint {
	podReady := isPodReady(pod)
	terminating := pod.DeletionTimestamp != nil
	ready := podReady && !terminating
	serving := podReady
	if svc.Spec.PublishNotReadyAddresses {
		ready, serving = true, true
	}
	ep := discoveryv1.Endpoint{
		Addresses: []string{addr},
		Conditions: discoveryv1.EndpointConditions{
			Ready: new(ready), Serving: new(serving), Terminating: new(terminating),
		},
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		ep.NodeName = new(pod.Spec.NodeName)
	}
	if zone != "" {
		ep.Zone = new(zone)
	}
	return ep
}

func isPodReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// endpointKey identifies an endpoint across reconciles: its pod and
// address.
func endpointKey(ep discoveryv1.Endpoint) string {
	var uid types.UID
	var name string
	if ep.TargetRef != nil {
		uid, name = ep.TargetRef.UID, ep.TargetRef.Name
	}
	return string(uid) + "/" + name + "/" + strings.Join(ep.Addresses, ",")
}

func compareEndpoints(a, b discoveryv1.Endpoint) int {
	var an, bn string
	if a.TargetRef != nil {
		an = a.TargetRef.Name
	}
	if b.TargetRef != nil {
		bn = b.TargetRef.Name
	}
	return cmp.Or(cmp.Compare(an, bn), cmp.Compare(endpointKey(a), endpointKey(b)))
}

// slicePlan is what a reconcile writes.
type slicePlan struct {
	creates []*discoveryv1.EndpointSlice
	updates []*discoveryv1.EndpointSlice
	deletes []*discoveryv1.EndpointSlice
}

// plan computes the writes that turn existing (svc's slices) into slices
// listing desired, at most max endpoints each: endpoints stay in the slice
// that has them, new ones fill existing slices of their group with room
// before new slices are made, slices left empty are deleted except one
// placeholder when svc has no endpoints at all. Only changed slices are
// updated.
func plan(svc *corev1.Service, desired map[string]*group, existing []*discoveryv1.EndpointSlice, max int) *slicePlan {
	p := &slicePlan{}
	existing = slices.Clone(existing)
	slices.SortFunc(existing, func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) })

	total := 0
	for _, g := range desired {
		total += len(g.endpoints)
	}
	// Slices by group; slices of groups no longer desired get emptied.
	byGroup := map[string][]*discoveryv1.EndpointSlice{}
	var kept []*discoveryv1.EndpointSlice // after update, in name order
	next := map[*discoveryv1.EndpointSlice][]discoveryv1.Endpoint{}
	for _, s := range existing {
		k := groupKey(s.AddressType, s.Ports)
		byGroup[k] = append(byGroup[k], s)
		next[s] = nil
	}
	keys := make([]string, 0, len(desired))
	for k := range desired {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		g := desired[k]
		want := map[string]discoveryv1.Endpoint{}
		for _, ep := range g.endpoints {
			want[endpointKey(ep)] = ep
		}
		// Keep endpoints where they are.
		for _, s := range byGroup[k] {
			for _, ep := range s.Endpoints {
				ek := endpointKey(ep)
				if nep, ok := want[ek]; ok && len(next[s]) < max {
					next[s] = append(next[s], nep)
					delete(want, ek)
				}
			}
		}
		// Place the rest: existing slices with room first, then new ones.
		var rest []discoveryv1.Endpoint
		for _, ep := range g.endpoints {
			if _, ok := want[endpointKey(ep)]; ok {
				rest = append(rest, ep)
			}
		}
		slices.SortFunc(rest, compareEndpoints)
		for _, s := range byGroup[k] {
			n := min(max-len(next[s]), len(rest))
			next[s] = append(next[s], rest[:n]...)
			rest = rest[n:]
		}
		for len(rest) > 0 {
			n := min(max, len(rest))
			p.creates = append(p.creates, newSlice(svc, g.addressType, g.ports, rest[:n]))
			rest = rest[n:]
		}
	}
	for _, s := range existing {
		eps := next[s]
		if len(eps) == 0 {
			continue
		}
		kept = append(kept, s)
	}
	// A service without endpoints keeps (or gets) one empty placeholder.
	if total == 0 && len(p.creates) == 0 {
		var placeholder *discoveryv1.EndpointSlice
		for _, s := range existing {
			if len(s.Ports) == 0 && s.AddressType == discoveryv1.AddressTypeIPv4 {
				placeholder = s
				break
			}
		}
		if placeholder == nil {
			p.creates = append(p.creates, newSlice(svc, discoveryv1.AddressTypeIPv4, nil, nil))
		} else {
			kept = append(kept, placeholder)
		}
	}
	for _, s := range existing {
		if !slices.Contains(kept, s) {
			p.deletes = append(p.deletes, s)
		}
	}
	for _, s := range kept {
		eps := next[s]
		slices.SortFunc(eps, compareEndpoints)
		want := newSlice(svc, s.AddressType, s.Ports, eps)
		if sliceEqual(s, want) {
			continue
		}
		upd := s.DeepCopy()
		upd.Endpoints = want.Endpoints
		upd.Ports = want.Ports
		if upd.Labels == nil {
			upd.Labels = map[string]string{}
		}
		for k, v := range want.Labels {
			upd.Labels[k] = v
		}
		upd.OwnerReferences = want.OwnerReferences
		p.updates = append(p.updates, upd)
	}
	return p
}

// sliceEqual reports whether have already has want's endpoints, ports,
// labels and owner.
func sliceEqual(have, want *discoveryv1.EndpointSlice) bool {
	for k, v := range want.Labels {
		if have.Labels[k] != v {
			return false
		}
	}
	ref := controller.ControllingOwner(have)
	if ref == nil || ref.UID != want.OwnerReferences[0].UID {
		return false
	}
	return gocmp.Equal(emptyToNil(have.Endpoints), emptyToNil(want.Endpoints)) &&
		gocmp.Equal(emptyToNil(have.Ports), emptyToNil(want.Ports))
}

func emptyToNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// newSlice returns a new slice of svc.
func newSlice(svc *corev1.Service, at discoveryv1.AddressType, ports []discoveryv1.EndpointPort, eps []discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: svc.Name + "-",
			Namespace:    svc.Namespace,
			Labels:       map[string]string{LabelServiceName: svc.Name, LabelManagedBy: ManagedBy},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID,
				Controller: new(true), BlockOwnerDeletion: new(true),
			}},
		},
		AddressType: at,
		Endpoints:   slices.Clone(eps),
		Ports:       slices.Clone(ports),
	}
	if s.Endpoints == nil {
		s.Endpoints = []discoveryv1.Endpoint{}
	}
	if s.Ports == nil {
		s.Ports = []discoveryv1.EndpointPort{}
	}
	return s
}

// apply writes p: updates, then creates, then deletes, recording the
// creates and deletes as expectations of key.
func (r *Reconciler) apply(ctx context.Context, key types.NamespacedName, p *slicePlan) error {
	var errs []error
	for _, s := range p.updates {
		if _, err := r.slices.Namespace(s.Namespace).Update(ctx, s, client.UpdateOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("update endpointslice %s/%s of service %s: %w", s.Namespace, s.Name, key, err))
		}
	}
	var created []string
	for _, s := range p.creates {
		got, err := r.slices.Namespace(s.Namespace).Create(ctx, s, client.CreateOptions{})
		if err != nil {
			errs = append(errs, fmt.Errorf("create endpointslice for service %s: %w", key, err))
			continue
		}
		created = append(created, got.Name)
	}
	deleted := map[string]types.UID{}
	for _, s := range p.deletes {
		uid := s.UID
		err := r.slices.Namespace(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !client.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete endpointslice %s/%s of service %s: %w", s.Namespace, s.Name, key, err))
			continue
		}
		deleted[s.Name] = s.UID
	}
	if len(created)+len(deleted) > 0 {
		r.expect(key, created, deleted)
	}
	return errors.Join(errs...)
}

// satisfied reports whether the slice cache shows every slice the
// controller created or deleted for key, or the expectations expired; it
// forgets satisfied expectations.
func (r *Reconciler) satisfied(key types.NamespacedName) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.exp[key]
	if e == nil {
		return true
	}
	for name := range e.created {
		if _, err := r.sliceList.Get(key.Namespace, name); err == nil {
			delete(e.created, name)
		}
	}
	for name, uid := range e.deleted {
		if s, err := r.sliceList.Get(key.Namespace, name); err != nil || s.UID != uid {
			delete(e.deleted, name)
		}
	}
	if len(e.created)+len(e.deleted) == 0 || r.clock.Now().Sub(e.at) > ExpectationsTimeout {
		delete(r.exp, key)
		return true
	}
	return false
}

func (r *Reconciler) expect(key types.NamespacedName, created []string, deleted map[string]types.UID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.exp[key]
	if e == nil {
		e = &expectations{created: map[string]bool{}, deleted: map[string]types.UID{}}
		r.exp[key] = e
	}
	e.at = r.clock.Now()
	for _, n := range created {
		e.created[n] = true
	}
	for n, u := range deleted {
		e.deleted[n] = u
	}
}
