package etcd

import (
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/storetest"
)

// TestConformance runs the store/storetest suite, each subtest on an etcd
// server of its own (one starts in about 0.1 s), so that no subtest's
// leases, compactions or revisions reach another.
//
// The suite requires a fresh store to be at revision 0 with its first
// write at 1. etcd starts at revision 1, so its first write is 2, and the
// Store reports etcd's revisions verbatim (see the package doc; checked by
// TestFreshEtcdStartsAtRevisionOne). The suite therefore sees the Store
// through rebased, which shifts every revision by that starting revision
// and translates nothing else. Without it, 37 of the suite's subtests fail
// on their absolute revision numbers alone.
//
// The Store has Options.Prefix set, so that every path of the suite also
// goes through the prefix's addition and removal.
func TestConformance(t *testing.T) {
	needEtcd(t)
	storetest.RunWithOptions(t, storetest.Options{ProgressTimeout: 10 * time.Second}, func(t *testing.T) store.Store {
		srv := freshEtcd(t)
		s, err := New(srv.client, Options{Prefix: "/rigging/"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		base := currentRevision(t, s)
		if base != 1 {
			t.Fatalf("a fresh etcd is at revision %d, want 1", base)
		}
		return &rebased{s: s, base: base}
	})
}

// TestFreshEtcdStartsAtRevisionOne pins the fact that TestConformance
// rebases: on a fresh etcd the first write through a Store is revision 2.
func TestFreshEtcdStartsAtRevisionOne(t *testing.T) {
	srv := freshEtcd(t)
	s, err := New(srv.client, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	empty, err := s.List(t.Context(), "", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if empty.Revision != 1 || len(empty.KVs) != 0 {
		t.Fatalf("fresh etcd: List = %+v, want no keys at revision 1", empty)
	}
	w, err := s.Create(t.Context(), "a", []byte("1"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w.Revision != 2 || w.KV.CreateRevision != 2 {
		t.Fatalf("first write on a fresh etcd: %+v, want revision 2", w)
	}
}
