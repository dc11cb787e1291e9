// Package keytable has hash tables keyed by strings that cost the garbage
// collector one pointer per entry (two for a Map), read in order, where a
// Go map[string]*V costs two read in hash order.
//
// Every garbage collection cycle marks the whole live heap. A map with
// string keys holds, per entry, a pointer to the key's bytes and one to
// the value, laid out in hash order, so the mark phase jumps to a random
// place in memory for each: measured with 80,000 stored pods, the API
// server's map of cached objects was a quarter of a full collection's
// time per pod, and the store's map of key histories a fifth; with both
// maps Tables, a collection took 200 ns per pod instead of 356. The
// tables here keep their entries in slices, in the order they were added,
// and their hash table in a slice of integers that the collector does not
// read at all.
//
// Table holds pointers to values that know their own key; Map holds keys
// and values of any type.
//
// Start with New (a Table) or NewMap.
package keytable
