package cluster

import (
	"context"
	"sync"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

// timedRuntime records, per pod, when the kubelet called RunPodSandbox
// and how long it and CreateContainer+StartContainer took: the
// runtime's share of pod startup.
type timedRuntime struct {
	kubelet.Runtime
	mu        sync.Mutex               // guards the maps
	sbStart   map[string]time.Time     // pod name -> RunPodSandbox called
	sbDur     map[string]time.Duration // pod name -> RunPodSandbox took
	ctrDur    map[string]time.Duration // pod name -> Create+StartContainer took
	ctrDone   map[string]time.Time     // pod name -> StartContainer returned
	sbPod     map[string]string        // sandbox ID -> pod name
	ctrPod    map[string]string        // container ID -> pod name
	ctrCreate map[string]time.Time     // container ID -> CreateContainer called
}

func newTimedRuntime(rt kubelet.Runtime) *timedRuntime {
	return &timedRuntime{Runtime: rt, sbStart: map[string]time.Time{}, sbDur: map[string]time.Duration{},
		ctrDur: map[string]time.Duration{}, ctrDone: map[string]time.Time{}, sbPod: map[string]string{}, ctrPod: map[string]string{}, ctrCreate: map[string]time.Time{}}
}

func (t *timedRuntime) RunPodSandbox(ctx context.Context, cfg *kubelet.PodSandboxConfig) (string, error) {
	start := time.Now()
	id, err := t.Runtime.RunPodSandbox(ctx, cfg)
	t.mu.Lock()
	t.sbStart[cfg.Metadata.Name] = start
	t.sbDur[cfg.Metadata.Name] = time.Since(start)
	t.sbPod[id] = cfg.Metadata.Name
	t.mu.Unlock()
	return id, err
}

func (t *timedRuntime) CreateContainer(ctx context.Context, sandboxID string, cfg *kubelet.ContainerConfig, sb *kubelet.PodSandboxConfig) (string, error) {
	start := time.Now()
	id, err := t.Runtime.CreateContainer(ctx, sandboxID, cfg, sb)
	t.mu.Lock()
	t.ctrPod[id] = t.sbPod[sandboxID]
	t.ctrCreate[id] = start
	t.mu.Unlock()
	return id, err
}

func (t *timedRuntime) StartContainer(ctx context.Context, id string) error {
	err := t.Runtime.StartContainer(ctx, id)
	t.mu.Lock()
	if pod := t.ctrPod[id]; pod != "" {
		t.ctrDone[pod] = time.Now()
		t.ctrDur[pod] = t.ctrDone[pod].Sub(t.ctrCreate[id])
	}
	t.mu.Unlock()
	return err
}
