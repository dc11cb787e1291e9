package apiserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestDiscovery(t *testing.T) {
	e := newEnv(t, Options{})

	var versions metav1.APIVersions
	e.must(http.StatusOK, "GET", "/api", nil, &versions)
	if diff := cmp.Diff([]string{"v1"}, versions.Versions); diff != "" || versions.Kind != "APIVersions" {
		t.Errorf("/api: kind %q, versions diff:\n%s", versions.Kind, diff)
	}

	var groups metav1.APIGroupList
	e.must(http.StatusOK, "GET", "/apis", nil, &groups)
	var names []string
	for _, g := range groups.Groups {
		names = append(names, g.Name+"="+g.PreferredVersion.GroupVersion)
	}
	want := []string{
		"apps=apps/v1", "autoscaling=autoscaling/v2", "coordination.k8s.io=coordination.k8s.io/v1",
		"discovery.k8s.io=discovery.k8s.io/v1", "networking.k8s.io=networking.k8s.io/v1",
		"rbac.authorization.k8s.io=rbac.authorization.k8s.io/v1", "scheduling.k8s.io=scheduling.k8s.io/v1",
		"storage.k8s.io=storage.k8s.io/v1",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("/apis groups (-want +got):\n%s", diff)
	}

	var apps metav1.APIGroup
	e.must(http.StatusOK, "GET", "/apis/apps", nil, &apps)
	if apps.Name != "apps" || apps.PreferredVersion.Version != "v1" || apps.Kind != "APIGroup" {
		t.Errorf("/apis/apps: %+v", apps)
	}
	e.must(http.StatusNotFound, "GET", "/apis/nope.example.com", nil, nil)

	find := func(list metav1.APIResourceList, name string) *metav1.APIResource {
		i := slices.IndexFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == name })
		if i < 0 {
			t.Fatalf("%s: no resource %q", list.GroupVersion, name)
		}
		return &list.APIResources[i]
	}
	var core metav1.APIResourceList
	e.must(http.StatusOK, "GET", "/api/v1", nil, &core)
	pods := find(core, "pods")
	pods.StorageVersionHash = ""
	if diff := cmp.Diff(&metav1.APIResource{
		Name: "pods", SingularName: "pod", Namespaced: true, Kind: "Pod", Verbs: verbsAll,
		ShortNames: []string{"po"}, Categories: []string{"all"},
	}, pods); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	subs := []struct {
		name, group, version, kind string
		verbs                      []string
	}{
		{"pods/status", "", "", "Pod", verbsGetUpdate},
		{"pods/binding", "", "", "Binding", []string{"create"}},
		{"pods/eviction", "policy", "v1", "Eviction", []string{"create"}},
		{"namespaces/finalize", "", "", "Namespace", []string{"update"}},
		{"namespaces/status", "", "", "Namespace", verbsGetUpdate},
	}
	for _, sub := range subs {
		got := find(core, sub.name)
		if got.Kind != sub.kind || got.Group != sub.group || got.Version != sub.version || !slices.Equal(got.Verbs, sub.verbs) {
			t.Errorf("%s: %+v", sub.name, got)
		}
	}
	if ns := find(core, "namespaces"); ns.Namespaced || slices.Contains(ns.Verbs, "deletecollection") {
		t.Errorf("namespaces: %+v", ns)
	}
	if cm := find(core, "configmaps"); slices.ContainsFunc(core.APIResources, func(r metav1.APIResource) bool {
		return r.Name == "configmaps/status"
	}) || cm.ShortNames[0] != "cm" {
		t.Errorf("configmaps has a status subresource or lacks its short name: %+v", cm)
	}

	var appsV1 metav1.APIResourceList
	e.must(http.StatusOK, "GET", "/apis/apps/v1", nil, &appsV1)
	if appsV1.GroupVersion != "apps/v1" {
		t.Errorf("groupVersion %q", appsV1.GroupVersion)
	}
	scale := find(appsV1, "deployments/scale")
	if scale.Group != "autoscaling" || scale.Version != "v1" || scale.Kind != "Scale" {
		t.Errorf("deployments/scale: %+v", scale)
	}
	find(appsV1, "statefulsets/scale")
	find(appsV1, "replicasets/scale")
	if d := find(appsV1, "deployments"); d.ShortNames[0] != "deploy" || d.Categories[0] != "all" {
		t.Errorf("deployments: %+v", d)
	}
}

func TestVersionHealthMetrics(t *testing.T) {
	e := newEnv(t, Options{})
	var v versionInfo
	e.must(http.StatusOK, "GET", "/version", nil, &v)
	if v.Major != "1" || v.Minor != "33" || v.GitVersion != DefaultGitVersion || v.Platform == "" {
		t.Errorf("/version: %+v", v)
	}
	for _, path := range []string{"/healthz", "/livez", "/readyz", "/readyz/ping", "/healthz/etcd"} {
		if b := e.must(http.StatusOK, "GET", path, nil, nil); string(b) != "ok" {
			t.Errorf("%s: %q", path, b)
		}
	}
	for _, path := range []string{"/openapi/v2", "/openapi/v3/apis/nope/v1", "/apis/apps/v2", "/api/v2", "/nope"} {
		code, b := e.do("GET", path, nil)
		if st := status(t, b); code != http.StatusNotFound || st.Reason != metav1.StatusReasonNotFound || st.Kind != "Status" {
			t.Errorf("%s: %d %s", path, code, b)
		}
	}
	e.must(http.StatusOK, "GET", "/api/v1/namespaces", nil, nil)
	b := e.must(http.StatusOK, "GET", "/metrics", nil, nil)
	for _, want := range []string{
		`apiserver_request_total{code="200",group="",resource="namespaces",subresource="",verb="LIST"} 1`,
		"apiserver_request_duration_seconds_bucket",
		"apiserver_current_inflight_requests",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestReadyzBeforeStart(t *testing.T) {
	e := newEnv(t, Options{})
	s, err := New(e.st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/readyz", http.StatusInternalServerError},
		{"/healthz", http.StatusOK},
		{"/api/v1/namespaces", http.StatusServiceUnavailable},
		{"/api", http.StatusOK},
	} {
		rec := newRecorder()
		s.ServeHTTP(rec, mustRequest(t, "GET", tc.path))
		if rec.Code != tc.code {
			t.Errorf("%s before Start: %d, want %d: %s", tc.path, rec.Code, tc.code, rec.Body.String())
		}
	}
}

func TestDiscoveryAcceptsAggregatedFallback(t *testing.T) {
	e := newEnv(t, Options{})
	// kubectl 1.33 asks for aggregated discovery with a plain JSON fallback.
	accept := "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
	var groups metav1.APIGroupList
	b := e.must(http.StatusOK, "GET", "/apis", nil, nil, "Accept", accept)
	if err := json.Unmarshal(b, &groups); err != nil || groups.Kind != "APIGroupList" {
		t.Fatalf("/apis with aggregated Accept: %s", b)
	}
	code, b := e.do("GET", "/api/v1/pods", nil, "Accept", "text/html")
	if code != http.StatusNotAcceptable {
		t.Errorf("html only: %d %s", code, b)
	}
}

func TestOpenAPIV3(t *testing.T) {
	e := newEnv(t, Options{})
	var d openAPIDiscovery
	e.must(http.StatusOK, "GET", "/openapi/v3", nil, &d)
	core, ok := d.Paths["api/v1"]
	if !ok || !strings.HasPrefix(core.ServerRelativeURL, "/openapi/v3/api/v1?hash=") {
		t.Fatalf("discovery: %+v", d)
	}
	if _, ok := d.Paths["apis/apps/v1"]; !ok {
		t.Errorf("no apis/apps/v1 in %+v", d)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Parameters []struct{ Name, In string } `json:"parameters"`
			GVK        map[string]string           `json:"x-kubernetes-group-version-kind"`
		} `json:"paths"`
	}
	e.must(http.StatusOK, "GET", core.ServerRelativeURL, nil, &doc)
	patch := doc.Paths["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"]
	if doc.OpenAPI != "3.0.0" || patch.GVK["kind"] != "Pod" || patch.GVK["version"] != "v1" ||
		!slices.ContainsFunc(patch.Parameters, func(p struct{ Name, In string }) bool { return p.Name == "fieldValidation" && p.In == "query" }) {
		t.Errorf("pods patch operation: %+v", patch)
	}
	if _, ok := doc.Paths["/api/v1/nodes/{name}"]; !ok {
		t.Errorf("no cluster-scoped node path")
	}
}
