package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/rigging-dev/rigging/store"
)

func casTests() []test {
	return []test{
		{"StaleUpdate", testStaleUpdate},
		{"StaleDelete", testStaleDelete},
		{"AfterDeletion", testCASAfterDeletion},
		{"ConcurrentCounter", testConcurrentCounter},
	}
}

// An Update with a stale ExpectedModRevision fails with a *ConflictError
// carrying the current value, and changes nothing; the current one works.
func testStaleUpdate(h *harness) {
	h.create("k", "1", store.PutOptions{})    // 1
	h.update("k", "2", store.UpdateOptions{}) // 2
	before := h.state()
	_, err := h.s.Update(h.ctx, "k", []byte("3"), store.UpdateOptions{ExpectedModRevision: 1})
	h.wantConflict(err, store.ConflictError{Key: "k", Expected: 1, Current: ptr(kv("k", "2", 1, 2, 2)), Revision: 2}, "Update with a stale mod revision")
	h.unchanged(before, "a conflicting Update")
	want := store.WriteResponse{KV: kv("k", "3", 1, 3, 3), PrevKV: ptr(kv("k", "2", 1, 2, 2)), Revision: 3}
	if d := diff(want, h.update("k", "3", store.UpdateOptions{ExpectedModRevision: 2})); d != "" {
		h.t.Errorf("Update with the current mod revision (-want +got):\n%s", d)
	}
}

// A Delete with a stale ExpectedModRevision fails the same way.
func testStaleDelete(h *harness) {
	h.create("k", "1", store.PutOptions{})    // 1
	h.update("k", "2", store.UpdateOptions{}) // 2
	before := h.state()
	_, err := h.s.Delete(h.ctx, "k", store.DeleteOptions{ExpectedModRevision: 1})
	h.wantConflict(err, store.ConflictError{Key: "k", Expected: 1, Current: ptr(kv("k", "2", 1, 2, 2)), Revision: 2}, "Delete with a stale mod revision")
	h.unchanged(before, "a conflicting Delete")
	want := store.WriteResponse{KV: deletion("k", 3), PrevKV: ptr(kv("k", "2", 1, 2, 2)), Revision: 3}
	if d := diff(want, h.del("k", store.DeleteOptions{ExpectedModRevision: 2})); d != "" {
		h.t.Errorf("Delete with the current mod revision (-want +got):\n%s", d)
	}
}

// A guarded write of a key deleted since conflicts with Current nil: the
// mod-revision comparison fails, as an etcd transaction's would.
func testCASAfterDeletion(h *harness) {
	h.create("k", "1", store.PutOptions{}) // 1
	h.del("k", store.DeleteOptions{})      // 2
	before := h.state()
	_, err := h.s.Update(h.ctx, "k", []byte("x"), store.UpdateOptions{ExpectedModRevision: 1})
	h.wantConflict(err, store.ConflictError{Key: "k", Expected: 1, Revision: 2}, "guarded Update of a deleted key")
	_, err = h.s.Delete(h.ctx, "k", store.DeleteOptions{ExpectedModRevision: 1})
	h.wantConflict(err, store.ConflictError{Key: "k", Expected: 1, Revision: 2}, "guarded Delete of a deleted key")
	h.unchanged(before, "guarded writes of a deleted key")
}

// N goroutines each increment one counter k times by read-modify-write
// with CAS retries: no increment is lost, and exactly N×k writes succeed,
// at revisions 2 to N×k+1.
func testConcurrentCounter(h *harness) {
	const (
		n   = 8
		k   = 50
		key = "counter"
		// maxAttempts bounds one goroutine's tries, against livelock.
		maxAttempts = 100 * n * k
	)
	h.create(key, "0", store.PutOptions{})
	var successes atomic.Int64
	revs := make([][]int64, n)
	g, ctx := errgroup.WithContext(h.ctx)
	for i := range n {
		g.Go(func() error {
			r, err := h.s.Get(ctx, key, store.ReadOptions{})
			if err != nil {
				return fmt.Errorf("worker %d: Get(%q): %w", i, key, err)
			}
			cur := r.KV
			for done, attempts := 0, 0; done < k; attempts++ {
				if attempts == maxAttempts {
					return fmt.Errorf("worker %d: %d increments after %d attempts", i, done, attempts)
				}
				v, err := strconv.Atoi(string(cur.Value))
				if err != nil {
					return fmt.Errorf("worker %d: counter holds %q at mod revision %d", i, cur.Value, cur.ModRevision)
				}
				w, err := h.s.Update(ctx, key, []byte(strconv.Itoa(v+1)), store.UpdateOptions{ExpectedModRevision: cur.ModRevision})
				var ce *store.ConflictError
				switch {
				case err == nil:
					done++
					successes.Add(1)
					revs[i] = append(revs[i], w.KV.ModRevision)
					cur = w.KV
				case errors.As(err, &ce):
					if ce.Current == nil {
						return fmt.Errorf("worker %d: conflict on existing key %q with Current nil: %v", i, key, err)
					}
					if !errors.Is(err, store.ErrConflict) {
						return fmt.Errorf("worker %d: *ConflictError %q does not satisfy errors.Is(err, store.ErrConflict)", i, err)
					}
					cur = *ce.Current
				default:
					return fmt.Errorf("worker %d: Update(%q) expecting mod revision %d: %w", i, key, cur.ModRevision, err)
				}
			}
			return nil
		})
	}
	var err error
	h.within(writeTimeout, "the concurrent counter", func() { err = g.Wait() })
	if err != nil {
		h.t.Fatal(err)
	}
	if got := successes.Load(); got != n*k {
		h.t.Errorf("%d successful updates, want %d", got, n*k)
	}
	want := kv(key, strconv.Itoa(n*k), 1, 1+n*k, 1+n*k)
	if d := diff(store.GetResponse{KV: want, Revision: 1 + n*k}, h.get(key, 0)); d != "" {
		h.t.Errorf("counter after %d×%d increments (-want +got):\n%s", n, k, d)
	}
	var all []int64
	for _, r := range revs {
		if !slices.IsSorted(r) {
			h.t.Errorf("one worker's successful writes have decreasing revisions: %v", r)
		}
		all = append(all, r...)
	}
	slices.Sort(all)
	var wantRevs []int64
	for r := int64(2); r <= 1+n*k; r++ {
		wantRevs = append(wantRevs, r)
	}
	if d := diff(wantRevs, all); d != "" {
		h.t.Errorf("revisions of the successful updates (-want +got):\n%s", d)
	}
}
