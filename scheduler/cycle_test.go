package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/cache"
	"github.com/rigging-dev/rigging/scheduler/clock"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/gang"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// bindLog is a PodBinder that records bindings and can fail some.
type bindLog struct {
	mu    sync.Mutex // guards bound, fail
	bound map[string]string
	fail  map[string]int // pod name -> failures left
}

func (b *bindLog) Bind(_ context.Context, pod *corev1.Pod, node string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail[pod.Name] > 0 {
		b.fail[pod.Name]--
		return errors.New("injected bind failure")
	}
	if b.bound == nil {
		b.bound = map[string]string{}
	}
	b.bound[pod.Name] = node
	return nil
}

func (b *bindLog) snapshot() map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]string{}
	for k, v := range b.bound {
		out[k] = v
	}
	return out
}

func scheduleOne(t *testing.T, s *Scheduler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.ScheduleOne(ctx); err != nil {
		t.Fatalf("ScheduleOne: %v (queue %+v)", err, s.Queue().Stats())
	}
}

func gangPod(name string, min int) *corev1.Pod {
	p := makePod("default", name, "100m", "")
	p.Labels = map[string]string{gang.LabelPodGroup: "g", gang.LabelMinAvailable: fmt.Sprint(min)}
	p.Spec.SchedulerName = "gang-scheduler"
	return p
}

func TestGangAllOrNothing(t *testing.T) {
	clk := clock.NewFake(t0)
	binds := &bindLog{}
	s, err := New(t.Context(), Options{Clock: clk, Binder: binds, Profiles: []Profile{GangProfile("gang-scheduler")}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s.AddNode(makeNode(fmt.Sprintf("n%d", i), "4", "8Gi", 110, nil))
	}
	m1, m2, m3 := gangPod("m1", 3), gangPod("m2", 3), gangPod("m3", 3)
	_ = s.AddPod(m1)
	_ = s.AddPod(m2)
	scheduleOne(t, s)
	scheduleOne(t, s)
	if got := binds.snapshot(); len(got) != 0 {
		t.Fatalf("members bound before the group was complete: %v", got)
	}
	// Two of three members wait; their 60 s Permit timeout rejects both.
	clk.Step(gang.DefaultTimeout)
	s.WaitForBindings()
	if got := binds.snapshot(); len(got) != 0 {
		t.Fatalf("members bound after the timeout: %v", got)
	}
	if n := s.Cache().PodCount(); n != 0 {
		t.Fatalf("%d pods still reserved in the cache after rejection", n)
	}
	// Each member's release is an assigned-pod deletion, which may let
	// the other in: they wait in the unschedulable set or the backoff
	// queue, never bound.
	for _, p := range []*corev1.Pod{m1, m2} {
		if got := s.Queue().Where(p); got != "unschedulable" && got != "backoff" {
			t.Fatalf("%s in %q, want unschedulable or backoff", p.Name, got)
		}
	}
	// The third member arrives: the event requeues the others (after
	// their backoff), and the group is bound together.
	_ = s.AddPod(m3)
	scheduleOne(t, s)
	clk.Step(time.Second)
	s.Queue().FlushBackoffQCompleted()
	scheduleOne(t, s)
	scheduleOne(t, s)
	s.WaitForBindings()
	got := binds.snapshot()
	if len(got) != 3 {
		t.Fatalf("bound %v, want all three members", got)
	}
}

func TestBindFailureUnreservesAndRequeues(t *testing.T) {
	clk := clock.NewFake(t0)
	binds := &bindLog{fail: map[string]int{"p": 1}}
	var mu sync.Mutex
	var outcomes []string
	s, err := New(t.Context(), Options{Clock: clk, Binder: binds, Seed: 1, OnOutcome: func(o Outcome) {
		mu.Lock()
		defer mu.Unlock()
		if o.Err != nil {
			outcomes = append(outcomes, "error")
		} else {
			outcomes = append(outcomes, "bound to "+o.NodeName)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.AddNode(makeNode("n1", "1", "1Gi", 110, nil))
	pod := makePod("default", "p", "800m", "")
	_ = s.AddPod(pod)
	scheduleOne(t, s)
	s.WaitForBindings()
	if n := s.Cache().PodCount(); n != 0 {
		t.Fatalf("failed binding left %d pods in the cache", n)
	}
	if got := s.Queue().Where(pod); got != "backoff" {
		t.Fatalf("pod in %q after a failed bind, want backoff", got)
	}
	clk.Step(time.Second)
	s.Queue().FlushBackoffQCompleted()
	scheduleOne(t, s)
	s.WaitForBindings()
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"error", "bound to n1"}, outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

// varied returns a cluster of nodes of several sizes, zones, labels and
// taints, with some pods already bound.
func varied(numNodes int) ([]*corev1.Node, []*corev1.Pod) {
	var nodes []*corev1.Node
	var pods []*corev1.Pod
	sizes := []string{"2", "4", "8"}
	for i := 0; i < numNodes; i++ {
		n := makeNode(fmt.Sprintf("node-%03d", i), sizes[i%3], fmt.Sprintf("%dGi", 4+i%5), 110, map[string]string{
			corev1.LabelTopologyZone: fmt.Sprintf("zone-%d", i%4),
			"disk":                   []string{"ssd", "hdd"}[i%2],
		})
		if i%7 == 0 {
			n.Spec.Taints = []corev1.Taint{{Key: "spot", Effect: corev1.TaintEffectPreferNoSchedule}}
		}
		nodes = append(nodes, n)
		if i%3 == 0 {
			p := makePod("default", fmt.Sprintf("existing-%03d", i), "500m", "1Gi")
			p.Spec.NodeName = n.Name
			pods = append(pods, p)
		}
	}
	return nodes, pods
}

func batchPods() []*corev1.Pod {
	var out []*corev1.Pod
	for i := 0; i < 400; i++ {
		p := makePod("default", fmt.Sprintf("web-%03d", i), "250m", "256Mi")
		p.Labels = map[string]string{"app": "web"}
		out = append(out, p)
	}
	for i := 0; i < 100; i++ {
		p := makePod("default", fmt.Sprintf("db-%03d", i), "1", "2Gi")
		p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
		p.Spec.Tolerations = []corev1.Toleration{{Key: "spot", Operator: corev1.TolerationOpExists}}
		out = append(out, p)
	}
	return out
}

// Batching reuses Filter and Score verdicts between identical pods; the
// placements must be exactly those without it, at any parallelism.
func TestBatchingKeepsPlacementIdentical(t *testing.T) {
	nodes, existing := varied(150)
	pods := batchPods()
	run := func(disable bool, parallelism int) []string {
		p, err := NewPlacer(t.Context(), Options{Seed: 7, DisableBatching: disable, Parallelism: parallelism, PercentageOfNodesToScore: 50})
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.WhatIf(t.Context(), cache.NewSnapshot(existing, nodes), pods)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, pl := range res.Placements {
			out = append(out, pl.Pod.Name+"@"+pl.NodeName)
		}
		return out
	}
	want := run(true, 1)
	for _, c := range []struct {
		disable     bool
		parallelism int
	}{{false, 1}, {false, 2}, {true, 2}, {false, 4}} {
		if diff := cmp.Diff(want, run(c.disable, c.parallelism)); diff != "" {
			t.Errorf("batching disabled=%v parallelism=%d: placements differ (-unbatched +got):\n%s", c.disable, c.parallelism, diff)
		}
	}
}

func TestWhatIfDoesNotChangeTheSnapshot(t *testing.T) {
	nodes := []*corev1.Node{makeNode("a", "1", "1Gi", 110, nil), makeNode("b", "1", "1Gi", 110, nil)}
	snap := cache.NewSnapshot(nil, nodes)
	p, err := NewPlacer(t.Context(), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var pods []*corev1.Pod
	for i := 0; i < 5; i++ {
		pods = append(pods, makePod("default", fmt.Sprintf("p%d", i), "400m", ""))
	}
	res, err := p.WhatIf(t.Context(), snap, pods)
	if err != nil {
		t.Fatal(err)
	}
	if res.Placed != 4 || res.Unschedulable != 1 {
		t.Errorf("placed %d, unschedulable %d; want 4 and 1", res.Placed, res.Unschedulable)
	}
	var fe *framework.FitError
	if last := res.Placements[4]; !errors.As(last.Err, &fe) || last.Err.Error() != "0/2 nodes are available: 2 Insufficient cpu." {
		t.Errorf("last placement error = %v", last.Err)
	}
	for _, name := range []string{"a", "b"} {
		ni, _ := snap.Get(name)
		if len(ni.Pods) != 0 {
			t.Errorf("WhatIf added %d pods to the input snapshot's node %s", len(ni.Pods), name)
		}
	}
}

func TestPlaceErrors(t *testing.T) {
	tests := []struct {
		name  string
		nodes []*corev1.Node
		pod   *corev1.Pod
		want  string
	}{
		{name: "no nodes", pod: makePod("default", "p", "1", ""), want: framework.ErrNoNodesAvailable.Error()},
		{name: "selector matches nothing", nodes: []*corev1.Node{makeNode("a", "1", "1Gi", 110, nil)}, pod: func() *corev1.Pod {
			p := makePod("default", "p", "", "")
			p.Spec.NodeSelector = map[string]string{"x": "y"}
			return p
		}(), want: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."},
		{name: "unknown scheduler", nodes: []*corev1.Node{makeNode("a", "1", "1Gi", 110, nil)}, pod: func() *corev1.Pod {
			p := makePod("default", "p", "", "")
			p.Spec.SchedulerName = "other"
			return p
		}(), want: `place pod default/p: scheduler name "other": no profile for the pod's scheduler name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Place(t.Context(), tt.nodes, nil, tt.pod)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Place error = %v, want %q", err, tt.want)
			}
		})
	}
}

// A high-priority pod that fits nowhere preempts the fewest lower-priority
// pods on one node, is nominated there, and lands there once they are gone.
func TestPreemptionEndToEnd(t *testing.T) {
	clk := clock.NewFake(t0)
	binds := &bindLog{}
	var mu sync.Mutex
	var evicted []string
	s, err := New(t.Context(), Options{Clock: clk, Binder: binds, Seed: 1, OnEvicted: func(victim, _ *corev1.Pod) {
		mu.Lock()
		defer mu.Unlock()
		evicted = append(evicted, victim.Name)
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.AddNode(makeNode("n1", "4", "8Gi", 110, nil))
	for i := 0; i < 4; i++ {
		p := makePod("default", fmt.Sprintf("low-%d", i), "900m", "")
		p.Spec.NodeName = "n1"
		if err := s.AddPod(p); err != nil {
			t.Fatal(err)
		}
	}
	high := makePod("default", "high", "3", "")
	prio := int32(10)
	high.Spec.Priority = &prio
	_ = s.AddPod(high)
	scheduleOne(t, s)
	s.WaitForBindings()
	mu.Lock()
	victims := len(evicted)
	mu.Unlock()
	if victims != 3 {
		t.Fatalf("evicted %v, want 3 of the 4 low-priority pods (3 CPUs needed, 0.4 free)", evicted)
	}
	if got := s.nominator.NominatedNodeName(high); got != "n1" {
		t.Fatalf("nominated node = %q, want n1", got)
	}
	// The evictions requeue the preemptor; after its backoff it binds.
	clk.Step(time.Second)
	s.Queue().FlushBackoffQCompleted()
	scheduleOne(t, s)
	s.WaitForBindings()
	if got := binds.snapshot()["high"]; got != "n1" {
		t.Errorf("high bound to %q, want n1", got)
	}
}
