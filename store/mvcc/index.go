package mvcc

import (
	"sort"
	"strings"

	"github.com/google/btree"

	"github.com/rigging-dev/rigging/internal/keytable"
)

// indexEntry is one record of a key in the index: its revision and whether
// it is a deletion.
type indexEntry struct {
	rev       revision
	tombstone bool
}

// keyIndex is the history of one key that is still on disk: its records in
// revision order. A tombstone ends a generation (a life of the key from
// creation to deletion); the records after it begin the next one.
type keyIndex struct {
	key     string
	entries []indexEntry
}

// at returns the record holding the key's state as of main revision rev:
// the latest entry at or before rev, if there is one and it is not a
// deletion.
func (ki *keyIndex) at(rev int64) (revision, bool) {
	i := sort.Search(len(ki.entries), func(i int) bool { return ki.entries[i].rev.main > rev })
	if i == 0 {
		return revision{}, false
	}
	e := ki.entries[i-1]
	if e.tombstone {
		return revision{}, false
	}
	return e.rev, true
}

// compact drops the entries that no read or watch at or after main revision
// c needs, appending their revisions to dropped: every entry before c
// except the latest one, and that one too when it is a deletion. The
// entries at or after c all stay, so that a watch from c still finds the
// previous value of a change at c. It reports whether no entry is left.
func (ki *keyIndex) compact(c int64, dropped []revision) ([]revision, bool) {
	n := sort.Search(len(ki.entries), func(i int) bool { return ki.entries[i].rev.main >= c })
	if n == 0 {
		return dropped, false
	}
	keep := n - 1
	if ki.entries[keep].tombstone {
		keep = n
	}
	if keep == 0 {
		return dropped, false
	}
	for _, e := range ki.entries[:keep] {
		dropped = append(dropped, e.rev)
	}
	// Copy, so that the dropped prefix's memory is released.
	ki.entries = append([]indexEntry(nil), ki.entries[keep:]...)
	return dropped, len(ki.entries) == 0
}

// index maps every key to its history. It is not safe for concurrent use:
// the Store guards it with its state lock.
type index struct {
	// keys finds a key's history in one hash lookup (Get, writes). A
	// keytable rather than a map[string]*keyIndex: every garbage
	// collection marks it in a fraction of the time (see package
	// keytable).
	keys *keytable.Table[keyIndex]
	// tree orders the same histories by key (List, compaction).
	tree *btree.BTreeG[*keyIndex]
}

func newIndex() *index {
	return &index{
		keys: keytable.New(func(ki *keyIndex) string { return ki.key }, 0),
		tree: btree.NewG(32, func(a, b *keyIndex) bool { return a.key < b.key }),
	}
}

// get returns the record holding key's state at main revision rev.
func (ix *index) get(key string, rev int64) (revision, bool) {
	ki := ix.keys.Get(key)
	if ki == nil {
		return revision{}, false
	}
	return ki.at(rev)
}

// latest returns key's newest entry, ok false when the key has none.
func (ix *index) latest(key string) (indexEntry, bool) {
	ki := ix.keys.Get(key)
	if ki == nil || len(ki.entries) == 0 {
		return indexEntry{}, false
	}
	return ki.entries[len(ki.entries)-1], true
}

// add appends e to key's history; e must be newer than every entry of key.
func (ix *index) add(key string, e indexEntry) {
	ki := ix.keys.Get(key)
	if ki == nil {
		// One allocation for the history and room for its first two
		// entries (a key is usually written again: an update, a
		// deletion).
		n := &newKeyIndex{keyIndex: keyIndex{key: key}}
		n.entries = n.first[:0]
		ki = &n.keyIndex
		ix.keys.Set(ki)
		ix.tree.ReplaceOrInsert(ki)
	}
	ki.entries = append(ki.entries, e)
}

// newKeyIndex is a new key's history with the array its first entries
// are kept in.
type newKeyIndex struct {
	keyIndex
	first [2]indexEntry
}

// ascend calls fn, in key order, for every key with prefix that is at or
// after from and live at main revision rev, with the record holding its
// state; it stops when fn returns false.
func (ix *index) ascend(prefix, from string, rev int64, fn func(key string, r revision) bool) {
	if from < prefix {
		from = prefix
	}
	ix.tree.AscendGreaterOrEqual(&keyIndex{key: from}, func(ki *keyIndex) bool {
		if !strings.HasPrefix(ki.key, prefix) {
			return false
		}
		r, ok := ki.at(rev)
		if !ok {
			return true
		}
		return fn(ki.key, r)
	})
}

// compact applies keyIndex.compact at main revision c to at most limit
// keys, starting at key from, and removes keys left with no entry. It
// returns the dropped revisions and the key to resume at, done when every
// key has been visited. Bounding the work per call lets the caller release
// the state lock between calls, so readers and writers are not stalled.
func (ix *index) compact(from string, limit int, c int64, dropped []revision) (_ []revision, next string, done bool) {
	var empty []*keyIndex
	visited := 0
	done = true
	ix.tree.AscendGreaterOrEqual(&keyIndex{key: from}, func(ki *keyIndex) bool {
		if visited == limit {
			next, done = ki.key, false
			return false
		}
		visited++
		var gone bool
		dropped, gone = ki.compact(c, dropped)
		if gone {
			empty = append(empty, ki)
		}
		return true
	})
	for _, ki := range empty {
		ix.tree.Delete(ki)
		ix.keys.Delete(ki.key)
	}
	return dropped, next, done
}

// len returns the number of keys with history.
func (ix *index) len() int { return ix.keys.Len() }
