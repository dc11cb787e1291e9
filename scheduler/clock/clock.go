// Package clock is the time source of the scheduler: the real clock, and a
// Fake one that tests advance by hand, so that backoff, flush intervals and
// permit timeouts can be tested step by step without sleeping.
package clock

import (
	"sort"
	"sync"
	"time"
)

// Clock tells the time and runs functions later.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f on its own goroutine once d has passed, unless
	// the returned Timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop cancels the call and reports whether it was still pending.
	Stop() bool
}

// Real is the system clock.
type Real struct{}

var _ Clock = Real{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Fake is a Clock whose time moves only when Step or SetTime is called.
// Functions scheduled with AfterFunc run, synchronously and in time order,
// inside the Step or SetTime call that reaches their time. It is safe for
// concurrent use.
type Fake struct {
	mu      sync.Mutex // guards now, pending, seq
	now     time.Time
	pending []*fakeTimer
	seq     int
}

var _ Clock = (*Fake)(nil)

// NewFake returns a Fake clock reading t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

type fakeTimer struct {
	c    *Fake
	at   time.Time
	seq  int
	f    func()
	done bool
}

// Now returns the fake time.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f for d after the fake time; d <= 0 runs it at the
// next Step.
func (c *Fake) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	c.pending = append(c.pending, t)
	return t
}

// Stop cancels the timer.
func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	return true
}

// Step advances the time by d and runs the functions that came due.
func (c *Fake) Step(d time.Duration) { c.SetTime(c.Now().Add(d)) }

// SetTime sets the time (it may not go backwards; an earlier t is
// ignored for timers) and runs the functions that came due, in order.
func (c *Fake) SetTime(t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	var due []*fakeTimer
	keep := c.pending[:0]
	for _, ft := range c.pending {
		switch {
		case ft.done:
		case !ft.at.After(c.now):
			ft.done = true
			due = append(due, ft)
		default:
			keep = append(keep, ft)
		}
	}
	c.pending = keep
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool {
		if !due[i].at.Equal(due[j].at) {
			return due[i].at.Before(due[j].at)
		}
		return due[i].seq < due[j].seq
	})
	for _, ft := range due {
		ft.f()
	}
}

// Pending returns the number of timers not yet run or stopped.
func (c *Fake) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, ft := range c.pending {
		if !ft.done {
			n++
		}
	}
	return n
}
