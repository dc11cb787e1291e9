package podtopologyspread_test

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/podtopologyspread"
)

// Example spreads pods labelled app=web over two zones with maxSkew 1:
// zone1 already runs two of them and zone2 none, so only zone2's node
// passes Filter.
func Example() {
	nodes := []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone2")}
	web := map[string]string{"app": "web"}
	existing := []*corev1.Pod{pod("web-1", "node-a", web), pod("web-2", "node-a", web)}
	snap := newSnapshot(existing, nodes)

	registry := framework.Registry{}
	_ = registry.Register(podtopologyspread.Name, podtopologyspread.New)
	plugin, err := registry[podtopologyspread.Name](context.Background(), nil, &handle{snap: snap})
	if err != nil {
		panic(err)
	}
	pl := plugin.(*podtopologyspread.PodTopologySpread)

	incoming := withConstraints(pod("web-3", "", web), corev1.TopologySpreadConstraint{
		MaxSkew:           1,
		TopologyKey:       "zone",
		WhenUnsatisfiable: corev1.DoNotSchedule,
		LabelSelector:     exists("app"),
	})
	ctx := context.Background()
	state := framework.NewCycleState()
	all, _ := snap.List()
	if _, s := pl.PreFilter(ctx, state, incoming, all); !s.IsSuccess() {
		panic(s)
	}
	for _, ni := range all {
		fmt.Printf("%s: %v\n", ni.NodeName(), pl.Filter(ctx, state, incoming, ni))
	}
	// Output:
	// node-a: Unschedulable: node(s) didn't match pod topology spread constraints
	// node-b: Success
}
