package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// podNames returns the names of a pod list.
func podNames(l corev1.PodList) []string {
	out := []string{}
	for _, p := range l.Items {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	return out
}

func TestListSelectors(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, nil)
	for i, spec := range []struct{ ns, name, app, node string }{
		{"default", "a", "web", "n1"}, {"default", "b", "web", ""}, {"default", "c", "db", "n1"}, {"other", "d", "web", "n2"},
	} {
		p := testPod("", spec.name)
		p.Labels = map[string]string{"app": spec.app, "i": strconv.Itoa(i)}
		p.Spec.NodeName = spec.node
		e.must(http.StatusCreated, "POST", podsPath(spec.ns), p, nil)
	}
	tests := []struct {
		path string
		want []string
	}{
		{podsPath("default"), []string{"default/a", "default/b", "default/c"}},
		{"/api/v1/pods", []string{"default/a", "default/b", "default/c", "other/d"}},
		{"/api/v1/pods?labelSelector=app%3Dweb", []string{"default/a", "default/b", "other/d"}},
		{podsPath("default") + "?labelSelector=app%20in%20(db)", []string{"default/c"}},
		{podsPath("default") + "?labelSelector=app!%3Dweb", []string{"default/c"}},
		{"/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", []string{"default/a", "default/c"}},
		{"/api/v1/pods?fieldSelector=spec.nodeName%3D", []string{"default/b"}},
		{"/api/v1/pods?fieldSelector=metadata.namespace%3Dother", []string{"other/d"}},
		{podsPath("default") + "?fieldSelector=metadata.name%3Db", []string{"default/b"}},
		{"/api/v1/pods?fieldSelector=status.phase%3DPending&labelSelector=app%3Ddb", []string{"default/c"}},
		{"/api/v1/pods?resourceVersion=0&labelSelector=app%3Dweb&fieldSelector=spec.nodeName!%3Dn2", []string{"default/a", "default/b"}},
	}
	for _, tc := range tests {
		var l corev1.PodList
		e.must(http.StatusOK, "GET", tc.path, nil, &l)
		if diff := cmp.Diff(tc.want, podNames(l)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.path, diff)
		}
	}
	var nss corev1.NamespaceList
	e.must(http.StatusOK, "GET", "/api/v1/namespaces?fieldSelector=status.phase%3DActive", nil, &nss)
	var nsNames []string
	for _, n := range nss.Items {
		nsNames = append(nsNames, n.Name)
	}
	if diff := cmp.Diff([]string{"default", "kube-node-lease", "kube-public", "kube-system", "other"}, nsNames); diff != "" {
		t.Errorf("namespaces (-want +got):\n%s", diff)
	}
}

func TestListPagination(t *testing.T) {
	e := newEnv(t, Options{})
	for i := range 7 {
		p := testPod("", fmt.Sprintf("p%d", i))
		if i%2 == 1 {
			p.Labels["odd"] = "true"
		}
		e.must(http.StatusCreated, "POST", podsPath("default"), p, nil)
	}
	var first corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?limit=3", nil, &first)
	if diff := cmp.Diff([]string{"default/p0", "default/p1", "default/p2"}, podNames(first)); diff != "" || first.Continue == "" {
		t.Fatalf("first page %v continue %q:\n%s", podNames(first), first.Continue, diff)
	}
	if first.RemainingItemCount == nil || *first.RemainingItemCount != 4 {
		t.Errorf("remainingItemCount %v, want 4", first.RemainingItemCount)
	}
	// A change after the first page is not seen by the later ones: every
	// page is read at the first page's revision.
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "p10"), nil)
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/p5", nil, nil)
	got := podNames(first)
	cont := first.Continue
	for cont != "" {
		var page corev1.PodList
		e.must(http.StatusOK, "GET", podsPath("default")+"?limit=3&continue="+url.QueryEscape(cont), nil, &page)
		if page.ResourceVersion != first.ResourceVersion {
			t.Errorf("page at %s, first at %s", page.ResourceVersion, first.ResourceVersion)
		}
		got = append(got, podNames(page)...)
		cont = page.Continue
	}
	want := []string{"default/p0", "default/p1", "default/p2", "default/p3", "default/p4", "default/p5", "default/p6"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}

	// With a selector, pages hold limit matching objects (p5 is gone).
	var odd corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?limit=2&labelSelector=odd", nil, &odd)
	if diff := cmp.Diff([]string{"default/p1", "default/p3"}, podNames(odd)); diff != "" || odd.Continue == "" || odd.RemainingItemCount != nil {
		t.Errorf("odd page %v continue %q remaining %v", podNames(odd), odd.Continue, odd.RemainingItemCount)
	}
	var odd2 corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?limit=2&labelSelector=odd&continue="+url.QueryEscape(odd.Continue), nil, &odd2)
	if diff := cmp.Diff([]string{}, podNames(odd2)); diff != "" || odd2.Continue != "" {
		t.Errorf("second odd page %v continue %q", podNames(odd2), odd2.Continue)
	}

	// Once the first page's revision is compacted, its token has expired.
	rev, _ := strconv.ParseInt(first.ResourceVersion, 10, 64)
	if err := e.st.Compact(context.Background(), rev+1); err != nil {
		t.Fatal(err)
	}
	code, b := e.do("GET", podsPath("default")+"?limit=3&continue="+url.QueryEscape(first.Continue), nil)
	if st := status(t, b); code != http.StatusGone || st.Reason != metav1.StatusReasonExpired {
		t.Errorf("expired continue: %d %s", code, b)
	}
	code, b = e.do("GET", podsPath("default")+"?resourceVersion="+first.ResourceVersion+"&resourceVersionMatch=Exact", nil)
	if st := status(t, b); code != http.StatusGone || st.Reason != metav1.StatusReasonExpired {
		t.Errorf("compacted exact list: %d %s", code, b)
	}
}

func TestListResourceVersions(t *testing.T) {
	e := newEnv(t, Options{})
	var a corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "a"), &a)
	var b corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "b"), &b)

	// Exact reads the past.
	var past corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?resourceVersion="+a.ResourceVersion+"&resourceVersionMatch=Exact", nil, &past)
	if diff := cmp.Diff([]string{"default/a"}, podNames(past)); diff != "" || past.ResourceVersion != a.ResourceVersion {
		t.Errorf("exact list at %s: %v at %s", a.ResourceVersion, podNames(past), past.ResourceVersion)
	}
	// A limit with a non-zero resourceVersion and no match is Exact too.
	e.must(http.StatusOK, "GET", podsPath("default")+"?limit=5&resourceVersion="+a.ResourceVersion, nil, &past)
	if diff := cmp.Diff([]string{"default/a"}, podNames(past)); diff != "" {
		t.Errorf("limited list at %s: %v", a.ResourceVersion, podNames(past))
	}
	// NotOlderThan and the latest read see both.
	for _, q := range []string{"", "?resourceVersion=" + a.ResourceVersion, "?resourceVersion=" + a.ResourceVersion + "&resourceVersionMatch=NotOlderThan"} {
		var l corev1.PodList
		e.must(http.StatusOK, "GET", podsPath("default")+q, nil, &l)
		if diff := cmp.Diff([]string{"default/a", "default/b"}, podNames(l)); diff != "" {
			t.Errorf("list %q (-want +got):\n%s", q, diff)
		}
		if rv, _ := strconv.ParseInt(l.ResourceVersion, 10, 64); rv < mustRV(t, a.ResourceVersion) {
			t.Errorf("list %q at %s, older than %s", q, l.ResourceVersion, a.ResourceVersion)
		}
	}
	// resourceVersion=0 is served from the watch cache, once it has b.
	e.waitCache("", "pods", b.ResourceVersion)
	var l corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default")+"?resourceVersion=0", nil, &l)
	if diff := cmp.Diff([]string{"default/a", "default/b"}, podNames(l)); diff != "" {
		t.Errorf("list at 0 (-want +got):\n%s", diff)
	}
	var got corev1.Pod
	e.must(http.StatusOK, "GET", podsPath("default")+"/b?resourceVersion=0", nil, &got)
	if diff := cmp.Diff(b, got); diff != "" {
		t.Errorf("get at 0 (-want +got):\n%s", diff)
	}
	e.must(http.StatusNotFound, "GET", podsPath("default")+"/zz?resourceVersion=0", nil, nil)
}

// mustRV parses a resourceVersion.
func mustRV(t *testing.T, rv string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil {
		t.Fatalf("resourceVersion %q: %v", rv, err)
	}
	return n
}
