package events_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/client/events"
	"github.com/rigging-dev/rigging/controller/envtest"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fixture is a recorder on a real in-process API server.
type fixture struct {
	t     *testing.T
	rec   *events.APIRecorder
	evs   *client.Resource[corev1.Event]
	clock *testClock
}

func newFixture(t *testing.T, opts events.Options) *fixture {
	t.Helper()
	env := envtest.Start(t)
	clk := &testClock{now: t0}
	opts.Clock = clk
	rec, err := events.New(env.Client, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Close)
	evs, err := client.For[corev1.Event](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, rec: rec, evs: evs, clock: clk}
}

// waitEvents waits up to 20 s until the events in ns satisfy cond, and
// returns them sorted by name.
func (f *fixture) waitEvents(ns, what string, cond func([]corev1.Event) bool) []corev1.Event {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var items []corev1.Event
	for {
		l, err := f.evs.Namespace(ns).List(f.t.Context(), client.ListOptions{})
		if err != nil {
			f.t.Fatalf("list events: %v", err)
		}
		items = l.Items
		if cond(items) {
			return items
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s; events: %+v", what, items)
		}
		tm := time.NewTimer(5 * time.Millisecond)
		<-tm.C
	}
}

func pod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), ResourceVersion: "7"}}
}

// ignoreServerFields leaves out what the server and the clock choose.
var ignoreServerFields = cmpopts.IgnoreFields(corev1.Event{}, "TypeMeta", "ObjectMeta")

func TestRecorderCreatesEvent(t *testing.T) {
	f := newFixture(t, events.Options{Component: "kubelet", Host: "node-1"})
	f.rec.Eventf(pod("web"), corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s", "app", "web_default(uid-web)")
	got := f.waitEvents("default", "one event", func(l []corev1.Event) bool { return len(l) == 1 })
	want := corev1.Event{
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: "default", Name: "web",
			UID: "uid-web", ResourceVersion: "7"},
		Reason:              "BackOff",
		Message:             "Back-off restarting failed container app in pod web_default(uid-web)",
		Source:              corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp:      metav1.NewTime(t0),
		LastTimestamp:       metav1.NewTime(t0),
		Count:               1,
		Type:                corev1.EventTypeWarning,
		ReportingController: "kubelet",
		ReportingInstance:   "node-1",
	}
	if d := cmp.Diff(want, got[0], ignoreServerFields); d != "" {
		t.Errorf("event (-want +got):\n%s", d)
	}
	if name, want := got[0].Name, fmt.Sprintf("web.%x", t0.UnixNano()); name != want {
		t.Errorf("event name = %q, want %q (the object's name and the hex nanoseconds)", name, want)
	}
}

func TestRecorderClusterScopedGoesToDefault(t *testing.T) {
	f := newFixture(t, events.Options{Component: "kubelet", Host: "node-1"})
	f.rec.Event(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", UID: "node-1"}}, corev1.EventTypeNormal, "NodeReady",
		"Node node-1 status is now: NodeReady")
	got := f.waitEvents("default", "the node event", func(l []corev1.Event) bool { return len(l) == 1 })
	want := corev1.ObjectReference{Kind: "Node", APIVersion: "v1", Name: "node-1", UID: "node-1"}
	if d := cmp.Diff(want, got[0].InvolvedObject); d != "" {
		t.Errorf("involvedObject (-want +got):\n%s", d)
	}
}

func TestRecorderAggregatesRepeats(t *testing.T) {
	f := newFixture(t, events.Options{Component: "kubelet"})
	p := pod("web")
	type summary struct {
		Reason, Message string
		Count           int32
		First, Last     time.Time
	}
	summarise := func(l []corev1.Event) []summary {
		var out []summary
		for _, e := range l {
			out = append(out, summary{e.Reason, e.Message, e.Count, e.FirstTimestamp.Time.UTC(), e.LastTimestamp.Time.UTC()})
		}
		return out
	}
	sorted := cmpopts.SortSlices(func(a, b summary) bool {
		return a.First.Before(b.First) || (a.First.Equal(b.First) && a.Message < b.Message)
	})
	steps := []struct {
		name    string
		advance time.Duration
		message string
		want    []summary
	}{
		{"first", 0, "Liveness probe failed: x", []summary{
			{"Unhealthy", "Liveness probe failed: x", 1, t0, t0}}},
		{"repeat raises count", time.Second, "Liveness probe failed: x", []summary{
			{"Unhealthy", "Liveness probe failed: x", 2, t0, t0.Add(time.Second)}}},
		{"another repeat", time.Second, "Liveness probe failed: x", []summary{
			{"Unhealthy", "Liveness probe failed: x", 3, t0, t0.Add(2 * time.Second)}}},
		{"other message is a new event", 0, "Liveness probe failed: y", []summary{
			{"Unhealthy", "Liveness probe failed: x", 3, t0, t0.Add(2 * time.Second)},
			{"Unhealthy", "Liveness probe failed: y", 1, t0.Add(2 * time.Second), t0.Add(2 * time.Second)}}},
		{"after the window a new event", 11 * time.Minute, "Liveness probe failed: x", []summary{
			{"Unhealthy", "Liveness probe failed: x", 3, t0, t0.Add(2 * time.Second)},
			{"Unhealthy", "Liveness probe failed: y", 1, t0.Add(2 * time.Second), t0.Add(2 * time.Second)},
			{"Unhealthy", "Liveness probe failed: x", 1, t0.Add(2*time.Second + 11*time.Minute), t0.Add(2*time.Second + 11*time.Minute)}}},
	}
	for _, s := range steps {
		f.clock.step(s.advance)
		f.rec.Event(p, corev1.EventTypeWarning, "Unhealthy", s.message)
		var last []summary
		f.waitEvents("default", s.name, func(l []corev1.Event) bool {
			last = summarise(l)
			return cmp.Diff(s.want, last, sorted) == ""
		})
		if d := cmp.Diff(s.want, last, sorted); d != "" {
			t.Fatalf("%s: events (-want +got):\n%s", s.name, d)
		}
	}
}

func TestRecorderSpamFilter(t *testing.T) {
	f := newFixture(t, events.Options{Component: "kubelet", Burst: 3, RefillInterval: time.Minute})
	// Distinct messages, so that each would be its own Event: the bucket
	// of 3 lets 3 through, then one more a minute later.
	for _, m := range []string{"a", "b", "c", "d", "e"} {
		f.rec.Event(pod("web"), corev1.EventTypeNormal, "Pulled", m)
	}
	f.rec.Event(pod("other"), corev1.EventTypeNormal, "Pulled", "other object has its own bucket")
	f.clock.step(time.Minute)
	f.rec.Event(pod("web"), corev1.EventTypeNormal, "Pulled", "f")
	f.rec.Event(pod("web"), corev1.EventTypeNormal, "Pulled", "g")
	// A last event on a third object tells that the writer is past the
	// ones before it.
	f.rec.Event(pod("last"), corev1.EventTypeNormal, "Pulled", "done")
	got := f.waitEvents("default", "the last event", func(l []corev1.Event) bool {
		for _, e := range l {
			if e.InvolvedObject.Name == "last" {
				return true
			}
		}
		return false
	})
	var msgs []string
	for _, e := range got {
		msgs = append(msgs, e.InvolvedObject.Name+":"+e.Message)
	}
	want := []string{"last:done", "other:other object has its own bucket", "web:a", "web:b", "web:c", "web:f"}
	if d := cmp.Diff(want, msgs, cmpopts.SortSlices(func(a, b string) bool { return a < b })); d != "" {
		t.Errorf("events written (-want +got):\n%s", d)
	}
}

// TestRecorderNeverBlocks holds the API server's answer back: Event still
// returns at once, one event waits in the queue of 1, and the next is
// dropped and counted.
func TestRecorderNeverBlocks(t *testing.T) {
	arrived := make(chan struct{}, 10)
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","code":500}`, http.StatusInternalServerError)
	})
	rec, err := events.New(client.NewInProcess(h), events.Options{QueueSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	p := pod("web")
	rec.Event(p, corev1.EventTypeNormal, "A", "first")
	select {
	case <-arrived: // the writer holds "first" in its request
	case <-time.After(20 * time.Second):
		t.Fatal("the first event's request never arrived")
	}
	rec.Event(p, corev1.EventTypeNormal, "B", "queued")
	rec.Event(p, corev1.EventTypeNormal, "C", "dropped")
	if got := rec.Dropped(); got != 1 {
		t.Errorf("Dropped() = %d with the writer blocked and the queue full, want 1", got)
	}
	close(release)
	done := make(chan struct{})
	go func() { rec.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return")
	}
	before := rec.Dropped()
	rec.Event(p, corev1.EventTypeNormal, "D", "after close")
	if got := rec.Dropped(); got != before+1 {
		t.Errorf("Dropped() after an event on a closed recorder = %d, want %d", got, before+1)
	}
}

func TestRecorderRun(t *testing.T) {
	env := envtest.Start(t)
	rec, err := events.New(env.Client, events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- rec.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	rec.Event(pod("web"), corev1.EventTypeNormal, "Late", "after Run")
	if got := rec.Dropped(); got != 1 {
		t.Errorf("Dropped() after Run ended = %d, want 1", got)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	env := envtest.Start(t)
	tests := []struct {
		name string
		c    *client.Client
		opts events.Options
		want string
	}{
		{"nil client", nil, events.Options{}, "events.New: nil client"},
		{"negative queue", env.Client, events.Options{QueueSize: -1}, "events.New: QueueSize must not be negative, got -1"},
		{"negative burst", env.Client, events.Options{Burst: -2}, "events.New: Burst must not be negative, got -2"},
		{"negative write burst", env.Client, events.Options{WriteBurst: -1}, "events.New: WriteBurst must not be negative, got -1"},
		{"negative write qps", env.Client, events.Options{WriteQPS: -5}, "events.New: WriteQPS must be a non-negative number, got -5"},
		{"NaN write qps", env.Client, events.Options{WriteQPS: math.NaN()}, "events.New: WriteQPS must be a non-negative number, got NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := events.New(tt.c, tt.opts)
			if err == nil || err.Error() != tt.want {
				t.Errorf("New error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRecorderWriteRate checks that WriteQPS and WriteBurst pace the
// writes: with 2 a second in bursts of 2, four events on four pods are
// written two at once, then one each half second, so the fourth is
// written no sooner than a second after the first two.
func TestRecorderWriteRate(t *testing.T) {
	f := newFixture(t, events.Options{WriteQPS: 2, WriteBurst: 2})
	start := time.Now()
	for i := range 4 {
		f.rec.Event(pod(fmt.Sprintf("p%d", i)), corev1.EventTypeNormal, "Started", "Started container c")
	}
	f.waitEvents("default", "two events", func(evs []corev1.Event) bool { return len(evs) >= 2 })
	f.waitEvents("default", "four events", func(evs []corev1.Event) bool { return len(evs) == 4 })
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("four events written in %v; at 2/s after a burst of 2 the last one waits 1 s", d)
	}
	if n := f.rec.Dropped(); n != 0 {
		t.Errorf("Dropped() = %d, want 0", n)
	}
}
