package controller

import (
	"container/heap"
	"sync"
	"time"
)

// Queue is a rate-limited work queue, as client-go's workqueue: an item
// added while it waits is not added twice (deduplication), an item added
// while a worker processes it waits until that worker calls Done (so no
// two workers process one item at once), AddAfter delays an item on the
// queue's Clock and AddRateLimited delays it by its RateLimiter.
//
// A worker loops: item, shutdown := q.Get(); if shutdown, stop; process
// item; q.Done(item). Any goroutine may call any method.
type Queue[T comparable] struct {
	limiter RateLimiter
	clock   Clock
	metrics queueMetrics

	mu           sync.Mutex // guards the fields below
	cond         *sync.Cond // on mu: an item was queued, one was done, or shutdown
	queue        []T
	dirty        map[T]struct{} // items waiting in queue or to be requeued after Done
	processing   map[T]struct{} // items a worker holds
	shuttingDown bool

	waitAdd  chan waitItem[T] // to the delay loop
	stop     chan struct{}    // closed by ShutDown
	loopDone chan struct{}    // closed when the delay loop ends
}

// QueueOptions configure NewQueue; the zero value works.
type QueueOptions struct {
	// RateLimiter delays AddRateLimited. Default DefaultRateLimiter(Clock).
	RateLimiter RateLimiter
	// Clock times AddAfter. Default RealClock.
	Clock Clock
	// Name and Metrics, when Metrics is set, export the queue's depth,
	// adds and retries under label name=Name.
	Name    string
	Metrics *Metrics
}

// NewQueue returns a running queue; ShutDown stops it.
func NewQueue[T comparable](opts QueueOptions) *Queue[T] {
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.RateLimiter == nil {
		opts.RateLimiter = DefaultRateLimiter(opts.Clock)
	}
	q := &Queue[T]{
		limiter:    opts.RateLimiter,
		clock:      opts.Clock,
		metrics:    opts.Metrics.queue(opts.Name),
		dirty:      map[T]struct{}{},
		processing: map[T]struct{}{},
		waitAdd:    make(chan waitItem[T], 16),
		stop:       make(chan struct{}),
		loopDone:   make(chan struct{}),
	}
	q.cond = sync.NewCond(&q.mu)
	go q.delayLoop()
	return q
}

// Add queues item unless it is already waiting, or the queue is shutting
// down. If a worker holds item, it is queued again when the worker calls
// Done.
func (q *Queue[T]) Add(item T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shuttingDown {
		return
	}
	q.metrics.adds.Inc()
	if _, ok := q.dirty[item]; ok {
		return
	}
	q.dirty[item] = struct{}{}
	if _, ok := q.processing[item]; ok {
		return
	}
	q.queue = append(q.queue, item)
	q.metrics.depth.Inc()
	q.cond.Signal()
}

// Len returns how many items wait in the queue (not those delayed).
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

// Get blocks until an item is queued and hands it to the caller, who must
// call Done with it. After ShutDown it still hands out the items queued,
// then returns shutdown == true.
func (q *Queue[T]) Get() (item T, shutdown bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.queue) == 0 && !q.shuttingDown {
		q.cond.Wait()
	}
	if len(q.queue) == 0 {
		return item, true
	}
	item = q.queue[0]
	var zero T
	q.queue[0] = zero
	q.queue = q.queue[1:]
	q.metrics.depth.Dec()
	q.processing[item] = struct{}{}
	delete(q.dirty, item)
	return item, false
}

// Done tells the queue the worker is through with item; if item was added
// meanwhile, it is queued again.
func (q *Queue[T]) Done(item T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.processing, item)
	if _, ok := q.dirty[item]; ok {
		q.queue = append(q.queue, item)
		q.metrics.depth.Inc()
		q.cond.Signal()
	} else if len(q.processing) == 0 {
		q.cond.Broadcast() // ShutDownWithDrain may be waiting
	}
}

// AddAfter adds item once d has passed on the queue's clock; at once when
// d <= 0. Of several delays of one item, the earliest wins.
func (q *Queue[T]) AddAfter(item T, d time.Duration) {
	if d <= 0 {
		q.Add(item)
		return
	}
	w := waitItem[T]{item: item, readyAt: q.clock.Now().Add(d)}
	select {
	case q.waitAdd <- w:
	case <-q.stop:
	}
}

// AddRateLimited adds item after the wait its RateLimiter says, counting
// a retry.
func (q *Queue[T]) AddRateLimited(item T) {
	q.metrics.retries.Inc()
	q.AddAfter(item, q.limiter.When(item))
}

// Forget clears item's retry count in the RateLimiter: it succeeded.
func (q *Queue[T]) Forget(item T) { q.limiter.Forget(item) }

// NumRequeues returns how many times item was rate-limited since it was
// last forgotten.
func (q *Queue[T]) NumRequeues(item T) int { return q.limiter.NumRequeues(item) }

// ShutDown stops the queue taking items (delayed items are dropped) and
// wakes every Get: workers get the items still queued, then shutdown.
// It does not wait for them.
func (q *Queue[T]) ShutDown() {
	q.mu.Lock()
	if q.shuttingDown {
		q.mu.Unlock()
		<-q.loopDone
		return
	}
	q.shuttingDown = true
	close(q.stop)
	q.cond.Broadcast()
	q.mu.Unlock()
	<-q.loopDone
}

// ShutDownWithDrain shuts down as ShutDown, then waits until workers have
// taken every queued item and called Done for every item they hold.
func (q *Queue[T]) ShutDownWithDrain() {
	q.ShutDown()
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.queue) > 0 || len(q.processing) > 0 {
		q.cond.Wait()
	}
}

// ShuttingDown reports whether ShutDown was called.
func (q *Queue[T]) ShuttingDown() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shuttingDown
}

// delayLoop holds delayed items until they are due.
func (q *Queue[T]) delayLoop() {
	defer close(q.loopDone)
	var waiting waitHeap[T]
	index := map[T]*waitItem[T]{}
	for {
		now := q.clock.Now()
		for waiting.Len() > 0 && !waiting[0].readyAt.After(now) {
			w := heap.Pop(&waiting).(*waitItem[T])
			delete(index, w.item)
			q.Add(w.item)
		}
		var timerC <-chan time.Time
		var timer Timer
		if waiting.Len() > 0 {
			timer = TimerAt(q.clock, waiting[0].readyAt)
			timerC = timer.C()
		}
		select {
		case <-q.stop:
			if timer != nil {
				timer.Stop()
			}
			return
		case <-timerC:
		case w := <-q.waitAdd:
			if old, ok := index[w.item]; ok {
				if w.readyAt.Before(old.readyAt) {
					old.readyAt = w.readyAt
					heap.Fix(&waiting, old.index)
				}
			} else {
				nw := &w
				heap.Push(&waiting, nw)
				index[w.item] = nw
			}
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

type waitItem[T comparable] struct {
	item    T
	readyAt time.Time
	index   int
}

type waitHeap[T comparable] []*waitItem[T]

func (h waitHeap[T]) Len() int           { return len(h) }
func (h waitHeap[T]) Less(i, j int) bool { return h[i].readyAt.Before(h[j].readyAt) }
func (h waitHeap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waitHeap[T]) Push(x any) {
	w := x.(*waitItem[T])
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waitHeap[T]) Pop() any {
	old := *h
	n := len(old)
	w := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return w
}
