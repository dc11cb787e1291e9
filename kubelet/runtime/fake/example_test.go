package fake_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

// A job container that completes 30 s after it starts, on a fake clock.
func Example() {
	ctx := context.Background()
	clock := controller.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt := fake.New(fake.Options{
		Clock: clock,
		Images: map[string]fake.Behavior{
			"job": {Mode: fake.Exit, After: 30 * time.Second, ExitCode: 0},
		},
	})
	sb, _ := rt.RunPodSandbox(ctx, &kubelet.PodSandboxConfig{
		Metadata: kubelet.PodSandboxMetadata{Name: "pi", Namespace: "default", UID: "u1"},
	})
	sbConfig := &kubelet.PodSandboxConfig{}
	id, _ := rt.CreateContainer(ctx, sb, &kubelet.ContainerConfig{
		Metadata: kubelet.ContainerMetadata{Name: "pi"},
		Image:    "job",
	}, sbConfig)
	_ = rt.StartContainer(ctx, id)

	st, _ := rt.ContainerStatus(ctx, id)
	fmt.Println(st.State)
	clock.Step(30 * time.Second)
	st, _ = rt.ContainerStatus(ctx, id)
	fmt.Println(st.State, st.ExitCode, st.Reason, st.FinishedAt.Sub(st.StartedAt))
	// Output:
	// CONTAINER_RUNNING
	// CONTAINER_EXITED 0 Completed 30s
}
