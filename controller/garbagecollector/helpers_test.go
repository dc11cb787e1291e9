package garbagecollector_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/garbagecollector"
)

const ns = "default"

// metaObject is any object, of which the tests read the metadata.
type metaObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`
}

// fixture is an API server with a garbage collector running.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	c       *client.Client
	gc      *garbagecollector.GarbageCollector
	deploys *client.Resource[appsv1.Deployment]
	rss     *client.Resource[appsv1.ReplicaSet]
	pods    *client.Resource[corev1.Pod]
	cms     *client.Resource[corev1.ConfigMap]
}

// start runs a collector with opts against a new envtest server.
func start(t *testing.T, opts garbagecollector.Options) *fixture {
	t.Helper()
	return startWith(t, envtest.Start(t).Client, opts)
}

// startWith runs a collector with opts against c's server, stopped by
// t.Cleanup, and waits for it to sync.
func startWith(t *testing.T, c *client.Client, opts garbagecollector.Options) *fixture {
	t.Helper()
	gc, err := garbagecollector.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v, want context.Canceled", err)
		}
	})
	f := &fixture{t: t, ctx: t.Context(), c: c, gc: gc,
		deploys: must(client.For[appsv1.Deployment](c)).Namespace(ns),
		rss:     must(client.For[appsv1.ReplicaSet](c)).Namespace(ns),
		pods:    must(client.For[corev1.Pod](c)).Namespace(ns),
		cms:     must(client.For[corev1.ConfigMap](c)).Namespace(ns),
	}
	f.waitFor("the collector to sync", func() (bool, string) { return gc.HasSynced(), "not synced" })
	return f
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// waitFor polls cond until it holds, failing the test after 20 s with
// cond's last description of the state.
func (f *fixture) waitFor(what string, cond func() (bool, string)) {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
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

// gone waits until get reports NotFound.
func gone[T any](f *fixture, r *client.Resource[T], name string) {
	f.t.Helper()
	f.waitFor(r.Info().Kind+" "+name+" to be deleted", func() (bool, string) {
		_, err := r.Get(f.ctx, name, client.GetOptions{})
		return client.IsNotFound(err), fmt.Sprint(err)
	})
}

// ref returns an owner reference to obj of the given kind.
func ref(info client.ResourceInfo, m *metav1.ObjectMeta, block bool) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: info.APIVersion(), Kind: info.Kind, Name: m.Name, UID: m.UID, Controller: &yes, BlockOwnerDeletion: &block}
}

func labels() map[string]string { return map[string]string{"app": "web"} }

func podTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels()},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
	}
}

// chain creates a Deployment web, a ReplicaSet web-1 owned by it and the
// given number of pods web-1-N owned by the ReplicaSet, all with
// blockOwnerDeletion, as the deployment and ReplicaSet controllers make
// them. Pods are not scheduled, so they are deleted at once.
func (f *fixture) chain(pods int) (*appsv1.Deployment, *appsv1.ReplicaSet, []*corev1.Pod) {
	f.t.Helper()
	one := int32(1)
	d, err := f.deploys.Create(f.ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels()}, Template: podTemplate()},
	}, client.CreateOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	rs, err := f.rss.Create(f.ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", OwnerReferences: []metav1.OwnerReference{ref(client.Deployments, &d.ObjectMeta, true)}},
		Spec:       appsv1.ReplicaSetSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels()}, Template: podTemplate()},
	}, client.CreateOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []*corev1.Pod
	for i := range pods {
		tmpl := podTemplate()
		p, err := f.pods.Create(f.ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-1-%d", i), Labels: tmpl.Labels,
				OwnerReferences: []metav1.OwnerReference{ref(client.ReplicaSets, &rs.ObjectMeta, true)}},
			Spec: tmpl.Spec,
		}, client.CreateOptions{})
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, p)
	}
	return d, rs, out
}

// deletionLog watches resources from resourceVersion rv and records the
// resourceVersion (the store revision) at which each object was deleted,
// by "Kind/name".
type deletionLog struct {
	mu      sync.Mutex // guards deleted
	deleted map[string]int64
}

func (f *fixture) watchDeletions(rv string, infos ...client.ResourceInfo) *deletionLog {
	f.t.Helper()
	l := &deletionLog{deleted: map[string]int64{}}
	for _, info := range infos {
		w, err := client.NewResource[metaObject](f.c, info).Namespace(ns).Watch(f.ctx, client.WatchOptions{ResourceVersion: rv})
		if err != nil {
			f.t.Fatal(err)
		}
		f.t.Cleanup(w.Stop)
		go func() {
			for ev := range w.ResultChan() {
				if ev.Type != metav1.Deleted {
					continue
				}
				n, err := strconv.ParseInt(ev.Object.ResourceVersion, 10, 64)
				if err != nil {
					continue
				}
				l.mu.Lock()
				l.deleted[info.Kind+"/"+ev.Object.Name] = n
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// wait waits until every one of keys was seen deleted and returns their
// deletion revisions.
func (l *deletionLog) wait(f *fixture, keys ...string) map[string]int64 {
	f.t.Helper()
	out := map[string]int64{}
	f.waitFor(fmt.Sprintf("deletions of %v", keys), func() (bool, string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, k := range keys {
			rev, ok := l.deleted[k]
			if !ok {
				return false, fmt.Sprintf("deleted so far: %v", l.deleted)
			}
			out[k] = rev
		}
		return true, ""
	})
	return out
}

func policy(p metav1.DeletionPropagation) metav1.DeleteOptions {
	return metav1.DeleteOptions{PropagationPolicy: &p}
}
