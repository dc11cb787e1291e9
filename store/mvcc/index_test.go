package mvcc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ent(main int64, tomb bool) indexEntry {
	return indexEntry{rev: revision{main: main}, tombstone: tomb}
}

func TestKeyIndexAt(t *testing.T) {
	// Created at 2, updated at 4, deleted at 6, re-created at 8.
	ki := &keyIndex{key: "k", entries: []indexEntry{ent(2, false), ent(4, false), ent(6, true), ent(8, false)}}
	tests := []struct {
		rev  int64
		want int64 // main revision of the record; 0 for absent
	}{
		{1, 0}, {2, 2}, {3, 2}, {4, 4}, {5, 4}, {6, 0}, {7, 0}, {8, 8}, {100, 8},
	}
	for _, tc := range tests {
		r, ok := ki.at(tc.rev)
		got := int64(0)
		if ok {
			got = r.main
		}
		if got != tc.want {
			t.Errorf("at(%d) = %d (found %v), want %d", tc.rev, got, ok, tc.want)
		}
	}
}

func TestKeyIndexCompact(t *testing.T) {
	tests := []struct {
		name        string
		entries     []indexEntry
		at          int64
		wantKept    []indexEntry
		wantDropped []revision
		wantGone    bool
	}{
		{
			name:     "nothing before the compaction revision",
			entries:  []indexEntry{ent(5, false), ent(6, false)},
			at:       5,
			wantKept: []indexEntry{ent(5, false), ent(6, false)},
		},
		{
			name:        "keeps the newest record before it and all after",
			entries:     []indexEntry{ent(1, false), ent(2, false), ent(4, false), ent(7, false)},
			at:          5,
			wantKept:    []indexEntry{ent(4, false), ent(7, false)},
			wantDropped: []revision{{main: 1}, {main: 2}},
		},
		{
			name:        "keeps the previous value of a change at the compaction revision",
			entries:     []indexEntry{ent(1, false), ent(2, false), ent(5, false)},
			at:          5,
			wantKept:    []indexEntry{ent(2, false), ent(5, false)},
			wantDropped: []revision{{main: 1}},
		},
		{
			name:        "drops a generation that ended before it",
			entries:     []indexEntry{ent(1, false), ent(2, true), ent(3, false)},
			at:          5,
			wantKept:    []indexEntry{ent(3, false)},
			wantDropped: []revision{{main: 1}, {main: 2}},
		},
		{
			name:        "a key deleted before it is gone",
			entries:     []indexEntry{ent(1, false), ent(3, true)},
			at:          5,
			wantDropped: []revision{{main: 1}, {main: 3}},
			wantGone:    true,
		},
		{
			name:     "a deletion at the compaction revision stays, with its previous value",
			entries:  []indexEntry{ent(1, false), ent(5, true)},
			at:       5,
			wantKept: []indexEntry{ent(1, false), ent(5, true)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ki := &keyIndex{key: "k", entries: append([]indexEntry(nil), tc.entries...)}
			dropped, gone := ki.compact(tc.at, nil)
			opt := cmp.AllowUnexported(indexEntry{}, revision{})
			if d := cmp.Diff(tc.wantKept, ki.entries, opt); d != "" {
				t.Errorf("kept (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantDropped, dropped, opt); d != "" {
				t.Errorf("dropped (-want +got):\n%s", d)
			}
			if gone != tc.wantGone {
				t.Errorf("gone = %v, want %v", gone, tc.wantGone)
			}
		})
	}
}

func TestIndexCompactInSteps(t *testing.T) {
	ix := newIndex()
	// 25 keys, each written at two revisions; every odd key deleted.
	rev := int64(0)
	for i := range 25 {
		k := string(rune('a' + i))
		rev++
		ix.add(k, ent(rev, false))
		rev++
		ix.add(k, ent(rev, i%2 == 1))
	}
	var dropped []revision
	from, steps := "", 0
	for {
		var next string
		var done bool
		dropped, next, done = ix.compact(from, 4, rev+1, dropped)
		steps++
		if done {
			break
		}
		from = next
	}
	if steps != 7 {
		t.Errorf("compacting 25 keys 4 at a time took %d steps, want 7", steps)
	}
	// Even keys keep their newest record, odd keys are gone.
	if got, want := ix.len(), 13; got != want {
		t.Errorf("%d keys left, want %d", got, want)
	}
	if got, want := len(dropped), 13+2*12; got != want {
		t.Errorf("%d records dropped, want %d", got, want)
	}
	var keys []string
	ix.ascend("", "", rev, func(k string, _ revision) bool { keys = append(keys, k); return true })
	if len(keys) != 13 || keys[0] != "a" || keys[1] != "c" {
		t.Errorf("live keys after compaction: %q", keys)
	}
}
