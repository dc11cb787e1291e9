package apiserver

import (
	"encoding/binary"

	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The watch cache of a namespaced resource (pods, events, services, ...:
// the kinds a cluster holds many of) keeps each object packed: its JSON,
// which is the store's value with the resourceVersion spliced in (no copy
// of it), and what the cache filters on (namespace, name, labels,
// selectable fields) packed into one string. It drops the decoded object,
// which is most of an object's memory and, being full of pointers, most
// of what every garbage collection has to scan; the few readers that need
// a typed object (typed gets, Table output, updates that would reuse it,
// the last state of an expired object) decode the JSON again
// (cachedObject.object). An object this server wrote stays decoded while
// its write is among the cache's window of recent events, so that the
// updates that soon follow a write (status, binding) reuse it instead of
// decoding the stored value (see getAt); the cache packs it when the event
// leaves the window (packEvicted). Objects decoded from the store's events
// are packed at once. Cluster-scoped kinds (namespaces, nodes,
// priority classes) are few and read on every create by admission, so
// their cache keeps them decoded; so does any object whose JSON cannot be
// spliced (see resource.splice).

// flatSet is a read-only set of string pairs in one string: for each pair,
// the key's length (uvarint), the key, the value's length (uvarint), the
// value. It implements labels.Labels and fields.Fields (through a pointer,
// so that passing it as one costs no allocation) by a linear scan, which
// for the few labels and fields of an object is as fast as a map lookup.
// The zero value is empty.
type flatSet struct{ s string }

var _ labels.Labels = (*flatSet)(nil)

// appendFlatPair appends one pair in flatSet's encoding to b.
func appendFlatPair(b []byte, k, v string) []byte {
	b = binary.AppendUvarint(b, uint64(len(k)))
	b = append(b, k...)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// lookup returns the value of key k and whether the set has it.
func (f *flatSet) lookup(k string) (string, bool) {
	s := f.s
	for len(s) > 0 {
		key, rest, ok := flatField(s)
		if !ok {
			break
		}
		v, rest, ok := flatField(rest)
		if !ok {
			break
		}
		s = rest
		if key == k {
			return v, true
		}
	}
	return "", false
}

// Has reports whether the set has key k.
func (f *flatSet) Has(k string) bool {
	_, ok := f.lookup(k)
	return ok
}

// Get returns the value of key k, "" when the set lacks it.
func (f *flatSet) Get(k string) string {
	v, _ := f.lookup(k)
	return v
}

// flatField splits one length-prefixed field (a uvarint length, then the
// bytes) off the front of s. ok is false if s is truncated, which only a
// bug in appendFlatPair could cause: the set then reads as ending there,
// rather than the cache failing.
func flatField(s string) (field, rest string, ok bool) {
	var n uint64
	var shift uint
	for i := 0; i < len(s) && shift < 64; i++ {
		c := s[i]
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			s = s[i+1:]
			if n > uint64(len(s)) {
				return "", "", false
			}
			return s[:n], s[n:], true
		}
		shift += 7
	}
	return "", "", false
}

// labelSet returns the object's labels for a selector.
func (o *cachedObject) labelSet() labels.Labels {
	if o.labels != nil {
		return o.labels
	}
	return &o.plabels
}

// object returns the decoded object, resourceVersion set: the cached one,
// which is shared and must not be modified, or, for a packed object, a
// new decoding of its JSON, which the caller owns (it costs a decode). Any
// goroutine may call it.
func (o *cachedObject) object(r *resource) (metav1.Object, error) {
	if o.obj != nil {
		return o.obj, nil
	}
	sp, err := o.encoded()
	if err != nil {
		return nil, err
	}
	// A packed object's JSON is the stored bytes without a
	// resourceVersion; decode sets it to rev.
	return r.decode(sp.json, o.rev)
}

// pack drops o's decoded object when its JSON is a splice of stored, the
// store's value at o.rev, keeping that JSON and what the cache filters
// on in one string. It reports whether it did; an object it cannot
// splice stays decoded. o must be new: no other goroutine sees it yet.
func (r *resource) pack(o *cachedObject, stored []byte) bool {
	sp, ok := r.splice(stored, o.obj)
	if !ok {
		return false
	}
	o.jsonOnce.Do(func() { o.json = sp })
	var buf [512]byte
	b := buf[:0]
	b = append(b, o.namespace...)
	b = append(b, o.fields.name...)
	nLabels := len(b)
	for k, v := range o.labels {
		b = appendFlatPair(b, k, v)
	}
	nFields := len(b)
	for k, v := range o.fields.strategy {
		b = appendFlatPair(b, k, v)
	}
	// The resourceVersion the JSON is spliced with goes in the string too:
	// one object fewer for every garbage collection to mark.
	nRV := len(b)
	b = append(b, o.json.rv...)
	s := string(b)
	nsLen := len(o.namespace)
	o.namespace = s[:nsLen]
	o.fields.namespace = o.namespace
	o.fields.name = s[nsLen:nLabels]
	o.plabels = flatSet{s[nLabels:nFields]}
	o.fields.packed = flatSet{s[nFields:nRV]}
	o.json.rv = s[nRV:]
	o.labels, o.fields.strategy = nil, nil
	o.obj, o.src = nil, nil
	return true
}

// packedDeletion returns the cache's object of a deletion at rev of
// prev, a packed object: its last state, prev's JSON with the
// resourceVersion of the deletion.
func packedDeletion(prev *cachedObject, rev int64) *cachedObject {
	co := &cachedObject{
		key:       prev.key,
		namespace: prev.namespace,
		plabels:   prev.plabels,
		fields:    prev.fields,
		rev:       rev,
	}
	sp := prev.json
	sp.rv = formatRV(rev)
	co.jsonOnce.Do(func() { co.json = sp })
	return co
}

// packEvicted replaces the object of ev, an event leaving the window, by a
// packed copy, when the cache packs, ev's object is still the current one
// of its key and is decoded, and its JSON is a splice. The object itself
// is not modified: readers holding it keep reading it. c.mu must be held
// for writing; only the run goroutine calls it.
func (c *watchCache) packEvicted(ev *cacheEvent) {
	o := ev.obj
	if !c.packs || ev.typ == metav1.Deleted || o.obj == nil || c.objects.Get(o.key) != o {
		return
	}
	sp, err := o.encoded()
	if err != nil || sp.at < 0 {
		return
	}
	p := &cachedObject{key: o.key, namespace: o.namespace, obj: o.obj, labels: o.labels, fields: o.fields, rev: o.rev}
	if !c.r.pack(p, sp.json) {
		return
	}
	c.objects.Set(p)
	c.tree.ReplaceOrInsert(p)
}
