package raftstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// state returns every key of replica s, read serializably.
func state(t *testing.T, s *Store) store.ListResponse {
	t.Helper()
	r, err := s.List(WithSerializable(context.Background()), "", store.ListOptions{})
	if err != nil {
		t.Fatalf("list on %s: %v", s.ID(), err)
	}
	return r
}

// TestRestartEveryReplica writes through every replica, stops them all,
// restarts them from their directories and checks that each serves the
// same keys at the same revision (raft replays its log into engines that
// already hold it: nothing may be applied twice), then writes on.
func TestRestartEveryReplica(t *testing.T) {
	ctx := testCtx(t)
	c := newCluster(t, 3)
	var last store.WriteResponse
	for i := range 30 {
		r, err := putResolved(ctx, t, c.nodes[i%3], fmt.Sprintf("k%02d", i%10), []byte(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		last = r
	}
	c.waitConverged()
	want := state(t, c.nodes[0])
	if want.Revision != last.Revision || len(want.KVs) != 10 {
		t.Fatalf("before restart: revision %d with %d keys, want %d with 10", want.Revision, len(want.KVs), last.Revision)
	}
	for i := range c.nodes {
		c.stop(i)
	}
	for i := range c.nodes {
		c.start(i, false)
	}
	c.waitConverged()
	for _, s := range c.nodes {
		if d := cmp.Diff(want, state(t, s)); d != "" {
			t.Errorf("replica %s after restart (-want +got):\n%s", s.ID(), d)
		}
	}
	r, err := putResolved(ctx, t, c.nodes[1], "after", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision != last.Revision+1 {
		t.Errorf("first write after restart at revision %d, want %d", r.Revision, last.Revision+1)
	}
}

// TestSnapshotInstall makes the leader snapshot and truncate its log, then
// adds a non-voter that can only catch up from the snapshot (FSM Restore),
// promotes it, and checks it serves the same state.
func TestSnapshotInstall(t *testing.T) {
	ctx := testCtx(t)
	c := newCluster(t, 3)
	for i := range 50 {
		if _, err := putResolved(ctx, t, c.nodes[i%3], fmt.Sprintf("k%02d", i), bytes.Repeat([]byte{'v'}, 100)); err != nil {
			t.Fatal(err)
		}
	}
	lead := c.waitLeader()
	// Snapshot on the leader, then compact its log past the entries.
	snapshotNow(t, lead)
	want := state(t, lead)

	dir := filepath.Join(t.TempDir(), "n3")
	cfg := Config{ID: "n3", Dir: dir, BindAddr: "127.0.0.1:0", Raft: testRaftConfig()}
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := lead.AddNonvoter(ctx, "n3", s.Addr()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the non-voter to catch up", 20*time.Second, func() bool { return s.Engine().Revision() == want.Revision })
	if d := cmp.Diff(want, state(t, s)); d != "" {
		t.Errorf("non-voter state (-want +got):\n%s", d)
	}
	if err := lead.AddVoter(ctx, "n3", s.Addr()); err != nil {
		t.Fatal(err)
	}
	st, err := s.Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "n3 to see itself a voter", 10*time.Second, func() bool {
		st, err = s.Cluster(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range st.Members {
			if m.ID == "n3" && m.Voter {
				return true
			}
		}
		return false
	})
	if len(st.Members) != 4 || st.Revision != want.Revision {
		t.Errorf("Cluster on n3 = %+v, want 4 members at revision %d", st, want.Revision)
	}
	// A write through the new member reaches every replica.
	r, err := s.Put(ctx, "via-n3", []byte("x"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := lead.RemoveMember(ctx, "n3"); err != nil {
		t.Fatal(err)
	}
	g, err := c.nodes[c.follower()].Get(ctx, "via-n3", store.ReadOptions{})
	if err != nil || g.KV.ModRevision != r.Revision {
		t.Errorf("Get(via-n3) on a follower = %+v, %v; want mod revision %d", g, err, r.Revision)
	}
}

// TestWatchAcrossFailover watches on a follower while writers go on and
// leadership moves: the watcher gets every revision, in order, once.
func TestWatchAcrossFailover(t *testing.T) {
	ctx := testCtx(t)
	c := newCluster(t, 3)
	f := c.follower()
	w, err := c.nodes[f].Watch(ctx, "", store.WatchOptions{Revision: 1})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	// halt stops the writers; it also runs if the test fails early, before
	// the replicas close (cleanups run last in, first out).
	var stopOnce sync.Once
	halt := func() {
		stopOnce.Do(func() { close(stop) })
		wg.Wait()
	}
	t.Cleanup(halt)
	var mu sync.Mutex
	acked := int64(0)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r, err := c.nodes[(g+i)%3].Put(ctx, fmt.Sprintf("w%d", g), []byte(fmt.Sprint(i)), store.PutOptions{})
				if err != nil {
					if errors.Is(err, ErrIndeterminate) || errors.Is(err, ErrNoLeader) {
						continue
					}
					t.Error(err)
					return
				}
				mu.Lock()
				acked = max(acked, r.Revision)
				mu.Unlock()
			}
		}()
	}
	for moved := 0; moved < 3; {
		lead := c.waitLeader()
		before := lead.ID()
		if err := lead.TransferLeadership(ctx, ""); err != nil {
			// A transfer fails when its target does not catch up and
			// win within raft's election timeout (a stall of the whole
			// process under -race on a loaded machine does that); the
			// cluster has a leader either way, so try again.
			if ctx.Err() != nil {
				t.Fatal(err)
			}
			t.Logf("leadership transfer from %s: %v; trying again", before, err)
			continue
		}
		waitFor(t, "a new leader", 20*time.Second, func() bool {
			i := c.leaderIndex()
			return i >= 0 && c.nodes[i].ID() != before
		})
		moved++
	}
	halt()
	mu.Lock()
	target := acked
	mu.Unlock()
	next := int64(1)
	for next <= target {
		select {
		case r, ok := <-w:
			if !ok || r.Err != nil {
				t.Fatalf("watch ended at revision %d: %v", next, r.Err)
			}
			for _, ev := range r.Events {
				if ev.KV.ModRevision != next {
					t.Fatalf("watch event at revision %d, want %d", ev.KV.ModRevision, next)
				}
				next++
			}
		case <-ctx.Done():
			t.Fatalf("watch stuck at revision %d of %d", next, target)
		}
	}
}

// TestBackupSeed backs up a running cluster from a follower and starts a
// new single-replica cluster from it.
func TestBackupSeed(t *testing.T) {
	ctx := testCtx(t)
	c := newCluster(t, 3)
	for i := range 20 {
		if _, err := putResolved(ctx, t, c.nodes[i%3], fmt.Sprintf("k%02d", i), []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	l, err := c.nodes[0].Grant(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.nodes[1].Put(ctx, "leased", nil, store.PutOptions{Lease: l.ID}); err != nil {
		t.Fatal(err)
	}
	src := c.nodes[c.follower()]
	var buf bytes.Buffer
	if err := src.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	want := state(t, src)

	dir := filepath.Join(t.TempDir(), "restored")
	if err := Seed(&buf, dir); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, Config{ID: "r0", Dir: dir, BindAddr: "127.0.0.1:0", Bootstrap: true, Raft: testRaftConfig()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	got, err := s.List(ctx, "", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("restored cluster (-want +got):\n%s", d)
	}
	st, err := s.TimeToLive(ctx, l.ID)
	if err != nil || len(st.Keys) != 1 {
		t.Errorf("TimeToLive(%d) on restored = %+v, %v; want the lease with key leased", l.ID, st, err)
	}
	r, err := s.Put(ctx, "new", []byte("x"), store.PutOptions{})
	if err != nil || r.Revision != want.Revision+1 {
		t.Errorf("first write on restored = %+v, %v; want revision %d", r, err, want.Revision+1)
	}
	var seeded bytes.Buffer
	seeded.WriteString("x")
	if err := Seed(&seeded, dir); err == nil {
		t.Errorf("Seed into a used directory succeeded")
	}
}
