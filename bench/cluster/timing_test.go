package cluster

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

// timedRuntime records, per pod, when the kubelet called RunPodSandbox
// and how long it and CreateContainer+StartContainer took: the
// runtime's share of pod startup.
type timedRuntime struct {
	kubelet.Runtime
	mu        sync.Mutex               // guards the maps
	sbStart   map[string]time.Time     // pod name -> RunPodSandbox called
	sbDur     map[string]time.Duration // pod name -> RunPodSandbox took
	ctrDur    map[string]time.Duration // pod name -> Create+StartContainer took
	ctrDone   map[string]time.Time     // pod name -> StartContainer returned
	sbPod     map[string]string        // sandbox ID -> pod name
	ctrPod    map[string]string        // container ID -> pod name
	ctrCreate map[string]time.Time     // container ID -> CreateContainer called
}

func newTimedRuntime(rt kubelet.Runtime) *timedRuntime {
	return &timedRuntime{Runtime: rt, sbStart: map[string]time.Time{}, sbDur: map[string]time.Duration{},
		ctrDur: map[string]time.Duration{}, ctrDone: map[string]time.Time{}, sbPod: map[string]string{}, ctrPod: map[string]string{}, ctrCreate: map[string]time.Time{}}
}

func (t *timedRuntime) RunPodSandbox(ctx context.Context, cfg *kubelet.PodSandboxConfig) (string, error) {
	start := time.Now()
	id, err := t.Runtime.RunPodSandbox(ctx, cfg)
	t.mu.Lock()
	t.sbStart[cfg.Metadata.Name] = start
	t.sbDur[cfg.Metadata.Name] = time.Since(start)
	t.sbPod[id] = cfg.Metadata.Name
	t.mu.Unlock()
	return id, err
}

func (t *timedRuntime) CreateContainer(ctx context.Context, sandboxID string, cfg *kubelet.ContainerConfig, sb *kubelet.PodSandboxConfig) (string, error) {
	start := time.Now()
	id, err := t.Runtime.CreateContainer(ctx, sandboxID, cfg, sb)
	t.mu.Lock()
	t.ctrPod[id] = t.sbPod[sandboxID]
	t.ctrCreate[id] = start
	t.mu.Unlock()
	return id, err
}

func (t *timedRuntime) StartContainer(ctx context.Context, id string) error {
	err := t.Runtime.StartContainer(ctx, id)
	t.mu.Lock()
	if pod := t.ctrPod[id]; pod != "" {
		t.ctrDone[pod] = time.Now()
		t.ctrDur[pod] = t.ctrDone[pod].Sub(t.ctrCreate[id])
	}
	t.mu.Unlock()
	return err
}

// statusTimer wraps the API server's handler for the kubelet's client and
// records, per pod, when each of its status writes (PUT or PATCH of
// .../pods/<name>/status) reached the server and when the server had
// answered it: the status write's share of pod startup, apart from the
// kubelet's work before it and the watch's delivery after it. Recording
// takes no lock (a lock that every status write passes through would
// itself delay the writes in a burst): each write claims a slot.
type statusTimer struct {
	h     http.Handler
	n     atomic.Int64 // slots claimed
	slots [4096]statusPut
}

// statusPut is one status write as the server saw it; done is set once
// the other fields are.
type statusPut struct {
	pod        string
	start, end time.Time
	done       atomic.Bool
}

func newStatusTimer(h http.Handler) *statusTimer { return &statusTimer{h: h} }

func (s *statusTimer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := statusWritePod(r)
	if !ok {
		s.h.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	s.h.ServeHTTP(w, r)
	end := time.Now()
	if i := s.n.Add(1) - 1; i < int64(len(s.slots)) {
		p := &s.slots[i]
		p.pod, p.start, p.end = name, start, end
		p.done.Store(true)
	}
}

// statusWritePod returns the pod a request writes the status of.
func statusWritePod(r *http.Request) (string, bool) {
	if r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return "", false
	}
	// /api/v1/namespaces/<ns>/pods/<name>/status
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/namespaces/")
	if !ok {
		return "", false
	}
	_, rest, _ = strings.Cut(rest, "/")
	if rest, ok = strings.CutPrefix(rest, "pods/"); !ok {
		return "", false
	}
	name, sub, _ := strings.Cut(rest, "/")
	return name, sub == "status" && name != ""
}

// after returns, for each pod, the first of its recorded status writes
// that reached the server at or after the time since gives for it.
func (s *statusTimer) after(since map[string]time.Time) map[string]*statusPut {
	out := map[string]*statusPut{}
	n := min(s.n.Load(), int64(len(s.slots)))
	for i := range n {
		p := &s.slots[i]
		if !p.done.Load() {
			continue
		}
		t, ok := since[p.pod]
		if !ok || p.start.Before(t) {
			continue
		}
		if q := out[p.pod]; q == nil || p.start.Before(q.start) {
			out[p.pod] = p
		}
	}
	return out
}

func TestStatusWritePod(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		pod          string
		ok           bool
	}{
		{"PUT", "/api/v1/namespaces/default/pods/p-001/status", "p-001", true},
		{"PATCH", "/api/v1/namespaces/ns/pods/web/status", "web", true},
		{"GET", "/api/v1/namespaces/default/pods/p-001/status", "", false},
		{"PUT", "/api/v1/namespaces/default/pods/p-001", "", false},
		{"PUT", "/api/v1/namespaces/default/pods/p-001/binding", "", false},
		{"PUT", "/api/v1/namespaces/default/events/p-001.1", "", false},
		{"PUT", "/api/v1/namespaces/default/pods//status", "", false},
		{"PUT", "/api/v1/nodes/n1/status", "", false},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		pod, ok := statusWritePod(r)
		if ok != tc.ok || (ok && pod != tc.pod) {
			t.Errorf("%s %s: got %q, %v; want %q, %v", tc.method, tc.path, pod, ok, tc.pod, tc.ok)
		}
	}
}

func TestStatusTimer(t *testing.T) {
	served := 0
	st := newStatusTimer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served++ }))
	put := func(path string) {
		st.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPut, path, nil))
	}
	t0 := time.Now()
	put("/api/v1/namespaces/default/pods/a/status")
	put("/api/v1/namespaces/default/pods/a") // not a status write
	put("/api/v1/namespaces/default/pods/a/status")
	put("/api/v1/namespaces/default/pods/b/status")
	if served != 4 {
		t.Fatalf("the handler served %d requests, want 4", served)
	}
	if n := st.n.Load(); n != 3 {
		t.Fatalf("recorded %d status writes, want 3", n)
	}
	first, second := &st.slots[0], &st.slots[1]
	for name, tc := range map[string]struct {
		since map[string]time.Time
		want  map[string]*statusPut
	}{
		"first of each":   {map[string]time.Time{"a": t0, "b": t0}, map[string]*statusPut{"a": first, "b": &st.slots[2]}},
		"after the first": {map[string]time.Time{"a": first.start.Add(time.Nanosecond)}, map[string]*statusPut{"a": second}},
		"none after":      {map[string]time.Time{"b": time.Now().Add(time.Hour)}, map[string]*statusPut{}},
	} {
		got := st.after(tc.since)
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %d pods, want %d", name, len(got), len(tc.want))
		}
		for pod, p := range tc.want {
			if got[pod] != p {
				t.Errorf("%s: pod %s got write %p, want %p", name, pod, got[pod], p)
			}
		}
	}
}
