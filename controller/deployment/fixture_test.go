package deployment_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/deployment"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/replicaset"
)

const ns = "default"

// fixture is an API server with the ReplicaSet and Deployment controllers
// and a fake kubelet running. Pods of images in holdReady run but are
// not ready; pods of images in holdRemove stay terminating when deleted.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	deps    *client.Resource[appsv1.Deployment]
	rss     *client.Resource[appsv1.ReplicaSet]
	pods    *client.Resource[corev1.Pod]
	kubelet *envtest.FakeKubelet

	mu         sync.Mutex
	holdReady  map[string]bool // guarded by mu
	holdRemove map[string]bool // guarded by mu
}

func start(t *testing.T) *fixture { return startWith(t, envtest.FakeKubeletOptions{}) }

// startWith starts a fixture whose kubelet has kopts, but for Ready and
// Remove, which the fixture sets.
func startWith(t *testing.T, kopts envtest.FakeKubeletOptions) *fixture {
	t.Helper()
	env := envtest.Start(t)
	f := &fixture{t: t, ctx: t.Context(), holdReady: map[string]bool{}, holdRemove: map[string]bool{}}
	kopts.Ready = func(p *corev1.Pod) bool { return !f.held(f.holdReady, p) }
	kopts.Remove = func(p *corev1.Pod) bool { return !f.held(f.holdRemove, p) }
	f.kubelet = env.StartFakeKubelet(t, kopts)
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replicaset.Add(mgr, env.Client, controller.Options{MaxConcurrentReconciles: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := deployment.Add(mgr, env.Client, controller.Options{MaxConcurrentReconciles: 2}); err != nil {
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
	deps, err := client.For[appsv1.Deployment](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	rss, err := client.For[appsv1.ReplicaSet](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	pods, err := client.For[corev1.Pod](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	f.deps, f.rss, f.pods = deps.Namespace(ns), rss.Namespace(ns), pods.Namespace(ns)
	return f
}

func image(p *corev1.Pod) string {
	if len(p.Spec.Containers) == 0 {
		return ""
	}
	return p.Spec.Containers[0].Image
}

func (f *fixture) held(set map[string]bool, p *corev1.Pod) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return set[image(p)]
}

// setHold holds or releases the readiness (or removal) of img's pods.
func (f *fixture) setHold(ready bool, img string, hold bool) {
	f.mu.Lock()
	set := f.holdRemove
	if ready {
		set = f.holdReady
	}
	set[img] = hold
	f.mu.Unlock()
	f.kubelet.Resync()
}

func newDeployment(name string, replicas int32, img string) *appsv1.Deployment {
	lbl := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: img}}},
			},
		},
	}
}

func rolling(surge, unavailable intstr.IntOrString) appsv1.DeploymentStrategy {
	return appsv1.DeploymentStrategy{
		Type:          appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable},
	}
}

func (f *fixture) create(d *appsv1.Deployment) *appsv1.Deployment {
	f.t.Helper()
	got, err := f.deps.Create(f.ctx, d, client.CreateOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

// update changes the deployment name with change, retrying on conflicts.
func (f *fixture) update(name string, change func(d *appsv1.Deployment)) *appsv1.Deployment {
	f.t.Helper()
	for {
		d, err := f.deps.Get(f.ctx, name, client.GetOptions{})
		if err != nil {
			f.t.Fatal(err)
		}
		change(d)
		got, err := f.deps.Update(f.ctx, d, client.UpdateOptions{})
		if client.IsConflict(err) {
			continue
		}
		if err != nil {
			f.t.Fatal(err)
		}
		return got
	}
}

func setImage(img string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = img }
}

// waitFor polls cond until it holds, failing the test after 30 s with
// cond's last description of the state.
func (f *fixture) waitFor(what string, cond func() (bool, string)) {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
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

// waitDeployment waits until cond holds for the deployment name and
// returns it.
func (f *fixture) waitDeployment(name, what string, cond func(d *appsv1.Deployment) bool) *appsv1.Deployment {
	f.t.Helper()
	var d *appsv1.Deployment
	f.waitFor(name+": "+what, func() (bool, string) {
		var err error
		d, err = f.deps.Get(f.ctx, name, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return cond(d), fmt.Sprintf("generation %d annotations %v status %+v", d.Generation, d.Annotations, d.Status)
	})
	return d
}

// complete reports whether d has rolled out its current template fully:
// what `kubectl rollout status` waits for, plus the condition.
func complete(d *appsv1.Deployment) bool {
	n := *d.Spec.Replicas
	st := d.Status
	c := cond(d, appsv1.DeploymentProgressing)
	return st.ObservedGeneration == d.Generation && st.UpdatedReplicas == n && st.Replicas == n &&
		st.AvailableReplicas == n && st.ReadyReplicas == n && st.UnavailableReplicas == 0 &&
		c != nil && c.Reason == deployment.ReasonNewReplicaSetAvailable
}

func cond(d *appsv1.Deployment, typ appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == typ {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// replicaSets returns the replica sets d controls, by revision (creation
// times have whole seconds, too coarse to order them).
func (f *fixture) replicaSets(d *appsv1.Deployment) []appsv1.ReplicaSet {
	f.t.Helper()
	list, err := f.rss.List(f.ctx, client.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []appsv1.ReplicaSet
	for _, rs := range list.Items {
		if ref := controller.ControllingOwner(&rs); ref != nil && ref.UID == d.UID {
			out = append(out, rs)
		}
	}
	rev := func(rs appsv1.ReplicaSet) int {
		n, _ := strconv.Atoi(rs.Annotations[deployment.RevisionAnnotation])
		return n
	}
	slices.SortFunc(out, func(a, b appsv1.ReplicaSet) int {
		if c := cmp.Compare(rev(a), rev(b)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// rsState is what the tests compare of a replica set.
type rsState struct {
	Image    string
	Replicas int32
	Revision string
}

func states(rss []appsv1.ReplicaSet) []rsState {
	var out []rsState
	for _, rs := range rss {
		out = append(out, rsState{rs.Spec.Template.Spec.Containers[0].Image, *rs.Spec.Replicas, rs.Annotations[deployment.RevisionAnnotation]})
	}
	return out
}

// podCounts counts the non-terminating pods of the namespace by image,
// and how many of them are ready.
func (f *fixture) podCounts() (all, ready map[string]int) {
	f.t.Helper()
	list, err := f.pods.List(f.ctx, client.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	all, ready = map[string]int{}, map[string]int{}
	for _, p := range list.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		all[image(&p)]++
		if podReady(&p) {
			ready[image(&p)]++
		}
	}
	return all, ready
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podWatch follows the namespace's pods from a list, resuming the watch
// when the server ends it, and calls check after every event with the
// pods as of that event's revision.
type podWatch struct {
	f    *fixture
	rv   string
	pods map[string]*corev1.Pod
	w    *client.Watcher[corev1.Pod]
}

func (f *fixture) watchPods() *podWatch {
	f.t.Helper()
	list, err := f.pods.List(f.ctx, client.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	pw := &podWatch{f: f, rv: list.ResourceVersion, pods: map[string]*corev1.Pod{}}
	for i := range list.Items {
		pw.pods[list.Items[i].Name] = &list.Items[i]
	}
	pw.restart()
	return pw
}

func (pw *podWatch) restart() {
	pw.f.t.Helper()
	w, err := pw.f.pods.Watch(pw.f.ctx, client.WatchOptions{ResourceVersion: pw.rv})
	if err != nil {
		pw.f.t.Fatal(err)
	}
	if pw.w != nil {
		pw.w.Stop()
	}
	pw.w = w
	pw.f.t.Cleanup(w.Stop)
}

// until consumes events, calling check after each, until done reports
// true (checked after each event and at the start) or 60 s pass.
func (pw *podWatch) until(what string, check func(pods map[string]*corev1.Pod), done func() bool) {
	pw.f.t.Helper()
	check(pw.pods)
	timeout := time.NewTimer(60 * time.Second)
	defer timeout.Stop()
	poll := time.NewTicker(20 * time.Millisecond) // polling interval for done, not synchronisation
	defer poll.Stop()
	for !done() {
		select {
		case ev, ok := <-pw.w.ResultChan():
			if !ok {
				pw.restart()
				continue
			}
			switch ev.Type {
			case metav1.Added, metav1.Modified:
				pw.pods[ev.Object.Name] = ev.Object
			case metav1.Deleted:
				delete(pw.pods, ev.Object.Name)
			case metav1.Error:
				pw.f.t.Fatalf("pod watch: %v", ev.Err)
			}
			if ev.Object != nil && ev.Object.ResourceVersion != "" {
				pw.rv = ev.Object.ResourceVersion
			}
			check(pw.pods)
		case <-poll.C:
		case <-timeout.C:
			pw.f.t.Fatalf("timed out waiting for %s", what)
		}
	}
}
