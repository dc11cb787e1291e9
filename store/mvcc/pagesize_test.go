package mvcc

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/rigging-dev/rigging/store"
)

// recordLeaves returns the records bucket's leaf pages and the overflow
// pages among them.
func recordLeaves(t *testing.T, s *Store) (leaves, overflow int) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	err := s.db.View(func(tx *bolt.Tx) error {
		st := tx.Bucket(recordsBucket).Stats()
		leaves, overflow = st.LeafPageN, st.LeafOverflowN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return leaves, overflow
}

// pageSize returns the page size of s's file.
func pageSize(s *Store) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.Info().PageSize
}

// TestPageSize creates a file with 8 KiB pages and checks that records of
// pod size (2.3 KB) committed together then fit whole pages, three to a
// page, where 4 KiB pages take two pages for every two; that the file keeps its page size
// when reopened with another PageSize and through Defrag; and that its
// data survives both.
func TestPageSize(t *testing.T) {
	ctx := t.Context()
	value := bytes.Repeat([]byte("p"), 2300)
	const n = 60
	// fill writes the records in one commit, as a batch of concurrent
	// creates is (bbolt splits a leaf that grows one record at a time
	// into two-record leaves whatever the page size).
	fill := func(s *Store) {
		t.Helper()
		ops := make([]store.Op, n)
		for i := range ops {
			ops[i] = store.Op{Type: store.OpPut, Key: fmt.Sprintf("/registry/pods/ns/pod-%02d", i), Value: value}
		}
		if _, err := s.Txn(ctx, store.Txn{Then: ops}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(s *Store, what string) {
		t.Helper()
		res, err := s.List(ctx, "/registry/pods/ns/", store.ListOptions{})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(res.KVs) != n {
			t.Fatalf("%s: %d keys, want %d", what, len(res.KVs), n)
		}
		for _, kv := range res.KVs {
			if !bytes.Equal(kv.Value, value) {
				t.Fatalf("%s: %s has a value of %d bytes, want the %d written", what, kv.Key, len(kv.Value), len(value))
			}
		}
	}

	def := openTest(t, Options{})
	if got := pageSize(def); got != os.Getpagesize() {
		t.Errorf("default page size %d, want the system's %d", got, os.Getpagesize())
	}
	if os.Getpagesize() == 4096 {
		fill(def)
		if leaves, overflow := recordLeaves(t, def); overflow < leaves-1 {
			t.Errorf("4 KiB pages: %d leaves, %d overflow pages; want a second page for (nearly) every leaf", leaves, overflow)
		}
	}

	dir := t.TempDir()
	s, err := Open(ctx, Options{Dir: dir, PageSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	if got := pageSize(s); got != 8192 {
		t.Fatalf("PageSize 8192: file has %d-byte pages", got)
	}
	fill(s)
	leaves, overflow := recordLeaves(t, s)
	if overflow != 0 || leaves > n/3+1 {
		t.Errorf("8 KiB pages: %d leaves, %d overflow pages for %d records; want single pages of three", leaves, overflow, n)
	}
	check(s, "8 KiB pages")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, Options{Dir: dir, PageSize: 16384})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if got := pageSize(s); got != 8192 {
		t.Errorf("reopened with PageSize 16384: %d-byte pages, want the file's 8192", got)
	}
	check(s, "reopened")
	if err := s.Defrag(ctx); err != nil {
		t.Fatal(err)
	}
	if got := pageSize(s); got != 8192 {
		t.Errorf("after Defrag: %d-byte pages, want the file's 8192", got)
	}
	check(s, "after Defrag")
}
