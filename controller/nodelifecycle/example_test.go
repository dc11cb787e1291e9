package nodelifecycle_test

import (
	"context"
	"fmt"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/nodelifecycle"
)

// ExampleAdd runs the node lifecycle controller on a fake clock against an
// in-process API server: a node that reported Ready once and then went
// silent is marked Unknown and tainted unreachable:NoSchedule after the
// 40 s grace period. Being the only node, its zone and so every zone is in
// full disruption: the controller suspects its own connectivity and
// withholds the NoExecute taint that would evict the node's pods.
func ExampleAdd() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := envtest.New(ctx, envtest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()
	nodes, _ := client.For[corev1.Node](env.Client)

	clock := controller.NewFakeClock(time.Now().Truncate(time.Second))
	n, err := nodes.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1"}}, client.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	beat := metav1.NewTime(clock.Now())
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: beat, LastTransitionTime: beat}}
	if _, err := nodes.UpdateStatus(ctx, n, client.UpdateOptions{}); err != nil {
		fmt.Println(err)
		return
	}

	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := nodelifecycle.Add(mgr, env.Client, nodelifecycle.Options{Options: controller.Options{Clock: clock}}); err != nil {
		fmt.Println(err)
		return
	}
	stopped := make(chan error, 1)
	go func() { stopped <- mgr.Start(ctx) }()
	defer func() { cancel(); <-stopped }()

	// Let time pass without a heartbeat, 10 s of the fake clock at a time,
	// until the controller acts.
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		got, err := nodes.Get(ctx, "worker-1", client.GetOptions{})
		if err == nil && len(got.Spec.Taints) > 0 {
			for _, c := range got.Status.Conditions {
				if c.Type == corev1.NodeReady {
					fmt.Println("Ready:", c.Status, c.Reason)
				}
			}
			for _, t := range got.Spec.Taints {
				fmt.Println("taint:", t.Key, t.Effect)
			}
			return
		}
		clock.Step(10 * time.Second)
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	fmt.Println("timed out")
	// Output:
	// Ready: Unknown NodeStatusUnknown
	// taint: node.kubernetes.io/unreachable NoSchedule
}
