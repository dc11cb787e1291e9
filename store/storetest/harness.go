package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rigging-dev/rigging/store"
)

// Deadlines for conditions the contract bounds only loosely.
const (
	// eventTimeout bounds the wait for watch events of writes that have
	// already been acknowledged.
	eventTimeout = 30 * time.Second
	// promptTimeout bounds a call that must return at once: with a
	// cancelled context, or after Close.
	promptTimeout = 10 * time.Second
	// writeTimeout bounds a batch of writes that must not be blocked (by a
	// watcher that does not read, for instance).
	writeTimeout = 2 * time.Minute
	// leaseGrace is how long past its TTL a lease may take to expire.
	leaseGrace = 10 * time.Second
)

// cmpOpts are the options of every comparison: a nil and an empty slice
// (a value, a list of keys) are the same, and byte slices (values) compare
// with bytes.Equal, not element by element through reflection, which takes
// seconds for a value of 1.5 MiB.
var cmpOpts = []cmp.Option{
	cmp.Comparer(bytes.Equal),
	cmp.FilterPath(func(p cmp.Path) bool { return p.Last().Type() != reflect.TypeFor[[]byte]() }, cmpopts.EquateEmpty()),
}

// diff is cmp.Diff with cmpOpts.
func diff(want, got any) string { return cmp.Diff(want, got, cmpOpts...) }

// harness is one subtest's store and the helpers that call it, failing the
// test on an unexpected error. Its methods are for the test goroutine only.
type harness struct {
	t    *testing.T
	s    store.Store
	ctx  context.Context
	opts Options
}

// open calls newStore for t.
func (s *suite) open(t *testing.T) *harness {
	t.Helper()
	st := s.newStore(t)
	if st == nil {
		t.Fatal("storetest: newStore returned a nil store")
	}
	return &harness{t: t, s: st, ctx: t.Context(), opts: s.opts}
}

// kv builds a KeyValue without a lease.
func kv(key, value string, create, mod, version int64) store.KeyValue {
	return store.KeyValue{Key: key, Value: []byte(value), CreateRevision: create, ModRevision: mod, Version: version}
}

// leased returns k attached to id.
func leased(k store.KeyValue, id store.LeaseID) store.KeyValue {
	k.Lease = id
	return k
}

// deletion is the KeyValue of a deletion of key at rev: Key and ModRevision.
func deletion(key string, rev int64) store.KeyValue {
	return store.KeyValue{Key: key, ModRevision: rev}
}

// ptr returns a pointer to a copy of k.
func ptr(k store.KeyValue) *store.KeyValue { return &k }

func (h *harness) create(key, value string, opts store.PutOptions) store.WriteResponse {
	h.t.Helper()
	r, err := h.s.Create(h.ctx, key, []byte(value), opts)
	if err != nil {
		h.t.Fatalf("Create(%s, %s, %+v): %v", short(key), short(value), opts, err)
	}
	return r
}

func (h *harness) put(key, value string, opts store.PutOptions) store.WriteResponse {
	h.t.Helper()
	r, err := h.s.Put(h.ctx, key, []byte(value), opts)
	if err != nil {
		h.t.Fatalf("Put(%s, %s, %+v): %v", short(key), short(value), opts, err)
	}
	return r
}

func (h *harness) update(key, value string, opts store.UpdateOptions) store.WriteResponse {
	h.t.Helper()
	r, err := h.s.Update(h.ctx, key, []byte(value), opts)
	if err != nil {
		h.t.Fatalf("Update(%s, %s, %+v): %v", short(key), short(value), opts, err)
	}
	return r
}

func (h *harness) del(key string, opts store.DeleteOptions) store.WriteResponse {
	h.t.Helper()
	r, err := h.s.Delete(h.ctx, key, opts)
	if err != nil {
		h.t.Fatalf("Delete(%q, %+v): %v", key, opts, err)
	}
	return r
}

func (h *harness) get(key string, rev int64) store.GetResponse {
	h.t.Helper()
	r, err := h.s.Get(h.ctx, key, store.ReadOptions{Revision: rev})
	if err != nil {
		h.t.Fatalf("Get(%q) at revision %d: %v", key, rev, err)
	}
	return r
}

func (h *harness) list(prefix string, opts store.ListOptions) store.ListResponse {
	h.t.Helper()
	r, err := h.s.List(h.ctx, prefix, opts)
	if err != nil {
		h.t.Fatalf("List(%q, %+v): %v", prefix, opts, err)
	}
	return r
}

func (h *harness) grant(ttl time.Duration) store.Lease {
	h.t.Helper()
	l, err := h.s.Grant(h.ctx, ttl)
	if err != nil {
		h.t.Fatalf("Grant(%v): %v", ttl, err)
	}
	return l
}

func (h *harness) compact(rev int64) {
	h.t.Helper()
	if err := h.s.Compact(h.ctx, rev); err != nil {
		h.t.Fatalf("Compact(%d): %v", rev, err)
	}
}

// rev returns the store's current revision, read with a CountOnly List of
// every key.
func (h *harness) rev() int64 {
	h.t.Helper()
	return h.list("", store.ListOptions{CountOnly: true}).Revision
}

// wantRev fails the test unless the current revision is want.
func (h *harness) wantRev(want int64, after string) {
	h.t.Helper()
	if got := h.rev(); got != want {
		h.t.Errorf("after %s: store revision is %d, want %d", after, got, want)
	}
}

// state is everything a store holds at its latest revision.
type state struct {
	Revision int64
	KVs      []store.KeyValue
}

// state reads every key at the latest revision.
func (h *harness) state() state {
	h.t.Helper()
	r := h.list("", store.ListOptions{})
	return state{Revision: r.Revision, KVs: r.KVs}
}

// unchanged fails the test unless the store still holds before.
func (h *harness) unchanged(before state, after string) {
	h.t.Helper()
	if d := diff(before, h.state()); d != "" {
		h.t.Errorf("after %s the store changed (-before +after):\n%s", after, d)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func (h *harness) wantErr(err, target error, call string) {
	h.t.Helper()
	if err := checkErr(err, target, call); err != nil {
		h.t.Error(err)
	}
}

// checkErr returns an error unless errors.Is(err, target).
func checkErr(err, target error, call string) error {
	switch {
	case err == nil:
		return fmt.Errorf("%s: got no error, want %v", call, target)
	case !errors.Is(err, target):
		return fmt.Errorf("%s: got error %q, want one that errors.Is %v", call, err, target)
	}
	return nil
}

// wantMention fails the test unless err's message names what (a key or a
// revision), as the package store documents: errors are wrapped with the
// key or revision concerned.
func (h *harness) wantMention(err error, what, call string) {
	h.t.Helper()
	if err != nil && !strings.Contains(err.Error(), what) {
		h.t.Errorf("%s: error %q does not name %s", call, err, what)
	}
}

// wantCompacted fails the test unless err is a *store.CompactedError with
// the given fields.
func (h *harness) wantCompacted(err error, requested, compacted int64, call string) {
	h.t.Helper()
	var ce *store.CompactedError
	if !errors.As(err, &ce) {
		h.t.Errorf("%s: got error %v, want a *store.CompactedError", call, err)
		return
	}
	if !errors.Is(err, store.ErrCompacted) {
		h.t.Errorf("%s: error %q does not satisfy errors.Is(err, store.ErrCompacted)", call, err)
	}
	want := store.CompactedError{Requested: requested, Compacted: compacted}
	if d := diff(want, *ce); d != "" {
		h.t.Errorf("%s: CompactedError (-want +got):\n%s", call, d)
	}
}

// wantConflict fails the test unless err is a *store.ConflictError equal to
// want.
func (h *harness) wantConflict(err error, want store.ConflictError, call string) {
	h.t.Helper()
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		h.t.Errorf("%s: got error %v, want a *store.ConflictError", call, err)
		return
	}
	if !errors.Is(err, store.ErrConflict) {
		h.t.Errorf("%s: error %q does not satisfy errors.Is(err, store.ErrConflict)", call, err)
	}
	if d := diff(want, *ce); d != "" {
		h.t.Errorf("%s: ConflictError (-want +got):\n%s", call, d)
	}
}

// within runs f and fails the test if it has not returned after d, or if
// it panicked. f runs on its own goroutine, which is abandoned (not
// stopped) on timeout; it must not call t.Fatal.
func (h *harness) within(d time.Duration, what string, f func()) {
	h.t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case p := <-done:
		if p != nil {
			h.t.Fatalf("%s panicked: %v", what, p)
		}
	case <-timer.C:
		h.t.Fatalf("%s did not return within %v", what, d)
	}
}

// transactor returns the store as a store.Transactor, or skips the test.
func (h *harness) transactor() store.Transactor {
	h.t.Helper()
	tx, ok := h.s.(store.Transactor)
	if !ok {
		h.t.Skipf("store %T does not implement store.Transactor, which is optional", h.s)
	}
	return tx
}

// progressRequester returns the store as a store.ProgressRequester, or
// skips the test.
func (h *harness) progressRequester() store.ProgressRequester {
	h.t.Helper()
	pr, ok := h.s.(store.ProgressRequester)
	if !ok {
		h.t.Skipf("store %T does not implement store.ProgressRequester, which is optional", h.s)
	}
	return pr
}

// putEvent is the watch event of a Create, Put or Update that returned r.
func putEvent(r store.WriteResponse) store.Event {
	return store.Event{Type: store.EventPut, KV: r.KV, PrevKV: r.PrevKV}
}

// deleteEvent is the watch event of a Delete that returned r.
func deleteEvent(r store.WriteResponse) store.Event {
	return store.Event{Type: store.EventDelete, KV: r.KV, PrevKV: r.PrevKV}
}

// deadline is a point in time that waits count down to.
type deadline time.Time

func newDeadline(d time.Duration) deadline { return deadline(time.Now().Add(d)) }

// left returns the time until the deadline, or 0 once it has passed.
func (d deadline) left() time.Duration { return max(0, time.Until(time.Time(d))) }

// short quotes s for a failure message, shortened when long: the limits
// tests write keys and values of megabytes.
func short(s string) string {
	const keep = 64
	if len(s) <= keep {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q... (%d bytes)", s[:keep], len(s))
}
