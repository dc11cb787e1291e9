package store

import (
	"testing"
	"time"
)

// TestWorkloads runs every row, scaled down, against every target, so that
// a broken workload or target shows up in a plain go test, without the
// minutes a full benchmark run takes.
func TestWorkloads(t *testing.T) {
	sz := sizes{
		duration:     100 * time.Millisecond,
		valueSize:    1024,
		keys:         200,
		page:         50,
		minLists:     2,
		writers:      []int{1, 8},
		readers:      4,
		watchers:     20,
		watchPuts:    50,
		watchWriters: 4,
		watchTimeout: time.Minute,
	}
	for _, name := range targetNames {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			tg, stop, err := openTarget(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := stop(); err != nil {
					t.Errorf("stop %s: %v", name, err)
				}
			})
			value := benchValue(sz.valueSize)
			for _, w := range sz.writers {
				r, err := runPuts(ctx, tg, w, sz.duration, keyNames(putPrefix, sz.keys), value)
				if err != nil {
					t.Fatalf("puts with %d writers: %v", w, err)
				}
				if r.ops == 0 || r.p50 <= 0 || r.p99 < r.p50 {
					t.Errorf("puts with %d writers: implausible result %+v", w, r)
				}
			}
			keys := keyNames(listPrefix, sz.keys)
			if err := populate(ctx, tg, keys, value); err != nil {
				t.Fatal(err)
			}
			if r, err := runGets(ctx, tg, sz.readers, sz.duration, keys); err != nil {
				t.Fatalf("gets: %v", err)
			} else if r.ops == 0 {
				t.Errorf("gets: no op in %v", sz.duration)
			}
			for _, page := range []int64{0, sz.page} {
				r, err := runLists(ctx, tg, listPrefix, page, sz.keys, sz.duration, sz.minLists)
				if err != nil {
					t.Fatalf("lists in pages of %d: %v", page, err)
				}
				if r.ops < sz.minLists {
					t.Errorf("lists in pages of %d: %d lists, want at least %d", page, r.ops, sz.minLists)
				}
			}
			r, err := runWatch(ctx, tg, sz.watchers, sz.watchPuts, sz.watchWriters, value, sz.watchTimeout)
			if err != nil {
				t.Fatalf("watch: %v", err)
			}
			if want := sz.watchers * sz.watchPuts; r.events != want {
				t.Errorf("watch: %d events delivered, want %d", r.events, want)
			}
		})
	}
}
