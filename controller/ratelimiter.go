package controller

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter decides how long an item waits before it is retried.
// Implementations must be safe for use by many goroutines.
type RateLimiter interface {
	// When returns how long to wait before item's next try, and counts
	// the try.
	When(item any) time.Duration
	// Forget clears item's count of tries: it succeeded.
	Forget(item any)
	// NumRequeues returns how many tries of item were counted.
	NumRequeues(item any) int
}

// Defaults of DefaultRateLimiter, as client-go's
// DefaultControllerRateLimiter.
const (
	DefaultBaseDelay  = 5 * time.Millisecond
	DefaultMaxDelay   = 1000 * time.Second
	DefaultQPS        = 10
	DefaultQueueBurst = 100
)

// ExponentialRateLimiter delays each item base * 2^tries, at most max.
type ExponentialRateLimiter struct {
	base, max time.Duration

	mu    sync.Mutex // guards tries
	tries map[any]int
}

// NewExponentialRateLimiter returns a per-item exponential limiter.
func NewExponentialRateLimiter(base, max time.Duration) *ExponentialRateLimiter {
	return &ExponentialRateLimiter{base: base, max: max, tries: map[any]int{}}
}

// When returns base * 2^n for the item's nth try, at most max.
func (r *ExponentialRateLimiter) When(item any) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.tries[item]
	r.tries[item] = n + 1
	d := float64(r.base) * math.Pow(2, float64(n))
	if d > float64(r.max) {
		return r.max
	}
	return time.Duration(d)
}

// Forget clears item's count.
func (r *ExponentialRateLimiter) Forget(item any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.tries, item)
}

// NumRequeues returns item's count.
func (r *ExponentialRateLimiter) NumRequeues(item any) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries[item]
}

// BucketRateLimiter is a token bucket over all items: qps tokens a second,
// at most burst at once. Its time comes from a Clock.
type BucketRateLimiter struct {
	limiter *rate.Limiter
	clock   Clock
}

// NewBucketRateLimiter returns a token bucket of qps and burst on clock
// (RealClock when nil).
func NewBucketRateLimiter(qps float64, burst int, clock Clock) *BucketRateLimiter {
	if clock == nil {
		clock = RealClock{}
	}
	return &BucketRateLimiter{limiter: rate.NewLimiter(rate.Limit(qps), burst), clock: clock}
}

// When takes a token and returns how long until it is available.
func (r *BucketRateLimiter) When(any) time.Duration {
	now := r.clock.Now()
	return r.limiter.ReserveN(now, 1).DelayFrom(now)
}

// Forget does nothing: the bucket is not per item.
func (r *BucketRateLimiter) Forget(any) {}

// NumRequeues returns 0: the bucket is not per item.
func (r *BucketRateLimiter) NumRequeues(any) int { return 0 }

// MaxOfRateLimiter waits the longest of its limiters.
type MaxOfRateLimiter []RateLimiter

// When returns the longest wait of every limiter (each counts the try).
func (m MaxOfRateLimiter) When(item any) time.Duration {
	var d time.Duration
	for _, r := range m {
		d = max(d, r.When(item))
	}
	return d
}

// Forget forgets item in every limiter.
func (m MaxOfRateLimiter) Forget(item any) {
	for _, r := range m {
		r.Forget(item)
	}
}

// NumRequeues returns the largest count of every limiter.
func (m MaxOfRateLimiter) NumRequeues(item any) int {
	n := 0
	for _, r := range m {
		n = max(n, r.NumRequeues(item))
	}
	return n
}

// DefaultRateLimiter returns client-go's default controller limiter:
// per-item exponential backoff of 5 ms doubling to 1000 s, and an overall
// token bucket of 10 qps with a burst of 100, whichever waits longer,
// on clock (RealClock when nil).
func DefaultRateLimiter(clock Clock) RateLimiter {
	return MaxOfRateLimiter{
		NewExponentialRateLimiter(DefaultBaseDelay, DefaultMaxDelay),
		NewBucketRateLimiter(DefaultQPS, DefaultQueueBurst, clock),
	}
}
