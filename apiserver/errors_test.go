package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestErrorStatuses(t *testing.T) {
	e := newEnv(t, Options{})
	var web struct {
		metav1.ObjectMeta `json:"metadata"`
	}
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "web"), &web)
	stale := web.ResourceVersion
	e.must(http.StatusOK, "PATCH", podsPath("default")+"/web", `{"metadata":{"labels":{"x":"y"}}}`, nil,
		"Content-Type", "application/merge-patch+json")
	stalePod := testPod("default", "web")
	stalePod.ResourceVersion = stale

	invalid := testPod("", "bad")
	invalid.Spec.Containers[0].Image = ""
	big := `{"metadata":{"name":"big","annotations":{"a":"` + strings.Repeat("x", 3<<20) + `"}}}`

	tests := []struct {
		name        string
		method      string
		path        string
		body        any
		hdr         []string
		code        int
		reason      metav1.StatusReason
		message     string // exact, when set
		contains    string // substring, when set
		detailsKind string
	}{
		{name: "unknown path", method: "GET", path: "/nope", code: 404, reason: metav1.StatusReasonNotFound,
			message: "the server could not find the requested resource"},
		{name: "unknown resource", method: "GET", path: "/api/v1/widgets", code: 404, reason: metav1.StatusReasonNotFound},
		{name: "unknown subresource", method: "GET", path: podsPath("default") + "/web/logs", code: 404, reason: metav1.StatusReasonNotFound},
		{name: "namespaced object without namespace", method: "GET", path: "/api/v1/pods/web", code: 404, reason: metav1.StatusReasonNotFound},
		{name: "cluster kind under a namespace", method: "GET", path: "/api/v1/namespaces/default/nodes", code: 404, reason: metav1.StatusReasonNotFound},
		{name: "missing pod", method: "GET", path: podsPath("default") + "/nope", code: 404, reason: metav1.StatusReasonNotFound,
			message: `pods "nope" not found`, detailsKind: "pods"},
		{name: "missing deployment", method: "GET", path: "/apis/apps/v1/namespaces/default/deployments/nope", code: 404,
			reason: metav1.StatusReasonNotFound, message: `deployments.apps "nope" not found`, detailsKind: "deployments"},
		{name: "create twice", method: "POST", path: podsPath("default"), body: testPod("", "web"), code: 409,
			reason: metav1.StatusReasonAlreadyExists, message: `pods "web" already exists`},
		{name: "stale resourceVersion", method: "PUT", path: podsPath("default") + "/web", body: stalePod, code: 409,
			reason:  metav1.StatusReasonConflict,
			message: `Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again`},
		{name: "invalid pod", method: "POST", path: podsPath("default"), body: invalid, code: 422, reason: metav1.StatusReasonInvalid,
			message: `Pod "bad" is invalid: spec.containers[0].image: Required value`},
		{name: "malformed JSON", method: "POST", path: podsPath("default"), body: `{"metadata":`, code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "wrong JSON type", method: "POST", path: podsPath("default"), body: `{"spec":5}`, code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "empty body", method: "POST", path: podsPath("default"), body: ``, code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "wrong kind", method: "POST", path: podsPath("default"), body: `{"kind":"Service","apiVersion":"v1","metadata":{"name":"x"}}`,
			code: 400, reason: metav1.StatusReasonBadRequest, message: "the kind in the data (Service) does not match the expected kind (Pod)"},
		{name: "wrong apiVersion", method: "POST", path: podsPath("default"), body: `{"kind":"Pod","apiVersion":"apps/v1","metadata":{"name":"x"}}`,
			code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "namespace mismatch", method: "POST", path: podsPath("default"), body: testPod("kube-system", "x"), code: 400,
			reason: metav1.StatusReasonBadRequest, message: "the namespace of the provided object does not match the namespace sent on the request"},
		{name: "name mismatch", method: "PUT", path: podsPath("default") + "/other", body: testPod("default", "web"), code: 400,
			reason: metav1.StatusReasonBadRequest, message: "the name of the object (web) does not match the name on the URL (other)"},
		{name: "strict unknown field", method: "POST", path: podsPath("default") + "?fieldValidation=Strict",
			body: `{"metadata":{"name":"s"},"spec":{"containers":[{"name":"a","image":"b"}]},"bogus":1}`, code: 400,
			reason: metav1.StatusReasonBadRequest, contains: "strict decoding error"},
		{name: "yaml body", method: "POST", path: podsPath("default"), body: "kind: Pod", hdr: []string{"Content-Type", "application/yaml"},
			code: 415, reason: metav1.StatusReasonUnsupportedMediaType},
		{name: "unknown patch type", method: "PATCH", path: podsPath("default") + "/web", body: `{}`,
			hdr: []string{"Content-Type", "text/plain"}, code: 415, reason: metav1.StatusReasonUnsupportedMediaType},
		{name: "server-side apply", method: "PATCH", path: podsPath("default") + "/web", body: `{}`,
			hdr: []string{"Content-Type", "application/apply-patch+yaml"}, code: 415, reason: metav1.StatusReasonUnsupportedMediaType,
			contains: "server-side apply"},
		{name: "POST to an object", method: "POST", path: podsPath("default") + "/web", body: `{}`, code: 405, reason: metav1.StatusReasonMethodNotAllowed},
		{name: "PUT to a collection", method: "PUT", path: podsPath("default"), body: `{}`, code: 405, reason: metav1.StatusReasonMethodNotAllowed},
		{name: "create across namespaces", method: "POST", path: "/api/v1/pods", body: testPod("default", "x"), code: 405, reason: metav1.StatusReasonMethodNotAllowed},
		{name: "GET binding", method: "GET", path: podsPath("default") + "/web/binding", code: 405, reason: metav1.StatusReasonMethodNotAllowed},
		{name: "bad label selector", method: "GET", path: podsPath("default") + "?labelSelector=a%20in%20(", code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "bad field selector", method: "GET", path: podsPath("default") + "?fieldSelector=spec.foo%3Dx", code: 400,
			reason: metav1.StatusReasonBadRequest, message: "field label not supported: spec.foo"},
		{name: "field selector on another kind's field", method: "GET", path: "/api/v1/namespaces/default/configmaps?fieldSelector=spec.nodeName%3Dx",
			code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "bad limit", method: "GET", path: podsPath("default") + "?limit=x", code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "bad resourceVersion", method: "GET", path: podsPath("default") + "?resourceVersion=abc", code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "match without resourceVersion", method: "GET", path: podsPath("default") + "?resourceVersionMatch=Exact", code: 422,
			reason:  metav1.StatusReasonInvalid,
			message: `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided`},
		{name: "exact at zero", method: "GET", path: podsPath("default") + "?resourceVersion=0&resourceVersionMatch=Exact", code: 422,
			reason: metav1.StatusReasonInvalid},
		{name: "match on watch", method: "GET", path: podsPath("default") + "?watch=1&resourceVersion=1&resourceVersionMatch=NotOlderThan", code: 422,
			reason: metav1.StatusReasonInvalid},
		{name: "continue with resourceVersion", method: "GET", path: podsPath("default") + "?continue=abc&resourceVersion=5", code: 400,
			reason: metav1.StatusReasonBadRequest},
		{name: "foreign continue token", method: "GET", path: podsPath("default") + "?continue=garbage&limit=1", code: 400,
			reason: metav1.StatusReasonBadRequest},
		{name: "future exact list", method: "GET", path: podsPath("default") + "?resourceVersion=999999&resourceVersionMatch=Exact", code: 504,
			reason: metav1.StatusReasonTimeout, message: "Too large resource version"},
		{name: "body too large", method: "POST", path: "/api/v1/namespaces/default/configmaps", body: big, code: 413,
			reason: metav1.StatusReasonRequestEntityTooLarge, message: "Request entity too large: limit is 3145728"},
		{name: "bad dryRun", method: "POST", path: podsPath("default") + "?dryRun=Some", body: testPod("", "d"), code: 422, reason: metav1.StatusReasonInvalid},
		{name: "html only", method: "GET", path: podsPath("default"), hdr: []string{"Accept", "text/html"}, code: 406,
			reason: metav1.StatusReasonNotAcceptable},
		{name: "negative grace period", method: "DELETE", path: podsPath("default") + "/web?gracePeriodSeconds=-1", code: 422, reason: metav1.StatusReasonInvalid},
		{name: "bad propagation policy", method: "DELETE", path: podsPath("default") + "/web?propagationPolicy=Sideways", code: 422, reason: metav1.StatusReasonInvalid},
		{name: "uid precondition", method: "DELETE", path: podsPath("default") + "/web", body: `{"preconditions":{"uid":"nope"}}`, code: 409,
			reason: metav1.StatusReasonConflict, contains: "Precondition failed: UID in precondition: nope"},
		{name: "resourceVersion precondition", method: "DELETE", path: podsPath("default") + "/web", body: `{"preconditions":{"resourceVersion":"1"}}`, code: 409,
			reason: metav1.StatusReasonConflict, contains: "Precondition failed: ResourceVersion in precondition: 1"},
		{name: "invalid name", method: "POST", path: "/api/v1/namespaces/default/configmaps", body: `{"metadata":{"name":"A/B"}}`, code: 422,
			reason: metav1.StatusReasonInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, b := e.do(tc.method, tc.path, tc.body, tc.hdr...)
			if code != tc.code {
				t.Fatalf("code %d, want %d: %s", code, tc.code, b)
			}
			st := status(t, b)
			if st.Kind != "Status" || st.APIVersion != "v1" || st.Status != metav1.StatusFailure || int(st.Code) != tc.code {
				t.Errorf("not a failure Status with code %d: %s", tc.code, b)
			}
			if st.Reason != tc.reason {
				t.Errorf("reason %q, want %q", st.Reason, tc.reason)
			}
			if tc.message != "" && st.Message != tc.message {
				t.Errorf("message %q, want %q", st.Message, tc.message)
			}
			if tc.contains != "" && !strings.Contains(st.Message, tc.contains) {
				t.Errorf("message %q lacks %q", st.Message, tc.contains)
			}
			if tc.detailsKind != "" && (st.Details == nil || st.Details.Kind != tc.detailsKind) {
				t.Errorf("details %+v, want kind %q", st.Details, tc.detailsKind)
			}
		})
	}
}

func TestInvalidCauses(t *testing.T) {
	e := newEnv(t, Options{})
	pod := testPod("", "bad")
	pod.Spec.Containers[0].Image = ""
	_, b := e.do("POST", podsPath("default"), pod)
	st := status(t, b)
	want := &metav1.StatusDetails{Name: "bad", Kind: "Pod", Causes: []metav1.StatusCause{{
		Type: metav1.CauseTypeFieldValueRequired, Message: "Required value", Field: "spec.containers[0].image",
	}}}
	if diff := cmp.Diff(want, st.Details); diff != "" {
		t.Errorf("details (-want +got):\n%s", diff)
	}
}
