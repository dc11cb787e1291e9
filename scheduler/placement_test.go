package scheduler

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/clock"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden placement files under testdata/")

// placementWorkloads are small versions of the scheduler_perf workloads
// whose plugins compare pods across nodes: their placements depend on
// every pod placed before, so any change to what those plugins count or
// score shows up in the placement map.
var placementWorkloads = []perfWorkload{
	{name: "TopologySpreading", nodes: 200, zones: []string{"moon-1", "moon-2", "moon-3"}, initPods: 200, initPod: defaultPod("default"), measurePods: 300, measurePod: spreadingPod},
	{name: "SchedulingPodAntiAffinity", nodes: 500, initPods: 100, initPod: antiAffinityPod("sched-0"), measurePods: 300, measurePod: antiAffinityPod("sched-1")},
}

// placementBinder records each binding and confirms it back to the
// scheduler, as the benchmarks' binder does.
type placementBinder struct {
	s *Scheduler

	mu    sync.Mutex // guards bound
	bound map[string]string
}

func (b *placementBinder) Bind(_ context.Context, pod *corev1.Pod, node string) error {
	b.mu.Lock()
	b.bound[pod.Namespace+"/"+pod.Name] = node
	b.mu.Unlock()
	bound := pod.DeepCopy()
	bound.Spec.NodeName = node
	return b.s.UpdatePod(pod, bound)
}

// placements schedules w's init pods, then its measured pods, one cycle
// at a time (each binding confirmed before the next cycle), with a fake
// clock that moves 1 µs between pod arrivals so the queue's order is the
// arrival order. It returns every pod's node, one "namespace/name node"
// line per pod, sorted.
func placements(t *testing.T, w perfWorkload, opts Options) []string {
	t.Helper()
	clk := clock.NewFake(t0)
	opts.Clock = clk
	opts.Seed = 1
	b := &placementBinder{bound: map[string]string{}}
	opts.Binder = b
	var mu sync.Mutex // guards failures
	var failures []string
	opts.OnOutcome = func(o Outcome) {
		if o.Err != nil {
			mu.Lock()
			failures = append(failures, fmt.Sprintf("%s/%s: %v", o.Pod.Namespace, o.Pod.Name, o.Err))
			mu.Unlock()
		}
	}
	s, err := New(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	b.s = s
	for i := 0; i < w.nodes; i++ {
		s.AddNode(perfNode(i, w.zones))
	}
	phase := func(n int, pod func(int) *corev1.Pod) {
		for i := 0; i < n; i++ {
			clk.Step(time.Microsecond)
			if err := s.AddPod(pod(i)); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < n; i++ {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			err := s.ScheduleOne(ctx)
			cancel()
			if err != nil {
				t.Fatalf("ScheduleOne %d of %d: %v (queue %+v)", i+1, n, err, s.Queue().Stats())
			}
			s.WaitForBindings()
		}
	}
	phase(w.initPods, w.initPod)
	phase(w.measurePods, w.measurePod)
	mu.Lock()
	defer mu.Unlock()
	if len(failures) > 0 {
		t.Fatalf("%d pods not placed, first: %s", len(failures), failures[0])
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if got, want := len(b.bound), w.initPods+w.measurePods; got != want {
		t.Fatalf("bound %d pods, want %d", got, want)
	}
	out := make([]string, 0, len(b.bound))
	for pod, node := range b.bound {
		out = append(out, pod+" "+node)
	}
	slices.Sort(out)
	return out
}

// TestPlacementGolden checks that small versions of the TopologySpreading
// and PodAntiAffinity workloads place every pod on the node recorded in
// testdata/placement-<workload>.golden, produced by the scheduler before
// its snapshot and plugin optimisations: those must not change placement.
// With batching on and off the placements must be the same. Regenerate
// (only for an intended change of placement) with go test -run
// TestPlacementGolden -update.
func TestPlacementGolden(t *testing.T) {
	for _, w := range placementWorkloads {
		t.Run(w.name, func(t *testing.T) {
			path := filepath.Join("testdata", "placement-"+w.name+".golden")
			got := placements(t, w, Options{})
			if *updateGolden {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden placements: %v", err)
			}
			want := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("placements differ from %s (-want +got):\n%s", path, diff)
			}
			unbatched := placements(t, w, Options{DisableBatching: true})
			if diff := cmp.Diff(want, unbatched); diff != "" {
				t.Errorf("placements without batching differ from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}
