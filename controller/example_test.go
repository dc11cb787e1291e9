package controller_test

import (
	"context"
	"fmt"

	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/controller"
)

// ExampleReconcilerFunc runs a controller whose reconciler is a function,
// fed by hand through its queue; a real one Watches informers instead.
func ExampleReconcilerFunc() {
	done := make(chan struct{})
	rec := controller.ReconcilerFunc(func(ctx context.Context, req controller.Request) (controller.Result, error) {
		fmt.Println("reconcile", req.Namespace+"/"+req.Name)
		close(done)
		return controller.Result{}, nil
	})
	c, err := controller.New("example", rec, controller.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- c.Start(ctx) }()
	c.Queue().Add(controller.Request{NamespacedName: types.NamespacedName{Namespace: "default", Name: "web"}})
	<-done
	cancel()
	fmt.Println(<-stopped)
	// Output:
	// reconcile default/web
	// context canceled
}
