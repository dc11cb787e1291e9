package endpointslice_test

import (
	"context"
	"fmt"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/endpointslice"
	"github.com/rigging-dev/rigging/controller/envtest"
)

// ExampleAdd runs the EndpointSlice controller in a Manager against an
// in-process API server and waits for a Service's slice to list its pod.
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
	if _, err := endpointslice.Add(mgr, env.Client, endpointslice.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- mgr.Start(ctx) }()
	defer func() { cancel(); <-stopped }()

	svcs, _ := client.For[corev1.Service](env.Client)
	pods, _ := client.For[corev1.Pod](env.Client)
	slices, _ := client.For[discoveryv1.EndpointSlice](env.Client)
	svc := newService("web", map[string]string{"app": "web"})
	if _, err := svcs.Namespace("default").Create(ctx, svc, client.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-a", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "nginx", Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: 8080}},
		}}},
	}
	pod, err = pods.Namespace("default").Create(ctx, pod, client.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// What a kubelet would report.
	pod.Status.PodIP = "10.0.0.1"
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := pods.Namespace("default").UpdateStatus(ctx, pod, client.UpdateOptions{}); err != nil {
		fmt.Println(err)
		return
	}

	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		list, err := slices.Namespace("default").List(ctx, client.ListOptions{LabelSelector: endpointslice.LabelServiceName + "=web"})
		if err == nil && len(list.Items) == 1 && len(list.Items[0].Endpoints) == 1 {
			s := list.Items[0]
			fmt.Println(s.AddressType, s.Endpoints[0].Addresses[0], *s.Endpoints[0].Conditions.Ready, *s.Ports[0].Name, *s.Ports[0].Port)
			return
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	fmt.Println("timed out")
	// Output: IPv4 10.0.0.1 true http 8080
}
