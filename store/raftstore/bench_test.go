package raftstore

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// BenchmarkPut measures 1 KiB puts through the leader of a 3-replica
// loopback cluster (raft log on bbolt with fsync) with 1, 16 and 256
// concurrent clients; it reports puts/s and p50/p99 latency.
func BenchmarkPut(b *testing.B) {
	for _, clients := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			c := newCluster(b, 3)
			lead := c.waitLeader()
			val := make([]byte, 1024)
			var next atomic.Int64
			lat := make([][]time.Duration, clients)
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for g := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						t0 := time.Now()
						if _, err := lead.Put(context.Background(), fmt.Sprintf("k%d", i%1000), val, store.PutOptions{}); err != nil {
							b.Error(err)
							return
						}
						lat[g] = append(lat[g], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			el := time.Since(start)
			b.StopTimer()
			var all []time.Duration
			for _, l := range lat {
				all = append(all, l...)
			}
			sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
			if len(all) > 0 {
				b.ReportMetric(float64(len(all))/el.Seconds(), "puts/s")
				b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}

// BenchmarkGet measures linearizable gets on a follower (ReadIndex from
// the leader) with 16 clients.
func BenchmarkGet(b *testing.B) {
	c := newCluster(b, 3)
	f := c.nodes[c.follower()]
	if _, err := f.Put(context.Background(), "k", make([]byte, 1024), store.PutOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.Get(context.Background(), "k", store.ReadOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "gets/s")
}

// BenchmarkFailover measures the time from killing the leader to the
// first write acknowledged by the new one.
func BenchmarkFailover(b *testing.B) {
	for range b.N {
		b.StopTimer()
		c := newCluster(b, 3)
		l := c.waitLeader()
		i := indexOf(c, l)
		f := c.nodes[(i+1)%3]
		b.StartTimer()
		t0 := time.Now()
		c.stop(i)
		if _, err := f.Put(context.Background(), "after", []byte("x"), store.PutOptions{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(t0).Milliseconds()), "failover-ms")
		b.StopTimer()
		c.closeAll()
	}
}
