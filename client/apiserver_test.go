package client_test

// These tests run the client against Rigging's real API server on the
// store/mvcc engine, over loopback HTTP and in-process.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// realServer is a started apiserver on a fresh mvcc store, behind a
// watchControl, served over loopback; everything ends with the test.
type realServer struct {
	srv   *apiserver.Server
	wc    *watchControl
	url   string
	inner http.Handler // the server without the watchControl
}

func newRealServer(t *testing.T, opts apiserver.Options) *realServer {
	t.Helper()
	st, err := mvcc.Open(t.Context(), mvcc.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("mvcc.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	srv, err := apiserver.New(st, opts)
	if err != nil {
		t.Fatalf("apiserver.New: %v", err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatalf("apiserver Start: %v", err)
	}
	wc := newWatchControl(srv)
	ts := httptest.NewServer(wc)
	t.Cleanup(func() {
		wc.closeWatches()
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("apiserver Close: %v", err)
		}
	})
	return &realServer{srv: srv, wc: wc, url: ts.URL, inner: srv}
}

// transports are the two ways a client reaches the server.
func transports(t *testing.T, rs *realServer) map[string]*client.Client {
	t.Helper()
	c, err := client.New(client.Config{Host: rs.url})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*client.Client{"http": c, "in-process": client.NewInProcess(rs.wc)}
}

// watchControl wraps a handler so that tests can end every watch stream
// (as a server restart or a load balancer would) and hold new ones back.
type watchControl struct {
	next http.Handler

	mu       sync.Mutex // guards the fields below
	gate     chan struct{}
	running  map[*runningWatch]struct{}
	requests []string // the resourceVersion of each watch request
	changed  chan struct{}
}

type runningWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func newWatchControl(next http.Handler) *watchControl {
	return &watchControl{next: next, running: map[*runningWatch]struct{}{}, changed: make(chan struct{})}
}

func (wc *watchControl) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("watch") != "true" {
		wc.next.ServeHTTP(w, r)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	rw := &runningWatch{cancel: cancel, done: make(chan struct{})}
	defer close(rw.done)
	wc.mu.Lock()
	wc.requests = append(wc.requests, r.URL.Query().Get("resourceVersion"))
	close(wc.changed)
	wc.changed = make(chan struct{})
	gate := wc.gate
	if gate == nil {
		wc.running[rw] = struct{}{}
	}
	wc.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return
		}
		wc.mu.Lock()
		wc.running[rw] = struct{}{}
		wc.mu.Unlock()
	}
	defer func() {
		wc.mu.Lock()
		delete(wc.running, rw)
		wc.mu.Unlock()
	}()
	wc.next.ServeHTTP(w, r.WithContext(ctx))
}

// closeWatches ends every running watch (not those held) and returns once
// their handlers have returned.
func (wc *watchControl) closeWatches() {
	wc.mu.Lock()
	var done []chan struct{}
	for rw := range wc.running {
		rw.cancel()
		done = append(done, rw.done)
	}
	wc.mu.Unlock()
	for _, d := range done {
		<-d
	}
}

// hold makes new watch requests wait until release is called.
func (wc *watchControl) hold() (release func()) {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	g := make(chan struct{})
	wc.gate = g
	return func() {
		wc.mu.Lock()
		wc.gate = nil
		wc.mu.Unlock()
		close(g)
	}
}

// waitRequests waits for n watch requests and returns their versions.
func (wc *watchControl) waitRequests(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		wc.mu.Lock()
		if len(wc.requests) >= n {
			out := slices.Clone(wc.requests)
			wc.mu.Unlock()
			return out
		}
		ch := wc.changed
		wc.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("waited 20s for %d watch requests", n)
		}
	}
}

func newPod(ns, name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
}

func forKind[T any, PT client.Object[T]](t *testing.T, c *client.Client) *client.Resource[T] {
	t.Helper()
	r, err := client.For[T, PT](c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAPIServerVerbs(t *testing.T) {
	rs := newRealServer(t, apiserver.Options{})
	for name, c := range transports(t, rs) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			ns := "ns-" + strings.ReplaceAll(name, "-", "")
			nss := forKind[corev1.Namespace](t, c)
			if _, err := nss.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, client.CreateOptions{}); err != nil {
				t.Fatalf("create namespace: %v", err)
			}
			pods := forKind[corev1.Pod](t, c).Namespace(ns)

			created, err := pods.Create(ctx, newPod(ns, "web", map[string]string{"app": "web"}), client.CreateOptions{})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if created.UID == "" || created.ResourceVersion == "" || created.Kind != "Pod" {
				t.Errorf("Create returned %+v %+v", created.TypeMeta, created.ObjectMeta)
			}
			if _, err := pods.Create(ctx, newPod(ns, "web", nil), client.CreateOptions{}); !client.IsAlreadyExists(err) {
				t.Errorf("second Create: %v, want AlreadyExists", err)
			}
			bad := newPod(ns, "Bad_Name", nil)
			if _, err := pods.Create(ctx, bad, client.CreateOptions{}); !client.IsInvalid(err) {
				t.Errorf("Create with an invalid name: %v, want Invalid", err)
			}
			got, err := pods.Get(ctx, "web", client.GetOptions{})
			if err != nil || got.UID != created.UID {
				t.Fatalf("Get: %v, %v", got, err)
			}
			if _, err := pods.Get(ctx, "nope", client.GetOptions{}); !client.IsNotFound(err) {
				t.Errorf("Get missing: %v, want NotFound", err)
			}

			upd := got.DeepCopy()
			upd.Labels["tier"] = "front"
			upd2, err := pods.Update(ctx, upd, client.UpdateOptions{})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if _, err := pods.Update(ctx, upd, client.UpdateOptions{}); !client.IsConflict(err) {
				t.Errorf("stale Update: %v, want Conflict", err)
			}
			st := upd2.DeepCopy()
			st.Status.Phase = corev1.PodPending
			st.Status.Message = "status"
			if _, err := pods.UpdateStatus(ctx, st, client.UpdateOptions{}); err != nil {
				t.Fatalf("UpdateStatus: %v", err)
			}
			for _, p := range []struct {
				typ  client.PatchType
				data string
				want string
			}{
				{client.MergePatchType, `{"metadata":{"labels":{"merge":"1"}}}`, "merge"},
				{client.StrategicMergePatchType, `{"metadata":{"labels":{"strategic":"1"}}}`, "strategic"},
				{client.JSONPatchType, `[{"op":"add","path":"/metadata/labels/json","value":"1"}]`, "json"},
			} {
				out, err := pods.Patch(ctx, "web", p.typ, []byte(p.data), client.PatchOptions{})
				if err != nil {
					t.Fatalf("Patch %s: %v", p.typ, err)
				}
				if out.Labels[p.want] != "1" {
					t.Errorf("Patch %s: labels %v", p.typ, out.Labels)
				}
			}
			patched, err := pods.Patch(ctx, "web", client.MergePatchType, []byte(`{"status":{"message":"patched"}}`), client.PatchOptions{}, "status")
			if err != nil || patched.Status.Message != "patched" {
				t.Errorf("Patch status: %v, %v", patched.Status.Message, err)
			}

			// Pages.
			for i := range 5 {
				if _, err := pods.Create(ctx, newPod(ns, fmt.Sprint("page-", i), map[string]string{"page": "yes"}), client.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			var names []string
			opts := client.ListOptions{LabelSelector: "page=yes", Limit: 2}
			pages := 0
			for {
				l, err := pods.List(ctx, opts)
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				pages++
				for _, p := range l.Items {
					names = append(names, p.Name)
				}
				if l.Continue == "" {
					break
				}
				opts.Continue = l.Continue
			}
			if diff := cmp.Diff([]string{"page-0", "page-1", "page-2", "page-3", "page-4"}, names); diff != "" || pages != 3 {
				t.Errorf("%d pages (-want +got):\n%s", pages, diff)
			}

			// Bind, then evict.
			if _, err := forKind[corev1.Node](t, c).Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-" + ns}}, client.CreateOptions{}); err != nil {
				t.Fatalf("create node: %v", err)
			}
			b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "page-0"}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-" + ns}}
			if err := pods.Bind(ctx, b, client.CreateOptions{}); err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if p, _ := pods.Get(ctx, "page-0", client.GetOptions{}); p.Spec.NodeName != "node-"+ns {
				t.Errorf("after Bind nodeName %q", p.Spec.NodeName)
			}
			if err := pods.Bind(ctx, b, client.CreateOptions{}); !client.IsConflict(err) {
				t.Errorf("second Bind: %v, want Conflict", err)
			}
			zero := int64(0)
			if err := pods.Evict(ctx, "page-1", &metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
				t.Fatalf("Evict: %v", err)
			}
			if p, err := pods.Get(ctx, "page-1", client.GetOptions{}); err == nil && p.DeletionTimestamp == nil {
				t.Errorf("evicted pod neither gone nor terminating")
			}

			// Delete with preconditions, then the collection.
			stale := created.ResourceVersion
			if err := pods.Delete(ctx, "web", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &stale}}); !client.IsConflict(err) {
				t.Errorf("Delete with a stale precondition: %v, want Conflict", err)
			}
			if err := pods.Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, client.ListOptions{LabelSelector: "page=yes"}); err != nil {
				t.Fatalf("DeleteCollection: %v", err)
			}
			l, err := pods.List(ctx, client.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range l.Items {
				if p.DeletionTimestamp == nil {
					t.Errorf("pod %s survived DeleteCollection", p.Name)
				}
			}

			// Scale.
			deps := forKind[appsv1.Deployment](t, c).Namespace(ns)
			two := int32(2)
			labels := map[string]string{"app": "d"}
			if _, err := deps.Create(ctx, &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Name: "d"},
				Spec: appsv1.DeploymentSpec{
					Replicas: &two,
					Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: labels},
						Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
					},
				},
			}, client.CreateOptions{}); err != nil {
				t.Fatalf("create deployment: %v", err)
			}
			sc, err := deps.GetScale(ctx, "d")
			if err != nil || sc.Spec.Replicas != 2 {
				t.Fatalf("GetScale = %+v, %v", sc, err)
			}
			sc.Spec.Replicas = 4
			if sc, err = deps.UpdateScale(ctx, "d", sc, client.UpdateOptions{}); err != nil || sc.Spec.Replicas != 4 {
				t.Fatalf("UpdateScale = %+v, %v", sc, err)
			}
			if d, _ := deps.Get(ctx, "d", client.GetOptions{}); *d.Spec.Replicas != 4 {
				t.Errorf("deployment replicas %d after UpdateScale", *d.Spec.Replicas)
			}
		})
	}
}

// recorder records handler notifications as strings.
type recorder struct {
	mu      sync.Mutex
	events  []string
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, s)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) OnAdd(p *corev1.Pod, initial bool) {
	r.add(fmt.Sprintf("add %s/%s rv=%s initial=%v", p.Namespace, p.Name, p.ResourceVersion, initial))
}

func (r *recorder) OnUpdate(old, p *corev1.Pod) {
	r.add(fmt.Sprintf("update %s/%s rv=%s->%s", p.Namespace, p.Name, old.ResourceVersion, p.ResourceVersion))
}

func (r *recorder) OnDelete(p *corev1.Pod, unknown bool) {
	r.add(fmt.Sprintf("delete %s/%s rv=%s unknown=%v", p.Namespace, p.Name, p.ResourceVersion, unknown))
}

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
		ch, have := r.changed, slices.Clone(r.events)
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("waited 20s for %d events; have %v", n, have)
		}
	}
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

func run(t *testing.T, inf interface{ Run(context.Context) error }) {
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

func waitSynced(t *testing.T, s ...client.Syncer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if !client.WaitForCacheSync(ctx, s...) {
		t.Fatal("not synced in 20s")
	}
}

var fast = client.InformerOptions{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

// TestAPIServerInformerReconnect runs an informer whose watch keeps being
// cut, with bookmarks flowing, and checks that its handler sees exactly
// the events an uninterrupted watch sees.
func TestAPIServerInformerReconnect(t *testing.T) {
	rs := newRealServer(t, apiserver.Options{BookmarkInterval: 5 * time.Millisecond})
	for name, c := range transports(t, rs) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			ns := "rc-" + strings.ReplaceAll(name, "-", "")
			if _, err := forKind[corev1.Namespace](t, c).Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, client.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			pods := forKind[corev1.Pod](t, c).Namespace(ns)
			if _, err := pods.Create(ctx, newPod(ns, "initial", nil), client.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			inf := client.NewInformer(pods, fast)
			rec := newRecorder()
			reg, err := inf.AddEventHandler(rec)
			if err != nil {
				t.Fatal(err)
			}
			run(t, inf)
			waitSynced(t, inf, reg)
			rec.wait(t, 1)
			rec.reset()

			// An uninterrupted reference watch, straight to the server.
			direct := forKind[corev1.Pod](t, client.NewInProcess(rs.inner)).Namespace(ns)
			ref, err := direct.Watch(ctx, client.WatchOptions{ResourceVersion: inf.LastSyncResourceVersion()})
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Stop()
			var refEvents []string
			refDone := make(chan struct{})
			const changes = 150
			go func() {
				defer close(refDone)
				last := map[string]string{"initial": "?"}
				for ev := range ref.ResultChan() {
					p := ev.Object
					switch ev.Type {
					case metav1.Added:
						refEvents = append(refEvents, fmt.Sprintf("add %s/%s rv=%s initial=false", p.Namespace, p.Name, p.ResourceVersion))
					case metav1.Modified:
						refEvents = append(refEvents, fmt.Sprintf("update %s/%s rv=%s->%s", p.Namespace, p.Name, last[p.Name], p.ResourceVersion))
					case metav1.Deleted:
						refEvents = append(refEvents, fmt.Sprintf("delete %s/%s rv=%s unknown=false", p.Namespace, p.Name, p.ResourceVersion))
					default:
						continue
					}
					last[p.Name] = p.ResourceVersion
					if len(refEvents) == changes {
						return
					}
				}
			}()
			initial, err := pods.Get(ctx, "initial", client.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			live := map[string]*corev1.Pod{"initial": initial}
			zero := int64(0)
			for i := range changes {
				n := fmt.Sprint("p", i%5)
				if i%5 == 0 {
					n = "initial"
				}
				switch p := live[n]; {
				case p == nil:
					p, err := pods.Create(ctx, newPod(ns, n, nil), client.CreateOptions{})
					if err != nil {
						t.Fatal(err)
					}
					live[n] = p
				case i%4 == 0:
					if err := pods.Delete(ctx, n, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
						t.Fatal(err)
					}
					delete(live, n)
				default:
					p = p.DeepCopy()
					p.Labels = map[string]string{"i": strconv.Itoa(i)}
					p, err := pods.Update(ctx, p, client.UpdateOptions{})
					if err != nil {
						t.Fatal(err)
					}
					live[n] = p
				}
				if i%13 == 0 {
					rs.wc.closeWatches()
				}
			}
			<-refDone
			// The reference watch had no "before" for the initial pod.
			for i, e := range refEvents {
				refEvents[i] = strings.Replace(e, "rv=?->", "rv="+initial.ResourceVersion+"->", 1)
			}
			got := rec.wait(t, changes)
			if diff := cmp.Diff(refEvents, got); diff != "" {
				t.Errorf("handler (-reference watch +informer):\n%s", diff)
			}
			keys := inf.Store().ListKeys()
			slices.Sort(keys)
			var want []string
			for n := range live {
				want = append(want, ns+"/"+n)
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, keys); diff != "" {
				t.Errorf("cache (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAPIServerInformerRelist makes an informer fall out of the watch
// cache's window while its watch is held back, and checks the relist's
// notifications: the changes it missed, with a tombstone for the pod
// deleted meanwhile.
func TestAPIServerInformerRelist(t *testing.T) {
	rs := newRealServer(t, apiserver.Options{WatchCacheSize: 4})
	c := client.NewInProcess(rs.wc)
	ctx := t.Context()
	pods := forKind[corev1.Pod](t, c).Namespace("default")
	for _, n := range []string{"a", "b", "d"} {
		if _, err := pods.Create(ctx, newPod("default", n, nil), client.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	inf := client.NewInformer(pods, fast)
	rec := newRecorder()
	if _, err := inf.AddEventHandler(rec); err != nil {
		t.Fatal(err)
	}
	run(t, inf)
	waitSynced(t, inf)
	rec.wait(t, 3)
	rs.wc.waitRequests(t, 1)
	rec.reset()
	a, _ := pods.Get(ctx, "a", client.GetOptions{})

	release := rs.wc.hold()
	rs.wc.closeWatches()
	rs.wc.waitRequests(t, 2)
	zero := int64(0)
	if err := pods.Delete(ctx, "a", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	b, _ := pods.Get(ctx, "b", client.GetOptions{})
	for i := range 6 { // past the window of 4
		b = b.DeepCopy()
		b.Labels = map[string]string{"i": strconv.Itoa(i)}
		var err error
		if b, err = pods.Update(ctx, b, client.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cpod, err := pods.Create(ctx, newPod("default", "c", nil), client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	release()
	got := rec.wait(t, 3)
	slices.Sort(got)
	want := []string{
		fmt.Sprintf("add default/c rv=%s initial=false", cpod.ResourceVersion),
		fmt.Sprintf("delete default/a rv=%s unknown=true", a.ResourceVersion),
		"update default/b rv=",
	}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || !strings.HasPrefix(got[2], want[2]) || !strings.HasSuffix(got[2], "->"+b.ResourceVersion) {
		t.Errorf("relist notifications:\n got %v\nwant %v (b at %s)", got, want, b.ResourceVersion)
	}
	// And the informer watches again from the relist.
	if _, err := pods.Create(ctx, newPod("default", "e", nil), client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := rec.wait(t, 4); !strings.HasPrefix(got[3], "add default/e ") {
		t.Errorf("after relist: %v", got[3:])
	}
}

func TestAPIServerFactoryAndListers(t *testing.T) {
	rs := newRealServer(t, apiserver.Options{})
	c := client.NewInProcess(rs.wc)
	ctx := t.Context()
	pods := forKind[corev1.Pod](t, c).Namespace("default")
	for i, node := range []string{"n1", "n2", "n1", ""} {
		p := newPod("default", fmt.Sprint("p", i), map[string]string{"app": []string{"web", "db"}[i%2]})
		p.Spec.NodeName = node
		if _, err := pods.Create(ctx, p, client.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f := client.NewInformerFactory(c, client.FactoryOptions{MinBackoff: time.Millisecond})
	podInf, err := client.InformerFor[corev1.Pod](f)
	if err != nil {
		t.Fatal(err)
	}
	if err := podInf.AddIndexers(client.Indexers[corev1.Pod]{client.PodNodeNameIndex: client.IndexPodsByNodeName}); err != nil {
		t.Fatal(err)
	}
	nsInf, err := client.InformerFor[corev1.Namespace](f)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	f.Start(runCtx)
	defer func() { cancel(); f.Shutdown() }()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if !f.WaitForCacheSync(wctx) {
		t.Fatal("factory did not sync")
	}
	names := func(ps []*corev1.Pod) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		slices.Sort(out)
		return out
	}
	onN1, err := podInf.Lister().ByIndex(client.PodNodeNameIndex, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"p0", "p2"}, names(onN1)); diff != "" {
		t.Errorf("pods on n1 (-want +got):\n%s", diff)
	}
	if _, err := nsInf.Lister().Get("", "kube-system"); err != nil {
		t.Errorf("namespace kube-system: %v", err)
	}
	if _, err := podInf.Lister().Get("default", "missing"); !client.IsNotFound(err) {
		t.Errorf("missing pod: %v", err)
	}
	// Only one watch per resource however many ask.
	again, err := client.InformerFor[corev1.Pod](f)
	if err != nil || again != podInf {
		t.Errorf("second InformerFor: %p %v", again, err)
	}
}
