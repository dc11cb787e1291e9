package apiserver

import (
	"net/http"
	"strings"
	"testing"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv1 "github.com/rigging-dev/rigging/api/autoscaling/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestBinding(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "p"), nil)
	bind := func(node string) (int, []byte) {
		return e.do("POST", podsPath("default")+"/p/binding", &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Annotations: map[string]string{"scheduler": "test"}},
			Target:     corev1.ObjectReference{Kind: "Node", Name: node},
		})
	}
	code, b := bind("n1")
	if st := status(t, b); code != http.StatusCreated || st.Status != metav1.StatusSuccess {
		t.Fatalf("bind: %d %s", code, b)
	}
	var p corev1.Pod
	e.must(http.StatusOK, "GET", podsPath("default")+"/p", nil, &p)
	if p.Spec.NodeName != "n1" || p.Annotations["scheduler"] != "test" || len(p.Status.Conditions) != 1 ||
		p.Status.Conditions[0].Type != corev1.PodScheduled || p.Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("bound pod: node %q annotations %v conditions %+v", p.Spec.NodeName, p.Annotations, p.Status.Conditions)
	}
	code, b = bind("n2")
	if st := status(t, b); code != http.StatusConflict || st.Reason != metav1.StatusReasonConflict ||
		!strings.Contains(st.Message, `pod p is already assigned to node "n1"`) {
		t.Errorf("second bind: %d %s", code, b)
	}
	for _, tc := range []struct {
		name string
		body any
		path string
		code int
	}{
		{"missing pod", `{"metadata":{"name":"nope"},"target":{"name":"n1"}}`, podsPath("default") + "/nope/binding", 404},
		{"no target", `{"metadata":{"name":"p"}}`, podsPath("default") + "/p/binding", 422},
		{"wrong target kind", `{"metadata":{"name":"p"},"target":{"kind":"Pod","name":"x"}}`, podsPath("default") + "/p/binding", 422},
		{"name mismatch", `{"metadata":{"name":"q"},"target":{"name":"n1"}}`, podsPath("default") + "/p/binding", 400},
		{"uid mismatch", `{"metadata":{"name":"p","uid":"zzz"},"target":{"name":"n1"}}`, podsPath("default") + "/p/binding", 409},
	} {
		if code, b := e.do("POST", tc.path, tc.body); code != tc.code {
			t.Errorf("%s: %d, want %d: %s", tc.name, code, tc.code, b)
		}
	}
}

func TestStatusSubresourceIsolationAndGeneration(t *testing.T) {
	e := newEnv(t, Options{})
	path := "/apis/apps/v1/namespaces/default/deployments"
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			},
		},
		Status: appsv1.DeploymentStatus{Replicas: 7},
	}
	var got appsv1.Deployment
	e.must(http.StatusCreated, "POST", path, d, &got)
	if got.Status.Replicas != 0 || got.Generation != 1 {
		t.Fatalf("create kept status %+v or generation %d", got.Status, got.Generation)
	}

	// A metadata change keeps the generation; a spec change raises it.
	got.Labels = map[string]string{"x": "1"}
	var labelled appsv1.Deployment
	e.must(http.StatusOK, "PUT", path+"/web", &got, &labelled)
	if labelled.Generation != 1 {
		t.Errorf("generation %d after a label change", labelled.Generation)
	}
	three := int32(3)
	labelled.Spec.Replicas = &three
	labelled.Status.Replicas = 5 // ignored by the main resource
	got = appsv1.Deployment{}
	e.must(http.StatusOK, "PUT", path+"/web", &labelled, &got)
	if got.Generation != 2 || got.Status.Replicas != 0 || *got.Spec.Replicas != 3 {
		t.Errorf("spec update: generation %d status %+v", got.Generation, got.Status)
	}

	// The status subresource changes only status, and not the generation.
	upd := got
	one := int32(1)
	upd.Spec.Replicas = &one
	upd.Labels = map[string]string{"x": "2"}
	upd.Status.Replicas = 3
	upd.Status.ObservedGeneration = 2
	var st appsv1.Deployment
	e.must(http.StatusOK, "PUT", path+"/web/status", &upd, &st)
	if st.Status.ObservedGeneration != 2 {
		t.Errorf("status update lost observedGeneration: %+v", st.Status)
	}
	if st.Status.Replicas != 3 || *st.Spec.Replicas != 3 || st.Labels["x"] != "1" || st.Generation != 2 {
		t.Errorf("status update: replicas %d/%d labels %v generation %d", *st.Spec.Replicas, st.Status.Replicas, st.Labels, st.Generation)
	}
	var viaGet appsv1.Deployment
	e.must(http.StatusOK, "GET", path+"/web/status", nil, &viaGet)
	if viaGet.Status.Replicas != 3 || viaGet.ResourceVersion != st.ResourceVersion {
		t.Errorf("GET status: %+v", viaGet.Status)
	}
	// A status patch too.
	st = appsv1.Deployment{}
	e.must(http.StatusOK, "PATCH", path+"/web/status", `{"spec":{"replicas":9},"status":{"readyReplicas":2}}`, &st,
		"Content-Type", "application/merge-patch+json")
	if st.Status.ReadyReplicas != 2 || *st.Spec.Replicas != 3 {
		t.Errorf("status patch: spec %d status %+v", *st.Spec.Replicas, st.Status)
	}
	// A no-op update writes nothing.
	var again appsv1.Deployment
	e.must(http.StatusOK, "PUT", path+"/web", &st, &again)
	if again.ResourceVersion != st.ResourceVersion {
		t.Errorf("no-op update moved resourceVersion %s -> %s", st.ResourceVersion, again.ResourceVersion)
	}
	// Kinds without status have no status subresource.
	e.must(http.StatusNotFound, "GET", "/api/v1/namespaces/default/configmaps/x/status", nil, nil)
}

func TestScale(t *testing.T) {
	e := newEnv(t, Options{})
	path := "/apis/apps/v1/namespaces/default/replicasets"
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "rs"},
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			},
		},
	}
	var created appsv1.ReplicaSet
	e.must(http.StatusCreated, "POST", path, rs, &created)
	var sc autoscalingv1.Scale
	e.must(http.StatusOK, "GET", path+"/rs/scale", nil, &sc)
	if sc.Kind != "Scale" || sc.APIVersion != "autoscaling/v1" || sc.Spec.Replicas != 1 || sc.Status.Selector != "app=web" ||
		sc.ResourceVersion != created.ResourceVersion || sc.UID != created.UID {
		t.Fatalf("scale: %+v", sc)
	}
	sc.Spec.Replicas = 4
	var out autoscalingv1.Scale
	e.must(http.StatusOK, "PUT", path+"/rs/scale", &sc, &out)
	if out.Spec.Replicas != 4 || out.ResourceVersion == sc.ResourceVersion {
		t.Errorf("scale update: %+v", out)
	}
	// The old resourceVersion is stale now.
	code, b := e.do("PUT", path+"/rs/scale", &sc)
	if code != http.StatusConflict {
		t.Errorf("stale scale update: %d %s", code, b)
	}
	e.must(http.StatusOK, "PATCH", path+"/rs/scale", `{"spec":{"replicas":6}}`, &out, "Content-Type", "application/merge-patch+json")
	var got appsv1.ReplicaSet
	e.must(http.StatusOK, "GET", path+"/rs", nil, &got)
	if *got.Spec.Replicas != 6 || got.Generation != 3 {
		t.Errorf("after scaling: replicas %d generation %d", *got.Spec.Replicas, got.Generation)
	}
	code, b = e.do("PUT", path+"/rs/scale", `{"spec":{"replicas":-1}}`)
	if code != http.StatusUnprocessableEntity {
		t.Errorf("negative replicas: %d %s", code, b)
	}
	e.must(http.StatusNotFound, "GET", "/apis/apps/v1/namespaces/default/daemonsets/x/scale", nil, nil)
	e.must(http.StatusNotFound, "GET", path+"/nope/scale", nil, nil)
}

func TestEviction(t *testing.T) {
	e := newEnv(t, Options{})
	p := testPod("", "p")
	p.Spec.NodeName = "n1"
	e.must(http.StatusCreated, "POST", podsPath("default"), p, nil)
	code, b := e.do("POST", podsPath("default")+"/p/eviction",
		`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p","namespace":"default"}}`)
	if st := status(t, b); code != http.StatusCreated || st.Status != metav1.StatusSuccess {
		t.Fatalf("evict: %d %s", code, b)
	}
	var got corev1.Pod
	e.must(http.StatusOK, "GET", podsPath("default")+"/p", nil, &got)
	if got.DeletionTimestamp == nil || *got.DeletionGracePeriodSeconds != 30 {
		t.Errorf("evicted pod not deleted gracefully: %+v", got.ObjectMeta)
	}
	e.must(http.StatusCreated, "POST", podsPath("default")+"/p/eviction",
		`{"apiVersion":"policy/v1beta1","kind":"Eviction","metadata":{"name":"p"},"deleteOptions":{"gracePeriodSeconds":0}}`, nil)
	e.must(http.StatusNotFound, "GET", podsPath("default")+"/p", nil, nil)
	e.must(http.StatusNotFound, "POST", podsPath("default")+"/p/eviction", `{"metadata":{"name":"p"}}`, nil)
	e.must(http.StatusBadRequest, "POST", podsPath("default")+"/q/eviction", `{"metadata":{"name":"p"}}`, nil)
}
