package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
)

// overlapRecorder records which managers are inside Reconcile and counts
// the times two were at once.
type overlapRecorder struct {
	mu         sync.Mutex // guards the fields below
	active     map[string]int
	reconciles map[string]int
	overlaps   int
}

func (o *overlapRecorder) reconciler(id string) Reconciler {
	return ReconcilerFunc(func(context.Context, Request) (Result, error) {
		o.mu.Lock()
		o.active[id]++
		o.reconciles[id]++
		for other, n := range o.active {
			if other != id && n > 0 {
				o.overlaps++
			}
		}
		o.mu.Unlock()
		defer func() {
			o.mu.Lock()
			o.active[id]--
			o.mu.Unlock()
		}()
		return Result{RequeueAfter: time.Millisecond}, nil // keep reconciling
	})
}

func (o *overlapRecorder) count(id string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.reconciles[id]
}

type testManager struct {
	mgr    *Manager
	cancel context.CancelFunc
	done   chan error
	block  atomic.Bool // fail every lease write

	once sync.Once
	err  error // Start's result, once wait returned
}

// wait returns Start's result once it returned.
func (m *testManager) wait() error {
	m.once.Do(func() { m.err = <-m.done })
	return m.err
}

func startElectedManager(t *testing.T, env *envtest.Env, id string, rec *overlapRecorder) *testManager {
	t.Helper()
	tm := &testManager{done: make(chan error, 1)}
	mgr, err := NewManager(ManagerOptions{
		Client: env.Client,
		LeaderElection: &LeaderElectionOptions{
			Namespace: "default", Name: "test-lock", Identity: id,
			// A 3 s lease against a 0.5 s renew deadline: a blocked leader steps
			// down 2.5 s before a rival may take the lease, margin enough for a
			// loaded CI machine.
			LeaseDuration: 3 * time.Second, RenewDeadline: 500 * time.Millisecond, RetryPeriod: 20 * time.Millisecond,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mgr.Elector().beforeUpdate = func() error {
		if tm.block.Load() {
			return errors.New("blocked by test")
		}
		return nil
	}
	c, err := mgr.NewController("overlap", rec.reconciler(id), Options{})
	if err != nil {
		t.Fatal(err)
	}
	inf, _ := client.InformerFor[corev1.ConfigMap](mgr.Informers())
	if err := Watch(c, inf); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tm.mgr, tm.cancel = mgr, cancel
	go func() { tm.done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		_ = tm.wait()
	})
	return tm
}

func TestLeaderElectionHandoverWithoutOverlap(t *testing.T) {
	for _, tc := range []struct {
		name    string
		depose  func(*testManager)
		wantErr error
	}{
		{"leader cancelled", func(m *testManager) { m.cancel() }, nil},
		{"leader renewals blocked", func(m *testManager) { m.block.Store(true) }, ErrLeaderElectionLost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := envtest.Start(t)
			cms := client.NewResource[corev1.ConfigMap](env.Client, client.ConfigMaps).Namespace("default")
			for i := range 3 {
				if _, err := cms.Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("cm", i)}}, client.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			rec := &overlapRecorder{active: map[string]int{}, reconciles: map[string]int{}}
			a := startElectedManager(t, env, "a", rec)
			waitFor(t, "a leads and reconciles", func() bool { return rec.count("a") > 0 })
			b := startElectedManager(t, env, "b", rec)
			if b.mgr.Elector().IsLeader() {
				t.Fatal("b leads while a holds the lease")
			}
			tc.depose(a)
			waitFor(t, "b leads and reconciles", func() bool { return rec.count("b") > 0 })
			if err := a.wait(); !errors.Is(err, tc.wantErr) {
				t.Errorf("a's Start: %v, want %v", err, tc.wantErr)
			}
			countA := rec.count("a")
			waitFor(t, "b keeps reconciling", func() bool { return rec.count("b") > 10 })
			if got := rec.count("a"); got != countA {
				t.Errorf("a reconciled %d times after its Start returned", got-countA)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if rec.overlaps != 0 {
				t.Errorf("managers reconciled at the same time %d times", rec.overlaps)
			}
			lease, err := client.NewResource[coordinationv1.Lease](env.Client, client.Leases).Namespace("default").Get(t.Context(), "test-lock", client.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if h := lease.Spec.HolderIdentity; h == nil || *h != "b" {
				t.Errorf("lease holder = %v, want b", h)
			}
		})
	}
}

func TestLeaderElectorOnFakeClock(t *testing.T) {
	env := envtest.Start(t)
	clock := NewFakeClock(time.Unix(1000, 0))
	var started, stopped atomic.Int32
	newElector := func(id string) *LeaderElector {
		le, err := NewLeaderElector(LeaderElectionOptions{
			Client: env.Client, Namespace: "default", Name: "fake-clock", Identity: id, Clock: clock,
			OnStartedLeading: func(context.Context) { started.Add(1) },
			OnStoppedLeading: func() { stopped.Add(1) },
		})
		if err != nil {
			t.Fatal(err)
		}
		return le
	}
	a, b := newElector("a"), newElector("b")
	if !a.tryAcquireOrRenew(t.Context()) {
		t.Fatal("a could not take a free lease")
	}
	if b.tryAcquireOrRenew(t.Context()) {
		t.Fatal("b took a lease a holds")
	}
	clock.Step(DefaultLeaseDuration - time.Second)
	if b.tryAcquireOrRenew(t.Context()) {
		t.Fatal("b took the lease before it expired")
	}
	clock.Step(time.Second)
	if !b.tryAcquireOrRenew(t.Context()) {
		t.Fatal("b could not take an expired lease")
	}
	if a.tryAcquireOrRenew(t.Context()) {
		t.Fatal("a renewed a lease b took over")
	}
	lease, err := b.leases.Get(t.Context(), "fake-clock", client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := *lease.Spec.LeaseTransitions; got != 1 {
		t.Errorf("leaseTransitions = %d, want 1", got)
	}
	b.release()
	if !a.tryAcquireOrRenew(t.Context()) {
		t.Fatal("a could not take a released lease at once")
	}
}

func TestNewLeaderElectorRejectsBadOptions(t *testing.T) {
	c := client.NewInProcess(nil)
	base := LeaderElectionOptions{Client: c, Namespace: "ns", Name: "lock", Identity: "me"}
	for _, tc := range []struct {
		name string
		edit func(*LeaderElectionOptions)
	}{
		{"no client", func(o *LeaderElectionOptions) { o.Client = nil }},
		{"no name", func(o *LeaderElectionOptions) { o.Name = "" }},
		{"no identity", func(o *LeaderElectionOptions) { o.Identity = "" }},
		{"renew deadline past lease", func(o *LeaderElectionOptions) { o.RenewDeadline = time.Minute }},
		{"retry past renew deadline", func(o *LeaderElectionOptions) { o.RetryPeriod = 12 * time.Second }},
	} {
		o := base
		tc.edit(&o)
		if _, err := NewLeaderElector(o); err == nil {
			t.Errorf("%s: NewLeaderElector succeeded", tc.name)
		}
	}
	if _, err := NewLeaderElector(base); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
