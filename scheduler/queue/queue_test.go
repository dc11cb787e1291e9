package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/clock"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func prioPod(name string, prio int32) *corev1.Pod {
	p := ft.Pod(name)
	p.Spec.Priority = &prio
	return p
}

func pop(t *testing.T, q *PriorityQueue) *framework.QueuedPodInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	p, err := q.Pop(ctx)
	if err != nil {
		t.Fatalf("Pop: %v", err)
	}
	return p
}

func TestBackoffDuration(t *testing.T) {
	q := New(Options{})
	var got []time.Duration
	for a := 1; a <= 6; a++ {
		got = append(got, q.BackoffDuration(a))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backoff (-want +got):\n%s", diff)
	}
}

func TestOrderByPriorityThenAge(t *testing.T) {
	clk := clock.NewFake(t0)
	q := New(Options{Clock: clk})
	q.Add(prioPod("low-old", 1))
	clk.Step(time.Millisecond)
	q.Add(prioPod("high", 10))
	clk.Step(time.Millisecond)
	q.Add(prioPod("low-new", 1))
	var got []string
	for i := 0; i < 3; i++ {
		got = append(got, pop(t, q).Pod.Name)
	}
	if diff := cmp.Diff([]string{"high", "low-old", "low-new"}, got); diff != "" {
		t.Errorf("pop order (-want +got):\n%s", diff)
	}
}

// An error puts the pod in the backoff queue for 1 s, then 2 s, ...; the
// flush moves it back only once its backoff has passed.
func TestBackoffWithFakeClock(t *testing.T) {
	clk := clock.NewFake(t0)
	q := New(Options{Clock: clk})
	pod := ft.Pod("p")
	q.Add(pod)
	for attempt, backoff := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		p := pop(t, q)
		if p.Attempts != attempt+1 {
			t.Fatalf("attempts = %d, want %d", p.Attempts, attempt+1)
		}
		p.UnschedulablePlugins = nil // an error: no rejecting plugin
		if err := q.AddUnschedulableIfNotPresent(p); err != nil {
			t.Fatal(err)
		}
		if got := q.Where(pod); got != "backoff" {
			t.Fatalf("attempt %d: pod in %q, want backoff", attempt+1, got)
		}
		clk.Step(backoff - time.Millisecond)
		q.FlushBackoffQCompleted()
		if got := q.Where(pod); got != "backoff" {
			t.Fatalf("attempt %d: after %v pod in %q, want still backoff", attempt+1, backoff-time.Millisecond, got)
		}
		clk.Step(time.Millisecond)
		q.FlushBackoffQCompleted()
		if got := q.Where(pod); got != "active" {
			t.Fatalf("attempt %d: after %v pod in %q, want active", attempt+1, backoff, got)
		}
	}
}

// Run drives the flushes from the clock: stepping the fake clock moves the
// pod, without sleeping.
func TestRunFlushesOnClock(t *testing.T) {
	clk := clock.NewFake(t0)
	q := New(Options{Clock: clk})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); q.Run(ctx) }()
	defer func() { cancel(); <-done }()
	pod := ft.Pod("p")
	q.Add(pod)
	p := pop(t, q)
	if err := q.AddUnschedulableIfNotPresent(p); err != nil {
		t.Fatal(err)
	}
	// Wait until Run has armed its timers.
	for deadline := time.Now().Add(5 * time.Second); clk.Pending() < 2; {
		if time.Now().After(deadline) {
			t.Fatal("Run did not arm its timers")
		}
		time.Sleep(time.Millisecond) // polling a condition with a deadline, not synchronising on time
	}
	clk.Step(time.Second)
	if got := q.Where(pod); got != "active" {
		t.Errorf("after the 1 s flush, pod in %q, want active", got)
	}
}

func TestEventDrivenRequeue(t *testing.T) {
	nodeAdd := framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add}
	podDelete := framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete}
	events := map[string][]framework.ClusterEventWithHint{
		"NodeOnly": {{Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeLabel}}},
		"Hinted": {{Event: nodeAdd, QueueingHintFn: func(_ *corev1.Pod, _, newObj any) (framework.QueueingHint, error) {
			if n, ok := newObj.(*corev1.Node); ok && n.Labels["good"] == "yes" {
				return framework.Queue, nil
			}
			return framework.QueueSkip, nil
		}}},
	}
	good := ft.Node("good", nil, map[string]string{"good": "yes"})
	bad := ft.Node("bad", nil, nil)
	tests := []struct {
		name      string
		rejectors []string
		event     framework.ClusterEvent
		newObj    any
		want      string
	}{
		{name: "registered event", rejectors: []string{"NodeOnly"}, event: nodeAdd, newObj: bad, want: "backoff"},
		{name: "unregistered event", rejectors: []string{"NodeOnly"}, event: podDelete, want: "unschedulable"},
		{name: "hint says queue", rejectors: []string{"Hinted"}, event: nodeAdd, newObj: good, want: "backoff"},
		{name: "hint says skip", rejectors: []string{"Hinted"}, event: nodeAdd, newObj: bad, want: "unschedulable"},
		{name: "plugin without registrations takes every event", rejectors: []string{"Unknown"}, event: podDelete, want: "backoff"},
		{name: "wildcard moves everything", rejectors: []string{"NodeOnly"}, event: framework.WildCardEvent, want: "backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			q := New(Options{Clock: clk, Events: events})
			pod := ft.Pod("p")
			q.Add(pod)
			p := pop(t, q)
			p.UnschedulablePlugins = map[string]struct{}{}
			for _, r := range tt.rejectors {
				p.UnschedulablePlugins[r] = struct{}{}
			}
			if err := q.AddUnschedulableIfNotPresent(p); err != nil {
				t.Fatal(err)
			}
			if got := q.Where(pod); got != "unschedulable" {
				t.Fatalf("rejected pod in %q, want unschedulable", got)
			}
			q.MoveAllToActiveOrBackoffQueue(tt.event, nil, tt.newObj, nil)
			if got := q.Where(pod); got != tt.want {
				t.Errorf("after event, pod in %q, want %q", got, tt.want)
			}
		})
	}
}

// An event that arrives while the pod is being scheduled is seen when the
// pod is handed back, so the pod is not stranded.
func TestEventDuringFlight(t *testing.T) {
	clk := clock.NewFake(t0)
	q := New(Options{Clock: clk, Events: map[string][]framework.ClusterEventWithHint{
		"Fit": {{Event: framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete}}},
	}})
	pod := ft.Pod("p")
	q.Add(pod)
	p := pop(t, q)
	q.MoveAllToActiveOrBackoffQueue(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete}, ft.Pod("gone"), nil, nil)
	p.UnschedulablePlugins = map[string]struct{}{"Fit": {}}
	if err := q.AddUnschedulableIfNotPresent(p); err != nil {
		t.Fatal(err)
	}
	if got := q.Where(pod); got != "backoff" {
		t.Errorf("pod in %q, want backoff", got)
	}
}

func TestUnschedulableLeftoverFlush(t *testing.T) {
	clk := clock.NewFake(t0)
	q := New(Options{Clock: clk, Events: map[string][]framework.ClusterEventWithHint{"X": nil}})
	pod := ft.Pod("p")
	q.Add(pod)
	p := pop(t, q)
	p.UnschedulablePlugins = map[string]struct{}{"X": {}}
	_ = q.AddUnschedulableIfNotPresent(p)
	clk.Step(DefaultMaxInUnschedulable)
	q.FlushUnschedulablePodsLeftover()
	if got := q.Where(pod); got != "unschedulable" {
		t.Fatalf("at exactly 5 min, pod in %q, want unschedulable", got)
	}
	clk.Step(time.Second)
	q.FlushUnschedulablePodsLeftover()
	if got := q.Where(pod); got != "active" {
		t.Errorf("after 5 min, pod in %q, want active", got)
	}
}

func TestGatedPods(t *testing.T) {
	gate := func(_ context.Context, p *corev1.Pod) *framework.Status {
		if len(p.Spec.SchedulingGates) > 0 {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, "gated").WithPlugin("SchedulingGates")
		}
		return nil
	}
	q := New(Options{Clock: clock.NewFake(t0), PreEnqueue: gate, Events: map[string][]framework.ClusterEventWithHint{
		"SchedulingGates": {{Event: framework.ClusterEvent{Resource: framework.UnscheduledPod, ActionType: framework.UpdatePodSchedulingGatesEliminated}}},
	}})
	pod := ft.Pod("p")
	pod.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "wait"}}
	q.Add(pod)
	if got := q.Where(pod); got != "gated" {
		t.Fatalf("pod in %q, want gated", got)
	}
	q.MoveAllToActiveOrBackoffQueue(framework.WildCardEvent, nil, nil, nil)
	if got := q.Where(pod); got != "gated" {
		t.Fatalf("after an event, pod in %q, want still gated", got)
	}
	open := pod.DeepCopy()
	open.Spec.SchedulingGates = nil
	q.Update(pod, open)
	if got := q.Where(open); got != "active" {
		t.Errorf("after its gates were removed, pod in %q, want active", got)
	}
}

func TestActivate(t *testing.T) {
	clk := clock.NewFake(t0)
	q := New(Options{Clock: clk})
	pod := ft.Pod("p")
	q.Add(pod)
	p := pop(t, q)
	_ = q.AddUnschedulableIfNotPresent(p)
	q.Activate(map[string]*corev1.Pod{framework.PodKey(pod): pod})
	if got := q.Where(pod); got != "active" {
		t.Errorf("pod in %q, want active", got)
	}
}

func TestPopHonoursContextAndClose(t *testing.T) {
	q := New(Options{})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error)
	go func() {
		_, err := q.Pop(ctx)
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Pop after cancel = %v, want context.Canceled", err)
	}
	go func() {
		_, err := q.Pop(t.Context())
		errc <- err
	}()
	q.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("Pop after Close = %v, want ErrClosed", err)
	}
}

func TestUpdateDuringFlightIsKept(t *testing.T) {
	clk := clock.NewFake(t0)
	q := New(Options{Clock: clk, Events: map[string][]framework.ClusterEventWithHint{"X": nil}})
	pod := ft.Pod("p")
	q.Add(pod)
	p := pop(t, q)
	newer := pod.DeepCopy()
	newer.Labels = map[string]string{"v": "2"}
	q.Update(pod, newer)
	p.UnschedulablePlugins = map[string]struct{}{"X": {}}
	_ = q.AddUnschedulableIfNotPresent(p)
	clk.Step(time.Second)
	q.FlushBackoffQCompleted()
	if got := pop(t, q); got.Pod.Labels["v"] != "2" {
		t.Errorf("requeued pod has labels %v, want the update's", got.Pod.Labels)
	}
}
