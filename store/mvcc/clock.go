package mvcc

import (
	"sync"
	"time"
)

// Clock is the store's source of time: lease expiry and progress
// notifications read it, so tests can drive them without sleeping. The
// default is the real clock; FakeClock is a manual one.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTicker returns a ticker that sends the time on its channel every
	// d (d > 0), dropping ticks for a slow reader as time.Ticker does.
	NewTicker(d time.Duration) Ticker
}

// Ticker is a stoppable periodic tick, as time.Ticker.
type Ticker interface {
	// C returns the channel ticks are sent on.
	C() <-chan time.Time
	// Stop turns the ticker off; no tick is sent after it returns.
	Stop()
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (t realTicker) C() <-chan time.Time { return t.t.C }
func (t realTicker) Stop()               { t.t.Stop() }

// FakeClock is a Clock that moves only when told to, for deterministic tests
// of lease expiry and progress notifications. It is safe for concurrent use.
type FakeClock struct {
	mu sync.Mutex // guards now and tickers
	// now is the current fake time.
	now time.Time
	// tickers are the live tickers.
	tickers map[*fakeTicker]struct{}
}

// NewFakeClock returns a FakeClock set to start.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start, tickers: make(map[*fakeTicker]struct{})}
}

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTicker returns a ticker that fires when Advance moves the clock past
// each multiple of d from now. A d of zero or less is taken as one
// nanosecond rather than failing.
func (c *FakeClock) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		d = 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{clock: c, period: d, next: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.tickers[t] = struct{}{}
	return t
}

// Advance moves the clock forward by d and fires every ticker whose next
// tick is due; like time.Ticker, a ticker whose channel is full drops the
// tick, and one advance fires each ticker at most once.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.tickers {
		if c.now.Before(t.next) {
			continue
		}
		select {
		case t.ch <- c.now:
		default:
		}
		for !c.now.Before(t.next) {
			t.next = t.next.Add(t.period)
		}
	}
}

// fakeTicker is a ticker of a FakeClock.
type fakeTicker struct {
	clock  *FakeClock
	period time.Duration
	next   time.Time // guarded by clock.mu
	ch     chan time.Time
}

func (t *fakeTicker) C() <-chan time.Time { return t.ch }

func (t *fakeTicker) Stop() {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	delete(t.clock.tickers, t)
}
