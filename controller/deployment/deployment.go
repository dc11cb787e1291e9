package deployment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/client/events"
	"github.com/rigging-dev/rigging/controller"
)

// Name is the controller's name in logs and metrics.
const Name = "deployment"

// ExpectationsTimeout is how long the controller waits for its
// ReplicaSet cache to show a write it made before it acts on the
// Deployment again anyway.
const ExpectationsTimeout = 5 * time.Minute

// Reconciler reconciles Deployments. Make one with NewReconciler.
type Reconciler struct {
	deps    *client.Resource[appsv1.Deployment]
	rss     *client.Resource[appsv1.ReplicaSet]
	depList *client.Lister[appsv1.Deployment]
	rsList  *client.Lister[appsv1.ReplicaSet]
	rsInf   *client.Informer[appsv1.ReplicaSet]
	podList *client.Lister[corev1.Pod]
	clock   controller.Clock
	log     logr.Logger
	events  events.Recorder

	// mu guards exp.
	mu  sync.Mutex
	exp map[types.NamespacedName]*expectations
}

var _ controller.Reconciler = (*Reconciler)(nil)

// expectations are the ReplicaSet writes of a reconcile that the
// ReplicaSet cache has not shown yet: name to the resourceVersion written
// (0 for a deletion).
type expectations struct {
	rv map[string]int64
	at time.Time
}

// NewReconciler returns a Reconciler that reads Deployments, ReplicaSets
// and pods from the informers' caches and writes through c. clock
// (controller.RealClock when nil) times the progress deadline and the
// conditions; log receives adoption and collision notices. It fails when c
// or an informer is nil or c does not know the resources.
func NewReconciler(c *client.Client, depInf *client.Informer[appsv1.Deployment], rsInf *client.Informer[appsv1.ReplicaSet], podInf *client.Informer[corev1.Pod], clock controller.Clock, log logr.Logger) (*Reconciler, error) {
	if c == nil || depInf == nil || rsInf == nil || podInf == nil {
		return nil, errors.New("new deployment reconciler: nil client or informer")
	}
	deps, err := client.For[appsv1.Deployment](c)
	if err != nil {
		return nil, fmt.Errorf("new deployment reconciler: %w", err)
	}
	rss, err := client.For[appsv1.ReplicaSet](c)
	if err != nil {
		return nil, fmt.Errorf("new deployment reconciler: %w", err)
	}
	if clock == nil {
		clock = controller.RealClock{}
	}
	rec, err := events.New(c, events.Options{Component: EventComponent, Clock: clock, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("new deployment reconciler: %w", err)
	}
	return &Reconciler{
		deps: deps, rss: rss,
		depList: depInf.Lister(), rsList: rsInf.Lister(), rsInf: rsInf, podList: podInf.Lister(),
		clock: clock, log: log, events: rec,
		exp: map[types.NamespacedName]*expectations{},
	}, nil
}

// Add makes the Deployment controller with mgr's informers, Watches
// Deployments, Owns ReplicaSets, maps orphan ReplicaSets to the
// Deployments whose selector matches them (to adopt them), watches the pods of Recreate Deployments
// (to create the new ReplicaSet once the old pods are gone) and adds it to
// mgr, which runs it on Start. opts are the controller's options; its
// Clock also times progress deadlines and its Logger gets the
// reconciler's notices.
func Add(mgr *controller.Manager, c *client.Client, opts controller.Options) (*controller.Controller, error) {
	if mgr == nil {
		return nil, errors.New("add deployment controller: nil manager")
	}
	depInf, err := client.InformerFor[appsv1.Deployment](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add deployment controller: %w", err)
	}
	rsInf, err := client.InformerFor[appsv1.ReplicaSet](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add deployment controller: %w", err)
	}
	podInf, err := client.InformerFor[corev1.Pod](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add deployment controller: %w", err)
	}
	r, err := NewReconciler(c, depInf, rsInf, podInf, opts.Clock, opts.Logger)
	if err != nil {
		return nil, fmt.Errorf("add deployment controller: %w", err)
	}
	ctrl, err := mgr.NewController(Name, r, opts)
	if err != nil {
		return nil, fmt.Errorf("add deployment controller: %w", err)
	}
	if err := controller.Watch(ctrl, depInf); err != nil {
		return nil, fmt.Errorf("add deployment controller: %w", err)
	}
	if err := controller.Owns(ctrl, rsInf); err != nil {
		return nil, fmt.Errorf("add deployment controller: %w", err)
	}
	if err := controller.Watches(ctrl, rsInf, r.orphanOwners); err != nil {
		return nil, fmt.Errorf("add deployment controller: %w", err)
	}
	if err := controller.Watches(ctrl, podInf, r.recreateOwner); err != nil {
		return nil, fmt.Errorf("add deployment controller: %w", err)
	}
	return ctrl, nil
}

// orphanOwners maps a ReplicaSet without a controller to the Deployments
// in its namespace whose selector matches its labels.
func (r *Reconciler) orphanOwners(rs *appsv1.ReplicaSet) []controller.Request {
	if controller.ControllingOwner(rs) != nil {
		return nil
	}
	var out []controller.Request
	for _, d := range r.depList.ListNamespace(rs.Namespace, nil) {
		if d.Spec.Selector == nil || (len(d.Spec.Selector.MatchLabels) == 0 && len(d.Spec.Selector.MatchExpressions) == 0) {
			continue
		}
		sel, err := labels.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(rs.Labels)) {
			continue
		}
		out = append(out, controller.Request{NamespacedName: types.NamespacedName{Namespace: d.Namespace, Name: d.Name}})
	}
	return out
}

// recreateOwner maps a pod to the Deployment that controls its
// ReplicaSet, when that Deployment uses the Recreate strategy: those wait
// for old pods to be gone.
func (r *Reconciler) recreateOwner(pod *corev1.Pod) []controller.Request {
	ref := controller.ControllingOwner(pod)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return nil
	}
	rs, err := r.rsList.Get(pod.Namespace, ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	dref := controller.ControllingOwner(rs)
	if dref == nil || dref.Kind != "Deployment" {
		return nil
	}
	d, err := r.depList.Get(pod.Namespace, dref.Name)
	if err != nil || d.UID != dref.UID || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		return nil
	}
	return []controller.Request{{NamespacedName: types.NamespacedName{Namespace: d.Namespace, Name: d.Name}}}
}

// Reconcile syncs the Deployment req names, as Kubernetes'
// syncDeployment: claim ReplicaSets; while deleting, status only; while
// paused or on a change of replicas, scale (proportionally during a
// rollout); otherwise roll out by the strategy; then status and
// conditions. It returns a RequeueAfter for the progress deadline.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	cached, err := r.depList.Get(req.Namespace, req.Name)
	if client.IsNotFound(err) {
		r.mu.Lock()
		delete(r.exp, req.NamespacedName)
		r.mu.Unlock()
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, fmt.Errorf("get deployment %s: %w", req.NamespacedName, err)
	}
	if !r.satisfied(req.NamespacedName) {
		// The ReplicaSet events that satisfy them requeue the deployment.
		return controller.Result{RequeueAfter: ExpectationsTimeout}, nil
	}
	s := &syncer{r: r, d: cached.DeepCopy(), key: req.NamespacedName}
	if err := s.validate(); err != nil {
		return controller.Result{}, err
	}
	d := s.d
	if d.Spec.Selector == nil || (len(d.Spec.Selector.MatchLabels) == 0 && len(d.Spec.Selector.MatchExpressions) == 0) {
		// Kubernetes refuses to act on a selector that selects everything.
		if d.Status.ObservedGeneration < d.Generation {
			d.Status.ObservedGeneration = d.Generation
			return controller.Result{}, s.updateStatus(ctx)
		}
		return controller.Result{}, nil
	}
	rsList, err := r.claimReplicaSets(ctx, d)
	if err != nil {
		return controller.Result{}, err
	}
	if d.DeletionTimestamp != nil {
		return controller.Result{}, s.syncStatusOnly(ctx, rsList)
	}
	if err := s.checkPausedConditions(ctx); err != nil {
		return controller.Result{}, err
	}
	if s.d.Spec.Paused {
		return controller.Result{}, s.sync(ctx, rsList)
	}
	scaling, err := s.isScalingEvent(ctx, rsList)
	if err != nil {
		return controller.Result{}, err
	}
	if scaling {
		return controller.Result{}, s.sync(ctx, rsList)
	}
	if s.d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		err = s.rolloutRecreate(ctx, rsList, r.podMap(s.d, rsList))
	} else {
		err = s.rolloutRolling(ctx, rsList)
	}
	if err != nil {
		return controller.Result{}, err
	}
	return controller.Result{RequeueAfter: s.requeue}, nil
}

// claimReplicaSets returns the ReplicaSets d controls after adopting
// matching orphans and releasing owned ones that no longer match.
func (r *Reconciler) claimReplicaSets(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	sel, err := labels.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("deployment %s/%s: invalid selector: %w", d.Namespace, d.Name, err)
	}
	var owned []*appsv1.ReplicaSet
	var errs []error
	checked := false
	var adoptErr error
	for _, rs := range r.rsList.ListNamespace(d.Namespace, nil) {
		matches := sel.Matches(labels.Set(rs.Labels))
		ref := controller.ControllingOwner(rs)
		switch {
		case ref != nil && ref.UID != d.UID:
		case ref != nil && matches:
			owned = append(owned, rs)
		case ref != nil:
			if err := r.updateOwners(ctx, d, rs, false); err != nil {
				errs = append(errs, err)
			}
		case matches && rs.DeletionTimestamp == nil && d.DeletionTimestamp == nil:
			if !checked {
				checked, adoptErr = true, controller.RecheckOwner(ctx, r.deps, d)
			}
			if adoptErr != nil {
				errs = append(errs, adoptErr)
				continue
			}
			if err := r.updateOwners(ctx, d, rs, true); err != nil {
				errs = append(errs, err)
				continue
			}
			r.log.V(1).Info("adopted replicaset", "deployment", d.Name, "namespace", d.Namespace, "replicaset", rs.Name)
			// The adopted copy arrives through the cache; act on it then.
		}
	}
	return owned, errors.Join(errs...)
}

// ownerRef is the controller reference d sets on what it manages.
func ownerRef(d *appsv1.Deployment) metav1.OwnerReference {
	return controller.ControllerRef("apps/v1", "Deployment", &d.ObjectMeta)
}

// updateOwners adopts rs into d (adopt) or releases it.
func (r *Reconciler) updateOwners(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, adopt bool) error {
	upd := rs.DeepCopy()
	if adopt {
		upd.OwnerReferences = append(upd.OwnerReferences, ownerRef(d))
	} else {
		upd.OwnerReferences = slices.DeleteFunc(upd.OwnerReferences, func(ref metav1.OwnerReference) bool { return ref.UID == d.UID })
	}
	_, err := r.writeRS(ctx, d, upd)
	if err != nil && (adopt || !client.IsNotFound(err)) {
		verb := "release"
		if adopt {
			verb = "adopt"
		}
		return fmt.Errorf("%s replicaset %s/%s for deployment %s: %w", verb, rs.Namespace, rs.Name, d.Name, err)
	}
	return nil
}

// writeRS updates rs and expects to see the write in the cache.
func (r *Reconciler) writeRS(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	got, err := r.rss.Namespace(rs.Namespace).Update(ctx, rs, client.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	r.expect(d, got.Name, got.ResourceVersion)
	return got, nil
}

// createRS creates rs and expects to see it in the cache.
func (r *Reconciler) createRS(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	got, err := r.rss.Namespace(rs.Namespace).Create(ctx, rs, client.CreateOptions{})
	if err != nil {
		return nil, err
	}
	r.expect(d, got.Name, got.ResourceVersion)
	return got, nil
}

// expect records that the cache should show ReplicaSet name at
// resourceVersion rv or later ("" for gone).
func (r *Reconciler) expect(d *appsv1.Deployment, name, rv string) {
	n := int64(0)
	if rv != "" {
		v, err := strconv.ParseInt(rv, 10, 64)
		if err != nil {
			return // not a store revision: nothing to wait for
		}
		n = v
	}
	key := types.NamespacedName{Namespace: d.Namespace, Name: d.Name}
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.exp[key]
	if e == nil {
		e = &expectations{rv: map[string]int64{}}
		r.exp[key] = e
	}
	e.at = r.clock.Now()
	e.rv[name] = n
}

// satisfied reports whether the ReplicaSet cache shows every write
// recorded for key, or they expired; it forgets what it saw.
func (r *Reconciler) satisfied(key types.NamespacedName) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.exp[key]
	if e == nil {
		return true
	}
	// The cache is at least at cacheRV: a ReplicaSet written at or before
	// it and missing from the cache was deleted since.
	cacheRV, _ := strconv.ParseInt(r.rsInf.LastSyncResourceVersion(), 10, 64)
	for name, want := range e.rv {
		rs, err := r.rsList.Get(key.Namespace, name)
		switch {
		case want == 0 && err != nil:
			delete(e.rv, name)
		case want > 0 && err != nil && cacheRV >= want:
			delete(e.rv, name)
		case want > 0 && err == nil:
			if v, perr := strconv.ParseInt(rs.ResourceVersion, 10, 64); perr != nil || v >= want {
				delete(e.rv, name)
			}
		}
	}
	if len(e.rv) == 0 || r.clock.Now().Sub(e.at) > ExpectationsTimeout {
		delete(r.exp, key)
		return true
	}
	return false
}

// podMap returns the pods of d's selector by the UID of the ReplicaSet in
// rsList that controls them.
func (r *Reconciler) podMap(d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) map[types.UID][]*corev1.Pod {
	m := map[types.UID][]*corev1.Pod{}
	sel, err := labels.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return m
	}
	uids := map[types.UID]bool{}
	for _, rs := range rsList {
		uids[rs.UID] = true
		m[rs.UID] = nil
	}
	for _, p := range r.podList.ListNamespace(d.Namespace, sel) {
		if ref := controller.ControllingOwner(p); ref != nil && uids[ref.UID] {
			m[ref.UID] = append(m[ref.UID], p)
		}
	}
	return m
}
