package kubelet_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

// BenchmarkPodStartup measures pod startup latency through a real
// in-process API server and the kubelet on the fake runtime (no real
// processes): from the pod's creation to the kubelet reporting it Running
// and Ready, one pod at a time. It reports p50 and p99 in ms.
func BenchmarkPodStartup(b *testing.B) {
	ctx := b.Context()
	env, err := envtest.New(ctx, envtest.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { env.Close() })
	k, err := kubelet.New(kubelet.Config{NodeName: "bench", Client: env.Client, Runtime: fake.New(fake.Options{MaxCalls: -1}),
		RootDir: b.TempDir(), Capacity: corev1.ResourceList{corev1.ResourcePods: mustQ("100000")}})
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- k.Run(runCtx) }()
	b.Cleanup(func() { cancel(); <-done })

	pods, _ := client.For[corev1.Pod](env.Client)
	pods = pods.Namespace("default")
	w, err := pods.Watch(ctx, client.WatchOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("p%d", i)
		start := time.Now()
		_, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{NodeName: "bench", Containers: []corev1.Container{{Name: "app", Image: "x"}}}}, client.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for ev := range w.ResultChan() {
			if p := ev.Object; p != nil && p.Name == name && p.Status.Phase == corev1.PodRunning && cond(p, corev1.PodReady) == corev1.ConditionTrue {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkPodStartupBatch100 creates 100 pods at once and measures each
// one's latency from its creation to Running and Ready, on the fake
// runtime. Each iteration is one batch; p50 and p99 are over all pods.
func BenchmarkPodStartupBatch100(b *testing.B) {
	ctx := b.Context()
	env, err := envtest.New(ctx, envtest.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { env.Close() })
	k, err := kubelet.New(kubelet.Config{NodeName: "bench", Client: env.Client, Runtime: fake.New(fake.Options{MaxCalls: -1}),
		RootDir: b.TempDir(), Capacity: corev1.ResourceList{corev1.ResourcePods: mustQ("100000")}})
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- k.Run(runCtx) }()
	b.Cleanup(func() { cancel(); <-done })
	pods, _ := client.For[corev1.Pod](env.Client)
	pods = pods.Namespace("default")
	w, err := pods.Watch(ctx, client.WatchOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	var lat []time.Duration
	batch := 0
	for b.Loop() {
		created := map[string]time.Time{}
		for i := range 100 {
			name := fmt.Sprintf("b%d-%d", batch, i)
			created[name] = time.Now()
			_, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec: corev1.PodSpec{NodeName: "bench", Containers: []corev1.Container{{Name: "app", Image: "x"}}}}, client.CreateOptions{})
			if err != nil {
				b.Fatal(err)
			}
		}
		for ev := range w.ResultChan() {
			p := ev.Object
			if p == nil || p.Status.Phase != corev1.PodRunning || cond(p, corev1.PodReady) != corev1.ConditionTrue {
				continue
			}
			if t, ok := created[p.Name]; ok {
				lat = append(lat, time.Since(t))
				delete(created, p.Name)
			}
			if len(created) == 0 {
				break
			}
		}
		batch++
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
