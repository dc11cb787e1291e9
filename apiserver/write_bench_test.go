package apiserver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/internal/testpods"
)

// The write path's micro-benchmarks: the handler (ServeHTTP called
// directly, no net/http connection code, no client) over a real store/mvcc
// on a temporary directory, with many requests in flight so that the
// store's group commit batches them as under load. B/op and allocs/op
// (-benchmem) count every allocation of the process during the loop:
// handler, store writer and watch cache. cpu-µs/op is the process's CPU
// time (user + system) per request.
//
//	go test -run '^$' -bench 'BenchmarkWrite' -benchmem -benchtime 5000x -count 5 ./apiserver/

// benchPodBefore and benchPodAfter surround the name of the pod of
// bench/apiserver (as `kubectl run` or a Deployment would create it), in
// namespace bench; the pod object is left open after its spec.
const benchPodBefore, benchPodAfter = testpods.Before, testpods.After

// benchBody is a reusable request body.
type benchBody struct{ bytes.Reader }

func (*benchBody) Close() error { return nil }

// benchWriter is a reusable http.ResponseWriter that keeps the last
// answer.
type benchWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *benchWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(b)
}

func (w *benchWriter) reset() {
	clear(w.h)
	w.code = 0
	w.body.Reset()
}

// benchClient sends requests straight to a Server's ServeHTTP, reusing its
// request, body and writer: one goroutine uses it.
type benchClient struct {
	s    *Server
	req  *http.Request
	body benchBody
	w    benchWriter
	buf  []byte
}

func newBenchClient(s *Server, method, path string) *benchClient {
	c := &benchClient{s: s, w: benchWriter{h: http.Header{}}}
	c.req = httptest.NewRequest(method, path, nil)
	c.req.Header.Set("Content-Type", "application/json")
	c.req.Header.Set("Accept", "application/json")
	return c
}

// do sends body and returns the answer's code.
func (c *benchClient) do(body []byte) int {
	c.body.Reset(body)
	c.req.Body = &c.body
	c.req.ContentLength = int64(len(body))
	c.w.reset()
	c.s.ServeHTTP(&c.w, c.req)
	return c.w.code
}

// cpuNow is the process's CPU time so far.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchInFlight is how many requests the write benchmarks keep in flight
// (parallelism per GOMAXPROCS).
const benchInFlight = 32

func BenchmarkWritePodCreate(b *testing.B) { benchPodCreate(b, false) }

// BenchmarkWritePodCreateWatched is BenchmarkWritePodCreate with a watch of
// the namespace receiving every event (as the scheduler's and the
// kubelets' watches do in a cluster); cpu-µs/op includes sending them.
func BenchmarkWritePodCreateWatched(b *testing.B) { benchPodCreate(b, true) }

func benchPodCreate(b *testing.B, watched bool) {
	e := newEnv(b, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"metadata":{"name":"bench"}}`, nil)
	var w *frameCounter
	if watched {
		w = startFrameCounter(b, e.s, podsPath("bench")+"?watch=true&resourceVersion=0", b.N)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuNow()
	createBenchPods(b, e.s)
	if w != nil {
		w.wait(b)
	}
	b.ReportMetric(float64(cpuNow()-cpu0)/1e3/float64(b.N), "cpu-µs/op")
}

// createBenchPods creates b.N pods of bench/apiserver, named nginx-<n>, in
// namespace bench through s's handler, benchInFlight per GOMAXPROCS at a
// time (so that the store group-commits them as under load).
func createBenchPods(b *testing.B, s *Server) {
	var next atomic.Int64
	b.SetParallelism(benchInFlight)
	b.RunParallel(func(pb *testing.PB) {
		c := newBenchClient(s, "POST", podsPath("bench"))
		for pb.Next() {
			c.buf = append(c.buf[:0], benchPodBefore...)
			c.buf = strconv.AppendInt(append(c.buf, "nginx-"...), next.Add(1), 10)
			c.buf = append(c.buf, benchPodAfter...)
			c.buf = append(c.buf, '}')
			if code := c.do(c.buf); code != http.StatusCreated {
				b.Errorf("create: %d: %s", code, c.w.body.Bytes())
				return
			}
		}
	})
}

// BenchmarkWritePodStatus is the kubelet's status write: PUT of a whole
// pod to pods/{name}/status, each changing the status.
func BenchmarkWritePodStatus(b *testing.B) {
	e := newEnv(b, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"metadata":{"name":"bench"}}`, nil)
	// Each goroutine updates pods of its own, so that updates do not
	// conflict.
	const pods = 8
	goroutines := benchInFlight * runtime.GOMAXPROCS(0)
	name := func(g, i int) string { return "g" + strconv.Itoa(g) + "-" + strconv.Itoa(i) }
	create := newBenchClient(e.s, "POST", podsPath("bench"))
	for g := range goroutines {
		for i := range pods {
			if code := create.do([]byte(benchPodBefore + name(g, i) + benchPodAfter + "}")); code != http.StatusCreated {
				b.Fatalf("create: %d: %s", code, create.w.body.Bytes())
			}
		}
	}
	var nextG, seq atomic.Int64
	b.SetParallelism(benchInFlight)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuNow()
	b.RunParallel(func(pb *testing.PB) {
		g := int(nextG.Add(1)-1) % goroutines
		clients := make([]*benchClient, pods)
		names := make([]string, pods)
		for i := range pods {
			names[i] = name(g, i)
			clients[i] = newBenchClient(e.s, "PUT", podsPath("bench")+"/"+names[i]+"/status")
		}
		var buf []byte
		for i := 0; pb.Next(); i++ {
			k := i % pods
			buf = append(buf[:0], benchPodBefore...)
			buf = append(buf, names[k]...)
			buf = append(buf, benchPodAfter...)
			buf = append(buf, `,"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"message":"`...)
			buf = strconv.AppendInt(buf, seq.Add(1), 10)
			buf = append(buf, `","podIP":"10.0.0.1","hostIP":"192.168.0.1"}}`...)
			if code := clients[k].do(buf); code != http.StatusOK {
				b.Errorf("update status: %d: %s", code, clients[k].w.body.Bytes())
				return
			}
		}
	})
	b.ReportMetric(float64(cpuNow()-cpu0)/1e3/float64(b.N), "cpu-µs/op")
}
