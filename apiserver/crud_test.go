package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

func TestPodCRUD(t *testing.T) {
	e := newEnv(t, Options{})
	var created corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "web"), &created)
	if created.UID == "" || created.ResourceVersion == "" || created.CreationTimestamp.IsZero() || created.Generation != 1 {
		t.Fatalf("system metadata not set: %+v", created.ObjectMeta)
	}
	if created.Namespace != "default" || created.Status.Phase != corev1.PodPending || created.Spec.ServiceAccountName != "default" {
		t.Fatalf("created pod: %+v", created)
	}
	var got corev1.Pod
	e.must(http.StatusOK, "GET", podsPath("default")+"/web", nil, &got)
	if diff := cmp.Diff(created, got); diff != "" {
		t.Fatalf("GET differs from POST answer (-post +get):\n%s", diff)
	}
	var list corev1.PodList
	e.must(http.StatusOK, "GET", podsPath("default"), nil, &list)
	if len(list.Items) != 1 || list.Items[0].Name != "web" || list.ResourceVersion == "" || list.Kind != "PodList" {
		t.Fatalf("list: %+v", list)
	}
	got.Labels["tier"] = "front"
	var updated corev1.Pod
	e.must(http.StatusOK, "PUT", podsPath("default")+"/web", &got, &updated)
	if updated.Labels["tier"] != "front" || updated.ResourceVersion == got.ResourceVersion {
		t.Fatalf("update: %+v", updated.ObjectMeta)
	}
	var deleted corev1.Pod
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/web", nil, &deleted)
	e.must(http.StatusNotFound, "GET", podsPath("default")+"/web", nil, nil)
}

func TestGenerateNameAndDryRun(t *testing.T) {
	e := newEnv(t, Options{})
	seen := map[string]bool{}
	for range 5 {
		p := testPod("", "")
		p.GenerateName = "web-"
		var got corev1.Pod
		e.must(http.StatusCreated, "POST", podsPath("default"), p, &got)
		if len(got.Name) != len("web-")+5 || got.Name[:4] != "web-" || seen[got.Name] {
			t.Errorf("generated name %q", got.Name)
		}
		seen[got.Name] = true
	}
	var dry corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default")+"?dryRun=All", testPod("", "dry"), &dry)
	if dry.UID == "" || dry.ResourceVersion != "" || dry.Spec.ServiceAccountName != "default" {
		t.Errorf("dry run answer: %+v", dry.ObjectMeta)
	}
	e.must(http.StatusNotFound, "GET", podsPath("default")+"/dry", nil, nil)
	// A dry-run update changes nothing either.
	var cm corev1.ConfigMap
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"c"},"data":{"a":"1"}}`, &cm)
	e.must(http.StatusOK, "PUT", "/api/v1/namespaces/default/configmaps/c?dryRun=All", `{"metadata":{"name":"c"},"data":{"a":"2"}}`, nil)
	var after corev1.ConfigMap
	e.must(http.StatusOK, "GET", "/api/v1/namespaces/default/configmaps/c", nil, &after)
	if after.Data["a"] != "1" || after.ResourceVersion != cm.ResourceVersion {
		t.Errorf("dry-run update stored: %+v", after)
	}
}

func TestUIDIsVersion4(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		u := string(newUID())
		if len(u) != 36 || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) || seen[u] {
			t.Fatalf("uid %q", u)
		}
		seen[u] = true
	}
}

func TestSecretStringData(t *testing.T) {
	e := newEnv(t, Options{})
	var sec corev1.Secret
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/secrets",
		`{"metadata":{"name":"s"},"data":{"a":"eA==","b":"eA=="},"stringData":{"b":"two","c":"three"}}`, &sec)
	if string(sec.Data["a"]) != "x" || string(sec.Data["b"]) != "two" || string(sec.Data["c"]) != "three" || sec.StringData != nil {
		t.Errorf("secret: data %q stringData %v", sec.Data, sec.StringData)
	}
	e.must(http.StatusOK, "PATCH", "/api/v1/namespaces/default/secrets/s", `{"stringData":{"a":"new"}}`, &sec,
		"Content-Type", "application/merge-patch+json")
	if string(sec.Data["a"]) != "new" || sec.StringData != nil {
		t.Errorf("patched secret: data %q stringData %v", sec.Data, sec.StringData)
	}
}
