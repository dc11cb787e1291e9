package etcd

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

func TestGrantRoundsUp(t *testing.T) {
	// The test servers' minimum TTL is 1 s (see startEtcd).
	s := newTestStore(t, nil, Options{})
	tests := []struct {
		ttl     time.Duration
		want    time.Duration
		wantErr error
	}{
		{ttl: time.Nanosecond, want: time.Second},
		{ttl: 1500 * time.Millisecond, want: 2 * time.Second},
		{ttl: 10 * time.Second, want: 10 * time.Second},
		{ttl: 0, wantErr: store.ErrInvalid},
		{ttl: -time.Second, wantErr: store.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.ttl.String(), func(t *testing.T) {
			l, err := s.Grant(t.Context(), tc.ttl)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Revoke(t.Context(), l.ID) })
			if l.TTL != tc.want {
				t.Errorf("TTL = %v, want %v", l.TTL, tc.want)
			}
		})
	}
}

// TestLeaseKeysUnderPrefix checks that TimeToLive lists only the keys
// under the Store's prefix, without it.
func TestLeaseKeysUnderPrefix(t *testing.T) {
	a := newTestStore(t, nil, Options{Prefix: "/lease/a/"})
	b := newTestStore(t, nil, Options{Prefix: "/lease/b/"})
	ctx := t.Context()
	l, err := a.Grant(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Revoke(t.Context(), l.ID) })
	for _, w := range []struct {
		s   *Store
		key string
	}{{a, "y"}, {b, "z"}, {a, "x"}} {
		if _, err := w.s.Put(ctx, w.key, nil, store.PutOptions{Lease: l.ID}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		s    *Store
		want []string
	}{{a, []string{"x", "y"}}, {b, []string{"z"}}} {
		st, err := tc.s.TimeToLive(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, st.Keys); diff != "" {
			t.Errorf("keys under %q (-want +got):\n%s", tc.s.prefix, diff)
		}
	}
}

// TestTxnValueOfMissingKey checks the store contract's nil value of a
// missing key, which etcd's own value comparison does not have: every
// value comparison on a missing key fails in etcd.
func TestTxnValueOfMissingKey(t *testing.T) {
	s := newTestStore(t, nil, Options{})
	ctx := t.Context()
	if _, err := s.Put(ctx, "empty", []byte{}, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "b", []byte("b"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	val := func(key string, r store.CompareResult, v string) store.Compare {
		return store.Compare{Key: key, Target: store.CompareValue, Result: r, Value: []byte(v)}
	}
	tests := []struct {
		name string
		If   []store.Compare
		want bool
	}{
		{"missing = empty", []store.Compare{val("missing", store.Equal, "")}, true},
		{"missing = x", []store.Compare{val("missing", store.Equal, "x")}, false},
		{"missing != x", []store.Compare{val("missing", store.NotEqual, "x")}, true},
		{"missing != empty", []store.Compare{val("missing", store.NotEqual, "")}, false},
		{"missing < x", []store.Compare{val("missing", store.Less, "x")}, true},
		{"missing < empty", []store.Compare{val("missing", store.Less, "")}, false},
		{"missing > empty", []store.Compare{val("missing", store.Greater, "")}, false},
		{"empty value = empty", []store.Compare{val("empty", store.Equal, "")}, true},
		{"empty value != x", []store.Compare{val("empty", store.NotEqual, "x")}, true},
		{"b != x", []store.Compare{val("b", store.NotEqual, "x")}, true},
		{"b != b", []store.Compare{val("b", store.NotEqual, "b")}, false},
		{"b < c", []store.Compare{val("b", store.Less, "c")}, true},
		{"missing = empty and b = b", []store.Compare{val("missing", store.Equal, ""), val("b", store.Equal, "b")}, true},
		{"missing = empty and b = x", []store.Compare{val("missing", store.Equal, ""), val("b", store.Equal, "x")}, false},
		{"missing twice", []store.Compare{val("missing", store.Equal, ""), val("missing", store.Less, "a")}, true},
		{"missing = empty, version 0", []store.Compare{val("missing", store.Equal, ""),
			{Key: "missing", Target: store.CompareVersion, Result: store.Equal}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Txn(ctx, store.Txn{If: tc.If, Then: []store.Op{{Type: store.OpGet, Key: "b"}}})
			if err != nil {
				t.Fatal(err)
			}
			if got.Succeeded != tc.want {
				t.Errorf("Succeeded = %v, want %v", got.Succeeded, tc.want)
			}
			if tc.want && (len(got.Results) != 1 || !got.Results[0].Found) {
				t.Errorf("Then results = %+v, want b found", got.Results)
			}
		})
	}
}

// TestTxnWritesWithValueOfMissingKey checks that a write guarded by the
// nil value of a missing key (the nested-transaction path) applies once.
func TestTxnWritesWithValueOfMissingKey(t *testing.T) {
	s := newTestStore(t, nil, Options{})
	ctx := t.Context()
	absent := []store.Compare{{Key: "lock", Target: store.CompareValue, Result: store.Equal}}
	take := store.Txn{If: absent, Then: []store.Op{{Type: store.OpPut, Key: "lock", Value: []byte("me")}}}
	first, err := s.Txn(ctx, take)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Succeeded || first.Results[0].KV.Version != 1 {
		t.Fatalf("first take = %+v, want it applied, creating lock", first)
	}
	second, err := s.Txn(ctx, take)
	if err != nil {
		t.Fatal(err)
	}
	if second.Succeeded || second.Revision != first.Revision {
		t.Fatalf("second take = %+v, want it not applied at revision %d", second, first.Revision)
	}
}

func TestTxnLimits(t *testing.T) {
	s := newTestStore(t, nil, Options{Limits: store.Limits{MaxTxnOps: 2}})
	cmps := func(n int) []store.Compare {
		var c []store.Compare
		for i := range n {
			c = append(c, store.Compare{Key: fmt.Sprint(i), Target: store.CompareVersion, Result: store.Equal})
		}
		return c
	}
	tests := []struct {
		name    string
		txn     store.Txn
		wantErr error
	}{
		{"two comparisons", store.Txn{If: cmps(2)}, nil},
		{"three comparisons", store.Txn{If: cmps(3)}, store.ErrTooLarge},
		{"get then put of one key", store.Txn{Then: []store.Op{{Type: store.OpGet, Key: "a"}, {Type: store.OpPut, Key: "a"}}}, store.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Txn(t.Context(), tc.txn)
			if tc.wantErr == nil && err != nil || !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}
