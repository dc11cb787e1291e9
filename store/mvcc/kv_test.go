package mvcc

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sync/errgroup"

	"github.com/rigging-dev/rigging/store"
)

// waitFor polls cond until it holds, failing the test after 10 s. It is
// for conditions no channel announces (a request queued in the writer).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling a condition, not synchronising
	}
}

// listAll reads every key at rev.
func listAll(t testing.TB, s *Store, rev int64) store.ListResponse {
	t.Helper()
	r, err := s.List(t.Context(), "", store.ListOptions{Revision: rev})
	if err != nil {
		t.Fatalf("List at %d: %v", rev, err)
	}
	return r
}

func TestOptionsValidation(t *testing.T) {
	for _, o := range []Options{
		{ProgressInterval: -1},
		{WatchBufferSize: -1},
		{MaxBatch: -1},
		{MaxBatch: 1 << 20},
		{InitialMmapSize: -1},
		{Limits: store.Limits{MaxKeySize: -1}},
	} {
		o.Dir = t.TempDir()
		if s, err := Open(t.Context(), o); err == nil {
			s.Close()
			t.Errorf("Open(%+v): no error", o)
		}
	}
}

func TestOpenLockedFile(t *testing.T) {
	s := openTest(t, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err := Open(ctx, Options{Path: s.Path()})
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second Open of a file in use: %v, want a locked-file error", err)
	}
}

// TestReopen checks that everything a store serves survives Close and Open:
// keys, history, revision, compaction revision and leases.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Grant(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "a", "1", store.NoLease)                               // 1
	mustPut(t, s, "b", "1", l.ID)                                        // 2
	mustPut(t, s, "a", "2", store.NoLease)                               // 3
	if _, err := s.Delete(ctx, "b", store.DeleteOptions{}); err != nil { // 4
		t.Fatal(err)
	}
	if _, err := s.Txn(ctx, store.Txn{Then: []store.Op{ // 5
		{Type: store.OpPut, Key: "c", Value: []byte("1"), Lease: l.ID},
		{Type: store.OpPut, Key: "d", Value: nil},
	}}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "a", "3", store.NoLease) // 6
	if err := s.Compact(ctx, 3); err != nil {
		t.Fatal(err)
	}
	before := map[int64]store.ListResponse{}
	for rev := int64(3); rev <= 6; rev++ {
		before[rev] = listAll(t, s, rev)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Revision(); got != 6 {
		t.Errorf("revision after reopen = %d, want 6", got)
	}
	for rev := int64(3); rev <= 6; rev++ {
		if d := cmp.Diff(before[rev], listAll(t, s, rev), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("List at %d after reopen (-before +after):\n%s", rev, d)
		}
	}
	var ce *store.CompactedError
	if _, err := s.Get(ctx, "a", store.ReadOptions{Revision: 2}); !errors.As(err, &ce) || ce.Compacted != 3 {
		t.Errorf("Get at 2 after reopen: %v, want compacted at 3", err)
	}
	st, err := s.TimeToLive(ctx, l.ID)
	if err != nil {
		t.Fatalf("TimeToLive after reopen: %v", err)
	}
	if d := cmp.Diff([]string{"c"}, st.Keys); d != "" {
		t.Errorf("lease keys after reopen (-want +got):\n%s", d)
	}
	w := mustPut(t, s, "e", "1", store.NoLease)
	if w.Revision != 7 {
		t.Errorf("first write after reopen at revision %d, want 7", w.Revision)
	}
	l2, err := s.Grant(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if l2.ID <= l.ID {
		t.Errorf("lease granted after reopen has ID %d, not after %d", l2.ID, l.ID)
	}
}

func mustPut(t testing.TB, s *Store, key, value string, lease store.LeaseID) store.WriteResponse {
	t.Helper()
	r, err := s.Put(t.Context(), key, []byte(value), store.PutOptions{Lease: lease})
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return r
}

// TestEmptyValue: an empty or nil value is stored as empty, never nil (nil
// is a deletion's value).
func TestEmptyValue(t *testing.T) {
	s := openTest(t, Options{})
	w := mustPut(t, s, "k", "", store.NoLease)
	if w.KV.Value == nil {
		t.Error("Put of an empty value returned a nil value")
	}
	if _, err := s.Put(t.Context(), "n", nil, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k", "n"} {
		g, err := s.Get(t.Context(), k, store.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if g.KV.Value == nil || len(g.KV.Value) != 0 {
			t.Errorf("Get(%q) value %#v, want empty and non-nil", k, g.KV.Value)
		}
	}
}

// TestValueCopied: the store keeps its own copy of a written value.
func TestValueCopied(t *testing.T) {
	s := openTest(t, Options{})
	v := []byte("before")
	if _, err := s.Put(t.Context(), "k", v, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	copy(v, "AFTER!")
	g, err := s.Get(t.Context(), "k", store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(g.KV.Value) != "before" {
		t.Errorf("value after the caller changed its slice: %q", g.KV.Value)
	}
}

// TestGroupCommit holds the writer while 100 writes queue up, then checks
// that they were committed together, at consecutive revisions: at most two
// commits (fsyncs) for 101 writes (the writer may have taken some of them
// into the batch it was holding).
func TestGroupCommit(t *testing.T) {
	s := openTest(t, Options{})
	ctx := t.Context()
	s.mu.Lock() // the writer blocks on its first batch
	locked := true
	defer func() {
		if locked {
			s.mu.Unlock()
		}
	}()
	first := &request{kind: reqPut, mode: modePut, key: "first", value: []byte("v")}
	if err := s.send(ctx, first); err != nil {
		t.Fatal(err)
	}
	const n = 100
	reqs := make([]*request, n)
	for i := range reqs {
		reqs[i] = &request{kind: reqPut, mode: modePut, key: fmt.Sprintf("k%03d", i), value: []byte("v")}
	}
	var sent atomic.Int64
	var g errgroup.Group
	for _, r := range reqs {
		g.Go(func() error {
			err := s.send(ctx, r)
			sent.Add(1)
			return err
		})
	}
	waitFor(t, "100 queued writes", func() bool { return sent.Load() == n })
	s.mu.Unlock()
	locked = false
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if res := s.wait(ctx, first); res.err != nil || res.write.Revision != 1 {
		t.Fatalf("first write: revision %d, error %v; want revision 1", res.write.Revision, res.err)
	}
	var revs []int64
	for _, r := range reqs {
		res := s.wait(ctx, r)
		if res.err != nil {
			t.Fatal(res.err)
		}
		revs = append(revs, res.write.Revision)
	}
	if got := s.commits.Load(); got > 2 {
		t.Errorf("%d commits for 1 + %d queued writes, want at most 2", got, n)
	}
	sort.Slice(revs, func(i, j int) bool { return revs[i] < revs[j] })
	for i, r := range revs {
		if r != int64(i+2) {
			t.Fatalf("revisions of the batch: %v, want 2..%d", revs, n+1)
		}
	}
}

// TestFailedWritesTakeNoRevision runs concurrent writers of which most
// fail (Create of existing keys, stale CAS): the successful ones have
// exactly the revisions 1..n, with no gap and no repeat, and the file
// holds one record per revision.
func TestFailedWritesTakeNoRevision(t *testing.T) {
	s := openTest(t, Options{})
	ctx := t.Context()
	var (
		mu   sync.Mutex
		revs []int64
	)
	record := func(r store.WriteResponse, err error) error {
		switch {
		case err == nil:
			mu.Lock()
			revs = append(revs, r.Revision)
			mu.Unlock()
		case errors.Is(err, store.ErrExists), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		default:
			return err
		}
		return nil
	}
	var g errgroup.Group
	for w := range 16 {
		g.Go(func() error {
			for i := range 20 {
				key := fmt.Sprintf("k%d", i%5)
				if err := record(s.Create(ctx, key, []byte("c"), store.PutOptions{})); err != nil {
					return err
				}
				if err := record(s.Update(ctx, key, []byte("u"), store.UpdateOptions{ExpectedModRevision: int64(w + i)})); err != nil {
					return err
				}
				if i%7 == w%7 {
					if err := record(s.Delete(ctx, key, store.DeleteOptions{})); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	sort.Slice(revs, func(i, j int) bool { return revs[i] < revs[j] })
	for i, r := range revs {
		if r != int64(i+1) {
			t.Fatalf("successful writes at revisions %v: want 1..%d", revs, len(revs))
		}
	}
	if got := s.Revision(); got != int64(len(revs)) {
		t.Errorf("store revision %d after %d successful writes", got, len(revs))
	}
	if got := countRecords(t, s); got != len(revs) {
		t.Errorf("%d records on disk for %d single-key writes", got, len(revs))
	}
}

// countRecords counts the records in the file.
func countRecords(t testing.TB, s *Store) int {
	t.Helper()
	s.mu.RLock()
	tx, err := s.db.Begin(false)
	s.mu.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	return tx.Bucket(recordsBucket).Stats().KeyN
}

// TestWriteAfterFailure checks the failed state: once a commit fails, every
// write is refused with that error while reads go on.
func TestWriteAfterFailure(t *testing.T) {
	s := openTest(t, Options{})
	mustPut(t, s, "a", "1", store.NoLease)
	boom := errors.New("disk on fire")
	s.fail(boom)
	if _, err := s.Put(t.Context(), "b", []byte("v"), store.PutOptions{}); !errors.Is(err, boom) {
		t.Errorf("Put after a failure: %v, want %v", err, boom)
	}
	if _, err := s.Get(t.Context(), "a", store.ReadOptions{}); err != nil {
		t.Errorf("Get after a failure: %v", err)
	}
}

// TestDefaultPath: a zero Path means rigging.db in Dir.
func TestDefaultPath(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, Options{Dir: dir})
	if want := filepath.Join(dir, DefaultFileName); s.Path() != want {
		t.Errorf("Path() = %q, want %q", s.Path(), want)
	}
}
