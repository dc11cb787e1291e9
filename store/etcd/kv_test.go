package etcd

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

// currentRevision reads etcd's revision through s.
func currentRevision(t testing.TB, s *Store) int64 {
	t.Helper()
	resp, err := s.List(t.Context(), "", store.ListOptions{CountOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Revision
}

func TestWrites(t *testing.T) {
	s := newTestStore(t, nil, Options{})
	ctx := t.Context()
	base := currentRevision(t, s)

	// Each step is one write on the same key, so step i is at base+i+1.
	steps := []struct {
		name    string
		do      func() (store.WriteResponse, error)
		wantErr error
		kv      store.KeyValue // with revisions relative to base
		prev    *store.KeyValue
	}{{
		name: "create",
		do:   func() (store.WriteResponse, error) { return s.Create(ctx, "a", []byte("1"), store.PutOptions{}) },
		kv:   store.KeyValue{Key: "a", Value: []byte("1"), CreateRevision: 1, ModRevision: 1, Version: 1},
	}, {
		name:    "create again",
		do:      func() (store.WriteResponse, error) { return s.Create(ctx, "a", []byte("x"), store.PutOptions{}) },
		wantErr: store.ErrExists,
	}, {
		name: "put",
		do:   func() (store.WriteResponse, error) { return s.Put(ctx, "a", []byte("2"), store.PutOptions{}) },
		kv:   store.KeyValue{Key: "a", Value: []byte("2"), CreateRevision: 1, ModRevision: 2, Version: 2},
		prev: &store.KeyValue{Key: "a", Value: []byte("1"), CreateRevision: 1, ModRevision: 1, Version: 1},
	}, {
		name: "unconditional update",
		do:   func() (store.WriteResponse, error) { return s.Update(ctx, "a", []byte("3"), store.UpdateOptions{}) },
		kv:   store.KeyValue{Key: "a", Value: []byte("3"), CreateRevision: 1, ModRevision: 3, Version: 3},
		prev: &store.KeyValue{Key: "a", Value: []byte("2"), CreateRevision: 1, ModRevision: 2, Version: 2},
	}, {
		name: "guarded update",
		do: func() (store.WriteResponse, error) {
			return s.Update(ctx, "a", []byte("4"), store.UpdateOptions{ExpectedModRevision: base + 3})
		},
		kv:   store.KeyValue{Key: "a", Value: []byte("4"), CreateRevision: 1, ModRevision: 4, Version: 4},
		prev: &store.KeyValue{Key: "a", Value: []byte("3"), CreateRevision: 1, ModRevision: 3, Version: 3},
	}, {
		name: "stale update",
		do: func() (store.WriteResponse, error) {
			return s.Update(ctx, "a", []byte("x"), store.UpdateOptions{ExpectedModRevision: base + 3})
		},
		wantErr: store.ErrConflict,
	}, {
		name: "stale delete",
		do: func() (store.WriteResponse, error) {
			return s.Delete(ctx, "a", store.DeleteOptions{ExpectedModRevision: base + 1})
		},
		wantErr: store.ErrConflict,
	}, {
		name: "guarded delete",
		do: func() (store.WriteResponse, error) {
			return s.Delete(ctx, "a", store.DeleteOptions{ExpectedModRevision: base + 4})
		},
		kv:   store.KeyValue{Key: "a", ModRevision: 5},
		prev: &store.KeyValue{Key: "a", Value: []byte("4"), CreateRevision: 1, ModRevision: 4, Version: 4},
	}, {
		name:    "update missing",
		do:      func() (store.WriteResponse, error) { return s.Update(ctx, "a", []byte("x"), store.UpdateOptions{}) },
		wantErr: store.ErrNotFound,
	}, {
		// A guarded write of a deleted key fails its mod-revision
		// comparison: a conflict with no current key.
		name: "guarded update of a deleted key",
		do: func() (store.WriteResponse, error) {
			return s.Update(ctx, "a", []byte("x"), store.UpdateOptions{ExpectedModRevision: base + 4})
		},
		wantErr: store.ErrConflict,
	}, {
		name:    "delete missing",
		do:      func() (store.WriteResponse, error) { return s.Delete(ctx, "a", store.DeleteOptions{}) },
		wantErr: store.ErrNotFound,
	}, {
		name: "put creates",
		do:   func() (store.WriteResponse, error) { return s.Put(ctx, "a", []byte("5"), store.PutOptions{}) },
		kv:   store.KeyValue{Key: "a", Value: []byte("5"), CreateRevision: 6, ModRevision: 6, Version: 1},
	}, {
		name: "unconditional delete",
		do:   func() (store.WriteResponse, error) { return s.Delete(ctx, "a", store.DeleteOptions{}) },
		kv:   store.KeyValue{Key: "a", ModRevision: 7},
		prev: &store.KeyValue{Key: "a", Value: []byte("5"), CreateRevision: 6, ModRevision: 6, Version: 1},
	}}
	abs := func(kv store.KeyValue) store.KeyValue {
		if kv.CreateRevision != 0 {
			kv.CreateRevision += base
		}
		kv.ModRevision += base
		return kv
	}
	for _, st := range steps {
		got, err := st.do()
		if st.wantErr != nil {
			if !errors.Is(err, st.wantErr) {
				t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		want := store.WriteResponse{KV: abs(st.kv), Revision: abs(st.kv).ModRevision}
		if st.prev != nil {
			p := abs(*st.prev)
			want.PrevKV = &p
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: response (-want +got):\n%s", st.name, diff)
		}
	}
}

func TestConflictCarriesCurrent(t *testing.T) {
	s := newTestStore(t, nil, Options{})
	ctx := t.Context()
	first, err := s.Create(ctx, "k", []byte("1"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Put(ctx, "k", []byte("2"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"update", func() error {
			_, err := s.Update(ctx, "k", []byte("3"), store.UpdateOptions{ExpectedModRevision: first.Revision})
			return err
		}},
		{"delete", func() error {
			_, err := s.Delete(ctx, "k", store.DeleteOptions{ExpectedModRevision: first.Revision})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			var ce *store.ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *store.ConflictError", err)
			}
			want := &store.ConflictError{Key: "k", Expected: first.Revision, Current: &second.KV, Revision: second.Revision}
			if diff := cmp.Diff(want, ce); diff != "" {
				t.Errorf("conflict (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGet(t *testing.T) {
	s := newTestStore(t, nil, Options{})
	ctx := t.Context()
	w1, err := s.Put(ctx, "k", []byte("1"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w2, err := s.Put(ctx, "k", []byte("2"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		key     string
		rev     int64
		want    store.GetResponse
		wantErr error
	}{
		{name: "latest", key: "k", want: store.GetResponse{KV: w2.KV, Revision: w2.Revision}},
		{name: "at first write", key: "k", rev: w1.Revision, want: store.GetResponse{KV: w1.KV, Revision: w1.Revision}},
		{name: "before creation", key: "k", rev: w1.Revision - 1, wantErr: store.ErrNotFound},
		{name: "missing", key: "nope", wantErr: store.ErrNotFound},
		{name: "future", key: "k", rev: w2.Revision + 1000, wantErr: store.ErrFutureRevision},
		{name: "negative revision", key: "k", rev: -1, wantErr: store.ErrInvalid},
		{name: "empty key", key: "", wantErr: store.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Get(ctx, tc.key, store.ReadOptions{Revision: tc.rev})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	s := newTestStore(t, nil, Options{Limits: store.Limits{MaxKeySize: 8, MaxValueSize: 4}})
	ctx := t.Context()
	tests := []struct {
		name    string
		key     string
		value   string
		wantErr error
	}{
		{"fits", "12345678", "1234", nil},
		{"key too long", "123456789", "", store.ErrTooLarge},
		{"value too large", "k", "12345", store.ErrTooLarge},
		{"empty key", "", "", store.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Put(ctx, tc.key, []byte(tc.value), store.PutOptions{})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestServerRejectsLargeRequest(t *testing.T) {
	// The shared server takes requests of up to 4 MiB; with limits above
	// that, etcd's own refusal must come back as ErrTooLarge.
	s := newTestStore(t, nil, Options{Limits: store.Limits{MaxValueSize: 8 << 20}})
	_, err := s.Put(t.Context(), "big", []byte(strings.Repeat("x", 5<<20)), store.PutOptions{})
	if !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestPrefixIsolation(t *testing.T) {
	a := newTestStore(t, nil, Options{Prefix: "/iso/a/"})
	b := newTestStore(t, nil, Options{Prefix: "/iso/ab/"})
	ctx := t.Context()
	if _, err := a.Put(ctx, "k", []byte("a"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(ctx, "k", []byte("b"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := a.List(ctx, "", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.KVs) != 1 || got.KVs[0].Key != "k" || string(got.KVs[0].Value) != "a" {
		t.Fatalf("list of a = %+v, want only k=a", got.KVs)
	}
	raw, err := shared.client.Get(ctx, "/iso/ab/k")
	if err != nil || len(raw.Kvs) != 1 || string(raw.Kvs[0].Value) != "b" {
		t.Fatalf("raw etcd get of /iso/ab/k = %v, %v; want b", raw, err)
	}
}

func TestClosed(t *testing.T) {
	s := newTestStore(t, nil, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := map[string]func() error{
		"get":   func() error { _, err := s.Get(ctx, "k", store.ReadOptions{}); return err },
		"list":  func() error { _, err := s.List(ctx, "", store.ListOptions{}); return err },
		"put":   func() error { _, err := s.Put(ctx, "k", nil, store.PutOptions{}); return err },
		"watch": func() error { _, err := s.Watch(ctx, "", store.WatchOptions{}); return err },
		"grant": func() error { _, err := s.Grant(ctx, 5e9); return err },
		"txn":   func() error { _, err := s.Txn(ctx, store.Txn{}); return err },
		"compact": func() error {
			return s.Compact(ctx, 1)
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: err = %v, want ErrClosed", name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	needEtcd(t)
	tests := []struct {
		name string
		opts Options
	}{
		{"negative key size", Options{Limits: store.Limits{MaxKeySize: -1}}},
		{"negative interval", Options{ProgressInterval: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(shared.client, tc.opts); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := New(nil, Options{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("nil client: err = %v, want ErrInvalid", err)
	}
}
