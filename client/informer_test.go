package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// recorder is a Handler that records what it is told, as strings.
type recorder struct {
	mu      sync.Mutex // guards events and changed
	events  []string
	changed chan struct{}
	block   chan struct{} // when not nil, every call waits for it to close
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) add(s string) {
	if r.block != nil {
		<-r.block
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, s)
	close(r.changed)
	r.changed = make(chan struct{})
}

func podKey(p *corev1.Pod) string { return Key(p.Namespace, p.Name) }

func (r *recorder) OnAdd(p *corev1.Pod, initial bool) {
	r.add(fmt.Sprintf("add %s rv=%s initial=%v", podKey(p), p.ResourceVersion, initial))
}

func (r *recorder) OnUpdate(old, p *corev1.Pod) {
	r.add(fmt.Sprintf("update %s rv=%s->%s", podKey(p), old.ResourceVersion, p.ResourceVersion))
}

func (r *recorder) OnDelete(p *corev1.Pod, unknown bool) {
	r.add(fmt.Sprintf("delete %s rv=%s unknown=%v", podKey(p), p.ResourceVersion, unknown))
}

// wait returns the events once there are at least n, failing after 20 s.
func (r *recorder) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		if len(r.events) >= n {
			out := slices.Clone(r.events)
			r.mu.Unlock()
			return out
		}
		changed := r.changed
		got := slices.Clone(r.events)
		r.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("waited 20s for %d events; have %d:\n%v", n, len(got), got)
		}
	}
}

// reset forgets the events recorded so far.
func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

// runInformer runs inf until the test ends, waiting for it to return.
func runInformer[T any](t *testing.T, inf *Informer[T]) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- inf.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func waitSynced(t *testing.T, syncs ...Syncer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if !WaitForCacheSync(ctx, syncs...) {
		t.Fatal("caches did not sync in 20s")
	}
}

var fastBackoff = InformerOptions{MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}

func TestInformerListAndWatch(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c)
	var initial []*corev1.Pod
	for i, ns := range []string{"a", "a", "b"} {
		p := pod(ns, fmt.Sprint("p", i), map[string]string{"app": []string{"web", "db", "web"}[i]})
		p.Spec.NodeName = []string{"n1", "", "n1"}[i]
		p, err := pods.Create(ctx, p, CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		initial = append(initial, p)
	}
	opts := fastBackoff
	opts.PageSize = 2
	inf := NewInformer(pods, opts)
	if err := inf.AddIndexers(Indexers[corev1.Pod]{PodNodeNameIndex: IndexPodsByNodeName}); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	reg, err := inf.AddEventHandler(rec)
	if err != nil {
		t.Fatal(err)
	}
	if inf.HasSynced() || reg.HasSynced() {
		t.Fatal("synced before Run")
	}
	runInformer(t, inf)
	waitSynced(t, inf, reg)
	if !inf.HasSynced() || !reg.HasSynced() {
		t.Fatal("HasSynced false after WaitForCacheSync")
	}
	got := rec.wait(t, 3)
	want := []string{
		"add a/p0 rv=2 initial=true",
		"add a/p1 rv=3 initial=true",
		"add b/p2 rv=4 initial=true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("initial list (-want +got):\n%s", diff)
	}
	watches := f.waitWatchRequests(t, 1)
	if watches[0] != "4" {
		t.Errorf("watch from %q, want the list's resourceVersion 4", watches[0])
	}
	f.mu.Lock()
	var lists []string
	for _, r := range f.requests {
		if r.Method == "GET" && r.Path == "/api/v1/pods" {
			q, _ := parseQuery(r.Query)
			lists = append(lists, fmt.Sprintf("limit=%s continue=%v watch=%s bookmarks=%s", q.Get("limit"), q.Get("continue") != "", q.Get("watch"), q.Get("allowWatchBookmarks")))
		}
	}
	f.mu.Unlock()
	if diff := cmp.Diff([]string{"limit=2 continue=false watch= bookmarks=", "limit=2 continue=true watch= bookmarks=", "limit= continue=false watch=true bookmarks=true"}, lists); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	// Changes arrive as events, in order.
	rec.reset()
	p3, err := pods.Create(ctx, pod("b", "p3", map[string]string{"app": "web"}), CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p0 := initial[0].DeepCopy()
	p0.Labels["app"] = "cache"
	if _, err := pods.Update(ctx, p0, UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.Namespace("a").Delete(ctx, "p1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got = rec.wait(t, 3)
	want = []string{
		"add b/p3 rv=5 initial=false",
		"update a/p0 rv=2->6",
		"delete a/p1 rv=7 unknown=false",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if rv := inf.LastSyncResourceVersion(); rv != "7" {
		t.Errorf("LastSyncResourceVersion = %s, want 7", rv)
	}

	// The lister reads the cache.
	lister := inf.Lister()
	names := func(ps []*corev1.Pod) []string {
		var out []string
		for _, p := range ps {
			out = append(out, podKey(p))
		}
		slices.Sort(out)
		return out
	}
	web, _ := labels.Parse("app=web")
	tests := []struct {
		name string
		got  []*corev1.Pod
		want []string
	}{
		{"all", lister.List(nil), []string{"a/p0", "b/p2", "b/p3"}},
		{"selector", lister.List(web), []string{"b/p2", "b/p3"}},
		{"namespace", lister.ListNamespace("a", labels.Everything()), []string{"a/p0"}},
		{"namespace and selector", lister.ListNamespace("b", web), []string{"b/p2", "b/p3"}},
		{"by node", must(lister.ByIndex(PodNodeNameIndex, "n1")), []string{"a/p0", "b/p2"}},
		{"unscheduled", must(lister.ByIndex(PodNodeNameIndex, "")), []string{"b/p3"}},
		{"by namespace index", must(inf.Store().ByIndex(NamespaceIndex, "b")), []string{"b/p2", "b/p3"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, names(tt.got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if got, err := lister.Get("b", "p3"); err != nil || got.UID != p3.UID {
		t.Errorf("Get(b, p3) = %v, %v", got, err)
	}
	if _, err := lister.Get("a", "p1"); !IsNotFound(err) || err.Error() != `pods "p1" not found (NotFound, 404)` {
		t.Errorf("Get of a deleted pod: %v", err)
	}
	if _, err := lister.ByIndex("nope", "x"); err == nil {
		t.Error("ByIndex of a missing index: no error")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestInformerRelistAfterExpired(t *testing.T) {
	for _, mode := range []string{"error event", "error response"} {
		t.Run(mode, func(t *testing.T) {
			f := newFakeServer(t)
			c := f.start(t)
			ctx := t.Context()
			pods := mustFor[corev1.Pod](t, c).Namespace("a")
			for _, n := range []string{"A", "B", "D"} {
				if _, err := pods.Create(ctx, pod("a", n, nil), CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			inf := NewInformer(pods, fastBackoff)
			rec := newRecorder()
			if _, err := inf.AddEventHandler(rec); err != nil {
				t.Fatal(err)
			}
			runInformer(t, inf)
			rec.wait(t, 3)
			f.waitWatchRequests(t, 1)
			rec.reset()

			// Hold the informer's next watch while the objects change and
			// the history it would resume from is compacted away.
			release := f.holdWatches()
			f.closeWatches()
			f.waitWatchRequests(t, 2)
			if err := pods.Delete(ctx, "A", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			b, _ := pods.Get(ctx, "B", GetOptions{})
			b.Labels = map[string]string{"changed": "yes"}
			if _, err := pods.Update(ctx, b, UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := pods.Create(ctx, pod("a", "C", nil), CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			f.compact()
			if mode == "error response" {
				once := true
				f.setFail(func(r *http.Request) (int, string, *metav1.Status) {
					if once && r.URL.Query().Get("watch") == "true" {
						once = false
						return 410, "", &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status"}, Code: 410, Reason: metav1.StatusReasonGone, Message: "gone"}
					}
					return 0, "", nil
				})
			}
			release()
			got := rec.wait(t, 3)
			want := []string{
				"update a/B rv=3->6",
				"add a/C rv=7 initial=false",
				"delete a/A rv=2 unknown=true", // the last state the cache had
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("relist (-want +got):\n%s", diff)
			}
			// Watching resumes from the relist.
			if _, err := pods.Create(ctx, pod("a", "E", nil), CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			got = rec.wait(t, 4)
			if got[3] != "add a/E rv=8 initial=false" {
				t.Errorf("after relist: %v", got[3:])
			}
			keys := inf.Store().ListKeys()
			slices.Sort(keys)
			if diff := cmp.Diff([]string{"a/B", "a/C", "a/D", "a/E"}, keys); diff != "" {
				t.Errorf("cache (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInformerReconnect checks that an informer whose watch the server
// keeps closing sees every change exactly once, in order.
func TestInformerReconnect(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c).Namespace("a")
	inf := NewInformer(pods, fastBackoff)
	rec := newRecorder()
	if _, err := inf.AddEventHandler(rec); err != nil {
		t.Fatal(err)
	}
	runInformer(t, inf)
	waitSynced(t, inf)

	const changes = 240
	live := map[string]*corev1.Pod{}
	for i := range changes {
		name := fmt.Sprint("p", i%7)
		switch p := live[name]; {
		case p == nil:
			p, err := pods.Create(ctx, pod("a", name, nil), CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			live[name] = p
		case i%3 == 0:
			if err := pods.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			delete(live, name)
		default:
			p = p.DeepCopy()
			p.Labels = map[string]string{"i": strconv.Itoa(i)}
			p, err := pods.Update(ctx, p, UpdateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			live[name] = p
		}
		if i%11 == 0 {
			f.bookmark("pods")
		}
		if i%17 == 0 {
			f.closeWatches()
		}
	}
	// What the server did, as the recorder would tell it.
	var want []string
	last := map[string]string{}
	for _, ch := range f.events("pods") {
		rv := str(meta(ch.obj), "resourceVersion")
		key := Key(ch.ns, ch.name)
		switch ch.typ {
		case metav1.Added:
			want = append(want, fmt.Sprintf("add %s rv=%s initial=false", key, rv))
		case metav1.Modified:
			want = append(want, fmt.Sprintf("update %s rv=%s->%s", key, last[key], rv))
		case metav1.Deleted:
			want = append(want, fmt.Sprintf("delete %s rv=%s unknown=false", key, rv))
		}
		last[key] = rv
	}
	if len(want) != changes {
		t.Fatalf("server history has %d changes, want %d", len(want), changes)
	}
	got := rec.wait(t, changes)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("handler saw (-server +handler):\n%s", diff)
	}
	watches := f.waitWatchRequests(t, 1)
	if len(watches) < changes/17 {
		t.Errorf("%d watch requests; the server closed the stream %d times", len(watches), changes/17+1)
	}
	// Each watch resumed where the last left off: the versions never go back.
	prev := int64(0)
	for _, w := range watches {
		n, _ := strconv.ParseInt(w, 10, 64)
		if n < prev {
			t.Errorf("watch from %d after one from %d: %v", n, prev, watches)
		}
		prev = n
	}
	keys := inf.Store().ListKeys()
	slices.Sort(keys)
	var wantKeys []string
	for n := range live {
		wantKeys = append(wantKeys, "a/"+n)
	}
	slices.Sort(wantKeys)
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Errorf("cache (-want +got):\n%s", diff)
	}
}

// TestInformerBookmarkResume checks that a bookmark moves the point a
// watch resumes from.
func TestInformerBookmarkResume(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	inf := NewInformer(mustFor[corev1.Pod](t, c), fastBackoff)
	runInformer(t, inf)
	waitSynced(t, inf)
	f.waitWatchRequests(t, 1)
	// Other resources move the revision on; pods see it only by bookmark.
	cms := mustFor[corev1.ConfigMap](t, c)
	for i := range 3 {
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: fmt.Sprint("c", i)}}, CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.bookmark("pods")
	f.closeWatches() // the stream sends the bookmark, then ends
	watches := f.waitWatchRequests(t, 2)
	if watches[1] != "4" {
		t.Errorf("resumed from %q, want the bookmark's 4 (requests %v)", watches[1], watches)
	}
}

func TestInformerSlowHandler(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c).Namespace("a")
	if _, err := pods.Create(ctx, pod("a", "first", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	inf := NewInformer(pods, fastBackoff)
	slow, fast := newRecorder(), newRecorder()
	slow.block = make(chan struct{})
	slowReg, err := inf.AddEventHandler(slow)
	if err != nil {
		t.Fatal(err)
	}
	fastReg, err := inf.AddEventHandler(fast)
	if err != nil {
		t.Fatal(err)
	}
	runInformer(t, inf)
	waitSynced(t, inf, fastReg)
	if slowReg.HasSynced() {
		t.Error("blocked handler has synced")
	}
	const n = 50
	for i := range n {
		if _, err := pods.Create(ctx, pod("a", fmt.Sprint("p", i), nil), CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The fast handler sees everything while the slow one is stuck in its
	// first call, the initial add: behind it wait the synced marker and n
	// adds.
	fast.wait(t, n+1)
	if p := slowReg.Pending(); p != n+1 {
		t.Errorf("slow handler has %d pending, want %d", p, n+1)
	}
	if p := fastReg.Pending(); p != 0 {
		t.Errorf("fast handler has %d pending", p)
	}
	close(slow.block)
	if diff := cmp.Diff(fast.wait(t, n+1), slow.wait(t, n+1)); diff != "" {
		t.Errorf("slow handler saw a different sequence (-fast +slow):\n%s", diff)
	}
	waitSynced(t, slowReg)
}

func TestInformerLateHandlerAndRemove(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c).Namespace("a")
	for _, n := range []string{"x", "y"} {
		if _, err := pods.Create(ctx, pod("a", n, nil), CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	inf := NewInformer(pods, fastBackoff)
	runInformer(t, inf)
	waitSynced(t, inf)
	rec := newRecorder()
	reg, err := inf.AddEventHandler(rec)
	if err != nil {
		t.Fatal(err)
	}
	waitSynced(t, reg)
	got := rec.wait(t, 2)
	slices.Sort(got)
	if diff := cmp.Diff([]string{"add a/x rv=2 initial=true", "add a/y rv=3 initial=true"}, got); diff != "" {
		t.Errorf("replay (-want +got):\n%s", diff)
	}
	// A removed handler hears nothing more; another one still does.
	other := newRecorder()
	if _, err := inf.AddEventHandler(other); err != nil {
		t.Fatal(err)
	}
	inf.RemoveEventHandler(reg)
	if _, err := pods.Create(ctx, pod("a", "z", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	other.wait(t, 3)
	if got := rec.wait(t, 2); len(got) != 2 {
		t.Errorf("removed handler got %v", got)
	}
}

func TestInformerRetriesListAndRunsOnce(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	failures := 3
	f.setFail(func(r *http.Request) (int, string, *metav1.Status) {
		if failures > 0 && r.URL.Query().Get("watch") == "" {
			failures--
			return 500, "", nil
		}
		return 0, "", nil
	})
	inf := NewInformer(mustFor[corev1.Pod](t, c), fastBackoff)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- inf.Run(ctx) }()
	waitSynced(t, inf)
	if err := inf.Run(ctx); err == nil {
		t.Error("second Run: no error")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := inf.AddEventHandler(newRecorder()); err == nil {
		t.Error("AddEventHandler after Run returned: no error")
	}
	if failures != 0 {
		t.Errorf("%d failures left", failures)
	}
}

func TestInformerResync(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	pods := mustFor[corev1.Pod](t, c).Namespace("a")
	if _, err := pods.Create(t.Context(), pod("a", "x", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	opts := fastBackoff
	opts.ResyncPeriod = time.Millisecond
	inf := NewInformer(pods, opts)
	rec := newRecorder()
	if _, err := inf.AddEventHandler(rec); err != nil {
		t.Fatal(err)
	}
	runInformer(t, inf)
	got := rec.wait(t, 3)
	if diff := cmp.Diff([]string{"add a/x rv=2 initial=true", "update a/x rv=2->2", "update a/x rv=2->2"}, got[:3]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWaitForCacheSyncCancelled(t *testing.T) {
	inf := NewInformer(NewResource[corev1.Pod](nil, Pods), InformerOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if WaitForCacheSync(ctx, inf) {
		t.Error("WaitForCacheSync on a cancelled context reported true")
	}
}

func TestInformerFactory(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	if _, err := mustFor[corev1.Pod](t, c).Create(ctx, pod("a", "p", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := mustFor[corev1.Pod](t, c).Create(ctx, pod("b", "q", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fac := NewInformerFactory(c, FactoryOptions{Namespace: "a", MinBackoff: time.Millisecond})
	p1, err := InformerFor[corev1.Pod](fac)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := InformerFor[corev1.Pod](fac)
	if err != nil || p1 != p2 {
		t.Fatalf("second InformerFor: %p, %v; want the first %p", p2, err, p1)
	}
	if _, err := ResourceInformer[corev1.Node](fac, Pods); err == nil {
		t.Error("informer for pods as nodes: no error")
	}
	if _, err := InformerFor[struct{ metav1.ObjectMeta }](fac); err == nil {
		t.Error("informer for a type that is not a built-in kind: no error")
	}
	nodes, err := InformerFor[corev1.Node](fac)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	fac.Start(runCtx)
	fac.Start(runCtx) // no second run
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if !fac.WaitForCacheSync(wctx) {
		t.Fatal("factory did not sync")
	}
	if keys := p1.Store().ListKeys(); len(keys) != 1 || keys[0] != "a/p" {
		t.Errorf("namespaced informer cached %v", keys)
	}
	if !nodes.HasSynced() {
		t.Error("nodes not synced")
	}
	// A late informer starts with the next Start.
	cms, err := InformerFor[corev1.ConfigMap](fac)
	if err != nil {
		t.Fatal(err)
	}
	fac.Start(runCtx)
	waitSynced(t, cms)
	cancel()
	fac.Shutdown()
	if _, err := InformerFor[corev1.Service](fac); err == nil {
		t.Error("InformerFor after Shutdown: no error")
	}
}

func parseQuery(q string) (interface{ Get(string) string }, error) { return url.ParseQuery(q) }
