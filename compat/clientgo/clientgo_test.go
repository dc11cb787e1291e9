package clientgo

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"

	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/store/mvcc"
)

const ns = "default"

// newClient starts an API server on a fresh mvcc store, serves it on
// loopback and returns a typed clientset talking JSON to it. Everything
// is closed at the end of the test.
func newClient(t *testing.T) *kubernetes.Clientset {
	t.Helper()
	ctx := context.Background()
	st, err := mvcc.Open(ctx, mvcc.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("mvcc.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, err := apiserver.New(st, apiserver.Options{})
	if err != nil {
		t.Fatalf("apiserver.New: %v", err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cs, err := kubernetes.NewForConfig(&rest.Config{
		Host: srv.URL,
		// The server speaks JSON only: no Protocol Buffers, no CBOR.
		ContentConfig: rest.ContentConfig{
			ContentType:        "application/json",
			AcceptContentTypes: "application/json",
		},
		QPS: -1, // no client-side rate limit

	})
	if err != nil {
		t.Fatalf("kubernetes.NewForConfig: %v", err)
	}
	return cs
}

func newPod(name string, lbls map[string]string, nodeName string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: lbls},
		Spec: corev1.PodSpec{
			NodeName:   nodeName,
			Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}},
		},
	}
}

func newDeployment(name string, replicas int32) *appsv1.Deployment {
	lbls := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: lbls},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
			},
		},
	}
}

func names[T any](items []T, name func(*T) string) []string {
	out := []string{}
	for i := range items {
		out = append(out, name(&items[i]))
	}
	sort.Strings(out)
	return out
}

func podNames(items []corev1.Pod) []string {
	return names(items, func(p *corev1.Pod) string { return p.Name })
}

func mustCreatePod(t *testing.T, cs kubernetes.Interface, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	got, err := cs.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", p.Name, err)
	}
	return got
}

func TestClientGo(t *testing.T) {
	t.Run("PodCRUD", testPodCRUD)
	t.Run("PodSelectors", testPodSelectors)
	t.Run("Pagination", testPagination)
	t.Run("Conflict", testConflict)
	t.Run("Errors", testErrors)
	t.Run("Patch", testPatch)
	t.Run("PodDelete", testPodDelete)
	t.Run("UpdateStatus", testUpdateStatus)
	t.Run("Bind", testBind)
	t.Run("Services", testServices)
	t.Run("Deployments", testDeployments)
	t.Run("Scale", testScale)
	t.Run("Nodes", testNodes)
	t.Run("Watch", testWatch)
	t.Run("WatchList", testWatchList)
	t.Run("Informers", testInformers)
	t.Run("Discovery", testDiscovery)
	t.Run("RetryOnConflict", testRetryOnConflict)
}

func testPodCRUD(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods(ns)

	created := mustCreatePod(t, cs, newPod("web", map[string]string{"app": "web"}, ""))
	if created.UID == "" || created.ResourceVersion == "" || created.CreationTimestamp.IsZero() {
		t.Errorf("created pod lacks uid, resourceVersion or creationTimestamp: %+v", created.ObjectMeta)
	}
	if created.Generation != 1 {
		t.Errorf("created generation = %d, want 1", created.Generation)
	}
	if created.Status.Phase != corev1.PodPending {
		t.Errorf("created phase = %q, want Pending", created.Status.Phase)
	}

	got, err := pods.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("get differs from create (-create +get):\n%s", diff)
	}

	got.Labels["tier"] = "frontend"
	got.Spec.Containers[0].Image = "nginx:1.28"
	updated, err := pods.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"app": "web", "tier": "frontend"}, updated.Labels); diff != "" {
		t.Errorf("updated labels (-want +got):\n%s", diff)
	}
	if updated.Spec.Containers[0].Image != "nginx:1.28" {
		t.Errorf("updated image = %q, want nginx:1.28", updated.Spec.Containers[0].Image)
	}
	if updated.ResourceVersion == created.ResourceVersion {
		t.Errorf("update kept resourceVersion %s", updated.ResourceVersion)
	}

	list, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if diff := cmp.Diff([]string{"web"}, podNames(list.Items)); diff != "" {
		t.Errorf("list names (-want +got):\n%s", diff)
	}
	if list.ResourceVersion == "" {
		t.Errorf("list has no resourceVersion")
	}
	all, err := cs.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list all namespaces: %v", err)
	}
	if diff := cmp.Diff([]string{"web"}, podNames(all.Items)); diff != "" {
		t.Errorf("list across namespaces (-want +got):\n%s", diff)
	}

	// An unbound pod is deleted at once.
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := pods.Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get after delete: err = %v, want NotFound", err)
	}
}

func testPodSelectors(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	mustCreatePod(t, cs, newPod("a", map[string]string{"app": "web", "tier": "front"}, "node-1"))
	mustCreatePod(t, cs, newPod("b", map[string]string{"app": "web", "tier": "back"}, "node-2"))
	mustCreatePod(t, cs, newPod("c", map[string]string{"app": "db"}, "node-1"))
	mustCreatePod(t, cs, newPod("d", nil, ""))

	tests := []struct {
		name  string
		opts  metav1.ListOptions
		want  []string
		allNS bool
	}{
		{name: "equality label", opts: metav1.ListOptions{LabelSelector: "app=web"}, want: []string{"a", "b"}},
		{name: "inequality label", opts: metav1.ListOptions{LabelSelector: "app!=web"}, want: []string{"c", "d"}},
		{name: "set label", opts: metav1.ListOptions{LabelSelector: "tier in (front,back)"}, want: []string{"a", "b"}},
		{name: "exists label", opts: metav1.ListOptions{LabelSelector: "app"}, want: []string{"a", "b", "c"}},
		{name: "not exists label", opts: metav1.ListOptions{LabelSelector: "!app"}, want: []string{"d"}},
		{name: "two labels", opts: metav1.ListOptions{LabelSelector: "app=web,tier=back"}, want: []string{"b"}},
		{name: "nodeName", opts: metav1.ListOptions{FieldSelector: "spec.nodeName=node-1"}, want: []string{"a", "c"}},
		{name: "unscheduled", opts: metav1.ListOptions{FieldSelector: "spec.nodeName="}, want: []string{"d"}},
		{name: "metadata.name", opts: metav1.ListOptions{FieldSelector: "metadata.name=b"}, want: []string{"b"}},
		{name: "metadata.name not", opts: metav1.ListOptions{FieldSelector: "metadata.name!=b"}, want: []string{"a", "c", "d"}},
		{name: "label and field", opts: metav1.ListOptions{LabelSelector: "app=web", FieldSelector: "spec.nodeName=node-1"}, want: []string{"a"}},
		{name: "nodeName all namespaces", opts: metav1.ListOptions{FieldSelector: "spec.nodeName=node-2"}, want: []string{"b"}, allNS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			namespace := ns
			if tt.allNS {
				namespace = metav1.NamespaceAll
			}
			list, err := cs.CoreV1().Pods(namespace).List(ctx, tt.opts)
			if err != nil {
				t.Fatalf("list %+v: %v", tt.opts, err)
			}
			if diff := cmp.Diff(tt.want, podNames(list.Items)); diff != "" {
				t.Errorf("list %+v (-want +got):\n%s", tt.opts, diff)
			}
		})
	}

	// A field Kubernetes does not index for pods is refused with 400.
	_, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.priority=1"})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("list with unsupported field selector: err = %v, want BadRequest", err)
	}
}

func testPagination(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("p%d", i)
		mustCreatePod(t, cs, newPod(name, nil, ""))
		want = append(want, name)
	}
	var got, rvs []string
	var pageSizes []int
	opts := metav1.ListOptions{Limit: 2}
	for {
		page, err := cs.CoreV1().Pods(ns).List(ctx, opts)
		if err != nil {
			t.Fatalf("list %+v: %v", opts, err)
		}
		got = append(got, podNames(page.Items)...)
		pageSizes = append(pageSizes, len(page.Items))
		rvs = append(rvs, page.ResourceVersion)
		if page.Continue == "" {
			break
		}
		opts.Continue = page.Continue
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names over all pages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 2, 1}, pageSizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	// Every page is served at the first page's resourceVersion.
	if diff := cmp.Diff([]string{rvs[0], rvs[0], rvs[0]}, rvs); diff != "" {
		t.Errorf("page resourceVersions (-want +got):\n%s", diff)
	}
}

func testConflict(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods(ns)
	stale := mustCreatePod(t, cs, newPod("web", map[string]string{"app": "web"}, ""))

	fresh := stale.DeepCopy()
	fresh.Labels["v"] = "1"
	if _, err := pods.Update(ctx, fresh, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("first update: %v", err)
	}
	stale.Labels["v"] = "2"
	_, err := pods.Update(ctx, stale, metav1.UpdateOptions{})
	if !apierrors.IsConflict(err) {
		t.Fatalf("update with stale resourceVersion: err = %v, want Conflict", err)
	}
	want := `Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("conflict message (-want +got):\n%s", diff)
	}
	got, err := pods.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Labels["v"] != "1" {
		t.Errorf("label v = %q after the conflicting update, want 1", got.Labels["v"])
	}
}

func testErrors(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods(ns)
	mustCreatePod(t, cs, newPod("web", nil, ""))

	_, err := pods.Get(ctx, "missing", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("get missing: err = %v, want NotFound", err)
	} else if diff := cmp.Diff(`pods "missing" not found`, err.Error()); diff != "" {
		t.Errorf("not found message (-want +got):\n%s", diff)
	}
	if err := pods.Delete(ctx, "missing", metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("delete missing: err = %v, want NotFound", err)
	}

	_, err = pods.Create(ctx, newPod("web", nil, ""), metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		t.Errorf("create twice: err = %v, want AlreadyExists", err)
	} else if diff := cmp.Diff(`pods "web" already exists`, err.Error()); diff != "" {
		t.Errorf("already exists message (-want +got):\n%s", diff)
	}

	bad := newPod("bad", nil, "")
	bad.Spec.Containers[0].Image = ""
	_, err = pods.Create(ctx, bad, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("create without image: err = %v, want Invalid", err)
	}
	if diff := cmp.Diff(`Pod "bad" is invalid: spec.containers[0].image: Required value`, err.Error()); diff != "" {
		t.Errorf("invalid message (-want +got):\n%s", diff)
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		t.Fatalf("invalid error %T is not an APIStatus", err)
	}
	wantDetails := &metav1.StatusDetails{
		Name: "bad",
		Kind: "Pod",
		Causes: []metav1.StatusCause{{
			Type:    metav1.CauseTypeFieldValueRequired,
			Message: "Required value",
			Field:   "spec.containers[0].image",
		}},
	}
	if diff := cmp.Diff(wantDetails, status.Status().Details); diff != "" {
		t.Errorf("invalid details (-want +got):\n%s", diff)
	}
	if code := status.Status().Code; code != 422 {
		t.Errorf("invalid code = %d, want 422", code)
	}

	missingNS := newPod("x", nil, "")
	missingNS.Namespace = "no-such-namespace"
	_, err = cs.CoreV1().Pods("no-such-namespace").Create(ctx, missingNS, metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("create in missing namespace: err = %v, want NotFound", err)
	} else if diff := cmp.Diff(`namespaces "no-such-namespace" not found`, err.Error()); diff != "" {
		t.Errorf("missing namespace message (-want +got):\n%s", diff)
	}

	// A body whose namespace differs from the path's is a BadRequest.
	_, err = cs.CoreV1().Pods("kube-system").Create(ctx, newPod("y", nil, ""), metav1.CreateOptions{})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("create with mismatched namespace: err = %v, want BadRequest", err)
	} else if diff := cmp.Diff("the namespace of the provided object does not match the namespace sent on the request", err.Error()); diff != "" {
		t.Errorf("namespace mismatch message (-want +got):\n%s", diff)
	}
}

func testPatch(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods(ns)
	p := newPod("web", map[string]string{"app": "web", "drop": "me"}, "")
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar", Image: "busybox:1"})
	mustCreatePod(t, cs, p)

	tests := []struct {
		name       string
		pt         types.PatchType
		patch      string
		wantLabels map[string]string
		wantImages []string
	}{
		{
			name:       "merge",
			pt:         types.MergePatchType,
			patch:      `{"metadata":{"labels":{"merge":"yes","drop":null}}}`,
			wantLabels: map[string]string{"app": "web", "merge": "yes"},
			wantImages: []string{"nginx:1.27", "busybox:1"},
		},
		{
			// A strategic merge patch merges containers by name.
			name:       "strategic merge",
			pt:         types.StrategicMergePatchType,
			patch:      `{"metadata":{"labels":{"smp":"yes"}},"spec":{"containers":[{"name":"sidecar","image":"busybox:2"}]}}`,
			wantLabels: map[string]string{"app": "web", "merge": "yes", "smp": "yes"},
			wantImages: []string{"nginx:1.27", "busybox:2"},
		},
		{
			name:       "json patch",
			pt:         types.JSONPatchType,
			patch:      `[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.28"},{"op":"add","path":"/metadata/labels/json","value":"yes"},{"op":"remove","path":"/metadata/labels/merge"}]`,
			wantLabels: map[string]string{"app": "web", "smp": "yes", "json": "yes"},
			wantImages: []string{"nginx:1.28", "busybox:2"},
		},
	}
	// The cases run in order: each starts from the result of the previous one.
	for _, tt := range tests {
		got, err := pods.Patch(ctx, "web", tt.pt, []byte(tt.patch), metav1.PatchOptions{})
		if err != nil {
			t.Fatalf("%s patch: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.wantLabels, got.Labels); diff != "" {
			t.Errorf("%s patch labels (-want +got):\n%s", tt.name, diff)
		}
		var images []string
		for _, c := range got.Spec.Containers {
			images = append(images, c.Image)
		}
		if diff := cmp.Diff(tt.wantImages, images); diff != "" {
			t.Errorf("%s patch images (-want +got):\n%s", tt.name, diff)
		}
	}

	// A JSON patch whose test fails is refused and changes nothing.
	_, err := pods.Patch(ctx, "web", types.JSONPatchType, []byte(`[{"op":"test","path":"/metadata/labels/app","value":"other"}]`), metav1.PatchOptions{})
	if err == nil {
		t.Errorf("json patch with a failing test: no error")
	}
	// Patching a missing object is NotFound.
	_, err = pods.Patch(ctx, "missing", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("patch missing: err = %v, want NotFound", err)
	}
}

func testPodDelete(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods(ns)
	// A pod bound to a node is deleted gracefully.
	mustCreatePod(t, cs, newPod("web", nil, "node-1"))
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("graceful delete: %v", err)
	}
	got, err := pods.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get after graceful delete: %v", err)
	}
	if got.DeletionTimestamp == nil {
		t.Errorf("deletionTimestamp not set after a graceful delete")
	}
	if got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != 30 {
		t.Errorf("deletionGracePeriodSeconds = %v, want 30", got.DeletionGracePeriodSeconds)
	}
	zero := int64(0)
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatalf("delete with grace 0: %v", err)
	}
	if _, err := pods.Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get after delete with grace 0: err = %v, want NotFound", err)
	}

	// A precondition on the uid that does not match is a Conflict.
	mustCreatePod(t, cs, newPod("pre", nil, ""))
	uid := types.UID("not-the-uid")
	err = pods.Delete(ctx, "pre", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if !apierrors.IsConflict(err) {
		t.Errorf("delete with a wrong uid precondition: err = %v, want Conflict", err)
	}

	// DeleteCollection by label.
	mustCreatePod(t, cs, newPod("x1", map[string]string{"batch": "x"}, ""))
	mustCreatePod(t, cs, newPod("x2", map[string]string{"batch": "x"}, ""))
	if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "batch=x"}); err != nil {
		t.Fatalf("delete collection: %v", err)
	}
	list, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if diff := cmp.Diff([]string{"pre"}, podNames(list.Items)); diff != "" {
		t.Errorf("pods after delete collection (-want +got):\n%s", diff)
	}
}

func testUpdateStatus(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods(ns)
	p := mustCreatePod(t, cs, newPod("web", nil, "node-1"))

	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = "10.244.0.5"
	p.Spec.Containers[0].Image = "ignored:1" // the status subresource keeps the spec
	p.Labels = map[string]string{"ignored": "yes"}
	got, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	if got.Status.Phase != corev1.PodRunning || got.Status.PodIP != "10.244.0.5" {
		t.Errorf("status after UpdateStatus = phase %q podIP %q, want Running 10.244.0.5", got.Status.Phase, got.Status.PodIP)
	}
	if got.Spec.Containers[0].Image != "nginx:1.27" {
		t.Errorf("UpdateStatus changed the image to %q", got.Spec.Containers[0].Image)
	}
	if got.Generation != 1 {
		t.Errorf("generation after UpdateStatus = %d, want 1", got.Generation)
	}

	// An update through the main resource keeps the status.
	got.Status.Phase = corev1.PodFailed
	got.Labels = map[string]string{"x": "y"}
	after, err := pods.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if after.Status.Phase != corev1.PodRunning {
		t.Errorf("phase after main-resource update = %q, want Running", after.Status.Phase)
	}
	if diff := cmp.Diff(map[string]string{"x": "y"}, after.Labels); diff != "" {
		t.Errorf("labels after main-resource update (-want +got):\n%s", diff)
	}
}

func testBind(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods(ns)
	mustCreatePod(t, cs, newPod("web", nil, ""))

	b := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Target:     corev1.ObjectReference{Kind: "Node", Name: "node-1"},
	}
	if err := pods.Bind(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	got, err := pods.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Spec.NodeName != "node-1" {
		t.Errorf("nodeName after bind = %q, want node-1", got.Spec.NodeName)
	}
	var scheduled *corev1.PodCondition
	for i := range got.Status.Conditions {
		if got.Status.Conditions[i].Type == corev1.PodScheduled {
			scheduled = &got.Status.Conditions[i]
		}
	}
	if scheduled == nil || scheduled.Status != corev1.ConditionTrue {
		t.Errorf("PodScheduled condition after bind = %+v, want True", scheduled)
	}

	// Binding a bound pod is a Conflict.
	b.Target.Name = "node-2"
	if err := pods.Bind(ctx, b, metav1.CreateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("second bind: err = %v, want Conflict", err)
	}
}

func testServices(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	svcs := cs.CoreV1().Services(ns)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns, Labels: map[string]string{"app": "web"}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	created, err := svcs.Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	if created.Spec.ClusterIP == "" || created.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("created service: clusterIP %q type %q, want an IP and ClusterIP", created.Spec.ClusterIP, created.Spec.Type)
	}
	if diff := cmp.Diff([]string{created.Spec.ClusterIP}, created.Spec.ClusterIPs); diff != "" {
		t.Errorf("clusterIPs (-want +got):\n%s", diff)
	}
	if created.Spec.Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("port protocol = %q, want TCP", created.Spec.Ports[0].Protocol)
	}

	np := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "np", Namespace: ns},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Selector: map[string]string{"app": "np"},
			Ports:    []corev1.ServicePort{{Port: 80}},
		},
	}
	createdNP, err := svcs.Create(ctx, np, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node port service: %v", err)
	}
	if port := createdNP.Spec.Ports[0].NodePort; port < 30000 || port > 32767 {
		t.Errorf("nodePort = %d, want 30000-32767", port)
	}
	if createdNP.Spec.ClusterIP == created.Spec.ClusterIP {
		t.Errorf("two services share cluster IP %s", created.Spec.ClusterIP)
	}

	got, err := svcs.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get service: %v", err)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("get differs from create (-create +get):\n%s", diff)
	}
	got.Spec.Ports[0].Port = 81
	updated, err := svcs.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update service: %v", err)
	}
	if updated.Spec.Ports[0].Port != 81 || updated.Spec.ClusterIP != created.Spec.ClusterIP {
		t.Errorf("updated service: port %d clusterIP %q, want 81 and %q", updated.Spec.Ports[0].Port, updated.Spec.ClusterIP, created.Spec.ClusterIP)
	}
	// Changing the cluster IP is Invalid: the field is immutable.
	updated.Spec.ClusterIP = "10.96.0.250"
	updated.Spec.ClusterIPs = []string{"10.96.0.250"}
	if _, err := svcs.Update(ctx, updated, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("update clusterIP: err = %v, want Invalid", err)
	}

	list, err := svcs.List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatalf("list services: %v", err)
	}
	if diff := cmp.Diff([]string{"web"}, names(list.Items, func(s *corev1.Service) string { return s.Name })); diff != "" {
		t.Errorf("list services by label (-want +got):\n%s", diff)
	}
	list, err = svcs.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=np"})
	if err != nil {
		t.Fatalf("list services by name: %v", err)
	}
	if diff := cmp.Diff([]string{"np"}, names(list.Items, func(s *corev1.Service) string { return s.Name })); diff != "" {
		t.Errorf("list services by name (-want +got):\n%s", diff)
	}
	patched, err := svcs.Patch(ctx, "web", types.StrategicMergePatchType, []byte(`{"metadata":{"annotations":{"a":"b"}}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patch service: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"a": "b"}, patched.Annotations); diff != "" {
		t.Errorf("patched annotations (-want +got):\n%s", diff)
	}
	if err := svcs.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete service: %v", err)
	}
	if _, err := svcs.Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get deleted service: err = %v, want NotFound", err)
	}
}

func testDeployments(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	deps := cs.AppsV1().Deployments(ns)
	created, err := deps.Create(ctx, newDeployment("web", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	if created.Generation != 1 {
		t.Errorf("generation = %d, want 1", created.Generation)
	}
	if created.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType {
		t.Errorf("strategy = %q, want RollingUpdate (defaulted)", created.Spec.Strategy.Type)
	}
	if created.Spec.RevisionHistoryLimit == nil || *created.Spec.RevisionHistoryLimit != 10 {
		t.Errorf("revisionHistoryLimit = %v, want 10 (defaulted)", created.Spec.RevisionHistoryLimit)
	}
	if _, err := deps.Create(ctx, newDeployment("db", 1), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment db: %v", err)
	}

	got, err := deps.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment: %v", err)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("get differs from create (-create +get):\n%s", diff)
	}
	depNames := func(l *appsv1.DeploymentList) []string {
		return names(l.Items, func(d *appsv1.Deployment) string { return d.Name })
	}
	list, err := deps.List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if diff := cmp.Diff([]string{"web"}, depNames(list)); diff != "" {
		t.Errorf("list by label (-want +got):\n%s", diff)
	}
	list, err = deps.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=db"})
	if err != nil {
		t.Fatalf("list by name: %v", err)
	}
	if diff := cmp.Diff([]string{"db"}, depNames(list)); diff != "" {
		t.Errorf("list by name (-want +got):\n%s", diff)
	}

	// A spec change raises the generation; a label change does not.
	got.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
	updated, err := deps.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.Generation != 2 {
		t.Errorf("generation after spec change = %d, want 2", updated.Generation)
	}
	updated.Labels["x"] = "y"
	relabelled, err := deps.Update(ctx, updated, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("relabel: %v", err)
	}
	if relabelled.Generation != 2 {
		t.Errorf("generation after label change = %d, want 2", relabelled.Generation)
	}
	if _, err := deps.Update(ctx, got, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("update with stale resourceVersion: err = %v, want Conflict", err)
	}

	relabelled.Status.ObservedGeneration = 2
	relabelled.Status.Replicas = 2
	relabelled.Status.ReadyReplicas = 1
	st, err := deps.UpdateStatus(ctx, relabelled, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	wantStatus := appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 2, ReadyReplicas: 1}
	if diff := cmp.Diff(wantStatus, st.Status); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}

	patched, err := deps.Patch(ctx, "web", types.StrategicMergePatchType,
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.29"}]}}}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("strategic merge patch: %v", err)
	}
	if diff := cmp.Diff(1, len(patched.Spec.Template.Spec.Containers)); diff != "" {
		t.Errorf("containers after patch (-want +got):\n%s", diff)
	}
	if img := patched.Spec.Template.Spec.Containers[0].Image; img != "nginx:1.29" {
		t.Errorf("image after patch = %q, want nginx:1.29", img)
	}
	if patched.Generation != 3 {
		t.Errorf("generation after patch = %d, want 3", patched.Generation)
	}

	bad := newDeployment("bad", 1)
	bad.Spec.Selector.MatchLabels = map[string]string{"app": "other"}
	if _, err := deps.Create(ctx, bad, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("create with a selector that does not match the template: err = %v, want Invalid", err)
	}

	if err := deps.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := deps.Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get deleted: err = %v, want NotFound", err)
	}
}

func testScale(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	deps := cs.AppsV1().Deployments(ns)
	if _, err := deps.Create(ctx, newDeployment("web", 2), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	sc, err := deps.GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get scale: %v", err)
	}
	wantSpec := autoscalingv1.ScaleSpec{Replicas: 2}
	if diff := cmp.Diff(wantSpec, sc.Spec); diff != "" {
		t.Errorf("scale spec (-want +got):\n%s", diff)
	}
	if sc.Name != "web" || sc.Namespace != ns || sc.ResourceVersion == "" {
		t.Errorf("scale metadata = %+v, want web/default with a resourceVersion", sc.ObjectMeta)
	}
	if sc.Status.Selector != "app=web" {
		t.Errorf("scale status selector = %q, want app=web", sc.Status.Selector)
	}

	sc.Spec.Replicas = 5
	upd, err := deps.UpdateScale(ctx, "web", sc, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update scale: %v", err)
	}
	if upd.Spec.Replicas != 5 {
		t.Errorf("scale after update = %d, want 5", upd.Spec.Replicas)
	}
	d, err := deps.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment: %v", err)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 5 {
		t.Errorf("deployment replicas after scale = %v, want 5", d.Spec.Replicas)
	}
	if d.Generation != 2 {
		t.Errorf("generation after scale = %d, want 2", d.Generation)
	}
	// A stale scale is a Conflict.
	sc.Spec.Replicas = 7
	if _, err := deps.UpdateScale(ctx, "web", sc, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("update scale with a stale resourceVersion: err = %v, want Conflict", err)
	}
	if _, err := deps.GetScale(ctx, "missing", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get scale of a missing deployment: err = %v, want NotFound", err)
	}
}

func testNodes(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	nodes := cs.CoreV1().Nodes()
	for _, n := range []struct{ name, zone string }{{"node-1", "a"}, {"node-2", "b"}} {
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: map[string]string{"zone": n.zone}}}
		created, err := nodes.Create(ctx, node, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create node %s: %v", n.name, err)
		}
		if created.Namespace != "" {
			t.Errorf("node %s has namespace %q", n.name, created.Namespace)
		}
	}
	nodeNames := func(l *corev1.NodeList) []string {
		return names(l.Items, func(n *corev1.Node) string { return n.Name })
	}
	tests := []struct {
		name string
		opts metav1.ListOptions
		want []string
	}{
		{name: "all", want: []string{"node-1", "node-2"}},
		{name: "label", opts: metav1.ListOptions{LabelSelector: "zone=b"}, want: []string{"node-2"}},
		{name: "metadata.name", opts: metav1.ListOptions{FieldSelector: "metadata.name=node-1"}, want: []string{"node-1"}},
	}
	for _, tt := range tests {
		list, err := nodes.List(ctx, tt.opts)
		if err != nil {
			t.Fatalf("list %s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, nodeNames(list)); diff != "" {
			t.Errorf("list %s (-want +got):\n%s", tt.name, diff)
		}
	}

	n, err := nodes.Get(ctx, "node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node: %v", err)
	}
	n.Spec.Unschedulable = true
	n, err = nodes.Update(ctx, n, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update node: %v", err)
	}
	if !n.Spec.Unschedulable {
		t.Errorf("unschedulable not kept by update")
	}
	n.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: mustQuantity(t, "4"), corev1.ResourcePods: mustQuantity(t, "110")}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"}}
	n, err = nodes.UpdateStatus(ctx, n, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update node status: %v", err)
	}
	if got := n.Status.Capacity.Cpu().String(); got != "4" {
		t.Errorf("capacity cpu = %q, want 4", got)
	}
	if len(n.Status.Conditions) != 1 || n.Status.Conditions[0].Type != corev1.NodeReady {
		t.Errorf("conditions = %+v, want one Ready", n.Status.Conditions)
	}
	if _, err := nodes.Patch(ctx, "node-2", types.MergePatchType, []byte(`{"spec":{"taints":[{"key":"k","effect":"NoSchedule"}]}}`), metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch node: %v", err)
	}
	if err := nodes.Delete(ctx, "node-2", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete node: %v", err)
	}
	if _, err := nodes.Get(ctx, "node-2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get deleted node: err = %v, want NotFound", err)
	}
}

func mustQuantity(t *testing.T, s string) resource.Quantity {
	t.Helper()
	q, err := resource.ParseQuantity(s)
	if err != nil {
		t.Fatalf("parse quantity %q: %v", s, err)
	}
	return q
}

// event is what a test compares of a watch event.
type event struct {
	Type  watch.EventType
	Name  string
	Label string
}

func testWatch(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pods := cs.CoreV1().Pods(ns)
	mustCreatePod(t, cs, newPod("before", nil, ""))
	list, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	w, err := pods.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()

	p := mustCreatePod(t, cs, newPod("web", map[string]string{"step": "0"}, ""))
	p.Labels["step"] = "1"
	if _, err := pods.Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update: %v", err)
	}
	if _, err := pods.Patch(ctx, "web", types.MergePatchType, []byte(`{"metadata":{"labels":{"step":"2"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch: %v", err)
	}
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}

	want := []event{
		{watch.Added, "web", "0"},
		{watch.Modified, "web", "1"},
		{watch.Modified, "web", "2"},
		{watch.Deleted, "web", "2"},
	}
	var got []event
	lastRV := 0
	for len(got) < len(want) {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch closed after %d events: %+v", len(got), got)
			}
			pod, isPod := ev.Object.(*corev1.Pod)
			if !isPod {
				t.Fatalf("watch event %s carries %T, want *Pod: %+v", ev.Type, ev.Object, ev.Object)
			}
			got = append(got, event{ev.Type, pod.Name, pod.Labels["step"]})
			rv, err := strconv.Atoi(pod.ResourceVersion)
			if err != nil || rv <= lastRV {
				t.Errorf("event %d resourceVersion %q not above %d", len(got), pod.ResourceVersion, lastRV)
			}
			lastRV = rv
		case <-ctx.Done():
			t.Fatalf("watch: got %d events before timeout: %+v", len(got), got)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("watch events (-want +got):\n%s", diff)
	}

	// A watch from the list's resourceVersion replays the same events.
	w2, err := pods.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion, FieldSelector: "metadata.name=web"})
	if err != nil {
		t.Fatalf("second watch: %v", err)
	}
	defer w2.Stop()
	var replay []event
	for len(replay) < len(want) {
		select {
		case ev, ok := <-w2.ResultChan():
			if !ok {
				t.Fatalf("replay watch closed after %d events", len(replay))
			}
			pod := ev.Object.(*corev1.Pod)
			replay = append(replay, event{ev.Type, pod.Name, pod.Labels["step"]})
		case <-ctx.Done():
			t.Fatalf("replay: got %d events before timeout: %+v", len(replay), replay)
		}
	}
	if diff := cmp.Diff(want, replay); diff != "" {
		t.Errorf("replayed watch events (-want +got):\n%s", diff)
	}
}

func testWatchList(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pods := cs.CoreV1().Pods(ns)
	mustCreatePod(t, cs, newPod("a", nil, ""))
	mustCreatePod(t, cs, newPod("b", nil, ""))
	// A streaming list: the current pods as ADDED events, then a bookmark
	// annotated k8s.io/initial-events-end, then changes.
	sendInitial := true
	w, err := pods.Watch(ctx, metav1.ListOptions{
		SendInitialEvents:    &sendInitial,
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
		AllowWatchBookmarks:  true,
	})
	if err != nil {
		t.Fatalf("watch with sendInitialEvents: %v", err)
	}
	defer w.Stop()
	var got []string
	next := func() {
		t.Helper()
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch closed after %q", got)
			}
			pod, isPod := ev.Object.(*corev1.Pod)
			if !isPod {
				t.Fatalf("event %s carries %T: %+v", ev.Type, ev.Object, ev.Object)
			}
			if ev.Type == watch.Bookmark {
				got = append(got, "BOOKMARK initial-events-end="+pod.Annotations[metav1.InitialEventsAnnotationKey])
				return
			}
			got = append(got, string(ev.Type)+" "+pod.Name)
		case <-ctx.Done():
			t.Fatalf("watch: timeout after %q", got)
		}
	}
	next()
	next()
	sort.Strings(got) // the initial events come in no promised order
	next()
	mustCreatePod(t, cs, newPod("c", nil, ""))
	next()
	want := []string{"ADDED a", "ADDED b", "BOOKMARK initial-events-end=true", "ADDED c"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("streaming list events (-want +got):\n%s", diff)
	}
}

// recorder collects informer notifications.
type recorder struct {
	mu     sync.Mutex
	events []string
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1000)} }

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.events = append(r.events, s)
	r.mu.Unlock()
	r.notify <- struct{}{}
}

func (r *recorder) handler() cache.ResourceEventHandlerFuncs {
	key := func(obj any) string {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			return d.Key
		}
		k, err := cache.MetaNamespaceKeyFunc(obj)
		if err != nil {
			return fmt.Sprintf("%T", obj)
		}
		return k
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { r.add("add " + key(obj)) },
		UpdateFunc: func(old, obj any) {
			r.add("update " + key(obj))
		},
		DeleteFunc: func(obj any) { r.add("delete " + key(obj)) },
	}
}

// wait waits until the recorder holds at least n events and returns them.
func (r *recorder) wait(t *testing.T, ctx context.Context, n int) []string {
	t.Helper()
	for {
		r.mu.Lock()
		got := slices.Clone(r.events)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-r.notify:
		case <-ctx.Done():
			t.Fatalf("informer events before timeout: %q, want %d", got, n)
			return nil
		}
	}
}

func testInformers(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mustCreatePod(t, cs, newPod("pre", map[string]string{"app": "web"}, ""))
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, newDeployment("web", 1), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	other := newPod("elsewhere", map[string]string{"app": "web"}, "")
	other.Namespace = "other"
	mustCreatePod(t, cs, other)

	factory := informers.NewSharedInformerFactory(cs, 0)
	podInf := factory.Core().V1().Pods()
	depInf := factory.Apps().V1().Deployments()
	pods, deps := newRecorder(), newRecorder()
	if _, err := podInf.Informer().AddEventHandler(pods.handler()); err != nil {
		t.Fatalf("add pod handler: %v", err)
	}
	if _, err := depInf.Informer().AddEventHandler(deps.handler()); err != nil {
		t.Fatalf("add deployment handler: %v", err)
	}
	stop := make(chan struct{})
	factory.Start(stop)
	defer func() {
		close(stop)
		factory.Shutdown()
	}()
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			t.Fatalf("cache of %v did not sync", typ)
		}
	}
	// The initial list is delivered as adds, in no promised order.
	initial := func(r *recorder, n int) []string {
		got := r.wait(t, ctx, n)[:n]
		sort.Strings(got)
		return got
	}
	if diff := cmp.Diff([]string{"add default/pre", "add other/elsewhere"}, initial(pods, 2)); diff != "" {
		t.Errorf("initial pod events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"add default/web"}, initial(deps, 1)); diff != "" {
		t.Errorf("initial deployment events (-want +got):\n%s", diff)
	}

	p := mustCreatePod(t, cs, newPod("web", map[string]string{"app": "web"}, ""))
	mustCreatePod(t, cs, newPod("db", map[string]string{"app": "db"}, ""))
	p.Labels["v"] = "2"
	if _, err := cs.CoreV1().Pods(ns).Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update pod: %v", err)
	}
	if err := cs.CoreV1().Pods(ns).Delete(ctx, "pre", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":3}}`), metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch deployment: %v", err)
	}
	if err := cs.AppsV1().Deployments(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete deployment: %v", err)
	}
	wantPods := []string{"add default/web", "add default/db", "update default/web", "delete default/pre"}
	podTail := pods.wait(t, ctx, 2+len(wantPods))[2:]
	if diff := cmp.Diff(wantPods, podTail); diff != "" {
		t.Errorf("pod events after sync (-want +got):\n%s", diff)
	}
	wantDeps := []string{"update default/web", "delete default/web"}
	depTail := deps.wait(t, ctx, 1+len(wantDeps))[1:]
	if diff := cmp.Diff(wantDeps, depTail); diff != "" {
		t.Errorf("deployment events after sync (-want +got):\n%s", diff)
	}

	// The listers see the cache: by namespace and label selector.
	sel := labels.SelectorFromSet(labels.Set{"app": "web"})
	inDefault, err := podInf.Lister().Pods(ns).List(sel)
	if err != nil {
		t.Fatalf("lister by namespace: %v", err)
	}
	var gotNames []string
	for _, p := range inDefault {
		gotNames = append(gotNames, p.Name)
	}
	sort.Strings(gotNames)
	if diff := cmp.Diff([]string{"web"}, gotNames); diff != "" {
		t.Errorf("lister default app=web (-want +got):\n%s", diff)
	}
	everywhere, err := podInf.Lister().List(sel)
	if err != nil {
		t.Fatalf("lister across namespaces: %v", err)
	}
	gotNames = nil
	for _, p := range everywhere {
		gotNames = append(gotNames, p.Namespace+"/"+p.Name)
	}
	sort.Strings(gotNames)
	if diff := cmp.Diff([]string{"default/web", "other/elsewhere"}, gotNames); diff != "" {
		t.Errorf("lister all app=web (-want +got):\n%s", diff)
	}
	cached, err := podInf.Lister().Pods(ns).Get("web")
	if err != nil {
		t.Fatalf("lister get: %v", err)
	}
	if cached.Labels["v"] != "2" {
		t.Errorf("cached pod label v = %q, want 2", cached.Labels["v"])
	}
	if _, err := podInf.Lister().Pods(ns).Get("pre"); !apierrors.IsNotFound(err) {
		t.Errorf("lister get deleted pod: err = %v, want NotFound", err)
	}
	remaining, err := depInf.Lister().Deployments(ns).List(labels.Everything())
	if err != nil {
		t.Fatalf("deployment lister: %v", err)
	}
	if len(remaining) != 0 {
		t.Errorf("deployment lister holds %d deployments after delete, want 0", len(remaining))
	}
}

func testDiscovery(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("ServerVersion: %v", err)
	}
	if v.Major != "1" || v.Minor != "33" || v.GitVersion != apiserver.DefaultGitVersion {
		t.Errorf("ServerVersion = major %q minor %q gitVersion %q, want 1, 33, %s", v.Major, v.Minor, v.GitVersion, apiserver.DefaultGitVersion)
	}
	groups, lists, err := cs.Discovery().ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("ServerGroupsAndResources: %v", err)
	}
	var groupNames []string
	for _, g := range groups {
		groupNames = append(groupNames, g.Name)
	}
	for _, g := range []string{"", "apps", "coordination.k8s.io", "scheduling.k8s.io"} {
		if !slices.Contains(groupNames, g) {
			t.Errorf("groups %q lack %q", groupNames, g)
		}
	}
	type res struct {
		Namespaced bool
		Kind       string
		Verbs      []string
		ShortNames []string
	}
	found := map[string]res{}
	for _, l := range lists {
		for _, r := range l.APIResources {
			verbs := slices.Clone([]string(r.Verbs))
			sort.Strings(verbs)
			found[l.GroupVersion+"/"+r.Name] = res{r.Namespaced, r.Kind, verbs, r.ShortNames}
		}
	}
	all := []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	tests := []struct {
		key  string
		want res
	}{
		{"v1/pods", res{true, "Pod", all, []string{"po"}}},
		{"v1/services", res{true, "Service", []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}, []string{"svc"}}},
		{"v1/nodes", res{false, "Node", all, []string{"no"}}},
		{"v1/namespaces", res{false, "Namespace", []string{"create", "delete", "get", "list", "patch", "update", "watch"}, []string{"ns"}}},
		{"apps/v1/deployments", res{true, "Deployment", all, []string{"deploy"}}},
		{"v1/pods/status", res{true, "Pod", []string{"get", "patch", "update"}, nil}},
		{"v1/pods/binding", res{true, "Binding", []string{"create"}, nil}},
		{"apps/v1/deployments/scale", res{true, "Scale", []string{"get", "patch", "update"}, nil}},
	}
	for _, tt := range tests {
		got, ok := found[tt.key]
		if !ok {
			t.Errorf("discovery lacks %s", tt.key)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("discovery %s (-want +got):\n%s", tt.key, diff)
		}
	}
	pref, err := cs.Discovery().ServerPreferredResources()
	if err != nil {
		t.Fatalf("ServerPreferredResources: %v", err)
	}
	if len(pref) == 0 {
		t.Errorf("ServerPreferredResources is empty")
	}
}

func testRetryOnConflict(t *testing.T) {
	t.Parallel()
	cs := newClient(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods(ns)
	mustCreatePod(t, cs, newPod("counter", nil, ""))
	const workers, perWorker = 10, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	var retries atomic.Int64
	// Ten writers on one object lose often; allow enough attempts that
	// every increment lands, with a short jittered backoff between them.
	// (No Cap: wait.Backoff stops retrying once its duration reaches it.)
	backoff := wait.Backoff{Steps: 500, Duration: time.Millisecond, Factor: 1, Jitter: 1}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWorker {
				attempt := 0
				err := retry.RetryOnConflict(backoff, func() error {
					attempt++
					p, err := pods.Get(ctx, "counter", metav1.GetOptions{})
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(p.Annotations["count"])
					if p.Annotations == nil {
						p.Annotations = map[string]string{}
					}
					p.Annotations["count"] = strconv.Itoa(n + 1)
					_, err = pods.Update(ctx, p, metav1.UpdateOptions{})
					return err
				})
				retries.Add(int64(attempt - 1))
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("increment: %v", err)
	}
	p, err := pods.Get(ctx, "counter", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if diff := cmp.Diff(strconv.Itoa(workers*perWorker), p.Annotations["count"]); diff != "" {
		t.Errorf("final count (-want +got):\n%s", diff)
	}
	t.Logf("%d increments needed %d retries after conflicts", workers*perWorker, retries.Load())
}
