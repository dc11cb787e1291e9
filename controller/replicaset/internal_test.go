package replicaset

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type podOpt func(*corev1.Pod)

func pod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0)}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func node(p *corev1.Pod)              { p.Spec.NodeName = "n1" }
func phase(ph corev1.PodPhase) podOpt { return func(p *corev1.Pod) { p.Status.Phase = ph } }
func restarts(n int32) podOpt {
	return func(p *corev1.Pod) { p.Status.ContainerStatuses = []corev1.ContainerStatus{{RestartCount: n}} }
}
func created(d time.Duration) podOpt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(t0.Add(d)) }
}
func readySince(at time.Time) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(at)}}
	}
}

func TestPodLess(t *testing.T) {
	tests := []struct {
		name string
		a, b *corev1.Pod
		want bool
	}{
		{"unscheduled first", pod("a"), pod("b", node), true},
		{"scheduled after", pod("a", node), pod("b"), false},
		{"pending before unknown", pod("a", node, phase(corev1.PodPending)), pod("b", node, phase(corev1.PodUnknown)), true},
		{"unknown before running", pod("a", node, phase(corev1.PodUnknown)), pod("b", node, phase(corev1.PodRunning)), true},
		{"running after pending", pod("a", node, phase(corev1.PodRunning)), pod("b", node, phase(corev1.PodPending)), false},
		{"not ready before ready", pod("a", node, phase(corev1.PodRunning)), pod("b", node, phase(corev1.PodRunning), readySince(t0)), true},
		{"more restarts first", pod("a", restarts(3)), pod("b", restarts(1)), true},
		{"fewer restarts after", pod("a", restarts(1)), pod("b", restarts(3)), false},
		{"newer first", pod("a", created(time.Hour)), pod("b"), true},
		{"older after", pod("a"), pod("b", created(time.Hour)), false},
		{"name breaks ties", pod("a"), pod("b"), true},
		{"equal is not less", pod("a"), pod("a"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PodLess(tt.a, tt.b); got != tt.want {
				t.Errorf("PodLess(%s, %s) = %v, want %v", tt.a.Name, tt.b.Name, got, tt.want)
			}
		})
	}
}

func TestComputeStatus(t *testing.T) {
	now := t0.Add(time.Hour)
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Generation: 4},
		Spec: appsv1.ReplicaSetSpec{
			MinReadySeconds: 60,
			Template:        corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x", "tier": "web"}}},
		},
	}
	full := func(p *corev1.Pod) { p.Labels = map[string]string{"app": "x", "tier": "web"} }
	pods := []*corev1.Pod{
		pod("old-ready", full, readySince(now.Add(-time.Hour))),
		pod("new-ready", full, readySince(now.Add(-20*time.Second))),
		pod("newer-ready", readySince(now.Add(-50*time.Second))),
		pod("unready", full),
	}
	st, wait := computeStatus(rs, pods, now)
	want := appsv1.ReplicaSetStatus{Replicas: 4, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 1, ObservedGeneration: 4}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
	if wait != 10*time.Second {
		t.Errorf("wait = %v, want 10s (until newer-ready is available)", wait)
	}
}

func TestActivePods(t *testing.T) {
	gone := func(p *corev1.Pod) { ts := metav1.NewTime(t0); p.DeletionTimestamp = &ts }
	pods := []*corev1.Pod{pod("run", phase(corev1.PodRunning)), pod("done", phase(corev1.PodSucceeded)), pod("failed", phase(corev1.PodFailed)), pod("terminating", gone), pod("new")}
	var got []string
	for _, p := range activePods(pods) {
		got = append(got, p.Name)
	}
	if diff := cmp.Diff([]string{"run", "new"}, got); diff != "" {
		t.Errorf("active pods (-want +got):\n%s", diff)
	}
}

func TestSlowStartBatch(t *testing.T) {
	tests := []struct {
		name      string
		count     int
		failAt    int // 1-based call that fails; 0: none
		wantCalls int
		wantOK    int
	}{
		{"none", 0, 0, 0, 0},
		{"all succeed", 10, 0, 10, 10},
		{"first fails", 10, 1, 1, 0},
		{"fails in batch of 4", 10, 5, 7, 6}, // batches 1, 2, 4: stops after the third
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			ok, err := slowStartBatch(tt.count, 1, func() error {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if calls == tt.failAt {
					return errors.New("boom")
				}
				return nil
			})
			if (err != nil) != (tt.failAt > 0) {
				t.Errorf("err = %v", err)
			}
			if calls != tt.wantCalls || ok != tt.wantOK {
				t.Errorf("calls %d, ok %d; want %d, %d", calls, ok, tt.wantCalls, tt.wantOK)
			}
		})
	}
}

func TestPodFromTemplate(t *testing.T) {
	two := int32(2)
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod", UID: "rs-uid", Labels: map[string]string{"owner-only": "x"}},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &two,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"a": "b"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			},
		},
	}
	yes := true
	want := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "web-", Namespace: "prod",
			Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"a": "b"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: "rs-uid", Controller: &yes, BlockOwnerDeletion: &yes}},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
	got := podFromTemplate(rs)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pod (-want +got):\n%s", diff)
	}
	got.Labels["app"] = "changed"
	if rs.Spec.Template.Labels["app"] != "web" {
		t.Error("the pod shares its labels with the template")
	}
}
