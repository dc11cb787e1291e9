package process

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

// BenchmarkContainerStart measures CreateContainer+StartContainer until
// the container's process runs (StartContainer returns once the target
// was exec'd), one at a time and 100 at once (in 100 pods), and reports
// the p50 and p99 latencies. Pod reports the same for a whole pod:
// RunPodSandbox, CreateContainer and StartContainer, with PID mode Pod
// (a pause process); PodPIDContainer with PID mode Container, the
// kubelet's default (no pause process). cpu-us/start is the runtime's
// CPU time (all its threads, user and system) per start; cpu-us/remove
// the same for RemovePodSandbox (or RemoveContainer) afterwards.
func BenchmarkContainerStart(b *testing.B) {
	for _, bc := range []struct {
		name     string
		parallel int
		withPod  bool
		pidMode  kubelet.NamespaceMode
	}{
		{"Serial", 1, false, kubelet.NamespaceModePod}, {"Parallel100", 100, false, kubelet.NamespaceModePod},
		{"PodSerial", 1, true, kubelet.NamespaceModePod}, {"PodParallel100", 100, true, kubelet.NamespaceModePod},
		{"PodPIDContainerSerial", 1, true, kubelet.NamespaceModeContainer},
		{"PodPIDContainerParallel100", 100, true, kubelet.NamespaceModeContainer},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := newTestRuntime(b, Options{})
			ctx := context.Background()
			type pod struct {
				id  string
				cfg *kubelet.PodSandboxConfig
			}
			pods := make([]pod, bc.parallel)
			if !bc.withPod {
				for i := range pods {
					cfg := sandboxConfig(b, fmt.Sprintf("bench%d", i))
					pods[i] = pod{runSandbox(b, r, cfg), cfg}
				}
			}
			var lat []time.Duration
			var mu sync.Mutex
			var startCPU, stopCPU time.Duration // the process's CPU time (all threads) in the timed and the untimed part
			b.ResetTimer()
			for b.Loop() {
				cpu0 := processCPU(b)
				var wg sync.WaitGroup
				ids := make([]string, bc.parallel)
				for i := range bc.parallel {
					wg.Go(func() {
						start := time.Now()
						p := pods[i]
						if bc.withPod {
							p.cfg = sandboxConfig(b, fmt.Sprintf("bench%d", i))
							p.cfg.Linux.Namespaces.PID = bc.pidMode
							id, err := r.RunPodSandbox(ctx, p.cfg)
							if err != nil {
								b.Error(err)
								return
							}
							p.id = id
						}
						id, err := r.CreateContainer(ctx, p.id, shContainer("c", "exec sleep 1000"), p.cfg)
						if err == nil {
							err = r.StartContainer(ctx, id)
						}
						if err != nil {
							b.Error(err)
							return
						}
						d := time.Since(start)
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
						if bc.withPod {
							ids[i] = p.id
						} else {
							ids[i] = id
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				cpu1 := processCPU(b)
				startCPU += cpu1 - cpu0
				for _, id := range ids {
					var err error
					if bc.withPod {
						err = r.RemovePodSandbox(ctx, id)
					} else {
						err = r.RemoveContainer(ctx, id)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				stopCPU += processCPU(b) - cpu1
				b.StartTimer()
			}
			slices.Sort(lat)
			if n := len(lat); n > 0 {
				b.ReportMetric(float64(startCPU.Microseconds())/float64(n), "cpu-us/start")
				b.ReportMetric(float64(stopCPU.Microseconds())/float64(n), "cpu-us/remove")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}

// processCPU returns the CPU time (user and system) that the process's
// threads used so far. Work the kernel does elsewhere (in kworkers, in the
// started children) is not counted.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkListPodSandbox measures what a kubelet starting 100 pods at
// once asks of the runtime before each RunPodSandbox: 100 concurrent
// ListPodSandbox calls, each for one pod's labels and state Ready, over
// 100 sandboxes. One op is the 100 calls.
func BenchmarkListPodSandbox(b *testing.B) {
	const n = 100
	r := newTestRuntime(b, Options{})
	ctx := context.Background()
	for i := range n {
		cfg := sandboxConfig(b, fmt.Sprintf("bench%d", i))
		cfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
		id := runSandbox(b, r, cfg)
		b.Cleanup(func() { _ = r.RemovePodSandbox(context.Background(), id) })
	}
	ready := kubelet.SandboxReady
	for b.Loop() {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				want := fmt.Sprintf("bench%d", i)
				l, err := r.ListPodSandbox(ctx, &kubelet.PodSandboxFilter{State: &ready, LabelSelector: map[string]string{"app": want}})
				if err != nil {
					b.Error(err)
					return
				}
				if len(l) != 1 || l[0].Metadata.Name != want {
					b.Errorf("ListPodSandbox(app=%s) = %d sandboxes, want 1 named %s", want, len(l), want)
				}
			})
		}
		wg.Wait()
	}
}
