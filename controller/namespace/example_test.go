package namespace_test

import (
	"context"
	"fmt"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/namespace"
)

// ExampleAdd runs the namespace controller in a Manager against an
// in-process API server, deletes a namespace holding a ConfigMap and waits
// for both to be gone.
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
	if _, err := namespace.Add(mgr, env.Client, controller.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- mgr.Start(ctx) }()
	defer func() { cancel(); <-stopped }()

	nss, _ := client.For[corev1.Namespace](env.Client)
	cms, _ := client.For[corev1.ConfigMap](env.Client)
	if _, err := nss.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scratch"}}, client.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := cms.Namespace("scratch").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}}, client.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	if err := nss.Delete(ctx, "scratch", metav1.DeleteOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		_, cmErr := cms.Namespace("scratch").Get(ctx, "cfg", client.GetOptions{})
		_, nsErr := nss.Get(ctx, "scratch", client.GetOptions{})
		if client.IsNotFound(cmErr) && client.IsNotFound(nsErr) {
			fmt.Println("configmap and namespace deleted")
			return
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	fmt.Println("timed out")
	// Output: configmap and namespace deleted
}
