package mvcc

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

func TestGrantTTL(t *testing.T) {
	s := openTest(t, Options{Clock: NewFakeClock(time.Unix(0, 0))})
	ctx := t.Context()
	tests := []struct {
		ttl  time.Duration
		want time.Duration // 0: ErrInvalid
	}{
		{time.Nanosecond, time.Second},
		{time.Second, time.Second},
		{1200 * time.Millisecond, 2 * time.Second},
		{time.Hour, time.Hour},
		{maxLeaseTTL, maxLeaseTTL},
		{0, 0},
		{-time.Second, 0},
		{maxLeaseTTL + time.Second, 0},
	}
	for _, tc := range tests {
		l, err := s.Grant(ctx, tc.ttl)
		if tc.want == 0 {
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("Grant(%v): %v, want ErrInvalid", tc.ttl, err)
			}
			continue
		}
		if err != nil || l.TTL != tc.want {
			t.Errorf("Grant(%v) = %+v, %v; want TTL %v", tc.ttl, l, err, tc.want)
		}
	}
	if s.Revision() != 0 {
		t.Errorf("grants changed the revision to %d", s.Revision())
	}
}

// TestLeaseExpiry drives expiry with a fake clock: the keys still attached
// when the lease expires are deleted in one revision, a key moved off the
// lease stays, and KeepAlive postpones expiry by a full TTL.
func TestLeaseExpiry(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	s := openTest(t, Options{Clock: clock})
	ctx := t.Context()
	l, err := s.Grant(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"l/a", "l/b", "l/c", "l/moved"} {
		mustPut(t, s, k, "v", l.ID)
	}
	mustPut(t, s, "l/moved", "v2", store.NoLease) // 5: detached
	ch, err := s.Watch(ctx, "l/", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}

	clock.Advance(8 * time.Second)
	if ttl, err := s.KeepAlive(ctx, l.ID); err != nil || ttl != 10*time.Second {
		t.Fatalf("KeepAlive = %v, %v", ttl, err)
	}
	clock.Advance(8 * time.Second) // 16 s after grant, 8 s after keep-alive
	st, err := s.TimeToLive(ctx, l.ID)
	if err != nil {
		t.Fatalf("TimeToLive after keep-alive: %v", err)
	}
	if d := cmp.Diff(store.LeaseStatus{ID: l.ID, TTL: 10 * time.Second, Remaining: 2 * time.Second, Keys: []string{"l/a", "l/b", "l/c"}}, st); d != "" {
		t.Errorf("TimeToLive (-want +got):\n%s", d)
	}
	clock.Advance(2 * time.Second)
	r := next(t, ch)
	if len(r.Events) != 3 {
		t.Fatalf("expiry events %+v, want 3 deletions", r.Events)
	}
	for i, k := range []string{"l/a", "l/b", "l/c"} {
		ev := r.Events[i]
		if ev.Type != store.EventDelete || ev.KV.Key != k || ev.KV.ModRevision != 6 || ev.PrevKV == nil || ev.PrevKV.Lease != l.ID {
			t.Errorf("expiry event %d: %+v, want the deletion of %s at revision 6", i, ev, k)
		}
	}
	if _, err := s.TimeToLive(ctx, l.ID); !errors.Is(err, store.ErrLeaseNotFound) {
		t.Errorf("TimeToLive of an expired lease: %v", err)
	}
	if _, err := s.Get(ctx, "l/moved", store.ReadOptions{}); err != nil {
		t.Errorf("the key moved off the lease: %v", err)
	}
	if s.Revision() != 6 {
		t.Errorf("revision after expiry %d, want 6", s.Revision())
	}
}

// TestLeaseExpiredNotUsable: past its deadline a lease can be neither kept
// alive nor attached to, even before the expiry loop has deleted it.
func TestLeaseExpiredNotUsable(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	s := openTest(t, Options{Clock: clock})
	ctx := t.Context()
	l, err := s.Grant(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s.lessor.mu.Lock()
	s.lessor.leases[l.ID].deadline = clock.Now() // due now, no tick yet
	s.lessor.mu.Unlock()
	if _, err := s.KeepAlive(ctx, l.ID); !errors.Is(err, store.ErrLeaseNotFound) {
		t.Errorf("KeepAlive past the deadline: %v", err)
	}
	if _, err := s.Put(ctx, "k", []byte("v"), store.PutOptions{Lease: l.ID}); !errors.Is(err, store.ErrLeaseNotFound) {
		t.Errorf("Put attaching to a lease past its deadline: %v", err)
	}
	if err := s.Revoke(ctx, l.ID); !errors.Is(err, store.ErrLeaseNotFound) {
		t.Errorf("Revoke past the deadline: %v", err)
	}
}

// TestLeaseSurvivesRestart: a lease and its keys survive Close and Open,
// and the lease restarts with its full TTL.
func TestLeaseSurvivesRestart(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	dir := t.TempDir()
	ctx := t.Context()
	s, err := Open(ctx, Options{Dir: dir, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Grant(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "k", "v", l.ID)
	clock.Advance(9 * time.Second)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, Options{Dir: dir, Clock: clock})
	st, err := s.TimeToLive(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(store.LeaseStatus{ID: l.ID, TTL: 10 * time.Second, Remaining: 10 * time.Second, Keys: []string{"k"}}, st); d != "" {
		t.Errorf("TimeToLive after restart (-want +got):\n%s", d)
	}
	ch, err := s.Watch(ctx, "", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Second)
	if r := next(t, ch); len(r.Events) != 1 || r.Events[0].Type != store.EventDelete || r.Events[0].KV.Key != "k" {
		t.Errorf("after the restarted TTL: %+v, want the deletion of k", r)
	}
}

// TestRevokeInSameBatch: a key attached to a lease and the lease's revoke,
// committed in one batch, are applied in order: the revoke deletes the key.
func TestRevokeInSameBatch(t *testing.T) {
	s := openTest(t, Options{})
	ctx := t.Context()
	l, err := s.Grant(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "old", "v", l.ID) // 1
	s.mu.Lock()
	blocker := &request{kind: reqPut, mode: modePut, key: "blocker", value: []byte("v")}
	put := &request{kind: reqPut, mode: modePut, key: "new", value: []byte("v"), lease: l.ID}
	revoke := &request{kind: reqRevoke, lease: l.ID}
	for i, r := range []*request{blocker, put, revoke} {
		if err := s.send(ctx, r); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			waitFor(t, "the writer to take the blocker", func() bool { return len(s.reqs) == 0 })
		}
	}
	s.mu.Unlock()
	for _, r := range []*request{blocker, put, revoke} {
		if res := s.wait(ctx, r); res.err != nil {
			t.Fatal(res.err)
		}
	}
	// blocker 2, put 3, revoke 4 (if blocker was alone in its batch; if
	// the writer took put along with it, the order is the same).
	for _, k := range []string{"old", "new"} {
		if _, err := s.Get(ctx, k, store.ReadOptions{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%q) after the revoke: %v, want ErrNotFound", k, err)
		}
	}
	if s.Revision() != 4 {
		t.Errorf("revision %d, want 4", s.Revision())
	}
	if got := s.lessor.exists(l.ID); got {
		t.Error("revoked lease still in the table")
	}
}

// TestLeaseIDsUnique: IDs are never reused, across revokes and restarts.
func TestLeaseIDsUnique(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	seen := map[store.LeaseID]bool{}
	for round := range 3 {
		s, err := Open(ctx, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			l, err := s.Grant(ctx, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if seen[l.ID] {
				t.Fatalf("round %d: lease ID %d granted twice", round, l.ID)
			}
			seen[l.ID] = true
			if err := s.Revoke(ctx, l.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 15 {
		t.Errorf("%d distinct IDs, want 15", len(seen))
	}
}
