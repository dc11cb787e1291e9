package controller

import (
	"sync"
	"time"
)

// Clock is the time source of queues, rate limiters and leader election.
// RealClock is the wall clock; FakeClock is driven by tests.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once, d from now.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	// C delivers the time once the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

// RealClock is the Clock of package time.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

// NewTimerAt returns a time.Timer firing at t.
func (RealClock) NewTimerAt(t time.Time) Timer { return realTimer{time.NewTimer(time.Until(t))} }

// DeadlineClock is a Clock that arms a timer for an absolute time. With a
// relative NewTimer, a step of a fake clock that lands between reading
// Now and arming the timer delays the timer by the step; NewTimerAt has no
// such gap. RealClock and FakeClock implement it; queues use it when their
// Clock does (see TimerAt).
type DeadlineClock interface {
	Clock
	// NewTimerAt returns a timer that fires once the clock reads t or
	// later (at once when it already does).
	NewTimerAt(t time.Time) Timer
}

// TimerAt arms a timer of c for the absolute time t: through NewTimerAt
// when c is a DeadlineClock, else through NewTimer(t - c.Now()).
func TimerAt(c Clock, t time.Time) Timer {
	if dc, ok := c.(DeadlineClock); ok {
		return dc.NewTimerAt(t)
	}
	return c.NewTimer(t.Sub(c.Now()))
}

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// FakeClock is a Clock whose time moves only when Step or SetTime is
// called; timers due by then fire. Any goroutine may call any method.
type FakeClock struct {
	mu     sync.Mutex // guards now and timers
	now    time.Time
	timers []*fakeTimer
}

// NewFakeClock returns a FakeClock reading t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the fake time.
func (f *FakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a timer that fires when the fake time reaches now+d
// (at once when d <= 0).
func (f *FakeClock) NewTimer(d time.Duration) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.timerAtLocked(f.now.Add(d))
}

// NewTimerAt returns a timer that fires when the fake time reaches t (at
// once when it already has).
func (f *FakeClock) NewTimerAt(t time.Time) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.timerAtLocked(t)
}

func (f *FakeClock) timerAtLocked(at time.Time) *fakeTimer {
	t := &fakeTimer{clock: f, at: at, c: make(chan time.Time, 1)}
	if !at.After(f.now) {
		t.c <- f.now
		return t
	}
	f.timers = append(f.timers, t)
	return t
}

// Step moves the fake time forward by d and fires the timers due.
func (f *FakeClock) Step(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setLocked(f.now.Add(d))
}

// SetTime sets the fake time and fires the timers due.
func (f *FakeClock) SetTime(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setLocked(t)
}

// Waiters returns how many timers wait to fire; tests wait for a goroutine
// to arm its timer before stepping.
func (f *FakeClock) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

func (f *FakeClock) setLocked(t time.Time) {
	f.now = t
	kept := f.timers[:0]
	for _, tm := range f.timers {
		if !tm.at.After(t) {
			tm.c <- t
			continue
		}
		kept = append(kept, tm)
	}
	clear(f.timers[len(kept):])
	f.timers = kept
}

type fakeTimer struct {
	clock *FakeClock
	at    time.Time
	c     chan time.Time
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	f := t.clock
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, tm := range f.timers {
		if tm == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			return true
		}
	}
	return false
}

var (
	_ DeadlineClock = RealClock{}
	_ DeadlineClock = (*FakeClock)(nil)
)
