package defaultpreemption_test

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
	"github.com/rigging-dev/rigging/scheduler/plugins/defaultpreemption"
)

// Example preempts a batch pod to make room for a more important web pod:
// the framework's Filter plugins find no room, and the PostFilter plugin
// evicts the batch pod through the embedder's PodEvictor and nominates its
// node for the web pod.
func Example() {
	snap := newSnapshot(
		[]*corev1.Pod{pod("batch", "node-1", 1, "1")},
		[]*corev1.Node{node("node-1", "1", nil)},
	)
	registry := framework.Registry{
		"TestFit": func(context.Context, any, framework.Handle) (framework.Plugin, error) { return fitPlugin{}, nil },
	}
	if err := registry.Register(defaultpreemption.Name, defaultpreemption.New); err != nil {
		panic(err)
	}
	evictor := framework.PodEvictorFunc(func(_ context.Context, victim, preemptor *corev1.Pod) error {
		fmt.Printf("evict %s for %s\n", victim.Name, preemptor.Name)
		return nil
	})
	ctx := context.Background()
	fw, err := runtime.NewFramework(ctx, registry,
		runtime.Profile{Plugins: []runtime.PluginConfig{{Name: "TestFit"}, {Name: defaultpreemption.Name}}},
		runtime.WithSnapshotSharedLister(snap), runtime.WithPodEvictor(evictor))
	if err != nil {
		panic(err)
	}

	web := pod("web", "", 1000, "1")
	state := framework.NewCycleState()
	statuses := framework.NewDefaultNodeToStatus()
	for _, ni := range snap.Nodes {
		statuses.Set(ni.NodeName(), fw.RunFilterPluginsWithNominatedPods(ctx, state, web, ni))
	}
	result, status := fw.RunPostFilterPlugins(ctx, state, web, statuses)
	fmt.Println(result.NominatedNodeName, status)
	// Output:
	// evict batch for web
	// node-1 Success
}
