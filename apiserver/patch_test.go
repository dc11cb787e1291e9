package apiserver

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestPatchTypes(t *testing.T) {
	e := newEnv(t, Options{})
	p := testPod("", "p")
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side", Image: "busybox"})
	var created corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), p, &created)
	const (
		merge     = "application/merge-patch+json"
		jsonPatch = "application/json-patch+json"
		smp       = "application/strategic-merge-patch+json"
	)
	tests := []struct {
		name, ct, body string
		check          func(t *testing.T, p *corev1.Pod)
	}{
		{"merge adds a label", merge, `{"metadata":{"labels":{"tier":"front"}}}`, func(t *testing.T, p *corev1.Pod) {
			if p.Labels["tier"] != "front" || p.Labels["app"] != "web" {
				t.Errorf("labels %v", p.Labels)
			}
		}},
		{"merge null removes it", merge, `{"metadata":{"labels":{"tier":null}}}`, func(t *testing.T, p *corev1.Pod) {
			if _, ok := p.Labels["tier"]; ok {
				t.Errorf("labels %v", p.Labels)
			}
		}},
		{"json patch replaces an image", jsonPatch, `[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.28"}]`,
			func(t *testing.T, p *corev1.Pod) {
				if p.Spec.Containers[0].Image != "nginx:1.28" || len(p.Spec.Containers) != 2 {
					t.Errorf("containers %+v", p.Spec.Containers)
				}
			}},
		{"strategic merge merges containers by name", smp, `{"spec":{"containers":[{"name":"side","image":"busybox:2"}]}}`,
			func(t *testing.T, p *corev1.Pod) {
				var got []string
				for _, c := range p.Spec.Containers {
					got = append(got, c.Name+"="+c.Image)
				}
				if diff := cmp.Diff([]string{"app=nginx:1.28", "side=busybox:2"}, got); diff != "" {
					t.Errorf("containers (-want +got):\n%s", diff)
				}
			}},
		{"merge patch replaces containers", merge, `{"metadata":{"annotations":{"a":"b"}}}`, func(t *testing.T, p *corev1.Pod) {
			if p.Annotations["a"] != "b" {
				t.Errorf("annotations %v", p.Annotations)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got corev1.Pod
			e.must(http.StatusOK, "PATCH", podsPath("default")+"/p", tc.body, &got, "Content-Type", tc.ct)
			tc.check(t, &got)
			if got.Status.Phase != corev1.PodPending {
				t.Errorf("status lost: %+v", got.Status)
			}
		})
	}

	var cur corev1.Pod
	e.must(http.StatusOK, "GET", podsPath("default")+"/p", nil, &cur)
	for _, tc := range []struct {
		name, ct, body string
		code           int
		reason         metav1.StatusReason
	}{
		{"stale resourceVersion in the patch", merge, `{"metadata":{"resourceVersion":"1","labels":{"x":"y"}}}`, 409, metav1.StatusReasonConflict},
		{"malformed merge patch", merge, `{"metadata":`, 400, metav1.StatusReasonBadRequest},
		{"malformed JSON patch", jsonPatch, `{"op":"add"}`, 400, metav1.StatusReasonBadRequest},
		{"JSON patch of a missing path", jsonPatch, `[{"op":"replace","path":"/spec/nope/x","value":1}]`, 422, metav1.StatusReasonInvalid},
		{"failed JSON patch test", jsonPatch, `[{"op":"test","path":"/metadata/name","value":"q"}]`, 422, metav1.StatusReasonInvalid},
		{"patch result of the wrong type", merge, `{"spec":{"containers":"x"}}`, 400, metav1.StatusReasonBadRequest},
		{"patch that breaks validation", merge, `{"spec":{"containers":[{"name":"app","image":""}]}}`, 422, metav1.StatusReasonInvalid},
		{"patch that renames", merge, `{"metadata":{"name":"q"}}`, 400, metav1.StatusReasonBadRequest},
		{"patch of a missing object", merge, `{}`, 404, metav1.StatusReasonNotFound},
	} {
		path := podsPath("default") + "/p"
		if tc.code == 404 {
			path = podsPath("default") + "/nope"
		}
		code, b := e.do("PATCH", path, tc.body, "Content-Type", tc.ct)
		if st := status(t, b); code != tc.code || st.Reason != tc.reason {
			t.Errorf("%s: %d %s, want %d %s", tc.name, code, b, tc.code, tc.reason)
		}
	}
	// The current resourceVersion in a patch makes it conditional, and
	// succeeds.
	e.must(http.StatusOK, "PATCH", podsPath("default")+"/p", `{"metadata":{"resourceVersion":"`+cur.ResourceVersion+`","labels":{"x":"y"}}}`,
		nil, "Content-Type", merge)
	// A dry run changes nothing.
	var dry corev1.Pod
	e.must(http.StatusOK, "PATCH", podsPath("default")+"/p?dryRun=All", `{"metadata":{"labels":{"dry":"run"}}}`, &dry, "Content-Type", merge)
	var after corev1.Pod
	e.must(http.StatusOK, "GET", podsPath("default")+"/p", nil, &after)
	if dry.Labels["dry"] != "run" || after.Labels["dry"] != "" {
		t.Errorf("dry run: answer %v, stored %v", dry.Labels, after.Labels)
	}
}
