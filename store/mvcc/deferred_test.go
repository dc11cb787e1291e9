package mvcc

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

// copyFile copies src to dst: the file as an OS crash would leave it when
// nothing after the last commit reached the disk (bbolt writes a
// transaction's pages only when it commits).
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func puts(first uint64, n int, prefix string) []Command {
	var cmds []Command
	for i := range n {
		cmds = append(cmds, Command{Index: first + uint64(i), Kind: CommandPut, Key: fmt.Sprintf("%s%03d", prefix, i%7), Value: []byte(fmt.Sprint(i))})
	}
	return cmds
}

// TestDeferredSync applies replicated commands with the commit deferred,
// checks that every read path serves them before the commit, that a crash
// image taken before the commit holds none of them (and names the index it
// does hold), and that Sync and Close make them durable.
func TestDeferredSync(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	s, err := Open(t.Context(), Options{Path: path, Replicated: true, SyncInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// A first batch, made durable.
	for _, r := range s.ApplyReplicated(puts(1, 10, "a/")) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := s.SyncedIndex(); got != 10 {
		t.Fatalf("SyncedIndex after Sync = %d, want 10", got)
	}
	// A second one, deferred, with a deletion and a transaction.
	cmds := puts(11, 20, "b/")
	cmds = append(cmds, Command{Index: 31, Kind: CommandDelete, Key: "a/000"})
	cmds = append(cmds, Command{Index: 32, Kind: CommandTxn, Txn: &store.Txn{Then: []store.Op{{Type: store.OpPut, Key: "c", Value: []byte("v")}, {Type: store.OpDelete, Key: "a/001"}}}})
	for _, r := range s.ApplyReplicated(cmds) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if got, want := s.AppliedIndex(), uint64(32); got != want {
		t.Fatalf("AppliedIndex = %d, want %d", got, want)
	}
	if got := s.SyncedIndex(); got != 10 {
		t.Fatalf("SyncedIndex before the deferred commit = %d, want 10", got)
	}
	rev := s.Revision()

	ctx := t.Context()
	if g, err := s.Get(ctx, "b/006", store.ReadOptions{}); err != nil || string(g.KV.Value) != "13" {
		t.Fatalf("Get b/006 = %+v, %v; want value 13", g, err)
	}
	if _, err := s.Get(ctx, "a/000", store.ReadOptions{}); err == nil {
		t.Fatal("Get a/000 after its deferred deletion succeeded")
	}
	l, err := s.List(ctx, "b/", store.ListOptions{})
	if err != nil || len(l.KVs) != 7 {
		t.Fatalf("List b/ = %d keys, %v; want 7", len(l.KVs), err)
	}
	tr, err := s.Txn(ctx, store.Txn{If: []store.Compare{{Key: "c", Target: store.CompareValue, Result: store.Equal, Value: []byte("v")}}, Then: []store.Op{{Type: store.OpGet, Key: "b/000"}}})
	if err != nil || !tr.Succeeded {
		t.Fatalf("read Txn = %+v, %v", tr, err)
	}
	// The file's catch-up path crosses from the file into the unsynced set.
	evs, next, err := s.readEvents("", 1, rev, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if next != rev+1 || int64(len(evs)) != rev+1 { // the txn's revision has two events
		t.Fatalf("readEvents = %d events up to %d, want %d up to %d", len(evs), next, rev+1, rev+1)
	}
	for i, ev := range evs[1:] {
		if ev.KV.ModRevision < evs[i].KV.ModRevision {
			t.Fatalf("events out of order: %d after %d", ev.KV.ModRevision, evs[i].KV.ModRevision)
		}
	}
	if ev := evs[len(evs)-1]; ev.Type != store.EventDelete || ev.PrevKV == nil || ev.KV.Key != "a/001" {
		t.Fatalf("last event = %+v, want the deletion of a/001 with its previous value", ev)
	}

	// A crash now loses the deferred batch, and only it.
	crash := filepath.Join(dir, "crash")
	copyFile(t, path, crash)
	c, err := Open(t.Context(), Options{Path: crash, Replicated: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.AppliedIndex() != 10 || c.Revision() != 10 {
		t.Fatalf("crash image: applied %d at revision %d, want 10 at 10", c.AppliedIndex(), c.Revision())
	}
	// Replaying the log after the image's applied index reaches the same
	// state.
	for _, r := range c.ApplyReplicated(cmds) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if c.Revision() != rev {
		t.Fatalf("replayed crash image at revision %d, want %d", c.Revision(), rev)
	}
	cl, _ := c.List(ctx, "", store.ListOptions{})
	sl, _ := s.List(ctx, "", store.ListOptions{})
	if d := cmp.Diff(sl.KVs, cl.KVs); d != "" {
		t.Fatalf("replayed crash image differs (-want +got):\n%s", d)
	}
	_ = c.Close()

	// Sync makes it durable.
	if err := s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := s.SyncedIndex(); got != 32 {
		t.Fatalf("SyncedIndex after Sync = %d, want 32", got)
	}
	synced := filepath.Join(dir, "synced")
	copyFile(t, path, synced)
	c, err = Open(t.Context(), Options{Path: synced, Replicated: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.AppliedIndex() != 32 || c.Revision() != rev {
		t.Fatalf("after Sync: applied %d at revision %d, want 32 at %d", c.AppliedIndex(), c.Revision(), rev)
	}
	_ = c.Close()

	// Close commits what is deferred.
	for _, r := range s.ApplyReplicated(puts(33, 5, "d/")) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	rev = s.Revision()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(t.Context(), Options{Path: path, Replicated: true, SyncInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if s.AppliedIndex() != 37 || s.Revision() != rev {
		t.Fatalf("after Close: applied %d at revision %d, want 37 at %d", s.AppliedIndex(), s.Revision(), rev)
	}
}

// TestDeferredSyncTimer checks that the interval commits on its own, and
// that a snapshot view holds every command applied before it.
func TestDeferredSyncTimer(t *testing.T) {
	s := openTest(t, Options{Replicated: true, SyncInterval: 20 * time.Millisecond})
	for _, r := range s.ApplyReplicated(puts(1, 50, "k/")) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.SyncedIndex() != 50 {
		if time.Now().After(deadline) {
			t.Fatalf("SyncedIndex %d ten seconds after applying 50", s.SyncedIndex())
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, r := range s.ApplyReplicated(puts(51, 3, "k/")) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	v, err := s.BeginSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Release()
	if v.AppliedIndex() != 53 || s.SyncedIndex() != 53 {
		t.Fatalf("snapshot view at %d, synced %d; want both 53", v.AppliedIndex(), s.SyncedIndex())
	}
	// A local write on a deferring store is durable when it returns.
	if _, err := s.Put(context.Background(), "local", []byte("x"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestDeferredSyncOptions(t *testing.T) {
	if _, err := Open(t.Context(), Options{Dir: t.TempDir(), SyncInterval: time.Second}); err == nil {
		t.Fatal("SyncInterval without Replicated accepted")
	}
	if _, err := Open(t.Context(), Options{Dir: t.TempDir(), Replicated: true, SyncInterval: -time.Second}); err == nil {
		t.Fatal("negative SyncInterval accepted")
	}
}
