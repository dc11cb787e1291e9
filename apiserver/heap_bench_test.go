package apiserver

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkHeapPerPod reports the live heap each stored pod costs the
// process (heap-B/pod): the watch cache's entry (the object packed, or
// decoded while its write is among the recent events) and JSON, the
// store's index, record cache and watch history, after b.N pods of
// bench/apiserver were created through the handler (benchInFlight per
// GOMAXPROCS at a time, so that writes are group-committed as under load).
// With watchers=1 a watch of the namespace receives every event, so that
// the cache encodes each object for it, as it does in a cluster where the
// scheduler and kubelets watch pods.
//
//	go test -run '^$' -bench 'BenchmarkHeapPerPod' -benchtime 20000x ./apiserver/
func BenchmarkHeapPerPod(b *testing.B) {
	for _, watchers := range []int{0, 1} {
		b.Run("watchers="+strconv.Itoa(watchers), func(b *testing.B) {
			e := newEnv(b, Options{})
			e.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"metadata":{"name":"bench"}}`, nil)
			var w *frameCounter
			if watchers > 0 {
				w = startFrameCounter(b, e.s, podsPath("bench")+"?watch=true&resourceVersion=0", b.N)
			}
			before := liveHeap()
			b.ResetTimer()
			createBenchPods(b, e.s)
			b.StopTimer()
			if w != nil {
				w.wait(b)
			}
			after := liveHeap()
			b.ReportMetric(float64(after-before)/float64(b.N), "heap-B/pod")
			if w != nil {
				w.stop()
			}
		})
	}
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// frameCounter is a watch client served by ServeHTTP in-process: it counts
// the frames of the stream and discards them.
type frameCounter struct {
	h      http.Header
	mu     sync.Mutex
	frames int
	want   int
	done   chan struct{} // closed once want frames arrived
	cancel context.CancelFunc
	exited chan struct{}
}

// startFrameCounter starts a watch of path that expects want frames.
func startFrameCounter(tb testing.TB, s *Server, path string, want int) *frameCounter {
	ctx, cancel := context.WithCancel(context.Background())
	fc := &frameCounter{h: http.Header{}, want: want, done: make(chan struct{}), cancel: cancel, exited: make(chan struct{})}
	req := httptest.NewRequest("GET", path, nil).WithContext(ctx)
	go func() {
		defer close(fc.exited)
		s.ServeHTTP(fc, req)
	}()
	tb.Cleanup(fc.stop)
	return fc
}

func (fc *frameCounter) Header() http.Header { return fc.h }
func (fc *frameCounter) WriteHeader(int)     {}
func (fc *frameCounter) Flush()              {}

func (fc *frameCounter) Write(b []byte) (int, error) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	before := fc.frames
	fc.frames += bytes.Count(b, []byte{'\n'})
	if before < fc.want && fc.frames >= fc.want {
		close(fc.done)
	}
	return len(b), nil
}

// wait waits until every expected frame arrived, for at most a minute.
func (fc *frameCounter) wait(tb testing.TB) {
	select {
	case <-fc.done:
	case <-time.After(time.Minute):
		fc.mu.Lock()
		defer fc.mu.Unlock()
		tb.Fatalf("watch received %d frames, want %d", fc.frames, fc.want)
	}
}

// stop ends the watch and waits for its handler to return.
func (fc *frameCounter) stop() {
	fc.cancel()
	<-fc.exited
}

var _ http.Flusher = (*frameCounter)(nil)
