package kubelet

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/controller"
)

// Tests of the work a pod's start does that is not the runtime's: what
// it costs stays small, and what it gives stays the same.

// TestContainerProbesWithoutProbes: a container without probes gets the
// results Kubernetes gives it (started, liveness and readiness unknown,
// which count as passing) for one allocation, and stop returns; with
// probes, the initial results stay Kubernetes'.
func TestContainerProbesWithoutProbes(t *testing.T) {
	ctx := t.Context()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k := &Kubelet{clock: controller.NewFakeClock(t0)}
	pod := &corev1.Pod{}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, InitialDelaySeconds: 60}
	for _, tc := range []struct {
		name                  string
		c                     corev1.Container
		started               bool
		live, ready, startupR probeResult
	}{
		{name: "none", c: corev1.Container{Name: "app"}, started: true},
		{name: "readiness", c: corev1.Container{Name: "app", ReadinessProbe: probe}, started: true, ready: probeFailure},
		{name: "liveness", c: corev1.Container{Name: "app", LivenessProbe: probe}, started: true},
		{name: "startup", c: corev1.Container{Name: "app", StartupProbe: probe, ReadinessProbe: probe}, ready: probeFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newContainerProbes(ctx, k, pod, &tc.c, "id", "10.0.0.1", t0, func() {})
			got := []any{p.hasStarted(), p.result(liveness), p.result(readiness), p.result(startup)}
			want := []any{tc.started, tc.live, tc.ready, tc.startupR}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("started, liveness, readiness, startup = %v, want %v", got, want)
					break
				}
			}
			p.stop()
		})
	}
	c := &corev1.Container{Name: "app"}
	if n := testing.AllocsPerRun(100, func() { newContainerProbes(ctx, k, pod, c, "id", "", t0, func() {}).stop() }); n > 1 {
		t.Errorf("newContainerProbes without probes: %v allocations, want at most 1", n)
	}
}

// TestStartPathAllocations: a pod without volumes and a sync that reads
// no Secret or ConfigMap allocate nothing for them, and behave as before:
// no volumes, and a mount of a missing volume is refused.
func TestStartPathAllocations(t *testing.T) {
	k := &Kubelet{cfg: Config{RootDir: t.TempDir()}}
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}}
	src := newEnvSource(context.Background(), nil, "default")
	if n := testing.AllocsPerRun(100, func() { _ = newEnvSource(context.Background(), nil, "default") }); n > 1 {
		t.Errorf("newEnvSource: %v allocations, want at most 1", n)
	}
	vols, err := k.setupVolumes(src, pod)
	if err != nil || len(vols) != 0 {
		t.Fatalf("setupVolumes of a pod without volumes = %v, %v", vols, err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = k.setupVolumes(src, pod) }); n != 0 {
		t.Errorf("setupVolumes of a pod without volumes: %v allocations, want 0", n)
	}
	mounts, err := mountsFor(&pod.Spec.Containers[0], vols)
	if err != nil || len(mounts) != 0 {
		t.Errorf("mountsFor without mounts = %v, %v", mounts, err)
	}
	c := &corev1.Container{Name: "app", VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}}
	if _, err := mountsFor(c, vols); err == nil || !strings.Contains(err.Error(), `volume mount "data": no volume of that name`) {
		t.Errorf("mountsFor a missing volume: %v", err)
	}
}
