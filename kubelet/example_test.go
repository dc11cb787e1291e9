package kubelet_test

import (
	"context"
	"fmt"
	"os"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

// Example runs a kubelet on a simulated runtime against an in-process API
// server, binds a pod to its node and waits until the pod runs.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := envtest.New(ctx, envtest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()
	root, err := os.MkdirTemp("", "kubelet-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(root)

	k, err := kubelet.New(kubelet.Config{
		NodeName: "node-1",
		Client:   env.Client,
		Runtime:  fake.New(fake.Options{}),
		RootDir:  root,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()

	pods, _ := client.For[corev1.Pod](env.Client)
	w, err := pods.Namespace("default").Watch(ctx, client.WatchOptions{FieldSelector: "metadata.name=web"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Stop()
	_, err = pods.Namespace("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.PodSpec{
			NodeName:   "node-1", // bound, as the scheduler would
			Containers: []corev1.Container{{Name: "app", Image: "nginx"}},
		},
	}, client.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	timeout := time.After(20 * time.Second)
wait:
	for {
		select {
		case ev := <-w.ResultChan():
			if p := ev.Object; p != nil && p.Status.Phase == corev1.PodRunning {
				fmt.Println(p.Name, p.Status.Phase, p.Status.PodIP, p.Status.ContainerStatuses[0].Ready)
				break wait
			}
		case <-timeout:
			fmt.Println("timed out")
			break wait
		}
	}
	cancel()
	fmt.Println("run:", <-done)
	// Output:
	// web Running 127.0.0.1 true
	// run: <nil>
}
