package mvcc

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// BenchmarkPutParallel measures durable (fsync'd) single-key writes from 1,
// 16 and 256 concurrent goroutines. Group commit makes throughput grow
// with concurrency: the puts/s metric is the one to compare, and
// writes/commit says how many writes shared each fsync.
//
//	go test -run '^$' -bench BenchmarkPutParallel -benchtime 2000x ./store/mvcc/
func BenchmarkPutParallel(b *testing.B) {
	value := bytes.Repeat([]byte("v"), 256)
	for _, g := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			s := openTest(b, Options{})
			ctx := b.Context()
			var next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, g)
			b.ResetTimer()
			start := time.Now()
			for range g {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						if _, err := s.Put(ctx, fmt.Sprintf("/registry/pods/ns/pod-%d", i), value, store.PutOptions{}); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "puts/s")
			b.ReportMetric(float64(b.N)/float64(s.commits.Load()), "writes/commit")
		})
	}
}

// BenchmarkGetParallel measures reads of the latest value of random keys
// among 10,000, from all CPUs, with the record cache on (the default) and
// off.
func BenchmarkGetParallel(b *testing.B) {
	for _, c := range []struct {
		name  string
		bytes int
	}{{"cache=on", 0}, {"cache=off", -1}} {
		b.Run(c.name, func(b *testing.B) {
			s := openTest(b, Options{CacheBytes: c.bytes})
			ctx := b.Context()
			const keys = 10000
			fill(b, s, keys)
			var n atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := n.Add(7919)
				for pb.Next() {
					i += 7919
					if _, err := s.Get(ctx, fmt.Sprintf("/registry/pods/ns/pod-%05d", i%keys), store.ReadOptions{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// fill writes n keys with 256-byte values, 100 per transaction.
func fill(b *testing.B, s *Store, n int) {
	value := bytes.Repeat([]byte("v"), 256)
	for i := 0; i < n; i += 100 {
		ops := make([]store.Op, 100)
		for j := range ops {
			ops[j] = store.Op{Type: store.OpPut, Key: fmt.Sprintf("/registry/pods/ns/pod-%05d", i+j), Value: value}
		}
		if _, err := s.Txn(b.Context(), store.Txn{Then: ops}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList measures a List of 500 keys (a page) out of 10,000 under
// one prefix, with the record cache on and off.
func BenchmarkList(b *testing.B) {
	for _, c := range []struct {
		name  string
		bytes int
	}{{"cache=on", 0}, {"cache=off", -1}} {
		b.Run(c.name, func(b *testing.B) {
			s := openTest(b, Options{CacheBytes: c.bytes})
			ctx := b.Context()
			fill(b, s, 10000)
			b.ResetTimer()
			for b.Loop() {
				r, err := s.List(ctx, "/registry/pods/", store.ListOptions{Limit: 500})
				if err != nil || len(r.KVs) != 500 {
					b.Fatal(len(r.KVs), err)
				}
			}
		})
	}
}

// BenchmarkCreateParallel measures durable Creates of new keys with
// 2 KiB values (the size of a pod) from 100 concurrent goroutines, as an
// API server under 100 clients issues them, with the write-ahead log off
// (each batch a bbolt commit: two fdatasyncs and the dirty pages) and on
// (each batch one log append and one fdatasync). It reports creates/s,
// the p50 and p99 latency of one Create, the process CPU per Create and
// the writes sharing each fsync.
//
//	go test -run '^$' -bench BenchmarkCreateParallel -benchtime 20000x ./store/mvcc/
func BenchmarkCreateParallel(b *testing.B) {
	value := bytes.Repeat([]byte("p"), 2048)
	for _, writers := range []int{1, 100} {
		for _, c := range []struct {
			name     string
			wal      bool
			interval time.Duration
			pageSize int
		}{
			{"wal=off", false, 0, 0},
			{"wal=off/page=8192", false, 0, 8192},
			{"wal=on/sync=10ms", true, 10 * time.Millisecond, 0},
			{"wal=on/sync=100ms", true, 100 * time.Millisecond, 0},
		} {
			b.Run(fmt.Sprintf("writers=%d/%s", writers, c.name), func(b *testing.B) {
				s := openTest(b, Options{WriteAheadLog: c.wal, SyncInterval: c.interval, PageSize: c.pageSize})
				ctx := b.Context()
				var next atomic.Int64
				var wg sync.WaitGroup
				errs := make(chan error, writers)
				lat := make([][]time.Duration, writers)
				b.ResetTimer()
				cpu0, start, commits0, written0 := processCPU(), time.Now(), s.commits.Load(), bytesWritten()
				for g := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1)
							if i > int64(b.N) {
								return
							}
							t0 := time.Now()
							if _, err := s.Create(ctx, fmt.Sprintf("/registry/pods/ns/pod-%d", i), value, store.PutOptions{}); err != nil {
								errs <- err
								return
							}
							lat[g] = append(lat[g], time.Since(t0))
						}
					}()
				}
				wg.Wait()
				elapsed, cpu, written := time.Since(start), processCPU()-cpu0, bytesWritten()-written0
				b.StopTimer()
				close(errs)
				for err := range errs {
					b.Fatal(err)
				}
				var all []time.Duration
				for _, l := range lat {
					all = append(all, l...)
				}
				slices.Sort(all)
				pct := func(p int) float64 { return float64(all[(len(all)-1)*p/100].Microseconds()) / 1000 }
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
				b.ReportMetric(pct(50), "p50-ms")
				b.ReportMetric(pct(99), "p99-ms")
				b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
				if c := s.commits.Load() - commits0; c > 0 {
					b.ReportMetric(float64(b.N)/float64(c), "writes/commit")
				}
				if written >= 0 {
					b.ReportMetric(float64(written)/float64(b.N), "written-B/op")
				}
			})
		}
	}
}

// bytesWritten returns the bytes the process has passed to write calls
// (wchar in /proc/self/io), or -1 where that file cannot be read.
func bytesWritten() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// processCPU returns the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
