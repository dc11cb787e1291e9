package apiserver

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// fixedNow is the clock of the deletion tests.
var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestGracefulPodDeletion(t *testing.T) {
	e := newEnv(t, Options{Now: func() time.Time { return fixedNow }})
	bound := testPod("", "bound")
	bound.Spec.NodeName = "n1"
	var created corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), bound, &created)

	// The first delete starts the grace period (the pod's default 30 s).
	var deleting corev1.Pod
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/bound", nil, &deleting)
	if deleting.DeletionTimestamp == nil || !deleting.DeletionTimestamp.Time.Equal(fixedNow.Add(30*time.Second)) ||
		deleting.DeletionGracePeriodSeconds == nil || *deleting.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("graceful delete: deletionTimestamp %v grace %v", deleting.DeletionTimestamp, deleting.DeletionGracePeriodSeconds)
	}
	if deleting.Generation != created.Generation+1 {
		t.Errorf("generation %d after deletion began, want %d", deleting.Generation, created.Generation+1)
	}
	e.must(http.StatusOK, "GET", podsPath("default")+"/bound", nil, nil)
	// A longer grace period does not postpone it; a shorter one brings it
	// forward.
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/bound?gracePeriodSeconds=60", nil, &deleting)
	if *deleting.DeletionGracePeriodSeconds != 30 {
		t.Errorf("grace %d after a longer request", *deleting.DeletionGracePeriodSeconds)
	}
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/bound", `{"gracePeriodSeconds":10}`, &deleting)
	if *deleting.DeletionGracePeriodSeconds != 10 || !deleting.DeletionTimestamp.Time.Equal(fixedNow.Add(10*time.Second)) {
		t.Errorf("shortened: %v %d", deleting.DeletionTimestamp, *deleting.DeletionGracePeriodSeconds)
	}
	// Spec updates are still possible, the deletion fields are not.
	deleting.Labels["x"] = "y"
	deleting.DeletionTimestamp = nil
	var updated corev1.Pod
	e.must(http.StatusOK, "PUT", podsPath("default")+"/bound", &deleting, &updated)
	if updated.DeletionTimestamp == nil || updated.Labels["x"] != "y" {
		t.Errorf("update during deletion: %+v", updated.ObjectMeta)
	}
	// The node agent deletes with grace period 0 once containers stopped.
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/bound?gracePeriodSeconds=0", nil, nil)
	e.must(http.StatusNotFound, "GET", podsPath("default")+"/bound", nil, nil)

	// An unscheduled pod, and a finished one, go at once.
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "pending"), nil)
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/pending", nil, nil)
	e.must(http.StatusNotFound, "GET", podsPath("default")+"/pending", nil, nil)
	var done corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), bound, &done)
	done.Status.Phase = corev1.PodSucceeded
	e.must(http.StatusOK, "PUT", podsPath("default")+"/bound/status", &done, nil)
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/bound", nil, nil)
	e.must(http.StatusNotFound, "GET", podsPath("default")+"/bound", nil, nil)

	// terminationGracePeriodSeconds sets the default.
	short := testPod("", "short")
	short.Spec.NodeName = "n1"
	five := int64(5)
	short.Spec.TerminationGracePeriodSeconds = &five
	e.must(http.StatusCreated, "POST", podsPath("default"), short, nil)
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/short", nil, &deleting)
	if *deleting.DeletionGracePeriodSeconds != 5 {
		t.Errorf("grace %d, want the pod's 5", *deleting.DeletionGracePeriodSeconds)
	}
}

func TestFinalizers(t *testing.T) {
	e := newEnv(t, Options{Now: func() time.Time { return fixedNow }})
	path := "/api/v1/namespaces/default/configmaps"
	e.must(http.StatusCreated, "POST", path, `{"metadata":{"name":"held","finalizers":["example.com/hold"]}}`, nil)
	var held corev1.ConfigMap
	e.must(http.StatusOK, "DELETE", path+"/held", nil, &held)
	if held.DeletionTimestamp == nil || !held.DeletionTimestamp.Time.Equal(fixedNow) || *held.DeletionGracePeriodSeconds != 0 {
		t.Fatalf("delete with a finalizer: %+v", held.ObjectMeta)
	}
	e.must(http.StatusOK, "GET", path+"/held", nil, nil)
	// No finalizer may be added once deletion began.
	held.Finalizers = append(held.Finalizers, "example.com/more")
	code, b := e.do("PUT", path+"/held", &held)
	if code != http.StatusUnprocessableEntity {
		t.Errorf("adding a finalizer during deletion: %d %s", code, b)
	}
	// Removing the last finalizer deletes it.
	held.Finalizers = nil
	e.must(http.StatusOK, "PUT", path+"/held", &held, nil)
	e.must(http.StatusNotFound, "GET", path+"/held", nil, nil)

	// Propagation policies record themselves as finalizers.
	for _, tc := range []struct {
		query, body string
		want        []string
		code        int
	}{
		{"?propagationPolicy=Foreground", "", []string{"foregroundDeletion"}, http.StatusOK},
		{"", `{"propagationPolicy":"Orphan"}`, []string{"orphan"}, http.StatusOK},
		{"?orphanDependents=true", "", []string{"orphan"}, http.StatusOK},
		{"?orphanDependents=false", "", nil, http.StatusOK},
		{"?propagationPolicy=Background", "", nil, http.StatusOK},
	} {
		e.must(http.StatusCreated, "POST", path, `{"metadata":{"name":"p"}}`, nil)
		var body any
		if tc.body != "" {
			body = tc.body
		}
		var got corev1.ConfigMap
		e.must(tc.code, "DELETE", path+"/p"+tc.query, body, &got)
		if diff := cmp.Diff(tc.want, got.Finalizers); diff != "" {
			t.Errorf("%s%s: finalizers (-want +got):\n%s", tc.query, tc.body, diff)
		}
		if tc.want == nil {
			e.must(http.StatusNotFound, "GET", path+"/p", nil, nil)
			continue
		}
		got.Finalizers = nil
		e.must(http.StatusOK, "PUT", path+"/p", &got, nil)
		e.must(http.StatusNotFound, "GET", path+"/p", nil, nil)
	}

	// A pod held by a finalizer and deleted gracefully is removed only
	// when both are done.
	p := testPod("", "fin")
	p.Spec.NodeName = "n1"
	p.Finalizers = []string{"example.com/hold"}
	e.must(http.StatusCreated, "POST", podsPath("default"), p, nil)
	var pod corev1.Pod
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/fin", nil, &pod)
	pod.Finalizers = nil
	e.must(http.StatusOK, "PUT", podsPath("default")+"/fin", &pod, &pod)
	e.must(http.StatusOK, "GET", podsPath("default")+"/fin", nil, nil) // grace period still running
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/fin?gracePeriodSeconds=0", nil, nil)
	e.must(http.StatusNotFound, "GET", podsPath("default")+"/fin", nil, nil)
}

func TestDeletePreconditionsAndDryRun(t *testing.T) {
	e := newEnv(t, Options{})
	path := "/api/v1/namespaces/default/configmaps"
	var cm corev1.ConfigMap
	e.must(http.StatusCreated, "POST", path, `{"metadata":{"name":"c"}}`, &cm)
	e.must(http.StatusOK, "DELETE", path+"/c?dryRun=All", nil, nil)
	e.must(http.StatusOK, "GET", path+"/c", nil, nil)
	e.must(http.StatusOK, "DELETE", path+"/c", map[string]any{
		"preconditions": map[string]any{"uid": cm.UID, "resourceVersion": cm.ResourceVersion},
	}, nil)
	e.must(http.StatusNotFound, "DELETE", path+"/c", nil, nil)
}

func TestDeleteCollection(t *testing.T) {
	e := newEnv(t, Options{})
	for _, n := range []string{"a", "b", "c"} {
		p := testPod("", n)
		if n == "b" {
			p.Labels["app"] = "db"
		}
		e.must(http.StatusCreated, "POST", podsPath("default"), p, nil)
	}
	e.must(http.StatusCreated, "POST", podsPath("kube-system"), testPod("", "a"), nil)
	var deleted corev1.PodList
	e.must(http.StatusOK, "DELETE", podsPath("default")+"?labelSelector=app%3Dweb", nil, &deleted)
	if diff := cmp.Diff([]string{"default/a", "default/c"}, podNames(deleted)); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	var left corev1.PodList
	e.must(http.StatusOK, "GET", "/api/v1/pods", nil, &left)
	if diff := cmp.Diff([]string{"default/b", "kube-system/a"}, podNames(left)); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
	e.must(http.StatusMethodNotAllowed, "DELETE", "/api/v1/namespaces", nil, nil)
}

func TestNamespaceDeletion(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"metadata":{"name":"team"}}`, nil)
	var ns corev1.Namespace
	e.must(http.StatusOK, "DELETE", "/api/v1/namespaces/team", nil, &ns)
	if ns.Status.Phase != corev1.NamespaceTerminating || ns.DeletionTimestamp == nil ||
		!slices.Equal(ns.Spec.Finalizers, []corev1.FinalizerName{corev1.FinalizerKubernetes}) {
		t.Fatalf("deleting namespace: %+v", ns)
	}
	// Creating in it is refused.
	code, b := e.do("POST", podsPath("team"), testPod("", "x"))
	st := status(t, b)
	if code != http.StatusForbidden || st.Details == nil || len(st.Details.Causes) != 1 ||
		st.Details.Causes[0].Type != corev1.NamespaceTerminatingCause ||
		st.Message != `pods "x" is forbidden: unable to create new content in namespace team because it is being terminated` {
		t.Errorf("create in terminating namespace: %d %s", code, b)
	}
	// An update may not drop spec.finalizers; the finalize subresource may.
	ns.Spec.Finalizers = nil
	e.must(http.StatusOK, "PUT", "/api/v1/namespaces/team", &ns, &ns)
	if len(ns.Spec.Finalizers) != 1 {
		t.Errorf("update changed spec.finalizers: %v", ns.Spec.Finalizers)
	}
	ns.Spec.Finalizers = nil
	e.must(http.StatusOK, "PUT", "/api/v1/namespaces/team/finalize", &ns, nil)
	e.must(http.StatusNotFound, "GET", "/api/v1/namespaces/team", nil, nil)
	// The built-in namespaces may not be deleted.
	for _, name := range []string{"default", "kube-system", "kube-public"} {
		code, b := e.do("DELETE", "/api/v1/namespaces/"+name, nil)
		if st := status(t, b); code != http.StatusForbidden ||
			st.Message != `namespaces "`+name+`" is forbidden: this namespace may not be deleted` {
			t.Errorf("delete %s: %d %s", name, code, b)
		}
	}
	var _ metav1.Object = &ns
}
