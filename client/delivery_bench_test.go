package client

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// deliveryPod is a pod of about 1.3 KB, as a watch of pods sends them.
func deliveryPod(i int) string {
	return fmt.Sprintf(`{"metadata":{"name":"p-%d","namespace":"default","uid":"u-%d","resourceVersion":"%d",`+
		`"creationTimestamp":"2026-01-02T03:04:05Z","labels":{"app":"web"}},"spec":{"nodeName":"node-1",`+
		`"containers":[{"name":"app","image":"registry.local/app:1.0","resources":{"requests":{"cpu":"100m"}}}]},`+
		`"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-01-02T03:04:09Z"}],`+
		`"podIP":"10.244.0.%d","containerStatuses":[{"name":"app","ready":true,"restartCount":0,`+
		`"state":{"running":{"startedAt":"2026-01-02T03:04:08Z"}},"image":"registry.local/app:1.0","imageID":"sha256:0123"}]}}`,
		i, i, i, i%250)
}

// BenchmarkInProcessWatchDelivery measures how long a watch event takes
// from the API server handler's queue to the client's ResultChan, in bursts
// of 100 (100 pods changing at once), with two goroutines keeping both
// processors busy, as on a loaded node. The handler writes and flushes as
// apiserver's watch handler does.
func BenchmarkInProcessWatchDelivery(b *testing.B) {
	const burst = 100
	queue := make(chan int, 4*burst)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		write := func(i int) bool {
			_, err := fmt.Fprintf(w, `{"type":"MODIFIED","object":%s}`+"\n", deliveryPod(i))
			return err == nil
		}
		for {
			select {
			case i := <-queue:
				if !write(i) {
					return
				}
			drain:
				for range 100 {
					select {
					case i := <-queue:
						if !write(i) {
							return
						}
					default:
						break drain
					}
				}
				if rc.Flush() != nil {
					return
				}
			case <-r.Context().Done():
				return
			}
		}
	})
	pods, err := For[corev1.Pod](NewInProcess(h))
	if err != nil {
		b.Fatal(err)
	}
	w, err := pods.Watch(b.Context(), WatchOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()

	var stop atomic.Bool
	var load sync.WaitGroup
	for range 2 {
		load.Go(func() {
			x := 0
			for !stop.Load() {
				for range 100000 {
					x++
				}
			}
			_ = x
		})
	}
	defer func() { stop.Store(true); load.Wait() }()

	var lat []time.Duration
	sent := make([]time.Time, burst)
	next := 0
	for b.Loop() {
		for k := range burst {
			sent[k] = time.Now()
			queue <- next + k
		}
		for k := range burst {
			ev := <-w.ResultChan()
			if ev.Object == nil || ev.Object.ResourceVersion != strconv.Itoa(next+k) {
				b.Fatalf("event %d: %+v", next+k, ev)
			}
			lat = append(lat, time.Since(sent[k]))
		}
		next += burst
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
