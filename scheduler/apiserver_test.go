package scheduler_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/scheduler"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// startServer runs Rigging's API server on a fresh store, on loopback.
func startServer(t *testing.T) *client.Client {
	t.Helper()
	st, err := mvcc.Open(t.Context(), mvcc.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	srv, err := apiserver.New(st, apiserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		_ = srv.Close()
	})
	c, err := client.New(client.Config{Host: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition with a deadline
	}
}

func TestRunAgainstAPIServer(t *testing.T) {
	c := startServer(t)
	ctx := t.Context()
	nodes, _ := client.For[corev1.Node](c)
	pods, _ := client.For[corev1.Pod](c)
	namespaces, _ := client.For[corev1.Namespace](c)
	if _, err := namespaces.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}, client.CreateOptions{}); err != nil && !client.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi"), corev1.ResourcePods: resource.MustParse("10")}
		n, err := nodes.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%d", i)}, Status: corev1.NodeStatus{Capacity: alloc, Allocatable: alloc}}, client.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(n.Status.Allocatable) == 0 {
			n.Status = corev1.NodeStatus{Capacity: alloc, Allocatable: alloc}
			if _, err := nodes.UpdateStatus(ctx, n, client.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	mkPod := func(name, cpu string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "registry.k8s.io/pause:3.10",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}},
		}}}}
	}
	for i := 0; i < 3; i++ {
		if _, err := pods.Create(ctx, mkPod(fmt.Sprintf("web-%d", i), "500m"), client.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pods.Create(ctx, mkPod("huge", "4"), client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- scheduler.Run(runCtx, c, scheduler.RunOptions{LeaderElection: scheduler.LeaderElection{Identity: "test", RetryPeriod: 100 * time.Millisecond}})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	apps := pods.Namespace("apps")
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("web-%d", i)
		waitFor(t, name+" to be bound", func() bool {
			p, err := apps.Get(ctx, name, client.GetOptions{})
			return err == nil && p.Spec.NodeName != ""
		})
	}
	waitFor(t, "huge to be marked unschedulable", func() bool {
		p, err := apps.Get(ctx, "huge", client.GetOptions{})
		if err != nil {
			return false
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				return c.Message == "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
			}
		}
		return false
	})
	// Two pods of 500m fit a 1-CPU node: no node holds more.
	perNode := map[string]int{}
	for i := 0; i < 3; i++ {
		p, _ := apps.Get(ctx, fmt.Sprintf("web-%d", i), client.GetOptions{})
		perNode[p.Spec.NodeName]++
	}
	for n, k := range perNode {
		if k > 2 {
			t.Errorf("node %s got %d pods of 500m on 1 CPU", n, k)
		}
	}
}
