package replicaset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

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
const Name = "replicaset"

// EventComponent is the source component of the controller's events
// (SuccessfulCreate, FailedCreate, SuccessfulDelete, FailedDelete on the
// ReplicaSet), as Kubernetes names it.
const EventComponent = "replicaset-controller"

// BurstReplicas caps how many pods one reconcile creates or deletes, as
// Kubernetes' controller does (500).
const BurstReplicas = 500

// ExpectationsTimeout is how long the controller waits for its pod cache
// to show a pod it created or deleted before it acts again anyway (5
// minutes, as in Kubernetes).
const ExpectationsTimeout = 5 * time.Minute

// Reconciler reconciles ReplicaSets. Make one with NewReconciler.
type Reconciler struct {
	rss     *client.Resource[appsv1.ReplicaSet]
	pods    *client.Resource[corev1.Pod]
	rsList  *client.Lister[appsv1.ReplicaSet]
	podList *client.Lister[corev1.Pod]
	clock   controller.Clock
	events  events.Recorder

	mu  sync.Mutex
	exp map[types.NamespacedName]*expectations
}

var _ controller.Reconciler = (*Reconciler)(nil)

// expectations are the pods a reconcile created or deleted that the pod
// cache has not shown yet.
type expectations struct {
	created map[string]bool      // pod names
	deleted map[string]types.UID // pod name to UID
	at      time.Time
}

// NewReconciler returns a Reconciler that reads ReplicaSets and pods from
// the informers' caches and writes through c. clock defaults to
// controller.RealClock when nil. It fails when c or an informer is nil or
// c does not know the ReplicaSet or Pod resources.
func NewReconciler(c *client.Client, rsInf *client.Informer[appsv1.ReplicaSet], podInf *client.Informer[corev1.Pod], clock controller.Clock) (*Reconciler, error) {
	if c == nil || rsInf == nil || podInf == nil {
		return nil, errors.New("new replicaset reconciler: nil client or informer")
	}
	rss, err := client.For[appsv1.ReplicaSet](c)
	if err != nil {
		return nil, fmt.Errorf("new replicaset reconciler: %w", err)
	}
	pods, err := client.For[corev1.Pod](c)
	if err != nil {
		return nil, fmt.Errorf("new replicaset reconciler: %w", err)
	}
	if clock == nil {
		clock = controller.RealClock{}
	}
	rec, err := events.New(c, events.Options{Component: EventComponent, Clock: clock})
	if err != nil {
		return nil, fmt.Errorf("new replicaset reconciler: %w", err)
	}
	return &Reconciler{
		rss: rss, pods: pods,
		rsList: rsInf.Lister(), podList: podInf.Lister(),
		clock: clock, events: rec,
		exp: map[types.NamespacedName]*expectations{},
	}, nil
}

// Add makes the ReplicaSet controller with mgr's informers, Watches
// ReplicaSets, Owns Pods and adds it to mgr, which runs it on Start. opts
// are the controller's options (its Clock also times availability).
func Add(mgr *controller.Manager, c *client.Client, opts controller.Options) (*controller.Controller, error) {
	rsInf, err := client.InformerFor[appsv1.ReplicaSet](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add replicaset controller: %w", err)
	}
	podInf, err := client.InformerFor[corev1.Pod](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add replicaset controller: %w", err)
	}
	r, err := NewReconciler(c, rsInf, podInf, opts.Clock)
	if err != nil {
		return nil, fmt.Errorf("add replicaset controller: %w", err)
	}
	ctrl, err := mgr.NewController(Name, r, opts)
	if err != nil {
		return nil, fmt.Errorf("add replicaset controller: %w", err)
	}
	if err := controller.Watch(ctrl, rsInf); err != nil {
		return nil, fmt.Errorf("add replicaset controller: %w", err)
	}
	if err := controller.Owns(ctrl, podInf); err != nil {
		return nil, fmt.Errorf("add replicaset controller: %w", err)
	}
	return ctrl, nil
}

// SetRecorder replaces the recorder of the reconciler's events; call it
// before the reconciler runs. The default, made by NewReconciler, is an
// events.APIRecorder writing through the reconciler's client with source
// EventComponent; its writer goroutine runs only while events wait to be
// written.
func (r *Reconciler) SetRecorder(rec events.Recorder) { r.events = rec }

// Reconcile syncs the ReplicaSet req names: adoption and release, pod
// creation or deletion, then status. It returns a RequeueAfter when a
// ready pod becomes available (minReadySeconds) later.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	rs, err := r.rsList.Get(req.Namespace, req.Name)
	if client.IsNotFound(err) {
		r.mu.Lock()
		delete(r.exp, req.NamespacedName)
		r.mu.Unlock()
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, fmt.Errorf("get replicaset %s: %w", req.NamespacedName, err)
	}
	sel, err := labels.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		return controller.Result{}, fmt.Errorf("replicaset %s: invalid selector: %w", req.NamespacedName, err)
	}

	pods, err := r.claimPods(ctx, rs, sel)
	active := activePods(pods)
	var retry time.Duration // when expectations are pending
	if err == nil && rs.DeletionTimestamp == nil {
		if r.satisfied(req.NamespacedName) {
			err = r.manageReplicas(ctx, rs, active)
		} else {
			// The pod events that satisfy them requeue rs; should they
			// never come, act again once they expire.
			retry = ExpectationsTimeout
		}
	}

	now := r.clock.Now()
	st, wait := computeStatus(rs, active, now)
	if !statusEqual(rs.Status, st) {
		upd := rs.DeepCopy()
		upd.Status.Replicas = st.Replicas
		upd.Status.FullyLabeledReplicas = st.FullyLabeledReplicas
		upd.Status.ReadyReplicas = st.ReadyReplicas
		upd.Status.AvailableReplicas = st.AvailableReplicas
		upd.Status.ObservedGeneration = st.ObservedGeneration
		if _, uerr := r.rss.Namespace(rs.Namespace).UpdateStatus(ctx, upd, client.UpdateOptions{}); uerr != nil {
			err = errors.Join(err, fmt.Errorf("update status of replicaset %s: %w", req.NamespacedName, uerr))
		}
	}
	if err != nil {
		return controller.Result{}, err
	}
	if retry > 0 && (wait == 0 || retry < wait) {
		wait = retry
	}
	return controller.Result{RequeueAfter: wait}, nil
}

// claimPods returns the pods rs controls after adopting matching orphans
// and releasing owned pods that no longer match.
func (r *Reconciler) claimPods(ctx context.Context, rs *appsv1.ReplicaSet, sel labels.Selector) ([]*corev1.Pod, error) {
	var owned []*corev1.Pod
	var errs []error
	checked := false
	var adoptErr error
	canAdopt := func() error {
		if !checked {
			checked, adoptErr = true, controller.RecheckOwner(ctx, r.rss, rs)
		}
		return adoptErr
	}
	for _, pod := range r.podList.ListNamespace(rs.Namespace, nil) {
		matches := sel.Matches(labels.Set(pod.Labels))
		ref := controller.ControllingOwner(pod)
		switch {
		case ref != nil && ref.UID != rs.UID:
			// Controlled by someone else.
		case ref != nil && matches:
			owned = append(owned, pod)
		case ref != nil:
			if err := r.release(ctx, pod, rs.UID); err != nil {
				errs = append(errs, err)
			}
		case matches && pod.DeletionTimestamp == nil && rs.DeletionTimestamp == nil:
			if err := canAdopt(); err != nil {
				errs = append(errs, err)
				continue
			}
			adopted, err := r.adopt(ctx, pod, rs)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			owned = append(owned, adopted)
		}
	}
	return owned, errors.Join(errs...)
}

// ownerRef is the controller reference rs sets on what it manages.
func ownerRef(rs *appsv1.ReplicaSet) metav1.OwnerReference {
	return controller.ControllerRef("apps/v1", "ReplicaSet", &rs.ObjectMeta)
}

func (r *Reconciler) adopt(ctx context.Context, pod *corev1.Pod, rs *appsv1.ReplicaSet) (*corev1.Pod, error) {
	upd := pod.DeepCopy()
	upd.OwnerReferences = append(upd.OwnerReferences, ownerRef(rs))
	got, err := r.pods.Namespace(pod.Namespace).Update(ctx, upd, client.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("adopt pod %s/%s into replicaset %s: %w", pod.Namespace, pod.Name, rs.Name, err)
	}
	return got, nil
}

func (r *Reconciler) release(ctx context.Context, pod *corev1.Pod, uid types.UID) error {
	upd := pod.DeepCopy()
	upd.OwnerReferences = slices.DeleteFunc(upd.OwnerReferences, func(ref metav1.OwnerReference) bool { return ref.UID == uid })
	_, err := r.pods.Namespace(pod.Namespace).Update(ctx, upd, client.UpdateOptions{})
	if err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("release pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

// activePods returns the pods that count towards replicas: not
// terminating, not Succeeded, not Failed.
func activePods(pods []*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			out = append(out, p)
		}
	}
	return out
}

// satisfied reports whether the pod cache shows every pod the controller
// created or deleted for key, or the expectations expired; it forgets
// satisfied expectations.
func (r *Reconciler) satisfied(key types.NamespacedName) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.exp[key]
	if e == nil {
		return true
	}
	for name := range e.created {
		if _, err := r.podList.Get(key.Namespace, name); err == nil {
			delete(e.created, name)
		}
	}
	for name, uid := range e.deleted {
		if p, err := r.podList.Get(key.Namespace, name); err != nil || p.UID != uid || p.DeletionTimestamp != nil {
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

// manageReplicas creates or deletes pods so that rs has spec.replicas
// active pods.
func (r *Reconciler) manageReplicas(ctx context.Context, rs *appsv1.ReplicaSet, active []*corev1.Pod) error {
	want := int32(1)
	if rs.Spec.Replicas != nil {
		want = *rs.Spec.Replicas
	}
	key := types.NamespacedName{Namespace: rs.Namespace, Name: rs.Name}
	diff := int(want) - len(active)
	switch {
	case diff > 0:
		n := min(diff, BurstReplicas)
		var mu sync.Mutex
		var names []string
		_, err := slowStartBatch(n, 1, func() error {
			pod, err := r.pods.Namespace(rs.Namespace).Create(ctx, podFromTemplate(rs), client.CreateOptions{})
			if err != nil {
				r.events.Eventf(rs, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
				return err
			}
			r.events.Eventf(rs, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", pod.Name)
			mu.Lock()
			names = append(names, pod.Name)
			mu.Unlock()
			return nil
		})
		r.expect(key, names, nil)
		if err != nil {
			return fmt.Errorf("create pods for replicaset %s: %w", key, err)
		}
	case diff < 0:
		n := min(-diff, BurstReplicas)
		victims := slices.Clone(active)
		slices.SortStableFunc(victims, func(a, b *corev1.Pod) int {
			switch {
			case PodLess(a, b):
				return -1
			case PodLess(b, a):
				return 1
			}
			return 0
		})
		victims = victims[:n]
		deleted := map[string]types.UID{}
		for _, p := range victims {
			deleted[p.Name] = p.UID
		}
		r.expect(key, nil, deleted)
		var wg sync.WaitGroup
		errs := make([]error, len(victims))
		for i, p := range victims {
			wg.Go(func() {
				uid := p.UID
				err := r.pods.Namespace(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
				if err != nil && !client.IsNotFound(err) {
					errs[i] = fmt.Errorf("delete pod %s/%s: %w", p.Namespace, p.Name, err)
					r.events.Eventf(rs, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
				} else if err == nil {
					r.events.Eventf(rs, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("delete pods of replicaset %s: %w", key, err)
		}
	}
	return nil
}

// slowStartBatch calls fn count times, in batches of initial, then twice
// as many, and so on, running each batch's calls at once; it stops after
// the first batch with an error. It returns how many calls succeeded and
// the errors of the failing batch.
func slowStartBatch(count, initial int, fn func() error) (int, error) {
	done := 0
	for batch := min(count, initial); batch > 0; batch = min(2*batch, count-done) {
		errs := make([]error, batch)
		var wg sync.WaitGroup
		for i := range batch {
			wg.Go(func() { errs[i] = fn() })
		}
		wg.Wait()
		ok := 0
		for _, e := range errs {
			if e == nil {
				ok++
			}
		}
		done += ok
		if err := errors.Join(errs...); err != nil {
			return done, err
		}
	}
	return done, nil
}

// podFromTemplate returns a new pod for rs: generateName "<rs-name>-", the
// template's labels, annotations, finalizers and spec, and rs as its
// controller owner.
func podFromTemplate(rs *appsv1.ReplicaSet) *corev1.Pod {
	t := rs.Spec.Template.DeepCopy()
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    rs.Name + "-",
			Namespace:       rs.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{ownerRef(rs)},
		},
		Spec: t.Spec,
	}
}
