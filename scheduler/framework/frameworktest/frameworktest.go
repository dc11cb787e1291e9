// Package frameworktest helps test scheduler plugins: terse builders for
// nodes and pods, and a Handle over a snapshot built from them.
package frameworktest

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/scheduler/cache"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
)

// Resources parses pairs of resource names and quantities:
// Resources("cpu", "500m", "memory", "1Gi"). It panics on a bad quantity
// or an odd number of arguments: it is for tests, with literal input.
func Resources(kv ...string) corev1.ResourceList {
	if len(kv)%2 != 0 {
		panic(fmt.Sprintf("frameworktest.Resources: odd number of arguments %q", kv))
	}
	rl := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		rl[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return rl
}

// Node returns a node named name with the given allocatable resources
// (capacity is the same) and labels.
func Node(name string, allocatable corev1.ResourceList, labels map[string]string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Status:     corev1.NodeStatus{Allocatable: allocatable, Capacity: allocatable},
	}
}

// Pod returns a pod in namespace "default" with UID "uid-<name>" and one
// container "c" per request list (none when requests is empty).
func Pod(name string, requests ...corev1.ResourceList) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name)}}
	for i, r := range requests {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", i), Resources: corev1.ResourceRequirements{Requests: r}})
	}
	if len(requests) == 0 {
		p.Spec.Containers = []corev1.Container{{Name: "c0"}}
	}
	return p
}

// On returns pod bound to node (a copy).
func On(pod *corev1.Pod, node string) *corev1.Pod {
	c := pod.DeepCopy()
	c.Spec.NodeName = node
	return c
}

// Framework builds a runtime.Framework over a snapshot of nodes and pods
// with the given plugins (all from registry), and returns it with the
// snapshot. It fails the test through fatal on error.
func Framework(ctx context.Context, fatal func(...any), registry framework.Registry, plugins []runtime.PluginConfig, nodes []*corev1.Node, pods []*corev1.Pod, opts ...runtime.Option) (*runtime.Framework, *cache.Snapshot) {
	snap := cache.NewSnapshot(pods, nodes)
	opts = append([]runtime.Option{runtime.WithSnapshotSharedLister(snap)}, opts...)
	f, err := runtime.NewFramework(ctx, registry, runtime.Profile{Plugins: plugins}, opts...)
	if err != nil {
		fatal(err)
	}
	return f, snap
}
