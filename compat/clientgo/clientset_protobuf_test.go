package clientgo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/store/mvcc"
)

const protobufType = "application/vnd.kubernetes.protobuf"

// mediaCounts counts the request and response media types the server saw.
type mediaCounts struct {
	mu       sync.Mutex // guards requests and responses
	requests map[string]int
	replies  map[string]int
}

func (m *mediaCounts) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			m.mu.Lock()
			m.requests[ct]++
			m.mu.Unlock()
		}
		h.ServeHTTP(&countingWriter{ResponseWriter: w, m: m}, r)
	})
}

// countingWriter counts the Content-Type of an answer when its header is
// written, which for a watch is long before the handler returns.
type countingWriter struct {
	http.ResponseWriter
	m       *mediaCounts
	counted bool
}

func (c *countingWriter) WriteHeader(code int) {
	if !c.counted {
		c.counted = true
		c.m.mu.Lock()
		c.m.replies[c.Header().Get("Content-Type")]++
		c.m.mu.Unlock()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if !c.counted {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

// Flush sends a watch stream's events on.
func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// newProtobufClient is newClient with a clientset that speaks protobuf.
func newProtobufClient(t *testing.T) (*kubernetes.Clientset, *mediaCounts) {
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
	mc := &mediaCounts{requests: map[string]int{}, replies: map[string]int{}}
	srv := httptest.NewServer(mc.wrap(s))
	t.Cleanup(srv.Close)
	cs, err := kubernetes.NewForConfig(&rest.Config{
		Host: srv.URL,
		ContentConfig: rest.ContentConfig{
			ContentType:        protobufType,
			AcceptContentTypes: protobufType + ", application/json",
		},
		QPS: -1,
	})
	if err != nil {
		t.Fatalf("kubernetes.NewForConfig: %v", err)
	}
	return cs, mc
}

func TestClientsetProtobuf(t *testing.T) {
	cs, mc := newProtobufClient(t)
	ctx := t.Context()

	t.Run("pods", func(t *testing.T) {
		pods := cs.CoreV1().Pods(ns)
		pod := newPod("web", map[string]string{"app": "web"}, "")
		pod.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}
		created, err := pods.Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		got, err := pods.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("get differs from create (-create +get):\n%s", diff)
		}
		if q := got.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU]; q.String() != "500m" {
			t.Errorf("cpu limit %s, want 500m", q.String())
		}
		got.Labels["tier"] = "front"
		updated, err := pods.Update(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		if updated.Labels["tier"] != "front" || updated.ResourceVersion == got.ResourceVersion {
			t.Errorf("update: labels %v, resourceVersion %s after %s", updated.Labels, updated.ResourceVersion, got.ResourceVersion)
		}
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "tier=front"})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if diff := cmp.Diff([]string{"web"}, names(list.Items, func(p *corev1.Pod) string { return p.Name })); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
		// A stale update is a Conflict, decoded from a protobuf Status.
		_, err = pods.Update(ctx, got, metav1.UpdateOptions{})
		if !apierrors.IsConflict(err) {
			t.Errorf("stale update: %v, want a Conflict", err)
		}
		if _, err := pods.Get(ctx, "nope", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("get missing: %v, want NotFound", err)
		}
	})

	t.Run("deployments", func(t *testing.T) {
		deps := cs.AppsV1().Deployments(ns)
		d := newDeployment("web", 2)
		maxSurge := intstr.FromString("25%")
		d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &maxSurge}}
		if _, err := deps.Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create: %v", err)
		}
		got, err := deps.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if *got.Spec.Replicas != 2 || got.Spec.Strategy.RollingUpdate.MaxSurge.String() != "25%" {
			t.Errorf("got replicas %d maxSurge %v", *got.Spec.Replicas, got.Spec.Strategy.RollingUpdate.MaxSurge)
		}
		*got.Spec.Replicas = 5
		updated, err := deps.Update(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		if *updated.Spec.Replicas != 5 {
			t.Errorf("updated replicas %d, want 5", *updated.Spec.Replicas)
		}
		list, err := deps.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if diff := cmp.Diff([]string{"web"}, names(list.Items, func(d *appsv1.Deployment) string { return d.Name })); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
		scale, err := deps.GetScale(ctx, "web", metav1.GetOptions{})
		if err != nil || scale.Spec.Replicas != 5 {
			t.Fatalf("get scale: %v %+v", err, scale)
		}
		scale.Spec.Replicas = 3
		if scale, err = deps.UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil || scale.Spec.Replicas != 3 {
			t.Fatalf("update scale: %v %+v", err, scale)
		}
	})

	t.Run("services", func(t *testing.T) {
		svcs := cs.CoreV1().Services(ns)
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": "web"},
				Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}},
			},
		}
		created, err := svcs.Create(ctx, svc, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if created.Spec.ClusterIP == "" || created.Spec.Ports[0].TargetPort.IntValue() != 8080 {
			t.Errorf("created spec %+v", created.Spec)
		}
		got, err := svcs.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		got.Spec.Ports = append(got.Spec.Ports, corev1.ServicePort{Name: "https", Port: 443, TargetPort: intstr.FromString("https"), Protocol: corev1.ProtocolTCP})
		updated, err := svcs.Update(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		if len(updated.Spec.Ports) != 2 || updated.Spec.Ports[1].TargetPort.StrVal != "https" {
			t.Errorf("updated ports %+v", updated.Spec.Ports)
		}
		list, err := svcs.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if diff := cmp.Diff([]string{"web"}, names(list.Items, func(s *corev1.Service) string { return s.Name })); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
	})

	t.Run("nodes", func(t *testing.T) {
		nodes := cs.CoreV1().Nodes()
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"zone": "a"}},
			Spec:       corev1.NodeSpec{PodCIDR: "10.0.1.0/24", Taints: []corev1.Taint{{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}}},
		}
		if _, err := nodes.Create(ctx, node, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create: %v", err)
		}
		got, err := nodes.Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if diff := cmp.Diff(node.Spec, got.Spec); diff != "" {
			t.Errorf("spec (-want +got):\n%s", diff)
		}
		got.Status = corev1.NodeStatus{
			Capacity:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi")},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now(), Reason: "KubeletReady"}},
		}
		updated, err := nodes.UpdateStatus(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update status: %v", err)
		}
		if mem := updated.Status.Capacity[corev1.ResourceMemory]; mem.String() != "8Gi" {
			t.Errorf("memory capacity %s, want 8Gi", mem.String())
		}
		if len(updated.Status.Conditions) != 1 || updated.Status.Conditions[0].LastHeartbeatTime.IsZero() {
			t.Errorf("conditions %+v", updated.Status.Conditions)
		}
		list, err := nodes.List(ctx, metav1.ListOptions{LabelSelector: "zone=a"})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if diff := cmp.Diff([]string{"n1"}, names(list.Items, func(n *corev1.Node) string { return n.Name })); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
	})

	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.requests[protobufType] == 0 || mc.replies[protobufType] == 0 || mc.requests["application/json"] != 0 {
		t.Errorf("the clientset did not speak protobuf both ways: request bodies %v, replies %v", mc.requests, mc.replies)
	}
}

// TestClientsetProtobufWatch watches pods over the protobuf stream.
func TestClientsetProtobufWatch(t *testing.T) {
	cs, mc := newProtobufClient(t)
	ctx := t.Context()
	pods := cs.CoreV1().Pods(ns)
	list, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	w, err := pods.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	created, err := pods.Create(ctx, newPod("web", map[string]string{"app": "web"}, ""), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	ev, ok := <-w.ResultChan()
	if !ok {
		t.Fatal("watch closed before an event")
	}
	pod, isPod := ev.Object.(*corev1.Pod)
	if ev.Type != "ADDED" || !isPod {
		t.Fatalf("event %s %T, want ADDED *v1.Pod", ev.Type, ev.Object)
	}
	if diff := cmp.Diff(created, pod); diff != "" {
		t.Errorf("watched pod differs from the created one (-created +watched):\n%s", diff)
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.replies[protobufType+";stream=watch"] != 1 {
		t.Errorf("no protobuf watch stream; replies %v", mc.replies)
	}
}
