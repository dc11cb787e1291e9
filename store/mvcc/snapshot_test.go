package mvcc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sync/errgroup"

	"github.com/rigging-dev/rigging/store"
)

// TestSnapshotRestore takes a snapshot while writers run, restores it, and
// checks that the restored store serves the snapshot's revision with the
// same keys, history and leases as the original at that revision.
func TestSnapshotRestore(t *testing.T) {
	s := openTest(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l, err := s.Grant(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		mustPut(t, s, fmt.Sprintf("pre/%d", i), "v", l.ID)
	}
	var stop atomic.Bool
	var g errgroup.Group
	for w := range 4 {
		g.Go(func() error {
			for i := 0; !stop.Load(); i++ {
				if _, err := s.Put(ctx, fmt.Sprintf("w%d/%d", w, i%10), []byte(fmt.Sprint(i)), store.PutOptions{}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	waitFor(t, "writes to begin", func() bool { return s.Revision() > 40 })
	var buf bytes.Buffer
	if err := s.Snapshot(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "more writes after the snapshot", func() bool { return s.Revision() > 80 })
	stop.Store(true)
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "restored.db")
	if err := Restore(&buf, path); err != nil {
		t.Fatal(err)
	}
	r := openTest(t, Options{Path: path})
	rev := r.Revision()
	if rev <= 20 || rev >= s.Revision() {
		t.Fatalf("restored revision %d, want one between 20 and %d", rev, s.Revision())
	}
	for _, at := range []int64{1, 20, rev / 2, rev} {
		if d := cmp.Diff(listAll(t, s, at), listAll(t, r, at), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("List at %d, original vs restored (-original +restored):\n%s", at, d)
		}
	}
	if _, err := r.Get(ctx, "x", store.ReadOptions{Revision: rev + 1}); !errors.Is(err, store.ErrFutureRevision) {
		t.Errorf("restored store read past its revision: %v", err)
	}
	st, err := r.TimeToLive(ctx, l.ID)
	if err != nil || len(st.Keys) != 20 {
		t.Errorf("lease in the restored store: %+v, %v; want 20 keys", st, err)
	}
	if w := mustPut(t, r, "after", "v", store.NoLease); w.Revision != rev+1 {
		t.Errorf("first write to the restored store at %d, want %d", w.Revision, rev+1)
	}
}

func TestRestoreRefuses(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Restore(strings.NewReader("whatever"), existing); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Restore over an existing file: %v, want ErrExist", err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := Restore(strings.NewReader(strings.Repeat("not a database", 1000)), garbage); err == nil {
		t.Error("Restore of garbage: no error")
	}
	if _, err := os.Stat(garbage); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Restore of garbage left a file: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Restore left files behind: %v", entries)
	}
}

func TestSnapshotCancelled(t *testing.T) {
	s := openTest(t, Options{})
	mustPut(t, s, "k", "v", store.NoLease)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Snapshot(ctx, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Snapshot with a cancelled context: %v", err)
	}
}

// TestDefrag fills the file, deletes and compacts most of it, and checks
// that Defrag shrinks it while reads go on and nothing changes.
func TestDefrag(t *testing.T) {
	s := openTest(t, Options{})
	ctx := t.Context()
	value := bytes.Repeat([]byte("x"), 8<<10)
	for b := range 10 {
		ops := make([]store.Op, 100)
		for i := range ops {
			ops[i] = store.Op{Type: store.OpPut, Key: fmt.Sprintf("big/%d/%d", b, i), Value: value}
		}
		if _, err := s.Txn(ctx, store.Txn{Then: ops}); err != nil {
			t.Fatal(err)
		}
	}
	for b := range 10 {
		ops := make([]store.Op, 100)
		for i := range ops {
			ops[i] = store.Op{Type: store.OpDelete, Key: fmt.Sprintf("big/%d/%d", b, i)}
		}
		if _, err := s.Txn(ctx, store.Txn{Then: ops}); err != nil {
			t.Fatal(err)
		}
	}
	mustPut(t, s, "keep", "v", store.NoLease)
	if err := s.Compact(ctx, s.Revision()); err != nil {
		t.Fatal(err)
	}
	before := listAll(t, s, 0)
	sizeBefore := fileSize(t, s.Path())

	var stop atomic.Bool
	var readers errgroup.Group
	readers.Go(func() error {
		for !stop.Load() {
			if _, err := s.Get(ctx, "keep", store.ReadOptions{}); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.Defrag(ctx)
	stop.Store(true)
	if err != nil {
		t.Fatal(err)
	}
	if err := readers.Wait(); err != nil {
		t.Fatalf("read during Defrag: %v", err)
	}
	sizeAfter := fileSize(t, s.Path())
	if sizeAfter >= sizeBefore/2 {
		t.Errorf("file of %d bytes after Defrag, %d before: want it at least halved", sizeAfter, sizeBefore)
	}
	if d := cmp.Diff(before, listAll(t, s, 0), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("state after Defrag (-before +after):\n%s", d)
	}
	if w := mustPut(t, s, "after", "v", store.NoLease); w.Revision != before.Revision+1 {
		t.Errorf("write after Defrag at %d, want %d", w.Revision, before.Revision+1)
	}
	t.Logf("file %d bytes before Defrag, %d after", sizeBefore, sizeAfter)
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
