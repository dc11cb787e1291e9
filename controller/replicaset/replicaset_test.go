package replicaset_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/replicaset"
)

const ns = "default"

// fixture is an API server with the ReplicaSet controller running.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	rss  *client.Resource[appsv1.ReplicaSet]
	pods *client.Resource[corev1.Pod]
}

func start(t *testing.T) *fixture {
	t.Helper()
	env := envtest.Start(t)
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replicaset.Add(mgr, env.Client, controller.Options{MaxConcurrentReconciles: 2}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("manager Start: %v", err)
		}
	})
	rss, err := client.For[appsv1.ReplicaSet](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	pods, err := client.For[corev1.Pod](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: t.Context(), rss: rss.Namespace(ns), pods: pods.Namespace(ns)}
}

// waitFor polls cond until it holds, failing the test after 15 s with
// cond's last description of the state.
func (f *fixture) waitFor(what string, cond func() (bool, string)) {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond) // polling interval, not synchronisation
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		<-tick.C
	}
}

func newRS(name string, replicas, minReady int32) *appsv1.ReplicaSet {
	lbl := map[string]string{"app": name}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        &replicas,
			MinReadySeconds: minReady,
			Selector:        &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			},
		},
	}
}

func (f *fixture) create(rs *appsv1.ReplicaSet) *appsv1.ReplicaSet {
	f.t.Helper()
	got, err := f.rss.Create(f.ctx, rs, client.CreateOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

func (f *fixture) scale(name string, replicas int32) {
	f.t.Helper()
	rs, err := f.rss.Get(f.ctx, name, client.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	rs.Spec.Replicas = &replicas
	if _, err := f.rss.Update(f.ctx, rs, client.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// owned returns the names of the non-terminating pods rs controls, sorted.
func (f *fixture) owned(rs *appsv1.ReplicaSet) []string {
	f.t.Helper()
	list, err := f.pods.List(f.ctx, client.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for _, p := range list.Items {
		if ref := controller.ControllingOwner(&p); ref != nil && ref.UID == rs.UID && p.DeletionTimestamp == nil {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return names
}

// waitOwned waits until rs controls exactly n non-terminating pods and its
// status says so, and returns their names.
func (f *fixture) waitOwned(rs *appsv1.ReplicaSet, n int) []string {
	f.t.Helper()
	var names []string
	f.waitFor(fmt.Sprintf("%d pods of %s", n, rs.Name), func() (bool, string) {
		names = f.owned(rs)
		cur, err := f.rss.Get(f.ctx, rs.Name, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(names) == n && cur.Status.Replicas == int32(n) && cur.Status.ObservedGeneration == cur.Generation,
			fmt.Sprintf("pods %v, status %+v", names, cur.Status)
	})
	return names
}

// markReady does what a kubelet would: the pod runs and is ready since
// readySince.
func (f *fixture) markReady(name string, readySince time.Time) {
	f.t.Helper()
	p, err := f.pods.Get(f.ctx, name, client.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{
		Type: corev1.PodReady, Status: corev1.ConditionTrue,
		LastTransitionTime: metav1.NewTime(readySince.Truncate(time.Second)),
	}}
	if _, err := f.pods.UpdateStatus(f.ctx, p, client.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) waitStatus(name string, ready, available int32) {
	f.t.Helper()
	f.waitFor(fmt.Sprintf("%s ready %d available %d", name, ready, available), func() (bool, string) {
		rs, err := f.rss.Get(f.ctx, name, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return rs.Status.ReadyReplicas == ready && rs.Status.AvailableReplicas == available, fmt.Sprintf("%+v", rs.Status)
	})
}

func TestScaleUpScaleDownAndReplace(t *testing.T) {
	f := start(t)
	rs := f.create(newRS("web", 0, 0))
	f.waitOwned(rs, 0)

	f.scale("web", 5)
	names := f.waitOwned(rs, 5)
	for _, n := range names {
		p, err := f.pods.Get(f.ctx, n, client.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		want := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: rs.UID, Controller: &yes, BlockOwnerDeletion: &yes}}
		if diff := cmp.Diff(want, p.OwnerReferences); diff != "" {
			t.Errorf("pod %s ownerReferences (-want +got):\n%s", n, diff)
		}
		if diff := cmp.Diff(map[string]string{"app": "web"}, p.Labels); diff != "" {
			t.Errorf("pod %s labels (-want +got):\n%s", n, diff)
		}
	}
	f.waitStatus("web", 0, 0)
	if all, err := f.pods.List(f.ctx, client.ListOptions{}); err != nil || len(all.Items) != 5 {
		t.Fatalf("pods in the namespace after scale up: %d (err %v), want exactly 5", len(all.Items), err)
	}

	// Two pods run and are ready; scaling down to 2 deletes the others.
	ready := []string{names[1], names[3]}
	for _, n := range ready {
		f.markReady(n, time.Now())
	}
	f.waitStatus("web", 2, 2)
	f.scale("web", 2)
	if diff := cmp.Diff(ready, f.waitOwned(rs, 2)); diff != "" {
		t.Errorf("pods kept after scale down (-want +got):\n%s", diff)
	}

	// A deleted pod is replaced.
	if err := f.pods.Delete(f.ctx, ready[0], metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitFor("replacement pod", func() (bool, string) {
		got := f.owned(rs)
		return len(got) == 2 && !slices.Contains(got, ready[0]) && slices.Contains(got, ready[1]), fmt.Sprint(got)
	})
	f.waitStatus("web", 1, 1)
	if got := f.waitOwned(rs, 2); len(got) != 2 {
		t.Errorf("pods after replacement: %v", got)
	}
}

func TestAdoptsOrphan(t *testing.T) {
	f := start(t)
	orphan, err := f.pods.Create(f.ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "orphan", Labels: map[string]string{"app": "api"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	otherRef := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "other", UID: "other-uid", Controller: &yes}
	_, err = f.pods.Create(f.ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "foreign", Labels: map[string]string{"app": "api"}, OwnerReferences: []metav1.OwnerReference{otherRef}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs := f.create(newRS("api", 1, 0))
	if diff := cmp.Diff([]string{orphan.Name}, f.waitOwned(rs, 1)); diff != "" {
		t.Errorf("owned pods (-want +got):\n%s", diff)
	}
	list, err := f.pods.List(f.ctx, client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 {
		t.Errorf("%d pods in the namespace, want 2 (the adopted orphan and the foreign pod)", len(list.Items))
	}
	foreign, err := f.pods.Get(f.ctx, "foreign", client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]metav1.OwnerReference{otherRef}, foreign.OwnerReferences); diff != "" {
		t.Errorf("pod controlled by another owner changed (-want +got):\n%s", diff)
	}
}

func TestReleasesPodThatNoLongerMatches(t *testing.T) {
	f := start(t)
	rs := f.create(newRS("db", 1, 0))
	first := f.waitOwned(rs, 1)[0]

	p, err := f.pods.Get(f.ctx, first, client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Labels["app"] = "debug"
	if _, err := f.pods.Update(f.ctx, p, client.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitFor("released pod", func() (bool, string) {
		p, err := f.pods.Get(f.ctx, first, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(p.OwnerReferences) == 0, fmt.Sprint(p.OwnerReferences)
	})
	got := f.waitOwned(rs, 1)
	if got[0] == first {
		t.Errorf("released pod %s still owned", first)
	}
}

func TestStatusFollowsReadinessAndMinReadySeconds(t *testing.T) {
	f := start(t)
	rs := f.create(newRS("cache", 3, 3600))
	names := f.waitOwned(rs, 3)
	f.waitStatus("cache", 0, 0)
	f.markReady(names[0], time.Now().Add(-2*time.Hour)) // ready long enough
	f.waitStatus("cache", 1, 1)
	f.markReady(names[1], time.Now()) // ready, not yet available
	f.waitStatus("cache", 2, 1)
}
