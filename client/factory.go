package client

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"
)

// FactoryOptions configure an InformerFactory; the zero value informs on
// all namespaces without resync.
type FactoryOptions struct {
	// Namespace restricts every informer of namespaced resources to one
	// namespace; "" means all.
	Namespace string
	// ResyncPeriod is every informer's InformerOptions.ResyncPeriod.
	ResyncPeriod time.Duration
	// MinBackoff and MaxBackoff are every informer's; 0 means the
	// defaults.
	MinBackoff, MaxBackoff time.Duration
}

// InformerFactory hands out one shared informer per resource, so that the
// parts of a program that need the same objects share one list, one watch
// and one cache. Ask for informers (InformerFor, ResourceInformer), then
// Start them; informers asked for later are started by the next Start. Any
// goroutine may call any method.
type InformerFactory struct {
	c    *Client
	opts FactoryOptions

	mu        sync.Mutex // guards informers and shutdown
	informers map[GroupVersionResource]*factoryEntry
	shutdown  bool
	wg        sync.WaitGroup // the informers' Run goroutines
}

type factoryEntry struct {
	typ     reflect.Type
	inf     interface{ Run(context.Context) error }
	syncer  Syncer
	started bool
}

// NewInformerFactory returns a factory of informers over c.
func NewInformerFactory(c *Client, opts FactoryOptions) *InformerFactory {
	return &InformerFactory{c: c, opts: opts, informers: map[GroupVersionResource]*factoryEntry{}}
}

// InformerFor returns f's informer for the built-in resource of type T,
// making it the first time. It fails when T is not a built-in kind.
func InformerFor[T any, PT Object[T]](f *InformerFactory) (*Informer[T], error) {
	info, ok := InfoFor[T]()
	if !ok {
		return nil, fmt.Errorf("informer for %v: not a built-in kind; use ResourceInformer", reflect.TypeFor[T]())
	}
	return ResourceInformer[T, PT](f, info)
}

// ResourceInformer returns f's informer for the resource info describes,
// making it the first time. It fails when the resource already has an
// informer for another Go type, or the factory was shut down.
func ResourceInformer[T any, PT Object[T]](f *InformerFactory, info ResourceInfo) (*Informer[T], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.shutdown {
		return nil, fmt.Errorf("informer for %s: the factory was shut down", info.GroupVersionResource)
	}
	typ := reflect.TypeFor[T]()
	if e, ok := f.informers[info.GroupVersionResource]; ok {
		inf, ok := e.inf.(*Informer[T])
		if !ok {
			return nil, fmt.Errorf("informer for %s as %v: the factory has one for it as %v", info.GroupVersionResource, typ, e.typ)
		}
		return inf, nil
	}
	r := NewResource[T, PT](f.c, info)
	if info.Namespaced && f.opts.Namespace != "" {
		r = r.Namespace(f.opts.Namespace)
	}
	inf := NewInformer(r, InformerOptions{
		ResyncPeriod: f.opts.ResyncPeriod,
		MinBackoff:   f.opts.MinBackoff,
		MaxBackoff:   f.opts.MaxBackoff,
	})
	f.informers[info.GroupVersionResource] = &factoryEntry{typ: typ, inf: inf, syncer: inf}
	return inf, nil
}

// Start runs every informer not yet started, each on a goroutine of its own,
// until ctx is done. Call Shutdown after cancelling ctx to wait for them.
func (f *InformerFactory) Start(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.shutdown {
		return
	}
	for _, e := range f.informers {
		if e.started {
			continue
		}
		e.started = true
		inf := e.inf
		f.wg.Go(func() { _ = inf.Run(ctx) }) // Run fails only when run twice, which started prevents
	}
}

// WaitForCacheSync waits until every started informer has synced, and
// reports true; or until ctx is done, and reports false.
func (f *InformerFactory) WaitForCacheSync(ctx context.Context) bool {
	f.mu.Lock()
	var syncs []Syncer
	for _, e := range f.informers {
		if e.started {
			syncs = append(syncs, e.syncer)
		}
	}
	f.mu.Unlock()
	return WaitForCacheSync(ctx, syncs...)
}

// Shutdown stops handing out and starting informers, and waits for the
// started ones to return; cancel the context given to Start first, or it
// waits for ever.
func (f *InformerFactory) Shutdown() {
	f.mu.Lock()
	f.shutdown = true
	f.mu.Unlock()
	f.wg.Wait()
}
