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
		{PageSize: -1},
		{PageSize: 1024},
		{PageSize: 6000},
		{PageSize: 128 << 10},
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

// TestValueCopied: the store keeps its own copy of a value written with
// Put, Create or Update: changing the caller's slice afterwards changes
// neither reads, nor the response, nor the event watchers get.
func TestValueCopied(t *testing.T) {
	s := openTest(t, Options{})
	ctx := t.Context()
	w, err := s.Watch(ctx, "", store.WatchOptions{Revision: 1})
	if err != nil {
		t.Fatal(err)
	}
	writes := []struct {
		name  string
		write func(v []byte) (store.WriteResponse, error)
	}{
		{"put", func(v []byte) (store.WriteResponse, error) { return s.Put(ctx, "k", v, store.PutOptions{}) }},
		{"create", func(v []byte) (store.WriteResponse, error) { return s.Create(ctx, "c", v, store.PutOptions{}) }},
		{"update", func(v []byte) (store.WriteResponse, error) { return s.Update(ctx, "k", v, store.UpdateOptions{}) }},
	}
	for _, tc := range writes {
		v := []byte("before-" + tc.name)
		r, err := tc.write(v)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		clear(v)
		if want := "before-" + tc.name; string(r.KV.Value) != want {
			t.Errorf("%s: response value after the caller changed its slice: %q, want %q", tc.name, r.KV.Value, want)
		}
		g, err := s.Get(ctx, r.KV.Key, store.ReadOptions{Revision: r.KV.ModRevision})
		if err != nil {
			t.Fatal(err)
		}
		if want := "before-" + tc.name; string(g.KV.Value) != want {
			t.Errorf("%s: value after the caller changed its slice: %q, want %q", tc.name, g.KV.Value, want)
		}
	}
	for _, tc := range writes {
		ev := nextEvent(t, w)
		if want := "before-" + tc.name; string(ev.KV.Value) != want {
			t.Errorf("%s: watched value after the caller changed its slice: %q, want %q", tc.name, ev.KV.Value, want)
		}
	}
}

// nextEvent returns the next event of a watch, failing after 10 s.
func nextEvent(t *testing.T, w <-chan store.WatchResponse) store.Event {
	t.Helper()
	for {
		select {
		case resp, ok := <-w:
			if !ok || resp.Err != nil {
				t.Fatalf("watch ended: %v", resp.Err)
			}
			if len(resp.Events) > 0 {
				if len(resp.Events) != 1 {
					t.Fatalf("%d events in one response, want 1", len(resp.Events))
				}
				return resp.Events[0]
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no event within 10 s")
		}
	}
}

// TestOwnedWrites: CreateOwned and UpdateOwned keep the caller's slice
// instead of a copy (the response shares it), store and fail as Create and
// Update do, and store a nil value as empty.
func TestOwnedWrites(t *testing.T) {
	s := openTest(t, Options{Limits: store.Limits{MaxValueSize: 64}})
	ctx := t.Context()
	v := []byte("created")
	c, err := s.CreateOwned(ctx, "k", v, store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if &c.KV.Value[0] != &v[0] {
		t.Error("CreateOwned copied the value")
	}
	if _, err := s.CreateOwned(ctx, "k", []byte("again"), store.PutOptions{}); !errors.Is(err, store.ErrExists) {
		t.Errorf("CreateOwned of an existing key: %v, want ErrExists", err)
	}
	if _, err := s.CreateOwned(ctx, "big", make([]byte, 65), store.PutOptions{}); !errors.Is(err, store.ErrTooLarge) {
		t.Errorf("CreateOwned of a value over the limit: %v, want ErrTooLarge", err)
	}
	if _, err := s.UpdateOwned(ctx, "missing", []byte("x"), store.UpdateOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateOwned of a missing key: %v, want ErrNotFound", err)
	}
	var conflict *store.ConflictError
	if _, err := s.UpdateOwned(ctx, "k", []byte("x"), store.UpdateOptions{ExpectedModRevision: c.KV.ModRevision + 1}); !errors.As(err, &conflict) {
		t.Errorf("UpdateOwned with a stale mod revision: %v, want a ConflictError", err)
	}
	u := []byte("updated")
	r, err := s.UpdateOwned(ctx, "k", u, store.UpdateOptions{ExpectedModRevision: c.KV.ModRevision})
	if err != nil {
		t.Fatal(err)
	}
	if &r.KV.Value[0] != &u[0] || string(r.PrevKV.Value) != "created" || r.KV.Version != 2 {
		t.Errorf("UpdateOwned = %+v, want the caller's slice, previous value \"created\", version 2", r)
	}
	if _, err := s.CreateOwned(ctx, "nil", nil, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"k": "updated", "nil": ""} {
		g, err := s.Get(ctx, key, store.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if g.KV.Value == nil || string(g.KV.Value) != want {
			t.Errorf("Get(%q) = %#v, want %q (not nil)", key, g.KV.Value, want)
		}
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
