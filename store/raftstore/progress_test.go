package raftstore

import (
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// TestRequestProgressOnFollower: a watch on a follower, whose engine would
// tick progress only hourly, gets a requested notification at a revision
// no older than a linearizable read on that follower, after a write made
// through the leader.
func TestRequestProgressOnFollower(t *testing.T) {
	c := newClusterOpts(t, 3, clusterOptions{progress: time.Hour})
	lead, f := c.waitLeader(), c.nodes[c.follower()]
	ctx := t.Context()
	ch, err := f.Watch(ctx, "p/", store.WatchOptions{ProgressNotify: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lead.Put(ctx, "q/x", []byte("v"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	read, err := f.List(ctx, "q/", store.ListOptions{CountOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.RequestProgress(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-ch:
		if !r.IsProgressNotify() || r.Revision < read.Revision {
			t.Fatalf("%+v, want a progress notification at revision %d or later", r, read.Revision)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no progress notification within 30 s of RequestProgress")
	}
}
