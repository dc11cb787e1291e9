package raftstore

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/version"
)

// Flags that size the run; the defaults are the figures in RESULTS.md.
// Pass them after -args.
var (
	flagDuration  = flag.Duration("raftstore.duration", 5*time.Second, "how long each put and get row runs on each target")
	flagValueSize = flag.Int("raftstore.value", 1024, "value size in bytes")
	flagKeys      = flag.Int("raftstore.keys", 10000, "size of the key space puts rotate through")
	flagReaders   = flag.Int("raftstore.readers", 16, "concurrent readers of the get rows")
	flagFailovers = flag.Int("raftstore.failovers", 3, "leader kills measured per cluster kind")
	flagTargets   = flag.String("raftstore.targets", strings.Join(targetNames, ","), "comma-separated targets: "+strings.Join(targetNames, ", "))
)

// The targets, in column order. Every one is a 3-member cluster on
// loopback in this process; see README.md.
var targetNames = []string{"raftstore", "raftstore-fwd", "raftstore-bolt", "etcd"}

// clientCounts are the concurrencies of the put rows.
var clientCounts = []int{1, 16, 256}

// row is one measured figure set, for the closing table.
type row struct {
	name, target string
	ops          int
	errors       int
	elapsed      time.Duration
	p50, p99     time.Duration
	cpu          time.Duration // process CPU time over the row
}

var (
	resultsMu sync.Mutex
	results   []row
	loadStart string
)

func record(r row) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	results = append(results, r)
}

// BenchmarkRaftstore starts every selected cluster (fresh, in a temporary
// directory) and runs every row on each in turn, so that changes in the
// machine's load touch all of them alike; the failover rows then start
// and kill clusters of their own. Run it once (-benchtime 1x): each row
// times itself with the -raftstore.* flags and reports its figures with
// ReportMetric; TestMain prints them all as one table.
func BenchmarkRaftstore(b *testing.B) {
	ctx := b.Context()
	names, err := selected()
	if err != nil {
		b.Fatal(err)
	}
	value := make([]byte, *flagValueSize)
	_, _ = rand.Read(value)

	type running struct {
		name string
		c    cluster
		put  target // the client writes go through
		get  target // the client linearizable reads go through
	}
	var targets []running
	for _, name := range names {
		dir := b.TempDir()
		var c cluster
		switch name {
		case "raftstore", "raftstore-fwd":
			c, err = startRaft(ctx, dir, raftOptions{})
		case "raftstore-bolt":
			c, err = startRaft(ctx, dir, raftOptions{bolt: true})
		case "etcd":
			c, err = startEtcd(ctx, dir)
		}
		if err != nil {
			b.Fatalf("start %s: %v", name, err)
		}
		b.Cleanup(func() {
			if err := c.close(); err != nil {
				b.Errorf("close %s: %v", name, err)
			}
		})
		l, err := c.leader(ctx)
		if err != nil {
			b.Fatal(err)
		}
		r := running{name: name, c: c, put: c.target(l), get: c.target(l)}
		if name == "raftstore-fwd" {
			// Through a follower: every write is forwarded to the leader
			// over the replica's gRPC service, and every read asks the
			// leader for a read index, a loopback hop as etcd's client has.
			r.put = c.target((l + 1) % members)
			r.get = r.put
		}
		targets = append(targets, r)
	}

	for _, n := range clientCounts {
		b.Run(fmt.Sprintf("put/clients=%d", n), func(b *testing.B) {
			for _, t := range targets {
				b.Run(t.name, func(b *testing.B) {
					r := load(ctx, b, n, *flagDuration, func(ctx context.Context, i int64) error {
						return t.put.put(ctx, fmt.Sprintf("bench/k%05d", i%int64(*flagKeys)), value)
					})
					r.name, r.target = fmt.Sprintf("put, %d clients", n), t.name
					record(r)
					report(b, r, "puts/s")
				})
			}
		})
	}
	b.Run(fmt.Sprintf("get/clients=%d", *flagReaders), func(b *testing.B) {
		for _, t := range targets {
			b.Run(t.name, func(b *testing.B) {
				r := load(ctx, b, *flagReaders, *flagDuration, func(ctx context.Context, i int64) error {
					return t.get.get(ctx, fmt.Sprintf("bench/k%05d", i%int64(*flagKeys)))
				})
				r.name, r.target = fmt.Sprintf("linearizable get, %d clients", *flagReaders), t.name
				record(r)
				report(b, r, "gets/s")
			})
		}
	})
	b.Run("failover", func(b *testing.B) {
		for _, name := range names {
			if name == "raftstore-fwd" {
				continue // the same cluster as raftstore
			}
			b.Run(name, func(b *testing.B) {
				var ds []time.Duration
				for range *flagFailovers {
					d, err := failover(ctx, b.TempDir(), name, value)
					if err != nil {
						b.Fatal(err)
					}
					ds = append(ds, d)
				}
				slices.Sort(ds)
				var sum time.Duration
				for _, d := range ds {
					sum += d
				}
				r := row{name: "leader killed → first write acknowledged", target: name, ops: len(ds), elapsed: sum / time.Duration(len(ds)), p50: ds[0], p99: ds[len(ds)-1]}
				record(r)
				b.ReportMetric(ms(r.elapsed), "mean-ms")
				b.ReportMetric(ms(r.p50), "min-ms")
				b.ReportMetric(ms(r.p99), "max-ms")
			})
		}
	})
}

// selected returns the targets named by -raftstore.targets.
func selected() ([]string, error) {
	var out []string
	for name := range strings.SplitSeq(*flagTargets, ",") {
		if !slices.Contains(targetNames, name) {
			return nil, fmt.Errorf("unknown target %q (want some of %v)", name, targetNames)
		}
		out = append(out, name)
	}
	return out, nil
}

// load runs op from n goroutines for d and returns the operations done,
// their latencies' p50 and p99 (nearest rank), and the process's CPU time.
// i numbers the operations across goroutines. A failed operation counts
// as an error and is not timed; more than 1% of them fails the row.
func load(ctx context.Context, b *testing.B, n int, d time.Duration, op func(ctx context.Context, i int64) error) row {
	var next, failed atomic.Int64
	lat := make([][]time.Duration, n)
	var firstErr atomic.Value
	ctx, cancel := context.WithTimeout(ctx, d+time.Minute)
	defer cancel()
	cpu0 := cpuTime()
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for g := range n {
		wg.Go(func() {
			for time.Now().Before(end) {
				i := next.Add(1)
				t0 := time.Now()
				if err := op(ctx, i); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					if ctx.Err() != nil {
						return
					}
					continue
				}
				lat[g] = append(lat[g], time.Since(t0))
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	r := row{elapsed: el, cpu: cpuTime() - cpu0, errors: int(failed.Load())}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	r.ops = len(all)
	if len(all) > 0 {
		r.p50 = all[(len(all)-1)/2]
		r.p99 = all[(len(all)*99+99)/100-1]
	}
	if r.ops == 0 || r.errors*100 > r.ops {
		b.Fatalf("%d operations, %d failed (first: %v)", r.ops, r.errors, firstErr.Load())
	}
	return r
}

func report(b *testing.B, r row, unit string) {
	b.ReportMetric(float64(r.ops)/r.elapsed.Seconds(), unit)
	b.ReportMetric(ms(r.p50), "p50-ms")
	b.ReportMetric(ms(r.p99), "p99-ms")
	b.ReportMetric(r.cpu.Seconds()/r.elapsed.Seconds(), "cpu-s/s")
	if r.errors > 0 {
		b.ReportMetric(float64(r.errors), "errors")
	}
}

// failover starts a fresh cluster of kind in dir, writes through a
// follower 100 times, kills the leader and returns the time from the kill
// to the first write through that follower that succeeds.
func failover(ctx context.Context, dir, kind string, value []byte) (time.Duration, error) {
	var c cluster
	var err error
	switch kind {
	case "raftstore":
		c, err = startRaft(ctx, dir, raftOptions{})
	case "raftstore-bolt":
		c, err = startRaft(ctx, dir, raftOptions{bolt: true})
	case "etcd":
		c, err = startEtcd(ctx, dir)
	}
	if err != nil {
		return 0, err
	}
	l, err := c.leader(ctx)
	if err != nil {
		return 0, errors.Join(err, c.close())
	}
	f := c.target((l + 1) % members)
	for i := range 100 {
		if err := f.put(ctx, fmt.Sprintf("bench/warm%d", i), value); err != nil {
			return 0, errors.Join(err, c.close())
		}
	}
	// From the kill on, a new write through the follower starts every
	// 20 ms (none is cut short: each may take up to 10 s), so the first
	// success is seen within 20 ms of when the cluster could first take
	// one, whatever each store does with a write that arrives while
	// there is no leader.
	t0 := time.Now()
	if err := c.kill(l); err != nil {
		return 0, errors.Join(err, c.close())
	}
	actx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	done := make(chan time.Duration, 1)
	var wg sync.WaitGroup
	tick := time.NewTicker(20 * time.Millisecond)
	var d time.Duration
	for i := 0; d == 0; i++ {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(actx, 10*time.Second)
			defer cancel()
			if err := f.put(pctx, fmt.Sprintf("bench/after%d", i), value); err == nil {
				select {
				case done <- time.Since(t0):
				default:
				}
			}
		})
		select {
		case d = <-done:
		case <-tick.C:
		case <-actx.Done():
			tick.Stop()
			cancel()
			wg.Wait()
			return 0, errors.Join(fmt.Errorf("%s: no write acknowledged %v after the leader was killed", kind, time.Since(t0)), c.close())
		}
	}
	tick.Stop()
	cancel()
	wg.Wait()
	return d, c.close()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime returns the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) in parens.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	var ut, st int64
	_, _ = fmt.Sscan(f[11], &ut)
	_, _ = fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ is 100 on Linux
}

// loadAverage returns /proc/loadavg's three load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return fmt.Sprintf("unknown (%v)", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return string(b)
	}
	return strings.Join(f[:3], " ")
}

func TestMain(m *testing.M) {
	flag.Parse()
	loadStart = loadAverage()
	code := m.Run()
	if len(results) > 0 {
		printTable(os.Stdout)
	}
	os.Exit(code)
}

// printTable prints every row as a markdown table: one line per row and
// target.
func printTable(w io.Writer) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\n%s, %s %s/%s, GOMAXPROCS=%d, NumCPU=%d, etcd %s (embedded), host %s\n", time.Now().UTC().Format(time.RFC3339), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.NumCPU(), version.Version, host)
	fmt.Fprintf(w, "load average at start: %s; at end: %s\n\n", loadStart, loadAverage())
	fmt.Fprintln(w, "| row | target | ops/s | p50 | p99 | CPU s/s | errors |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|")
	for _, r := range results {
		if strings.HasPrefix(r.name, "leader killed") {
			fmt.Fprintf(w, "| %s | %s | mean %.0f ms of %d | min %.0f ms | max %.0f ms | | |\n", r.name, r.target, ms(r.elapsed), r.ops, ms(r.p50), ms(r.p99))
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %.0f | %s | %s | %.2f | %d |\n", r.name, r.target, float64(r.ops)/r.elapsed.Seconds(), fmtDur(r.p50), fmtDur(r.p99), r.cpu.Seconds()/r.elapsed.Seconds(), r.errors)
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", ms(d))
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", ms(d))
	}
	return fmt.Sprintf("%.0f ms", ms(d))
}
