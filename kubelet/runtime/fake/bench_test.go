package fake

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/kubelet"
)

// node is one simulated kubelet's work: pods sandboxes of one container
// each, created, started and checked once, as a kubelet's first sync does.
func node(ctx context.Context, rt *Runtime, pods int) error {
	for p := range pods {
		name := fmt.Sprintf("pod-%d", p)
		sbConfig := &kubelet.PodSandboxConfig{
			Metadata: kubelet.PodSandboxMetadata{Name: name, Namespace: "default", UID: name},
			Labels:   map[string]string{"app": "bench"},
		}
		sb, err := rt.RunPodSandbox(ctx, sbConfig)
		if err != nil {
			return err
		}
		id, err := rt.CreateContainer(ctx, sb, &kubelet.ContainerConfig{
			Metadata: kubelet.ContainerMetadata{Name: "app"},
			Image:    "app",
			Labels:   map[string]string{"app": "bench"},
		}, sbConfig)
		if err != nil {
			return err
		}
		if err := rt.StartContainer(ctx, id); err != nil {
			return err
		}
		st, err := rt.ContainerStatus(ctx, id)
		if err != nil {
			return err
		}
		if st.State != kubelet.ContainerRunning {
			return fmt.Errorf("container %s is %v", id, st.State)
		}
	}
	return nil
}

// BenchmarkCreateStartStatus measures one container's create, start and
// status in a runtime that holds 30 containers (a full node): each
// iteration also removes the oldest one.
func BenchmarkCreateStartStatus(b *testing.B) {
	ctx := context.Background()
	rt := New(Options{MaxCalls: -1})
	sbConfig := &kubelet.PodSandboxConfig{Metadata: kubelet.PodSandboxMetadata{Name: "p", Namespace: "default"}}
	sb, err := rt.RunPodSandbox(ctx, sbConfig)
	if err != nil {
		b.Fatal(err)
	}
	config := &kubelet.ContainerConfig{Metadata: kubelet.ContainerMetadata{Name: "c"}, Image: "app", Labels: map[string]string{"app": "x"}}
	var ring [30]string
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if old := ring[i%len(ring)]; old != "" {
			if err := rt.RemoveContainer(ctx, old); err != nil {
				b.Fatal(err)
			}
		}
		id, err := rt.CreateContainer(ctx, sb, config, sbConfig)
		if err != nil {
			b.Fatal(err)
		}
		ring[i%len(ring)] = id
		i++
		if err := rt.StartContainer(ctx, id); err != nil {
			b.Fatal(err)
		}
		if _, err := rt.ContainerStatus(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkThousandNodes hosts 1,000 runtimes of 30 pods (one container
// each) in one process, on one fake clock, every container set to exit
// after an hour: it reports the time to create them all, the heap they
// hold, and the goroutines and timers they cost (none).
func BenchmarkThousandNodes(b *testing.B) {
	const nodes, pods = 1000, 30
	ctx := context.Background()
	for b.Loop() {
		clock := controller.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		opts := Options{
			Clock:    clock,
			Images:   map[string]Behavior{"app": {Mode: Exit, After: time.Hour}},
			MaxCalls: -1,
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		goroutines := runtime.NumGoroutine()
		start := time.Now()
		rts := make([]*Runtime, nodes)
		for i := range rts {
			rts[i] = New(opts)
			if err := node(ctx, rts[i], pods); err != nil {
				b.Fatal(err)
			}
		}
		took := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(took.Milliseconds()), "ms-to-create")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-heap")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(nodes*pods), "B/pod")
		b.ReportMetric(float64(runtime.NumGoroutine()-goroutines), "goroutines")
		b.ReportMetric(float64(clock.Waiters()), "timers")

		// An hour later every container has exited, with no timer fired.
		clock.Step(time.Hour)
		exited := kubelet.ContainerExited
		for _, rt := range rts {
			list, err := rt.ListContainers(ctx, &kubelet.ContainerFilter{State: &exited})
			if err != nil || len(list) != pods {
				b.Fatalf("%d exited containers, %v; want %d", len(list), err, pods)
			}
		}
		runtime.KeepAlive(rts)
	}
}

// TestThousandNodesCostNoTimers checks the promise the scale benchmark
// measures: containers whatever their behaviour arm no timer.
func TestThousandNodesCostNoTimers(t *testing.T) {
	clock := controller.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	opts := Options{Clock: clock, MaxCalls: -1, Behavior: func(c *kubelet.ContainerConfig) Behavior {
		return Behavior{Mode: Mode(len(c.Metadata.Name) % 4), After: time.Minute, IgnoreStopSignal: true}
	}}
	for range 100 {
		rt := New(opts)
		for p := range 30 {
			sb, err := rt.RunPodSandbox(t.Context(), &kubelet.PodSandboxConfig{Metadata: kubelet.PodSandboxMetadata{Name: "p", Namespace: "n"}})
			if err != nil {
				t.Fatal(err)
			}
			id, err := rt.CreateContainer(t.Context(), sb, &kubelet.ContainerConfig{Metadata: kubelet.ContainerMetadata{Name: fmt.Sprint(p * 7)}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			_ = rt.StartContainer(t.Context(), id) // FailStart fails here, as scripted
		}
	}
	if n := clock.Waiters(); n != 0 {
		t.Errorf("%d timers armed by 3,000 containers; want none", n)
	}
}

// BenchmarkRelist measures what a kubelet's relist costs on one node of 30
// pods: one ListPodSandbox and one ListContainers.
func BenchmarkRelist(b *testing.B) {
	ctx := context.Background()
	rt := New(Options{MaxCalls: -1})
	if err := node(ctx, rt, 30); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sbs, err := rt.ListPodSandbox(ctx, nil)
		if err != nil || len(sbs) != 30 {
			b.Fatalf("%d sandboxes, %v", len(sbs), err)
		}
		cs, err := rt.ListContainers(ctx, nil)
		if err != nil || len(cs) != 30 {
			b.Fatalf("%d containers, %v", len(cs), err)
		}
	}
}
