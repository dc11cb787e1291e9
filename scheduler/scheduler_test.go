package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// recorder is a PodBinder that checks, at every bind, that the node's
// bound CPU stays within its allocatable, and confirms the binding back to
// the scheduler as an informer would.
type recorder struct {
	s        *Scheduler
	capacity map[string]int64 // node -> allocatable milli-CPU

	mu    sync.Mutex // guards used, bound, errs
	used  map[string]int64
	bound map[string]string
	errs  []error
}

func (r *recorder) Bind(_ context.Context, pod *corev1.Pod, node string) error {
	req := pod.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]
	r.mu.Lock()
	r.used[node] += req.MilliValue()
	if r.used[node] > r.capacity[node] {
		r.errs = append(r.errs, fmt.Errorf("node %s over-committed: %dm bound, %dm allocatable", node, r.used[node], r.capacity[node]))
	}
	if prev, ok := r.bound[pod.Name]; ok {
		r.errs = append(r.errs, fmt.Errorf("pod %s bound twice: %s and %s", pod.Name, prev, node))
	}
	r.bound[pod.Name] = node
	r.mu.Unlock()
	bound := pod.DeepCopy()
	bound.Spec.NodeName = node
	pending := pod.DeepCopy()
	pending.Spec.NodeName = ""
	return r.s.UpdatePod(pending, bound)
}

func TestThousandPodsOnHundredNodesNoOvercommit(t *testing.T) {
	const numNodes, numPods = 100, 1000
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	rec := &recorder{capacity: map[string]int64{}, used: map[string]int64{}, bound: map[string]string{}}
	var mu sync.Mutex // guards seen, placed, failed
	seen := map[string]bool{}
	placed, failed := 0, 0
	allSeen := make(chan struct{})
	s, err := New(ctx, Options{
		Binder: rec,
		Seed:   1,
		OnOutcome: func(o Outcome) {
			mu.Lock()
			defer mu.Unlock()
			if o.Err == nil {
				placed++
			} else {
				var fe *framework.FitError
				if !errors.As(o.Err, &fe) {
					t.Errorf("pod %s: unexpected error %v", o.Pod.Name, o.Err)
				}
				failed++
			}
			if !seen[o.Pod.Name] {
				seen[o.Pod.Name] = true
				if len(seen) == numPods {
					close(allSeen)
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec.s = s
	for i := 0; i < numNodes; i++ {
		n := makeNode(fmt.Sprintf("node-%03d", i), "4", "16Gi", 110, nil)
		rec.capacity[n.Name] = 4000
		s.AddNode(n)
	}
	runDone := make(chan error)
	go func() { runDone <- s.Run(ctx) }()
	// Pods arrive while the scheduler runs, from several goroutines.
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < numPods; i += 4 {
				if err := s.AddPod(makePod("default", fmt.Sprintf("pod-%04d", i), "500m", "100Mi")); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	select {
	case <-allSeen:
	case <-ctx.Done():
		t.Fatalf("not every pod was attempted before the deadline: %v", s.Queue().Stats())
	}
	cancel()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, e := range rec.errs {
		t.Error(e)
	}
	if got, want := len(rec.bound), numNodes*8; got != want {
		t.Errorf("bound %d pods, want %d (8 per node)", got, want)
	}
	if placed != len(rec.bound) {
		t.Errorf("OnOutcome reported %d placements, binder saw %d", placed, len(rec.bound))
	}
	if failed == 0 {
		t.Errorf("no pod was reported unschedulable; want %d", numPods-numNodes*8)
	}
}
