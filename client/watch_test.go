package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// next receives one event, failing the test after 20 s.
func next[T any](t *testing.T, w *Watcher[T]) (Event[T], bool) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		return ev, ok
	case <-time.After(20 * time.Second):
		t.Fatal("no watch event in 20s")
		return Event[T]{}, false
	}
}

func describeEvent(ev Event[corev1.Pod]) string {
	switch {
	case ev.Err != nil:
		return fmt.Sprintf("%s %s", ev.Type, ev.Err)
	case ev.Type == metav1.Bookmark:
		return fmt.Sprintf("%s rv=%s", ev.Type, ev.Object.ResourceVersion)
	default:
		return fmt.Sprintf("%s %s/%s app=%s", ev.Type, ev.Object.Namespace, ev.Object.Name, ev.Object.Labels["app"])
	}
}

func TestWatch(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c).Namespace("a")
	if _, err := pods.Create(ctx, pod("a", "before", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	l, err := pods.List(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := pods.Watch(ctx, WatchOptions{ResourceVersion: l.ResourceVersion, AllowWatchBookmarks: true, TimeoutSeconds: 60})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if r := f.lastRequest(); r.Query != "allowWatchBookmarks=true&resourceVersion="+l.ResourceVersion+"&timeoutSeconds=60&watch=true" {
		t.Errorf("watch query %q", r.Query)
	}
	p, err := pods.Create(ctx, pod("a", "p", map[string]string{"app": "web"}), CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mustFor[corev1.Pod](t, c).Create(ctx, pod("other", "q", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p.Labels["app"] = "db"
	if _, err := pods.Update(ctx, p, UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.bookmark("pods")
	if err := pods.Delete(ctx, "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	rev := f.rev
	f.mu.Unlock()
	var got []string
	for range 4 {
		ev, ok := next(t, w)
		if !ok {
			t.Fatal("watch ended early")
		}
		got = append(got, describeEvent(ev))
	}
	want := []string{
		"ADDED a/p app=web",
		"MODIFIED a/p app=db",
		fmt.Sprintf("BOOKMARK rv=%d", rev-1),
		"DELETED a/p app=db",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// The server ends the stream: the channel closes without an error.
	f.closeWatches()
	if ev, ok := next(t, w); ok {
		t.Errorf("after the server closed: %s", describeEvent(ev))
	}
}

func TestWatchSelectorAndInitialState(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c)
	p, err := pods.Create(ctx, pod("a", "p", map[string]string{"app": "web"}), CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// From "" the watch starts with the current objects as ADDED.
	w, err := pods.Watch(ctx, WatchOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	p.Labels["app"] = "db"
	if p, err = pods.Update(ctx, p, UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	p.Labels["app"] = "web"
	if _, err = pods.Update(ctx, p, UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.bookmark("pods") // not asked for: not sent
	if _, err := pods.Create(ctx, pod("a", "end", map[string]string{"app": "web"}), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 4 {
		ev, ok := next(t, w)
		if !ok {
			t.Fatal("watch ended early")
		}
		got = append(got, describeEvent(ev))
	}
	want := []string{"ADDED a/p app=web", "DELETED a/p app=db", "ADDED a/p app=web", "ADDED a/end app=web"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestWatchExpired(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c)
	for i := range 3 {
		if _, err := pods.Create(ctx, pod("a", fmt.Sprint("p", i), nil), CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.compact()
	w, err := pods.Watch(ctx, WatchOptions{ResourceVersion: "2"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ev, ok := next(t, w)
	if !ok || ev.Type != metav1.Error || !IsResourceExpired(ev.Err) || !isExpiredOrGone(ev.Err) || StatusCode(ev.Err) != 410 {
		t.Fatalf("got %+v, want an ERROR event with 410 Expired", ev)
	}
	if want := "too old resource version: 2 (4) (Expired, 410)"; ev.Err.Error() != want {
		t.Errorf("error %q, want %q", ev.Err, want)
	}
	if _, ok := next(t, w); ok {
		t.Error("watch went on after its ERROR event")
	}
}

func TestWatchStartError(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	f.setFail(func(r *http.Request) (int, string, *metav1.Status) {
		return 403, "", &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status"}, Reason: metav1.StatusReasonForbidden,
			Message: `pods is forbidden: User "x" cannot watch resource "pods"`}
	})
	_, err := mustFor[corev1.Pod](t, c).Watch(t.Context(), WatchOptions{})
	if !IsForbidden(err) || StatusCode(err) != 403 {
		t.Errorf("Watch: got %v, want Forbidden", err)
	}
}

func TestWatchContextEnds(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx, cancel := context.WithCancel(t.Context())
	w, err := mustFor[corev1.Pod](t, c).Watch(ctx, WatchOptions{ResourceVersion: "1"})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if ev, ok := next(t, w); ok {
		t.Errorf("event after cancel: %+v", ev)
	}
	w.Stop()
}

// TestWatchDecoding feeds the watch decoder frames directly.
func TestWatchDecoding(t *testing.T) {
	r := NewResource[corev1.Pod](nil, Pods)
	tests := []struct {
		name   string
		stream string
		want   []string
	}{
		{"newline separated", `{"type":"ADDED","object":{"metadata":{"name":"a","namespace":"n"}}}` + "\n" +
			`{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12"}}}` + "\n",
			[]string{"ADDED n/a app=", "BOOKMARK rv=12"}},
		{"concatenated", `{"type":"DELETED","object":{"metadata":{"name":"a"}}}{"type":"MODIFIED","object":{"metadata":{"name":"b"}}}`,
			[]string{"DELETED /a app=", "MODIFIED /b app="}},
		{"error status", `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}`,
			[]string{"ERROR too old resource version: 1 (5) (Expired, 410)"}},
		{"error without status", `{"type":"ERROR","object":{"kind":"Pod"}}`,
			[]string{`ERROR unable to decode an event from the watch stream: ERROR event whose object is not a Status: {"kind":"Pod"} (InternalError, 500)`}},
		{"unknown type", `{"type":"RENAMED","object":{}}{"type":"ADDED","object":{}}`,
			[]string{`ERROR unable to decode an event from the watch stream: unknown watch event type "RENAMED" (InternalError, 500)`}},
		{"bad object", `{"type":"ADDED","object":{"metadata":"x"}}`,
			[]string{"ERROR unable to decode an event from the watch stream: ADDED event: json: cannot unmarshal string into Go struct field Pod.metadata of type v1.ObjectMeta (InternalError, 500)"}},
		{"bad json", `{"type":"ADDED","object":{}}` + "\n" + `{"type":` + "}",
			[]string{"ADDED / app=", "ERROR unable to decode an event from the watch stream: invalid character '}' looking for beginning of value (InternalError, 500)"}},
		{"cut off", `{"type":"ADDED","object":{}}` + "\n" + `{"type":"ADD`, []string{"ADDED / app="}},
		{"empty", ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWatcher(io.NopCloser(strings.NewReader(tt.stream)), r)
			var got []string
			for ev := range w.ResultChan() {
				got = append(got, describeEvent(ev))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			w.Stop()
		})
	}
}

// FuzzWatchDecoding checks that no stream makes the decoder panic or hang,
// and that every event is well-formed.
func FuzzWatchDecoding(f *testing.F) {
	f.Add(`{"type":"ADDED","object":{"metadata":{"name":"a"}}}`)
	f.Add(`{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}}`)
	f.Add(`{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"1"}}}{"type":"DELETED","object":null}`)
	f.Add(`[1,2]`)
	r := NewResource[corev1.Pod](nil, Pods)
	f.Fuzz(func(t *testing.T, stream string) {
		w := newWatcher(io.NopCloser(strings.NewReader(stream)), r)
		for ev := range w.ResultChan() {
			if (ev.Type == metav1.Error) != (ev.Err != nil) {
				t.Fatalf("event %s with error %v", ev.Type, ev.Err)
			}
			if ev.Type != metav1.Error && ev.Object == nil {
				t.Fatalf("%s event without an object", ev.Type)
			}
		}
		w.Stop()
	})
}
