package deployment

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ios(s string) *intstr.IntOrString { v := intstr.Parse(s); return &v }

// TestResolveFenceposts follows Kubernetes' documentation of
// RollingUpdateDeployment: "Absolute number is calculated from percentage
// by rounding up" for maxSurge and "by rounding down" for maxUnavailable,
// and "This can not be 0 if MaxUnavailable is 0" — which
// util.ResolveFenceposts enforces by making maxUnavailable 1 when both
// resolve to 0.
func TestResolveFenceposts(t *testing.T) {
	tests := []struct {
		surge, unavail         string
		desired                int32
		wantSurge, wantUnavail int32
	}{
		{"25%", "25%", 10, 3, 2}, // 2.5 up, 2.5 down: the defaults on 10 replicas
		{"25%", "1", 10, 3, 1},   // issue 7's acceptance case
		{"25%", "25%", 1, 1, 0},  // 0.25 up to 1, down to 0
		{"25%", "25%", 4, 1, 1},  // exact
		{"0", "25%", 1, 0, 1},    // both 0: unavailable becomes 1
		{"0%", "0%", 100, 0, 1},  // both 0 as percentages
		{"50%", "50%", 3, 2, 1},  // 1.5 up and down
		{"100%", "0", 5, 5, 0},   // blue/green-like
		{"3", "2", 10, 3, 2},     // absolute numbers as they are
		{"10%", "10%", 0, 0, 1},  // no replicas: both 0, so 1
		{"1%", "99%", 1000, 10, 990},
	}
	for _, tc := range tests {
		s, u, err := ResolveFenceposts(ios(tc.surge), ios(tc.unavail), tc.desired)
		if err != nil {
			t.Errorf("ResolveFenceposts(%s, %s, %d): %v", tc.surge, tc.unavail, tc.desired, err)
			continue
		}
		if s != tc.wantSurge || u != tc.wantUnavail {
			t.Errorf("ResolveFenceposts(%s, %s, %d) = %d, %d; want %d, %d", tc.surge, tc.unavail, tc.desired, s, u, tc.wantSurge, tc.wantUnavail)
		}
	}
	if s, u, err := ResolveFenceposts(nil, nil, 10); err != nil || s != 0 || u != 1 {
		t.Errorf("ResolveFenceposts(nil, nil, 10) = %d, %d, %v; want 0, 1", s, u, err)
	}
	for _, bad := range [][2]string{{"x", "1"}, {"1", "ten%"}, {"-1", "1"}} {
		if _, _, err := ResolveFenceposts(ios(bad[0]), ios(bad[1]), 10); err == nil {
			t.Errorf("ResolveFenceposts(%q, %q) succeeded, want an error", bad[0], bad[1])
		}
	}
}

func dep(replicas int32, surge, unavail string) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns"}}
	d.Spec.Replicas = &replicas
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: ios(surge), MaxUnavailable: ios(unavail)}}
	return d
}

// TestMaxSurgeAndUnavailable: Kubernetes' MaxSurge and MaxUnavailable are
// 0 for Recreate, and MaxUnavailable is 0 without replicas and never more
// than the replicas.
func TestMaxSurgeAndUnavailable(t *testing.T) {
	recreate := dep(5, "2", "2")
	recreate.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	tests := []struct {
		name                   string
		d                      *appsv1.Deployment
		wantSurge, wantUnavail int32
	}{
		{"rolling", dep(10, "25%", "25%"), 3, 2},
		{"recreate", recreate, 0, 0},
		{"no replicas", dep(0, "1", "1"), 1, 0},
		{"unavailable capped", dep(2, "0", "5"), 0, 2},
	}
	for _, tc := range tests {
		s, err1 := maxSurge(tc.d)
		u, err2 := maxUnavailable(tc.d)
		if err1 != nil || err2 != nil || s != tc.wantSurge || u != tc.wantUnavail {
			t.Errorf("%s: maxSurge %d (%v), maxUnavailable %d (%v); want %d, %d", tc.name, s, err1, u, err2, tc.wantSurge, tc.wantUnavail)
		}
	}
}

type rsOpt func(*appsv1.ReplicaSet)

func rs(name string, replicas int32, opts ...rsOpt) *appsv1.ReplicaSet {
	r := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: metav1.NewTime(t0)}}
	r.Spec.Replicas = &replicas
	for _, o := range opts {
		o(r)
	}
	return r
}

func maxReplicas(n int32) rsOpt {
	return func(r *appsv1.ReplicaSet) {
		r.Annotations = map[string]string{MaxReplicasAnnotation: strconv.Itoa(int(n))}
	}
}
func createdAt(d time.Duration) rsOpt {
	return func(r *appsv1.ReplicaSet) { r.CreationTimestamp = metav1.NewTime(t0.Add(d)) }
}
func availableN(n int32) rsOpt { return func(r *appsv1.ReplicaSet) { r.Status.AvailableReplicas = n } }

// TestProportionalSizes follows Kubernetes' documentation ("Proportional
// scaling", concepts/workloads/controllers/deployment) and the rules of
// DeploymentController.scale: replicas+maxSurge is spread over the active
// ReplicaSets by their share of the max-replicas they were last scaled
// for, rounded to nearest; the larger ReplicaSet goes first (newer first
// on ties when growing, older first when shrinking) and takes what
// rounding leaves.
func TestProportionalSizes(t *testing.T) {
	tests := []struct {
		name  string
		d     *appsv1.Deployment
		rss   []*appsv1.ReplicaSet
		want  map[string]int32
		order []string
	}{
		{
			// The documentation's example: 10 replicas, maxSurge 3, stuck
			// at 8 old and 5 new, scaled to 15: 3 go to the old and 2 to
			// the new ReplicaSet.
			name:  "documented example",
			d:     dep(15, "3", "2"),
			rss:   []*appsv1.ReplicaSet{rs("old", 8, maxReplicas(13)), rs("new", 5, maxReplicas(13), createdAt(time.Minute))},
			want:  map[string]int32{"old": 11, "new": 7},
			order: []string{"old", "new"},
		},
		{
			// Scaling the same down to 5 (allowed 8): 8*8/13 = 4.9 -> 5,
			// 5*8/13 = 3.1 -> 3.
			name:  "scale down",
			d:     dep(5, "3", "2"),
			rss:   []*appsv1.ReplicaSet{rs("old", 8, maxReplicas(13)), rs("new", 5, maxReplicas(13), createdAt(time.Minute))},
			want:  map[string]int32{"old": 5, "new": 3},
			order: []string{"old", "new"},
		},
		{
			// Equal sizes growing by 1 (allowed 5+1=6 from 4): each gets
			// round(2*6/4) - 2 = 1, newer first; 2 spread, 0 leftover.
			name:  "tie grows newer first",
			d:     dep(5, "1", "0"),
			rss:   []*appsv1.ReplicaSet{rs("a", 2, maxReplicas(4)), rs("b", 2, maxReplicas(4), createdAt(time.Minute))},
			want:  map[string]int32{"a": 3, "b": 3},
			order: []string{"b", "a"},
		},
		{
			// Equal sizes shrinking by 1 (allowed 3 from 4): the fraction
			// round(2*3/4)-2 = round(1.5)-2 = 0 for each (half away from
			// zero), so the older, first, takes the leftover -1.
			name:  "tie shrinks older first",
			d:     dep(2, "1", "0"),
			rss:   []*appsv1.ReplicaSet{rs("a", 2, maxReplicas(4)), rs("b", 2, maxReplicas(4), createdAt(time.Minute))},
			want:  map[string]int32{"a": 1, "b": 2},
			order: []string{"a", "b"},
		},
		{
			// Scaling to 0 empties every ReplicaSet.
			name:  "to zero",
			d:     dep(0, "3", "2"),
			rss:   []*appsv1.ReplicaSet{rs("old", 8, maxReplicas(13)), rs("new", 5, maxReplicas(13), createdAt(time.Minute))},
			want:  map[string]int32{"old": 0, "new": 0},
			order: []string{"old", "new"},
		},
		{
			// Without the annotation the deployment's status.replicas is
			// the base: 6 of 12 to a new size of 18+0 -> 9 each.
			name: "no annotation",
			d: func() *appsv1.Deployment {
				d := dep(18, "0", "1")
				d.Status.Replicas = 12
				return d
			}(),
			rss:   []*appsv1.ReplicaSet{rs("old", 6), rs("new", 6, createdAt(time.Minute))},
			want:  map[string]int32{"old": 9, "new": 9},
			order: []string{"new", "old"},
		},
	}
	for _, tc := range tests {
		surge, err := maxSurge(tc.d)
		if err != nil {
			t.Fatal(err)
		}
		got, ordered := proportionalSizes(tc.d, tc.rss, surge)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: sizes (-want +got):\n%s", tc.name, diff)
		}
		var names []string
		for _, r := range ordered {
			names = append(names, r.Name)
		}
		if diff := cmp.Diff(tc.order, names); diff != "" {
			t.Errorf("%s: order (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestNewRSReplicas follows Kubernetes' NewRSNewReplicas: a rolling
// update's new ReplicaSet grows to fill replicas+maxSurge, never past
// replicas; a Recreate one is sized at once.
func TestNewRSReplicas(t *testing.T) {
	recreate := dep(4, "1", "1")
	recreate.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	tests := []struct {
		name string
		d    *appsv1.Deployment
		old  int32 // old ReplicaSets' replicas
		cur  int32 // the new ReplicaSet's
		want int32
	}{
		{"first step of 10 with surge 3", dep(10, "25%", "1"), 10, 0, 3},
		{"surge used up", dep(10, "25%", "1"), 10, 3, 3},
		{"old scaled down by 1", dep(10, "25%", "1"), 9, 3, 4},
		{"never past replicas", dep(10, "25%", "1"), 0, 8, 10},
		{"recreate", recreate, 0, 0, 4},
	}
	for _, tc := range tests {
		newRS := rs("new", tc.cur)
		got, err := newRSReplicas(tc.d, []*appsv1.ReplicaSet{rs("old", tc.old), newRS}, newRS)
		if err != nil || got != tc.want {
			t.Errorf("%s: newRSReplicas = %d (%v), want %d", tc.name, got, err, tc.want)
		}
	}
}

// TestAvailableIsBoundedBySpec: a ReplicaSet just scaled down counts no
// more available pods than it is about to keep.
func TestAvailableIsBoundedBySpec(t *testing.T) {
	tests := []struct {
		spec, avail, want int32
	}{{10, 10, 10}, {9, 10, 9}, {10, 7, 7}, {0, 3, 0}}
	for _, tc := range tests {
		if got := available(rs("r", tc.spec, availableN(tc.avail))); got != tc.want {
			t.Errorf("available(spec %d, status %d) = %d, want %d", tc.spec, tc.avail, got, tc.want)
		}
	}
}

// TestSafeEncodeString checks Kubernetes' rand.SafeEncodeString mapping:
// each character to "bcdfghjklmnpqrstvwxz2456789"[code point % 27]; the
// digits '0'..'9' (48..57) map to indexes 21..26 and 0..3.
func TestSafeEncodeString(t *testing.T) {
	tests := map[string]string{
		"0123456789": "456789bcdf",
		"2166136261": "65bb57b6b5", // FNV-32a of nothing, in decimal
		"":           "",
	}
	for in, want := range tests {
		if got := SafeEncodeString(in); got != want {
			t.Errorf("SafeEncodeString(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestComputeHash pins the hash of one template: its JSON is
// {"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}},
// whose FNV-32a (offset basis 2166136261, prime 16777619) is 62274856,
// safe-encoded "b66c8d9b"; with collisionCount 1 appended as 8
// little-endian bytes it is 750328137, "c9476d57c". A change here would
// make every Deployment roll its pods after an upgrade.
func TestComputeHash(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
	}
	tests := []struct {
		collisions *int32
		want       string
	}{{nil, "b66c8d9b"}, {new(int32(1)), "c9476d57c"}}
	for _, tc := range tests {
		got, err := ComputeHash(tmpl, tc.collisions)
		if err != nil || got != tc.want {
			t.Errorf("ComputeHash(collisions %v) = %q (%v), want %q", tc.collisions, got, err, tc.want)
		}
	}
	other := tmpl.DeepCopy()
	other.Spec.Containers[0].Image = "nginx:1.28"
	a, _ := ComputeHash(tmpl, nil)
	b, _ := ComputeHash(other, nil)
	if a == b {
		t.Errorf("templates with different images hash alike: %q", a)
	}
}

func TestEqualIgnoreHash(t *testing.T) {
	base := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "v1"}}},
	}
	hashed := *base.DeepCopy()
	hashed.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = "abc"
	onlyHash := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{appsv1.DefaultDeploymentUniqueLabelKey: "abc"}}}
	other := *base.DeepCopy()
	other.Spec.Containers[0].Image = "v2"
	tests := []struct {
		name string
		a, b corev1.PodTemplateSpec
		want bool
	}{
		{"same", base, base, true},
		{"hash label ignored", base, hashed, true},
		{"only the hash label is no labels", corev1.PodTemplateSpec{}, onlyHash, true},
		{"image differs", base, other, false},
	}
	for _, tc := range tests {
		if got := EqualIgnoreHash(&tc.a, &tc.b); got != tc.want {
			t.Errorf("%s: EqualIgnoreHash = %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, ok := hashed.Labels[appsv1.DefaultDeploymentUniqueLabelKey]; !ok {
		t.Error("EqualIgnoreHash modified its argument")
	}
}

// TestSetNewRSAnnotations: the revision only goes up, and the old one is
// kept in the revision history (a rollback); replicas annotations are set
// on a ReplicaSet being created.
func TestSetNewRSAnnotations(t *testing.T) {
	d := dep(10, "25%", "1")
	d.Annotations = map[string]string{"team": "a", RevisionAnnotation: "9", "kubectl.kubernetes.io/last-applied-configuration": "{}"}

	created := rs("new", 3)
	if !setNewRSAnnotations(d, created, 1, false, 13) {
		t.Error("new ReplicaSet: no change reported")
	}
	want := map[string]string{"team": "a", RevisionAnnotation: "1", DesiredReplicasAnnotation: "10", MaxReplicasAnnotation: "13"}
	if diff := cmp.Diff(want, created.Annotations); diff != "" {
		t.Errorf("new ReplicaSet annotations (-want +got):\n%s", diff)
	}

	reused := rs("old", 0)
	reused.Annotations = map[string]string{RevisionAnnotation: "1", "team": "a"}
	if !setNewRSAnnotations(d, reused, 3, true, 13) {
		t.Error("rollback: no change reported")
	}
	want = map[string]string{"team": "a", RevisionAnnotation: "3", RevisionHistoryAnnotation: "1"}
	if diff := cmp.Diff(want, reused.Annotations); diff != "" {
		t.Errorf("re-used ReplicaSet annotations (-want +got):\n%s", diff)
	}
	if setNewRSAnnotations(d, reused, 3, true, 13) || setNewRSAnnotations(d, reused, 2, true, 13) {
		t.Error("same or lower revision reported a change")
	}
}

// TestConditions follows Kubernetes' SetDeploymentCondition (same status
// and reason: no change; same status: the transition time is kept) and
// DeploymentTimedOut (the Progressing condition's lastUpdateTime plus the
// deadline is before now).
func TestConditions(t *testing.T) {
	var st appsv1.DeploymentStatus
	setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewReplicaSetCreated, "a", t0))
	setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewReplicaSetCreated, "b", t0.Add(time.Minute)))
	c := condition(&st, appsv1.DeploymentProgressing)
	if c.Message != "a" || !c.LastUpdateTime.Time.Equal(t0) {
		t.Errorf("same status and reason changed the condition: %+v", c)
	}
	setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonReplicaSetUpdated, "c", t0.Add(time.Minute)))
	c = condition(&st, appsv1.DeploymentProgressing)
	if c.Reason != ReasonReplicaSetUpdated || !c.LastTransitionTime.Time.Equal(t0) || !c.LastUpdateTime.Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("same status, new reason: %+v", c)
	}
	if len(st.Conditions) != 1 {
		t.Errorf("%d conditions, want 1", len(st.Conditions))
	}

	d := dep(1, "1", "0")
	d.Spec.ProgressDeadlineSeconds = new(int32(60))
	for _, tc := range []struct {
		now  time.Duration
		want bool
	}{{time.Minute, false}, {2 * time.Minute, false}, {2*time.Minute + time.Second, true}} {
		if got := deploymentTimedOut(d, &st, t0.Add(tc.now)); got != tc.want {
			t.Errorf("timed out at +%v: %v, want %v", tc.now, got, tc.want)
		}
	}
	// Lasting 60 s from the update at +1m, the deadline is at +2m; the
	// controller looks again a second after it.
	if got := requeueStuck(&appsv1.Deployment{Spec: d.Spec, Status: st}, &appsv1.DeploymentStatus{}, t0.Add(90*time.Second)); got != 31*time.Second {
		t.Errorf("requeueStuck = %v, want 31s", got)
	}
}

// TestReplicaFailure: the new ReplicaSet's ReplicaFailure condition wins
// over an old one's (Kubernetes' getReplicaFailures).
func TestReplicaFailure(t *testing.T) {
	failing := func(msg string) rsOpt {
		return func(r *appsv1.ReplicaSet) {
			r.Status.Conditions = []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
				Reason: "FailedCreate", Message: msg, LastTransitionTime: metav1.NewTime(t0)}}
		}
	}
	old, healthy := rs("old", 1, failing("quota")), rs("new", 1)
	want := &appsv1.DeploymentCondition{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate",
		Message: "quota", LastUpdateTime: metav1.NewTime(t0), LastTransitionTime: metav1.NewTime(t0)}
	if diff := cmp.Diff(want, replicaFailure([]*appsv1.ReplicaSet{old, healthy}, healthy)); diff != "" {
		t.Errorf("old failure (-want +got):\n%s", diff)
	}
	newFailing := rs("new", 1, failing("forbidden"))
	if got := replicaFailure([]*appsv1.ReplicaSet{old, newFailing}, newFailing); got == nil || got.Message != "forbidden" {
		t.Errorf("new failure: %+v, want the new ReplicaSet's", got)
	}
	if got := replicaFailure([]*appsv1.ReplicaSet{healthy}, nil); got != nil {
		t.Errorf("no failure: %+v", got)
	}
}
