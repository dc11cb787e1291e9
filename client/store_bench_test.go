package client

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/internal/gcbench"
)

// BenchmarkIndexerMark reports what a full garbage collection costs per
// cached pod (gc-ns/pod) for an Indexer holding 100,000 pods in 10
// namespaces on 1,000 nodes, indexed by namespace and by node as the
// scheduler's and kubelets' informers index them: the cache's own
// structures, the pods (which a cluster's heap holds anyway) being
// measured before they are added.
//
//	go test -run '^$' -bench IndexerMark -benchtime 1x ./client/
func BenchmarkIndexerMark(b *testing.B) {
	const n = 100000
	pods := make([]*corev1.Pod, n)
	for i := range pods {
		pods[i] = &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%d", i%10), Name: fmt.Sprintf("pod-%06d", i)},
			Spec:       corev1.PodSpec{NodeName: fmt.Sprintf("node-%04d", i%1000)},
		}
	}
	gcTime := func() time.Duration { return gcbench.FullCollection(5) }
	for range b.N {
		base := gcTime()
		x, err := NewIndexer[corev1.Pod](Indexers[corev1.Pod]{PodNodeNameIndex: IndexPodsByNodeName})
		if err != nil {
			b.Fatal(err)
		}
		if err := x.Replace(pods); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(gcTime()-base)/n, "gc-ns/pod")
		runtime.KeepAlive(x)
	}
	runtime.KeepAlive(pods)
}
