package keytable

import "hash/maphash"

// core is the hash table both kinds share: open addressing with linear
// probing over slots, each 0 when empty, else the key's 32-bit hash in the
// high half and 1 + the entry's index in the caller's slices in the low
// half. A key's home slot is its hash modulo len(slots) (a power of two),
// so moving and rehashing entries need no key.
type core struct {
	seed  maphash.Seed
	slots []uint64
	// free lists the indices whose entries were deleted; next is the
	// number of indices ever handed out.
	free []uint32
	next uint32
	n    int
	// hashFn, when set, replaces the seeded hash (tests force collisions).
	hashFn func(string) uint32
}

// minSlots is the smallest hash table.
const minSlots = 8

func newCore(hint int) core {
	size := minSlots
	for size*3/4 < hint {
		size *= 2
	}
	return core{seed: maphash.MakeSeed(), slots: make([]uint64, size)}
}

// hash returns key's 32-bit hash.
func (c *core) hash(key string) uint32 {
	if c.hashFn != nil {
		return c.hashFn(key)
	}
	return uint32(maphash.String(c.seed, key) >> 32)
}

// find returns the slot of the entry with hash h for which is reports
// true, or -1.
func (c *core) find(h uint32, is func(idx uint32) bool) int {
	if c.n == 0 {
		return -1
	}
	mask := uint32(len(c.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := c.slots[i]
		if s == 0 {
			return -1
		}
		if uint32(s>>32) == h && is(uint32(s)-1) {
			return int(i)
		}
	}
}

// index returns the entry index of a slot find returned.
func (c *core) index(slot int) uint32 { return uint32(c.slots[slot]) - 1 }

// insert adds an entry of hash h, which must not be in the table, and
// returns its index: a freed one, or next (the caller's slices grow by
// one).
func (c *core) insert(h uint32) uint32 {
	if (c.n+1)*4 > len(c.slots)*3 {
		c.grow()
	}
	var idx uint32
	if n := len(c.free); n > 0 {
		idx, c.free = c.free[n-1], c.free[:n-1]
	} else {
		if c.next == 1<<32-1 {
			panic("keytable: more than 2^32-2 entries")
		}
		idx = c.next
		c.next++
	}
	c.place(uint64(h)<<32 | uint64(idx+1))
	c.n++
	return idx
}

// place puts slot value s in the first empty slot from its home.
func (c *core) place(s uint64) {
	mask := uint32(len(c.slots) - 1)
	for i := uint32(s>>32) & mask; ; i = (i + 1) & mask {
		if c.slots[i] == 0 {
			c.slots[i] = s
			return
		}
	}
}

// grow doubles the hash table, up to 2^32 slots (a home slot is a 32-bit
// hash).
func (c *core) grow() {
	old := c.slots
	if uint64(len(old)) >= 1<<32 {
		panic("keytable: more than 3 * 2^30 entries")
	}
	c.slots = make([]uint64, 2*len(old))
	for _, s := range old {
		if s != 0 {
			c.place(s)
		}
	}
}

// remove empties slot and frees its entry's index, which it returns; the
// caller clears its entry. When the table becomes empty, indices start
// from 0 again and reset reports true: the caller truncates its slices.
func (c *core) remove(slot int) (idx uint32, reset bool) {
	idx = c.index(slot)
	c.free = append(c.free, idx)
	c.n--
	// Backward-shift deletion: move later entries of the probe run into
	// the hole when their home is not after it, so that no lookup stops
	// early at an empty slot.
	mask := len(c.slots) - 1
	hole := slot
	for j := (slot + 1) & mask; c.slots[j] != 0; j = (j + 1) & mask {
		home := int(uint32(c.slots[j]>>32)) & mask
		// The entry at j may fill the hole unless its home lies
		// cyclically in (hole, j].
		if (j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j) {
			c.slots[hole] = c.slots[j]
			hole = j
		}
	}
	c.slots[hole] = 0
	if c.n == 0 {
		c.free, c.next = c.free[:0], 0
		return idx, true
	}
	return idx, false
}

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
	core
	keyOf func(*V) string
	// vals holds the values by index; nil at a free index.
	vals []*V
}

// New returns an empty table whose values' keys keyOf returns, sized for
// hint entries.
func New[V any](keyOf func(*V) string, hint int) *Table[V] {
	return &Table[V]{core: newCore(hint), keyOf: keyOf, vals: make([]*V, 0, hint)}
}

// Len returns the number of values in the table.
func (t *Table[V]) Len() int { return t.n }

func (t *Table[V]) find(key string) int {
	return t.core.find(t.hash(key), func(idx uint32) bool { return t.keyOf(t.vals[idx]) == key })
}

// Get returns the value whose key is key, nil if there is none.
func (t *Table[V]) Get(key string) *V {
	if i := t.find(key); i >= 0 {
		return t.vals[t.index(i)]
	}
	return nil
}

// Set puts v in the table under its key, replacing the value that had the
// same key. v must not be nil.
func (t *Table[V]) Set(v *V) {
	if v == nil {
		panic("keytable: Set of a nil value")
	}
	key := t.keyOf(v)
	if i := t.find(key); i >= 0 {
		t.vals[t.index(i)] = v
		return
	}
	if idx := t.insert(t.hash(key)); int(idx) < len(t.vals) {
		t.vals[idx] = v
	} else {
		t.vals = append(t.vals, v)
	}
}

// Delete removes the value whose key is key, if there is one, and returns
// it.
func (t *Table[V]) Delete(key string) *V {
	i := t.find(key)
	if i < 0 {
		return nil
	}
	idx, reset := t.remove(i)
	v := t.vals[idx]
	t.vals[idx] = nil
	if reset {
		t.vals = t.vals[:0]
	}
	return v
}

// Map maps strings to values of type V. The zero Map is not usable; call
// NewMap.
//
// A Map is not safe for concurrent use, except that any number of
// goroutines may call Get, Len and All at once while none modifies the
// map, as with a Go map. Like a Go map, it does not shrink.
type Map[V any] struct {
	core
	// keys, vals and live hold the entries by index; live is false at a
	// free index, whose key and value are zero.
	keys []string
	vals []V
	live []bool
}

// NewMap returns an empty map sized for hint entries.
func NewMap[V any](hint int) *Map[V] {
	return &Map[V]{core: newCore(hint), keys: make([]string, 0, hint), vals: make([]V, 0, hint), live: make([]bool, 0, hint)}
}

// Len returns the number of entries.
func (m *Map[V]) Len() int { return m.n }

func (m *Map[V]) find(key string) int {
	return m.core.find(m.hash(key), func(idx uint32) bool { return m.keys[idx] == key })
}

// Get returns the value under key and whether there is one.
func (m *Map[V]) Get(key string) (V, bool) {
	if i := m.find(key); i >= 0 {
		return m.vals[m.index(i)], true
	}
	var zero V
	return zero, false
}

// Set puts v under key, replacing the value there.
func (m *Map[V]) Set(key string, v V) {
	if i := m.find(key); i >= 0 {
		m.vals[m.index(i)] = v
		return
	}
	if idx := m.insert(m.hash(key)); int(idx) < len(m.keys) {
		m.keys[idx], m.vals[idx], m.live[idx] = key, v, true
	} else {
		m.keys, m.vals, m.live = append(m.keys, key), append(m.vals, v), append(m.live, true)
	}
}

// Delete removes the entry under key, if there is one, and returns its
// value and whether there was one.
func (m *Map[V]) Delete(key string) (V, bool) {
	var zero V
	i := m.find(key)
	if i < 0 {
		return zero, false
	}
	idx, reset := m.remove(i)
	v := m.vals[idx]
	m.keys[idx], m.vals[idx], m.live[idx] = "", zero, false
	if reset {
		m.keys, m.vals, m.live = m.keys[:0], m.vals[:0], m.live[:0]
	}
	return v, true
}

// All calls yield for every entry, in no particular order, until it
// returns false. The map must not be modified meanwhile.
func (m *Map[V]) All(yield func(key string, v V) bool) {
	for i, ok := range m.live {
		if ok && !yield(m.keys[i], m.vals[i]) {
			return
		}
	}
}
