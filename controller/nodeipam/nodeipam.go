package nodeipam

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/go-logr/logr"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/client/events"
	"github.com/rigging-dev/rigging/controller"
)

// Reconciler gives Nodes pod CIDRs. Make one with NewReconciler; Add
// wires it into a Manager. Any number of workers may call Reconcile.
type Reconciler struct {
	nodeClient *client.Resource[corev1.Node]
	recorder   events.Recorder
	nodes      *client.Lister[corev1.Node]
	clock      controller.Clock
	log        logr.Logger
	metrics    *metrics

	mu       sync.Mutex // guards the fields below and the sets
	sets     []*CIDRSet
	loaded   bool                   // the sets hold every cached node's CIDRs
	assigned map[string]*assignment // by node name
	waiting  map[string]bool        // nodes that found the range exhausted
	reported map[types.UID]bool     // nodes whose exhaustion has an event
	wake     func(name string)      // requeues a node; nil outside Add
}

var _ controller.Reconciler = (*Reconciler)(nil)

// assignment is the CIDRs a node holds in the sets.
type assignment struct {
	uid     types.UID
	cidrs   []netip.Prefix
	written bool // the controller wrote them to the node
}

// NewReconciler returns a Reconciler that reads Nodes from nodeInf's cache
// and writes through c. Its first Reconcile marks the CIDRs of every node
// in the cache as in use before allocating anything, so the cache must be
// synced by then (a controller.Controller waits for that), and a restart
// never hands out a CIDR twice. It fails when c or nodeInf is nil or the
// options are invalid (no or more than two cluster CIDRs, two of one
// family, a mask size that does not fit).
func NewReconciler(c *client.Client, nodeInf *client.Informer[corev1.Node], opts Options) (*Reconciler, error) {
	if c == nil || nodeInf == nil {
		return nil, errors.New("new node IPAM reconciler: nil client or informer")
	}
	sets, err := opts.sets()
	if err != nil {
		return nil, fmt.Errorf("new node IPAM reconciler: %w", err)
	}
	nodes, err := client.For[corev1.Node](c)
	if err != nil {
		return nil, fmt.Errorf("new node IPAM reconciler: %w", err)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("new node IPAM reconciler: %w", err)
	}
	clock := opts.Clock
	if clock == nil {
		clock = controller.RealClock{}
	}
	log := opts.Logger
	if log.GetSink() == nil {
		log = logr.Discard()
	}
	rec, err := events.New(c, events.Options{Component: EventComponent, Clock: clock, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("new node IPAM reconciler: %w", err)
	}
	return &Reconciler{
		nodeClient: nodes, recorder: rec, nodes: nodeInf.Lister(), clock: clock,
		log: log.WithValues("controller", Name), metrics: m, sets: sets,
		assigned: map[string]*assignment{}, waiting: map[string]bool{}, reported: map[types.UID]bool{},
	}, nil
}

// Add makes the node IPAM controller with mgr's Node informer, Watches
// Nodes and adds it to mgr, which runs it on Start. Nodes waiting for a
// CIDR are requeued whenever another node's CIDRs are released.
func Add(mgr *controller.Manager, c *client.Client, opts Options) (*controller.Controller, error) {
	nodeInf, err := client.InformerFor[corev1.Node](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add node IPAM controller: %w", err)
	}
	r, err := NewReconciler(c, nodeInf, opts)
	if err != nil {
		return nil, fmt.Errorf("add node IPAM controller: %w", err)
	}
	ctrl, err := mgr.NewController(Name, r, opts.Options)
	if err != nil {
		return nil, fmt.Errorf("add node IPAM controller: %w", err)
	}
	q := ctrl.Queue()
	r.wake = func(name string) { q.Add(controller.Request{NamespacedName: types.NamespacedName{Name: name}}) }
	if err := controller.Watch(ctrl, nodeInf); err != nil {
		return nil, fmt.Errorf("add node IPAM controller: %w", err)
	}
	return ctrl, nil
}

// Reconcile gives the node req names a pod CIDR from each cluster CIDR
// when it has none (spec.podCIDR and spec.podCIDRs), marks the CIDRs of a
// node that has them as in use (they are never changed), and releases the
// CIDRs of a node that is gone. When a range is exhausted the node gets a
// CIDRNotAvailable event (once) and waits: it is tried again when CIDRs
// are released and every RetryExhausted.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	r.mu.Lock()
	r.loadLocked()
	node, err := r.nodes.Get("", req.Name)
	if client.IsNotFound(err) {
		r.releaseLocked(req.Name)
		r.mu.Unlock()
		return controller.Result{}, nil
	}
	if err != nil {
		r.mu.Unlock()
		return controller.Result{}, fmt.Errorf("get node %s: %w", req.Name, err)
	}
	a := r.assigned[node.Name]
	if a != nil && a.uid != node.UID {
		r.releaseLocked(node.Name) // a node of that name was deleted and created again
		a = nil
	}
	if have := nodeCIDRs(node); len(have) > 0 || node.Spec.PodCIDR != "" {
		if a == nil || !slices.Equal(a.cidrs, have) {
			if a != nil {
				r.releaseLocked(node.Name)
			}
			r.occupyLocked(node, have)
		}
		delete(r.waiting, node.Name)
		r.mu.Unlock()
		return controller.Result{}, nil
	}
	if a != nil && a.written {
		// Our write is not in the cache yet; its event reconciles again.
		r.mu.Unlock()
		return controller.Result{}, nil
	}
	if a == nil {
		cidrs, full, err := r.allocateLocked()
		if err != nil {
			r.waiting[node.Name] = true
			report := !r.reported[node.UID]
			r.reported[node.UID] = true
			r.mu.Unlock()
			r.metrics.exhausted(full.Cluster())
			r.log.Info("no pod CIDR available for node", "node", node.Name, "clusterCIDR", full.Cluster().String(), "error", err.Error())
			if report {
				r.recordExhausted(node, full)
			}
			return controller.Result{RequeueAfter: RetryExhausted}, nil
		}
		a = &assignment{uid: node.UID, cidrs: cidrs}
		r.assigned[node.Name] = a
		delete(r.waiting, node.Name)
		delete(r.reported, node.UID)
	}
	cidrs := slices.Clone(a.cidrs)
	r.mu.Unlock()

	upd := node.DeepCopy()
	upd.Spec.PodCIDR = cidrs[0].String()
	upd.Spec.PodCIDRs = nil
	for _, p := range cidrs {
		upd.Spec.PodCIDRs = append(upd.Spec.PodCIDRs, p.String())
	}
	_, err = r.nodeClient.Update(ctx, upd, client.UpdateOptions{})
	if client.IsNotFound(err) {
		r.mu.Lock()
		r.releaseLocked(node.Name)
		r.mu.Unlock()
		return controller.Result{}, nil
	}
	if err != nil {
		// Keep the assignment: the retry writes the same CIDRs.
		return controller.Result{}, fmt.Errorf("set pod CIDRs %v on node %s: %w", upd.Spec.PodCIDRs, node.Name, err)
	}
	r.mu.Lock()
	if cur := r.assigned[node.Name]; cur == a {
		a.written = true
	}
	r.mu.Unlock()
	r.log.Info("allocated pod CIDRs", "node", node.Name, "podCIDRs", upd.Spec.PodCIDRs)
	return controller.Result{}, nil
}

// nodeCIDRs parses node's spec.podCIDRs (or spec.podCIDR when podCIDRs is
// empty); entries that do not parse are left out.
func nodeCIDRs(node *corev1.Node) []netip.Prefix {
	raw := node.Spec.PodCIDRs
	if len(raw) == 0 && node.Spec.PodCIDR != "" {
		raw = []string{node.Spec.PodCIDR}
	}
	var out []netip.Prefix
	for _, s := range raw {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

// loadLocked marks the CIDRs of every cached node in use, once.
func (r *Reconciler) loadLocked() {
	if r.loaded {
		return
	}
	r.loaded = true
	for _, n := range r.nodes.List(nil) {
		if cidrs := nodeCIDRs(n); len(cidrs) > 0 {
			r.occupyLocked(n, cidrs)
		}
	}
	r.log.V(1).Info("loaded the pod CIDRs of existing nodes", "nodes", len(r.assigned))
}

// occupyLocked marks cidrs, set on node by someone, in use and records
// them as node's. CIDRs outside every cluster CIDR are recorded but mark
// nothing.
func (r *Reconciler) occupyLocked(node *corev1.Node, cidrs []netip.Prefix) {
	for _, p := range cidrs {
		for _, s := range r.sets {
			if s.Contains(p) {
				if err := s.Occupy(p); err != nil {
					r.log.Error(err, "mark pod CIDR in use", "node", node.Name)
				}
				r.metrics.usage(s)
			}
		}
	}
	r.assigned[node.Name] = &assignment{uid: node.UID, cidrs: cidrs, written: true}
}

// releaseLocked frees the CIDRs recorded for name and wakes the nodes
// waiting for one.
func (r *Reconciler) releaseLocked(name string) {
	a := r.assigned[name]
	delete(r.waiting, name)
	if a == nil {
		return
	}
	delete(r.assigned, name)
	delete(r.reported, a.uid)
	for _, p := range a.cidrs {
		for _, s := range r.sets {
			if s.Contains(p) {
				_ = s.Release(p) // Contains rules out the only errors
				r.metrics.usage(s)
			}
		}
	}
	r.log.Info("released pod CIDRs", "node", name, "podCIDRs", a.cidrs)
	if r.wake != nil {
		for w := range r.waiting {
			r.wake(w)
		}
	}
}

// allocateLocked takes one subnet from every set, or none: on failure it
// gives back what it took and returns the exhausted set.
func (r *Reconciler) allocateLocked() ([]netip.Prefix, *CIDRSet, error) {
	var out []netip.Prefix
	for _, s := range r.sets {
		p, err := s.AllocateNext()
		if err != nil {
			for i, q := range out {
				_ = r.sets[i].Release(q)
			}
			return nil, s, err
		}
		out = append(out, p)
	}
	for _, s := range r.sets {
		r.metrics.allocated(s)
	}
	return out, nil, nil
}

// recordExhausted records the CIDRNotAvailable event of node, through
// the recorder (which never blocks; it drops what it cannot write).
func (r *Reconciler) recordExhausted(node *corev1.Node, full *CIDRSet) {
	r.recorder.Eventf(node, corev1.EventTypeWarning, ReasonCIDRNotAvailable,
		"Node %s status is now: %s (no free /%d is left in cluster CIDR %v: all %d are in use)",
		node.Name, ReasonCIDRNotAvailable, full.MaskSize(), full.Cluster(), full.Size())
}
