package apiserver

import (
	"net/http"
	"runtime"
	rtmetrics "runtime/metrics"
	"testing"

	"github.com/rigging-dev/rigging/internal/gcbench"
)

// BenchmarkGCScanPerPod reports what each stored pod costs every garbage
// collection cycle: scan-B/pod is the growth of the scannable heap (the
// bytes of heap objects that hold pointers, which each cycle's mark phase
// reads), objects/pod the growth of the number of live heap objects (each
// of which the mark phase visits: for the 2 KB JSON of a pod, about a
// quarter of a pod's marking time) and live-B/pod the growth of the live
// heap, after b.N pods of bench/apiserver were created through the
// handler (as BenchmarkHeapPerPod creates them) and two full collections.
// Unlike timings, these three are the same on a busy machine. gc-ns/pod is
// the timing: how much longer a full collection (the least of 7) takes
// with the pods stored, per pod; it needs a quiet machine.
//
//	go test -run '^$' -bench 'BenchmarkGCScanPerPod' -benchtime 80000x ./apiserver/
func BenchmarkGCScanPerPod(b *testing.B) {
	e := newEnv(b, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"metadata":{"name":"bench"}}`, nil)
	scan0, live0, objs0 := gcHeap()
	gc0 := gcbench.FullCollection(7)
	b.ResetTimer()
	createBenchPods(b, e.s)
	b.StopTimer()
	scan1, live1, objs1 := gcHeap()
	b.ReportMetric(float64(gcbench.FullCollection(7)-gc0)/float64(b.N), "gc-ns/pod")
	b.ReportMetric(float64(scan1-scan0)/float64(b.N), "scan-B/pod")
	b.ReportMetric(float64(live1-live0)/float64(b.N), "live-B/pod")
	b.ReportMetric(float64(objs1-objs0)/float64(b.N), "objects/pod")
}

// gcHeap returns the scannable and the live heap bytes and the live heap
// objects after two full collections.
func gcHeap() (scan, live, objects int64) {
	runtime.GC()
	runtime.GC()
	s := []rtmetrics.Sample{{Name: "/gc/scan/heap:bytes"}, {Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/objects:objects"}}
	rtmetrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64()), int64(s[2].Value.Uint64())
}
