package raftstore

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/rigging-dev/rigging/store"
)

// TestLeadershipLostWriteResolved makes the leader report that it lost
// leadership after taking a write (raft.ErrLeadershipLost: the entry may
// or may not commit), through the leader itself and forwarded from a
// follower. The replica that proposed it must learn the outcome instead of
// answering ErrIndeterminate: a write that did commit is answered with
// its own result (a Create made again would fail with ErrExists), and one
// that did not is made again, so that it is applied exactly once.
func TestLeadershipLostWriteResolved(t *testing.T) {
	for _, tc := range []struct {
		name         string
		viaFollower  bool
		applied      bool // the reported-lost entry did commit
		wantAttempts int32
	}{
		{"leader/applied", false, true, 1},
		{"leader/not-applied", false, false, 2},
		{"follower/applied", true, true, 1},
		{"follower/not-applied", true, false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			c := newCluster(t, 3)
			lead := c.waitLeader()
			via := lead
			if tc.viaFollower {
				via = c.nodes[c.follower()]
			}
			before, err := putResolved(ctx, t, lead, "other", []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			var attempts atomic.Int32
			hook := func(ctx context.Context, data []byte) (uint64, error) {
				if attempts.Add(1) == 1 {
					if !tc.applied {
						// Not appended at all: what a leader whose entry
						// the next leader did not hold amounts to.
						return 0, raft.ErrLeadershipLost
					}
					if err := lead.futureErr(ctx, lead.raft.Apply(data, 0)); err != nil {
						return 0, err
					}
					return 0, raft.ErrLeadershipLost
				}
				fut := lead.raft.Apply(data, 0)
				if err := lead.futureErr(ctx, fut); err != nil {
					return 0, err
				}
				return fut.Index(), nil
			}
			lead.testHookApply.Store(&hook)
			r, err := via.Create(ctx, "k", []byte("v"), store.PutOptions{})
			if err != nil {
				t.Fatalf("Create through %s after a reported leadership loss: %v", via.ID(), err)
			}
			if n := attempts.Load(); n != tc.wantAttempts {
				t.Errorf("the leader took the write %d times, want %d", n, tc.wantAttempts)
			}
			if r.Revision != before.Revision+1 || r.KV.CreateRevision != r.Revision || string(r.KV.Value) != "v" {
				t.Errorf("Create answered %+v, want the write at revision %d", r, before.Revision+1)
			}
			lead.testHookApply.Store(nil)
			c.waitConverged()
			for _, s := range c.nodes {
				g, err := s.Get(ctx, "k", store.ReadOptions{})
				if err != nil || g.KV.ModRevision != r.Revision || g.KV.Version != 1 {
					t.Errorf("Get(k) on %s = %+v, %v; want version 1 at revision %d", s.ID(), g.KV, err, r.Revision)
				}
				if rev := s.Engine().Revision(); rev != r.Revision {
					t.Errorf("%s is at revision %d, want %d (the write applied once)", s.ID(), rev, r.Revision)
				}
			}
		})
	}
}

// TestLeadershipLostOutcomeUnknown: when the outcome cannot be learned
// before the call's deadline, the write still ends with ErrIndeterminate.
func TestLeadershipLostOutcomeUnknown(t *testing.T) {
	ctx := testCtx(t)
	c := newCluster(t, 1)
	lead := c.waitLeader()
	cctx, cancel := context.WithCancel(ctx)
	hook := func(context.Context, []byte) (uint64, error) {
		cancel() // no time left to learn the outcome
		return 0, raft.ErrLeadershipLost
	}
	lead.testHookApply.Store(&hook)
	_, err := lead.Put(cctx, "k", []byte("v"), store.PutOptions{})
	if !errors.Is(err, ErrIndeterminate) {
		t.Fatalf("Put = %v, want ErrIndeterminate", err)
	}
}
