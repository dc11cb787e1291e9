package garbagecollector_test

import (
	"context"
	"fmt"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/garbagecollector"
)

// ExampleNew runs the garbage collector against an in-process API server:
// a ConfigMap owned by another goes when its owner is deleted.
func ExampleNew() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := envtest.New(ctx, envtest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()

	gc, err := garbagecollector.New(env.Client, garbagecollector.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	stopped := make(chan error, 1)
	go func() { stopped <- gc.Run(ctx) }()
	defer func() { cancel(); <-stopped }()

	cms, _ := client.For[corev1.ConfigMap](env.Client)
	cms = cms.Namespace("default")
	owner, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, client.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name:            "dependent",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID}},
	}}, client.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := cms.Delete(ctx, "owner", metav1.DeleteOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := cms.Get(ctx, "dependent", client.GetOptions{}); client.IsNotFound(err) {
			fmt.Println("dependent collected")
			return
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	fmt.Println("timed out")
	// Output: dependent collected
}
