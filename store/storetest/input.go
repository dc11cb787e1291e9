package storetest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rigging-dev/rigging/store"
)

func inputTests() []test {
	return []test{
		{"EmptyKey", testEmptyKey},
		{"KeyTooLarge", testKeyTooLarge},
		{"ValueTooLarge", testValueTooLarge},
		{"NegativeRevision", testNegativeRevision},
		{"CancelledContext", testCancelledContext},
	}
}

// call is one store call whose error a table checks.
type call struct {
	name string
	do   func() error
}

// wantErrs runs each call and checks that it fails with want and changes
// nothing.
func (h *harness) wantErrs(want error, calls []call) {
	h.t.Helper()
	for _, c := range calls {
		before := h.state()
		h.wantErr(c.do(), want, c.name)
		h.unchanged(before, c.name)
	}
}

// An empty key is invalid for every call that takes a key.
func testEmptyKey(h *harness) {
	h.put("a", "1", store.PutOptions{})
	h.wantErrs(store.ErrInvalid, []call{
		{"Get(\"\")", func() error { _, err := h.s.Get(h.ctx, "", store.ReadOptions{}); return err }},
		{"Create(\"\")", func() error { _, err := h.s.Create(h.ctx, "", []byte("v"), store.PutOptions{}); return err }},
		{"Put(\"\")", func() error { _, err := h.s.Put(h.ctx, "", []byte("v"), store.PutOptions{}); return err }},
		{"Update(\"\")", func() error { _, err := h.s.Update(h.ctx, "", []byte("v"), store.UpdateOptions{}); return err }},
		{"Delete(\"\")", func() error { _, err := h.s.Delete(h.ctx, "", store.DeleteOptions{}); return err }},
	})
	h.wantRev(1, "calls with an empty key")
}

// A key of MaxKeySize bytes is written; one byte more fails with
// ErrTooLarge.
func testKeyTooLarge(h *harness) {
	limit := h.opts.Limits.MaxKeySize
	fits := strings.Repeat("k", limit)
	if d := diff(kv(fits, "v", 1, 1, 1), h.create(fits, "v", store.PutOptions{}).KV); d != "" {
		h.t.Errorf("Create of a key of %d bytes (-want +got):\n%s", limit, d)
	}
	big := strings.Repeat("k", limit+1)
	h.wantErrs(store.ErrTooLarge, []call{
		{fmt.Sprintf("Create of a key of %d bytes", limit+1), func() error { _, err := h.s.Create(h.ctx, big, []byte("v"), store.PutOptions{}); return err }},
		{fmt.Sprintf("Put of a key of %d bytes", limit+1), func() error { _, err := h.s.Put(h.ctx, big, []byte("v"), store.PutOptions{}); return err }},
		{fmt.Sprintf("Update of a key of %d bytes", limit+1), func() error { _, err := h.s.Update(h.ctx, big, []byte("v"), store.UpdateOptions{}); return err }},
	})
	h.wantRev(1, "writes of oversized keys")
}

// A value of MaxValueSize bytes is written; one byte more fails with
// ErrTooLarge.
func testValueTooLarge(h *harness) {
	limit := h.opts.Limits.MaxValueSize
	fits := strings.Repeat("v", limit)
	r := h.put("a", fits, store.PutOptions{})
	if r.Revision != 1 || len(r.KV.Value) != limit {
		h.t.Errorf("Put of a value of %d bytes: revision %d, value of %d bytes", limit, r.Revision, len(r.KV.Value))
	}
	if got := h.get("a", 0).KV.Value; string(got) != fits {
		h.t.Errorf("Get of a value of %d bytes returned %d bytes", limit, len(got))
	}
	big := []byte(strings.Repeat("v", limit+1))
	h.wantErrs(store.ErrTooLarge, []call{
		{fmt.Sprintf("Create with a value of %d bytes", limit+1), func() error { _, err := h.s.Create(h.ctx, "b", big, store.PutOptions{}); return err }},
		{fmt.Sprintf("Put with a value of %d bytes", limit+1), func() error { _, err := h.s.Put(h.ctx, "a", big, store.PutOptions{}); return err }},
		{fmt.Sprintf("Update with a value of %d bytes", limit+1), func() error { _, err := h.s.Update(h.ctx, "a", big, store.UpdateOptions{}); return err }},
	})
	h.wantRev(1, "writes of oversized values")
}

// A negative revision is invalid wherever a revision is taken.
func testNegativeRevision(h *harness) {
	h.put("a", "1", store.PutOptions{})
	h.put("a", "2", store.PutOptions{})
	h.wantErrs(store.ErrInvalid, []call{
		{"Get at revision -1", func() error { _, err := h.s.Get(h.ctx, "a", store.ReadOptions{Revision: -1}); return err }},
		{"List at revision -1", func() error { _, err := h.s.List(h.ctx, "", store.ListOptions{Revision: -1}); return err }},
		{"Watch from revision -1", func() error { _, err := h.s.Watch(h.ctx, "", store.WatchOptions{Revision: -1}); return err }},
		{"Compact(-1)", func() error { return h.s.Compact(h.ctx, -1) }},
		{"Update expecting mod revision -1", func() error {
			_, err := h.s.Update(h.ctx, "a", []byte("3"), store.UpdateOptions{ExpectedModRevision: -1})
			return err
		}},
		{"Delete expecting mod revision -1", func() error {
			_, err := h.s.Delete(h.ctx, "a", store.DeleteOptions{ExpectedModRevision: -1})
			return err
		}},
	})
	// Nothing was compacted: revision 1 is still readable.
	if d := diff(kv("a", "1", 1, 1, 1), h.get("a", 1).KV); d != "" {
		h.t.Errorf("Get(a) at revision 1 (-want +got):\n%s", d)
	}
}

// Every call with a cancelled (or expired) context returns promptly with
// an error wrapping the context's, and does nothing.
func testCancelledContext(h *harness) {
	h.put("a", "1", store.PutOptions{})
	h.put("b", "1", store.PutOptions{})
	l := h.grant(time.Minute)
	h.put("c", "1", store.PutOptions{Lease: l.ID})
	before := h.state()

	cancelled, cancel := context.WithCancel(h.ctx)
	cancel()
	expired, cancel2 := context.WithDeadline(h.ctx, time.Now().Add(-time.Second))
	defer cancel2()
	calls := []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"Get", func(ctx context.Context) error { _, err := h.s.Get(ctx, "a", store.ReadOptions{}); return err }},
		{"List", func(ctx context.Context) error { _, err := h.s.List(ctx, "", store.ListOptions{}); return err }},
		{"Create", func(ctx context.Context) error {
			_, err := h.s.Create(ctx, "new", []byte("v"), store.PutOptions{})
			return err
		}},
		{"Put", func(ctx context.Context) error {
			_, err := h.s.Put(ctx, "a", []byte("v"), store.PutOptions{})
			return err
		}},
		{"Update", func(ctx context.Context) error {
			_, err := h.s.Update(ctx, "a", []byte("v"), store.UpdateOptions{})
			return err
		}},
		{"Delete", func(ctx context.Context) error { _, err := h.s.Delete(ctx, "b", store.DeleteOptions{}); return err }},
		{"Grant", func(ctx context.Context) error { _, err := h.s.Grant(ctx, time.Minute); return err }},
		{"KeepAlive", func(ctx context.Context) error { _, err := h.s.KeepAlive(ctx, l.ID); return err }},
		{"TimeToLive", func(ctx context.Context) error { _, err := h.s.TimeToLive(ctx, l.ID); return err }},
		{"Revoke", func(ctx context.Context) error { return h.s.Revoke(ctx, l.ID) }},
		{"Compact", func(ctx context.Context) error { return h.s.Compact(ctx, 2) }},
	}
	if tx, ok := h.s.(store.Transactor); ok {
		calls = append(calls, struct {
			name string
			do   func(ctx context.Context) error
		}{"Txn", func(ctx context.Context) error {
			_, err := tx.Txn(ctx, store.Txn{Then: []store.Op{put("a", "v")}})
			return err
		}})
	}
	for _, c := range calls {
		for _, ctx := range []context.Context{cancelled, expired} {
			var err error
			h.within(promptTimeout, fmt.Sprintf("%s with a done context", c.name), func() { err = c.do(ctx) })
			h.wantErr(err, ctx.Err(), fmt.Sprintf("%s with a context done with %q", c.name, ctx.Err()))
		}
	}
	// Watch may fail at once, or return a channel that closes without
	// an error response.
	for _, ctx := range []context.Context{cancelled, expired} {
		var (
			ch  <-chan store.WatchResponse
			err error
		)
		h.within(promptTimeout, "Watch with a done context", func() { ch, err = h.s.Watch(ctx, "", store.WatchOptions{}) })
		if err != nil {
			h.wantErr(err, ctx.Err(), fmt.Sprintf("Watch with a context done with %q", ctx.Err()))
			continue
		}
		s := &stream{ch: ch, cancel: func() {}, what: "Watch with a done context"}
		errs, err := s.closed(promptTimeout)
		if err != nil {
			h.t.Error(err)
		}
		if len(errs) > 0 {
			h.t.Errorf("Watch with a context done with %q: error responses %v; want the channel closed without one", ctx.Err(), errs)
		}
	}
	h.unchanged(before, "calls with done contexts")
	if st := h.timeToLive(l.ID); len(st.Keys) != 1 {
		h.t.Errorf("the lease after KeepAlive and Revoke with done contexts: %+v, want it alive with key c", st)
	}
	// Nothing was compacted: revision 1 is still readable.
	h.get("a", 1)
}
