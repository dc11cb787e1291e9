package mvcc

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"

	"github.com/rigging-dev/rigging/store"
)

// TestCompactRemovesRecords checks what compaction leaves in the file:
// per key, the newest record before the compaction revision (unless a
// deletion) and every record from it on.
func TestCompactRemovesRecords(t *testing.T) {
	s := openTest(t, Options{})
	ctx := t.Context()
	for i := range 5 {
		mustPut(t, s, "a", fmt.Sprint(i), store.NoLease) // 1..5
	}
	mustPut(t, s, "b", "1", store.NoLease)                               // 6
	if _, err := s.Delete(ctx, "b", store.DeleteOptions{}); err != nil { // 7
		t.Fatal(err)
	}
	mustPut(t, s, "c", "1", store.NoLease)                               // 8
	mustPut(t, s, "a", "6", store.NoLease)                               // 9
	mustPut(t, s, "d", "1", store.NoLease)                               // 10
	if _, err := s.Delete(ctx, "d", store.DeleteOptions{}); err != nil { // 11
		t.Fatal(err)
	}
	if err := s.Compact(ctx, 9); err != nil {
		t.Fatal(err)
	}
	// a: 5 (newest before 9) and 9; b: gone; c: 8; d: 10 and 11.
	if got, want := countRecords(t, s), 5; got != want {
		t.Errorf("%d records after Compact(9), want %d", got, want)
	}
	if got, want := s.idx.len(), 3; got != want {
		t.Errorf("%d keys in the index, want %d (a, c, d)", got, want)
	}
	// The watch from the compaction revision still has a's previous value.
	ch, err := s.Watch(ctx, "a", store.WatchOptions{Revision: 9})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, ch, 9)
	if len(evs) != 1 || evs[0].PrevKV == nil || string(evs[0].PrevKV.Value) != "4" {
		t.Errorf("watch from the compaction revision: %+v, want a's update with previous value 4", evs)
	}
	if err := s.Compact(ctx, 11); err != nil {
		t.Fatal(err)
	}
	// a: 9; c: 8; d: gone (deleted at 11, before nothing: 11 stays as the
	// record at the compaction revision, with its previous value 10).
	if got, want := countRecords(t, s), 4; got != want {
		t.Errorf("%d records after Compact(11), want %d", got, want)
	}
}

// TestCompactFinishedByOpen simulates a crash after the compaction
// revision was persisted but before the records were removed: Open
// finishes the removal.
func TestCompactFinishedByOpen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		mustPut(t, s, "k", fmt.Sprint(i), store.NoLease)
	}
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(metaBucket).Put(metaCompact, uint64Bytes(8))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, Options{Path: path})
	if got := countRecords(t, s); got != 4 {
		t.Errorf("%d records after reopening a half-done Compact(8), want 4 (7 to 10)", got)
	}
	var ce *store.CompactedError
	if _, err := s.Get(ctx, "k", store.ReadOptions{Revision: 7}); !errors.As(err, &ce) || ce.Compacted != 8 {
		t.Errorf("Get at 7: %v, want compacted at 8", err)
	}
	if g, err := s.Get(ctx, "k", store.ReadOptions{Revision: 8}); err != nil || string(g.KV.Value) != "7" {
		t.Errorf("Get at 8 = %+v, %v", g, err)
	}
}

// TestCompactUnderLoad compacts repeatedly while writers and readers run,
// then checks the latest state against what the writers wrote, and that
// every read either succeeded or failed with ErrCompacted.
func TestCompactUnderLoad(t *testing.T) {
	s := openTest(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	const writers, writes = 4, 60
	final := make([]map[string]string, writers)
	var g errgroup.Group
	var done atomic.Int32
	for w := range writers {
		final[w] = map[string]string{}
		g.Go(func() error {
			defer done.Add(1)
			for i := range writes {
				key := fmt.Sprintf("w%d/%d", w, i%7)
				if i%5 == 4 {
					if _, err := s.Delete(ctx, key, store.DeleteOptions{}); err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					delete(final[w], key)
					continue
				}
				v := fmt.Sprint(i)
				if _, err := s.Put(ctx, key, []byte(v), store.PutOptions{}); err != nil {
					return err
				}
				final[w][key] = v
			}
			return nil
		})
	}
	var readers errgroup.Group
	readers.Go(func() error { // compactor
		for done.Load() < writers {
			rev := s.Revision() - 3
			if rev < 1 {
				continue
			}
			if err := s.Compact(ctx, rev); err != nil && !errors.Is(err, store.ErrCompacted) {
				return err
			}
		}
		return nil
	})
	for range 2 {
		readers.Go(func() error {
			for done.Load() < writers {
				rev := s.Revision() - 2
				if rev < 1 {
					continue
				}
				_, err := s.List(ctx, "", store.ListOptions{Revision: rev})
				if err != nil && !errors.Is(err, store.ErrCompacted) {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := readers.Wait(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range listAll(t, s, 0).KVs {
		got[kv.Key] = string(kv.Value)
	}
	want := map[string]string{}
	for _, m := range final {
		for k, v := range m {
			want[k] = v
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("latest state after compactions under load:\n got %v\nwant %v", got, want)
	}
	t.Logf("compaction revision %d of %d", s.CompactRevision(), s.Revision())
}
