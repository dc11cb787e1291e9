package raftstore

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// copyTree copies the directory src to dst (which must not exist).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatalf("copy %s to %s: %v", src, dst, err)
	}
}

// engineAt opens a scratch copy of an engine file and returns its applied
// index and revision.
func engineAt(t *testing.T, path string) (uint64, int64) {
	t.Helper()
	scratch := filepath.Join(t.TempDir(), "scratch.db")
	copyTree(t, path, scratch)
	db, err := mvcc.Open(context.Background(), mvcc.Options{Path: scratch, Replicated: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return db.AppliedIndex(), db.Revision()
}

// TestEngineCrashRecovery runs every replica with the engine's commit
// deferred (an hour, so nothing is committed by the timer), acknowledges
// writes, then takes each replica's directory as an OS crash would leave
// it: the engine file without the uncommitted writes (bbolt writes a
// transaction's pages only at commit), the raft log as fsynced. Every
// replica restarts from that image at once; each must serve every
// acknowledged write, at the same revisions as before. A write whose
// outcome is unknown (leadership moved while it was in flight, as a
// stalled process on a loaded machine makes happen) is resolved by reading
// it back, and made again only if it was not applied (putResolved).
func TestEngineCrashRecovery(t *testing.T) {
	ctx := testCtx(t)
	c := newClusterOpts(t, 3, clusterOptions{engineSync: time.Hour})
	acked := make(map[string]store.WriteResponse)
	var last store.WriteResponse
	for i := range 60 {
		key := fmt.Sprintf("k%02d", i%20)
		r, err := putResolved(ctx, t, c.nodes[i%3], key, []byte(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		acked[key] = r
		last = r
	}
	if _, err := deleteResolved(ctx, t, c.nodes[1], "k19"); err != nil {
		t.Fatal(err)
	}
	delete(acked, "k19")
	c.waitConverged()
	want := state(t, c.nodes[0])
	if want.Revision != last.Revision+1 || len(want.KVs) != 19 {
		t.Fatalf("before the crash: revision %d with %d keys, want %d with 19", want.Revision, len(want.KVs), last.Revision+1)
	}

	images := make([]string, len(c.nodes))
	base := t.TempDir()
	for i, s := range c.nodes {
		db := s.Engine()
		if db.SyncedIndex() >= db.AppliedIndex() {
			t.Fatalf("replica %s: engine synced to %d, applied %d: want writes still unsynced", s.ID(), db.SyncedIndex(), db.AppliedIndex())
		}
		images[i] = filepath.Join(base, nodeID(i))
		copyTree(t, c.dirs[i], images[i])
		applied, rev := engineAt(t, filepath.Join(images[i], engineFile))
		if rev >= want.Revision || applied >= db.AppliedIndex() {
			t.Fatalf("replica %s: crash image's engine at revision %d, index %d; want it behind %d, %d", s.ID(), rev, applied, want.Revision, db.AppliedIndex())
		}
		t.Logf("replica %s: crash image's engine at revision %d (index %d), live at %d (index %d)", s.ID(), rev, applied, want.Revision, db.AppliedIndex())
	}
	for i := range c.nodes {
		c.stop(i)
	}
	for i := range c.nodes {
		if err := os.RemoveAll(c.dirs[i]); err != nil {
			t.Fatal(err)
		}
		copyTree(t, images[i], c.dirs[i])
	}
	for i := range c.nodes {
		c.start(i, false)
	}
	c.waitConverged()
	for _, s := range c.nodes {
		if d := cmp.Diff(want, state(t, s)); d != "" {
			t.Errorf("replica %s after the crash (-want +got):\n%s", s.ID(), d)
		}
		for key, w := range acked {
			g, err := s.Get(WithSerializable(ctx), key, store.ReadOptions{})
			if err != nil || g.KV.ModRevision != w.Revision || string(g.KV.Value) != string(w.KV.Value) {
				t.Errorf("replica %s: Get(%s) = %+v, %v; want the acknowledged write at revision %d", s.ID(), key, g.KV, err, w.Revision)
			}
		}
	}
	r, err := putResolved(ctx, t, c.nodes[2], "after", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision != want.Revision+1 {
		t.Errorf("first write after the crash at revision %d, want %d", r.Revision, want.Revision+1)
	}
}

// TestEngineBehindSnapshot restarts a replica whose engine file is older
// than raft's latest snapshot (raft starts applying after the snapshot, so
// the commands in between would be lost): Open must restore the engine
// from the snapshot.
func TestEngineBehindSnapshot(t *testing.T) {
	ctx := testCtx(t)
	c := newCluster(t, 3)
	for i := range 20 {
		if _, err := putResolved(ctx, t, c.nodes[i%3], fmt.Sprintf("a%02d", i), []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	c.waitConverged()
	f := c.follower()
	if err := c.nodes[f].Engine().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	early := filepath.Join(t.TempDir(), "early.db")
	copyTree(t, filepath.Join(c.dirs[f], engineFile), early)
	for i := range 20 {
		if _, err := putResolved(ctx, t, c.nodes[i%3], fmt.Sprintf("b%02d", i), []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	c.waitConverged()
	snapshotNow(t, c.nodes[f])
	want := state(t, c.nodes[f])
	c.stop(f)
	path := filepath.Join(c.dirs[f], engineFile)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	copyTree(t, early, path)
	s := c.start(f, false)
	c.waitConverged()
	if d := cmp.Diff(want, state(t, s)); d != "" {
		t.Errorf("replica %s restarted behind its snapshot (-want +got):\n%s", s.ID(), d)
	}
}
