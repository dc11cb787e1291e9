package replicaset_test

import (
	"context"
	"fmt"
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/replicaset"
)

// ExampleAdd runs the ReplicaSet controller in a Manager against an
// in-process API server and waits for a ReplicaSet of 3 to have its pods.
func ExampleAdd() {
	env, err := envtest.New(context.Background(), envtest.Options{})
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
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- mgr.Start(ctx) }()
	defer func() { cancel(); <-stopped }()

	rss, _ := client.For[appsv1.ReplicaSet](env.Client)
	if _, err := rss.Namespace("default").Create(ctx, newRS("web", 3, 0), client.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		rs, err := rss.Namespace("default").Get(ctx, "web", client.GetOptions{})
		if err == nil && rs.Status.Replicas == 3 {
			fmt.Println("replicas:", rs.Status.Replicas)
			return
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	fmt.Println("timed out")
	// Output: replicas: 3
}
