package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/process"
	"github.com/rigging-dev/rigging/scheduler"
)

// v1CgroupDirs returns where the process runtime puts the parallel tree of
// its cgroup root name on a hybrid host: name under this process's own
// cgroup in each cgroup v1 hierarchy with the cpu, memory or pids
// controller.
func v1CgroupDirs(name string) []string {
	self, _ := os.ReadFile("/proc/self/cgroup")
	own := map[string]string{} // controller -> this process's path
	for _, line := range strings.Split(string(self), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) == 3 && f[0] != "0" {
			for _, c := range strings.Split(f[1], ",") {
				own[c] = f[2]
			}
		}
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	var out []string
	for _, line := range strings.Split(string(mounts), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 3 || g[0] != "cgroup" {
			continue
		}
		for _, c := range []string{"cpu", "memory", "pids"} {
			if p, ok := own[c]; ok && slices.Contains(strings.Split(g[2], ","), c) {
				if f[3] != "/" {
					p = strings.TrimPrefix(p, f[3])
				}
				out = append(out, filepath.Join(f[4], p, name))
			}
		}
	}
	return out
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

// BenchmarkPodStartup measures pod startup latency on the process runtime:
// from the create call to the pod's status showing Running, and Ready,
// as seen by a watch. Pods run `sleep` on the host network (no image pull,
// as the Kubernetes SLO excludes pulls). "1" creates pods one after the
// other (20 of them, each waited for); "100" creates 100 at once.
func BenchmarkPodStartup(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("the process runtime needs root")
	}
	// As examples/cluster runs: one P more than Go would use, because
	// each container start holds a P, idle, until its child has exec'd
	// (see kubelet/runtime/process's package doc). GOMAXPROCS in the
	// environment still decides when it is set.
	if os.Getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1))
	}
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprint(batch), func(b *testing.B) {
			for range b.N {
				var mu sync.Mutex // guards created, createdRet, popped, bound
				created := map[string]time.Time{}
				createdRet := map[string]time.Time{}                            // pod name -> Create returned
				popped, bound := map[string]time.Time{}, map[string]time.Time{} // pod name -> the scheduler popped it, bound it
				env, ctx := startControlPlane(b, func(o scheduler.Outcome) {
					if o.Err == nil {
						mu.Lock()
						popped[o.Pod.Name], bound[o.Pod.Name] = o.Start, o.End
						mu.Unlock()
					}
				})
				dir := b.TempDir()
				rt, err := process.New(process.Options{RootDir: filepath.Join(dir, "runtime"), CgroupRoot: "/sys/fs/cgroup/unified/rigging-bench"})
				if err != nil {
					b.Fatal(err)
				}
				kctx, kcancel := context.WithCancel(ctx)
				g, gctx := errgroup.WithContext(kctx)
				trt := newTimedRuntime(rt)
				// The kubelet's own in-process client, through a handler
				// that times its status writes.
				st := newStatusTimer(env.Server)
				runKubelet(b, gctx, g, kubelet.Config{NodeName: "bench-node", Client: client.NewInProcess(st), Runtime: trt, RootDir: filepath.Join(dir, "kubelet")})
				waitNodes(b, ctx, env.Client, 1)
				w := watchPods(b, ctx, env.Client)
				pods, err := client.For[corev1.Pod](env.Client)
				if err != nil {
					b.Fatal(err)
				}
				create := func(name string) {
					p := &corev1.Pod{
						ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
						Spec: corev1.PodSpec{
							HostNetwork:                   true,
							TerminationGracePeriodSeconds: new(int64),
							Containers:                    []corev1.Container{{Name: "c", Image: "sleep", Command: []string{"sleep", "3600"}}},
						},
					}
					mu.Lock()
					created[name] = time.Now()
					mu.Unlock()
					if _, err := pods.Namespace("default").Create(ctx, p, client.CreateOptions{}); err != nil {
						b.Error(err)
					}
					mu.Lock()
					createdRet[name] = time.Now()
					mu.Unlock()
				}
				var ru0 syscall.Rusage
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
				wall0 := time.Now()
				b.ResetTimer()
				total := 0
				if batch == 1 {
					for i := range 20 {
						create(fmt.Sprintf("p-%03d", i))
						total++
						w.wait(b, ctx, total, true, 2*time.Minute)
					}
				} else {
					var cg sync.WaitGroup
					for i := range batch {
						cg.Add(1)
						go func() { defer cg.Done(); create(fmt.Sprintf("p-%03d", i)) }()
					}
					cg.Wait()
					total = batch
					w.wait(b, ctx, total, true, 5*time.Minute)
				}
				b.StopTimer()
				wall := time.Since(wall0)
				var ru1 syscall.Rusage
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
				var toRunning, toReady, toScheduled, toSandbox, sandbox, ctr, status []time.Duration
				var createCall, toPopped, toBound []time.Duration
				var putSent, put, watched []time.Duration
				mu.Lock()
				w.mu.Lock()
				trt.mu.Lock()
				puts := st.after(trt.ctrDone)
				for name, c := range created {
					createCall = append(createCall, createdRet[name].Sub(c))
					toPopped = append(toPopped, popped[name].Sub(c))
					toBound = append(toBound, bound[name].Sub(c))
					toRunning = append(toRunning, w.running[name].Sub(c))
					toReady = append(toReady, w.ready[name].Sub(c))
					toScheduled = append(toScheduled, w.scheduled[name].Sub(c))
					toSandbox = append(toSandbox, trt.sbStart[name].Sub(c))
					sandbox = append(sandbox, trt.sbDur[name])
					ctr = append(ctr, trt.ctrDur[name])
					status = append(status, w.running[name].Sub(trt.ctrDone[name]))
					if p := puts[name]; p != nil {
						putSent = append(putSent, p.start.Sub(trt.ctrDone[name]))
						put = append(put, p.end.Sub(p.start))
						watched = append(watched, w.running[name].Sub(p.end))
					}
				}
				trt.mu.Unlock()
				w.mu.Unlock()
				mu.Unlock()
				ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
				b.ReportMetric(ms(percentile(toRunning, 0.5)), "p50-running-ms")
				b.ReportMetric(ms(percentile(toRunning, 0.99)), "p99-running-ms")
				b.ReportMetric(ms(percentile(toReady, 0.5)), "p50-ready-ms")
				b.ReportMetric(ms(percentile(toReady, 0.99)), "p99-ready-ms")
				// Where the time goes (p50s): the create call's return,
				// create -> the scheduler popping the pod from its queue,
				// create -> its binding written, create -> scheduled (seen
				// by a watch), create -> the kubelet's RunPodSandbox call,
				// RunPodSandbox's duration, CreateContainer+StartContainer's,
				// StartContainer's return -> Running seen by a watch.
				b.ReportMetric(ms(percentile(createCall, 0.5)), "p50-create-call-ms")
				b.ReportMetric(ms(percentile(toPopped, 0.5)), "p50-popped-ms")
				b.ReportMetric(ms(percentile(toBound, 0.5)), "p50-bound-ms")
				b.ReportMetric(ms(percentile(toScheduled, 0.5)), "p50-scheduled-ms")
				b.ReportMetric(ms(percentile(toSandbox, 0.5)), "p50-sandbox-call-ms")
				b.ReportMetric(ms(percentile(sandbox, 0.5)), "p50-sandbox-ms")
				b.ReportMetric(ms(percentile(ctr, 0.5)), "p50-container-ms")
				b.ReportMetric(ms(percentile(status, 0.5)), "p50-status-ms")
				// The status stage in three: StartContainer's return -> the
				// kubelet's status write reaching the API server (the
				// kubelet's relist, status and request), the write in the
				// server (admission, store commit), the server's answer ->
				// Running seen by the watch (watch delivery).
				b.ReportMetric(ms(percentile(putSent, 0.5)), "p50-put-sent-ms")
				b.ReportMetric(ms(percentile(put, 0.5)), "p50-put-ms")
				b.ReportMetric(ms(percentile(watched, 0.5)), "p50-watch-ms")
				// CPU time of this process (user+system, all components)
				// per wall time of the timed part: how many CPUs it kept
				// busy (children and kernel threads not counted).
				cpu := time.Duration(ru1.Utime.Nano() - ru0.Utime.Nano() + ru1.Stime.Nano() - ru0.Stime.Nano())
				b.ReportMetric(float64(cpu)/float64(wall), "cpu-busy")
				// Remove the pods' processes and cgroups before the next round.
				if err := pods.Namespace("default").DeleteCollection(ctx, metav1.DeleteOptions{}, client.ListOptions{}); err != nil {
					b.Error(err)
				}
				kcancel()
				if err := g.Wait(); err != nil {
					b.Error(err)
				}
				cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
				sbs, _ := rt.ListPodSandbox(cctx, nil)
				for _, sb := range sbs {
					_ = rt.StopPodSandbox(cctx, sb.ID)
					_ = rt.RemovePodSandbox(cctx, sb.ID)
				}
				ccancel()
				// Empty once every pod is removed: the runtime's parent
				// cgroup, and its parallel tree in cgroup v1 hierarchies.
				for _, d := range append(v1CgroupDirs("rigging-bench"), "/sys/fs/cgroup/unified/rigging-bench") {
					_ = os.Remove(d)
				}
			}
		})
	}
}
