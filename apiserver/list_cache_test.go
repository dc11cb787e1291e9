package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// createPods creates n pods named p0000... in default, eight requests at
// a time, the pods with i%3 == 0 labelled third=yes, and returns the
// resourceVersion of the last write.
func createPods(t *testing.T, e *env, n int) string {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				p := testPod("", fmt.Sprintf("p%04d", i))
				if i%3 == 0 {
					p.Labels["third"] = "yes"
				}
				if err := postPod(e, podsPath("default"), p); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var l corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?limit=1", nil, &l)
	return l.ResourceVersion
}

// postPod creates obj at path; any goroutine may call it.
func postPod(e *env, path string, obj any) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	resp, err := e.ts.Client().Post(e.ts.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: code %d", path, resp.StatusCode)
	}
	return nil
}

// deleteDefaultPod deletes default/name; any goroutine may call it.
func deleteDefaultPod(e *env, name string) error {
	req, err := http.NewRequest("DELETE", e.ts.URL+podsPath("default")+"/"+name, nil)
	if err != nil {
		return err
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		return fmt.Errorf("DELETE %s: %w", name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("DELETE %s: code %d", name, resp.StatusCode)
	}
	return nil
}

// pageAll lists path page by page with query q and limit, checking that
// every page is at the first page's resourceVersion; after each page it
// calls between. It returns the names and the pages.
func pageAll(t *testing.T, e *env, path, q string, limit int, between func()) ([]string, []corev1.PodList) {
	t.Helper()
	var names []string
	var pages []corev1.PodList
	cont := ""
	for {
		u := path + "?limit=" + strconv.Itoa(limit) + q
		if cont != "" {
			u = path + "?limit=" + strconv.Itoa(limit) + "&continue=" + url.QueryEscape(cont) + stripRV(q)
		}
		var page corev1.PodList
		e.must(http.StatusOK, "GET", u, nil, &page)
		if len(pages) > 0 && page.ResourceVersion != pages[0].ResourceVersion {
			t.Fatalf("page %d at %s, first at %s", len(pages), page.ResourceVersion, pages[0].ResourceVersion)
		}
		if len(page.Items) > limit {
			t.Fatalf("page %d holds %d items, limit %d", len(pages), len(page.Items), limit)
		}
		pages = append(pages, page)
		names = append(names, podNames(page)...)
		cont = page.Continue
		if cont == "" {
			return names, pages
		}
		if between != nil {
			between()
		}
	}
}

// stripRV drops a resourceVersion parameter, which continue forbids.
func stripRV(q string) string {
	v, _ := url.ParseQuery(q)
	v.Del("resourceVersion")
	if len(v) == 0 {
		return ""
	}
	return "&" + v.Encode()
}

func TestListPagesFromCacheSnapshot(t *testing.T) {
	e := newEnv(t, Options{})
	const n = 2500
	rv := createPods(t, e, n)
	e.waitCache("", "pods", rv)
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("default/p%04d", i)
	}

	for ci, q := range []string{"", "&resourceVersion=0"} {
		t.Run(fmt.Sprintf("query=%q", q), func(t *testing.T) {
			// A writer deletes listed pods and creates new ones that sort
			// among them while the pages are read; after each page it has
			// written at least once more, so every later page is read
			// after some writes.
			ctx, cancel := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			var writes atomic.Int64
			writeErr := make(chan error, 1)
			wrote := make(chan struct{}, 1)
			start := make(chan struct{})
			wg.Go(func() {
				<-start
				for i := 0; ctx.Err() == nil; i++ {
					var err error
					if i%2 == 0 {
						err = deleteDefaultPod(e, fmt.Sprintf("p%04d", (i*7)%n))
						if err != nil && ctx.Err() == nil && !bytes.Contains([]byte(err.Error()), []byte("code 404")) {
							writeErr <- err
							return
						}
					} else if err = postPod(e, podsPath("default"), testPod("", fmt.Sprintf("p%04d-n%d-%d", (i*13)%n, ci, i))); err != nil {
						if ctx.Err() == nil {
							writeErr <- err
						}
						return
					}
					writes.Add(1)
					select {
					case wrote <- struct{}{}:
					default:
					}
				}
			})
			t.Cleanup(func() { cancel(); wg.Wait() })
			started := false
			waitWrites := func() {
				if !started {
					started = true
					close(start)
				}
				select { // forget a write from before this page
				case <-wrote:
				default:
				}
				timer := time.NewTimer(10 * time.Second)
				defer timer.Stop()
				select {
				case <-wrote:
				case err := <-writeErr:
					t.Fatal(err)
				case <-timer.C:
					t.Fatal("the writer made no write in 10 s")
				}
			}
			got, pages := pageAll(t, e, podsPath("default"), q, 500, waitWrites)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
			if len(pages) != 5 {
				t.Fatalf("%d pages, want 5", len(pages))
			}
			for i, p := range pages {
				var wantRemaining *int64
				if i < 4 {
					r := int64(n - 500*(i+1))
					wantRemaining = &r
				}
				if diff := cmp.Diff(wantRemaining, p.RemainingItemCount); diff != "" {
					t.Errorf("page %d remainingItemCount (-want +got):\n%s", i, diff)
				}
				if i < 4 {
					if _, ok := decodeCacheContinue(p.Continue); !ok {
						t.Errorf("page %d continue %q is not the cache's", i, p.Continue)
					}
				}
			}
			if writes.Load() < 4 {
				t.Errorf("%d writes during the pages, want at least 4", writes.Load())
			}
			cancel()
			wg.Wait()
			// The writes happened: a new list sees them.
			var now corev1.PodList
			e.must(http.StatusOK, "GET", podsPath("default"), nil, &now)
			if len(now.Items) == n && slices.Equal(podNames(now), want) {
				t.Errorf("the list after the writes equals the snapshot")
			}
		})
		// Put the deleted pods back for the next case.
		var now corev1.PodList
		e.must(http.StatusOK, "GET", podsPath("default"), nil, &now)
		have := map[string]bool{}
		for _, p := range now.Items {
			have[p.Name] = true
		}
		for i := range n {
			name := fmt.Sprintf("p%04d", i)
			if !have[name] {
				p := testPod("", name)
				if i%3 == 0 {
					p.Labels["third"] = "yes"
				}
				e.must(http.StatusCreated, "POST", podsPath("default"), p, nil)
			}
		}
		for name := range have {
			if strings.Contains(name, "-n") {
				e.must(http.StatusOK, "DELETE", podsPath("default")+"/"+name, nil, nil)
			}
		}
		e.must(http.StatusOK, "GET", podsPath("default")+"?limit=1", nil, &now)
		e.waitCache("", "pods", now.ResourceVersion)
	}
}

func TestListCachePagingMatchesStore(t *testing.T) {
	e := newEnv(t, Options{})
	rv := createPods(t, e, 300)
	e.waitCache("", "pods", rv)
	r := e.s.lookup("", "pods")
	tests := []struct {
		query string
		limit int
		want  int // matching pods
	}{
		{"", 70, 300},
		{"labelSelector=third%3Dyes", 30, 100},
		{"labelSelector=third%3Dyes", 7, 100},
		{"labelSelector=third!%3Dyes&fieldSelector=metadata.name!%3Dp0001", 64, 199},
		{"fieldSelector=metadata.name%3Dp0299", 10, 1},
		{"labelSelector=none%3Dsuch", 50, 0},
	}
	for _, tc := range tests {
		t.Run(tc.query+"/"+strconv.Itoa(tc.limit), func(t *testing.T) {
			q := ""
			if tc.query != "" {
				q = "&" + tc.query
			}
			got, pages := pageAll(t, e, podsPath("default"), q, tc.limit, nil)
			if len(got) != tc.want || !slices.IsSorted(got) {
				t.Errorf("%d pods, want %d, in key order: %v", len(got), tc.want, got)
			}
			// The store path, at the first page's revision, cuts the same
			// pages.
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			v.Set("limit", strconv.Itoa(tc.limit))
			lr, err := parseListRequest(r, "default", v, false)
			if err != nil {
				t.Fatal(err)
			}
			rev := mustRV(t, pages[0].ResourceVersion)
			for i, page := range pages {
				res, err := e.s.listStore(t.Context(), r, lr, rev)
				if err != nil {
					t.Fatalf("store page %d: %v", i, err)
				}
				var names []string
				for _, it := range res.items {
					names = append(names, "default/"+it.obj.GetObjectMeta().Name)
				}
				if diff := cmp.Diff(podNames(page), names, cmpEmpty); diff != "" {
					t.Errorf("page %d (-cache +store):\n%s", i, diff)
				}
				if (page.Continue == "") != (res.cont == "") || formatRV(res.rev) != page.ResourceVersion {
					t.Errorf("page %d: cache continue %q at %s, store continue %q at %d", i, page.Continue, page.ResourceVersion, res.cont, res.rev)
				}
				if diff := cmp.Diff(res.remaining, page.RemainingItemCount); diff != "" {
					t.Errorf("page %d remainingItemCount (-store +cache):\n%s", i, diff)
				}
				lr.cont, rev = res.cont, 0
			}
		})
	}
}

// cmpEmpty equates nil and empty slices.
var cmpEmpty = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

func TestListCacheContinueOutsideWindowAndExpired(t *testing.T) {
	e := newEnv(t, Options{WatchCacheSize: 5})
	rv := createPods(t, e, 20)
	e.waitCache("", "pods", rv)
	c := e.s.lookup("", "pods").cache

	var first corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?limit=5", nil, &first)
	tok, ok := decodeCacheContinue(first.Continue)
	if !ok {
		t.Fatalf("first page's continue %q is not the cache's", first.Continue)
	}
	// Ten writes move the window past the first page's revision: the
	// cache drops its snapshot and the next page comes from the store,
	// at the same revision.
	for i := range 10 {
		e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", fmt.Sprintf("a%d", i)), nil)
	}
	var last corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?limit=1", nil, &last)
	e.waitCache("", "pods", last.ResourceVersion)
	if _, ok := c.snapshot(tok.Rev); ok {
		t.Fatalf("the cache still serves revision %d, outside its window", tok.Rev)
	}
	var second corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?limit=5&continue="+url.QueryEscape(first.Continue), nil, &second)
	want := []string{"default/p0005", "default/p0006", "default/p0007", "default/p0008", "default/p0009"}
	if diff := cmp.Diff(want, podNames(second)); diff != "" || second.ResourceVersion != first.ResourceVersion {
		t.Errorf("second page at %s (first at %s) (-want +got):\n%s", second.ResourceVersion, first.ResourceVersion, diff)
	}
	if second.RemainingItemCount == nil || *second.RemainingItemCount != 10 {
		t.Errorf("second page remainingItemCount %v, want 10", second.RemainingItemCount)
	}

	// A page within the window whose revision the store has compacted has
	// expired too, as on the store path.
	var recent corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?limit=5", nil, &recent)
	if _, ok := decodeCacheContinue(recent.Continue); !ok {
		t.Fatalf("recent page's continue %q is not the cache's", recent.Continue)
	}
	var after corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "b0"), &after)
	if err := e.st.Compact(t.Context(), mustRV(t, after.ResourceVersion)); err != nil {
		t.Fatal(err)
	}
	for _, cont := range []string{first.Continue, second.Continue, recent.Continue} {
		code, b := e.do("GET", podsPath("default")+"?limit=5&continue="+url.QueryEscape(cont), nil)
		if st := status(t, b); code != http.StatusGone || st.Reason != metav1.StatusReasonExpired {
			t.Errorf("continue %q after compaction: %d %s", cont, code, b)
		}
	}
	// Exact lists answer the same: within the window from the cache,
	// compacted -> 410.
	code, b := e.do("GET", podsPath("default")+"?limit=5&resourceVersion="+recent.ResourceVersion, nil)
	if st := status(t, b); code != http.StatusGone || st.Reason != metav1.StatusReasonExpired {
		t.Errorf("exact list at compacted %s: %d %s", recent.ResourceVersion, code, b)
	}
	// A token for another namespace's keys is refused.
	bad := encodeCacheContinue(mustRV(t, after.ResourceVersion), "other/x")
	if code, b := e.do("GET", podsPath("default")+"?limit=5&continue="+url.QueryEscape(bad), nil); code != http.StatusBadRequest {
		t.Errorf("foreign continue: %d %s", code, b)
	}
}

func TestListCacheSnapshotAtPastRevisions(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.s.lookup("", "pods")
	var revs []string
	write := func(method, path string, body any, hdr ...string) {
		t.Helper()
		code := http.StatusOK
		if method == "POST" {
			code = http.StatusCreated
		}
		b := e.must(code, method, path, body, nil, hdr...)
		var m struct {
			Metadata struct{ ResourceVersion string } `json:"metadata"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		revs = append(revs, m.Metadata.ResourceVersion)
	}
	for _, n := range []string{"a", "b", "c"} {
		write("POST", podsPath("default"), testPod("", n))
	}
	merge := []string{"Content-Type", "application/merge-patch+json"}
	write("PATCH", podsPath("default")+"/b", `{"metadata":{"labels":{"app":"db"}}}`, merge...)
	write("DELETE", podsPath("default")+"/c", nil)
	write("POST", podsPath("default"), testPod("", "d"))
	write("DELETE", podsPath("default")+"/a", nil)
	write("POST", podsPath("default"), testPod("", "a"))
	e.waitCache("", "pods", revs[len(revs)-1])

	for _, rv := range revs {
		for _, q := range []string{"", "&labelSelector=app%3Dweb"} {
			// limit with a resourceVersion and no match: exactly rv, from
			// a snapshot the cache rolls back to rv.
			var got corev1.PodList
			e.must(http.StatusOK, "GET", podsPath("default")+"?limit=2&resourceVersion="+rv+q, nil, &got)
			if got.ResourceVersion != rv {
				t.Errorf("list at %s answered at %s", rv, got.ResourceVersion)
			}
			names, _ := pageAll(t, e, podsPath("default"), "&resourceVersion="+rv+q, 2, nil)
			v, _ := url.ParseQuery(q)
			lr, err := parseListRequest(r, "default", v, false)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.s.listStore(t.Context(), r, lr, mustRV(t, rv))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, it := range res.items {
				m := it.obj.GetObjectMeta()
				want = append(want, m.Namespace+"/"+m.Name+"@"+m.ResourceVersion+"/"+m.Labels["app"])
			}
			var full []string
			cont := ""
			for {
				var page corev1.PodList
				u := podsPath("default") + "?limit=2&resourceVersion=" + rv + q
				if cont != "" {
					u = podsPath("default") + "?limit=2&continue=" + url.QueryEscape(cont) + q
				}
				e.must(http.StatusOK, "GET", u, nil, &page)
				if _, ok := decodeCacheContinue(page.Continue); page.Continue != "" && !ok {
					t.Errorf("continue %q at %s is not the cache's", page.Continue, rv)
				}
				for _, p := range page.Items {
					full = append(full, p.Namespace+"/"+p.Name+"@"+p.ResourceVersion+"/"+p.Labels["app"])
				}
				if cont = page.Continue; cont == "" {
					break
				}
			}
			if diff := cmp.Diff(want, full, cmpEmpty); diff != "" {
				t.Errorf("pages at %s%s (-store +cache):\n%s", rv, q, diff)
			}
			if len(names) != len(full) {
				t.Errorf("pageAll at %s%s: %v", rv, q, names)
			}
		}
	}
}
