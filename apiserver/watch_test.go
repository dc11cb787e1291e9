package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/fields"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store"
)

// event is a decoded watch event: its type, and the name,
// resourceVersion and annotations of its object (or the Status of an
// ERROR).
type event struct {
	Type   metav1.EventType
	Name   string
	RV     string
	Labels map[string]string
	Annot  map[string]string
	Status *metav1.Status
}

// String prints the event compactly for diffs.
func (ev event) String() string { return string(ev.Type) + " " + ev.Name }

// watchStream reads a watch response.
type watchStream struct {
	t      testing.TB
	resp   *http.Response
	events chan event
	done   chan struct{} // closed when the stream ends
}

// watch starts a watch of path (which carries watch=1) and fails the test
// unless it answers 200 with JSON.
func (e *env) watch(path string) *watchStream {
	e.t.Helper()
	resp, err := e.ts.Client().Get(e.ts.URL + path)
	if err != nil {
		e.t.Fatalf("watch %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		e.t.Fatalf("watch %s: %d %s: %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	w := &watchStream{t: e.t, resp: resp, events: make(chan event, 10000), done: make(chan struct{})}
	go w.read()
	e.t.Cleanup(w.close)
	return w
}

// read decodes frames until the stream ends; each frame is one line.
func (w *watchStream) read() {
	defer close(w.done)
	sc := bufio.NewScanner(w.resp.Body)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var we metav1.WatchEvent
		if err := json.Unmarshal(sc.Bytes(), &we); err != nil {
			w.t.Errorf("frame %q: %v", sc.Text(), err)
			return
		}
		ev := event{Type: we.Type}
		if we.Type == metav1.Error {
			var st metav1.Status
			if err := json.Unmarshal(we.Object, &st); err != nil {
				w.t.Errorf("ERROR object %s: %v", we.Object, err)
				return
			}
			ev.Status = &st
		} else {
			var obj struct {
				metav1.ObjectMeta `json:"metadata"`
			}
			if err := json.Unmarshal(we.Object, &obj); err != nil {
				w.t.Errorf("object %s: %v", we.Object, err)
				return
			}
			ev.Name, ev.RV, ev.Labels, ev.Annot = obj.Name, obj.ResourceVersion, obj.Labels, obj.Annotations
		}
		w.events <- ev
	}
}

// close ends the stream.
func (w *watchStream) close() {
	w.resp.Body.Close()
	<-w.done
}

// next returns the next event, failing the test after 10 s without one.
func (w *watchStream) next() event {
	w.t.Helper()
	select {
	case ev := <-w.events:
		return ev
	case <-w.done:
		select {
		case ev := <-w.events:
			return ev
		default:
		}
		w.t.Fatalf("watch ended while an event was expected")
	case <-time.After(10 * time.Second):
		w.t.Fatalf("no watch event within 10 s")
	}
	return event{}
}

// nextN returns the next n events, skipping bookmarks.
func (w *watchStream) nextN(n int) []event {
	w.t.Helper()
	var out []event
	for len(out) < n {
		if ev := w.next(); ev.Type != metav1.Bookmark {
			out = append(out, ev)
		}
	}
	return out
}

// waitEnd waits until the server ends the stream; no further event may
// arrive.
func (w *watchStream) waitEnd() {
	w.t.Helper()
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		w.t.Fatalf("watch did not end within 10 s")
	}
	select {
	case ev := <-w.events:
		w.t.Fatalf("unexpected event %v", ev)
	default:
	}
}

// strs prints events for diffs.
func strs(evs []event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.String()
	}
	return out
}

// putLabel updates a pod's labels with a merge patch and returns its new
// resourceVersion.
func (e *env) putLabel(ns, name, key, value string) string {
	e.t.Helper()
	var p corev1.Pod
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, key, value)
	if value == "" {
		patch = fmt.Sprintf(`{"metadata":{"labels":{%q:null}}}`, key)
	}
	e.must(http.StatusOK, "PATCH", podsPath(ns)+"/"+name, patch, &p, "Content-Type", "application/merge-patch+json")
	return p.ResourceVersion
}

func TestWatchFromResourceVersion(t *testing.T) {
	e := newEnv(t, Options{})
	var a corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "a"), &a)
	w := e.watch(podsPath("default") + "?watch=1&resourceVersion=" + a.ResourceVersion)
	var b corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "b"), &b)
	rvA := e.putLabel("default", "a", "v", "2")
	var deleted corev1.Pod
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/b", nil, &deleted)
	// A pod in another namespace is not seen.
	e.must(http.StatusCreated, "POST", podsPath("kube-system"), testPod("", "c"), nil)
	rvC := e.putLabel("kube-system", "c", "v", "1")
	e.putLabel("default", "a", "v", "3")

	got := w.nextN(4)
	if diff := cmp.Diff([]string{"ADDED b", "MODIFIED a", "DELETED b", "MODIFIED a"}, strs(got)); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	if got[0].RV != b.ResourceVersion || got[1].RV != rvA || got[1].Labels["v"] != "2" {
		t.Errorf("event versions: %+v", got)
	}
	if mustRV(t, got[2].RV) <= mustRV(t, rvA) || mustRV(t, got[2].RV) >= mustRV(t, rvC) {
		t.Errorf("DELETED carries %s, want the deletion's revision between %s and %s", got[2].RV, rvA, rvC)
	}
	if mustRV(t, got[3].RV) <= mustRV(t, rvC) {
		t.Errorf("last event at %s, want after %s", got[3].RV, rvC)
	}

	// All namespaces.
	all := e.watch("/api/v1/pods?watch=true&resourceVersion=" + a.ResourceVersion)
	if diff := cmp.Diff([]string{"ADDED b", "MODIFIED a", "DELETED b", "ADDED c", "MODIFIED c", "MODIFIED a"}, strs(all.nextN(6))); diff != "" {
		t.Errorf("all-namespace events (-want +got):\n%s", diff)
	}
}

func TestWatchInitialState(t *testing.T) {
	for _, q := range []string{"?watch=1", "?watch=1&resourceVersion=0", "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
		"?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=0"} {
		t.Run(q, func(t *testing.T) {
			e := newEnv(t, Options{})
			var last corev1.Pod
			for _, n := range []string{"b", "a"} {
				e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", n), &last)
			}
			e.waitCache("", "pods", last.ResourceVersion)
			w := e.watch(podsPath("default") + q + "&allowWatchBookmarks=true")
			got := w.nextN(2)
			if diff := cmp.Diff([]string{"ADDED a", "ADDED b"}, strs(got)); diff != "" {
				t.Fatalf("initial events (-want +got):\n%s", diff)
			}
			if strings.Contains(q, "sendInitialEvents") {
				bm := w.next()
				if bm.Type != metav1.Bookmark || bm.Annot[initialEventsEndAnnotation] != "true" || mustRV(t, bm.RV) < mustRV(t, last.ResourceVersion) {
					t.Fatalf("want the initial-events-end bookmark, got %+v", bm)
				}
			}
			e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "c"), nil)
			if diff := cmp.Diff([]string{"ADDED c"}, strs(w.nextN(1))); diff != "" {
				t.Errorf("live event (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWatchSelectorTransitions(t *testing.T) {
	e := newEnv(t, Options{})
	var a corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "a"), &a)
	w := e.watch(podsPath("default") + "?watch=1&labelSelector=app%3Dweb&resourceVersion=" + a.ResourceVersion)
	fw := e.watch(podsPath("default") + "?watch=1&fieldSelector=metadata.name%3Da&resourceVersion=" + a.ResourceVersion)
	e.putLabel("default", "a", "app", "db")
	e.putLabel("default", "a", "v", "1")
	e.putLabel("default", "a", "app", "web")
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "b"), nil)
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/a", nil, nil)
	if diff := cmp.Diff([]string{"DELETED a", "ADDED a", "ADDED b", "DELETED a"}, strs(w.nextN(4))); diff != "" {
		t.Errorf("label selector events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"MODIFIED a", "MODIFIED a", "MODIFIED a", "DELETED a"}, strs(fw.nextN(4))); diff != "" {
		t.Errorf("field selector events (-want +got):\n%s", diff)
	}
}

func TestWatchResumeAndExpiry(t *testing.T) {
	e := newEnv(t, Options{WatchCacheSize: 5})
	var a corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "a"), &a)
	var rvs []string
	for i := range 3 {
		rvs = append(rvs, e.putLabel("default", "a", "v", strconv.Itoa(i)))
	}
	e.waitCache("", "pods", rvs[2])
	// A client that saw a's creation resumes and gets exactly what it missed.
	w := e.watch(podsPath("default") + "?watch=1&resourceVersion=" + a.ResourceVersion)
	got := w.nextN(3)
	for i, ev := range got {
		if ev.Type != metav1.Modified || ev.RV != rvs[i] {
			t.Errorf("resumed event %d: %+v, want MODIFIED at %s", i, ev, rvs[i])
		}
	}
	w.close()
	// From the middle.
	w = e.watch(podsPath("default") + "?watch=1&resourceVersion=" + rvs[1])
	if ev := w.next(); ev.RV != rvs[2] {
		t.Errorf("resumed from %s: %+v", rvs[1], ev)
	}
	w.close()
	// Once the window has moved past it, the resourceVersion is too old.
	var last string
	for i := range 10 {
		last = e.putLabel("default", "a", "w", strconv.Itoa(i))
	}
	e.waitCache("", "pods", last)
	w = e.watch(podsPath("default") + "?watch=1&resourceVersion=" + a.ResourceVersion)
	ev := w.next()
	if ev.Type != metav1.Error || ev.Status == nil || ev.Status.Code != http.StatusGone || ev.Status.Reason != metav1.StatusReasonExpired {
		t.Fatalf("want an ERROR event with 410 Expired, got %+v", ev)
	}
	w.waitEnd()
}

func TestWatchBookmarksAndTimeout(t *testing.T) {
	e := newEnv(t, Options{BookmarkInterval: 20 * time.Millisecond})
	var a corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "a"), &a)
	e.waitCache("", "pods", a.ResourceVersion)
	w := e.watch(podsPath("default") + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=" + a.ResourceVersion)
	ev := w.next()
	if ev.Type != metav1.Bookmark || mustRV(t, ev.RV) < mustRV(t, a.ResourceVersion) || ev.Name != "" {
		t.Fatalf("want a bookmark, got %+v", ev)
	}
	// Without allowWatchBookmarks, none; the stream ends after timeoutSeconds.
	quiet := e.watch(podsPath("default") + "?watch=1&timeoutSeconds=1&resourceVersion=" + a.ResourceVersion)
	quiet.waitEnd()
}

func TestWatchSlowClientIsEnded(t *testing.T) {
	e := newEnv(t, Options{WatchBufferSize: 2})
	c := e.s.lookup("", "configmaps").cache
	cw, _, _, err := c.watch(watchRequest{mode: fromState, label: labels.Everything(), field: fields.Everything()})
	if err != nil {
		t.Fatal(err)
	}
	var last corev1.ConfigMap
	for i := range 3 {
		e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps",
			fmt.Sprintf(`{"metadata":{"name":"c%d"}}`, i), &last)
	}
	// Wait until the cache has dispatched all three creates before reading
	// anything, so the third finds the two-slot buffer full.
	rev, err := strconv.ParseInt(last.ResourceVersion, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.waitRev(t.Context(), rev); err != nil {
		t.Fatal(err)
	}
	// The watcher read nothing: it gets the two events its buffer holds,
	// then its channel closes.
	var got []string
	deadline := time.After(10 * time.Second)
	for {
		select {
		case it, ok := <-cw.ch:
			if !ok {
				if diff := cmp.Diff([]string{"c0", "c1"}, got); diff != "" {
					t.Fatalf("buffered events (-want +got):\n%s", diff)
				}
				return
			}
			obj, err := it.obj.object(c.r)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, obj.GetObjectMeta().Name)
		case <-deadline:
			t.Fatalf("slow watcher not ended; got %v", got)
		}
	}
}

// countingStore counts the store watches opened.
type countingStore struct {
	store.Store
	watches atomic.Int64
}

func (c *countingStore) Watch(ctx context.Context, prefix string, opts store.WatchOptions) (<-chan store.WatchResponse, error) {
	c.watches.Add(1)
	return c.Store.Watch(ctx, prefix, opts)
}

func TestThousandWatchers(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 watchers")
	}
	t.Logf("begin at %v", time.Now().Format("05.000"))
	var cs *countingStore
	e := newEnvWith(t, Options{}, func(st store.Store) store.Store {
		cs = &countingStore{Store: st}
		return cs
	})
	storeWatches := cs.watches.Load()

	var a corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "a"), &a)
	const watchers, updates = 1000, 20
	var want []string
	var started, wg sync.WaitGroup
	started.Add(watchers)
	errs := make(chan error, watchers)
	for range watchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(e.ts.URL + podsPath("default") + "?watch=1&resourceVersion=" + a.ResourceVersion)
			started.Done()
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for i := 0; i < updates; i++ {
				if !sc.Scan() {
					errs <- fmt.Errorf("stream ended after %d events: %v", i, sc.Err())
					return
				}
				// Cheap checks keep 1000 readers fast under the race
				// detector: the type, then the label value, in order.
				line := sc.Bytes()
				if !bytes.HasPrefix(line, []byte(`{"type":"MODIFIED"`)) ||
					!bytes.Contains(line, []byte(fmt.Sprintf(`"n":"%d"`, i))) {
					errs <- fmt.Errorf("event %d: %.200s", i, line)
					return
				}
			}
		}()
	}
	started.Wait()
	t.Logf("%d watchers started at %v", watchers, time.Now().Format("05.000"))
	for i := range updates {
		want = append(want, e.putLabel("default", "a", "n", strconv.Itoa(i)))
	}
	t.Logf("updates written at %v", time.Now().Format("05.000"))
	wg.Wait()
	t.Logf("all events received at %v", time.Now().Format("05.000"))
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := cs.watches.Load(); n != storeWatches {
		t.Errorf("%d store watches after %d client watches, want %d (one per resource)", n, watchers, storeWatches)
	}
	if storeWatches != int64(len(e.s.resources)) {
		t.Errorf("%d store watches for %d resources", storeWatches, len(e.s.resources))
	}
}

// faultyStore lets a test end the store watches of one prefix with an
// error, as a store does when a watcher fell behind a compaction.
type faultyStore struct {
	store.Store
	prefix string
	mu     sync.Mutex    // guards fail
	fail   chan struct{} // closed to fail the current watches of prefix
}

func newFaultyStore(st store.Store, prefix string) *faultyStore {
	return &faultyStore{Store: st, prefix: prefix, fail: make(chan struct{})}
}

// breakWatches fails the open watches of the prefix.
func (f *faultyStore) breakWatches() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.fail)
	f.fail = make(chan struct{})
}

func (f *faultyStore) Watch(ctx context.Context, prefix string, opts store.WatchOptions) (<-chan store.WatchResponse, error) {
	ch, err := f.Store.Watch(ctx, prefix, opts)
	if err != nil || prefix != f.prefix {
		return ch, err
	}
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	out := make(chan store.WatchResponse)
	go func() {
		defer close(out)
		for {
			select {
			case r, ok := <-ch:
				if !ok {
					return
				}
				select {
				case out <- r:
				case <-ctx.Done():
					return
				}
			case <-fail:
				select {
				case out <- store.WatchResponse{Err: &store.CompactedError{Requested: opts.Revision, Compacted: opts.Revision + 1}}:
				case <-ctx.Done():
				}
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func TestWatchCacheRestartsAfterStoreWatchFails(t *testing.T) {
	var fs *faultyStore
	e := newEnvWith(t, Options{}, func(st store.Store) store.Store {
		fs = newFaultyStore(st, "/registry/core/configmaps/")
		return fs
	})
	path := "/api/v1/namespaces/default/configmaps"
	var a corev1.ConfigMap
	e.must(http.StatusCreated, "POST", path, `{"metadata":{"name":"a"}}`, &a)
	e.waitCache("", "configmaps", a.ResourceVersion)
	w := e.watch(path + "?watch=1&resourceVersion=" + a.ResourceVersion)
	fs.breakWatches()
	// The client's watch ends; it can watch again after the reload.
	w.waitEnd()
	var b corev1.ConfigMap
	e.must(http.StatusCreated, "POST", path, `{"metadata":{"name":"b"}}`, &b)
	e.waitCache("", "configmaps", b.ResourceVersion)
	w2 := e.watch(path + "?watch=1&resourceVersion=0")
	if diff := cmp.Diff([]string{"ADDED a", "ADDED b"}, strs(w2.nextN(2))); diff != "" {
		t.Errorf("after reload (-want +got):\n%s", diff)
	}
	e.must(http.StatusCreated, "POST", path, `{"metadata":{"name":"c"}}`, nil)
	if diff := cmp.Diff([]string{"ADDED c"}, strs(w2.nextN(1))); diff != "" {
		t.Errorf("live after reload (-want +got):\n%s", diff)
	}
}
