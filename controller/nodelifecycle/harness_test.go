package nodelifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/nodelifecycle"
	"github.com/rigging-dev/rigging/controller/replicaset"
)

const ns = "default"

// cluster is an API server with the node lifecycle and ReplicaSet
// controllers running, a fake clock, and fake kubelets: per node, a Lease
// the test renews as the clock advances, and a pod agent that binds
// pending pods to untainted nodes, marks pods on live nodes Running and
// Ready and removes their terminating pods.
type cluster struct {
	t      *testing.T
	ctx    context.Context
	clock  *controller.FakeClock
	reg    *prometheus.Registry
	nodes  *client.Resource[corev1.Node]
	leases *client.Resource[coordinationv1.Lease]
	pods   *client.Resource[corev1.Pod]
	rss    *client.Resource[appsv1.ReplicaSet]
	events *client.Resource[corev1.Event]
	// mgrLeases is the manager's Lease cache, the one the controller reads.
	mgrLeases *client.Lister[coordinationv1.Lease]
	podCache  *client.Lister[corev1.Pod]

	mu    sync.Mutex // guards alive and binds
	alive map[string]bool
	binds int // successful bindings, for round robin
}

func start(t *testing.T, zones map[string]string) *cluster {
	t.Helper()
	env := envtest.Start(t)
	c := &cluster{
		t: t, ctx: t.Context(),
		clock: controller.NewFakeClock(time.Now().Truncate(time.Second)),
		reg:   prometheus.NewRegistry(),
		alive: map[string]bool{},
	}
	var err error
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	c.nodes, err = client.For[corev1.Node](env.Client)
	must(err)
	c.leases, err = client.For[coordinationv1.Lease](env.Client)
	must(err)
	c.leases = c.leases.Namespace(corev1.NamespaceNodeLease)
	pods, err := client.For[corev1.Pod](env.Client)
	must(err)
	c.pods = pods.Namespace(ns)
	rss, err := client.For[appsv1.ReplicaSet](env.Client)
	must(err)
	c.rss = rss.Namespace(ns)
	c.events, err = client.For[corev1.Event](env.Client)
	must(err)

	// Nodes first, so that the controller starts with all of them.
	names := make([]string, 0, len(zones))
	for n := range zones {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.addNode(n, zones[n])
	}

	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	must(err)
	_, err = nodelifecycle.Add(mgr, env.Client, nodelifecycle.Options{
		Options:    controller.Options{Clock: c.clock},
		Registerer: c.reg,
	})
	must(err)
	_, err = replicaset.Add(mgr, env.Client, controller.Options{})
	must(err)
	leaseInf, err := client.InformerFor[coordinationv1.Lease](mgr.Informers())
	must(err)
	c.mgrLeases = leaseInf.Lister()

	// The pod agent.
	podInf := client.NewInformer(pods, client.InformerOptions{})
	c.podCache = podInf.Lister()
	_, err = podInf.AddEventHandler(client.HandlerFuncs[corev1.Pod]{
		AddFunc:    func(p *corev1.Pod, _ bool) { c.handlePod(p) },
		UpdateFunc: func(_, p *corev1.Pod) { c.handlePod(p) },
	})
	must(err)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	mgrErr := make(chan error, 1)
	wg.Go(func() { mgrErr <- mgr.Start(ctx) })
	wg.Go(func() { _ = podInf.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if err := <-mgrErr; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("manager: %v", err)
		}
	})
	c.waitObserved(mgr.Registry(), len(names))
	return c
}

// waitObserved waits until the node lifecycle controller has reconciled
// every one of the n nodes that existed when it started, so that its
// grace periods run from the fake clock's start. Each node's key is queued
// once when the controller starts, in FIFO order, and the worker is alone:
// n completed reconciles with an empty queue mean every node was seen.
func (c *cluster) waitObserved(reg *prometheus.Registry, n int) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("the controller to see the %d nodes", n), func() (bool, string) {
		mfs, err := reg.Gather()
		if err != nil {
			return false, err.Error()
		}
		var done, depth float64
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				lbl := map[string]string{}
				for _, l := range m.GetLabel() {
					lbl[l.GetName()] = l.GetValue()
				}
				switch {
				case mf.GetName() == "controller_runtime_reconcile_total" && lbl["controller"] == nodelifecycle.Name:
					done += m.GetCounter().GetValue()
				case mf.GetName() == "workqueue_depth" && lbl["name"] == nodelifecycle.Name:
					depth = m.GetGauge().GetValue()
				}
			}
		}
		return done >= float64(n) && depth == 0, fmt.Sprintf("%v reconciles, depth %v", done, depth)
	})
}

// addNode registers a node with a live kubelet: Ready, no pressure, a
// Lease renewed now.
func (c *cluster) addNode(name, zone string) {
	c.t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if zone != "" {
		n.Labels = map[string]string{corev1.LabelTopologyZone: zone}
	}
	if _, err := c.nodes.Create(c.ctx, n, client.CreateOptions{}); err != nil {
		c.t.Fatal(err)
	}
	holder, dur := name, int32(40)
	now := metav1.NewMicroTime(c.clock.Now())
	_, err := c.leases.Create(c.ctx, &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &dur, RenewTime: &now},
	}, client.CreateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.revive(name)
}

// revive makes name's kubelet live: it posts a fresh, healthy status,
// renews its Lease and looks after its pods again.
func (c *cluster) revive(name string) {
	c.t.Helper()
	c.mu.Lock()
	c.alive[name] = true
	c.mu.Unlock()
	c.retry(func() error {
		n, err := c.nodes.Get(c.ctx, name, client.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.NewTime(c.clock.Now())
		n.Status.Conditions = nil
		for _, ct := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
			n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: ct, Status: corev1.ConditionFalse, LastHeartbeatTime: now, LastTransitionTime: now})
		}
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status",
			LastHeartbeatTime: now, LastTransitionTime: now,
		})
		_, err = c.nodes.UpdateStatus(c.ctx, n, client.UpdateOptions{})
		return err
	})
	c.renew(name)
	if c.podCache != nil {
		for _, p := range c.podCache.ListNamespace(ns, nil) {
			if p.Spec.NodeName == name {
				c.handlePod(p)
			}
		}
	}
}

// kill stops name's kubelet: no more Lease renewals or pod updates.
func (c *cluster) kill(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alive[name] = false
}

func (c *cluster) isAlive(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.alive[name]
}

// renew renews name's Lease at the fake time and waits until the
// controller's Lease cache shows it.
func (c *cluster) renew(name string) {
	c.t.Helper()
	now := metav1.NewMicroTime(c.clock.Now())
	c.retry(func() error {
		l, err := c.leases.Get(c.ctx, name, client.GetOptions{})
		if err != nil {
			return err
		}
		l.Spec.RenewTime = &now
		_, err = c.leases.Update(c.ctx, l, client.UpdateOptions{})
		return err
	})
	if c.mgrLeases == nil {
		return
	}
	c.waitFor("lease "+name+" renewal in the controller's cache", func() (bool, string) {
		l, err := c.mgrLeases.Get(corev1.NamespaceNodeLease, name)
		if err != nil {
			return false, err.Error()
		}
		return l.Spec.RenewTime != nil && l.Spec.RenewTime.Equal(&now), fmt.Sprint(l.Spec.RenewTime)
	})
}

// advance moves the fake clock by d in steps of at most 10 s, renewing the
// Leases of live kubelets after each, as kubelets do every 10 s.
func (c *cluster) advance(d time.Duration) {
	c.t.Helper()
	for d > 0 {
		step := min(d, 10*time.Second)
		d -= step
		c.clock.Step(step)
		c.mu.Lock()
		var live []string
		for n, ok := range c.alive {
			if ok {
				live = append(live, n)
			}
		}
		c.mu.Unlock()
		sort.Strings(live)
		for _, n := range live {
			c.renew(n)
		}
	}
}

// advanceTo advances the clock to at (not backwards).
func (c *cluster) advanceTo(at time.Time) {
	c.t.Helper()
	if d := at.Sub(c.clock.Now()); d > 0 {
		c.advance(d)
	}
}

// retry calls fn until it succeeds but for conflicts, failing the test on
// other errors.
func (c *cluster) retry(fn func() error) {
	c.t.Helper()
	for range 100 {
		err := fn()
		if err == nil {
			return
		}
		if !client.IsConflict(err) {
			c.t.Fatal(err)
		}
	}
	c.t.Fatal("too many conflicts")
}

// handlePod is the pod agent: bind, run, remove.
func (c *cluster) handlePod(p *corev1.Pod) {
	switch {
	case p.Spec.NodeName == "" && p.DeletionTimestamp == nil:
		node := c.pickNode()
		if node == "" {
			return
		}
		err := c.pods.Bind(c.ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: p.Name, UID: p.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: node},
		}, client.CreateOptions{})
		if err == nil {
			c.mu.Lock()
			c.binds++
			c.mu.Unlock()
		}
	case p.Spec.NodeName == "" || !c.isAlive(p.Spec.NodeName):
	case p.DeletionTimestamp != nil:
		zero := int64(0)
		uid := p.UID
		_ = c.pods.Delete(c.ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}})
	case p.Status.Phase != corev1.PodRunning || !podReady(p):
		upd := p.DeepCopy()
		now := metav1.NewTime(c.clock.Now())
		upd.Status.Phase = corev1.PodRunning
		upd.Status.Conditions = []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
		_, _ = c.pods.UpdateStatus(c.ctx, upd, client.UpdateOptions{}) // a conflict means a newer event follows
	}
}

// pickNode returns the next node, round robin by name, among those
// without NoSchedule or NoExecute taints, or "".
func (c *cluster) pickNode() string {
	list, err := c.nodes.List(c.ctx, client.ListOptions{})
	if err != nil {
		return ""
	}
	var eligible []string
	for _, n := range list.Items {
		if !slices.ContainsFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Effect != corev1.TaintEffectPreferNoSchedule }) {
			eligible = append(eligible, n.Name)
		}
	}
	if len(eligible) == 0 {
		return ""
	}
	sort.Strings(eligible)
	c.mu.Lock()
	defer c.mu.Unlock()
	return eligible[c.binds%len(eligible)]
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitFor polls cond until it holds, failing the test after 30 s with
// cond's last description of the state.
func (c *cluster) waitFor(what string, cond func() (bool, string)) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond) // polling interval, not synchronisation
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		<-tick.C
	}
}

func (c *cluster) node(name string) *corev1.Node {
	c.t.Helper()
	n, err := c.nodes.Get(c.ctx, name, client.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

func findTaint(n *corev1.Node, key string, effect corev1.TaintEffect) *corev1.Taint {
	for i, t := range n.Spec.Taints {
		if t.Key == key && t.Effect == effect {
			return &n.Spec.Taints[i]
		}
	}
	return nil
}

func readyCondition(n *corev1.Node) *corev1.NodeCondition {
	for i, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

// listPods returns the pods in the namespace from the server.
func (c *cluster) listPods() []corev1.Pod {
	c.t.Helper()
	l, err := c.pods.List(c.ctx, client.ListOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return l.Items
}

// evictionEvents returns the TaintManagerEviction events by pod name.
func (c *cluster) evictionEvents() map[string]corev1.Event {
	c.t.Helper()
	l, err := c.events.Namespace(ns).List(c.ctx, client.ListOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[string]corev1.Event{}
	for _, e := range l.Items {
		if e.Reason == "TaintManagerEviction" {
			out[e.InvolvedObject.Name] = e
		}
	}
	return out
}

// waitEvictionEvent waits for the TaintManagerEviction event of pod, which
// the controller records just after deleting it.
func (c *cluster) waitEvictionEvent(pod string) corev1.Event {
	c.t.Helper()
	var ev corev1.Event
	c.waitFor("eviction event of "+pod, func() (bool, string) {
		var ok bool
		ev, ok = c.evictionEvents()[pod]
		return ok, ""
	})
	return ev
}

func (c *cluster) evictionsMetric() float64 {
	c.t.Helper()
	mfs, err := c.reg.Gather()
	if err != nil {
		c.t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "rigging_nodelifecycle_evictions_total" {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

func newRS(name string, replicas int32) *appsv1.ReplicaSet {
	lbl := map[string]string{"app": name}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			},
		},
	}
}
