package apiserver

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestFlatSet(t *testing.T) {
	long := strings.Repeat("v", 300) // a two-byte length
	var b []byte
	for _, kv := range [][2]string{{"app", "web"}, {"empty", ""}, {"", "no key"}, {"long", long}, {"a", "1"}} {
		b = appendFlatPair(b, kv[0], kv[1])
	}
	f := flatSet{string(b)}
	tests := []struct {
		key     string
		wantHas bool
		want    string
	}{
		{"app", true, "web"},
		{"empty", true, ""},
		{"", true, "no key"},
		{"long", true, long},
		{"a", true, "1"},
		{"ap", false, ""},
		{"apps", false, ""},
		{"missing", false, ""},
	}
	for _, tt := range tests {
		if got := f.Has(tt.key); got != tt.wantHas {
			t.Errorf("Has(%q) = %v, want %v", tt.key, got, tt.wantHas)
		}
		if got := f.Get(tt.key); got != tt.want {
			t.Errorf("Get(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	// A truncated set (only a bug in appendFlatPair could make one) reads
	// as ending where it breaks off, at every cut: no panic, and a pair
	// before the cut is still found.
	for cut := range len(b) {
		tf := flatSet{string(b[:cut])}
		_ = tf.Has("missing")
		_ = tf.Get("a")
		if cut >= len(appendFlatPair(nil, "app", "web")) && tf.Get("app") != "web" {
			t.Errorf("cut at %d: Get(app) = %q, want web", cut, tf.Get("app"))
		}
	}
	if got := (&flatSet{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"}).Get("x"); got != "" {
		t.Errorf("an overlong length: Get = %q", got)
	}
	var zero flatSet
	if zero.Has("") || zero.Get("app") != "" {
		t.Error("the zero flatSet is not empty")
	}
}

// packedPods creates two pods in default, web (app=web, tier=front,
// unbound) and db (app=db, bound to n1), then two in namespace other, and
// waits for the cache to have them. It returns web and the last pod.
func packedPods(t *testing.T, e *env) (web, last corev1.Pod) {
	t.Helper()
	p := testPod("", "web")
	p.Labels["tier"] = "front"
	e.must(http.StatusCreated, http.MethodPost, podsPath("default"), p, &web)
	p = testPod("", "db")
	p.Labels["app"] = "db"
	p.Spec.NodeName = "n1"
	e.must(http.StatusCreated, http.MethodPost, podsPath("default"), p, nil)
	// The writes of two pods elsewhere push web's and db's out of the
	// window of two events (the test's Options.WatchCacheSize): the cache
	// then packs them.
	e.must(http.StatusCreated, http.MethodPost, "/api/v1/namespaces", `{"metadata":{"name":"other"}}`, nil)
	var filler corev1.Pod
	for _, name := range []string{"f1", "f2"} {
		e.must(http.StatusCreated, http.MethodPost, podsPath("other"), testPod("", name), &filler)
	}
	e.waitCache("", "pods", filler.ResourceVersion)
	// The last one, still in the window, is decoded.
	r := e.s.lookup("", "pods")
	co, _ := r.cache.get(r.key("other", "f2"))
	if co == nil || co.obj == nil || r.cache.getAt(co.key, co.rev) != co.obj {
		t.Errorf("pod f2, in the window, is not cached decoded: %+v", co)
	}
	return web, filler
}

// checkPackedReads checks that the pods of packedPods are cached packed
// and that every read the cache serves (typed get, selectors, Table)
// answers as the store path does.
func checkPackedReads(t *testing.T, e *env) {
	t.Helper()
	r := e.s.lookup("", "pods")
	for _, name := range []string{"web", "db"} {
		co, _ := r.cache.get(podKey(name))
		if co == nil || co.obj != nil || co.labels != nil || co.fields.strategy != nil {
			t.Fatalf("pod %s is not cached packed: %+v", name, co)
		}
		if r.cache.getAt(podKey(name), co.rev) != nil {
			t.Errorf("getAt returns a decoded object for packed pod %s", name)
		}
		fromStore := e.must(http.StatusOK, http.MethodGet, podsPath("default")+"/"+name, nil, nil)
		fromCache := e.must(http.StatusOK, http.MethodGet, podsPath("default")+"/"+name+"?resourceVersion=0", nil, nil)
		if string(fromCache) != string(fromStore) {
			t.Errorf("get %s from the cache:\n%s\nfrom the store:\n%s", name, fromCache, fromStore)
		}
	}
	selectors := []struct {
		query string
		want  []string
	}{
		{"labelSelector=app%3Dweb", []string{"web"}},
		{"labelSelector=tier", []string{"web"}},
		{"labelSelector=tier!%3Dfront", []string{"db"}},
		{"labelSelector=app+in+(web,db),!missing", []string{"db", "web"}},
		{"fieldSelector=spec.nodeName%3Dn1", []string{"db"}},
		{"fieldSelector=spec.nodeName%3D", []string{"web"}},
		{"fieldSelector=metadata.name%3Dweb", []string{"web"}},
		{"fieldSelector=metadata.namespace%3Ddefault,status.phase%3DPending", []string{"db", "web"}},
		{"fieldSelector=metadata.namespace%3Dother", nil},
		{"labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn1", nil},
	}
	for _, sel := range selectors {
		for _, rv := range []string{"&resourceVersion=0", ""} { // cache, store
			var list corev1.PodList
			e.must(http.StatusOK, http.MethodGet, podsPath("default")+"?"+sel.query+rv, nil, &list)
			var got []string
			for _, p := range list.Items {
				got = append(got, p.Name)
			}
			if diff := cmp.Diff(sel.want, got); diff != "" {
				t.Errorf("list ?%s%s (-want +got):\n%s", sel.query, rv, diff)
			}
		}
	}
	// Table rows are made from the decoded objects.
	var tables [2]struct {
		Rows []struct {
			Cells []any `json:"cells"`
		} `json:"rows"`
	}
	for i, rv := range []string{"?resourceVersion=0", ""} { // cache, store
		e.must(http.StatusOK, http.MethodGet, podsPath("default")+rv, nil, &tables[i], "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	}
	if len(tables[0].Rows) != 2 {
		t.Errorf("Table from the cache: %d rows, want 2", len(tables[0].Rows))
	}
	if diff := cmp.Diff(tables[1], tables[0]); diff != "" {
		t.Errorf("Table rows (-store +cache):\n%s", diff)
	}
}

// TestWatchCachePacksNamespacedObjects checks that pods (namespaced) are
// cached packed, both when their writer hands them over and when the
// cache loads them from the store, that reads of packed objects answer as
// before, and that a packed object's deletion carries its last state.
func TestWatchCachePacksNamespacedObjects(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	opts := Options{
		Now:            func() time.Time { return now }, // fixed, for the Table's ages
		WatchCacheSize: 2,
	}
	e := newEnv(t, opts)
	web, last := packedPods(t, e)
	t.Run("handed over", func(t *testing.T) { checkPackedReads(t, e) })

	// A second server on the same store loads the pods from the store.
	s2, err := New(e.st, opts)
	if err != nil {
		t.Fatal(err)
	}
	e2 := startEnv(t, s2, e.st)
	e2.waitCache("", "pods", last.ResourceVersion)
	t.Run("loaded", func(t *testing.T) { checkPackedReads(t, e2) })

	// Namespaces (cluster-scoped) stay decoded.
	ns := e.s.lookup("", "namespaces")
	co, _ := ns.cache.get(ns.key("", "default"))
	if co == nil || co.obj == nil || ns.cache.getAt(co.key, co.rev) != co.obj {
		t.Errorf("namespace default is not cached decoded: %+v", co)
	}

	// The DELETED event of a packed pod carries its last state with the
	// deletion's resourceVersion, on both servers.
	before := e.must(http.StatusOK, http.MethodGet, podsPath("default")+"/web", nil, nil)
	var streams []*bufio.Scanner
	for _, x := range []*env{e, e2} {
		resp, err := x.ts.Client().Get(x.ts.URL + podsPath("default") + "?watch=1&resourceVersion=" + url.QueryEscape(last.ResourceVersion))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("watch: %d", resp.StatusCode)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		streams = append(streams, sc)
	}
	var deleted corev1.Pod
	e.must(http.StatusOK, http.MethodDelete, podsPath("default")+"/web", nil, &deleted)
	if deleted.UID != web.UID {
		t.Fatalf("deleted %s, want uid %s", deleted.UID, web.UID)
	}
	var want map[string]any
	if err := json.Unmarshal(before, &want); err != nil {
		t.Fatal(err)
	}
	var deletedRV string
	for i, sc := range streams {
		if !sc.Scan() {
			t.Fatalf("stream %d ended: %v", i, sc.Err())
		}
		var ev struct {
			Type   metav1.EventType `json:"type"`
			Object map[string]any   `json:"object"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("frame %s: %v", sc.Bytes(), err)
		}
		if ev.Type != metav1.Deleted {
			t.Fatalf("stream %d: event %s, want DELETED", i, sc.Bytes())
		}
		meta := ev.Object["metadata"].(map[string]any)
		rv, _ := meta["resourceVersion"].(string)
		if mustRV(t, rv) <= mustRV(t, web.ResourceVersion) {
			t.Errorf("stream %d: DELETED at resourceVersion %s, not after the pod's %s", i, rv, web.ResourceVersion)
		}
		deletedRV = rv
		want["metadata"].(map[string]any)["resourceVersion"] = rv
		if diff := cmp.Diff(want, ev.Object); diff != "" {
			t.Errorf("stream %d: DELETED object (-last state +got):\n%s", i, diff)
		}
	}
	e.waitCache("", "pods", deletedRV)
	if co, _ := e.s.lookup("", "pods").cache.get(podKey("web")); co != nil {
		t.Errorf("deleted pod still cached: %+v", co)
	}
}
