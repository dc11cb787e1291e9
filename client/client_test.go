package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv1 "github.com/rigging-dev/rigging/api/autoscaling/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
)

func pod(ns, name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
}

func mustFor[T any, PT Object[T]](t *testing.T, c *Client) *Resource[T] {
	t.Helper()
	r, err := For[T, PT](c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCRUD(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c).Namespace("default")

	created, err := pods.Create(ctx, pod("", "web", map[string]string{"app": "web"}), CreateOptions{})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if created.Kind != "Pod" || created.APIVersion != "v1" || created.UID == "" || created.ResourceVersion == "" || created.Namespace != "default" {
		t.Fatalf("Create returned %+v", created.ObjectMeta)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(f.lastRequest().Body), &sent); err != nil {
		t.Fatal(err)
	}
	if sent["kind"] != "Pod" || sent["apiVersion"] != "v1" {
		t.Errorf("create body lacks kind/apiVersion: %v", f.lastRequest().Body)
	}

	got, err := pods.Get(ctx, "web", GetOptions{})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("Get differs from Create (-create +get):\n%s", diff)
	}

	// A stale update conflicts; a fresh one goes through.
	upd := got.DeepCopy()
	upd.Labels["tier"] = "front"
	upd2, err := pods.Update(ctx, upd, UpdateOptions{FieldManager: "test"})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if upd2.Labels["tier"] != "front" || upd2.ResourceVersion == got.ResourceVersion {
		t.Errorf("Update returned labels %v rv %s", upd2.Labels, upd2.ResourceVersion)
	}
	if _, err := pods.Update(ctx, upd, UpdateOptions{}); !IsConflict(err) {
		t.Errorf("stale Update: got %v, want a Conflict", err)
	}

	st := upd2.DeepCopy()
	st.Status.Phase = corev1.PodRunning
	st.Labels["ignored"] = "yes"
	st2, err := pods.UpdateStatus(ctx, st, UpdateOptions{})
	if err != nil {
		t.Fatalf("UpdateStatus: %v", err)
	}
	if st2.Status.Phase != corev1.PodRunning || st2.Labels["ignored"] != "" {
		t.Errorf("UpdateStatus: phase %q labels %v", st2.Status.Phase, st2.Labels)
	}
	if r := f.lastRequest(); r.Method != "PUT" || r.Path != "/api/v1/namespaces/default/pods/web/status" {
		t.Errorf("UpdateStatus sent %s %s", r.Method, r.Path)
	}

	patched, err := pods.Patch(ctx, "web", MergePatchType, []byte(`{"metadata":{"labels":{"tier":null,"patched":"1"}}}`), PatchOptions{FieldManager: "m"})
	if err != nil {
		t.Fatalf("Patch: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"app": "web", "patched": "1"}, patched.Labels); diff != "" {
		t.Errorf("Patch labels (-want +got):\n%s", diff)
	}
	if r := f.lastRequest(); r.ContentType != string(MergePatchType) || r.Query != "fieldManager=m" {
		t.Errorf("Patch sent content type %q query %q", r.ContentType, r.Query)
	}
	_, err = pods.Patch(ctx, "web", JSONPatchType, []byte(`[]`), PatchOptions{})
	if ReasonForError(err) != metav1.StatusReasonUnsupportedMediaType || StatusCode(err) != 415 {
		t.Errorf("JSON patch to a server without it: got %v", err)
	}

	if _, err := pods.Create(ctx, pod("default", "web", nil), CreateOptions{}); !IsAlreadyExists(err) {
		t.Errorf("second Create: got %v, want AlreadyExists", err)
	}

	// Preconditions.
	wrongUID := types.UID("nope")
	err = pods.Delete(ctx, "web", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrongUID}})
	if !IsConflict(err) {
		t.Errorf("Delete with a wrong uid: got %v, want Conflict", err)
	}
	grace := int64(0)
	policy := metav1.DeletePropagationForeground
	rv := patched.ResourceVersion
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: &grace, PropagationPolicy: &policy,
		Preconditions: &metav1.Preconditions{UID: &patched.UID, ResourceVersion: &rv}}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	var opts metav1.DeleteOptions
	if err := json.Unmarshal([]byte(f.lastRequest().Body), &opts); err != nil {
		t.Fatal(err)
	}
	if *opts.GracePeriodSeconds != 0 || *opts.PropagationPolicy != metav1.DeletePropagationForeground {
		t.Errorf("Delete sent %s", f.lastRequest().Body)
	}
	_, err = pods.Get(ctx, "web", GetOptions{})
	if !IsNotFound(err) {
		t.Fatalf("Get after Delete: got %v, want NotFound", err)
	}
	if want := `GET /api/v1/namespaces/default/pods/web: pods "web" not found (NotFound, 404)`; err.Error() != want {
		t.Errorf("error text\n got %s\nwant %s", err, want)
	}
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{}); !IsNotFound(err) {
		t.Errorf("second Delete: got %v, want NotFound", err)
	}
}

func TestCreateGenerateNameAndInvalid(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	pods := mustFor[corev1.Pod](t, c)
	p := pod("ns", "", nil)
	p.GenerateName = "web-"
	got, err := pods.Create(t.Context(), p, CreateOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Name, "web-") {
		t.Errorf("generated name %q", got.Name)
	}
	if r := f.lastRequest(); r.Path != "/api/v1/namespaces/ns/pods" || r.Query != "dryRun=All" {
		t.Errorf("Create sent %s?%s", r.Path, r.Query)
	}
	_, err = pods.Create(t.Context(), pod("ns", "", nil), CreateOptions{})
	if !IsInvalid(err) {
		t.Fatalf("Create without a name: got %v, want Invalid", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || len(apiErr.Status.Details.Causes) != 1 || apiErr.Status.Details.Causes[0].Field != "metadata.name" {
		t.Errorf("Invalid error lacks its cause: %#v", apiErr)
	}
}

func TestListSelectorsAndPages(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c)
	for _, p := range []*corev1.Pod{
		pod("a", "p1", map[string]string{"app": "web"}), pod("a", "p2", map[string]string{"app": "db"}),
		pod("a", "p3", map[string]string{"app": "web"}), pod("b", "p4", map[string]string{"app": "web"}),
		pod("b", "p5", nil), pod("b", "p6", map[string]string{"app": "web"}), pod("c", "p7", nil),
	} {
		if _, err := pods.Create(ctx, p, CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(l *List[corev1.Pod]) []string {
		var out []string
		for _, p := range l.Items {
			if p.Kind != "Pod" || p.APIVersion != "v1" {
				t.Errorf("list item %s lacks its kind: %+v", p.Name, p.TypeMeta)
			}
			out = append(out, p.Name)
		}
		return out
	}
	tests := []struct {
		name string
		r    *Resource[corev1.Pod]
		opts ListOptions
		want []string
	}{
		{"all", pods, ListOptions{}, []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"}},
		{"namespace", pods.Namespace("b"), ListOptions{}, []string{"p4", "p5", "p6"}},
		{"labels", pods, ListOptions{LabelSelector: "app=web"}, []string{"p1", "p3", "p4", "p6"}},
		{"labels in namespace", pods.Namespace("a"), ListOptions{LabelSelector: "app!=web"}, []string{"p2"}},
		{"fields", pods, ListOptions{FieldSelector: "metadata.name=p5"}, []string{"p5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := tt.r.List(ctx, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, names(l)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if l.ResourceVersion == "" {
				t.Error("list has no resourceVersion")
			}
		})
	}

	// Pages of 3, read at one revision even as objects change.
	var got []string
	opts := ListOptions{Limit: 3}
	first := ""
	for {
		l, err := pods.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = l.ResourceVersion
			if _, err := pods.Create(ctx, pod("a", "p0", nil), CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		} else if l.ResourceVersion != first {
			t.Errorf("page at rv %s, first at %s", l.ResourceVersion, first)
		}
		if len(l.Items) > 3 {
			t.Errorf("page of %d items, limit 3", len(l.Items))
		}
		got = append(got, names(l)...)
		if l.Continue == "" {
			break
		}
		opts.Continue = l.Continue
	}
	if diff := cmp.Diff([]string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"}, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}

	// A continue token from before a compaction expires.
	l, err := pods.List(ctx, ListOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	f.compact()
	_, err = pods.List(ctx, ListOptions{Limit: 2, Continue: l.Continue})
	if !IsResourceExpired(err) || IsGone(err) || !isExpiredOrGone(err) {
		t.Errorf("List with an expired continue: got %v, want Expired", err)
	}
}

func TestDeleteCollection(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c).Namespace("a")
	for _, p := range []*corev1.Pod{pod("a", "p1", map[string]string{"app": "web"}), pod("a", "p2", nil), pod("a", "p3", map[string]string{"app": "web"})} {
		if _, err := pods.Create(ctx, p, CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{}, ListOptions{LabelSelector: "app=web"}); err != nil {
		t.Fatal(err)
	}
	if r := f.lastRequest(); r.Method != "DELETE" || r.Path != "/api/v1/namespaces/a/pods" || r.Query != "labelSelector=app%3Dweb" {
		t.Errorf("DeleteCollection sent %s %s?%s", r.Method, r.Path, r.Query)
	}
	l, err := pods.List(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 1 || l.Items[0].Name != "p2" {
		t.Errorf("after DeleteCollection: %v", l.Items)
	}
	if err := pods.Namespace("").DeleteCollection(ctx, metav1.DeleteOptions{}, ListOptions{}); err == nil {
		t.Error("DeleteCollection across namespaces: no error")
	}
}

func TestPaths(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	nodes := mustFor[corev1.Node](t, c)
	deps := mustFor[appsv1.Deployment](t, c).Namespace("prod")
	nss := mustFor[corev1.Namespace](t, c)
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"node get", func() error { _, err := nodes.Get(ctx, "n1", GetOptions{ResourceVersion: "0"}); return err }, "GET /api/v1/nodes/n1?resourceVersion=0"},
		{"node list", func() error {
			_, err := nodes.List(ctx, ListOptions{Limit: 5, ResourceVersion: "7", ResourceVersionMatch: ResourceVersionMatchNotOlderThan, TimeoutSeconds: 3})
			return err
		},
			"GET /api/v1/nodes?limit=5&resourceVersion=7&resourceVersionMatch=NotOlderThan&timeoutSeconds=3"},
		{"namespace get", func() error { _, err := nss.Get(ctx, "kube-system", GetOptions{}); return err }, "GET /api/v1/namespaces/kube-system"},
		{"deployment get", func() error { _, err := deps.Get(ctx, "d", GetOptions{}); return err }, "GET /apis/apps/v1/namespaces/prod/deployments/d"},
		{"deployment list all", func() error { _, err := deps.Namespace("").List(ctx, ListOptions{}); return err }, "GET /apis/apps/v1/deployments"},
		{"deployment patch status", func() error {
			_, err := deps.Patch(ctx, "d", ApplyPatchType, []byte("{}"), PatchOptions{FieldManager: "me", Force: true, DryRun: true}, "status")
			return err
		}, "PATCH /apis/apps/v1/namespaces/prod/deployments/d/status?dryRun=All&fieldManager=me&force=true"},
		{"deployment scale", func() error { _, err := deps.GetScale(ctx, "d"); return err }, "GET /apis/apps/v1/namespaces/prod/deployments/d/scale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = tt.do() // the objects do not exist: only the request matters
			r := f.lastRequest()
			got := r.Method + " " + r.Path
			if r.Query != "" {
				got += "?" + r.Query
			}
			if got != tt.want {
				t.Errorf("sent %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestArgumentErrors(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c)
	nodes := mustFor[corev1.Node](t, c)
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"no name", func() error { _, err := pods.Namespace("a").Get(ctx, "", GetOptions{}); return err }, "get pods: name is empty"},
		{"no namespace", func() error { _, err := pods.Get(ctx, "p", GetOptions{}); return err }, `get pods "p": namespace is empty for a namespaced resource`},
		{"slash in name", func() error { _, err := pods.Namespace("a").Get(ctx, "x/y", GetOptions{}); return err }, `get pods "x/y": name "x/y" may not contain '/' or '%'`},
		{"dot dot", func() error { return pods.Namespace("a").Delete(ctx, "..", metav1.DeleteOptions{}) }, `delete pods "..": name ".." may not be ".."`},
		{"cluster-scoped with namespace", func() error { _, err := nodes.Namespace("a").Get(ctx, "n", GetOptions{}); return err }, `get nodes "n": nodes.v1 is cluster-scoped, but namespace "a" was given`},
		{"namespace mismatch", func() error {
			_, err := pods.Namespace("a").Create(ctx, pod("b", "p", nil), CreateOptions{})
			return err
		}, `create pods "p": the object's namespace "b" does not match the client's "a"`},
		{"nil object", func() error { _, err := pods.Update(ctx, nil, UpdateOptions{}); return err }, "update pods: object is nil"},
		{"no patch type", func() error { _, err := pods.Namespace("a").Patch(ctx, "p", "", nil, PatchOptions{}); return err }, `patch pods "p": patch type is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
	f.mu.Lock()
	n := len(f.requests)
	f.mu.Unlock()
	if n != 0 {
		t.Errorf("argument errors sent %d requests", n)
	}
	if _, err := For[struct{ metav1.ObjectMeta }](c); err == nil {
		t.Error("For on a type that is not built in: no error")
	}
}

func TestSubresources(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	ctx := t.Context()
	pods := mustFor[corev1.Pod](t, c).Namespace("a")
	if _, err := pods.Create(ctx, pod("a", "p", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Target: corev1.ObjectReference{Kind: "Node", Name: "n1"}}
	if err := pods.Bind(ctx, b, CreateOptions{}); err != nil {
		t.Fatalf("Bind: %v", err)
	}
	if r := f.lastRequest(); r.Method != "POST" || r.Path != "/api/v1/namespaces/a/pods/p/binding" || !strings.Contains(r.Body, `"kind":"Binding"`) {
		t.Errorf("Bind sent %s %s %s", r.Method, r.Path, r.Body)
	}
	if got, _ := pods.Get(ctx, "p", GetOptions{}); got.Spec.NodeName != "n1" {
		t.Errorf("after Bind nodeName = %q", got.Spec.NodeName)
	}
	if err := pods.Bind(ctx, b, CreateOptions{}); !IsConflict(err) {
		t.Errorf("second Bind: got %v, want Conflict", err)
	}

	deps := mustFor[appsv1.Deployment](t, c).Namespace("a")
	three := int32(3)
	if _, err := deps.Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d"}, Spec: appsv1.DeploymentSpec{Replicas: &three}}, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sc, err := deps.GetScale(ctx, "d")
	if err != nil {
		t.Fatalf("GetScale: %v", err)
	}
	if sc.Spec.Replicas != 3 || sc.Name != "d" || sc.Status.Selector != "app=web" {
		t.Errorf("GetScale = %+v", sc)
	}
	stale := sc.DeepCopy()
	sc.Spec.Replicas = 5
	sc2, err := deps.UpdateScale(ctx, "d", sc, UpdateOptions{})
	if err != nil {
		t.Fatalf("UpdateScale: %v", err)
	}
	if sc2.Spec.Replicas != 5 {
		t.Errorf("UpdateScale = %+v", sc2)
	}
	if r := f.lastRequest(); !strings.Contains(r.Body, `"apiVersion":"autoscaling/v1"`) || !strings.Contains(r.Body, `"kind":"Scale"`) {
		t.Errorf("UpdateScale body %s", r.Body)
	}
	stale.Spec.Replicas = 1
	if _, err := deps.UpdateScale(ctx, "d", stale, UpdateOptions{}); !IsConflict(err) {
		t.Errorf("stale UpdateScale: got %v, want Conflict", err)
	}
	if _, err := deps.UpdateScale(ctx, "d", (*autoscalingv1.Scale)(nil), UpdateOptions{}); err == nil {
		t.Error("UpdateScale(nil): no error")
	}

	// A disruption budget says no: 429, not retried.
	f.mu.Lock()
	f.evictBusy = true
	before := len(f.requests)
	f.mu.Unlock()
	waited := false
	c.wait = func(context.Context, time.Duration) error { waited = true; return nil }
	err = pods.Evict(ctx, "p", nil)
	if !IsTooManyRequests(err) {
		t.Fatalf("blocked Evict: got %v, want TooManyRequests", err)
	}
	if s, ok := SuggestsClientDelay(err); !ok || s != 10 {
		t.Errorf("SuggestsClientDelay = %d, %v", s, ok)
	}
	f.mu.Lock()
	sent := len(f.requests) - before
	f.evictBusy = false
	f.mu.Unlock()
	if sent != 1 || waited {
		t.Errorf("blocked Evict sent %d requests, waited %v; want 1, false", sent, waited)
	}
	grace := int64(5)
	if err := pods.Evict(ctx, "p", &metav1.DeleteOptions{GracePeriodSeconds: &grace}); err != nil {
		t.Fatalf("Evict: %v", err)
	}
	if r := f.lastRequest(); r.Path != "/api/v1/namespaces/a/pods/p/eviction" || !strings.Contains(r.Body, `"deleteOptions":{"gracePeriodSeconds":5}`) {
		t.Errorf("Evict sent %s %s", r.Path, r.Body)
	}
	if _, err := pods.Get(ctx, "p", GetOptions{}); !IsNotFound(err) {
		t.Errorf("after Evict: %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	f := newFakeServer(t)
	c := f.start(t)
	var waits []time.Duration
	c.wait = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	throttled := 0
	f.setFail(func(r *http.Request) (int, string, *metav1.Status) {
		if throttled > 0 {
			throttled--
			if throttled%2 == 0 {
				return 429, "2", nil // header only, plain-text body
			}
			return 429, "", &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status"}, Code: 429, Reason: metav1.StatusReasonTooManyRequests,
				Details: &metav1.StatusDetails{RetryAfterSeconds: 1}}
		}
		return 0, "", nil
	})
	nodes := mustFor[corev1.Node](t, c)

	throttled = 3
	if _, err := nodes.List(t.Context(), ListOptions{}); err != nil {
		t.Fatalf("List after 3 throttles: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{2 * time.Second, time.Second, 2 * time.Second}, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}

	waits = nil
	throttled = 100
	_, err := nodes.List(t.Context(), ListOptions{})
	if !IsTooManyRequests(err) || len(waits) != DefaultMaxRetries {
		t.Errorf("List always throttled: got %v after %d waits, want TooManyRequests after %d", err, len(waits), DefaultMaxRetries)
	}

	// The wait ends with the context.
	ctx, cancel := context.WithCancel(t.Context())
	c.wait = func(ctx context.Context, d time.Duration) error {
		cancel()
		return sleepCtx(ctx, d)
	}
	f.setFail(func(r *http.Request) (int, string, *metav1.Status) { return 429, "3600", nil })
	_, err = nodes.List(ctx, ListOptions{})
	if !IsTooManyRequests(err) {
		t.Errorf("List cancelled while waiting: got %v", err)
	}
}

func TestErrorMapping(t *testing.T) {
	type preds struct{ NotFound, AlreadyExists, Conflict, Gone, Expired, Invalid, TooMany, Forbidden, Unauthorized, BadRequest, Internal, Unavailable bool }
	check := func(err error) preds {
		return preds{IsNotFound(err), IsAlreadyExists(err), IsConflict(err), IsGone(err), IsResourceExpired(err), IsInvalid(err),
			IsTooManyRequests(err), IsForbidden(err), IsUnauthorized(err), IsBadRequest(err), IsInternalError(err), IsServiceUnavailable(err)}
	}
	status := func(code int, reason metav1.StatusReason) []byte {
		b, _ := json.Marshal(metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Code: int32(code), Reason: reason, Message: "m"})
		return b
	}
	tests := []struct {
		name       string
		code       int
		body       []byte
		want       preds
		wantReason metav1.StatusReason
	}{
		{"404 status", 404, status(404, metav1.StatusReasonNotFound), preds{NotFound: true}, metav1.StatusReasonNotFound},
		{"404 plain", 404, []byte("404 page not found"), preds{NotFound: true}, metav1.StatusReasonNotFound},
		{"409 exists", 409, status(409, metav1.StatusReasonAlreadyExists), preds{AlreadyExists: true}, metav1.StatusReasonAlreadyExists},
		{"409 conflict", 409, status(409, metav1.StatusReasonConflict), preds{Conflict: true}, metav1.StatusReasonConflict},
		{"409 no reason", 409, status(409, ""), preds{Conflict: true}, ""},
		{"410 expired", 410, status(410, metav1.StatusReasonExpired), preds{Expired: true}, metav1.StatusReasonExpired},
		{"410 gone", 410, status(410, metav1.StatusReasonGone), preds{Gone: true}, metav1.StatusReasonGone},
		{"410 plain", 410, nil, preds{Gone: true}, metav1.StatusReasonGone},
		{"422", 422, status(422, metav1.StatusReasonInvalid), preds{Invalid: true}, metav1.StatusReasonInvalid},
		{"429 plain", 429, []byte("slow down"), preds{TooMany: true}, metav1.StatusReasonTooManyRequests},
		{"403", 403, status(403, metav1.StatusReasonForbidden), preds{Forbidden: true}, metav1.StatusReasonForbidden},
		{"401 plain", 401, nil, preds{Unauthorized: true}, metav1.StatusReasonUnauthorized},
		{"400 status", 400, status(400, metav1.StatusReasonBadRequest), preds{BadRequest: true}, metav1.StatusReasonBadRequest},
		{"500 plain", 500, []byte("boom"), preds{Internal: true}, metav1.StatusReasonInternalError},
		{"503 plain", 503, nil, preds{Unavailable: true}, metav1.StatusReasonServiceUnavailable},
		{"418 plain", 418, nil, preds{}, ""},
		{"200 status that is not JSON kind Status", 404, []byte(`{"kind":"Pod"}`), preds{NotFound: true}, metav1.StatusReasonNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := error(newAPIError("GET", "/x", tt.code, tt.body))
			wrapped := fmt.Errorf("outer: %w", err)
			if diff := cmp.Diff(tt.want, check(wrapped)); diff != "" {
				t.Errorf("predicates (-want +got):\n%s", diff)
			}
			if got := ReasonForError(wrapped); got != tt.wantReason {
				t.Errorf("ReasonForError = %q, want %q", got, tt.wantReason)
			}
			if got := StatusCode(wrapped); got != tt.code {
				t.Errorf("StatusCode = %d, want %d", got, tt.code)
			}
		})
	}
	if check(nil) != (preds{}) || check(errors.New("x")) != (preds{}) || ReasonForError(nil) != "" {
		t.Error("predicates hold for errors that are not API errors")
	}
	long := strings.Repeat("x", 1000)
	if msg := newAPIError("GET", "/x", 500, []byte(long)).Error(); len(msg) > 400 {
		t.Errorf("error with a long body is %d bytes", len(msg))
	}
}

// TestRateLimit checks that the limiter holds requests back: with a burst
// of 1 and a rate too low to refill during the test, a second request waits
// until its context ends.
func TestRateLimit(t *testing.T) {
	f := newFakeServer(t)
	srv := f.start(t) // for its URL only
	c, err := New(Config{Host: srv.Host(), QPS: 0.001, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	nodes := mustFor[corev1.Node](t, c)
	if _, err := nodes.List(t.Context(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = nodes.List(ctx, ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "rate limiter") {
		t.Errorf("second request: got %v, want a rate limiter error", err)
	}
	if _, err := New(Config{Host: srv.Host(), Burst: -1}); err == nil {
		t.Error("negative Burst: no error")
	}
}

func TestFor(t *testing.T) {
	if info, ok := InfoFor[appsv1.Deployment](); !ok || info != Deployments {
		t.Errorf("InfoFor[Deployment] = %v, %v", info, ok)
	}
	if _, ok := InfoFor[corev1.PodSpec](); ok {
		t.Error("InfoFor[PodSpec] found something")
	}
	// Every table entry is unique and consistent.
	seen := map[GroupVersionResource]bool{}
	for typ, info := range builtin {
		if seen[info.GroupVersionResource] {
			t.Errorf("%v listed twice", info.GroupVersionResource)
		}
		seen[info.GroupVersionResource] = true
		if typ.Name() != info.Kind {
			t.Errorf("%v is listed as kind %s", typ, info.Kind)
		}
		if strings.ToLower(info.Resource) != info.Resource || !strings.HasSuffix(info.Resource, "s") {
			t.Errorf("%v: resource name %q", typ, info.Resource)
		}
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k.String()) {
				return
			}
		}
	}); len(got) != 33 {
		t.Errorf("%d built-in resources, want 33: %v", len(got), got)
	}
}
