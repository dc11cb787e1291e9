package client

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/internal/keytable"
)

// NamespaceIndex is the name of the index every Indexer keeps: objects by
// metadata.namespace.
const NamespaceIndex = "namespace"

// IndexFunc computes the values under which obj is indexed (none, one or
// several). It must not modify obj and must be cheap: it runs with the
// indexer locked, on every change.
type IndexFunc[T any] func(obj *T) ([]string, error)

// Indexers names index functions.
type Indexers[T any] map[string]IndexFunc[T]

// Key returns the cache key of an object: "namespace/name", or "name" for
// cluster-scoped objects, as Kubernetes' MetaNamespaceKeyFunc does.
func Key(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// SplitKey splits a key made by Key into namespace and name. It fails for
// keys with more than one "/".
func SplitKey(key string) (namespace, name string, err error) {
	parts := strings.Split(key, "/")
	switch len(parts) {
	case 1:
		return "", parts[0], nil
	case 2:
		return parts[0], parts[1], nil
	}
	return "", "", fmt.Errorf("split key %q: more than one '/'", key)
}

// Indexer is a thread-safe cache of objects by key (see Key) with indexes
// kept up to date on every change: by namespace always, and by any
// IndexFunc added. An informer owns one and writes it; everyone else only
// reads.
//
// The objects are shared: callers must not modify an object they put in or
// get out. Any goroutine may call any method.
type Indexer[T any] struct {
	meta func(*T) *metav1.ObjectMeta

	mu sync.RWMutex // guards items, indexers, indices
	// items holds the objects by key. It and the index sets are keytable
	// Maps rather than Go maps: an informer's cache is most of the live
	// heap of a component that watches many objects, and every garbage
	// collection marks a Go map with string keys in hash order, a cache
	// miss per pointer (see package keytable).
	items    *keytable.Map[*T]
	indexers Indexers[T]
	// indices[index][value] is the set of keys of the objects indexed
	// under value.
	indices map[string]map[string]*keytable.Map[struct{}]
}

// NewIndexer returns an empty indexer with the namespace index and the
// given ones. It fails when an index is named NamespaceIndex or its function
// is nil.
func NewIndexer[T any, PT Object[T]](indexers Indexers[T]) (*Indexer[T], error) {
	x := newIndexer(func(o *T) *metav1.ObjectMeta { return PT(o).GetObjectMeta() })
	if err := x.AddIndexers(indexers); err != nil {
		return nil, err
	}
	return x, nil
}

// newIndexer is NewIndexer for callers that reach T's metadata through a
// function rather than PT.
func newIndexer[T any](meta func(*T) *metav1.ObjectMeta) *Indexer[T] {
	x := &Indexer[T]{
		meta:     meta,
		items:    keytable.NewMap[*T](0),
		indexers: Indexers[T]{},
		indices:  map[string]map[string]*keytable.Map[struct{}]{NamespaceIndex: {}},
	}
	x.indexers[NamespaceIndex] = func(o *T) ([]string, error) { return []string{meta(o).Namespace}, nil }
	return x
}

// KeyOf returns obj's key.
func (x *Indexer[T]) KeyOf(obj *T) string {
	m := x.meta(obj)
	return Key(m.Namespace, m.Name)
}

// AddIndexers adds indexes, indexing the objects already cached. It fails,
// adding none, when a name is taken or a function is nil; an index function
// failing on an object leaves that object out of that index and is
// reported.
func (x *Indexer[T]) AddIndexers(indexers Indexers[T]) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	for name, fn := range indexers {
		if _, ok := x.indexers[name]; ok {
			return fmt.Errorf("add indexer %q: an index of that name exists", name)
		}
		if fn == nil {
			return fmt.Errorf("add indexer %q: index function is nil", name)
		}
	}
	var errs []error
	for name, fn := range indexers {
		x.indexers[name] = fn
		x.indices[name] = map[string]*keytable.Map[struct{}]{}
		x.items.All(func(key string, obj *T) bool {
			if err := x.indexOne(name, fn, key, obj); err != nil {
				errs = append(errs, err)
			}
			return true
		})
	}
	return errors.Join(errs...)
}

// indexOne adds key to the index name under obj's values, with mu held.
func (x *Indexer[T]) indexOne(name string, fn IndexFunc[T], key string, obj *T) error {
	values, err := fn(obj)
	if err != nil {
		return fmt.Errorf("index %q of %s: %w", name, key, err)
	}
	idx := x.indices[name]
	for _, v := range values {
		set := idx[v]
		if set == nil {
			set = keytable.NewMap[struct{}](0)
			idx[v] = set
		}
		set.Set(key, struct{}{})
	}
	return nil
}

// unindex removes key from every index under old's values, with mu held.
func (x *Indexer[T]) unindex(key string, old *T) {
	for name, fn := range x.indexers {
		values, err := fn(old)
		if err != nil {
			// It failed when old was added too, so old is not indexed:
			// but sweep, in case the function is not deterministic.
			for v, set := range x.indices[name] {
				set.Delete(key)
				if set.Len() == 0 {
					delete(x.indices[name], v)
				}
			}
			continue
		}
		idx := x.indices[name]
		for _, v := range values {
			if set := idx[v]; set != nil {
				set.Delete(key)
				if set.Len() == 0 {
					delete(idx, v)
				}
			}
		}
	}
}

// Add puts obj in the cache under its key, replacing any object there, and
// re-indexes it. An index function failing leaves obj out of that index;
// the errors are returned, and obj is cached regardless.
func (x *Indexer[T]) Add(obj *T) error {
	key := x.KeyOf(obj)
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.put(key, obj)
}

// put is Add with mu held.
func (x *Indexer[T]) put(key string, obj *T) error {
	if old, ok := x.items.Get(key); ok {
		x.unindex(key, old)
	}
	x.items.Set(key, obj)
	var errs []error
	for name, fn := range x.indexers {
		if err := x.indexOne(name, fn, key, obj); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Delete removes the object with obj's key, if cached.
func (x *Indexer[T]) Delete(obj *T) { x.DeleteKey(x.KeyOf(obj)) }

// DeleteKey removes the object with the key, if cached.
func (x *Indexer[T]) DeleteKey(key string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.del(key)
}

func (x *Indexer[T]) del(key string) {
	if old, ok := x.items.Get(key); ok {
		x.unindex(key, old)
		x.items.Delete(key)
	}
}

// Replace makes objs the whole content of the cache.
func (x *Indexer[T]) Replace(objs []*T) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.items = keytable.NewMap[*T](len(objs))
	for name := range x.indices {
		x.indices[name] = map[string]*keytable.Map[struct{}]{}
	}
	var errs []error
	for _, o := range objs {
		if err := x.put(x.KeyOf(o), o); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// GetByKey returns the object cached under key.
func (x *Indexer[T]) GetByKey(key string) (*T, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.items.Get(key)
}

// List returns every cached object, in no particular order.
func (x *Indexer[T]) List() []*T {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]*T, 0, x.items.Len())
	x.items.All(func(_ string, o *T) bool {
		out = append(out, o)
		return true
	})
	return out
}

// ListKeys returns the key of every cached object, in no particular order.
func (x *Indexer[T]) ListKeys() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, x.items.Len())
	x.items.All(func(k string, _ *T) bool {
		out = append(out, k)
		return true
	})
	return out
}

// Len returns the number of cached objects.
func (x *Indexer[T]) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.items.Len()
}

// ByIndex returns the objects indexed under value in the named index, in no
// particular order. It fails when there is no such index.
func (x *Indexer[T]) ByIndex(index, value string) ([]*T, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	idx, ok := x.indices[index]
	if !ok {
		return nil, fmt.Errorf("index %q does not exist", index)
	}
	set := idx[value]
	if set == nil {
		return []*T{}, nil
	}
	out := make([]*T, 0, set.Len())
	set.All(func(k string, _ struct{}) bool {
		o, _ := x.items.Get(k)
		out = append(out, o)
		return true
	})
	return out, nil
}

// IndexKeys returns the keys of the objects indexed under value in the
// named index. It fails when there is no such index.
func (x *Indexer[T]) IndexKeys(index, value string) ([]string, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	idx, ok := x.indices[index]
	if !ok {
		return nil, fmt.Errorf("index %q does not exist", index)
	}
	set := idx[value]
	if set == nil {
		return []string{}, nil
	}
	out := make([]string, 0, set.Len())
	set.All(func(k string, _ struct{}) bool {
		out = append(out, k)
		return true
	})
	return out, nil
}

// IndexValues returns the values of the named index that have objects.
func (x *Indexer[T]) IndexValues(index string) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.indices[index]))
	for v := range x.indices[index] {
		out = append(out, v)
	}
	return out
}

// snapshot returns a copy of the key-to-object map.
func (x *Indexer[T]) snapshot() map[string]*T {
	x.mu.RLock()
	defer x.mu.RUnlock()
	m := make(map[string]*T, x.items.Len())
	x.items.All(func(k string, v *T) bool {
		m[k] = v
		return true
	})
	return m
}
