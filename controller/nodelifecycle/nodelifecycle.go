package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
)

// Reconciler reconciles Nodes: their health, taints and the eviction of
// their pods. Make one with NewReconciler; Add wires it into a Manager.
// Reconcile may be called by several workers at once (for different
// nodes).
type Reconciler struct {
	opts       Options
	clock      controller.Clock
	log        logr.Logger
	nodeClient *client.Resource[corev1.Node]
	podClient  *client.Resource[corev1.Pod]
	events     *client.Resource[corev1.Event]
	nodes      *client.Lister[corev1.Node]
	leases     *client.Lister[coordinationv1.Lease]
	pods       *client.Lister[corev1.Pod]
	metrics    *metrics // nil without Options.Registerer

	mu         sync.Mutex // guards the fields below
	health     map[string]*nodeHealth
	zones      map[string]*zoneInfo
	allFull    bool      // every zone was fully disrupted at the last refresh
	zonesAt    time.Time // when zones were last computed
	zonesDirty bool      // a node's readiness changed since
}

var _ controller.Reconciler = (*Reconciler)(nil)

// nodeHealth is what the controller remembers of a node between
// reconciles, as Kubernetes' nodeHealthData.
type nodeHealth struct {
	uid       types.UID
	probe     time.Time                  // controller time the last heartbeat was seen
	heartbeat time.Time                  // Ready condition's lastHeartbeatTime last seen
	renew     time.Time                  // Lease renewTime last seen
	grace     time.Duration              // the grace period that applies
	ready     bool                       // Ready condition True when last reconciled
	seen      map[corev1.Taint]time.Time // first sight of NoExecute taints without timeAdded
	// evicted are the pods deleted whose deletion the pod cache has not
	// shown yet, so that a stale cache does not delete (and count) twice.
	evicted map[types.UID]bool
}

// zoneInfo is a zone's state and its NoExecute tainting limiter.
type zoneInfo struct {
	state   ZoneState
	limiter *bucket
}

// NewReconciler returns a Reconciler that reads Nodes, node Leases and
// Pods from the informers' caches and writes through c. It adds the index
// client.PodNodeNameIndex to podInf unless it has one. It fails when c or
// an informer is nil, an option is invalid, or the metrics cannot be
// registered.
func NewReconciler(c *client.Client, nodeInf *client.Informer[corev1.Node], leaseInf *client.Informer[coordinationv1.Lease], podInf *client.Informer[corev1.Pod], opts Options) (*Reconciler, error) {
	if c == nil || nodeInf == nil || leaseInf == nil || podInf == nil {
		return nil, errors.New("new node lifecycle reconciler: nil client or informer")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new node lifecycle reconciler: %w", err)
	}
	if _, err := podInf.Lister().ByIndex(client.PodNodeNameIndex, ""); err != nil {
		if err := podInf.AddIndexers(client.Indexers[corev1.Pod]{client.PodNodeNameIndex: client.IndexPodsByNodeName}); err != nil {
			return nil, fmt.Errorf("new node lifecycle reconciler: %w", err)
		}
	}
	nodes, err := client.For[corev1.Node](c)
	if err != nil {
		return nil, fmt.Errorf("new node lifecycle reconciler: %w", err)
	}
	pods, err := client.For[corev1.Pod](c)
	if err != nil {
		return nil, fmt.Errorf("new node lifecycle reconciler: %w", err)
	}
	events, err := client.For[corev1.Event](c)
	if err != nil {
		return nil, fmt.Errorf("new node lifecycle reconciler: %w", err)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("new node lifecycle reconciler: %w", err)
	}
	log := opts.Logger
	if log.GetSink() == nil {
		log = logr.Discard()
	}
	return &Reconciler{
		opts: opts, clock: opts.Clock, log: log.WithValues("controller", Name),
		nodeClient: nodes, podClient: pods, events: events,
		nodes: nodeInf.Lister(), leases: leaseInf.Lister(), pods: podInf.Lister(),
		metrics: m,
		health:  map[string]*nodeHealth{}, zones: map[string]*zoneInfo{},
	}, nil
}

// Add makes the node lifecycle controller with mgr's informers (Nodes,
// Leases, Pods) and adds it to mgr, which runs it on Start; it returns
// that controller. Each Node is a request; a Lease in kube-node-lease maps
// to the node of its name and a pod to the node it is bound to. Besides
// those events, every node is reconciled again each NodeMonitorPeriod on
// the Clock, so that grace periods and eviction deadlines are noticed
// although nothing changes: a second controller, MonitorName, also added
// to mgr, does that.
func Add(mgr *controller.Manager, c *client.Client, opts Options) (*controller.Controller, error) {
	nodeInf, err := client.InformerFor[corev1.Node](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add node lifecycle controller: %w", err)
	}
	leaseInf, err := client.InformerFor[coordinationv1.Lease](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add node lifecycle controller: %w", err)
	}
	podInf, err := client.InformerFor[corev1.Pod](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add node lifecycle controller: %w", err)
	}
	r, err := NewReconciler(c, nodeInf, leaseInf, podInf, opts)
	if err != nil {
		return nil, fmt.Errorf("add node lifecycle controller: %w", err)
	}
	ctrl, err := mgr.NewController(Name, r, r.opts.Options)
	if err != nil {
		return nil, fmt.Errorf("add node lifecycle controller: %w", err)
	}
	mon := &monitor{r: r, nodes: ctrl.Queue()}
	monOpts := r.opts.Options
	monOpts.MaxConcurrentReconciles = 1
	monOpts.RateLimiter = controller.DefaultRateLimiter(controller.RealClock{}) // its own; it never fails
	monCtrl, err := mgr.NewController(MonitorName, mon, monOpts)
	if err != nil {
		return nil, fmt.Errorf("add node lifecycle controller: %w", err)
	}
	mon.self = monCtrl.Queue()
	mon.self.Add(monitorRequest)
	if err := controller.Watch(ctrl, nodeInf); err != nil {
		return nil, fmt.Errorf("add node lifecycle controller: %w", err)
	}
	err = controller.Watches(ctrl, leaseInf, func(l *coordinationv1.Lease) []controller.Request {
		if l.Namespace != corev1.NamespaceNodeLease {
			return nil
		}
		return []controller.Request{{NamespacedName: types.NamespacedName{Name: l.Name}}}
	})
	if err != nil {
		return nil, fmt.Errorf("add node lifecycle controller: %w", err)
	}
	err = controller.Watches(ctrl, podInf, func(p *corev1.Pod) []controller.Request {
		if p.Spec.NodeName == "" {
			return nil
		}
		return []controller.Request{{NamespacedName: types.NamespacedName{Name: p.Spec.NodeName}}}
	})
	if err != nil {
		return nil, fmt.Errorf("add node lifecycle controller: %w", err)
	}
	return ctrl, nil
}

// MonitorName is the name of the second controller Add registers: it
// requeues every node each NodeMonitorPeriod.
const MonitorName = Name + "-monitor"

var monitorRequest = controller.Request{NamespacedName: types.NamespacedName{Name: "monitor"}}

// monitor is the reconciler of the MonitorName controller, which has one
// request: each Reconcile arms a timer of NodeMonitorPeriod on the clock,
// queues every node of the cache for the node lifecycle controller, waits
// for the timer (or the end of ctx) and queues itself again. Arming before
// queueing, at an absolute time on the clock, means no clock step is
// missed: either the nodes' reconciles see it or the timer fires by it.
// Its reconcile latency metric is therefore the period.
type monitor struct {
	r     *Reconciler
	nodes *controller.Queue[controller.Request] // the node lifecycle controller's
	self  *controller.Queue[controller.Request] // set before the controllers start
}

func (m *monitor) Reconcile(ctx context.Context, _ controller.Request) (controller.Result, error) {
	t := m.r.clock.NewTimer(m.r.opts.NodeMonitorPeriod)
	defer t.Stop()
	for _, n := range m.r.nodes.List(nil) {
		m.nodes.Add(controller.Request{NamespacedName: types.NamespacedName{Name: n.Name}})
	}
	select {
	case <-t.C():
		m.self.Add(monitorRequest)
	case <-ctx.Done():
	}
	return controller.Result{}, nil
}

// Reconcile checks the health of the node req names and acts on it:
//
//   - when neither its Lease nor its Ready condition's heartbeat changed
//     for the grace period (NodeStartupGracePeriod for a node that never
//     posted Ready, else NodeMonitorGracePeriod), its Ready,
//     MemoryPressure, DiskPressure and PIDPressure conditions become
//     Unknown (MarkUnknown);
//   - its condition NoSchedule taints are brought in line
//     (ConditionTaints);
//   - it is tainted unreachable:NoExecute (Ready Unknown) or
//     not-ready:NoExecute (Ready False) with timeAdded, at the rate its
//     zone's state allows, and untainted when Ready is True again or every
//     zone is fully disrupted;
//   - its pods' Ready conditions become False while it is unreachable;
//   - its pods that do not tolerate its NoExecute taints are deleted, at
//     once or when their tolerationSeconds have passed since the taint's
//     timeAdded (EvictionTime), each with a TaintManagerEviction event.
//
// Heartbeats are timed by when the controller saw them change on its own
// clock, not by the timestamps in them, so that clock skew between nodes
// and the controller does not matter; a node seen for the first time (and
// every node when the controller leaves the all-zones-disrupted mode) gets
// a full grace period. It returns a RequeueAfter for the next deadline it
// knows of.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	now := r.clock.Now()
	node, err := r.nodes.Get("", req.Name)
	if client.IsNotFound(err) {
		r.forget(req.Name)
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, fmt.Errorf("get node %s: %w", req.Name, err)
	}
	var lease *coordinationv1.Lease
	if l, err := r.leases.Get(corev1.NamespaceNodeLease, node.Name); err == nil {
		lease = l
	}
	log := r.log.WithValues("node", node.Name)

	r.mu.Lock()
	h := r.observe(node, lease, now)
	deadline := h.probe.Add(h.grace)
	r.mu.Unlock()

	// Health: conditions Unknown once the grace period passed.
	cur := node
	if now.After(deadline) {
		upd := node.DeepCopy()
		if MarkUnknown(&upd.Status, node.CreationTimestamp.Time, now) {
			got, err := r.nodeClient.UpdateStatus(ctx, upd, client.UpdateOptions{})
			if err != nil {
				return controller.Result{}, fmt.Errorf("mark node %s unknown: %w", node.Name, err)
			}
			log.Info("node stopped posting status; conditions set Unknown", "lastHeartbeat", h.probe)
			r.recordEvent(ctx, corev1.NamespaceDefault, nodeRef(got), corev1.EventTypeNormal, "NodeNotReady",
				fmt.Sprintf("Node %s status is now: NodeNotReady", got.Name), now)
			cur = got
		}
	}
	ready := nodeCondition(&cur.Status, corev1.NodeReady)
	r.mu.Lock()
	if isTrue := ready != nil && ready.Status == corev1.ConditionTrue; h.ready != isTrue {
		h.ready, r.zonesDirty = isTrue, true
	}
	r.mu.Unlock()

	// Taints.
	var wait time.Duration
	taints := withNoScheduleTaints(cur.Spec.Taints, ConditionTaints(cur))
	r.mu.Lock()
	taints, wait, took := r.noExecuteTaints(cur, taints, now)
	r.mu.Unlock()
	if !taintsEqual(taints, cur.Spec.Taints) {
		upd := cur.DeepCopy()
		upd.Spec.Taints = taints
		got, err := r.nodeClient.Update(ctx, upd, client.UpdateOptions{})
		if err != nil {
			if took != nil {
				r.mu.Lock()
				took.tokens = min(1, took.tokens+1)
				r.mu.Unlock()
			}
			return controller.Result{}, fmt.Errorf("update taints of node %s: %w", node.Name, err)
		}
		log.V(1).Info("taints updated", "taints", got.Spec.Taints)
		cur = got
	}

	// Pods.
	pods, err := r.pods.ByIndex(client.PodNodeNameIndex, cur.Name)
	if err != nil {
		return controller.Result{}, fmt.Errorf("list pods of node %s: %w", cur.Name, err)
	}
	var errs []error
	if ready != nil && ready.Status == corev1.ConditionUnknown {
		errs = append(errs, r.markPodsNotReady(ctx, pods, now))
	}
	next, err := r.evictPods(ctx, cur, h, pods, now)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return controller.Result{}, err
	}

	var after time.Duration
	soonest := func(d time.Duration) {
		if d > 0 && (after == 0 || d < after) {
			after = d
		}
	}
	if now.Before(deadline) {
		soonest(deadline.Sub(now) + time.Nanosecond)
	}
	if wait > 0 {
		soonest(min(wait, r.opts.NodeMonitorPeriod))
	}
	if !next.IsZero() {
		soonest(next.Sub(now))
	}
	return controller.Result{RequeueAfter: after}, nil
}

// observe updates and returns node's health record at now; r.mu held.
func (r *Reconciler) observe(node *corev1.Node, lease *coordinationv1.Lease, now time.Time) *nodeHealth {
	ready := nodeCondition(&node.Status, corev1.NodeReady)
	var heartbeat, renew time.Time
	if ready != nil {
		heartbeat = ready.LastHeartbeatTime.Time
	}
	if lease != nil && lease.Spec.RenewTime != nil {
		renew = lease.Spec.RenewTime.Time
	}
	h := r.health[node.Name]
	if h == nil || h.uid != node.UID {
		h = &nodeHealth{uid: node.UID, probe: now, heartbeat: heartbeat, renew: renew, seen: map[corev1.Taint]time.Time{}, evicted: map[types.UID]bool{}}
		if ready == nil {
			// Never posted: the startup grace period runs from creation.
			h.probe = node.CreationTimestamp.Time
		}
		r.health[node.Name] = h
		r.zonesDirty = true
	} else {
		if !heartbeat.Equal(h.heartbeat) {
			h.heartbeat, h.probe = heartbeat, now
		}
		if renew.After(h.renew) {
			h.renew, h.probe = renew, now
		}
	}
	h.grace = r.opts.NodeMonitorGracePeriod
	if ready == nil {
		h.grace = r.opts.NodeStartupGracePeriod
	}
	return h
}

// forget drops what the controller remembers of a deleted node.
func (r *Reconciler) forget(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.health[name]; ok {
		delete(r.health, name)
		r.zonesDirty = true
	}
}

// noExecuteTaints returns taints with the controller's NoExecute taints
// as node's Ready condition and its zone call for; r.mu held. When the
// zone's limiter withholds a taint it returns how long until it may be
// added; when it granted one, the limiter, to refund should the write fail.
func (r *Reconciler) noExecuteTaints(node *corev1.Node, taints []corev1.Taint, now time.Time) ([]corev1.Taint, time.Duration, *bucket) {
	ready := nodeCondition(&node.Status, corev1.NodeReady)
	if ready == nil {
		return taints, 0, nil
	}
	r.refreshZones(now)
	var want, other corev1.Taint
	switch {
	case ready.Status == corev1.ConditionTrue || r.allFull:
		return withoutTaint(withoutTaint(taints, UnreachableTaint), NotReadyTaint), 0, nil
	case ready.Status == corev1.ConditionFalse:
		want, other = NotReadyTaint, UnreachableTaint
	default:
		want, other = UnreachableTaint, NotReadyTaint
	}
	ts := metav1.NewTime(now)
	want.TimeAdded = &ts
	switch {
	case hasTaint(taints, want):
		return withoutTaint(taints, other), 0, nil
	case hasTaint(taints, other):
		// Already being evicted: swap the taint at once, as Kubernetes.
		return append(withoutTaint(taints, other), want), 0, nil
	}
	zi := r.zones[ZoneOf(node)]
	if zi == nil {
		return taints, r.opts.NodeMonitorPeriod, nil
	}
	ok, wait := zi.limiter.take(now)
	if !ok {
		return taints, wait, nil
	}
	return append(taints, want), 0, zi.limiter
}
