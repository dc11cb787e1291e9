package keytable

import (
	"fmt"
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/internal/gcbench"
)

type item struct {
	key string
	n   int
}

func keyOf(it *item) string { return it.key }

// check fails unless t holds exactly model, every slot's entry is
// reachable from its home and every free index is nil.
func check(t *testing.T, tb *Table[item], model map[string]*item) {
	t.Helper()
	if tb.Len() != len(model) {
		t.Fatalf("Len = %d, want %d", tb.Len(), len(model))
	}
	for k, want := range model {
		if got := tb.Get(k); got != want {
			t.Fatalf("Get(%q) = %v, want %v", k, got, want)
		}
	}
	used := 0
	for i, s := range tb.slots {
		if s == 0 {
			continue
		}
		used++
		v := tb.vals[uint32(s)-1]
		if v == nil {
			t.Fatalf("slot %d names a free value", i)
		}
		if got := tb.find(v.key); got != i {
			t.Fatalf("find(%q) = %d, want slot %d", v.key, got, i)
		}
	}
	if used != len(model) {
		t.Fatalf("%d slots used, want %d", used, len(model))
	}
	for _, idx := range tb.free {
		if tb.vals[idx] != nil {
			t.Fatalf("free index %d holds %v", idx, tb.vals[idx])
		}
	}
	if len(tb.vals) != int(tb.next) {
		t.Fatalf("%d values for %d indices", len(tb.vals), tb.next)
	}
	if nonNil := len(tb.vals) - len(tb.free); nonNil != len(model) {
		t.Fatalf("%d values held, want %d", nonNil, len(model))
	}
}

// TestAgainstMap runs random sets, replacements, deletions and lookups
// against a Go map, with the seeded hash and with hashes forced into a
// few values (whole-hash collisions, long probe runs wrapping around the
// table's end).
func TestAgainstMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(string) uint32
		keys int
	}{
		{"seeded", nil, 2000},
		{"few hashes", func(k string) uint32 { return uint32(len(k)%5) * 0x9E3779B9 }, 300},
		{"near the end", func(k string) uint32 { return uint32(7 - len(k)%3) }, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(1))
			tb := New(keyOf, 0)
			tb.hashFn = tc.hash
			model := map[string]*item{}
			for op := range 20000 {
				k := fmt.Sprintf("k%d", rng.Intn(tc.keys))
				switch r := rng.Intn(10); {
				case r < 5:
					v := &item{key: k, n: op}
					tb.Set(v)
					model[k] = v
				case r < 8:
					got := tb.Delete(k)
					if got != model[k] {
						t.Fatalf("Delete(%q) = %v, want %v", k, got, model[k])
					}
					delete(model, k)
				default:
					if got := tb.Get(k); got != model[k] {
						t.Fatalf("Get(%q) = %v, want %v", k, got, model[k])
					}
				}
				if op%997 == 0 {
					check(t, tb, model)
				}
			}
			check(t, tb, model)
			for k := range model {
				tb.Delete(k)
				delete(model, k)
			}
			check(t, tb, model)
			if len(tb.vals) != 0 || tb.next != 0 {
				t.Errorf("an empty table keeps %d value indices", len(tb.vals))
			}
		})
	}
}

// TestMapAgainstMap runs random sets, deletions, lookups and iterations of
// a Map against a Go map, with the seeded hash and with hashes forced into
// a few values.
func TestMapAgainstMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(string) uint32
		keys int
	}{
		{"seeded", nil, 2000},
		{"few hashes", func(k string) uint32 { return uint32(len(k)%5) * 0x9E3779B9 }, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(2))
			m := NewMap[int](0)
			m.hashFn = tc.hash
			model := map[string]int{}
			checkAll := func() {
				t.Helper()
				seen := map[string]int{}
				m.All(func(k string, v int) bool {
					if _, dup := seen[k]; dup {
						t.Fatalf("All yields %q twice", k)
					}
					seen[k] = v
					return true
				})
				if len(seen) != len(model) || m.Len() != len(model) {
					t.Fatalf("All yields %d entries, Len %d, want %d", len(seen), m.Len(), len(model))
				}
				for k, v := range model {
					if seen[k] != v {
						t.Fatalf("All yields %q = %d, want %d", k, seen[k], v)
					}
				}
			}
			for op := range 20000 {
				k := fmt.Sprintf("k%d", rng.Intn(tc.keys))
				switch r := rng.Intn(10); {
				case r < 5:
					m.Set(k, op)
					model[k] = op
				case r < 8:
					v, ok := m.Delete(k)
					want, wantOK := model[k]
					if v != want || ok != wantOK {
						t.Fatalf("Delete(%q) = %d, %v; want %d, %v", k, v, ok, want, wantOK)
					}
					delete(model, k)
				default:
					v, ok := m.Get(k)
					want, wantOK := model[k]
					if v != want || ok != wantOK {
						t.Fatalf("Get(%q) = %d, %v; want %d, %v", k, v, ok, want, wantOK)
					}
				}
				if op%997 == 0 {
					checkAll()
				}
			}
			checkAll()
			n := 0
			m.All(func(string, int) bool { n++; return n < 3 })
			if len(model) >= 3 && n != 3 {
				t.Errorf("All went on after yield returned false: %d calls", n)
			}
			for k := range model {
				m.Delete(k)
				delete(model, k)
			}
			checkAll()
			if len(m.keys) != 0 || m.next != 0 {
				t.Errorf("an empty map keeps %d entry indices", len(m.keys))
			}
			m.Set("", 7)
			if v, ok := m.Get(""); !ok || v != 7 {
				t.Errorf("the empty key: Get = %d, %v", v, ok)
			}
		})
	}
}

func TestEdges(t *testing.T) {
	tb := New(keyOf, 100)
	if tb.Get("x") != nil || tb.Delete("x") != nil || tb.Len() != 0 {
		t.Error("an empty table has something")
	}
	if len(tb.slots) < 100*4/3 {
		t.Errorf("New with hint 100 made %d slots", len(tb.slots))
	}
	a, b := &item{key: ""}, &item{key: ""}
	tb.Set(a)
	tb.Set(b)
	if tb.Len() != 1 || tb.Get("") != b {
		t.Error("the empty key is not a key like any other")
	}
	defer func() {
		if recover() == nil {
			t.Error("Set(nil) did not panic")
		}
	}()
	tb.Set(nil)
}

// TestDeleteReleasesValue checks that a deleted value is no longer
// reachable from the table.
func TestDeleteReleasesValue(t *testing.T) {
	tb := New(keyOf, 0)
	collected := make(chan struct{})
	v := &item{key: "gone"}
	runtime.AddCleanup(v, func(ch chan struct{}) { close(ch) }, collected)
	tb.Set(v)
	tb.Set(&item{key: "kept"})
	tb.Delete("gone")
	v = nil
	for range 20 {
		runtime.GC()
		select {
		case <-collected:
			return
		default:
		}
	}
	t.Error("a deleted value is still reachable after 20 collections")
}

// BenchmarkGet compares a lookup with a Go map's, both of 250,000 keys.
func BenchmarkGet(b *testing.B) {
	const n = 250000
	tb := New(keyOf, n)
	m := make(map[string]*item, n)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("/registry/pods/ns-%d/pod-%06d", i%100, i)
		it := &item{key: keys[i]}
		tb.Set(it)
		m[keys[i]] = it
	}
	rand.New(rand.NewSource(1)).Shuffle(n, func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	b.Run("keytable", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if tb.Get(keys[i%n]) == nil {
				b.Fatal("missing")
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if m[keys[i%n]] == nil {
				b.Fatal("missing")
			}
		}
	})
}

// BenchmarkMark reports what a full garbage collection costs per entry
// (gc-ns/entry) for 250,000 values held by a Table and by a Go map, each
// value an object with a string key of its own, also reachable from a
// slice in the order they were made (as the store's and the watch cache's
// ordered trees hold them).
func BenchmarkMark(b *testing.B) {
	const n = 250000
	items := make([]*item, n)
	for i := range items {
		items[i] = &item{key: fmt.Sprintf("/registry/pods/ns-%d/pod-%06d", i%100, i)}
	}
	gcTime := func() time.Duration { return gcbench.FullCollection(5) }
	var sink any
	for _, kind := range []string{"keytable", "map"} {
		b.Run(kind, func(b *testing.B) {
			for range b.N {
				base := gcTime()
				if kind == "map" {
					m := make(map[string]*item, n)
					for _, it := range items {
						m[it.key] = it
					}
					sink = m
				} else {
					tb := New(keyOf, n)
					for _, it := range items {
						tb.Set(it)
					}
					sink = tb
				}
				d := gcTime()
				b.ReportMetric(float64(d-base)/n, "gc-ns/entry")
				sink = nil
			}
		})
	}
	runtime.KeepAlive(items)
	_ = sink
}
