package framework

import (
	"context"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// DefaultParallelism is the parallelism of a zero Parallelizer:
// GOMAXPROCS at the time of the call.
func DefaultParallelism() int { return runtime.GOMAXPROCS(0) }

// Parallelizer runs pieces of work on a bounded number of goroutines.
// The zero value uses DefaultParallelism. It is safe for concurrent use.
type Parallelizer struct {
	// Parallelism is the number of goroutines; 0 means GOMAXPROCS.
	Parallelism int
}

// Until calls doWorkPiece(i) for each i in [0, pieces), on up to
// Parallelism goroutines, in chunks of about sqrt(pieces) so the
// goroutines share the work evenly, and returns when all calls have
// returned or, once ctx is cancelled, when the calls in flight have
// returned (the rest are not started). operation names the work for
// diagnostics. With one piece or a parallelism of 1, it runs on the
// caller's goroutine.
func (p Parallelizer) Until(ctx context.Context, pieces int, doWorkPiece func(piece int), operation string) {
	_ = operation
	if pieces <= 0 {
		return
	}
	workers := p.Parallelism
	if workers <= 0 {
		workers = DefaultParallelism()
	}
	workers = min(workers, pieces)
	if workers == 1 {
		for i := 0; i < pieces; i++ {
			if ctx.Err() != nil {
				return
			}
			doWorkPiece(i)
		}
		return
	}
	chunk := chunkSizeFor(pieces, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	work := func() {
		for ctx.Err() == nil {
			start := int(next.Add(int64(chunk))) - chunk
			if start >= pieces {
				return
			}
			for i := start; i < min(start+chunk, pieces); i++ {
				doWorkPiece(i)
			}
		}
	}
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// chunkSizeFor is Kubernetes' chunk size: sqrt(n), at most n/workers+1,
// at least 1.
func chunkSizeFor(n, workers int) int {
	s := int(math.Sqrt(float64(n)))
	if r := n/workers + 1; s > r {
		s = r
	}
	return max(s, 1)
}

// ErrorChannel collects the first error of parallel work and cancels the
// work's context.
type ErrorChannel struct {
	once sync.Once
	err  *Status
}

// SendErrorWithCancel records s, if it is the first, and calls cancel.
func (e *ErrorChannel) SendErrorWithCancel(s *Status, cancel context.CancelFunc) {
	e.once.Do(func() { e.err = s })
	cancel()
}

// Status returns the first recorded status, or nil. Call it only after the
// parallel work has returned.
func (e *ErrorChannel) Status() *Status { return e.err }
