package deployment

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The annotations the controller keeps, with Kubernetes' names.
const (
	// RevisionAnnotation is the revision of a Deployment and of each of
	// its ReplicaSets: "1" for the first template, one more than the
	// highest old revision for each new (or re-used) template.
	RevisionAnnotation = "deployment.kubernetes.io/revision"
	// RevisionHistoryAnnotation lists, comma-separated, the revisions a
	// ReplicaSet had before it was re-used by a rollback.
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	// DesiredReplicasAnnotation is the Deployment's spec.replicas when the
	// ReplicaSet was last scaled.
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	// MaxReplicasAnnotation is the Deployment's spec.replicas plus its max
	// surge when the ReplicaSet was last scaled: the base of proportional
	// scaling.
	MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
)

// The reasons of the Deployment conditions, with Kubernetes' values.
const (
	// ReasonMinimumReplicasAvailable: Available True.
	ReasonMinimumReplicasAvailable = "MinimumReplicasAvailable"
	// ReasonMinimumReplicasUnavailable: Available False.
	ReasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable"
	// ReasonNewReplicaSetCreated: Progressing True, the new ReplicaSet
	// was just created.
	ReasonNewReplicaSetCreated = "NewReplicaSetCreated"
	// ReasonFoundNewReplicaSet: Progressing True, the new ReplicaSet
	// already existed.
	ReasonFoundNewReplicaSet = "FoundNewReplicaSet"
	// ReasonReplicaSetUpdated: Progressing True, the rollout advanced.
	ReasonReplicaSetUpdated = "ReplicaSetUpdated"
	// ReasonNewReplicaSetAvailable: Progressing True, the rollout is
	// complete.
	ReasonNewReplicaSetAvailable = "NewReplicaSetAvailable"
	// ReasonProgressDeadlineExceeded: Progressing False, no progress for
	// spec.progressDeadlineSeconds.
	ReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded"
	// ReasonReplicaSetCreateError: Progressing False, the new ReplicaSet
	// could not be created.
	ReasonReplicaSetCreateError = "ReplicaSetCreateError"
	// ReasonDeploymentPaused and ReasonDeploymentResumed: Progressing
	// Unknown while paused, and when resumed.
	ReasonDeploymentPaused  = "DeploymentPaused"
	ReasonDeploymentResumed = "DeploymentResumed"
)

// ResolveFenceposts turns a rolling update's maxSurge and maxUnavailable
// (absolute numbers or percentages of desired; nil means 0) into numbers
// of pods, as Kubernetes' deployment util.ResolveFenceposts does: a
// percentage of surge rounds up, one of unavailability rounds down, and
// when both come to 0, unavailability becomes 1 so that a rollout can
// always progress. It fails when a value is a string that is not a
// percentage, or a number is negative.
func ResolveFenceposts(maxSurge, maxUnavailable *intstr.IntOrString, desired int32) (surge, unavailable int32, err error) {
	zero := intstr.FromInt32(0)
	if maxSurge == nil {
		maxSurge = &zero
	}
	if maxUnavailable == nil {
		maxUnavailable = &zero
	}
	s, err := intstr.ScaledValue(maxSurge, int(desired), true)
	if err != nil {
		return 0, 0, fmt.Errorf("maxSurge: %w", err)
	}
	u, err := intstr.ScaledValue(maxUnavailable, int(desired), false)
	if err != nil {
		return 0, 0, fmt.Errorf("maxUnavailable: %w", err)
	}
	if s < 0 || u < 0 {
		return 0, 0, fmt.Errorf("negative maxSurge %d or maxUnavailable %d", s, u)
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(min(s, math.MaxInt32)), int32(min(u, math.MaxInt32)), nil
}

// replicas is d's spec.replicas (1 when unset, the API default).
func replicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// rsReplicas is rs's spec.replicas (1 when unset, the API default).
func rsReplicas(rs *appsv1.ReplicaSet) int32 {
	if rs == nil {
		return 0
	}
	if rs.Spec.Replicas == nil {
		return 1
	}
	return *rs.Spec.Replicas
}

func isRollingUpdate(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType
}

// fenceposts resolves d's rolling update parameters against its replicas;
// a Recreate deployment has neither surge nor unavailability.
func fenceposts(d *appsv1.Deployment) (surge, unavailable int32, err error) {
	if !isRollingUpdate(d) {
		return 0, 0, nil
	}
	var ms, mu *intstr.IntOrString
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		ms, mu = ru.MaxSurge, ru.MaxUnavailable
	} else {
		// The API defaults: 25% each.
		q := intstr.FromString("25%")
		ms, mu = &q, &q
	}
	surge, unavailable, err = ResolveFenceposts(ms, mu, replicas(d))
	if err != nil {
		return 0, 0, fmt.Errorf("deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	return surge, unavailable, nil
}

// maxSurge is Kubernetes' MaxSurge: 0 for Recreate.
func maxSurge(d *appsv1.Deployment) (int32, error) {
	s, _, err := fenceposts(d)
	return s, err
}

// maxUnavailable is Kubernetes' MaxUnavailable: 0 for Recreate or no
// replicas, and never more than the replicas.
func maxUnavailable(d *appsv1.Deployment) (int32, error) {
	if !isRollingUpdate(d) || replicas(d) == 0 {
		return 0, nil
	}
	_, u, err := fenceposts(d)
	return min(u, replicas(d)), err
}

// available is how many of rs's pods can be counted on being available
// once it has acted on its spec: its status.availableReplicas, but no
// more than spec.replicas, since a ReplicaSet just scaled down still
// reports the pods it is about to delete. Kubernetes uses the status
// alone; the bound keeps a rollout within maxUnavailable when the
// controller acts between a scale-down and the ReplicaSet's next status.
func available(rs *appsv1.ReplicaSet) int32 {
	if rs == nil {
		return 0
	}
	return max(0, min(rs.Status.AvailableReplicas, rsReplicas(rs)))
}

// specSum is Kubernetes' GetReplicaCountForReplicaSets: the sum of
// spec.replicas.
func specSum(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += rsReplicas(rs)
		}
	}
	return n
}

// statusSum sums f over rss.
func statusSum(rss []*appsv1.ReplicaSet, f func(*appsv1.ReplicaSet) int32) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += f(rs)
		}
	}
	return n
}

// availableSum sums available over rss.
func availableSum(rss []*appsv1.ReplicaSet) int32 { return statusSum(rss, available) }

// activeRSs returns the ReplicaSets with spec.replicas > 0.
func activeRSs(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs != nil && rsReplicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// byCreation orders ReplicaSets oldest first, then by name (Kubernetes'
// ReplicaSetsByCreationTimestamp).
func byCreation(a, b *appsv1.ReplicaSet) int {
	if c := a.CreationTimestamp.Time.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// bySizeOlder orders larger first, then older first (Kubernetes'
// ReplicaSetsBySizeOlder: the order of a proportional scale down).
func bySizeOlder(a, b *appsv1.ReplicaSet) int {
	if c := cmp.Compare(rsReplicas(b), rsReplicas(a)); c != 0 {
		return c
	}
	return byCreation(a, b)
}

// bySizeNewer orders larger first, then newer first (Kubernetes'
// ReplicaSetsBySizeNewer: the order of a proportional scale up).
func bySizeNewer(a, b *appsv1.ReplicaSet) int {
	if c := cmp.Compare(rsReplicas(b), rsReplicas(a)); c != 0 {
		return c
	}
	return byCreation(b, a)
}

// revision returns the revision annotation of obj, 0 when missing or not
// a number.
func revision(annotations map[string]string) int64 {
	v, err := strconv.ParseInt(annotations[RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// byRevision orders by revision, then creation (Kubernetes'
// ReplicaSetsByRevision).
func byRevision(a, b *appsv1.ReplicaSet) int {
	if c := cmp.Compare(revision(a.Annotations), revision(b.Annotations)); c != 0 {
		return c
	}
	return byCreation(a, b)
}

// maxRevision is the highest revision of rss.
func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		m = max(m, revision(rs.Annotations))
	}
	return m
}

// intAnnotation reads an int32 annotation of rs.
func intAnnotation(rs *appsv1.ReplicaSet, key string) (int32, bool) {
	v, ok := rs.Annotations[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// setReplicasAnnotations sets desired-replicas and max-replicas on rs and
// reports whether they changed.
func setReplicasAnnotations(rs *appsv1.ReplicaSet, desired, maxReplicas int32) bool {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	d, m := strconv.Itoa(int(desired)), strconv.Itoa(int(maxReplicas))
	changed := rs.Annotations[DesiredReplicasAnnotation] != d || rs.Annotations[MaxReplicasAnnotation] != m
	rs.Annotations[DesiredReplicasAnnotation] = d
	rs.Annotations[MaxReplicasAnnotation] = m
	return changed
}

// skipCopy are the Deployment annotations not copied to its ReplicaSets.
var skipCopy = map[string]bool{
	"kubectl.kubernetes.io/last-applied-configuration": true,
	RevisionAnnotation:          true,
	RevisionHistoryAnnotation:   true,
	DesiredReplicasAnnotation:   true,
	MaxReplicasAnnotation:       true,
	appsv1.DeprecatedRollbackTo: true,
}

// copyAnnotations copies d's annotations to rs, but for skipCopy, and
// reports whether rs changed.
func copyAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	changed := false
	for k, v := range d.Annotations {
		if skipCopy[k] {
			continue
		}
		if rs.Annotations == nil {
			rs.Annotations = map[string]string{}
		}
		if cur, ok := rs.Annotations[k]; !ok || cur != v {
			rs.Annotations[k] = v
			changed = true
		}
	}
	return changed
}

// setNewRSAnnotations is Kubernetes' SetNewReplicaSetAnnotations: it
// copies d's annotations to the new ReplicaSet rs, raises rs's revision to
// newRevision (recording the old one in the revision history), and, for a
// ReplicaSet not yet created, sets the replicas annotations. It reports
// whether rs changed.
func setNewRSAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet, newRevision int64, exists bool, maxReplicas int32) bool {
	changed := copyAnnotations(d, rs)
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	old := rs.Annotations[RevisionAnnotation]
	oldRev := int64(0)
	if old != "" {
		v, err := strconv.ParseInt(old, 10, 64)
		if err != nil {
			return changed // not ours to fix
		}
		oldRev = v
	}
	if oldRev < newRevision {
		rs.Annotations[RevisionAnnotation] = strconv.FormatInt(newRevision, 10)
		changed = true
		if old != "" {
			if h := rs.Annotations[RevisionHistoryAnnotation]; h != "" {
				rs.Annotations[RevisionHistoryAnnotation] = h + "," + old
			} else {
				rs.Annotations[RevisionHistoryAnnotation] = old
			}
		}
	}
	if !exists && setReplicasAnnotations(rs, replicas(d), maxReplicas) {
		changed = true
	}
	return changed
}

// newRSReplicas is Kubernetes' NewRSNewReplicas: how many replicas the new
// ReplicaSet may have now. Rolling update: as many as bring all
// ReplicaSets to replicas+surge pods, at most replicas; Recreate: replicas.
func newRSReplicas(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (int32, error) {
	if !isRollingUpdate(d) {
		return replicas(d), nil
	}
	surge, err := maxSurge(d)
	if err != nil {
		return 0, err
	}
	current := specSum(all)
	maxTotal := replicas(d) + surge
	if current >= maxTotal {
		return rsReplicas(newRS), nil
	}
	up := min(maxTotal-current, replicas(d)-rsReplicas(newRS))
	return rsReplicas(newRS) + up, nil
}

// proportion is Kubernetes' GetProportion: how many replicas rs gains (or,
// negative, loses) of toAdd, of which added were handed out already.
// surge is d's max surge at its new size.
func proportion(rs *appsv1.ReplicaSet, d *appsv1.Deployment, surge, toAdd, added int32) int32 {
	if rs == nil || rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	f := fraction(rs, d, surge)
	allowed := toAdd - added
	if toAdd > 0 {
		return min(f, allowed)
	}
	return max(f, allowed)
}

// fraction is Kubernetes' getReplicaSetFraction: rs's share of the
// Deployment's new size (replicas+surge), in proportion to its size
// against the max-replicas it was last scaled for (the Deployment's
// status.replicas when the annotation is missing), rounded half away from
// zero, less its current size.
func fraction(rs *appsv1.ReplicaSet, d *appsv1.Deployment, surge int32) int32 {
	if replicas(d) == 0 {
		return -rsReplicas(rs)
	}
	total := replicas(d) + surge
	base, ok := intAnnotation(rs, MaxReplicasAnnotation)
	if !ok || base == 0 {
		base = d.Status.Replicas
	}
	if base == 0 {
		return 0
	}
	size := float64(rsReplicas(rs)) * float64(total) / float64(base)
	return int32(math.Round(size)) - rsReplicas(rs)
}

// proportionalSizes is the arithmetic of Kubernetes' proportional scaling
// (DeploymentController.scale, rolling update with several active
// ReplicaSets): it spreads the difference between replicas+surge (0 when
// replicas is 0) and the active ReplicaSets' total over them in proportion
// to their sizes, larger ones first (ties: newer first when growing, older
// first when shrinking), and gives what rounding leaves over to the first.
// It returns the new size of each ReplicaSet by name, and active sorted in
// that order.
func proportionalSizes(d *appsv1.Deployment, active []*appsv1.ReplicaSet, surge int32) (map[string]int32, []*appsv1.ReplicaSet) {
	active = slices.Clone(active)
	allowed := int32(0)
	if replicas(d) > 0 {
		allowed = replicas(d) + surge
	}
	toAdd := allowed - specSum(active)
	switch {
	case toAdd > 0:
		slices.SortStableFunc(active, bySizeNewer)
	case toAdd < 0:
		slices.SortStableFunc(active, bySizeOlder)
	}
	sizes := map[string]int32{}
	var added int32
	for _, rs := range active {
		p := proportion(rs, d, surge, toAdd, added)
		sizes[rs.Name] = rsReplicas(rs) + p
		added += p
	}
	if len(active) > 0 && toAdd != 0 {
		first := active[0].Name
		sizes[first] = max(0, sizes[first]+toAdd-added)
	}
	return sizes, active
}

// condition returns the condition of type typ in st, or nil.
func condition(st *appsv1.DeploymentStatus, typ appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == typ {
			return &st.Conditions[i]
		}
	}
	return nil
}

// newCondition is a condition updated and transitioned at now (to the
// second, as the API stores times).
func newCondition(typ appsv1.DeploymentConditionType, status corev1.ConditionStatus, reason, msg string, now time.Time) appsv1.DeploymentCondition {
	t := metav1.NewTime(now.Truncate(time.Second))
	return appsv1.DeploymentCondition{Type: typ, Status: status, Reason: reason, Message: msg, LastUpdateTime: t, LastTransitionTime: t}
}

// setCondition is Kubernetes' SetDeploymentCondition: nothing changes
// when a condition of the type has the same status and reason; a
// condition of the same status keeps its lastTransitionTime.
func setCondition(st *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := condition(st, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeCondition(st, c.Type)
	st.Conditions = append(st.Conditions, c)
}

func removeCondition(st *appsv1.DeploymentStatus, typ appsv1.DeploymentConditionType) {
	st.Conditions = slices.DeleteFunc(st.Conditions, func(c appsv1.DeploymentCondition) bool { return c.Type == typ })
	if len(st.Conditions) == 0 {
		st.Conditions = nil
	}
}

// hasProgressDeadline reports whether d has a progress deadline (set and
// not MaxInt32, Kubernetes' "none").
func hasProgressDeadline(d *appsv1.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

// deploymentComplete is Kubernetes' DeploymentComplete: every replica is
// updated and available, no old ones are left, and the status is of the
// current generation.
func deploymentComplete(d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	n := replicas(d)
	return st.UpdatedReplicas == n && st.Replicas == n && st.AvailableReplicas == n && st.ObservedGeneration >= d.Generation
}

// deploymentProgressing is Kubernetes' DeploymentProgressing: more updated,
// ready or available replicas than d's status says, or fewer old ones.
func deploymentProgressing(d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	old := d.Status
	return st.UpdatedReplicas > old.UpdatedReplicas ||
		st.Replicas-st.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		st.ReadyReplicas > old.ReadyReplicas ||
		st.AvailableReplicas > old.AvailableReplicas
}

// deploymentTimedOut is Kubernetes' DeploymentTimedOut: the Progressing
// condition of st was last updated more than the progress deadline before
// now (and the rollout is not complete, nor already timed out, which
// counts as timed out).
func deploymentTimedOut(d *appsv1.Deployment, st *appsv1.DeploymentStatus, now time.Time) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := condition(st, appsv1.DeploymentProgressing)
	if c == nil || c.Reason == ReasonNewReplicaSetAvailable {
		return false
	}
	if c.Reason == ReasonProgressDeadlineExceeded {
		return true
	}
	deadline := time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
	return c.LastUpdateTime.Add(deadline).Before(now)
}
