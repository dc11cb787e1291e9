package storetest

import (
	"fmt"
	"strings"
	"time"

	"github.com/rigging-dev/rigging/store"
)

func txnTests() []test {
	return []test{
		{"Compare", testTxnCompare},
		{"ThenElse", testTxnThenElse},
		{"AtomicMultiKey", testTxnAtomic},
		{"ReadOnlyIsNoWrite", testTxnReadOnly},
		{"DuplicateKey", testTxnDuplicateKey},
		{"Invalid", testTxnInvalid},
		{"Lease", testTxnLease},
	}
}

// txn runs t and fails the test on error. The parts of an OpResult the
// contract leaves open are cleared before the caller compares: Found of a
// put, and KV of a delete (whose previous key is in PrevKV, as in etcd's
// DeleteRange response).
func (h *harness) txn(tx store.Transactor, t store.Txn) store.TxnResponse {
	h.t.Helper()
	r, err := tx.Txn(h.ctx, t)
	if err != nil {
		h.t.Fatalf("Txn(%+v): %v", t, err)
	}
	branch := t.Else
	if r.Succeeded {
		branch = t.Then
	}
	if len(r.Results) != len(branch) {
		h.t.Fatalf("Txn(%+v): %d results for %d ops of the branch applied", t, len(r.Results), len(branch))
	}
	for i, op := range branch {
		switch op.Type {
		case store.OpPut:
			r.Results[i].Found = false
		case store.OpDelete:
			r.Results[i].KV = store.KeyValue{}
		}
	}
	return r
}

func get(key string) store.Op { return store.Op{Type: store.OpGet, Key: key} }
func put(key, value string) store.Op {
	return store.Op{Type: store.OpPut, Key: key, Value: []byte(value)}
}
func del(key string) store.Op { return store.Op{Type: store.OpDelete, Key: key} }

// Every compare target and relation, on a present and a missing key.
func testTxnCompare(h *harness) {
	tx := h.transactor()
	h.put("x", "a", store.PutOptions{})       // 1
	h.put("y", "y", store.PutOptions{})       // 2
	h.update("x", "b", store.UpdateOptions{}) // 3
	x, y := kv("x", "b", 1, 3, 2), kv("y", "y", 2, 2, 1)
	rev := func(key string, target store.CompareTarget, result store.CompareResult, r int64) store.Compare {
		return store.Compare{Key: key, Target: target, Result: result, Revision: r}
	}
	val := func(result store.CompareResult, v string) store.Compare {
		return store.Compare{Key: "x", Target: store.CompareValue, Result: result, Value: []byte(v)}
	}
	cases := []struct {
		name string
		If   []store.Compare
		want bool
	}{
		{"mod = 3", []store.Compare{rev("x", store.CompareModRevision, store.Equal, 3)}, true},
		{"mod = 2", []store.Compare{rev("x", store.CompareModRevision, store.Equal, 2)}, false},
		{"mod != 2", []store.Compare{rev("x", store.CompareModRevision, store.NotEqual, 2)}, true},
		{"mod != 3", []store.Compare{rev("x", store.CompareModRevision, store.NotEqual, 3)}, false},
		{"mod < 4", []store.Compare{rev("x", store.CompareModRevision, store.Less, 4)}, true},
		{"mod < 3", []store.Compare{rev("x", store.CompareModRevision, store.Less, 3)}, false},
		{"mod > 2", []store.Compare{rev("x", store.CompareModRevision, store.Greater, 2)}, true},
		{"mod > 3", []store.Compare{rev("x", store.CompareModRevision, store.Greater, 3)}, false},
		{"create = 1", []store.Compare{rev("x", store.CompareCreateRevision, store.Equal, 1)}, true},
		{"create = 3", []store.Compare{rev("x", store.CompareCreateRevision, store.Equal, 3)}, false},
		{"create > 0", []store.Compare{rev("x", store.CompareCreateRevision, store.Greater, 0)}, true},
		{"create < 1", []store.Compare{rev("x", store.CompareCreateRevision, store.Less, 1)}, false},
		{"version = 2", []store.Compare{rev("x", store.CompareVersion, store.Equal, 2)}, true},
		{"version = 1", []store.Compare{rev("x", store.CompareVersion, store.Equal, 1)}, false},
		{"version != 1", []store.Compare{rev("x", store.CompareVersion, store.NotEqual, 1)}, true},
		{"version < 2", []store.Compare{rev("x", store.CompareVersion, store.Less, 2)}, false},
		{"version > 1", []store.Compare{rev("x", store.CompareVersion, store.Greater, 1)}, true},
		{"value = b", []store.Compare{val(store.Equal, "b")}, true},
		{"value = a", []store.Compare{val(store.Equal, "a")}, false},
		{"value != a", []store.Compare{val(store.NotEqual, "a")}, true},
		{"value != b", []store.Compare{val(store.NotEqual, "b")}, false},
		{"value < c", []store.Compare{val(store.Less, "c")}, true},
		{"value < b", []store.Compare{val(store.Less, "b")}, false},
		{"value < bb", []store.Compare{val(store.Less, "bb")}, true},
		{"value > a", []store.Compare{val(store.Greater, "a")}, true},
		{"value > b", []store.Compare{val(store.Greater, "b")}, false},
		{"missing create = 0", []store.Compare{rev("z", store.CompareCreateRevision, store.Equal, 0)}, true},
		{"missing mod = 0", []store.Compare{rev("z", store.CompareModRevision, store.Equal, 0)}, true},
		{"missing version = 0", []store.Compare{rev("z", store.CompareVersion, store.Equal, 0)}, true},
		{"missing version > 0", []store.Compare{rev("z", store.CompareVersion, store.Greater, 0)}, false},
		{"missing mod < 3", []store.Compare{rev("z", store.CompareModRevision, store.Less, 3)}, true},
		{"all hold", []store.Compare{val(store.Equal, "b"), rev("y", store.CompareVersion, store.Equal, 1)}, true},
		{"one fails", []store.Compare{val(store.Equal, "b"), rev("y", store.CompareVersion, store.Equal, 2)}, false},
		{"none", nil, true},
	}
	for _, c := range cases {
		got := h.txn(tx, store.Txn{If: c.If, Then: []store.Op{get("x")}, Else: []store.Op{get("y")}})
		want := store.TxnResponse{Succeeded: c.want, Results: []store.OpResult{{Found: true, KV: y}}, Revision: 3}
		if c.want {
			want.Results[0].KV = x
		}
		if d := diff(want, got); d != "" {
			h.t.Errorf("If %s (-want +got):\n%s", c.name, d)
		}
	}
	h.wantRev(3, "read-only transactions")
}

// Then applies when every comparison holds, Else otherwise, and nothing of
// the other branch.
func testTxnThenElse(h *harness) {
	tx := h.transactor()
	h.put("a", "1", store.PutOptions{}) // 1
	guard := []store.Compare{{Key: "a", Target: store.CompareModRevision, Result: store.Equal, Revision: 1}}
	got := h.txn(tx, store.Txn{If: guard, Then: []store.Op{put("b", "then")}, Else: []store.Op{put("c", "else")}})
	want := store.TxnResponse{Succeeded: true, Results: []store.OpResult{{KV: kv("b", "then", 2, 2, 1)}}, Revision: 2}
	if d := diff(want, got); d != "" {
		h.t.Errorf("Then branch (-want +got):\n%s", d)
	}
	h.put("a", "2", store.PutOptions{}) // 3: the guard no longer holds
	got = h.txn(tx, store.Txn{If: guard, Then: []store.Op{put("b", "then")}, Else: []store.Op{put("c", "else"), get("b")}})
	want = store.TxnResponse{Results: []store.OpResult{{KV: kv("c", "else", 4, 4, 1)}, {Found: true, KV: kv("b", "then", 2, 2, 1)}}, Revision: 4}
	if d := diff(want, got); d != "" {
		h.t.Errorf("Else branch (-want +got):\n%s", d)
	}
	wantKVs := []store.KeyValue{kv("a", "2", 1, 3, 2), kv("b", "then", 2, 2, 1), kv("c", "else", 4, 4, 1)}
	if d := diff(state{Revision: 4, KVs: wantKVs}, h.state()); d != "" {
		h.t.Errorf("store after both branches (-want +got):\n%s", d)
	}
}

// Puts and deletes of several keys apply at one revision, with one result
// each, and watchers see their events at that one revision.
func testTxnAtomic(h *harness) {
	tx := h.transactor()
	k2 := h.put("t/k2", "old", store.PutOptions{}).KV // 1
	k3 := h.put("t/k3", "old", store.PutOptions{}).KV // 2
	h.put("u/other", "v", store.PutOptions{})         // 3
	s := h.watch("t/", store.WatchOptions{})
	got := h.txn(tx, store.Txn{Then: []store.Op{put("t/k1", "new"), put("t/k2", "new"), del("t/k3"), get("t/k4"), del("t/k5")}})
	k1new, k2new := kv("t/k1", "new", 4, 4, 1), kv("t/k2", "new", 1, 4, 2)
	want := store.TxnResponse{Succeeded: true, Revision: 4, Results: []store.OpResult{
		{KV: k1new},
		{KV: k2new, PrevKV: &k2},
		{Found: true, PrevKV: &k3},
		{Found: false},
		{Found: false},
	}}
	if d := diff(want, got); d != "" {
		h.t.Errorf("multi-key transaction (-want +got):\n%s", d)
	}
	h.wantRev(4, "one multi-key transaction")
	wantKVs := []store.KeyValue{k1new, k2new, kv("u/other", "v", 3, 3, 1)}
	if d := diff(state{Revision: 4, KVs: wantKVs}, h.state()); d != "" {
		h.t.Errorf("store after the transaction (-want +got):\n%s", d)
	}
	wantEvents := []store.Event{
		{Type: store.EventPut, KV: k1new},
		{Type: store.EventPut, KV: k2new, PrevKV: &k2},
		{Type: store.EventDelete, KV: deletion("t/k3", 4), PrevKV: &k3},
	}
	if d := diff(byKey(wantEvents), byKey(h.mustUntil(s, 4))); d != "" {
		h.t.Errorf("watch events of the transaction, in key order (-want +got):\n%s", d)
	}
}

// A transaction that only reads, or whose writes change nothing, is no
// write: the revision stays.
func testTxnReadOnly(h *harness) {
	tx := h.transactor()
	a := h.put("a", "1", store.PutOptions{}).KV // 1
	cases := []struct {
		name string
		txn  store.Txn
		want store.TxnResponse
	}{
		{"gets", store.Txn{Then: []store.Op{get("a"), get("missing")}},
			store.TxnResponse{Succeeded: true, Results: []store.OpResult{{Found: true, KV: a}, {}}, Revision: 1}},
		{"delete of a missing key", store.Txn{Then: []store.Op{del("missing")}},
			store.TxnResponse{Succeeded: true, Results: []store.OpResult{{}}, Revision: 1}},
		{"empty", store.Txn{},
			store.TxnResponse{Succeeded: true, Revision: 1}},
		{"failed guard, empty Else", store.Txn{
			If:   []store.Compare{{Key: "a", Target: store.CompareVersion, Result: store.Equal, Revision: 9}},
			Then: []store.Op{put("a", "2")}},
			store.TxnResponse{Revision: 1}},
	}
	for _, c := range cases {
		if d := diff(c.want, h.txn(tx, c.txn)); d != "" {
			h.t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
		h.wantRev(1, c.name)
	}
}

// Two writes of one key in a branch are invalid, in either branch.
func testTxnDuplicateKey(h *harness) {
	tx := h.transactor()
	h.put("a", "1", store.PutOptions{})
	always := []store.Compare{{Key: "a", Target: store.CompareVersion, Result: store.Equal, Revision: 1}}
	cases := []struct {
		name string
		txn  store.Txn
	}{
		{"put, put", store.Txn{Then: []store.Op{put("a", "2"), put("a", "3")}}},
		{"put, delete", store.Txn{Then: []store.Op{put("b", "2"), put("c", "2"), del("b")}}},
		{"delete, delete", store.Txn{Then: []store.Op{del("a"), del("a")}}},
		{"in Else, Then applying", store.Txn{If: always, Then: []store.Op{put("x", "1")}, Else: []store.Op{put("b", "1"), put("b", "2")}}},
	}
	for _, c := range cases {
		before := h.state()
		_, err := tx.Txn(h.ctx, c.txn)
		h.wantErr(err, store.ErrInvalid, c.name)
		h.unchanged(before, c.name)
	}
}

// Malformed transactions fail with ErrInvalid, ErrTooLarge or
// ErrLeaseNotFound and change nothing; a branch of exactly MaxTxnOps ops
// is one write.
func testTxnInvalid(h *harness) {
	tx := h.transactor()
	h.put("a", "1", store.PutOptions{})
	lim := h.opts.Limits
	ops := func(n int) []store.Op {
		var o []store.Op
		for i := range n {
			o = append(o, put(fmt.Sprintf("many/%04d", i), "v"))
		}
		return o
	}
	okCmp := store.Compare{Key: "a", Target: store.CompareVersion, Result: store.Equal, Revision: 1}
	cases := []struct {
		name string
		txn  store.Txn
		want error
	}{
		{"MaxTxnOps+1 ops in Then", store.Txn{Then: ops(lim.MaxTxnOps + 1)}, store.ErrTooLarge},
		{"MaxTxnOps+1 ops in Else", store.Txn{If: []store.Compare{okCmp}, Else: ops(lim.MaxTxnOps + 1)}, store.ErrTooLarge},
		{"empty key", store.Txn{Then: []store.Op{put("", "v")}}, store.ErrInvalid},
		{"empty key in a get", store.Txn{Then: []store.Op{get("")}}, store.ErrInvalid},
		{"key too large", store.Txn{Then: []store.Op{put(strings.Repeat("k", lim.MaxKeySize+1), "v")}}, store.ErrTooLarge},
		{"value too large", store.Txn{Then: []store.Op{put("b", strings.Repeat("v", lim.MaxValueSize+1))}}, store.ErrTooLarge},
		{"op type 0", store.Txn{Then: []store.Op{{Key: "b"}}}, store.ErrInvalid},
		{"op type 99", store.Txn{Then: []store.Op{{Type: 99, Key: "b"}}}, store.ErrInvalid},
		{"compare target 0", store.Txn{If: []store.Compare{{Key: "a", Result: store.Equal}}}, store.ErrInvalid},
		{"compare result 0", store.Txn{If: []store.Compare{{Key: "a", Target: store.CompareVersion}}}, store.ErrInvalid},
		{"compare of an empty key", store.Txn{If: []store.Compare{{Target: store.CompareVersion, Result: store.Equal}}}, store.ErrInvalid},
		{"unknown lease", store.Txn{Then: []store.Op{{Type: store.OpPut, Key: "b", Value: []byte("v"), Lease: 0x5eed_0000_1234}}}, store.ErrLeaseNotFound},
	}
	for _, c := range cases {
		before := h.state()
		_, err := tx.Txn(h.ctx, c.txn)
		h.wantErr(err, c.want, c.name)
		h.unchanged(before, c.name)
	}
	r := h.txn(tx, store.Txn{Then: ops(lim.MaxTxnOps)})
	if r.Revision != 2 || !r.Succeeded {
		h.t.Errorf("a transaction of MaxTxnOps (%d) puts: Succeeded %v at revision %d, want true at 2", lim.MaxTxnOps, r.Succeeded, r.Revision)
	}
	if n := h.list("many/", store.ListOptions{CountOnly: true}).Count; n != int64(lim.MaxTxnOps) {
		h.t.Errorf("a transaction of MaxTxnOps (%d) puts wrote %d keys", lim.MaxTxnOps, n)
	}
}

// A put in a transaction attaches its key to a lease.
func testTxnLease(h *harness) {
	tx := h.transactor()
	l := h.grant(time.Minute)
	got := h.txn(tx, store.Txn{Then: []store.Op{{Type: store.OpPut, Key: "k", Value: []byte("v"), Lease: l.ID}}})
	want := store.TxnResponse{Succeeded: true, Results: []store.OpResult{{KV: leased(kv("k", "v", 1, 1, 1), l.ID)}}, Revision: 1}
	if d := diff(want, got); d != "" {
		h.t.Errorf("put with a lease in a transaction (-want +got):\n%s", d)
	}
	h.wantLeaseKeys(l.ID, []string{"k"}, "a transaction put with the lease")
	if err := h.s.Revoke(h.ctx, l.ID); err != nil {
		h.t.Fatalf("Revoke(%d): %v", l.ID, err)
	}
	_, err := h.s.Get(h.ctx, "k", store.ReadOptions{})
	h.wantErr(err, store.ErrNotFound, "Get of a key put with a revoked lease")
}
