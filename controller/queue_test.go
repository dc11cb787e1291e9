package controller

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// waitFor polls cond until it holds or a 10 s deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

func newTestQueue(t *testing.T, opts QueueOptions) *Queue[string] {
	q := NewQueue[string](opts)
	t.Cleanup(q.ShutDown)
	return q
}

func TestQueueDeduplicates(t *testing.T) {
	q := newTestQueue(t, QueueOptions{})
	q.Add("a")
	q.Add("a")
	q.Add("b")
	if got := q.Len(); got != 2 {
		t.Fatalf("Len after adding a, a, b = %d, want 2", got)
	}
	a, _ := q.Get()
	q.Add("a") // while a is processed: held back until Done
	q.Add("a")
	if got := q.Len(); got != 1 {
		t.Fatalf("Len with a processing and re-added = %d, want 1", got)
	}
	b, _ := q.Get()
	q.Done(b)
	q.Done(a)
	var got []string
	for q.Len() > 0 {
		item, _ := q.Get()
		got = append(got, item)
		q.Done(item)
	}
	if diff := cmp.Diff([]string{"a"}, got); diff != "" {
		t.Errorf("items after Done (-want +got):\n%s", diff)
	}
}

func TestQueueNeverProcessesOneKeyTwiceAtOnce(t *testing.T) {
	q := NewQueue[string](QueueOptions{})
	keys := []string{"k0", "k1", "k2"}
	var active [3]atomic.Int32
	var violations, processed atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				item, shutdown := q.Get()
				if shutdown {
					return
				}
				i := int(item[1] - '0')
				if active[i].Add(1) > 1 {
					violations.Add(1)
				}
				processed.Add(1)
				active[i].Add(-1)
				q.Done(item)
			}
		})
	}
	for i := range 3000 {
		q.Add(keys[i%3])
	}
	q.ShutDownWithDrain()
	wg.Wait()
	if v := violations.Load(); v != 0 {
		t.Errorf("%d times a key was processed by two workers at once", v)
	}
	if processed.Load() == 0 {
		t.Error("nothing processed")
	}
}

func TestExponentialRateLimiter(t *testing.T) {
	r := NewExponentialRateLimiter(DefaultBaseDelay, DefaultMaxDelay)
	var got []time.Duration
	for range 5 {
		got = append(got, r.When("x"))
	}
	want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delays (-want +got):\n%s", diff)
	}
	for range 30 {
		r.When("x")
	}
	if d := r.When("x"); d != DefaultMaxDelay {
		t.Errorf("delay after 36 tries = %v, want cap %v", d, DefaultMaxDelay)
	}
	if n := r.NumRequeues("x"); n != 36 {
		t.Errorf("NumRequeues = %d, want 36", n)
	}
	r.Forget("x")
	if d := r.When("x"); d != DefaultBaseDelay {
		t.Errorf("delay after Forget = %v, want %v", d, DefaultBaseDelay)
	}
}

func TestBucketRateLimiter(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	r := NewBucketRateLimiter(DefaultQPS, DefaultQueueBurst, clock)
	for i := range DefaultQueueBurst {
		if d := r.When(i); d != 0 {
			t.Fatalf("try %d within burst waits %v, want 0", i, d)
		}
	}
	got := []time.Duration{r.When("a"), r.When("b")}
	if diff := cmp.Diff([]time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, got); diff != "" {
		t.Errorf("waits past the burst (-want +got):\n%s", diff)
	}
	clock.Step(10 * time.Second) // refills 100 tokens, minus the 2 borrowed
	if d := r.When("c"); d != 0 {
		t.Errorf("wait after refill = %v, want 0", d)
	}
}

func TestQueueBackoffOnFakeClock(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	q := newTestQueue(t, QueueOptions{Clock: clock, RateLimiter: NewExponentialRateLimiter(5*time.Millisecond, time.Second)})
	for try, delay := range []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond} {
		q.AddRateLimited("x")
		if got := q.NumRequeues("x"); got != try+1 {
			t.Fatalf("NumRequeues = %d, want %d", got, try+1)
		}
		waitFor(t, "delay loop arms its timer", func() bool { return clock.Waiters() > 0 })
		clock.Step(delay - time.Millisecond)
		if q.Len() != 0 {
			t.Fatalf("try %d: item queued %v before its %v backoff", try, delay-time.Millisecond, delay)
		}
		clock.Step(time.Millisecond)
		waitFor(t, "item queued after backoff", func() bool { return q.Len() == 1 })
		item, _ := q.Get()
		q.Done(item)
	}
	q.Forget("x")
	if got := q.NumRequeues("x"); got != 0 {
		t.Errorf("NumRequeues after Forget = %d, want 0", got)
	}
}

func TestQueueAddAfterKeepsEarliest(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	q := newTestQueue(t, QueueOptions{Clock: clock})
	q.AddAfter("x", time.Minute)
	q.AddAfter("x", time.Second)
	q.AddAfter("y", 0)
	waitFor(t, "y queued at once", func() bool { return q.Len() == 1 })
	clock.Step(time.Second)
	waitFor(t, "x queued after the earlier delay", func() bool { return q.Len() == 2 })
	clock.Step(time.Minute)
	if got := q.Len(); got != 2 {
		t.Errorf("Len after the later delay = %d, want 2 (x not added twice)", got)
	}
}

func TestQueueShutDown(t *testing.T) {
	q := NewQueue[string](QueueOptions{})
	q.Add("a")
	q.Add("b")
	held, _ := q.Get()
	drained := make(chan struct{})
	go func() {
		q.ShutDownWithDrain()
		close(drained)
	}()
	waitFor(t, "shutdown", q.ShuttingDown)
	q.Add("c") // ignored
	item, shutdown := q.Get()
	if shutdown || item != "b" {
		t.Fatalf("Get after ShutDown = %q, %v; want queued b, false", item, shutdown)
	}
	q.Done(item)
	select {
	case <-drained:
		t.Fatal("ShutDownWithDrain returned while an item was processed")
	default:
	}
	q.Done(held)
	<-drained
	if item, shutdown := q.Get(); !shutdown {
		t.Errorf("Get after drain = %q, false; want shutdown", item)
	}
}

// stepAfterNow is a FakeClock that steps itself by step right after the
// n-th call of Now returns: a test's Step landing between the delay loop
// reading the time and arming its timer.
type stepAfterNow struct {
	*FakeClock
	mu    sync.Mutex // guards calls and n
	calls int
	n     int
	step  time.Duration
}

func (c *stepAfterNow) Now() time.Time {
	now := c.FakeClock.Now()
	c.mu.Lock()
	c.calls++
	fire := c.calls == c.n
	c.mu.Unlock()
	if fire {
		c.FakeClock.Step(c.step)
	}
	return now
}

func (c *stepAfterNow) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

func TestQueueAddAfterSurvivesStepBeforeTimerIsArmed(t *testing.T) {
	clock := &stepAfterNow{FakeClock: NewFakeClock(time.Unix(1000, 0)), step: 10 * time.Second}
	q := newTestQueue(t, QueueOptions{Clock: clock})
	// The delay loop reads the time once when it starts, then waits; the
	// next two reads are AddAfter's (for readyAt) and the delay loop's
	// (before arming the timer), after which the clock reaches readyAt.
	waitFor(t, "delay loop started", func() bool { return clock.count() == 1 })
	clock.mu.Lock()
	clock.n = 3
	clock.mu.Unlock()
	q.AddAfter("a", 10*time.Second)
	waitFor(t, "item due at the stepped time", func() bool { return q.Len() == 1 })
	if got := clock.count(); got < 3 {
		t.Fatalf("Now called %d times, the step never happened", got)
	}
}

func TestFakeClockNewTimerAt(t *testing.T) {
	clock := NewFakeClock(time.Unix(1000, 0))
	at := clock.Now().Add(10 * time.Second)
	clock.Step(4 * time.Second)
	tm := clock.NewTimerAt(at)
	clock.Step(5 * time.Second)
	select {
	case <-tm.C():
		t.Fatal("timer fired 1 s before its time")
	default:
	}
	clock.Step(time.Second)
	select {
	case got := <-tm.C():
		if !got.Equal(at) {
			t.Errorf("timer delivered %v, want %v", got, at)
		}
	default:
		t.Fatal("timer did not fire at its time")
	}
	if past := clock.NewTimerAt(at); len(past.C()) != 1 {
		t.Error("a timer for a past time did not fire at once")
	}
}
