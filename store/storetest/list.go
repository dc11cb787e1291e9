package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/rigging-dev/rigging/store"
)

func listTests() []test {
	return []test{
		{"PrefixIsolation", testListPrefixIsolation},
		{"ByteOrder", testListByteOrder},
		{"Pagination", testListPagination},
		{"PaginationUnderConcurrentWrites", testListPaginationUnderWrites},
		{"AtRevision", testListAtRevision},
		{"CountOnly", testListCountOnly},
		{"ContinueFromAnotherPrefix", testListContinueOtherPrefix},
		{"BadContinueToken", testListBadContinue},
		{"ContinueAfterCompaction", testListContinueAfterCompaction},
		{"FutureRevision", testListFutureRevision},
	}
}

// listAll lists prefix at rev in pages of limit, checks that the pages
// agree with each other (one Revision, one Count, Remaining counting down
// to 0, full pages but the last, a Continue token exactly when keys
// remain) and returns the union of the pages with the first page's
// Revision and Count. between runs after every page but the last.
func (h *harness) listAll(prefix string, rev, limit int64, between func(page int, last store.KeyValue)) store.ListResponse {
	h.t.Helper()
	first := h.list(prefix, store.ListOptions{Revision: rev, Limit: limit})
	all := store.ListResponse{Revision: first.Revision, Count: first.Count}
	r := first
	for page := 0; ; page++ {
		where := fmt.Sprintf("List(%q) at revision %d, limit %d, page %d", prefix, rev, limit, page)
		all.KVs = append(all.KVs, r.KVs...)
		seen := int64(len(all.KVs))
		if r.Revision != first.Revision {
			h.t.Errorf("%s: Revision %d, the first page's was %d", where, r.Revision, first.Revision)
		}
		if r.Count != first.Count {
			h.t.Errorf("%s: Count %d, the first page's was %d", where, r.Count, first.Count)
		}
		if r.Remaining != first.Count-seen {
			h.t.Errorf("%s: Remaining %d after %d of %d keys, want %d", where, r.Remaining, seen, first.Count, first.Count-seen)
		}
		if limit > 0 && int64(len(r.KVs)) > limit {
			h.t.Fatalf("%s: %d keys, over the limit", where, len(r.KVs))
		}
		if r.Continue == "" {
			if r.Remaining != 0 {
				h.t.Errorf("%s: no Continue token with Remaining %d", where, r.Remaining)
			}
			return all
		}
		if limit > 0 && int64(len(r.KVs)) != limit {
			h.t.Errorf("%s: %d keys and a Continue token; a page that is not the last must hold the limit", where, len(r.KVs))
		}
		if len(r.KVs) == 0 {
			h.t.Fatalf("%s: an empty page with a Continue token", where)
		}
		if between != nil {
			between(page, r.KVs[len(r.KVs)-1])
		}
		// Alternate between no Revision and the page's own, both valid
		// with a token.
		opts := store.ListOptions{Limit: limit, Continue: r.Continue}
		if page%2 == 1 {
			opts.Revision = first.Revision
		}
		r = h.list(prefix, opts)
	}
}

// A prefix lists exactly the keys that start with it, byte for byte.
func testListPrefixIsolation(h *harness) {
	var hist history
	for _, k := range []string{"a", "a/", "a/1", "a/2/x", "a0", "ab", "b/1", "x\xff", "x\xff\xff", "x\xff\x00", "y"} {
		hist.put(h.put(k, "v-"+k, store.PutOptions{}))
	}
	rev := h.rev()
	for _, prefix := range []string{"a/", "a", "b/", "c/", "", "x\xff", "x\xff\xff", "a/2/x", "a/2/x/"} {
		want := hist.at(prefix, rev)
		got := h.list(prefix, store.ListOptions{})
		wantResp := store.ListResponse{KVs: want, Revision: rev, Count: int64(len(want))}
		if d := diff(wantResp, got); d != "" {
			h.t.Errorf("List(%q) (-want +got):\n%s", prefix, d)
		}
	}
}

// Keys come back in byte order, whatever order they were written in.
func testListByteOrder(h *harness) {
	keys := []string{"k/b", "k/B", "k/a/b", "k/aa", "k/a", "k/~", "k/é", "k/0", "k/_", "k/a-", "k/A", "k/\x7f"}
	var hist history
	for _, k := range keys {
		hist.put(h.create(k, k, store.PutOptions{}))
	}
	got := h.list("k/", store.ListOptions{})
	var gotKeys []string
	for _, kv := range got.KVs {
		gotKeys = append(gotKeys, kv.Key)
	}
	wantKeys := slices.Clone(keys)
	slices.Sort(wantKeys) // Go compares strings byte by byte
	if d := diff(wantKeys, gotKeys); d != "" {
		h.t.Errorf("List order (-want +got):\n%s", d)
	}
	if d := diff(hist.at("k/", got.Revision), got.KVs); d != "" {
		h.t.Errorf("List (-want +got):\n%s", d)
	}
	// Pages keep the order across page boundaries.
	if d := diff(got.KVs, h.listAll("k/", 0, 5, nil).KVs); d != "" {
		h.t.Errorf("List in pages of 5 (-want +got):\n%s", d)
	}
}

// Limit and Continue, with Remaining and Count, on a prefix nobody writes
// to meanwhile; a token with another Revision is invalid.
func testListPagination(h *harness) {
	var hist history
	hist.put(h.put("q", "outside", store.PutOptions{}))
	for i := range 25 {
		hist.put(h.create(fmt.Sprintf("q/%02d", i), fmt.Sprint(i), store.PutOptions{}))
	}
	hist.put(h.put("r/0", "outside", store.PutOptions{}))
	rev := h.rev()
	want := store.ListResponse{KVs: hist.at("q/", rev), Revision: rev, Count: 25}
	for _, limit := range []int64{7, 5, 1, 24, 25, 26, 1000} {
		if d := diff(want, h.listAll("q/", 0, limit, nil)); d != "" {
			h.t.Errorf("List(q/) in pages of %d (-want +got):\n%s", limit, d)
		}
	}
	// The exact shape of the first two pages of 7.
	p1 := h.list("q/", store.ListOptions{Limit: 7})
	if d := diff(store.ListResponse{KVs: want.KVs[:7], Revision: rev, Continue: p1.Continue, Remaining: 18, Count: 25}, p1); d != "" || p1.Continue == "" {
		h.t.Errorf("first page of 7 (-want +got):\n%s", d)
	}
	p2 := h.list("q/", store.ListOptions{Limit: 7, Continue: p1.Continue})
	if d := diff(store.ListResponse{KVs: want.KVs[7:14], Revision: rev, Continue: p2.Continue, Remaining: 11, Count: 25}, p2); d != "" || p2.Continue == "" {
		h.t.Errorf("second page of 7 (-want +got):\n%s", d)
	}
	// A token combined with another non-zero revision is invalid.
	h.put("q/99", "later", store.PutOptions{})
	for _, other := range []int64{rev - 1, rev + 1} {
		before := h.state()
		_, err := h.s.List(h.ctx, "q/", store.ListOptions{Limit: 7, Continue: p1.Continue, Revision: other})
		h.wantErr(err, store.ErrInvalid, fmt.Sprintf("List with a token of revision %d and Revision %d", rev, other))
		h.unchanged(before, "an invalid List")
	}
	// The token still reads its own revision after later writes.
	if d := diff(store.ListResponse{KVs: want.KVs[7:14], Revision: rev, Continue: p2.Continue, Remaining: 11, Count: 25},
		h.list("q/", store.ListOptions{Limit: 7, Continue: p1.Continue})); d != "" {
		h.t.Errorf("second page of 7 after a later write (-want +got):\n%s", d)
	}
}

// Pages of 7 over 250 keys while writers update, add and delete keys under
// the same prefix: the union of the pages is exactly the prefix as of the
// first page's revision.
func testListPaginationUnderWrites(h *harness) {
	const (
		total    = 250
		limit    = 7
		bgWrites = 300
		prefix   = "p/"
	)
	key := func(i int) string { return fmt.Sprintf("p/%03d", i%total) }
	var hist history
	g, ctx := errgroup.WithContext(h.ctx)
	for w := range 5 {
		g.Go(func() error {
			for i := w; i < total; i += 5 {
				r, err := h.s.Create(ctx, key(i), []byte("init"), store.PutOptions{})
				if err != nil {
					return fmt.Errorf("Create(%q): %w", key(i), err)
				}
				hist.put(r)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		h.t.Fatal(err)
	}
	h.put("p", "outside", store.PutOptions{})
	h.put("q/000", "outside", store.PutOptions{})

	// A background writer updates, adds and deletes keys all over the
	// prefix while the pages are read.
	stop := make(chan struct{})
	bg, bgctx := errgroup.WithContext(h.ctx)
	bg.Go(func() error {
		for i := 0; i < bgWrites; i++ {
			select {
			case <-stop:
				return nil
			default:
			}
			switch i % 3 {
			case 0:
				r, err := h.s.Put(bgctx, key(i*7), []byte(fmt.Sprint("bg", i)), store.PutOptions{})
				if err != nil {
					return fmt.Errorf("background Put(%q): %w", key(i*7), err)
				}
				hist.put(r)
			case 1:
				k := fmt.Sprintf("%s.bg%d", key(i*11), i)
				r, err := h.s.Put(bgctx, k, []byte("new"), store.PutOptions{})
				if err != nil {
					return fmt.Errorf("background Put(%q): %w", k, err)
				}
				hist.put(r)
			case 2:
				r, err := h.s.Delete(bgctx, key(i*13), store.DeleteOptions{})
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return fmt.Errorf("background Delete(%q): %w", key(i*13), err)
				}
				hist.del(r)
			}
		}
		return nil
	})
	// Between pages, this goroutine changes what the next pages would read
	// if they did not stay on the first page's revision: a key inserted
	// just after the page, the next page's keys updated and deleted.
	between := func(page int, last store.KeyValue) {
		hist.put(h.put(last.Key+"!", "inserted", store.PutOptions{}))
		next := (page + 1) * limit
		hist.put(h.put(key(next+3), "updated", store.PutOptions{}))
		r, err := h.s.Delete(h.ctx, key(next+1), store.DeleteOptions{})
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			h.t.Fatalf("Delete(%q): %v", key(next+1), err)
		default:
			hist.del(r)
		}
	}
	got := h.listAll(prefix, 0, limit, between)
	close(stop)
	var bgErr error
	h.within(writeTimeout, "the background writer", func() { bgErr = bg.Wait() })
	if bgErr != nil {
		h.t.Fatal(bgErr)
	}
	want := hist.at(prefix, got.Revision)
	if d := diff(store.ListResponse{KVs: want, Revision: got.Revision, Count: int64(len(want))}, got); d != "" {
		h.t.Errorf("pages of %d under concurrent writes vs the prefix at revision %d (-want +got):\n%s", limit, got.Revision, d)
	}
	if final := h.rev(); final <= got.Revision {
		h.t.Errorf("no write landed after the first page (revision %d, final %d): the test proves nothing", got.Revision, final)
	}
}

// A List at an old revision returns the prefix as it was then, whole or in
// pages.
func testListAtRevision(h *harness) {
	var hist history
	hist.put(h.create("h/a", "1", store.PutOptions{}))
	hist.put(h.create("h/b", "1", store.PutOptions{}))
	hist.put(h.update("h/a", "2", store.UpdateOptions{}))
	h.put("i/x", "outside", store.PutOptions{})
	hist.del(h.del("h/b", store.DeleteOptions{}))
	hist.put(h.create("h/c", "1", store.PutOptions{}))
	hist.put(h.put("h/b", "2", store.PutOptions{}))
	hist.del(h.del("h/a", store.DeleteOptions{}))
	cur := h.rev()
	for rev := int64(1); rev <= cur; rev++ {
		want := hist.at("h/", rev)
		wantResp := store.ListResponse{KVs: want, Revision: rev, Count: int64(len(want))}
		if d := diff(wantResp, h.list("h/", store.ListOptions{Revision: rev})); d != "" {
			h.t.Errorf("List(h/) at revision %d (-want +got):\n%s", rev, d)
		}
		if d := diff(wantResp, h.listAll("h/", rev, 1, nil)); d != "" {
			h.t.Errorf("List(h/) at revision %d in pages of 1 (-want +got):\n%s", rev, d)
		}
	}
}

// CountOnly returns the number of keys and no keys.
func testListCountOnly(h *harness) {
	for i := range 5 {
		h.create(fmt.Sprintf("c/%d", i), "v", store.PutOptions{})
	}
	h.create("c", "outside", store.PutOptions{})
	h.create("d/0", "outside", store.PutOptions{})
	h.del("c/0", store.DeleteOptions{})
	cases := []struct {
		prefix string
		rev    int64
		want   store.ListResponse
	}{
		{"c/", 0, store.ListResponse{Revision: 8, Count: 4}},
		{"c/", 5, store.ListResponse{Revision: 5, Count: 5}},
		{"c/", 2, store.ListResponse{Revision: 2, Count: 2}},
		{"", 0, store.ListResponse{Revision: 8, Count: 6}},
		{"e/", 0, store.ListResponse{Revision: 8}},
	}
	for _, c := range cases {
		got := h.list(c.prefix, store.ListOptions{Revision: c.rev, CountOnly: true})
		if d := diff(c.want, got); d != "" {
			h.t.Errorf("List(%q) at revision %d, CountOnly (-want +got):\n%s", c.prefix, c.rev, d)
		}
	}
}

// A continue token works only for the prefix it came from.
func testListContinueOtherPrefix(h *harness) {
	for i := range 5 {
		h.create(fmt.Sprintf("a/%d", i), "v", store.PutOptions{})
		h.create(fmt.Sprintf("b/%d", i), "v", store.PutOptions{})
	}
	p := h.list("a/", store.ListOptions{Limit: 2})
	if p.Continue == "" {
		h.t.Fatalf("List(a/) with limit 2 of 5 keys: no Continue token")
	}
	before := h.state()
	for _, prefix := range []string{"b/", "c/"} {
		_, err := h.s.List(h.ctx, prefix, store.ListOptions{Limit: 2, Continue: p.Continue})
		h.wantErr(err, store.ErrInvalid, fmt.Sprintf("List(%q) with a token of List(a/)", prefix))
	}
	h.unchanged(before, "Lists with foreign tokens")
	got := h.list("a/", store.ListOptions{Limit: 2, Continue: p.Continue})
	if len(got.KVs) != 2 || got.KVs[0].Key != "a/2" {
		h.t.Errorf("List(a/) with its own token: got %+v, want a/2 and a/3", got.KVs)
	}
}

// Tokens that no List returned are invalid.
func testListBadContinue(h *harness) {
	for i := range 5 {
		h.create(fmt.Sprintf("a/%d", i), "v", store.PutOptions{})
	}
	bad := []string{
		"garbage",
		"a/2",
		"%%%",
		"eyJ4IjoxfQ",   // base64 of {"x":1}
		"eyJ4IjoxfQ==", // the same, padded
		"\x00\xff",
		strings.Repeat("A", 4096),
	}
	before := h.state()
	for _, tok := range bad {
		_, err := h.s.List(h.ctx, "a/", store.ListOptions{Limit: 2, Continue: tok})
		h.wantErr(err, store.ErrInvalid, fmt.Sprintf("List(a/) with continue token %.40q", tok))
	}
	h.unchanged(before, "Lists with bad tokens")
}

// A token whose revision has been compacted fails with ErrCompacted.
func testListContinueAfterCompaction(h *harness) {
	for i := range 5 {
		h.create(fmt.Sprintf("c/%d", i), "v", store.PutOptions{}) // 1..5
	}
	p := h.list("c/", store.ListOptions{Limit: 2})
	if p.Continue == "" {
		h.t.Fatalf("List(c/) with limit 2 of 5 keys: no Continue token")
	}
	h.put("c/9", "later", store.PutOptions{}) // 6
	h.compact(6)
	_, err := h.s.List(h.ctx, "c/", store.ListOptions{Limit: 2, Continue: p.Continue})
	h.wantCompacted(err, 5, 6, "List(c/) with a token of compacted revision 5")
}

// A List beyond the current revision fails with ErrFutureRevision.
func testListFutureRevision(h *harness) {
	h.create("a", "v", store.PutOptions{})
	for _, rev := range []int64{2, 100} {
		_, err := h.s.List(h.ctx, "", store.ListOptions{Revision: rev})
		h.wantErr(err, store.ErrFutureRevision, fmt.Sprintf("List at revision %d of a store at 1", rev))
	}
}
