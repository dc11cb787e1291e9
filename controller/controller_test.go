package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
)

// labelCopier makes, for every ConfigMap, a Secret of the same name that
// the ConfigMap controls, carrying the ConfigMap's "team" label.
type labelCopier struct {
	cms     *client.Resource[corev1.ConfigMap]
	secrets *client.Resource[corev1.Secret]
	count   atomic.Int32
}

func (r *labelCopier) Reconcile(ctx context.Context, req Request) (Result, error) {
	r.count.Add(1)
	cm, err := r.cms.Namespace(req.Namespace).Get(ctx, req.Name, client.GetOptions{})
	if client.IsNotFound(err) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	secrets := r.secrets.Namespace(req.Namespace)
	s, err := secrets.Get(ctx, req.Name, client.GetOptions{})
	if client.IsNotFound(err) {
		yes := true
		_, err = secrets.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: req.Name, Labels: map[string]string{"team": cm.Labels["team"]},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: cm.Name, UID: cm.UID, Controller: &yes}}},
		}, client.CreateOptions{})
		return Result{}, err
	}
	if err != nil {
		return Result{}, err
	}
	if s.Labels["team"] == cm.Labels["team"] {
		return Result{}, nil
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	s.Labels["team"] = cm.Labels["team"]
	_, err = secrets.Update(ctx, s, client.UpdateOptions{})
	return Result{}, err
}

// runInformers runs the factory's informers until the test ends.
func runInformers(t *testing.T, f *client.InformerFactory) {
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx)
	t.Cleanup(func() {
		cancel()
		f.Shutdown()
	})
}

// startController runs c until the test ends and checks Start's error.
func startController(t *testing.T, c *Controller) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("controller Start: %v, want context.Canceled", err)
		}
	})
}

func TestControllerCopiesLabelToOwnedSecret(t *testing.T) {
	env := envtest.Start(t)
	cms := client.NewResource[corev1.ConfigMap](env.Client, client.ConfigMaps)
	secrets := client.NewResource[corev1.Secret](env.Client, client.Secrets)
	rec := &labelCopier{cms: cms, secrets: secrets}
	c, err := New("label-copier", rec, Options{MaxConcurrentReconciles: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := client.NewInformerFactory(env.Client, client.FactoryOptions{Namespace: "default"})
	cmInf, _ := client.InformerFor[corev1.ConfigMap](f)
	secretInf, _ := client.InformerFor[corev1.Secret](f)
	if err := Owns(c, secretInf); err == nil {
		t.Error("Owns before Watch: no error")
	}
	if err := Watch(c, cmInf); err != nil {
		t.Fatal(err)
	}
	if err := Owns(c, secretInf); err != nil {
		t.Fatal(err)
	}
	runInformers(t, f)
	startController(t, c)

	ctx := t.Context()
	_, err = cms.Namespace("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Labels: map[string]string{"team": "blue"}},
	}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secretTeam := func(want string) func() bool {
		return func() bool {
			s, err := secrets.Namespace("default").Get(ctx, "app", client.GetOptions{})
			return err == nil && s.Labels["team"] == want
		}
	}
	waitFor(t, "secret with team=blue", secretTeam("blue"))

	// A change of the ConfigMap reaches the Secret (Watch).
	cm, _ := cms.Namespace("default").Get(ctx, "app", client.GetOptions{})
	cm.Labels["team"] = "green"
	if _, err := cms.Namespace("default").Update(ctx, cm, client.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "secret with team=green", secretTeam("green"))

	// A change of the owned Secret is undone (Owns maps it to the owner).
	s, _ := secrets.Namespace("default").Get(ctx, "app", client.GetOptions{})
	s.Labels["team"] = "tampered"
	if _, err := secrets.Namespace("default").Update(ctx, s, client.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "secret restored to team=green", secretTeam("green"))
}

func TestOwnsMapsToControllerOwner(t *testing.T) {
	env := envtest.Start(t)
	var mu sync.Mutex
	var got []Request
	c, _ := New("owns", ReconcilerFunc(func(_ context.Context, req Request) (Result, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, req)
		return Result{}, nil
	}), Options{})
	f := client.NewInformerFactory(env.Client, client.FactoryOptions{Namespace: "default"})
	cmInf, _ := client.InformerFor[corev1.ConfigMap](f)
	secretInf, _ := client.InformerFor[corev1.Secret](f)
	if err := Watch(c, cmInf); err != nil {
		t.Fatal(err)
	}
	if err := Owns(c, secretInf); err != nil {
		t.Fatal(err)
	}
	runInformers(t, f)
	startController(t, c)

	yes, no := true, false
	secrets := client.NewResource[corev1.Secret](env.Client, client.Secrets).Namespace("default")
	for _, s := range []struct {
		name string
		refs []metav1.OwnerReference
	}{
		{"no-owner", nil},
		{"not-controller", []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "x1", UID: "u1", Controller: &no}}},
		{"other-kind", []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "x2", UID: "u2", Controller: &yes}}},
		{"other-group", []metav1.OwnerReference{{APIVersion: "example.com/v1", Kind: "ConfigMap", Name: "x3", UID: "u3", Controller: &yes}}},
		{"owned", []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: "u4", Controller: &yes}}},
	} {
		if _, err := secrets.Create(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s.name, OwnerReferences: s.refs}}, client.CreateOptions{}); err != nil {
			t.Fatalf("create secret %s: %v", s.name, err)
		}
	}
	want := []Request{{types.NamespacedName{Namespace: "default", Name: "owner"}}}
	waitFor(t, "the owned secret's request", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	// The secrets were created in order and one informer delivers them in
	// order, so once "owned" mapped, the others were seen and ignored.
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestControllerRequeueAfter(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	var n atomic.Int32
	c, _ := New("requeue-after", ReconcilerFunc(func(context.Context, Request) (Result, error) {
		if n.Add(1) < 3 {
			return Result{RequeueAfter: time.Minute}, nil
		}
		return Result{}, nil
	}), Options{Clock: clock})
	startController(t, c)
	c.Queue().Add(Request{types.NamespacedName{Namespace: "ns", Name: "a"}})
	for want := int32(1); want <= 2; want++ {
		waitFor(t, fmt.Sprintf("reconcile %d", want), func() bool { return n.Load() == want })
		waitFor(t, "requeue timer armed", func() bool { return clock.Waiters() > 0 })
		clock.Step(time.Minute - time.Second)
		if got := n.Load(); got != want {
			t.Fatalf("reconciles before RequeueAfter passed = %d, want %d", got, want)
		}
		clock.Step(time.Second)
	}
	waitFor(t, "reconcile 3", func() bool { return n.Load() == 3 })
}

func TestControllerErrorBackoff(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	var n atomic.Int32
	c, _ := New("backoff", ReconcilerFunc(func(context.Context, Request) (Result, error) {
		if n.Add(1) <= 3 {
			return Result{}, errors.New("not yet")
		}
		return Result{}, nil
	}), Options{Clock: clock, RateLimiter: NewExponentialRateLimiter(5*time.Millisecond, time.Second)})
	startController(t, c)
	req := Request{types.NamespacedName{Namespace: "ns", Name: "a"}}
	c.Queue().Add(req)
	for i, delay := range []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond} {
		want := int32(i + 1)
		waitFor(t, fmt.Sprintf("failed reconcile %d", want), func() bool { return n.Load() == want })
		waitFor(t, "backoff timer armed", func() bool { return clock.Waiters() > 0 })
		if got := c.Queue().NumRequeues(req); got != i+1 {
			t.Fatalf("NumRequeues after %d errors = %d", i+1, got)
		}
		clock.Step(delay)
	}
	waitFor(t, "successful reconcile", func() bool { return n.Load() == 4 })
	waitFor(t, "backoff forgotten", func() bool { return c.Queue().NumRequeues(req) == 0 })
}

func TestControllerStartWaitsForInFlightReconcile(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	c, _ := New("graceful", ReconcilerFunc(func(context.Context, Request) (Result, error) {
		close(entered)
		<-release
		finished.Store(true)
		return Result{}, nil
	}), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	c.Queue().Add(Request{types.NamespacedName{Name: "a"}})
	<-entered
	cancel()
	select {
	case <-done:
		t.Fatal("Start returned while a reconcile was in flight")
	default:
	}
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Start: %v, want context.Canceled", err)
	}
	if !finished.Load() {
		t.Error("Start returned before the reconcile finished")
	}
	if err := c.Start(context.Background()); !errors.Is(err, ErrAlreadyStarted) {
		t.Errorf("second Start: %v, want ErrAlreadyStarted", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	r := ReconcilerFunc(func(context.Context, Request) (Result, error) { return Result{}, nil })
	for _, tc := range []struct {
		name string
		cn   string
		r    Reconciler
		opts Options
	}{
		{"empty name", "", r, Options{}},
		{"nil reconciler", "x", nil, Options{}},
		{"negative workers", "x", r, Options{MaxConcurrentReconciles: -1}},
	} {
		if _, err := New(tc.cn, tc.r, tc.opts); err == nil {
			t.Errorf("%s: New succeeded", tc.name)
		}
	}
}
