package namespace_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/namespace"
)

// fixture is an API server with the namespace controller running.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	nss  *client.Resource[corev1.Namespace]
	cms  *client.Resource[corev1.ConfigMap]
	secs *client.Resource[corev1.Secret]
	svcs *client.Resource[corev1.Service]
	deps *client.Resource[appsv1.Deployment]
	pods *client.Resource[corev1.Pod]
}

func resourceFor[T any, PT client.Object[T]](t *testing.T, c *client.Client) *client.Resource[T] {
	t.Helper()
	r, err := client.For[T, PT](c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func start(t *testing.T) *fixture {
	t.Helper()
	env := envtest.Start(t)
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := namespace.Add(mgr, env.Client, controller.Options{}); err != nil {
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
	c := env.Client
	return &fixture{
		t: t, ctx: t.Context(),
		nss:  resourceFor[corev1.Namespace](t, c),
		cms:  resourceFor[corev1.ConfigMap](t, c),
		secs: resourceFor[corev1.Secret](t, c),
		svcs: resourceFor[corev1.Service](t, c),
		deps: resourceFor[appsv1.Deployment](t, c),
		pods: resourceFor[corev1.Pod](t, c),
	}
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

// populate creates namespace ns with a configmap, a secret, a service, a
// deployment and a pod (bound to node when node is not empty).
func (f *fixture) populate(ns, node string) {
	f.t.Helper()
	ctx := f.ctx
	if _, err := f.nss.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, client.CreateOptions{}); err != nil {
		f.t.Fatal(err)
	}
	lbl := map[string]string{"app": "web"}
	podSpec := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}
	steps := []func() error{
		func() error {
			_, err := f.cms.Namespace(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}, Data: map[string]string{"k": "v"}}, client.CreateOptions{})
			return err
		},
		func() error {
			_, err := f.secs.Namespace(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec"}, StringData: map[string]string{"k": "v"}}, client.CreateOptions{})
			return err
		},
		func() error {
			_, err := f.svcs.Namespace(ns).Create(ctx, &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{Name: "web"},
				Spec:       corev1.ServiceSpec{Selector: lbl, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
			}, client.CreateOptions{})
			return err
		},
		func() error {
			one := int32(1)
			_, err := f.deps.Namespace(ns).Create(ctx, &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Name: "web"},
				Spec: appsv1.DeploymentSpec{
					Replicas: &one,
					Selector: &metav1.LabelSelector{MatchLabels: lbl},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl}, Spec: podSpec},
				},
			}, client.CreateOptions{})
			return err
		},
		func() error {
			spec := podSpec
			spec.NodeName = node
			_, err := f.pods.Namespace(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: lbl}, Spec: spec}, client.CreateOptions{})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			f.t.Fatalf("populate namespace %s: %v", ns, err)
		}
	}
}

// content lists the names of the objects in ns, as "kind/name", sorted.
func (f *fixture) content(ns string) ([]string, error) {
	var out []string
	ctx := f.ctx
	add := func(kind string, names []string, err error) error {
		for _, n := range names {
			out = append(out, kind+"/"+n)
		}
		return err
	}
	var errs []error
	errs = append(errs, add(names(f.cms.Namespace(ns).List(ctx, client.ListOptions{}))))
	errs = append(errs, add(names(f.secs.Namespace(ns).List(ctx, client.ListOptions{}))))
	errs = append(errs, add(names(f.svcs.Namespace(ns).List(ctx, client.ListOptions{}))))
	errs = append(errs, add(names(f.deps.Namespace(ns).List(ctx, client.ListOptions{}))))
	errs = append(errs, add(names(f.pods.Namespace(ns).List(ctx, client.ListOptions{}))))
	slices.Sort(out)
	return out, errors.Join(errs...)
}

// names returns the kind and item names of a list.
func names[T any, PT client.Object[T]](l *client.List[T], err error) (string, []string, error) {
	if err != nil {
		return "", nil, err
	}
	var ns []string
	for i := range l.Items {
		ns = append(ns, PT(&l.Items[i]).GetObjectMeta().Name)
	}
	var zero T
	kind := strings.TrimPrefix(fmt.Sprintf("%T", zero), "v1.")
	return strings.ToLower(kind), ns, nil
}

var fullContent = []string{"configmap/cfg", "deployment/web", "pod/web", "secret/sec", "service/web"}

// waitGone waits until namespace ns is empty and then not found.
func (f *fixture) waitGone(ns string) {
	f.t.Helper()
	f.waitFor("namespace "+ns+" to be gone", func() (bool, string) {
		left, err := f.content(ns)
		if err != nil || len(left) > 0 {
			return false, fmt.Sprintf("content %v, err %v", left, err)
		}
		got, err := f.nss.Get(f.ctx, ns, client.GetOptions{})
		if client.IsNotFound(err) {
			return true, ""
		}
		return false, fmt.Sprintf("namespace %+v, err %v", got, err)
	})
}

func TestDeletesContentThenNamespace(t *testing.T) {
	f := start(t)
	f.populate("doomed", "")
	f.populate("other", "")
	f.populate("alive", "")

	if err := f.nss.Delete(f.ctx, "doomed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitGone("doomed")

	// Other namespaces keep their content and stay Active.
	for _, ns := range []string{"other", "alive"} {
		got, err := f.content(ns)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(fullContent, got); diff != "" {
			t.Errorf("content of namespace %s (-want +got):\n%s", ns, diff)
		}
		n, err := f.nss.Get(f.ctx, ns, client.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n.DeletionTimestamp != nil || len(n.Status.Conditions) != 0 {
			t.Errorf("namespace %s was touched: deletionTimestamp %v, conditions %+v", ns, n.DeletionTimestamp, n.Status.Conditions)
		}
	}
}

// TestWaitsForGracefulPodDeletion deletes a namespace whose pod is bound
// to a node, so its deletion waits for the kubelet: the test plays the
// kubelet and finishes the pod once the namespace reports it remaining.
func TestWaitsForGracefulPodDeletion(t *testing.T) {
	f := start(t)
	f.populate("doomed", "node-a")
	if err := f.nss.Delete(f.ctx, "doomed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitFor("NamespaceContentRemaining to name pods", func() (bool, string) {
		n, err := f.nss.Get(f.ctx, "doomed", client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NamespaceContentRemaining && c.Status == corev1.ConditionTrue && c.Reason == "SomeResourcesRemain" && strings.Contains(c.Message, "pods has 1 resource instances") {
				return true, ""
			}
		}
		return false, fmt.Sprintf("phase %s, conditions %+v", n.Status.Phase, n.Status.Conditions)
	})
	left, err := f.content("doomed")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"pod/web"}, left); diff != "" {
		t.Fatalf("content while the pod terminates (-want +got):\n%s", diff)
	}
	pod, err := f.pods.Namespace("doomed").Get(f.ctx, "web", client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pod.DeletionTimestamp == nil {
		t.Fatalf("pod web has no deletionTimestamp")
	}
	// The kubelet has stopped the containers: it deletes with grace 0.
	zero := int64(0)
	if err := f.pods.Namespace("doomed").Delete(f.ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	f.waitGone("doomed")
}
