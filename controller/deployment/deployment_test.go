package deployment_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/deployment"
	"github.com/rigging-dev/rigging/controller/envtest"
)

// TestRollingUpdateKeepsNineOfTenAvailable is issue 7's acceptance test:
// a Deployment of 10 rolled from v1 to v2 with maxUnavailable 1 (maxSurge
// the default 25%) never has fewer than 9 available pods at any revision
// a watch on the pods observes, and ends with 10 updated available v2
// pods and the old ReplicaSet at 0. The new pods are held unready until
// the controller has used its one unavailable pod; then they take 100 ms
// each to become ready, as if a readiness probe had to pass.
func TestRollingUpdateKeepsNineOfTenAvailable(t *testing.T) {
	f := startWith(t, envtest.FakeKubeletOptions{ReadyDelay: 100 * time.Millisecond})
	d := newDeployment("web", 10, "web:v1")
	one := intstr.FromInt32(1)
	d.Spec.Strategy = appsv1.DeploymentStrategy{RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &one}}
	d = f.create(d)
	f.waitDeployment("web", "v1 rolled out", complete)
	if diff := cmp.Diff([]rsState{{"web:v1", 10, "1"}}, states(f.replicaSets(d))); diff != "" {
		t.Fatalf("replica sets after the first rollout (-want +got):\n%s", diff)
	}

	pw := f.watchPods()
	minAvailable, maxPods, events := 10, 0, 0
	check := func(pods map[string]*corev1.Pod) {
		events++
		avail, live := 0, 0
		for _, p := range pods {
			if p.DeletionTimestamp != nil {
				continue
			}
			live++
			if podReady(p) {
				avail++
			}
		}
		minAvailable = min(minAvailable, avail)
		maxPods = max(maxPods, live)
		if avail < 9 {
			t.Errorf("at revision %s: %d available pods, want at least 9", pw.rv, avail)
		}
	}
	// The v2 pods are held unready at first: the controller may take
	// one v1 pod down (to 9) and surge 3 v2 pods, and no more.
	f.setHold(true, "web:v2", true)
	f.update("web", setImage("web:v2"))
	live := func(img string) int {
		n := 0
		for _, p := range pw.pods {
			if p.DeletionTimestamp == nil && image(p) == img {
				n++
			}
		}
		return n
	}
	pw.until("9 v1 and 3 unready v2 pods", check, func() bool { return live("web:v1") == 9 && live("web:v2") == 3 })
	f.setHold(true, "web:v2", false)
	pw.until("the v2 rollout", check, func() bool {
		cur, err := f.deps.Get(f.ctx, "web", client.GetOptions{})
		return err == nil && complete(cur) && cur.Status.UpdatedReplicas == 10 &&
			len(pw.pods) == 10 && !slices.ContainsFunc(slices.Collect(maps.Values(pw.pods)), func(p *corev1.Pod) bool {
			return image(p) != "web:v2" || !podReady(p) || p.DeletionTimestamp != nil
		})
	})
	t.Logf("observed %d pod events; fewest available %d; most live pods %d", events, minAvailable, maxPods)
	if events < 20 || minAvailable != 9 {
		t.Errorf("observed %d pod events, fewest available %d: want a watched rollout that used its 1 unavailable pod", events, minAvailable)
	}

	got := f.waitDeployment("web", "v2 complete", complete)
	if got.Status.AvailableReplicas != 10 || got.Status.UpdatedReplicas != 10 || got.Annotations[deployment.RevisionAnnotation] != "2" {
		t.Errorf("deployment after rollout: revision %q status %+v", got.Annotations[deployment.RevisionAnnotation], got.Status)
	}
	if c := cond(got, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionTrue || c.Reason != deployment.ReasonMinimumReplicasAvailable {
		t.Errorf("Available condition %+v", c)
	}
	f.waitFor("old replica set at 0", func() (bool, string) {
		s := states(f.replicaSets(d))
		diff := cmp.Diff([]rsState{{"web:v1", 0, "1"}, {"web:v2", 10, "2"}}, s)
		return diff == "", diff
	})
	all, ready := f.podCounts()
	if diff := cmp.Diff(map[string]int{"web:v2": 10}, ready); diff != "" || len(all) != 1 {
		t.Errorf("ready pods by image (-want +got):\n%s (all %v)", diff, all)
	}

	// The new replica set: name, hash label on selector, template and
	// pods, owner, annotations.
	rss := f.replicaSets(d)
	newRS := rss[1]
	hash := newRS.Labels[appsv1.DefaultDeploymentUniqueLabelKey]
	if hash == "" || newRS.Name != "web-"+hash || newRS.Spec.Selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] != hash ||
		newRS.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != hash {
		t.Errorf("new replica set %s: labels %v selector %v template labels %v", newRS.Name, newRS.Labels, newRS.Spec.Selector, newRS.Spec.Template.Labels)
	}
	want, err := deployment.ComputeHash(&got.Spec.Template, got.Status.CollisionCount)
	if err != nil || want != hash {
		t.Errorf("pod-template-hash %q, ComputeHash of the deployment's template %q (err %v)", hash, want, err)
	}
	yes := true
	if diff := cmp.Diff([]metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: d.UID, Controller: &yes, BlockOwnerDeletion: &yes}}, newRS.OwnerReferences); diff != "" {
		t.Errorf("owner references (-want +got):\n%s", diff)
	}
	for k, v := range map[string]string{deployment.DesiredReplicasAnnotation: "10", deployment.MaxReplicasAnnotation: "13"} {
		if newRS.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, newRS.Annotations[k], v)
		}
	}
	pods, err := f.pods.List(f.ctx, client.ListOptions{LabelSelector: appsv1.DefaultDeploymentUniqueLabelKey + "=" + hash})
	if err != nil || len(pods.Items) != 10 {
		t.Errorf("pods labelled with the hash: %d (err %v), want 10", len(pods.Items), err)
	}
}

// TestRecreateNeverRunsOldAndNewTogether holds the old pods terminating
// for a while: no new pod may appear until every old one is gone.
func TestRecreateNeverRunsOldAndNewTogether(t *testing.T) {
	f := start(t)
	d := newDeployment("db", 3, "db:v1")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	d = f.create(d)
	f.waitDeployment("db", "v1 rolled out", complete)

	pw := f.watchPods()
	check := func(pods map[string]*corev1.Pod) {
		images := map[string]int{}
		for _, p := range pods {
			images[image(p)]++
		}
		if images["db:v1"] > 0 && images["db:v2"] > 0 {
			t.Errorf("at revision %s: old and new pods exist together: %v", pw.rv, images)
		}
	}
	f.setHold(false, "db:v1", true)
	f.update("db", setImage("db:v2"))
	// Every old pod is terminating and held; the controller has seen the
	// new generation, and must not have made a new replica set.
	pw.until("old pods terminating", check, func() bool {
		cur, err := f.deps.Get(f.ctx, "db", client.GetOptions{})
		if err != nil || cur.Status.ObservedGeneration != cur.Generation {
			return false
		}
		n := 0
		for _, p := range pw.pods {
			if p.DeletionTimestamp == nil {
				return false
			}
			n++
		}
		return n == 3
	})
	if diff := cmp.Diff([]rsState{{"db:v1", 0, "1"}}, states(f.replicaSets(d))); diff != "" {
		t.Errorf("replica sets while old pods terminate (-want +got):\n%s", diff)
	}
	f.setHold(false, "db:v1", false)
	pw.until("v2 rolled out", check, func() bool {
		cur, err := f.deps.Get(f.ctx, "db", client.GetOptions{})
		return err == nil && complete(cur) && len(pw.pods) == 3
	})
	f.waitFor("replica sets after recreate", func() (bool, string) {
		diff := cmp.Diff([]rsState{{"db:v1", 0, "1"}, {"db:v2", 3, "2"}}, states(f.replicaSets(d)))
		return diff == "", diff
	})
}

// TestRollbackReusesOldReplicaSet sets the template back to v1's: the v1
// replica set is scaled up again, with revision 3.
func TestRollbackReusesOldReplicaSet(t *testing.T) {
	f := start(t)
	d := f.create(newDeployment("api", 3, "api:v1"))
	f.waitDeployment("api", "v1 rolled out", complete)
	v1 := f.replicaSets(d)[0]
	f.update("api", setImage("api:v2"))
	f.waitDeployment("api", "v2 rolled out", func(d *appsv1.Deployment) bool {
		return complete(d) && d.Annotations[deployment.RevisionAnnotation] == "2"
	})
	f.update("api", setImage("api:v1"))
	got := f.waitDeployment("api", "rolled back", func(d *appsv1.Deployment) bool {
		return complete(d) && d.Annotations[deployment.RevisionAnnotation] == "3"
	})
	f.waitFor("replica sets after rollback", func() (bool, string) {
		diff := cmp.Diff([]rsState{{"api:v2", 0, "2"}, {"api:v1", 3, "3"}}, states(f.replicaSets(d)))
		return diff == "", diff
	})
	rss := f.replicaSets(d)
	if rss[1].UID != v1.UID || rss[1].Name != v1.Name {
		t.Errorf("rolled back to replica set %s (%s), want the v1 one %s (%s)", rss[1].Name, rss[1].UID, v1.Name, v1.UID)
	}
	if h := rss[1].Annotations[deployment.RevisionHistoryAnnotation]; h != "1" {
		t.Errorf("revision history of the re-used replica set %q, want \"1\"", h)
	}
	if got.Status.UpdatedReplicas != 3 {
		t.Errorf("status after rollback %+v", got.Status)
	}
}

// TestPausedDeploymentDoesNotRollButScales pauses, changes the image and
// scales: only the scale happens until the deployment is resumed.
func TestPausedDeploymentDoesNotRollButScales(t *testing.T) {
	f := start(t)
	d := f.create(newDeployment("cache", 2, "cache:v1"))
	f.waitDeployment("cache", "v1 rolled out", complete)
	f.update("cache", func(d *appsv1.Deployment) { d.Spec.Paused = true; setImage("cache:v2")(d) })
	f.waitDeployment("cache", "paused condition", func(d *appsv1.Deployment) bool {
		c := cond(d, appsv1.DeploymentProgressing)
		return d.Status.ObservedGeneration == d.Generation && c != nil && c.Status == corev1.ConditionUnknown && c.Reason == deployment.ReasonDeploymentPaused
	})
	f.update("cache", func(d *appsv1.Deployment) { d.Spec.Replicas = new(int32(4)) })
	f.waitFor("paused deployment scaled", func() (bool, string) {
		all, ready := f.podCounts()
		diff := cmp.Diff([]rsState{{"cache:v1", 4, "1"}}, states(f.replicaSets(d)))
		return diff == "" && all["cache:v1"] == 4 && ready["cache:v1"] == 4 && len(all) == 1, fmt.Sprintf("%s pods %v", diff, all)
	})
	cur, err := f.deps.Get(f.ctx, "cache", client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cur.Annotations[deployment.RevisionAnnotation] != "1" {
		t.Errorf("revision while paused %q, want 1", cur.Annotations[deployment.RevisionAnnotation])
	}
	f.update("cache", func(d *appsv1.Deployment) { d.Spec.Paused = false })
	f.waitDeployment("cache", "v2 rolled out after resume", func(d *appsv1.Deployment) bool {
		return complete(d) && *d.Spec.Replicas == 4 && d.Annotations[deployment.RevisionAnnotation] == "2"
	})
	f.waitFor("replica sets after resume", func() (bool, string) {
		diff := cmp.Diff([]rsState{{"cache:v1", 0, "1"}, {"cache:v2", 4, "2"}}, states(f.replicaSets(d)))
		return diff == "", diff
	})
}

// TestRevisionHistoryLimitPrunes keeps one old replica set of three
// rollouts.
func TestRevisionHistoryLimitPrunes(t *testing.T) {
	f := start(t)
	d := newDeployment("log", 2, "log:v1")
	d.Spec.RevisionHistoryLimit = new(int32(1))
	d = f.create(d)
	f.waitDeployment("log", "v1 rolled out", complete)
	for i, img := range []string{"log:v2", "log:v3"} {
		f.update("log", setImage(img))
		rev := fmt.Sprint(i + 2)
		f.waitDeployment("log", img+" rolled out", func(d *appsv1.Deployment) bool {
			return complete(d) && d.Annotations[deployment.RevisionAnnotation] == rev
		})
	}
	f.waitFor("history pruned to one old replica set", func() (bool, string) {
		diff := cmp.Diff([]rsState{{"log:v2", 0, "2"}, {"log:v3", 2, "3"}}, states(f.replicaSets(d)))
		return diff == "", diff
	})
}

// TestProgressDeadlineExceeded holds the new pods unready past a 1 s
// deadline, then lets them become ready.
func TestProgressDeadlineExceeded(t *testing.T) {
	f := start(t)
	d := newDeployment("slow", 2, "slow:v1")
	d.Spec.ProgressDeadlineSeconds = new(int32(1))
	f.create(d)
	f.waitDeployment("slow", "v1 rolled out", complete)
	f.setHold(true, "slow:v2", true)
	f.update("slow", setImage("slow:v2"))
	// The new pod appearing counts as progress (Kubernetes'
	// DeploymentProgressing), so on a slow machine the deadline may pass
	// once before it and again after: wait for the stuck state with it.
	got := f.waitDeployment("slow", "deadline exceeded", func(d *appsv1.Deployment) bool {
		c := cond(d, appsv1.DeploymentProgressing)
		return c != nil && c.Status == corev1.ConditionFalse && c.Reason == deployment.ReasonProgressDeadlineExceeded &&
			d.Status.UpdatedReplicas == 1 && d.Status.ObservedGeneration == d.Generation
	})
	// maxUnavailable 25% of 2 is 0: the old pods stay, so it is available.
	if c := cond(got, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionTrue {
		t.Errorf("Available condition while stuck: %+v", c)
	}
	if got.Status.AvailableReplicas != 2 || got.Status.UpdatedReplicas != 1 || got.Status.UnavailableReplicas != 1 {
		t.Errorf("status while stuck: %+v", got.Status)
	}
	f.setHold(true, "slow:v2", false)
	f.waitDeployment("slow", "v2 rolled out", complete)
}

// TestScalingMidRolloutIsProportional is the example of Kubernetes'
// documentation ("Proportional scaling"): 10 replicas, maxSurge 3,
// maxUnavailable 2, a rollout stuck with the old replica set at 8 and the
// new one at 5; scaled to 15, the 5 extra replicas go 3 to the old and 2
// to the new replica set (11 and 7).
func TestScalingMidRolloutIsProportional(t *testing.T) {
	f := start(t)
	d := newDeployment("front", 10, "front:v1")
	d.Spec.Strategy = rolling(intstr.FromInt32(3), intstr.FromInt32(2))
	d = f.create(d)
	f.waitDeployment("front", "v1 rolled out", complete)
	f.setHold(true, "front:v2", true)
	f.update("front", setImage("front:v2"))
	f.waitFor("rollout stuck at 8 old and 5 new", func() (bool, string) {
		diff := cmp.Diff([]rsState{{"front:v1", 8, "1"}, {"front:v2", 5, "2"}}, states(f.replicaSets(d)))
		return diff == "", diff
	})
	f.update("front", func(d *appsv1.Deployment) { d.Spec.Replicas = new(int32(15)) })
	f.waitFor("proportional scale to 11 and 7", func() (bool, string) {
		rss := f.replicaSets(d)
		diff := cmp.Diff([]rsState{{"front:v1", 11, "1"}, {"front:v2", 7, "2"}}, states(rss))
		ok := diff == ""
		for _, rs := range rss {
			ok = ok && rs.Annotations[deployment.DesiredReplicasAnnotation] == "15" && rs.Annotations[deployment.MaxReplicasAnnotation] == "18"
		}
		return ok, diff
	})
	f.setHold(true, "front:v2", false)
	f.waitDeployment("front", "v2 rolled out at 15", complete)
	f.waitFor("all 15 on v2", func() (bool, string) {
		diff := cmp.Diff([]rsState{{"front:v1", 0, "1"}, {"front:v2", 15, "2"}}, states(f.replicaSets(d)))
		return diff == "", diff
	})
}

// TestHashCollisionBumpsCollisionCount takes the new replica set's name
// with a foreign replica set: the controller counts a collision and uses
// the next hash.
func TestHashCollisionBumpsCollisionCount(t *testing.T) {
	f := start(t)
	d := newDeployment("svc", 1, "svc:v1")
	d.Spec.Paused = true
	d = f.create(d)
	hash, err := deployment.ComputeHash(&d.Spec.Template, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := map[string]string{"app": "other"}
	_, err = f.rss.Create(f.ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "svc-" + hash, Labels: other},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: new(int32(0)),
			Selector: &metav1.LabelSelector{MatchLabels: other},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: other},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "other"}}},
			},
		},
	}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.update("svc", func(d *appsv1.Deployment) { d.Spec.Paused = false })
	got := f.waitDeployment("svc", "rolled out after a collision", complete)
	if got.Status.CollisionCount == nil || *got.Status.CollisionCount != 1 {
		t.Fatalf("collisionCount %v, want 1", got.Status.CollisionCount)
	}
	next, err := deployment.ComputeHash(&got.Spec.Template, got.Status.CollisionCount)
	if err != nil {
		t.Fatal(err)
	}
	rss := f.replicaSets(d)
	if len(rss) != 1 || rss[0].Name != "svc-"+next {
		t.Errorf("replica sets %v, want only svc-%s", states(rss), next)
	}
	foreign, err := f.rss.Get(f.ctx, "svc-"+hash, client.GetOptions{})
	if err != nil || controller.ControllingOwner(foreign) != nil {
		t.Errorf("foreign replica set changed or gone: %+v (err %v)", foreign, err)
	}
}

// TestAdoptsOrphanReplicaSet creates a replica set with the deployment's
// template and labels before a paused deployment: the deployment adopts
// it, and once resumed uses it as its new replica set instead of making
// one.
func TestAdoptsOrphanReplicaSet(t *testing.T) {
	f := start(t)
	tmpl := newDeployment("job", 2, "job:v1")
	orphan, err := f.rss.Create(f.ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "job-orphan", Labels: map[string]string{"app": "job"}},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: new(int32(1)),
			Selector: tmpl.Spec.Selector,
			Template: tmpl.Spec.Template,
		},
	}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tmpl.Spec.Paused = true
	d := f.create(tmpl)
	// Paused, the deployment adopts the orphan and scales it to its size.
	f.waitFor("orphan adopted and scaled", func() (bool, string) {
		rss := f.replicaSets(d)
		return len(rss) == 1 && rss[0].UID == orphan.UID && *rss[0].Spec.Replicas == 2, fmt.Sprint(states(rss))
	})
	f.update("job", func(d *appsv1.Deployment) { d.Spec.Paused = false })
	got := f.waitDeployment("job", "rolled out", func(d *appsv1.Deployment) bool {
		return complete(d) && d.Annotations[deployment.RevisionAnnotation] == "1"
	})
	if diff := cmp.Diff([]rsState{{"job:v1", 2, "1"}}, states(f.replicaSets(d))); diff != "" {
		t.Errorf("replica sets (-want +got):\n%s", diff)
	}
	if got.Status.UpdatedReplicas != 2 {
		t.Errorf("status %+v", got.Status)
	}
}

// TestUnhealthyOldReplicasScaledDownFirst: with every old pod unready,
// Kubernetes' cleanupUnhealthyReplicas still lets a rollout advance
// within its bounds: 4 replicas, maxSurge 1, maxUnavailable 1, the new
// pods unready too, settles at 3 old and 2 new (5 pods; 0 available, so
// none of the available ones may go); once the new pods are ready the
// rollout completes.
func TestUnhealthyOldReplicasScaledDownFirst(t *testing.T) {
	f := start(t)
	f.setHold(true, "worker:v1", true)
	d := newDeployment("worker", 4, "worker:v1")
	d.Spec.Strategy = rolling(intstr.FromInt32(1), intstr.FromInt32(1))
	d = f.create(d)
	f.waitFor("4 unready v1 pods", func() (bool, string) {
		all, ready := f.podCounts()
		return all["worker:v1"] == 4 && ready["worker:v1"] == 0, fmt.Sprint(all, ready)
	})
	f.setHold(true, "worker:v2", true)
	f.update("worker", setImage("worker:v2"))
	f.waitFor("3 old and 2 new", func() (bool, string) {
		all, _ := f.podCounts()
		diff := cmp.Diff([]rsState{{"worker:v1", 3, "1"}, {"worker:v2", 2, "2"}}, states(f.replicaSets(d)))
		return diff == "" && all["worker:v1"] == 3 && all["worker:v2"] == 2, fmt.Sprint(diff, all)
	})
	got := f.waitDeployment("worker", "status of the stuck rollout", func(d *appsv1.Deployment) bool {
		return d.Status.ObservedGeneration == d.Generation && d.Status.Replicas == 5 && d.Status.UpdatedReplicas == 2
	})
	if c := cond(got, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionFalse || c.Reason != deployment.ReasonMinimumReplicasUnavailable {
		t.Errorf("Available condition with no available pods: %+v", c)
	}
	if got.Status.AvailableReplicas != 0 || got.Status.UnavailableReplicas != 5 {
		t.Errorf("status: %+v", got.Status)
	}
	f.setHold(true, "worker:v2", false)
	f.waitDeployment("worker", "v2 rolled out", complete)
	f.waitFor("old replica set emptied", func() (bool, string) {
		diff := cmp.Diff([]rsState{{"worker:v1", 0, "1"}, {"worker:v2", 4, "2"}}, states(f.replicaSets(d)))
		return diff == "", diff
	})
}
