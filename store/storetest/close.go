package storetest

import (
	"errors"
	"time"

	"github.com/rigging-dev/rigging/store"
)

func closeTests() []test {
	return []test{
		{"EndsWatchesAndCalls", testClose},
	}
}

// Close ends every open watch with a final ErrClosed response and a closed
// channel; every later call fails with ErrClosed.
func testClose(h *harness) {
	h.put("a", "1", store.PutOptions{})
	l := h.grant(time.Minute)
	streams := []*stream{
		h.watch("", store.WatchOptions{}),
		h.watch("a", store.WatchOptions{Revision: 1}),
		h.watch("z/", store.WatchOptions{ProgressNotify: true}),
	}
	// The replaying watch is live before Close.
	h.mustUntil(streams[1], 1)

	var err error
	h.within(promptTimeout, "Close", func() { err = h.s.Close() })
	if err != nil {
		h.t.Fatalf("Close: %v", err)
	}
	for _, s := range streams {
		errs, err := s.closed(promptTimeout)
		if err != nil {
			h.t.Error(err)
			continue
		}
		if len(errs) != 1 || !errors.Is(errs[0], store.ErrClosed) {
			h.t.Errorf("%s: final errors %v, want exactly one that errors.Is store.ErrClosed", s.what, errs)
		}
	}

	ctx := h.ctx
	calls := []call{
		{"Get", func() error { _, err := h.s.Get(ctx, "a", store.ReadOptions{}); return err }},
		{"List", func() error { _, err := h.s.List(ctx, "", store.ListOptions{}); return err }},
		{"Create", func() error { _, err := h.s.Create(ctx, "b", []byte("v"), store.PutOptions{}); return err }},
		{"Put", func() error { _, err := h.s.Put(ctx, "a", []byte("v"), store.PutOptions{}); return err }},
		{"Update", func() error { _, err := h.s.Update(ctx, "a", []byte("v"), store.UpdateOptions{}); return err }},
		{"Delete", func() error { _, err := h.s.Delete(ctx, "a", store.DeleteOptions{}); return err }},
		{"Watch", func() error { _, err := h.s.Watch(ctx, "", store.WatchOptions{}); return err }},
		{"Grant", func() error { _, err := h.s.Grant(ctx, time.Minute); return err }},
		{"KeepAlive", func() error { _, err := h.s.KeepAlive(ctx, l.ID); return err }},
		{"TimeToLive", func() error { _, err := h.s.TimeToLive(ctx, l.ID); return err }},
		{"Revoke", func() error { return h.s.Revoke(ctx, l.ID) }},
		{"Compact", func() error { return h.s.Compact(ctx, 1) }},
	}
	if tx, ok := h.s.(store.Transactor); ok {
		calls = append(calls, call{"Txn", func() error {
			_, err := tx.Txn(ctx, store.Txn{Then: []store.Op{put("a", "v")}})
			return err
		}})
	}
	for _, c := range calls {
		var err error
		h.within(promptTimeout, c.name+" after Close", func() { err = c.do() })
		h.wantErr(err, store.ErrClosed, c.name+" after Close")
	}
	// A second Close must not panic or hang; it may return nil or
	// ErrClosed.
	h.within(promptTimeout, "a second Close", func() { err = h.s.Close() })
	if err != nil && !errors.Is(err, store.ErrClosed) {
		h.t.Errorf("a second Close: %v, want nil or store.ErrClosed", err)
	}
}
