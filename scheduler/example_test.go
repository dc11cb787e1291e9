package scheduler_test

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/scheduler"
)

// Place one pod among the caller's own nodes, with no API server: node-b
// has the most room, and the default profile prefers the least allocated
// node.
func ExamplePlace() {
	node := func(name, cpu string) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110"),
		}}}
	}
	pod := func(name, cpu, nodeName string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}, Spec: corev1.PodSpec{NodeName: nodeName,
			Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}}}
	}
	nodes := []*corev1.Node{node("node-a", "4"), node("node-b", "8"), node("node-c", "2")}
	running := []*corev1.Pod{pod("db", "3", "node-a")}

	name, err := scheduler.Place(context.Background(), nodes, running, pod("web", "1", ""))
	fmt.Println(name, err)

	_, err = scheduler.Place(context.Background(), nodes, running, pod("huge", "16", ""))
	fmt.Println(err)
	// Output:
	// node-b <nil>
	// 0/3 nodes are available: 3 Insufficient cpu.
}
