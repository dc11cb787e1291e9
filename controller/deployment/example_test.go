package deployment_test

import (
	"context"
	"fmt"
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/deployment"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/replicaset"
)

// ExampleAdd runs the Deployment and ReplicaSet controllers in a Manager
// against an in-process API server, with a fake kubelet making pods
// ready, and waits for a Deployment of 3 to be rolled out.
func ExampleAdd() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := envtest.New(ctx, envtest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()

	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := replicaset.Add(mgr, env.Client, controller.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := deployment.Add(mgr, env.Client, controller.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	stopped := make(chan struct{}, 2)
	go func() { _ = mgr.Start(ctx); stopped <- struct{}{} }()
	go func() { _ = env.RunFakeKubelet(ctx, envtest.FakeKubeletOptions{}); stopped <- struct{}{} }()
	defer func() { cancel(); <-stopped; <-stopped }()

	deps, _ := client.For[appsv1.Deployment](env.Client)
	if _, err := deps.Namespace("default").Create(ctx, newDeployment("web", 3, "nginx:1.27"), client.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		d, err := deps.Namespace("default").Get(ctx, "web", client.GetOptions{})
		if err == nil && complete(d) {
			fmt.Println("available:", d.Status.AvailableReplicas, "revision:", d.Annotations[deployment.RevisionAnnotation])
			return
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	fmt.Println("timed out")
	// Output: available: 3 revision: 1
}
