package mvcc

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
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
