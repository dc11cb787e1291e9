// Package keytable is a hash table from string keys to pointers that costs
// the garbage collector one pointer per entry, read in order, where a Go
// map[string]*V costs two, read in hash order.
//
// Every garbage collection cycle marks the whole live heap. A map with
// string keys holds, per entry, a pointer to the key's bytes and one to
// the value, laid out in hash order, so the mark phase jumps to a random
// place in memory for each: measured with 80,000 stored pods, the API
// server's map of cached objects was a quarter of a full collection's
// time per pod, and the store's map of key histories a fifth; with both
// maps Tables, a collection took 200 ns per pod instead of 356. A Table keeps
// its values in one slice, in the order they were added, and its hash
// table in a slice of integers that the collector does not read at all;
// the keys are read from the values when a lookup needs them.
package keytable

import "hash/maphash"

// Table maps strings to values of type *V, the key of a value being what
// the key function given to New returns for it (and must keep returning
// while the value is in the table). The zero Table is not usable; call
// New.
//
// A Table is not safe for concurrent use, except that any number of
// goroutines may call Get and Len at once while none modifies the table,
// as with a Go map. Like a Go map, it does not shrink: deleting values
// frees their slots for later ones.
type Table[V any] struct {
	keyOf func(*V) string
	seed  maphash.Seed
	// slots is the hash table (open addressing, linear probing): 0 for an
	// empty slot, else the key's 32-bit hash in the high half and 1 + the
	// value's index in vals in the low half. A key's home slot is its hash
	// modulo len(slots) (a power of two), so moving and rehashing entries
	// need no key.
	slots []uint64
	// vals holds the values; nil marks a free index, listed in free.
	vals []*V
	free []uint32
	n    int
	// hashFn, when set, replaces the seeded hash (tests force collisions).
	hashFn func(string) uint32
}

// minSlots is the smallest hash table.
const minSlots = 8

// New returns an empty table whose values' keys keyOf returns, sized for
// hint entries.
func New[V any](keyOf func(*V) string, hint int) *Table[V] {
	size := minSlots
	for size*3/4 < hint {
		size *= 2
	}
	return &Table[V]{keyOf: keyOf, seed: maphash.MakeSeed(), slots: make([]uint64, size), vals: make([]*V, 0, hint)}
}

// Len returns the number of values in the table.
func (t *Table[V]) Len() int { return t.n }

// hash returns key's 32-bit hash.
func (t *Table[V]) hash(key string) uint32 {
	if t.hashFn != nil {
		return t.hashFn(key)
	}
	return uint32(maphash.String(t.seed, key) >> 32)
}

// find returns the slot holding key, or -1.
func (t *Table[V]) find(key string) int {
	h := t.hash(key)
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if uint32(s>>32) == h && t.keyOf(t.vals[uint32(s)-1]) == key {
			return int(i)
		}
	}
}

// Get returns the value whose key is key, nil if there is none.
func (t *Table[V]) Get(key string) *V {
	if t.n == 0 {
		return nil
	}
	i := t.find(key)
	if i < 0 {
		return nil
	}
	return t.vals[uint32(t.slots[i])-1]
}

// Set puts v in the table under its key, replacing the value that had the
// same key. v must not be nil.
func (t *Table[V]) Set(v *V) {
	if v == nil {
		panic("keytable: Set of a nil value")
	}
	key := t.keyOf(v)
	if i := t.find(key); i >= 0 {
		t.vals[uint32(t.slots[i])-1] = v
		return
	}
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	var idx uint32
	if n := len(t.free); n > 0 {
		idx, t.free = t.free[n-1], t.free[:n-1]
		t.vals[idx] = v
	} else {
		if len(t.vals) >= 1<<32-1 {
			panic("keytable: more than 2^32-2 values")
		}
		idx = uint32(len(t.vals))
		t.vals = append(t.vals, v)
	}
	t.place(uint64(t.hash(key))<<32 | uint64(idx+1))
	t.n++
}

// place puts slot value s in the first empty slot from its home.
func (t *Table[V]) place(s uint64) {
	mask := uint32(len(t.slots) - 1)
	for i := uint32(s>>32) & mask; ; i = (i + 1) & mask {
		if t.slots[i] == 0 {
			t.slots[i] = s
			return
		}
	}
}

// grow doubles the hash table.
func (t *Table[V]) grow() {
	old := t.slots
	t.slots = make([]uint64, 2*len(old))
	for _, s := range old {
		if s != 0 {
			t.place(s)
		}
	}
}

// Delete removes the value whose key is key, if there is one, and returns
// it.
func (t *Table[V]) Delete(key string) *V {
	if t.n == 0 {
		return nil
	}
	i := t.find(key)
	if i < 0 {
		return nil
	}
	idx := uint32(t.slots[i]) - 1
	v := t.vals[idx]
	t.vals[idx] = nil
	t.free = append(t.free, idx)
	t.n--
	// Backward-shift deletion: move later entries of the probe run into
	// the hole when their home is not after it, so that no lookup stops
	// early at an empty slot.
	mask := len(t.slots) - 1
	hole := i
	for j := (i + 1) & mask; t.slots[j] != 0; j = (j + 1) & mask {
		home := int(uint32(t.slots[j]>>32)) & mask
		// The entry at j may fill the hole unless its home lies
		// cyclically in (hole, j].
		if (j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j) {
			t.slots[hole] = t.slots[j]
			hole = j
		}
	}
	t.slots[hole] = 0
	if t.n == 0 {
		// Empty: number the values from 0 again.
		t.vals, t.free = t.vals[:0], t.free[:0]
	}
	return v
}
