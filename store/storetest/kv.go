package storetest

import (
	"fmt"
	"strings"

	"github.com/rigging-dev/rigging/store"
)

func kvTests() []test {
	return []test{
		{"CreateOnEmptyStore", testCreateOnEmptyStore},
		{"Lifecycle", testLifecycle},
		{"EveryWriteIncrementsRevision", testEveryWriteIncrementsRevision},
		{"FailedWritesChangeNothing", testFailedWritesChangeNothing},
		{"GetAtRevision", testGetAtRevision},
		{"PutCreatesOrOverwrites", testPutCreatesOrOverwrites},
		{"EmptyValue", testEmptyValue},
	}
}

// A fresh store is at revision 0 and its first write is revision 1.
func testCreateOnEmptyStore(h *harness) {
	empty := h.list("", store.ListOptions{})
	if d := diff(store.ListResponse{}, empty); d != "" {
		h.t.Errorf("List of a fresh store (-want +got):\n%s", d)
	}
	_, err := h.s.Get(h.ctx, "a", store.ReadOptions{})
	h.wantErr(err, store.ErrNotFound, `Get("a") on a fresh store`)

	got := h.create("a", "1", store.PutOptions{})
	want := store.WriteResponse{KV: kv("a", "1", 1, 1, 1), Revision: 1}
	if d := diff(want, got); d != "" {
		h.t.Errorf("first Create of a fresh store (-want +got):\n%s", d)
	}
	if d := diff(store.GetResponse{KV: kv("a", "1", 1, 1, 1), Revision: 1}, h.get("a", 0)); d != "" {
		h.t.Errorf("Get after the first Create (-want +got):\n%s", d)
	}
	h.wantRev(1, "the first write")
}

// CreateRevision, ModRevision and Version across create, update, update,
// delete and re-create; the write responses and PrevKV of each.
func testLifecycle(h *harness) {
	h.put("other", "x", store.PutOptions{}) // revision 1
	steps := []struct {
		name  string
		write func() store.WriteResponse
		want  store.WriteResponse
		// after is the key's state after the write; nil when deleted.
		after *store.KeyValue
	}{{
		name:  "create",
		write: func() store.WriteResponse { return h.create("k", "v1", store.PutOptions{}) },
		want:  store.WriteResponse{KV: kv("k", "v1", 2, 2, 1), Revision: 2},
		after: ptr(kv("k", "v1", 2, 2, 1)),
	}, {
		name:  "update",
		write: func() store.WriteResponse { return h.update("k", "v2", store.UpdateOptions{}) },
		want:  store.WriteResponse{KV: kv("k", "v2", 2, 3, 2), PrevKV: ptr(kv("k", "v1", 2, 2, 1)), Revision: 3},
		after: ptr(kv("k", "v2", 2, 3, 2)),
	}, {
		name:  "guarded update",
		write: func() store.WriteResponse { return h.update("k", "v3", store.UpdateOptions{ExpectedModRevision: 3}) },
		want:  store.WriteResponse{KV: kv("k", "v3", 2, 4, 3), PrevKV: ptr(kv("k", "v2", 2, 3, 2)), Revision: 4},
		after: ptr(kv("k", "v3", 2, 4, 3)),
	}, {
		name:  "delete",
		write: func() store.WriteResponse { return h.del("k", store.DeleteOptions{}) },
		want:  store.WriteResponse{KV: deletion("k", 5), PrevKV: ptr(kv("k", "v3", 2, 4, 3)), Revision: 5},
	}, {
		name:  "re-create",
		write: func() store.WriteResponse { return h.create("k", "v4", store.PutOptions{}) },
		want:  store.WriteResponse{KV: kv("k", "v4", 6, 6, 1), Revision: 6},
		after: ptr(kv("k", "v4", 6, 6, 1)),
	}, {
		name:  "guarded delete",
		write: func() store.WriteResponse { return h.del("k", store.DeleteOptions{ExpectedModRevision: 6}) },
		want:  store.WriteResponse{KV: deletion("k", 7), PrevKV: ptr(kv("k", "v4", 6, 6, 1)), Revision: 7},
	}}
	for _, st := range steps {
		got := st.write()
		if d := diff(st.want, got); d != "" {
			h.t.Errorf("%s: WriteResponse (-want +got):\n%s", st.name, d)
		}
		h.wantRev(st.want.Revision, st.name)
		r, err := h.s.Get(h.ctx, "k", store.ReadOptions{})
		if st.after == nil {
			h.wantErr(err, store.ErrNotFound, fmt.Sprintf("Get after %s", st.name))
			h.wantMention(err, `k`, fmt.Sprintf("Get after %s", st.name))
			continue
		}
		if err != nil {
			h.t.Errorf("Get after %s: %v", st.name, err)
			continue
		}
		if d := diff(store.GetResponse{KV: *st.after, Revision: st.want.Revision}, r); d != "" {
			h.t.Errorf("Get after %s (-want +got):\n%s", st.name, d)
		}
	}
	// The unrelated key is untouched.
	if d := diff(kv("other", "x", 1, 1, 1), h.get("other", 0).KV); d != "" {
		h.t.Errorf("Get(other) (-want +got):\n%s", d)
	}
}

// Every kind of successful write increments the revision by exactly one.
func testEveryWriteIncrementsRevision(h *harness) {
	writes := []struct {
		name  string
		write func() store.WriteResponse
	}{
		{"Create a", func() store.WriteResponse { return h.create("a", "1", store.PutOptions{}) }},
		{"Put b (new)", func() store.WriteResponse { return h.put("b", "1", store.PutOptions{}) }},
		{"Put a (existing)", func() store.WriteResponse { return h.put("a", "2", store.PutOptions{}) }},
		{"Update b", func() store.WriteResponse { return h.update("b", "2", store.UpdateOptions{}) }},
		{"Put a (same value)", func() store.WriteResponse { return h.put("a", "2", store.PutOptions{}) }},
		{"Delete a", func() store.WriteResponse { return h.del("a", store.DeleteOptions{}) }},
		{"Create a again", func() store.WriteResponse { return h.create("a", "3", store.PutOptions{}) }},
		{"Update a guarded", func() store.WriteResponse { return h.update("a", "4", store.UpdateOptions{ExpectedModRevision: 7}) }},
		{"Delete b guarded", func() store.WriteResponse { return h.del("b", store.DeleteOptions{ExpectedModRevision: 4}) }},
	}
	for i, w := range writes {
		want := int64(i + 1)
		got := w.write()
		if got.Revision != want || got.KV.ModRevision != want {
			h.t.Errorf("%s: Revision %d, KV.ModRevision %d; want both %d", w.name, got.Revision, got.KV.ModRevision, want)
		}
		h.wantRev(want, w.name)
	}
}

// Failed writes change neither the revision nor any key.
func testFailedWritesChangeNothing(h *harness) {
	h.create("a", "1", store.PutOptions{})    // 1
	h.update("a", "2", store.UpdateOptions{}) // 2
	h.create("gone", "1", store.PutOptions{}) // 3
	h.del("gone", store.DeleteOptions{})      // 4
	big := strings.Repeat("k", h.opts.Limits.MaxKeySize+1)
	bigValue := strings.Repeat("v", h.opts.Limits.MaxValueSize+1)
	const unknownLease = store.LeaseID(0x5eed)
	cases := []struct {
		name string
		call func() error
		want error
		// names is a string the error must contain: the key.
		names string
	}{
		{"Create existing", func() error { _, err := h.s.Create(h.ctx, "a", []byte("x"), store.PutOptions{}); return err }, store.ErrExists, "a"},
		{"Update missing", func() error { _, err := h.s.Update(h.ctx, "missing", []byte("x"), store.UpdateOptions{}); return err }, store.ErrNotFound, "missing"},
		{"Update deleted", func() error { _, err := h.s.Update(h.ctx, "gone", []byte("x"), store.UpdateOptions{}); return err }, store.ErrNotFound, "gone"},
		{"Delete missing", func() error { _, err := h.s.Delete(h.ctx, "missing", store.DeleteOptions{}); return err }, store.ErrNotFound, "missing"},
		{"Delete deleted", func() error { _, err := h.s.Delete(h.ctx, "gone", store.DeleteOptions{}); return err }, store.ErrNotFound, "gone"},
		{"Update stale", func() error {
			_, err := h.s.Update(h.ctx, "a", []byte("x"), store.UpdateOptions{ExpectedModRevision: 1})
			return err
		}, store.ErrConflict, "a"},
		{"Update future mod revision", func() error {
			_, err := h.s.Update(h.ctx, "a", []byte("x"), store.UpdateOptions{ExpectedModRevision: 99})
			return err
		}, store.ErrConflict, "a"},
		{"Delete stale", func() error {
			_, err := h.s.Delete(h.ctx, "a", store.DeleteOptions{ExpectedModRevision: 1})
			return err
		}, store.ErrConflict, "a"},
		{"Create empty key", func() error { _, err := h.s.Create(h.ctx, "", []byte("x"), store.PutOptions{}); return err }, store.ErrInvalid, ""},
		{"Put empty key", func() error { _, err := h.s.Put(h.ctx, "", []byte("x"), store.PutOptions{}); return err }, store.ErrInvalid, ""},
		{"Create key too large", func() error { _, err := h.s.Create(h.ctx, big, []byte("x"), store.PutOptions{}); return err }, store.ErrTooLarge, ""},
		{"Put value too large", func() error { _, err := h.s.Put(h.ctx, "a", []byte(bigValue), store.PutOptions{}); return err }, store.ErrTooLarge, "a"},
		{"Put unknown lease", func() error {
			_, err := h.s.Put(h.ctx, "a", []byte("x"), store.PutOptions{Lease: unknownLease})
			return err
		}, store.ErrLeaseNotFound, ""},
	}
	for _, c := range cases {
		before := h.state()
		err := c.call()
		h.wantErr(err, c.want, c.name)
		if c.names != "" {
			h.wantMention(err, c.names, c.name)
		}
		h.unchanged(before, c.name)
	}
	h.wantRev(4, "the failed writes")
}

// Get at an old revision returns the key as it was then; before the key
// existed or after its deletion, ErrNotFound; beyond the current revision,
// ErrFutureRevision. The response's Revision is the revision read at.
func testGetAtRevision(h *harness) {
	h.create("a", "v1", store.PutOptions{})    // 1
	h.update("a", "v2", store.UpdateOptions{}) // 2
	h.create("b", "w1", store.PutOptions{})    // 3
	h.del("a", store.DeleteOptions{})          // 4
	h.create("a", "v3", store.PutOptions{})    // 5
	type want struct {
		kv  *store.KeyValue // nil: ErrNotFound
		err error           // other than ErrNotFound
	}
	a1, a2, a3, b1 := kv("a", "v1", 1, 1, 1), kv("a", "v2", 1, 2, 2), kv("a", "v3", 5, 5, 1), kv("b", "w1", 3, 3, 1)
	cases := []struct {
		key  string
		rev  int64
		want want
	}{
		{"a", 1, want{kv: &a1}},
		{"a", 2, want{kv: &a2}},
		{"a", 3, want{kv: &a2}},
		{"a", 4, want{}},
		{"a", 5, want{kv: &a3}},
		{"a", 0, want{kv: &a3}},
		{"b", 1, want{}},
		{"b", 2, want{}},
		{"b", 3, want{kv: &b1}},
		{"b", 5, want{kv: &b1}},
		{"a", 6, want{err: store.ErrFutureRevision}},
		{"b", 1000, want{err: store.ErrFutureRevision}},
		{"never", 6, want{err: store.ErrFutureRevision}},
		{"never", 3, want{}},
	}
	for _, c := range cases {
		call := fmt.Sprintf("Get(%q) at revision %d", c.key, c.rev)
		got, err := h.s.Get(h.ctx, c.key, store.ReadOptions{Revision: c.rev})
		switch {
		case c.want.err != nil:
			h.wantErr(err, c.want.err, call)
		case c.want.kv == nil:
			h.wantErr(err, store.ErrNotFound, call)
		case err != nil:
			h.t.Errorf("%s: %v", call, err)
		default:
			rev := c.rev
			if rev == 0 {
				rev = 5
			}
			if d := diff(store.GetResponse{KV: *c.want.kv, Revision: rev}, got); d != "" {
				h.t.Errorf("%s (-want +got):\n%s", call, d)
			}
		}
	}
}

// Put creates a missing key and overwrites an existing one, with PrevKV.
func testPutCreatesOrOverwrites(h *harness) {
	steps := []struct {
		key, value string
		want       store.WriteResponse
	}{
		{"p", "1", store.WriteResponse{KV: kv("p", "1", 1, 1, 1), Revision: 1}},
		{"p", "2", store.WriteResponse{KV: kv("p", "2", 1, 2, 2), PrevKV: ptr(kv("p", "1", 1, 1, 1)), Revision: 2}},
		{"q", "1", store.WriteResponse{KV: kv("q", "1", 3, 3, 1), Revision: 3}},
		{"p", "3", store.WriteResponse{KV: kv("p", "3", 1, 4, 3), PrevKV: ptr(kv("p", "2", 1, 2, 2)), Revision: 4}},
	}
	for _, s := range steps {
		if d := diff(s.want, h.put(s.key, s.value, store.PutOptions{})); d != "" {
			h.t.Errorf("Put(%q, %q) (-want +got):\n%s", s.key, s.value, d)
		}
	}
	h.del("p", store.DeleteOptions{}) // 5
	want := store.WriteResponse{KV: kv("p", "4", 6, 6, 1), Revision: 6}
	if d := diff(want, h.put("p", "4", store.PutOptions{})); d != "" {
		h.t.Errorf("Put after Delete (-want +got):\n%s", d)
	}
}

// An empty value is a value: the key exists and has a version.
func testEmptyValue(h *harness) {
	want := store.WriteResponse{KV: kv("e", "", 1, 1, 1), Revision: 1}
	if d := diff(want, h.put("e", "", store.PutOptions{})); d != "" {
		h.t.Errorf("Put of an empty value (-want +got):\n%s", d)
	}
	if d := diff(store.GetResponse{KV: kv("e", "", 1, 1, 1), Revision: 1}, h.get("e", 0)); d != "" {
		h.t.Errorf("Get of an empty value (-want +got):\n%s", d)
	}
	_, err := h.s.Create(h.ctx, "e", []byte("x"), store.PutOptions{})
	h.wantErr(err, store.ErrExists, "Create over a key with an empty value")
}
