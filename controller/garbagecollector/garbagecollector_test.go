package garbagecollector_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/garbagecollector"
	"github.com/rigging-dev/rigging/controller/replicaset"
)

// TestForegroundDeletion deletes a Deployment in the foreground: its
// ReplicaSet and pods go before it, the pods before the ReplicaSet, and
// the Deployment last, as the watches' deletion revisions show.
func TestForegroundDeletion(t *testing.T) {
	f := start(t, garbagecollector.Options{})
	_, _, pods := f.chain(3)
	log := f.watchDeletions(pods[len(pods)-1].ResourceVersion, client.Deployments, client.ReplicaSets, client.Pods)

	if err := f.deploys.Delete(f.ctx, "web", policy(metav1.DeletePropagationForeground)); err != nil {
		t.Fatal(err)
	}
	held, err := f.deploys.Get(f.ctx, "web", client.GetOptions{})
	if err == nil && (held.DeletionTimestamp == nil || !cmp.Equal(held.Finalizers, []string{garbagecollector.FinalizerForeground})) {
		t.Errorf("deployment being deleted in the foreground: deletionTimestamp %v finalizers %v", held.DeletionTimestamp, held.Finalizers)
	}
	revs := log.wait(f, "Deployment/web", "ReplicaSet/web-1", "Pod/web-1-0", "Pod/web-1-1", "Pod/web-1-2")
	for _, p := range []string{"Pod/web-1-0", "Pod/web-1-1", "Pod/web-1-2"} {
		if revs[p] >= revs["ReplicaSet/web-1"] {
			t.Errorf("%s deleted at %d, not before its ReplicaSet (%d)", p, revs[p], revs["ReplicaSet/web-1"])
		}
	}
	if revs["ReplicaSet/web-1"] >= revs["Deployment/web"] {
		t.Errorf("ReplicaSet deleted at %d, not before its Deployment (%d)", revs["ReplicaSet/web-1"], revs["Deployment/web"])
	}
}

// TestBackgroundDeletion deletes a Deployment with the default policy: it
// goes at once, then its ReplicaSet, then the pods.
func TestBackgroundDeletion(t *testing.T) {
	f := start(t, garbagecollector.Options{})
	_, _, pods := f.chain(2)
	log := f.watchDeletions(pods[len(pods)-1].ResourceVersion, client.Deployments, client.ReplicaSets, client.Pods)

	if err := f.deploys.Delete(f.ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.deploys.Get(f.ctx, "web", client.GetOptions{}); !client.IsNotFound(err) {
		t.Fatalf("deployment after a background delete: %v, want not found", err)
	}
	revs := log.wait(f, "Deployment/web", "ReplicaSet/web-1", "Pod/web-1-0", "Pod/web-1-1")
	if revs["Deployment/web"] >= revs["ReplicaSet/web-1"] {
		t.Errorf("Deployment deleted at %d, not before its ReplicaSet (%d)", revs["Deployment/web"], revs["ReplicaSet/web-1"])
	}
	for _, p := range []string{"Pod/web-1-0", "Pod/web-1-1"} {
		if revs[p] <= revs["ReplicaSet/web-1"] {
			t.Errorf("%s deleted at %d, before its ReplicaSet (%d)", p, revs[p], revs["ReplicaSet/web-1"])
		}
	}
}

// TestOrphanDeletion deletes a Deployment with propagationPolicy Orphan
// (and another with orphanDependents=true): the ReplicaSet stays, without
// its reference to the Deployment; its pods keep theirs to it.
func TestOrphanDeletion(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts metav1.DeleteOptions
	}{
		{"propagationPolicy", policy(metav1.DeletePropagationOrphan)},
		{"orphanDependents", metav1.DeleteOptions{OrphanDependents: new(true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := start(t, garbagecollector.Options{})
			_, rs, pods := f.chain(2)
			if err := f.deploys.Delete(f.ctx, "web", tc.opts); err != nil {
				t.Fatal(err)
			}
			gone(f, f.deploys, "web")
			got, err := f.rss.Get(f.ctx, "web-1", client.GetOptions{})
			if err != nil {
				t.Fatalf("orphaned ReplicaSet: %v", err)
			}
			if len(got.OwnerReferences) != 0 || got.DeletionTimestamp != nil {
				t.Errorf("orphaned ReplicaSet: ownerReferences %v, deletionTimestamp %v", got.OwnerReferences, got.DeletionTimestamp)
			}
			for _, p := range pods {
				gotPod, err := f.pods.Get(f.ctx, p.Name, client.GetOptions{})
				if err != nil {
					t.Fatalf("pod %s of the orphaned ReplicaSet: %v", p.Name, err)
				}
				want := []metav1.OwnerReference{ref(client.ReplicaSets, &rs.ObjectMeta, true)}
				if diff := cmp.Diff(want, gotPod.OwnerReferences); diff != "" {
					t.Errorf("pod %s owner references (-want +got):\n%s", p.Name, diff)
				}
			}
		})
	}
}

// TestDanglingOwnerReferences creates dependents of owners that never
// existed, or exist under another uid: they are collected. A dependent
// with one owner present and one absent loses only the absent one's
// reference; cluster-scoped owners resolve without a namespace, and
// namespaced ones only in the dependent's namespace.
func TestDanglingOwnerReferences(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := start(t, garbagecollector.Options{Registry: reg})
	nodes := must(client.For[corev1.Node](f.c))
	node, err := nodes.Create(f.ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	owner, err := f.cms.Create(f.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	never := metav1.ObjectMeta{Name: "never", UID: "00000000-0000-0000-0000-000000000001"}
	otherUID := metav1.ObjectMeta{Name: "owner", UID: "00000000-0000-0000-0000-000000000002"}
	goneNode := metav1.ObjectMeta{Name: "n2", UID: "00000000-0000-0000-0000-000000000003"}
	for name, refs := range map[string][]metav1.OwnerReference{
		"of-never":       {ref(client.ConfigMaps, &never, false)},
		"of-other-uid":   {ref(client.ConfigMaps, &otherUID, true)},
		"of-absent-node": {ref(client.Nodes, &goneNode, false)},
		"of-both":        {ref(client.ConfigMaps, &owner.ObjectMeta, false), notController(ref(client.ConfigMaps, &never, false))},
		"of-owner":       {ref(client.ConfigMaps, &owner.ObjectMeta, false)},
		"of-node":        {ref(client.Nodes, &node.ObjectMeta, false)},
	} {
		if _, err := f.cms.Create(f.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: refs}}, client.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// An owner reference resolves in the dependent's namespace: the
	// owner in another namespace is not its owner.
	if _, err := must(client.For[corev1.Namespace](f.c)).Create(f.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	crossNS := must(client.For[corev1.ConfigMap](f.c)).Namespace("other")
	if _, err := crossNS.Create(f.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cross",
		OwnerReferences: []metav1.OwnerReference{ref(client.ConfigMaps, &owner.ObjectMeta, false)}}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"of-never", "of-other-uid", "of-absent-node"} {
		gone(f, f.cms, name)
	}
	gone(f, crossNS, "cross")
	f.waitFor("of-both to lose its dangling reference", func() (bool, string) {
		cm, err := f.cms.Get(f.ctx, "of-both", client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(cm.OwnerReferences) == 1 && cm.OwnerReferences[0].UID == owner.UID, fmt.Sprint(cm.OwnerReferences)
	})
	for _, name := range []string{"of-owner", "of-node", "owner"} {
		if _, err := f.cms.Get(f.ctx, name, client.GetOptions{}); err != nil {
			t.Errorf("configmap %s with its owner present: %v", name, err)
		}
	}
	// The metrics count the deletions (each counted once its delete
	// returned, which may be after the object is seen gone).
	f.waitFor("garbagecollector_deleted_total to count 4 deletions", func() (bool, string) {
		mfs, err := reg.Gather()
		if err != nil {
			return false, err.Error()
		}
		deleted := 0.0
		for _, mf := range mfs {
			if mf.GetName() == "garbagecollector_deleted_total" {
				for _, m := range mf.GetMetric() {
					deleted += m.GetCounter().GetValue()
				}
			}
		}
		return deleted == 4, fmt.Sprintf("garbagecollector_deleted_total = %v", deleted)
	})
}

// TestOwnershipCycle deletes one of two ConfigMaps that own each other,
// in the foreground and in the background: both go, and nothing hangs.
func TestOwnershipCycle(t *testing.T) {
	for _, p := range []metav1.DeletionPropagation{metav1.DeletePropagationForeground, metav1.DeletePropagationBackground} {
		t.Run(string(p), func(t *testing.T) {
			f := start(t, garbagecollector.Options{})
			a, err := f.cms.Create(f.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, client.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.cms.Create(f.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b",
				OwnerReferences: []metav1.OwnerReference{ref(client.ConfigMaps, &a.ObjectMeta, true)}}}, client.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c, err := f.cms.Create(f.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c",
				OwnerReferences: []metav1.OwnerReference{ref(client.ConfigMaps, &b.ObjectMeta, true)}}}, client.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			a.OwnerReferences = []metav1.OwnerReference{ref(client.ConfigMaps, &c.ObjectMeta, true)}
			if _, err := f.cms.Update(f.ctx, a, client.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := f.cms.Delete(f.ctx, "a", policy(p)); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"a", "b", "c"} {
				gone(f, f.cms, name)
			}
		})
	}
}

// TestClusterScopedDependentOfNamespacedOwner gives a ClusterRole an
// owner reference to a ConfigMap: it cannot resolve, so the ClusterRole
// is not collected, and a Warning Event says why.
func TestClusterScopedDependentOfNamespacedOwner(t *testing.T) {
	f := start(t, garbagecollector.Options{})
	crs := must(client.For[rbacv1.ClusterRole](f.c))
	cmOwner := metav1.ObjectMeta{Name: "cm", UID: "00000000-0000-0000-0000-000000000004"}
	cr, err := crs.Create(f.ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "invalid-owner",
		OwnerReferences: []metav1.OwnerReference{ref(client.ConfigMaps, &cmOwner, false)}}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events := must(client.For[corev1.Event](f.c)).Namespace(ns)
	var got []corev1.Event
	f.waitFor("the OwnerRefInvalidNamespace event", func() (bool, string) {
		l, err := events.List(f.ctx, client.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		got = got[:0]
		for _, ev := range l.Items {
			if ev.Reason == garbagecollector.ReasonOwnerRefInvalidNamespace {
				got = append(got, ev)
			}
		}
		return len(got) > 0, fmt.Sprintf("%d events", len(l.Items))
	})
	want := corev1.ObjectReference{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "invalid-owner", UID: cr.UID}
	if diff := cmp.Diff(want, got[0].InvolvedObject); diff != "" || got[0].Type != corev1.EventTypeWarning {
		t.Errorf("event %s about (-want +got):\n%s", got[0].Type, diff)
	}
	// A namespaced dependent of a dangling owner, created after the
	// ClusterRole, is collected: once it is gone the collector has been
	// through the ClusterRole, which must still be there.
	if _, err := f.cms.Create(f.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dangling",
		OwnerReferences: []metav1.OwnerReference{ref(client.ConfigMaps, &cmOwner, false)}}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	gone(f, f.cms, "dangling")
	if _, err := crs.Get(f.ctx, "invalid-owner", client.GetOptions{}); err != nil {
		t.Errorf("cluster-scoped object with a namespaced owner: %v, want it kept", err)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	c := client.NewInProcess(nil)
	for name, opts := range map[string]garbagecollector.Options{
		"negative workers": {Workers: -1},
		"duplicate":        {ExtraResources: []client.ResourceInfo{client.Pods}},
		"incomplete":       {Resources: []client.ResourceInfo{{Kind: "Thing"}}},
		"selector":         {InformerOptions: client.InformerOptions{LabelSelector: "a=b"}},
	} {
		if _, err := garbagecollector.New(c, opts); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := garbagecollector.New(nil, garbagecollector.Options{}); err == nil {
		t.Error("New with a nil client succeeded")
	}
	gc, err := garbagecollector.New(c, garbagecollector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(gc.Resources()), len(garbagecollector.DefaultResources()); got != want {
		t.Errorf("%d resources watched by default, want %d", got, want)
	}
}

// notController returns r with controller unset.
func notController(r metav1.OwnerReference) metav1.OwnerReference {
	r.Controller = nil
	return r
}

// TestForegroundDeletionWithReplicaSetController lets the ReplicaSet
// controller make the pods (with its own owner references) and deletes
// their Deployment in the foreground: pods, then the ReplicaSet, then the
// Deployment go, and no pod is made again meanwhile.
func TestForegroundDeletionWithReplicaSetController(t *testing.T) {
	env := envtest.Start(t)
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replicaset.Add(mgr, env.Client, controller.Options{}); err != nil {
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
	f := startWith(t, env.Client, garbagecollector.Options{})

	d, rs, _ := f.chain(0)
	three := int32(3)
	rs.Spec.Replicas = &three
	if _, err := f.rss.Update(f.ctx, rs, client.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pods []corev1.Pod
	f.waitFor("the ReplicaSet controller to make 3 pods", func() (bool, string) {
		l, err := f.pods.List(f.ctx, client.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		pods = l.Items
		return len(pods) == 3, fmt.Sprintf("%d pods", len(pods))
	})
	log := f.watchDeletions(d.ResourceVersion, client.Deployments, client.ReplicaSets, client.Pods)
	if err := f.deploys.Delete(f.ctx, "web", policy(metav1.DeletePropagationForeground)); err != nil {
		t.Fatal(err)
	}
	keys := []string{"Deployment/web", "ReplicaSet/web-1"}
	for _, p := range pods {
		keys = append(keys, "Pod/"+p.Name)
	}
	revs := log.wait(f, keys...)
	for _, p := range pods {
		if revs["Pod/"+p.Name] >= revs["ReplicaSet/web-1"] {
			t.Errorf("pod %s deleted at %d, not before its ReplicaSet (%d)", p.Name, revs["Pod/"+p.Name], revs["ReplicaSet/web-1"])
		}
	}
	if revs["ReplicaSet/web-1"] >= revs["Deployment/web"] {
		t.Errorf("ReplicaSet deleted at %d, not before its Deployment (%d)", revs["ReplicaSet/web-1"], revs["Deployment/web"])
	}
	if l, err := f.pods.List(f.ctx, client.ListOptions{}); err != nil || len(l.Items) != 0 {
		t.Errorf("pods after the Deployment went: %v, %v", l, err)
	}
}
