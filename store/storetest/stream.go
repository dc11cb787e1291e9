package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// errStreamClosed reports a watch channel closed without a final error.
var errStreamClosed = errors.New("watch channel closed without a final response")

// stream reads one watch and checks, response by response, what holds for
// every watch: events in revision order, none at or below a revision that a
// progress notification already vouched for, and response revisions not
// below their events. Its methods are for one goroutine at a time.
type stream struct {
	ch     <-chan store.WatchResponse
	cancel context.CancelFunc
	what   string // "watch "a/" from revision 3", for messages
	// last is the revision of the latest event read.
	last int64
	// progress is the revision of the latest progress notification read.
	progress int64
}

// watch starts a watch that ends with the test (or with stream.cancel).
func (h *harness) watch(prefix string, opts store.WatchOptions) *stream {
	h.t.Helper()
	ctx, cancel := context.WithCancel(h.ctx)
	h.t.Cleanup(cancel)
	ch, err := h.s.Watch(ctx, prefix, opts)
	what := fmt.Sprintf("watch %q from revision %d", prefix, opts.Revision)
	if err != nil {
		cancel()
		h.t.Fatalf("%s: %v", what, err)
	}
	if ch == nil {
		cancel()
		h.t.Fatalf("%s: nil channel and no error", what)
	}
	return &stream{ch: ch, cancel: cancel, what: what}
}

// check applies the per-response rules to r and advances last and
// progress.
func (s *stream) check(r store.WatchResponse) error {
	if r.IsProgressNotify() {
		if r.Revision < s.last {
			return fmt.Errorf("%s: progress notification at revision %d after an event at revision %d", s.what, r.Revision, s.last)
		}
		s.progress = max(s.progress, r.Revision)
		return nil
	}
	for _, e := range r.Events {
		rev := e.KV.ModRevision
		switch {
		case rev <= 0:
			return fmt.Errorf("%s: event %v %q with mod revision %d", s.what, e.Type, e.KV.Key, rev)
		case rev < s.last:
			return fmt.Errorf("%s: event %v %q at revision %d after an event at revision %d", s.what, e.Type, e.KV.Key, rev, s.last)
		case rev <= s.progress:
			return fmt.Errorf("%s: event %v %q at revision %d after a progress notification at revision %d", s.what, e.Type, e.KV.Key, rev, s.progress)
		}
		s.last = rev
	}
	if r.Revision < s.last {
		return fmt.Errorf("%s: response revision %d below its events' revision %d", s.what, r.Revision, s.last)
	}
	return nil
}

// until reads until it has seen an event at revision last or later, and
// returns every event read, whole responses included: an event the caller
// did not expect in the last response shows up in its comparison. It
// returns an error wrapping the final response's Err if the stream ends,
// errStreamClosed if the channel closes without one, and an error if the
// rules of check are broken or timeout passes.
func (s *stream) until(last int64, timeout time.Duration) ([]store.Event, error) {
	return s.read(nil, last, timeout)
}

// read is until with a revision that may not be known yet: when target is
// not nil, read collects events until a revision arrives on target and
// then until that revision, timeout counting from its arrival.
func (s *stream) read(target <-chan int64, last int64, timeout time.Duration) ([]store.Event, error) {
	var deadline <-chan time.Time
	if target == nil {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		deadline = timer.C
	} else {
		last = math.MaxInt64
	}
	var got []store.Event
	for s.last < last {
		select {
		case l := <-target:
			last, target = l, nil
			timer := time.NewTimer(timeout)
			defer timer.Stop()
			deadline = timer.C
		case r, ok := <-s.ch:
			if !ok {
				return got, fmt.Errorf("%s: after %d events (last at revision %d), waiting for revision %d: %w", s.what, len(got), s.last, last, errStreamClosed)
			}
			if r.Err != nil {
				return append(got, r.Events...), fmt.Errorf("%s: ended after %d events (last at revision %d), waiting for revision %d: %w", s.what, len(got), s.last, last, r.Err)
			}
			if err := s.check(r); err != nil {
				return got, err
			}
			got = append(got, r.Events...)
		case <-deadline:
			return got, fmt.Errorf("%s: no event at revision %d within %v; got %d events, the last at revision %d", s.what, last, timeout, len(got), s.last)
		}
	}
	return got, nil
}

// collector reads a stream on its own goroutine, so that the stream is
// never a slow reader, until it is told the last revision to expect.
type collector struct {
	target chan int64
	done   chan struct{}
	events []store.Event // set when done is closed
	err    error         // set when done is closed
}

// collect starts reading s on a new goroutine; call finish to end it. The
// goroutine also ends with an error if the watch ends first.
func (s *stream) collect(timeout time.Duration) *collector {
	c := &collector{target: make(chan int64, 1), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.events, c.err = s.read(c.target, 0, timeout)
	}()
	return c
}

// finish tells the collector the last revision to read up to and returns
// what it read, as until does.
func (c *collector) finish(last int64) ([]store.Event, error) {
	c.target <- last
	<-c.done
	return c.events, c.err
}

// mustUntil is until that fails the test on error.
func (h *harness) mustUntil(s *stream, last int64) []store.Event {
	h.t.Helper()
	got, err := s.until(last, eventTimeout)
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}

// next returns the next response. ok is false if the channel was closed;
// err is set on timeout.
func (s *stream) next(timeout time.Duration) (r store.WatchResponse, ok bool, err error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r, ok := <-s.ch:
		return r, ok, nil
	case <-timer.C:
		return store.WatchResponse{}, false, fmt.Errorf("%s: nothing received within %v", s.what, timeout)
	}
}

// closed waits until the channel is closed, discarding what comes before;
// it returns the final Err responses seen and an error on timeout.
func (s *stream) closed(timeout time.Duration) ([]error, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var errs []error
	for {
		select {
		case r, ok := <-s.ch:
			if !ok {
				return errs, nil
			}
			if r.Err != nil {
				errs = append(errs, r.Err)
			}
		case <-timer.C:
			return errs, fmt.Errorf("%s: channel not closed within %v", s.what, timeout)
		}
	}
}
