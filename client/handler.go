package client

import (
	"context"
	"sync"
)

// Handler receives an informer's notifications. The objects are shared with
// the informer's cache and every other handler: never modify them; DeepCopy
// one first. The informer calls each handler's methods on a goroutine of
// that handler's own, one call at a time, in the order of the changes; a
// slow handler delays only itself (its notifications queue up without bound:
// see Registration.Pending).
type Handler[T any] interface {
	// OnAdd reports an object new to the cache. isInInitialList is true
	// for the objects of the informer's first list, and for the objects
	// replayed to a handler added after that.
	OnAdd(obj *T, isInInitialList bool)
	// OnUpdate reports a changed object, and on every resync period an
	// unchanged one (then oldObj == newObj).
	OnUpdate(oldObj, newObj *T)
	// OnDelete reports an object gone. When the deletion was seen as a
	// watch event, obj is the object's final state and finalStateUnknown
	// is false. When it was inferred, because the object was missing from
	// a relist after the watch fell too far behind (410 Gone), obj is the
	// last state the cache held, which may be stale, and finalStateUnknown
	// is true: Kubernetes' DeletedFinalStateUnknown tombstone.
	OnDelete(obj *T, finalStateUnknown bool)
}

// HandlerFuncs adapts functions to Handler; a nil function ignores its
// notifications.
type HandlerFuncs[T any] struct {
	AddFunc    func(obj *T, isInInitialList bool)
	UpdateFunc func(oldObj, newObj *T)
	DeleteFunc func(obj *T, finalStateUnknown bool)
}

// OnAdd calls AddFunc if it is set.
func (h HandlerFuncs[T]) OnAdd(obj *T, isInInitialList bool) {
	if h.AddFunc != nil {
		h.AddFunc(obj, isInInitialList)
	}
}

// OnUpdate calls UpdateFunc if it is set.
func (h HandlerFuncs[T]) OnUpdate(oldObj, newObj *T) {
	if h.UpdateFunc != nil {
		h.UpdateFunc(oldObj, newObj)
	}
}

// OnDelete calls DeleteFunc if it is set.
func (h HandlerFuncs[T]) OnDelete(obj *T, finalStateUnknown bool) {
	if h.DeleteFunc != nil {
		h.DeleteFunc(obj, finalStateUnknown)
	}
}

type notificationKind int

const (
	notifyAdd notificationKind = iota
	notifyUpdate
	notifyDelete
	notifySynced // not for the handler: marks the end of the initial list
)

type notification[T any] struct {
	kind     notificationKind
	old, obj *T
	flag     bool // isInInitialList or finalStateUnknown
}

// listener queues one handler's notifications and delivers them on its own
// goroutine, as client-go's processorListener does: add never blocks.
type listener[T any] struct {
	h Handler[T]

	mu    sync.Mutex // guards queue and head
	queue []notification[T]
	head  int // queue[head:] are pending

	wake   chan struct{} // capacity 1: a signal that queue is not empty
	stop   chan struct{} // closed by RemoveEventHandler
	synced chan struct{} // closed when the notifySynced marker is reached
	once   sync.Once     // closes stop
}

func newListener[T any](h Handler[T]) *listener[T] {
	return &listener[T]{
		h:      h,
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
		synced: make(chan struct{}),
	}
}

func (l *listener[T]) add(n notification[T]) {
	l.mu.Lock()
	l.queue = append(l.queue, n)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// take removes and returns the oldest pending notification.
func (l *listener[T]) take() (notification[T], bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.head == len(l.queue) {
		// Empty: reuse the array from the start.
		l.queue, l.head = l.queue[:0], 0
		return notification[T]{}, false
	}
	n := l.queue[l.head]
	l.queue[l.head] = notification[T]{} // let the objects go
	l.head++
	if l.head > 1024 && l.head*2 > len(l.queue) {
		// Mostly consumed: move the rest down so the array can shrink.
		l.queue = append(make([]notification[T], 0, len(l.queue)-l.head), l.queue[l.head:]...)
		l.head = 0
	}
	return n, true
}

func (l *listener[T]) pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue) - l.head
}

// run delivers notifications until ctx is done or the listener is stopped.
func (l *listener[T]) run(ctx context.Context) {
	for {
		n, ok := l.take()
		if !ok {
			select {
			case <-l.wake:
				continue
			case <-l.stop:
				return
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-l.stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		switch n.kind {
		case notifyAdd:
			l.h.OnAdd(n.obj, n.flag)
		case notifyUpdate:
			l.h.OnUpdate(n.old, n.obj)
		case notifyDelete:
			l.h.OnDelete(n.obj, n.flag)
		case notifySynced:
			close(l.synced)
		}
	}
}

// Registration is a handler added to an informer.
type Registration struct {
	pending func() int
	synced  <-chan struct{}
	stop    func()
}

// HasSynced reports whether the informer has synced and this handler has
// been called for every object of the initial list (or, for a handler added
// later, of the replay).
func (r *Registration) HasSynced() bool {
	select {
	case <-r.synced:
		return true
	default:
		return false
	}
}

// Synced returns a channel closed when HasSynced becomes true.
func (r *Registration) Synced() <-chan struct{} { return r.synced }

// Pending returns the number of notifications queued for this handler and
// not yet delivered: how far a slow handler is behind.
func (r *Registration) Pending() int { return r.pending() }
