package deployment

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
)

// syncer is one reconcile of one Deployment: d is the latest copy, which
// each write replaces with what the server stored.
type syncer struct {
	r       *Reconciler
	d       *appsv1.Deployment
	key     types.NamespacedName
	requeue time.Duration // when to look at the progress deadline again
}

// validate checks what the controller needs of d beyond what the API
// server validated.
func (s *syncer) validate() error {
	_, _, err := fenceposts(s.d)
	return err
}

// all joins the old ReplicaSets and the new one, if any.
func all(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	out := slices.Clone(oldRSs)
	if newRS != nil {
		out = append(out, newRS)
	}
	return out
}

// updateStatus writes s.d's status.
func (s *syncer) updateStatus(ctx context.Context) error {
	got, err := s.r.deps.Namespace(s.d.Namespace).UpdateStatus(ctx, s.d, client.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update status of deployment %s: %w", s.key, err)
	}
	s.d = got
	return nil
}

// setRevision sets d's revision annotation, keeping the status s.d holds
// but has not written.
func (s *syncer) setRevision(ctx context.Context, rev int64) error {
	v := strconv.FormatInt(rev, 10)
	if s.d.Annotations[RevisionAnnotation] == v {
		return nil
	}
	upd := s.d.DeepCopy()
	if upd.Annotations == nil {
		upd.Annotations = map[string]string{}
	}
	upd.Annotations[RevisionAnnotation] = v
	got, err := s.r.deps.Namespace(upd.Namespace).Update(ctx, upd, client.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("set revision of deployment %s to %s: %w", s.key, v, err)
	}
	got.Status = s.d.Status
	s.d = got
	return nil
}

// findNewRS is Kubernetes' FindNewReplicaSet: the oldest ReplicaSet whose
// template is d's.
func findNewRS(d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	sorted := slices.Clone(rsList)
	slices.SortFunc(sorted, byCreation)
	for _, rs := range sorted {
		if EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			return rs
		}
	}
	return nil
}

// getAll is Kubernetes' getAllReplicaSetsAndSyncRevision: the new
// ReplicaSet (created when create is set and there is none) with its
// revision brought up to date, and the old ones.
func (s *syncer) getAll(ctx context.Context, rsList []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	found := findNewRS(s.d, rsList)
	var oldRSs []*appsv1.ReplicaSet
	for _, rs := range rsList {
		if found == nil || rs.UID != found.UID {
			oldRSs = append(oldRSs, rs)
		}
	}
	newRS, err := s.getNewRS(ctx, found, oldRSs, create)
	return newRS, oldRSs, err
}

// getNewRS is Kubernetes' getNewReplicaSet: it updates the revision and
// annotations of the existing new ReplicaSet, or creates one named
// <deployment>-<pod-template-hash>, counting a hash collision in
// status.collisionCount when the name is taken by another.
func (s *syncer) getNewRS(ctx context.Context, existing *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, error) {
	r := s.r
	newRevision := maxRevision(oldRSs) + 1
	surge, err := maxSurge(s.d)
	if err != nil {
		return nil, err
	}
	now := r.clock.Now()
	if existing != nil {
		rsCopy := existing.DeepCopy()
		changed := setNewRSAnnotations(s.d, rsCopy, newRevision, true, replicas(s.d)+surge)
		if changed || rsCopy.Spec.MinReadySeconds != s.d.Spec.MinReadySeconds {
			rsCopy.Spec.MinReadySeconds = s.d.Spec.MinReadySeconds
			got, err := r.writeRS(ctx, s.d, rsCopy)
			if err != nil {
				return nil, fmt.Errorf("update new replicaset %s/%s: %w", rsCopy.Namespace, rsCopy.Name, err)
			}
			return got, nil
		}
		if err := s.setRevision(ctx, revision(rsCopy.Annotations)); err != nil {
			return nil, err
		}
		if hasProgressDeadline(s.d) && condition(&s.d.Status, appsv1.DeploymentProgressing) == nil {
			setCondition(&s.d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonFoundNewReplicaSet,
				fmt.Sprintf("Found new replica set %q", rsCopy.Name), now))
			if err := s.updateStatus(ctx); err != nil {
				return nil, err
			}
		}
		return rsCopy, nil
	}
	if !create {
		return nil, nil
	}

	d := s.d
	tmpl := d.Spec.Template.DeepCopy()
	hash, err := ComputeHash(tmpl, d.Status.CollisionCount)
	if err != nil {
		return nil, fmt.Errorf("deployment %s: %w", s.key, err)
	}
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	sel := d.Spec.Selector.DeepCopy()
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	rsLabels := map[string]string{}
	for k, v := range tmpl.Labels {
		rsLabels[k] = v
	}
	zero := int32(0)
	newRS := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			Labels:          rsLabels,
			OwnerReferences: []metav1.OwnerReference{ownerRef(d)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        &zero,
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        sel,
			Template:        *tmpl,
		},
	}
	n, err := newRSReplicas(d, all(newRS, oldRSs), newRS)
	if err != nil {
		return nil, err
	}
	newRS.Spec.Replicas = &n
	setNewRSAnnotations(d, newRS, newRevision, false, replicas(d)+surge)

	created, err := r.createRS(ctx, d, newRS)
	alreadyExists := false
	switch {
	case client.IsAlreadyExists(err):
		alreadyExists = true
		rs, getErr := r.rss.Namespace(d.Namespace).Get(ctx, newRS.Name, client.GetOptions{})
		if getErr == nil {
			if ref := controller.ControllingOwner(rs); ref != nil && ref.UID == d.UID && EqualIgnoreHash(&d.Spec.Template, &rs.Spec.Template) {
				created, err = rs, nil
				break
			}
		}
		// A hash collision: count it, so that the next try hashes
		// differently.
		if d.Status.CollisionCount == nil {
			d.Status.CollisionCount = new(int32(0))
		}
		*d.Status.CollisionCount++
		r.log.Info("hash collision: replicaset name taken", "deployment", d.Name, "namespace", d.Namespace,
			"replicaset", newRS.Name, "collisionCount", *d.Status.CollisionCount)
		if uerr := s.updateStatus(ctx); uerr != nil {
			return nil, uerr
		}
		return nil, fmt.Errorf("create replicaset %s/%s: name taken by another replicaset (hash collision; collisionCount now %d)", d.Namespace, newRS.Name, *s.d.Status.CollisionCount)
	case client.IsForbidden(err):
		return nil, fmt.Errorf("create replicaset %s/%s: %w", d.Namespace, newRS.Name, err)
	case err != nil:
		if hasProgressDeadline(d) {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonReplicaSetCreateError,
				fmt.Sprintf("Failed to create new replica set %q: %v", newRS.Name, err), now))
			if uerr := s.updateStatus(ctx); uerr != nil {
				r.log.Error(uerr, "record replicaset create failure", "deployment", d.Name, "namespace", d.Namespace)
			}
		}
		return nil, fmt.Errorf("create replicaset %s/%s: %w", d.Namespace, newRS.Name, err)
	}
	if !alreadyExists && n > 0 {
		r.scalingEvent(d, created.Name, 0, n)
	}
	if err := s.setRevision(ctx, newRevision); err != nil {
		return nil, err
	}
	if !alreadyExists && hasProgressDeadline(s.d) {
		setCondition(&s.d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewReplicaSetCreated,
			fmt.Sprintf("Created new replica set %q", created.Name), now))
		if err := s.updateStatus(ctx); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// scaleRS sets rs's replicas to n and its replicas annotations to d's,
// when either differs. It returns the ReplicaSet as it now is.
func (s *syncer) scaleRS(ctx context.Context, rs *appsv1.ReplicaSet, n int32) (bool, *appsv1.ReplicaSet, error) {
	surge, err := maxSurge(s.d)
	if err != nil {
		return false, rs, err
	}
	upd := rs.DeepCopy()
	annotations := setReplicasAnnotations(upd, replicas(s.d), replicas(s.d)+surge)
	if rsReplicas(rs) == n && !annotations {
		return false, rs, nil
	}
	upd.Spec.Replicas = &n
	got, err := s.r.writeRS(ctx, s.d, upd)
	if err != nil {
		return false, rs, fmt.Errorf("scale replicaset %s/%s from %d to %d: %w", rs.Namespace, rs.Name, rsReplicas(rs), n, err)
	}
	if rsReplicas(rs) != n {
		s.r.scalingEvent(s.d, rs.Name, rsReplicas(rs), n)
		s.r.log.V(1).Info("scaled replicaset", "deployment", s.d.Name, "namespace", s.d.Namespace,
			"replicaset", rs.Name, "from", rsReplicas(rs), "to", n)
	}
	return rsReplicas(rs) != n, got, nil
}

// activeOrLatest is Kubernetes' FindActiveOrLatest: the one ReplicaSet
// with replicas when there is one; the new one, or else the newest old
// one, when none has; nil when several have.
func activeOrLatest(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	if newRS == nil && len(oldRSs) == 0 {
		return nil
	}
	old := slices.Clone(oldRSs)
	slices.SortFunc(old, func(a, b *appsv1.ReplicaSet) int { return byCreation(b, a) })
	active := activeRSs(all(newRS, old))
	switch len(active) {
	case 0:
		if newRS != nil {
			return newRS
		}
		return old[0]
	case 1:
		return active[0]
	}
	return nil
}

// saturated is Kubernetes' IsSaturated: rs has all of d's replicas, for
// d's current size, all available.
func saturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	desired, ok := intAnnotation(rs, DesiredReplicasAnnotation)
	return ok && desired == replicas(d) && rsReplicas(rs) == replicas(d) && available(rs) == replicas(d)
}

// scale is Kubernetes' DeploymentController.scale: bring the ReplicaSets
// to d's size, proportionally when a rolling update is under way.
func (s *syncer) scale(ctx context.Context, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) error {
	d := s.d
	if rs := activeOrLatest(newRS, oldRSs); rs != nil {
		if rsReplicas(rs) == replicas(d) {
			return nil
		}
		_, _, err := s.scaleRS(ctx, rs, replicas(d))
		return err
	}
	if saturated(d, newRS) {
		for _, old := range activeRSs(oldRSs) {
			if _, _, err := s.scaleRS(ctx, old, 0); err != nil {
				return err
			}
		}
		return nil
	}
	if !isRollingUpdate(d) {
		return nil
	}
	surge, err := maxSurge(d)
	if err != nil {
		return err
	}
	sizes, ordered := proportionalSizes(d, activeRSs(all(newRS, oldRSs)), surge)
	for _, rs := range ordered {
		if _, _, err := s.scaleRS(ctx, rs, sizes[rs.Name]); err != nil {
			return err
		}
	}
	return nil
}

// isScalingEvent reports whether d's replicas differ from the
// desired-replicas an active ReplicaSet was last scaled for.
func (s *syncer) isScalingEvent(ctx context.Context, rsList []*appsv1.ReplicaSet) (bool, error) {
	newRS, oldRSs, err := s.getAll(ctx, rsList, false)
	if err != nil {
		return false, err
	}
	for _, rs := range activeRSs(all(newRS, oldRSs)) {
		if desired, ok := intAnnotation(rs, DesiredReplicasAnnotation); ok && desired != replicas(s.d) {
			return true, nil
		}
	}
	return false, nil
}

// sync is Kubernetes' sync: for a paused Deployment or a scaling event,
// scale (no rollout), clean up old ReplicaSets when paused, write status.
func (s *syncer) sync(ctx context.Context, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := s.getAll(ctx, rsList, false)
	if err != nil {
		return err
	}
	if err := s.scale(ctx, newRS, oldRSs); err != nil {
		return err
	}
	if s.d.Spec.Paused {
		if err := s.cleanup(ctx, oldRSs); err != nil {
			return err
		}
	}
	// The scaled ReplicaSets come back through the cache; the status of
	// this pass is computed from what was read.
	return s.syncStatus(ctx, all(newRS, oldRSs), newRS)
}

// syncStatusOnly writes status without changing ReplicaSets (a
// Deployment being deleted).
func (s *syncer) syncStatusOnly(ctx context.Context, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := s.getAll(ctx, rsList, false)
	if err != nil {
		return err
	}
	return s.syncStatus(ctx, all(newRS, oldRSs), newRS)
}

// syncStatus writes the status calculateStatus gives, when it changed.
func (s *syncer) syncStatus(ctx context.Context, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) error {
	st, err := s.calculateStatus(allRSs, newRS)
	if err != nil {
		return err
	}
	if reflect.DeepEqual(s.d.Status, st) {
		return nil
	}
	s.d.Status = st
	return s.updateStatus(ctx)
}

// calculateStatus is Kubernetes' calculateStatus: counts from the
// ReplicaSets' statuses and the Available condition.
func (s *syncer) calculateStatus(allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (appsv1.DeploymentStatus, error) {
	d := s.d
	availableReplicas := statusSum(allRSs, func(rs *appsv1.ReplicaSet) int32 { return rs.Status.AvailableReplicas })
	st := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            statusSum(allRSs, func(rs *appsv1.ReplicaSet) int32 { return rs.Status.Replicas }),
		UpdatedReplicas:     statusSum(all(newRS, nil), func(rs *appsv1.ReplicaSet) int32 { return rs.Status.Replicas }),
		ReadyReplicas:       statusSum(allRSs, func(rs *appsv1.ReplicaSet) int32 { return rs.Status.ReadyReplicas }),
		AvailableReplicas:   availableReplicas,
		UnavailableReplicas: max(0, specSum(allRSs)-availableReplicas),
		TerminatingReplicas: d.Status.TerminatingReplicas,
		CollisionCount:      d.Status.CollisionCount,
		Conditions:          slices.Clone(d.Status.Conditions),
	}
	mu, err := maxUnavailable(d)
	if err != nil {
		return st, err
	}
	now := s.r.clock.Now()
	if availableReplicas >= replicas(d)-mu {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, ReasonMinimumReplicasAvailable, "Deployment has minimum availability.", now))
	} else {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, ReasonMinimumReplicasUnavailable, "Deployment does not have minimum availability.", now))
	}
	return st, nil
}

// syncRolloutStatus is Kubernetes' syncRolloutStatus: status and the
// Progressing condition (complete, progressing or timed out), and when to
// look again for the progress deadline.
func (s *syncer) syncRolloutStatus(ctx context.Context, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) error {
	d := s.d
	st, err := s.calculateStatus(allRSs, newRS)
	if err != nil {
		return err
	}
	if !hasProgressDeadline(d) {
		removeCondition(&st, appsv1.DeploymentProgressing)
	}
	now := s.r.clock.Now()
	cur := condition(&d.Status, appsv1.DeploymentProgressing)
	complete := st.Replicas == st.UpdatedReplicas && cur != nil && cur.Reason == ReasonNewReplicaSetAvailable
	if hasProgressDeadline(d) && !complete {
		name := "Deployment"
		if newRS != nil {
			name = fmt.Sprintf("ReplicaSet %q", newRS.Name)
		}
		switch {
		case deploymentComplete(d, &st):
			setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewReplicaSetAvailable,
				name+" has successfully progressed.", now))
		case deploymentProgressing(d, &st):
			c := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonReplicaSetUpdated, name+" is progressing.", now)
			if cur != nil {
				if cur.Status == corev1.ConditionTrue {
					c.LastTransitionTime = cur.LastTransitionTime
				}
				removeCondition(&st, appsv1.DeploymentProgressing)
			}
			setCondition(&st, c)
		case deploymentTimedOut(d, &st, now):
			setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonProgressDeadlineExceeded,
				name+" has timed out progressing.", now))
		}
	}
	if failure := replicaFailure(allRSs, newRS); failure != nil {
		setCondition(&st, *failure)
	} else {
		removeCondition(&st, appsv1.DeploymentReplicaFailure)
	}
	if reflect.DeepEqual(d.Status, st) {
		s.requeue = requeueStuck(d, &st, now)
		return nil
	}
	s.d.Status = st
	if err := s.updateStatus(ctx); err != nil {
		return err
	}
	s.requeue = requeueStuck(s.d, &st, now)
	return nil
}

// replicaFailure is Kubernetes' getReplicaFailures: the ReplicaFailure
// condition of the new ReplicaSet, or else of the first old one that has
// one, as a Deployment condition; nil when none has.
func replicaFailure(allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) *appsv1.DeploymentCondition {
	for _, rs := range append([]*appsv1.ReplicaSet{newRS}, allRSs...) {
		if rs == nil {
			continue
		}
		for _, c := range rs.Status.Conditions {
			if c.Type == appsv1.ReplicaSetReplicaFailure {
				return &appsv1.DeploymentCondition{
					Type: appsv1.DeploymentReplicaFailure, Status: c.Status, Reason: c.Reason, Message: c.Message,
					LastUpdateTime: c.LastTransitionTime, LastTransitionTime: c.LastTransitionTime,
				}
			}
		}
	}
	return nil
}

// requeueStuck is Kubernetes' requeueStuckDeployment: for a rollout that
// has neither completed nor timed out, how long until its progress
// deadline passes (plus a second, as the API keeps whole seconds); 0 when
// there is nothing to wait for.
func requeueStuck(d *appsv1.Deployment, st *appsv1.DeploymentStatus, now time.Time) time.Duration {
	c := condition(&d.Status, appsv1.DeploymentProgressing)
	if !hasProgressDeadline(d) || c == nil || deploymentComplete(d, st) || c.Reason == ReasonProgressDeadlineExceeded {
		return 0
	}
	after := c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Sub(now)
	if after < time.Second {
		return time.Second
	}
	return after + time.Second
}

// checkPausedConditions is Kubernetes' checkPausedConditions: Progressing
// Unknown with reason DeploymentPaused while paused, DeploymentResumed
// once resumed, unless the rollout already timed out.
func (s *syncer) checkPausedConditions(ctx context.Context) error {
	d := s.d
	if !hasProgressDeadline(d) {
		return nil
	}
	cur := condition(&d.Status, appsv1.DeploymentProgressing)
	if cur != nil && cur.Reason == ReasonProgressDeadlineExceeded {
		return nil
	}
	pausedCond := cur != nil && cur.Reason == ReasonDeploymentPaused
	now := s.r.clock.Now()
	switch {
	case d.Spec.Paused && !pausedCond:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonDeploymentPaused, "Deployment is paused", now))
	case !d.Spec.Paused && pausedCond:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonDeploymentResumed, "Deployment is resumed", now))
	default:
		return nil
	}
	return s.updateStatus(ctx)
}

// cleanup is Kubernetes' cleanupDeployment: delete the oldest old
// ReplicaSets beyond spec.revisionHistoryLimit, of those that have no
// replicas and have caught up with their spec.
func (s *syncer) cleanup(ctx context.Context, oldRSs []*appsv1.ReplicaSet) error {
	d := s.d
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var alive []*appsv1.ReplicaSet
	for _, rs := range oldRSs {
		if rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return nil
	}
	slices.SortFunc(alive, byRevision)
	for _, rs := range alive[:diff] {
		if rs.Status.Replicas != 0 || rsReplicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration || rs.DeletionTimestamp != nil {
			continue
		}
		uid := rs.UID
		err := s.r.rss.Namespace(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !client.IsNotFound(err) {
			return fmt.Errorf("delete old replicaset %s/%s: %w", rs.Namespace, rs.Name, err)
		}
		s.r.expect(d, rs.Name, "")
		s.r.log.V(1).Info("deleted old replicaset", "deployment", d.Name, "namespace", d.Namespace, "replicaset", rs.Name)
	}
	return nil
}
