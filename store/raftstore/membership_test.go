package raftstore

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

// members returns the configuration as replica s sees it.
func members(t *testing.T, s *Store) []Member {
	t.Helper()
	st, err := s.Cluster(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return st.Members
}

// TestMembershipThroughFollower makes every membership change on a
// follower, which forwards it to the leader: add a non-voter, promote it,
// transfer leadership to a named member, remove the added member, and
// refuse a transfer to a stranger.
func TestMembershipThroughFollower(t *testing.T) {
	ctx := testCtx(t)
	c := newCluster(t, 3)
	if _, err := c.nodes[0].Put(ctx, "k", []byte("v"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	f := c.nodes[c.follower()]

	n3, err := Open(ctx, Config{ID: "n3", Dir: filepath.Join(t.TempDir(), "n3"), BindAddr: "127.0.0.1:0", Raft: testRaftConfig()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n3.Close() })
	if err := f.AddNonvoter(ctx, "n3", n3.Addr()); err != nil {
		t.Fatalf("AddNonvoter through follower %s: %v", f.ID(), err)
	}
	want := c.waitLeader().Engine().Revision()
	waitFor(t, "n3 to replicate", 20*time.Second, func() bool { return n3.Engine().Revision() >= want })
	if err := f.AddVoter(ctx, "n3", n3.Addr()); err != nil {
		t.Fatalf("AddVoter through follower %s: %v", f.ID(), err)
	}
	wantMembers := []Member{
		{ID: "n0", Address: c.addrs[0], Voter: true},
		{ID: "n1", Address: c.addrs[1], Voter: true},
		{ID: "n2", Address: c.addrs[2], Voter: true},
		{ID: "n3", Address: n3.Addr(), Voter: true},
	}
	if d := cmp.Diff(wantMembers, members(t, c.waitLeader())); d != "" {
		t.Errorf("members after AddVoter (-want +got):\n%s", d)
	}

	// Hand leadership to a member other than the caller and the leader.
	lead := c.waitLeader()
	var others []*Store
	for _, s := range c.nodes {
		if s != lead {
			others = append(others, s)
		}
	}
	f, target := others[0], others[1].ID()
	if err := f.TransferLeadership(ctx, target); err != nil {
		t.Fatalf("TransferLeadership(%s) through follower %s: %v", target, f.ID(), err)
	}
	waitFor(t, "leadership to move to "+target, 20*time.Second, func() bool {
		i := c.leaderIndex()
		return i >= 0 && c.nodes[i].ID() == target
	})

	f = c.nodes[c.follower()]
	if err := f.RemoveMember(ctx, "n3"); err != nil {
		t.Fatalf("RemoveMember through follower %s: %v", f.ID(), err)
	}
	if d := cmp.Diff(wantMembers[:3], members(t, c.waitLeader())); d != "" {
		t.Errorf("members after RemoveMember (-want +got):\n%s", d)
	}
	if err := f.TransferLeadership(ctx, "stranger"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("TransferLeadership(stranger) through follower = %v, want ErrInvalid", err)
	}
}
