package interpodaffinity_test

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/interpodaffinity"
)

// Example places a web pod in the zone of the cache it needs, and never on
// a node already running a web pod.
func Example() {
	nodes := []*corev1.Node{
		node("node-a", map[string]string{"zone": "z1", corev1.LabelHostname: "node-a"}),
		node("node-b", map[string]string{"zone": "z1", corev1.LabelHostname: "node-b"}),
		node("node-c", map[string]string{"zone": "z2", corev1.LabelHostname: "node-c"}),
	}
	existing := []*corev1.Pod{
		pod("cache-1", "node-a", map[string]string{"app": "cache"}),
		pod("web-1", "node-a", map[string]string{"app": "web"}),
	}
	snap := newSnapshot(existing, nodes)

	registry := framework.Registry{}
	_ = registry.Register(interpodaffinity.Name, interpodaffinity.New)
	plugin, err := registry[interpodaffinity.Name](context.Background(), nil, &handle{snap: snap, ns: testNamespaces})
	if err != nil {
		panic(err)
	}
	pl := plugin.(*interpodaffinity.InterPodAffinity)

	web := withAffinity(pod("web-2", "", map[string]string{"app": "web"}),
		terms(in("app", "zone", "cache")),
		terms(in("app", corev1.LabelHostname, "web")))
	ctx := context.Background()
	state := framework.NewCycleState()
	all, _ := snap.List()
	if _, s := pl.PreFilter(ctx, state, web, all); !s.IsSuccess() {
		panic(s)
	}
	for _, ni := range all {
		fmt.Printf("%s: %v\n", ni.NodeName(), pl.Filter(ctx, state, web, ni))
	}
	// Output:
	// node-a: Unschedulable: node(s) didn't match pod anti-affinity rules
	// node-b: Success
	// node-c: UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules
}
