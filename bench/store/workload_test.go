package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// The key prefixes of the workloads; each workload writes under its own.
const (
	putPrefix   = "/bench/put/"
	listPrefix  = "/bench/list/"
	watchPrefix = "/bench/watch/"
)

// sizes shape a run. The zero value is not useful: see defaultSizes.
type sizes struct {
	// duration is how long each put and get row keeps issuing requests,
	// and the least time the list rows keep listing.
	duration time.Duration
	// valueSize is the size of every value written, in bytes.
	valueSize int
	// keys is the size of the put key space and the number of keys
	// listed and read.
	keys int
	// page is the page size of the paginated list.
	page int64
	// minLists is the least number of full lists per list row.
	minLists int
	// writers are the concurrencies of the put rows.
	writers []int
	// readers is the concurrency of the get row.
	readers int
	// watchers, watchPuts and watchWriters shape the fan-out row: watchers
	// watch one prefix while watchWriters write watchPuts distinct keys.
	watchers, watchPuts, watchWriters int
	// watchTimeout bounds how long the fan-out row waits for deliveries.
	watchTimeout time.Duration
}

// opResult is what a put or get row measured.
type opResult struct {
	ops      int
	elapsed  time.Duration
	p50, p99 time.Duration
	cpu      time.Duration
}

func (r opResult) perSecond() float64 { return float64(r.ops) / r.elapsed.Seconds() }

// cpuPercent is the process CPU time used per wall time, in percent (of
// one core: 200 is both cores of a 2-core machine).
func (r opResult) cpuPercent() float64 { return 100 * r.cpu.Seconds() / r.elapsed.Seconds() }

// keyNames returns n keys under prefix, in byte order.
func keyNames(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s%06d", prefix, i)
	}
	return keys
}

// benchValue returns a value of n pseudo-random bytes, the same every run.
func benchValue(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	v := make([]byte, n)
	for i := range v {
		v[i] = byte('a' + r.IntN(26))
	}
	return v
}

// runPuts has writers goroutines put value at keys, in rotation, for d,
// and measures each put from call to return.
func runPuts(ctx context.Context, t target, writers int, d time.Duration, keys []string, value []byte) (opResult, error) {
	var next atomic.Int64
	lat := make([][]time.Duration, writers)
	cpu0, start := cpuTime(), time.Now()
	deadline := start.Add(d)
	g, ctx := errgroup.WithContext(ctx)
	for w := range writers {
		g.Go(func() error {
			for time.Now().Before(deadline) {
				key := keys[int(next.Add(1)-1)%len(keys)]
				t0 := time.Now()
				if _, err := t.put(ctx, key, value); err != nil {
					return fmt.Errorf("put %q: %w", key, err)
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
			return nil
		})
	}
	err := g.Wait()
	return summarize(lat, time.Since(start), cpuTime()-cpu0), err
}

// runGets has readers goroutines get random keys for d and measures each
// get from call to return.
func runGets(ctx context.Context, t target, readers int, d time.Duration, keys []string) (opResult, error) {
	lat := make([][]time.Duration, readers)
	cpu0, start := cpuTime(), time.Now()
	deadline := start.Add(d)
	g, ctx := errgroup.WithContext(ctx)
	for r := range readers {
		g.Go(func() error {
			rnd := rand.New(rand.NewPCG(uint64(r), 7))
			for time.Now().Before(deadline) {
				key := keys[rnd.IntN(len(keys))]
				t0 := time.Now()
				if err := t.get(ctx, key); err != nil {
					return fmt.Errorf("get %q: %w", key, err)
				}
				lat[r] = append(lat[r], time.Since(t0))
			}
			return nil
		})
	}
	err := g.Wait()
	return summarize(lat, time.Since(start), cpuTime()-cpu0), err
}

// runLists lists every key under prefix, in pages of page (0: one
// request), over and over for at least d and at least minLists times, and
// measures each full list. Each list must find want keys.
func runLists(ctx context.Context, t target, prefix string, page int64, want int, d time.Duration, minLists int) (opResult, error) {
	var lat []time.Duration
	cpu0, start := cpuTime(), time.Now()
	for len(lat) < minLists || time.Since(start) < d {
		t0 := time.Now()
		n, err := t.list(ctx, prefix, page)
		if err != nil {
			return opResult{}, fmt.Errorf("list %q in pages of %d: %w", prefix, page, err)
		}
		lat = append(lat, time.Since(t0))
		if n != want {
			return opResult{}, fmt.Errorf("list %q in pages of %d: got %d keys, want %d", prefix, page, n, want)
		}
	}
	return summarize([][]time.Duration{lat}, time.Since(start), cpuTime()-cpu0), nil
}

// populate writes value at every key, from 64 goroutines, unmeasured.
func populate(ctx context.Context, t target, keys []string, value []byte) error {
	var next atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	for range 64 {
		g.Go(func() error {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(keys) {
					return nil
				}
				if _, err := t.put(ctx, keys[i], value); err != nil {
					return fmt.Errorf("populate %q: %w", keys[i], err)
				}
			}
		})
	}
	return g.Wait()
}

func summarize(parts [][]time.Duration, elapsed, cpu time.Duration) opResult {
	all := latencies(parts)
	return opResult{
		ops:     len(all),
		elapsed: elapsed,
		p50:     percentile(all, 50),
		p99:     percentile(all, 99),
		cpu:     cpu,
	}
}

// watchResult is what the fan-out row measured.
type watchResult struct {
	watchers, puts int
	// events is the number of events delivered, all watchers together.
	events int
	// elapsed runs from the first put of the measured phase to the last
	// event received.
	elapsed time.Duration
	// putElapsed runs from the first put to the last put's return.
	putElapsed time.Duration
	// p50 and p99 are of the delay from a put's return to a watcher's
	// receipt of its event, over every (watcher, event) pair; a receipt
	// before the put returned counts as 0 (early counts those).
	p50, p99 time.Duration
	early    int
	// fromCallP50 and fromCallP99 are of the delay from the call of a put
	// to a watcher's receipt of its event: write plus delivery.
	fromCallP50, fromCallP99 time.Duration
	cpu                      time.Duration
}

func (r watchResult) eventsPerSecond() float64 { return float64(r.events) / r.elapsed.Seconds() }

func (r watchResult) cpuPercent() float64 { return 100 * r.cpu.Seconds() / r.elapsed.Seconds() }

// receipt is one event as a watcher received it.
type receipt struct {
	rev int64
	at  time.Duration // since the row's time base
}

// runWatch opens watchers watches on watchPrefix, puts one warm-up key and
// waits until every watcher has received it (so that no stream is still
// being set up), then has writers goroutines put puts distinct keys with
// value, and waits until every watcher has received every one of them.
func runWatch(ctx context.Context, t target, watchers, puts, writers int, value []byte, timeout time.Duration) (watchResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	base := time.Now()

	streams := make([]watchStream, watchers)
	for i := range streams {
		s, err := t.watch(ctx, watchPrefix)
		if err != nil {
			return watchResult{}, fmt.Errorf("open watcher %d of %d on %q: %w", i, watchers, watchPrefix, err)
		}
		streams[i] = s
	}

	// Each watcher takes the first event it sees as the warm-up put (the
	// first write under watchPrefix after every watch opened) and then
	// records the next puts events.
	var warm, done sync.WaitGroup
	warm.Add(watchers)
	done.Add(watchers)
	receipts := make([][]receipt, watchers)
	watchErrs := make([]error, watchers)
	for i, s := range streams {
		go func() {
			defer done.Done()
			warmed := false
			defer func() {
				if !warmed {
					warm.Done()
				}
			}()
			recs := make([]receipt, 0, puts)
			defer func() { receipts[i] = recs }()
			for len(recs) < puts {
				revs, err := s()
				if err != nil {
					if ctx.Err() == nil {
						watchErrs[i] = fmt.Errorf("watcher %d after %d events: %w", i, len(recs), err)
					}
					return
				}
				at := time.Since(base)
				for _, rev := range revs {
					if !warmed {
						warmed = true
						warm.Done()
						continue
					}
					recs = append(recs, receipt{rev, at})
				}
			}
		}()
	}
	stopWatchers := func() {
		cancel()
		done.Wait()
	}

	if _, err := t.put(ctx, watchPrefix+"warm-up", value); err != nil {
		stopWatchers()
		return watchResult{}, fmt.Errorf("put the warm-up key: %w", err)
	}
	if !waitFor(ctx, &warm, timeout) {
		stopWatchers()
		return watchResult{}, fmt.Errorf("not every one of %d watchers received the warm-up event within %v: %w", watchers, timeout, errors.Join(watchErrs...))
	}

	// The measured phase.
	keys := keyNames(watchPrefix, puts)
	type ack struct {
		rev          int64
		called, done time.Duration // since base
	}
	acks := make([][]ack, writers)
	var next atomic.Int64
	cpu0 := cpuTime()
	start := time.Since(base)
	g, gctx := errgroup.WithContext(ctx)
	for w := range writers {
		g.Go(func() error {
			for {
				i := int(next.Add(1) - 1)
				if i >= puts {
					return nil
				}
				called := time.Since(base)
				rev, err := t.put(gctx, keys[i], value)
				if err != nil {
					return fmt.Errorf("put %q: %w", keys[i], err)
				}
				acks[w] = append(acks[w], ack{rev, called, time.Since(base)})
			}
		})
	}
	if err := g.Wait(); err != nil {
		stopWatchers()
		return watchResult{}, err
	}
	putEnd := time.Since(base)
	if !waitFor(ctx, &done, timeout) {
		stopWatchers()
		got := 0
		for _, r := range receipts {
			got += len(r)
		}
		return watchResult{}, fmt.Errorf("%d watchers received %d of %d events within %v: %w", watchers, got, watchers*puts, timeout, errors.Join(watchErrs...))
	}
	cpu := cpuTime() - cpu0
	if err := errors.Join(watchErrs...); err != nil {
		return watchResult{}, err
	}

	ackOf := make(map[int64]ack, puts)
	for _, as := range acks {
		for _, a := range as {
			ackOf[a.rev] = a
		}
	}
	res := watchResult{watchers: watchers, puts: puts, putElapsed: putEnd - start, cpu: cpu}
	delays := make([]time.Duration, 0, watchers*puts)
	fromCall := make([]time.Duration, 0, watchers*puts)
	var last time.Duration
	for i, recs := range receipts {
		if len(recs) != puts {
			return watchResult{}, fmt.Errorf("watcher %d received %d events, want %d", i, len(recs), puts)
		}
		for j, r := range recs {
			a, ok := ackOf[r.rev]
			if !ok {
				return watchResult{}, fmt.Errorf("watcher %d received revision %d, which no measured put wrote", i, r.rev)
			}
			if j > 0 && r.rev <= recs[j-1].rev {
				return watchResult{}, fmt.Errorf("watcher %d received revision %d after %d", i, r.rev, recs[j-1].rev)
			}
			fromCall = append(fromCall, r.at-a.called)
			d := r.at - a.done
			if d < 0 {
				d = 0
				res.early++
			}
			delays = append(delays, d)
			last = max(last, r.at)
		}
	}
	slices.Sort(delays)
	res.events = len(delays)
	res.elapsed = last - start
	res.p50 = percentile(delays, 50)
	res.p99 = percentile(delays, 99)
	slices.Sort(fromCall)
	res.fromCallP50 = percentile(fromCall, 50)
	res.fromCallP99 = percentile(fromCall, 99)
	return res, nil
}

// waitFor waits for wg until timeout or ctx ends, and reports whether wg
// finished. When it did not, the goroutine waiting on wg stays until wg
// finishes: callers then cancel what wg counts.
func waitFor(ctx context.Context, wg *sync.WaitGroup, timeout time.Duration) bool {
	finished := make(chan struct{})
	go func() {
		wg.Wait()
		close(finished)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-finished:
		return true
	case <-timer.C:
		return false
	case <-ctx.Done():
		return false
	}
}
