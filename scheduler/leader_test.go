package scheduler

import (
	"net/http/httptest"
	"testing"
	"time"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/store/mvcc"
)

func TestLeaderElection(t *testing.T) {
	st, err := mvcc.Open(t.Context(), mvcc.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	srv, err := apiserver.New(st, apiserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close(); _ = srv.Close() })
	c, err := client.New(client.Config{Host: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	leases, _ := client.For[coordinationv1.Lease](c)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	mk := func(id string) *elector {
		cfg := LeaderElection{Identity: id}
		cfg.defaults()
		return &elector{cfg: cfg, leases: leases.Namespace(cfg.Namespace), now: clock}
	}
	a, b := mk("a"), mk("b")
	ctx := t.Context()
	if ok, err := a.tryAcquireOrRenew(ctx); !ok || err != nil {
		t.Fatalf("a acquire = %v, %v; want true", ok, err)
	}
	if ok, err := b.tryAcquireOrRenew(ctx); ok || err != nil {
		t.Fatalf("b acquire while a holds = %v, %v; want false", ok, err)
	}
	if ok, _ := a.tryAcquireOrRenew(ctx); !ok {
		t.Fatal("a could not renew its own lease")
	}
	now = now.Add(DefaultLeaseDuration + time.Second)
	if ok, err := b.tryAcquireOrRenew(ctx); !ok || err != nil {
		t.Fatalf("b acquire after a's lease expired = %v, %v; want true", ok, err)
	}
	if ok, _ := a.tryAcquireOrRenew(ctx); ok {
		t.Fatal("a renewed a lease b had taken over")
	}
	b.release(ctx)
	if ok, _ := a.tryAcquireOrRenew(ctx); !ok {
		t.Fatal("a could not take a released lease")
	}
	l, err := leases.Namespace("kube-system").Get(ctx, "kube-scheduler", client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := *l.Spec.LeaseTransitions; got != 2 {
		t.Errorf("leaseTransitions = %d, want 2", got)
	}
}
