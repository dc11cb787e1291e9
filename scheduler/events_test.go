package scheduler_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/scheduler"
)

// TestRunRecordsEvents: Run records Scheduled for a bound pod and
// FailedScheduling with the fit error for one that fits no node, as
// kube-scheduler does, where kubectl describe finds them.
func TestRunRecordsEvents(t *testing.T) {
	c := startServer(t)
	ctx := t.Context()
	nodes, _ := client.For[corev1.Node](c)
	pods, _ := client.For[corev1.Pod](c)
	evs, _ := client.For[corev1.Event](c)
	alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi"), corev1.ResourcePods: resource.MustParse("10")}
	n, err := nodes.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-0"}, Status: corev1.NodeStatus{Capacity: alloc, Allocatable: alloc}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Status.Allocatable) == 0 {
		n.Status = corev1.NodeStatus{Capacity: alloc, Allocatable: alloc}
		if _, err := nodes.UpdateStatus(ctx, n, client.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	uids := map[string]string{}
	for name, cpu := range map[string]string{"small": "500m", "huge": "4"} {
		p, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "registry.k8s.io/pause:3.10",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}},
		}}}}, client.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uids[name] = string(p.UID)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- scheduler.Run(runCtx, c, scheduler.RunOptions{LeaderElection: scheduler.LeaderElection{Disable: true}})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	type event struct{ Name, UID, Type, Reason, Message, Component string }
	find := func(pod, reason string) (event, bool) {
		l, err := evs.Namespace("default").List(ctx, client.ListOptions{
			FieldSelector: "involvedObject.kind=Pod,involvedObject.name=" + pod + ",reason=" + reason})
		if err != nil || len(l.Items) == 0 {
			return event{}, false
		}
		e := l.Items[0]
		return event{e.InvolvedObject.Name, string(e.InvolvedObject.UID), e.Type, e.Reason, e.Message, e.Source.Component}, true
	}
	tests := []struct {
		pod, reason string
		want        event
	}{
		{"small", "Scheduled", event{"small", uids["small"], corev1.EventTypeNormal, "Scheduled",
			"Successfully assigned default/small to node-0", "default-scheduler"}},
		{"huge", "FailedScheduling", event{"huge", uids["huge"], corev1.EventTypeWarning, "FailedScheduling",
			"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
			"default-scheduler"}},
	}
	for _, tt := range tests {
		var got event
		waitFor(t, tt.reason+" event of "+tt.pod, func() bool {
			var ok bool
			got, ok = find(tt.pod, tt.reason)
			return ok
		})
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s event (-want +got):\n%s", tt.reason, d)
		}
	}
}
