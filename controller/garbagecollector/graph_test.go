package garbagecollector

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
)

func testGraph() *graph {
	return newGraph(map[groupKind]bool{
		{"apps", "Deployment"}: true,
		{"apps", "ReplicaSet"}: true,
		{"", "Pod"}:            true,
		{"", "Node"}:           false,
		{"rbac.authorization.k8s.io", "ClusterRole"}: false,
	})
}

func id(group, kind, ns, name string) objectID {
	return objectID{Group: group, Kind: kind, Namespace: ns, Name: name, UID: types.UID(name + "-uid")}
}

func refTo(o objectID, apiVersion string, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: o.Kind, Name: o.Name, UID: o.UID, BlockOwnerDeletion: &block}
}

func sorted(a actions) actions {
	slices.Sort(a.attemptToDelete)
	a.attemptToDelete = slices.Compact(a.attemptToDelete)
	slices.Sort(a.attemptToOrphan)
	a.attemptToOrphan = slices.Compact(a.attemptToOrphan)
	return a
}

func TestGraphTransitions(t *testing.T) {
	g := testGraph()
	d := id("apps", "Deployment", "ns", "d")
	rs := id("apps", "ReplicaSet", "ns", "rs")
	pod := id("", "Pod", "ns", "pod")
	now := metav1.Now()

	// A dependent seen before its owner makes a virtual owner, to be
	// looked at (it may not exist).
	a := g.observe(rs, &metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{refTo(d, "apps/v1", true)}})
	if diff := cmp.Diff(actions{attemptToDelete: []types.UID{d.UID, rs.UID}}, sorted(a), cmp.AllowUnexported(actions{})); diff != "" {
		t.Errorf("dependent before owner (-want +got):\n%s", diff)
	}
	if s, _ := g.state(d.UID); s.observed || len(s.dependents) != 1 {
		t.Errorf("virtual owner: %+v", s)
	}
	// The owner's informer catches up: the node becomes observed and
	// keeps its dependent.
	if a := g.observe(d, &metav1.ObjectMeta{}); len(a.attemptToDelete)+len(a.attemptToOrphan) != 0 {
		t.Errorf("owner observed: actions %+v, want none", a)
	}
	g.observe(pod, &metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{refTo(rs, "apps/v1", false)}})
	s, _ := g.state(d.UID)
	want := nodeState{id: d, observed: true, dependents: []depState{{id: rs, blocking: true}}}
	if diff := cmp.Diff(want, s, cmp.AllowUnexported(nodeState{}, depState{})); diff != "" {
		t.Errorf("owner state (-want +got):\n%s", diff)
	}

	// Foreground deletion starts: the dependents and the owner are looked
	// at, once; later updates look at the owner only.
	fg := &metav1.ObjectMeta{DeletionTimestamp: &now, Finalizers: []string{FinalizerForeground}}
	a = g.observe(d, fg)
	if diff := cmp.Diff(actions{attemptToDelete: []types.UID{d.UID, rs.UID}}, sorted(a), cmp.AllowUnexported(actions{})); diff != "" {
		t.Errorf("foreground deletion begins (-want +got):\n%s", diff)
	}
	a = g.observe(d, fg)
	if diff := cmp.Diff(actions{attemptToDelete: []types.UID{d.UID}}, sorted(a), cmp.AllowUnexported(actions{})); diff != "" {
		t.Errorf("foreground deletion goes on (-want +got):\n%s", diff)
	}
	// The dependent stops blocking: the waiting owner is looked at.
	a = g.observe(rs, &metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{refTo(d, "apps/v1", false)}})
	if !slices.Contains(a.attemptToDelete, d.UID) {
		t.Errorf("blockOwnerDeletion dropped: actions %+v, want the owner", a)
	}
	// The dependent is deleted: its own dependents and the waiting owner
	// are looked at.
	a = g.remove(rs.UID)
	if diff := cmp.Diff(actions{attemptToDelete: []types.UID{d.UID, pod.UID}}, sorted(a), cmp.AllowUnexported(actions{})); diff != "" {
		t.Errorf("dependent removed (-want +got):\n%s", diff)
	}
	// Orphan deletion asks for orphaning.
	a = g.observe(d, &metav1.ObjectMeta{DeletionTimestamp: &now, Finalizers: []string{FinalizerOrphan}})
	if diff := cmp.Diff(actions{attemptToOrphan: []types.UID{d.UID}}, sorted(a), cmp.AllowUnexported(actions{})); diff != "" {
		t.Errorf("orphan deletion (-want +got):\n%s", diff)
	}
	if _, removed := g.removeVirtual(d.UID); removed {
		t.Error("removeVirtual removed an observed node")
	}
}

func TestGraphOwnerResolution(t *testing.T) {
	g := testGraph()
	cr := id("rbac.authorization.k8s.io", "ClusterRole", "", "cr")
	pod := id("", "Pod", "ns", "pod")
	for _, tc := range []struct {
		name string
		dep  objectID
		ref  metav1.OwnerReference
		want objectID
		kind ownerRef
	}{
		{"namespaced in the dependent's namespace", pod, refTo(id("apps", "ReplicaSet", "other", "rs"), "apps/v2", true), id("apps", "ReplicaSet", "ns", "rs"), refValid},
		{"cluster-scoped owner", pod, refTo(id("", "Node", "", "n"), "v1", false), id("", "Node", "", "n"), refValid},
		{"namespaced owner of a cluster-scoped dependent", cr, refTo(id("", "Pod", "", "p"), "v1", false), id("", "Pod", "", "p"), refInvalid},
		{"unknown kind", pod, refTo(id("x.io", "Thing", "", "t"), "x.io/v1", false), id("x.io", "Thing", "ns", "t"), refUnknown},
	} {
		got, kind := g.resolveOwner(tc.dep, tc.ref)
		if diff := cmp.Diff(tc.want, got); diff != "" || kind != tc.kind {
			t.Errorf("%s: kind %v, want %v (-want +got):\n%s", tc.name, kind, tc.kind, diff)
		}
	}
	// An invalid reference makes no virtual node but has the dependent
	// looked at.
	a := g.observe(cr, &metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{refTo(id("", "Pod", "", "p"), "v1", false)}})
	if diff := cmp.Diff([]types.UID{cr.UID}, a.attemptToDelete); diff != "" || g.size() != 1 {
		t.Errorf("invalid reference: %d nodes, actions (-want +got):\n%s", g.size(), diff)
	}
	// A uid known under other coordinates (a ReplicaSet of another
	// namespace) is not the owner a reference resolves to: the dependent
	// is looked at, and not linked.
	rsA := id("apps", "ReplicaSet", "a", "rs")
	g.observe(rsA, &metav1.ObjectMeta{})
	podB := id("", "Pod", "b", "pod-b")
	a = g.observe(podB, &metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{refTo(rsA, "apps/v1", true)}})
	if diff := cmp.Diff([]types.UID{podB.UID}, a.attemptToDelete); diff != "" {
		t.Errorf("reference to another namespace's owner: actions (-want +got):\n%s", diff)
	}
	if s, _ := g.state(rsA.UID); len(s.dependents) != 0 {
		t.Errorf("owner in another namespace got dependents %+v", s.dependents)
	}
	g.remove(rsA.UID)
	g.remove(podB.UID)

	// A virtual owner no dependent names any more goes.
	g.observe(pod, &metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{refTo(id("", "Node", "", "n"), "v1", false)}})
	if g.size() != 3 {
		t.Fatalf("%d nodes, want 3", g.size())
	}
	g.observe(pod, &metav1.ObjectMeta{})
	if g.size() != 2 {
		t.Errorf("%d nodes after the last reference to a virtual owner went, want 2", g.size())
	}
}

// TestLiveLookupBeforeDeleting drives the workers by hand on a graph that
// lags the server: an owner that exists but was not yet reported by an
// informer is waited for, never taken as absent, and its dependent is not
// deleted.
func TestLiveLookupBeforeDeleting(t *testing.T) {
	env := envtest.Start(t)
	ctx := t.Context()
	cms, err := client.For[corev1.ConfigMap](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	cms = cms.Namespace("default")
	owner, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dep, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dep", OwnerReferences: []metav1.OwnerReference{
		{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: owner.UID},
	}}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := New(env.Client, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gc.attemptToDelete.ShutDown)
	t.Cleanup(gc.attemptToOrphan.ShutDown)
	depID := objectID{Kind: "ConfigMap", Namespace: "default", Name: "dep", UID: dep.UID}
	ownerID := objectID{Kind: "ConfigMap", Namespace: "default", Name: "owner", UID: owner.UID}
	// Only the dependent has been reported.
	a := gc.graph.observe(depID, &dep.ObjectMeta)
	if !slices.Contains(a.attemptToDelete, owner.UID) {
		t.Fatalf("actions %+v: want the virtual owner looked at", a)
	}
	if err := gc.attemptToDeleteItem(ctx, owner.UID); !errors.Is(err, errRequeue) {
		t.Errorf("virtual owner that exists: %v, want errRequeue", err)
	}
	if err := gc.attemptToDeleteItem(ctx, dep.UID); err != nil {
		t.Errorf("dependent of an existing owner: %v", err)
	}
	if _, err := cms.Get(ctx, "dep", client.GetOptions{}); err != nil {
		t.Fatalf("dependent of an existing owner: %v, want it kept", err)
	}
	// Now the owner is really deleted, and the informer has not said so:
	// the live lookup finds it absent, drops the virtual node and the
	// dependent goes.
	if err := cms.Delete(ctx, "owner", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := gc.attemptToDeleteItem(ctx, owner.UID); err != nil {
		t.Fatal(err)
	}
	if _, ok := gc.graph.state(owner.UID); ok {
		t.Error("virtual node of an absent owner kept")
	}
	if !gc.absent.has(ownerID) {
		t.Error("absent owner not remembered")
	}
	if err := gc.attemptToDeleteItem(ctx, dep.UID); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "dep", client.GetOptions{}); !client.IsNotFound(err) {
		t.Errorf("dependent of an absent owner: %v, want not found", err)
	}
}

// BenchmarkGraphObserve measures the graph's cost per informer event: a
// ReplicaSet's pods observed (added, then updated) one by one.
func BenchmarkGraphObserve(b *testing.B) {
	g := testGraph()
	rs := id("apps", "ReplicaSet", "ns", "rs")
	g.observe(rs, &metav1.ObjectMeta{})
	refs := []metav1.OwnerReference{refTo(rs, "apps/v1", true)}
	pods := make([]objectID, 1000)
	for i := range pods {
		pods[i] = objectID{Kind: "Pod", Namespace: "ns", Name: fmt.Sprintf("p-%d", i), UID: types.UID(fmt.Sprintf("uid-%d", i))}
	}
	m := &metav1.ObjectMeta{OwnerReferences: refs}
	i := 0
	for b.Loop() {
		g.observe(pods[i%len(pods)], m)
		i++
	}
}
