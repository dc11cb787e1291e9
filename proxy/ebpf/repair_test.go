package ebpf

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

// TestDiffSorted: the merge finds what is missing, what differs and what
// is extra, at either end and in the middle.
func TestDiffSorted(t *testing.T) {
	type e = entry[uint32, string]
	for _, tc := range []struct {
		name      string
		want, got []e
		fix       []e
		extra     []uint32
	}{
		{name: "both empty"},
		{name: "equal", want: []e{{1, "a"}, {2, "b"}}, got: []e{{1, "a"}, {2, "b"}}},
		{name: "all missing", want: []e{{1, "a"}, {2, "b"}}, fix: []e{{1, "a"}, {2, "b"}}},
		{name: "all extra", got: []e{{1, "a"}, {2, "b"}}, extra: []uint32{1, 2}},
		{
			name:  "mixed",
			want:  []e{{2, "b"}, {4, "d"}, {6, "f"}, {9, "i"}},
			got:   []e{{1, "x"}, {2, "b"}, {4, "D"}, {5, "e"}, {6, "f"}, {10, "j"}},
			fix:   []e{{4, "d"}, {9, "i"}},
			extra: []uint32{1, 5, 10},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fix, extra := diffSorted(tc.want, tc.got, cmp.Compare[uint32])
			if diff := gocmp.Diff(tc.fix, fix, gocmp.AllowUnexported(e{})); diff != "" {
				t.Errorf("fix (-want +got):\n%s", diff)
			}
			if diff := gocmp.Diff(tc.extra, extra); diff != "" {
				t.Errorf("extra (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompareSvcKey orders frontends by address, port, then protocol.
func TestCompareSvcKey(t *testing.T) {
	a := lbSvcKey{Addr: [16]byte{15: 1}, Port: 80, Proto: 6}
	for _, tc := range []struct {
		b    lbSvcKey
		want int
	}{
		{a, 0},
		{lbSvcKey{Addr: [16]byte{15: 2}, Port: 1, Proto: 1}, -1},
		{lbSvcKey{Addr: [16]byte{15: 1}, Port: 81, Proto: 1}, -1},
		{lbSvcKey{Addr: [16]byte{15: 1}, Port: 80, Proto: 17}, -1},
		{lbSvcKey{Addr: [16]byte{15: 1}, Port: 80, Proto: 1}, 1},
	} {
		if got := compareSvcKey(a, tc.b); got != tc.want {
			t.Errorf("compareSvcKey(%v, %v) = %d, want %d", a, tc.b, got, tc.want)
		}
	}
}

// TestRadixSort: radixSort orders like a stable comparison sort, for
// short and long inputs, keys spread over all 64 bits or over a few, and
// duplicate keys.
func TestRadixSort(t *testing.T) {
	type e = entry[uint64, int]
	key := func(x *e) uint64 { return x.k }
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 100, 255, 256, 1000, 70000} {
		for _, mask := range []uint64{^uint64(0), 0xff00ff, 0xf, 0} {
			es := make([]e, n)
			for i := range es {
				es[i] = e{rng.Uint64() & mask, i}
			}
			want := slices.Clone(es)
			slices.SortStableFunc(want, func(a, b e) int { return cmp.Compare(a.k, b.k) })
			got := radixSort(es, key)
			if !slices.Equal(got, want) {
				t.Errorf("n=%d mask=%#x: radixSort differs from a stable sort", n, mask)
			}
		}
	}
	s := []entry[lbSlotKey, uint32]{{lbSlotKey{Group: 2, Index: 0}, 0}, {lbSlotKey{Group: 1, Index: 1 << 31}, 0}, {lbSlotKey{Group: 1, Index: 3}, 0}}
	keys := make([]uint64, len(s))
	for i := range s {
		keys[i] = slotOrder(&s[i])
	}
	for i := 1; i < len(s); i++ {
		if got, want := cmp.Compare(keys[i-1], keys[i]), compareSlotKey(s[i-1].k, s[i].k); got != want {
			t.Errorf("slotOrder compares %v and %v as %d, compareSlotKey as %d", s[i-1].k, s[i].k, got, want)
		}
	}
}
