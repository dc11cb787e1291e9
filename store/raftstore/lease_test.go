package raftstore

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

// TestLeaseExpiryAfterFailover grants a lease through a follower, lets
// part of its TTL run out, and kills the leader. The new leader must
// restart the lease's TTL in full when it takes over (it cannot know how
// long the old one last heard a keep-alive), so the lease must outlive
// the kill by a whole TTL, and then expire: its key deleted, in one
// revision, on every replica.
func TestLeaseExpiryAfterFailover(t *testing.T) {
	ctx := testCtx(t)
	c := newCluster(t, 3)
	const ttl = 3 * time.Second
	f := c.nodes[c.follower()]
	l, err := f.Grant(ctx, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Put(ctx, "leased", []byte("v"), store.PutOptions{Lease: l.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Put(ctx, "kept", []byte("v"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// Let a third of the TTL run out on the old leader.
	waitFor(t, "the lease to age", 10*time.Second, func() bool {
		st, err := f.TimeToLive(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		return st.Remaining <= ttl-time.Second
	})

	old := indexOf(c, c.waitLeader())
	killed := time.Now()
	c.stop(old)
	lead := c.waitLeader()
	st, err := lead.TimeToLive(ctx, l.ID)
	if err != nil {
		t.Fatalf("TimeToLive on the new leader %s: %v", lead.ID(), err)
	}
	// The new leader's deadline is at least a full TTL after the kill
	// (20 ms for the engine's clock and rounding).
	if deadline, least := time.Now().Add(st.Remaining), killed.Add(ttl-20*time.Millisecond); deadline.Before(least) {
		t.Errorf("new leader %s expires the lease %v after the kill, want at least the full TTL %v", lead.ID(), deadline.Sub(killed), ttl)
	}
	if d := cmp.Diff([]string{"leased"}, st.Keys); d != "" {
		t.Errorf("lease keys on the new leader (-want +got):\n%s", d)
	}

	// Poll until the key is gone; the last read that saw it began after
	// the kill by nearly a TTL (the lease was not expired early).
	var lastSeen time.Time
	waitFor(t, "the lease to expire", 30*time.Second, func() bool {
		t0 := time.Now()
		_, err := lead.Get(ctx, "leased", store.ReadOptions{})
		if errors.Is(err, store.ErrNotFound) {
			return true
		}
		if err != nil {
			t.Fatal(err)
		}
		lastSeen = t0
		return false
	})
	// The polling runs every few milliseconds; 500 ms allows for a
	// stalled poller on a loaded machine while still telling a renewed
	// TTL (≥ 3 s after the kill) from the old one (≤ 2 s after it).
	if seen := lastSeen.Sub(killed); seen < ttl-500*time.Millisecond {
		t.Errorf("lease expired early: key last seen %v after the kill, want about %v", seen, ttl)
	}
	if _, err := lead.TimeToLive(ctx, l.ID); !errors.Is(err, store.ErrLeaseNotFound) {
		t.Errorf("TimeToLive after expiry = %v, want ErrLeaseNotFound", err)
	}

	// Every replica, the old leader restarted too, deleted it in the same
	// revision.
	c.start(old, false)
	c.waitConverged()
	want := state(t, lead)
	if len(want.KVs) != 1 || want.KVs[0].Key != "kept" {
		t.Fatalf("keys on the new leader after expiry: %+v, want only kept", want.KVs)
	}
	for _, s := range c.nodes {
		if d := cmp.Diff(want, state(t, s)); d != "" {
			t.Errorf("replica %s after expiry (-want +got):\n%s", s.ID(), d)
		}
	}
}
