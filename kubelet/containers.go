package kubelet

// Container operations of a pod worker: config, start, probes, kill.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// startCreated starts a container that was created but not started (a
// start that failed half way, or a kubelet restart in between).
func (w *podWorker) startCreated(ctx context.Context, cur *instance) {
	if err := w.k.cfg.Runtime.StartContainer(ctx, cur.ID); err != nil {
		w.k.runtimeErr("start_container", err)
		w.waiting[cur.Metadata.Name] = corev1.ContainerStateWaiting{Reason: "RunContainerError", Message: err.Error()}
		w.containerEventf(cur.Metadata.Name, corev1.EventTypeWarning, eventFailed, "Error: %v", err)
		return
	}
	w.startSeen[cur.ID] = w.k.clock.Now()
}

// containerConfig builds a container's runtime config.
func (w *podWorker) containerConfig(pod *corev1.Pod, c *corev1.Container, src *envSource, attempt uint32) (*ContainerConfig, error) {
	ips := w.podIPs
	if len(ips) == 0 {
		ips = []string{w.k.nodeIP} // host network
	}
	env, err := makeEnv(src, pod, c, ips[0], ips, w.k.nodeIP)
	if err != nil {
		return nil, err
	}
	mounts, err := mountsFor(c, w.volumes)
	if err != nil {
		return nil, err
	}
	return &ContainerConfig{
		Metadata:   ContainerMetadata{Name: c.Name, Attempt: attempt},
		Image:      c.Image,
		Command:    expandCommand(c.Command, env),
		Args:       expandCommand(c.Args, env),
		WorkingDir: c.WorkingDir,
		Envs:       env,
		Mounts:     mounts,
		LogPath:    containerLogPath(w.logs, w.uid, c.Name, attempt),
		Labels: map[string]string{LabelContainerName: c.Name, LabelPodUID: string(pod.UID),
			LabelPodName: pod.Name, LabelPodNamespace: pod.Namespace},
		Resources: containerResources(c),
	}, nil
}

// containerResources maps a container's limits and requests to cgroup
// settings as the kubelet does (100 ms CFS period, shares from requests).
func containerResources(c *corev1.Container) LinuxContainerResources {
	var r LinuxContainerResources
	if q, ok := c.Resources.Limits[corev1.ResourceCPU]; ok && q.Sign() > 0 {
		r.CPUPeriod = 100000
		r.CPUQuota = max(q.MilliValue()*100000/1000, 1000)
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok && q.Sign() > 0 {
		r.MemoryLimitInBytes = q.Value()
	}
	cpuReq, ok := c.Resources.Requests[corev1.ResourceCPU]
	if !ok {
		cpuReq, ok = c.Resources.Limits[corev1.ResourceCPU]
	}
	if ok && cpuReq.Sign() > 0 {
		r.CPUShares = min(max(cpuReq.MilliValue()*1024/1000, 2), 262144)
	} else {
		r.CPUShares = 2
	}
	return r
}

// startContainer creates and starts attempt of container c, recording a
// waiting reason when it cannot.
func (w *podWorker) startContainer(ctx context.Context, pod *corev1.Pod, c *corev1.Container, src *envSource, attempt uint32) {
	k := w.k
	cfg, err := w.containerConfig(pod, c, src, attempt)
	if err != nil {
		w.waiting[c.Name] = corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: err.Error()}
		k.containerEventf(pod, c, corev1.EventTypeWarning, eventFailed, "Error: %v", err)
		return
	}
	// The kubelet owns the log layout (runtimes open LogDirectory/LogPath
	// but need not make directories): the flat layout's directory is the
	// node's, made by New; the nested one of an adopted sandbox has a
	// directory per container.
	if w.logs == logsNested {
		if err := mkdir(filepath.Join(k.nestedLogDir(w.uid), c.Name)); err != nil {
			w.waiting[c.Name] = corev1.ContainerStateWaiting{Reason: "CreateContainerError", Message: err.Error()}
			return
		}
	}
	id, err := k.cfg.Runtime.CreateContainer(ctx, w.sandboxID, cfg, w.sandboxCfg)
	if err != nil {
		k.runtimeErr("create_container", err)
		w.waiting[c.Name] = corev1.ContainerStateWaiting{Reason: "CreateContainerError", Message: err.Error()}
		k.containerEventf(pod, c, corev1.EventTypeWarning, eventFailed, "Error: %v", err)
		return
	}
	w.lastAttempt[c.Name] = attempt
	delete(w.waiting, c.Name)
	k.containerEventf(pod, c, corev1.EventTypeNormal, eventCreated, "Created container: %s", c.Name)
	if err := k.cfg.Runtime.StartContainer(ctx, id); err != nil {
		k.runtimeErr("start_container", err)
		k.log.Error(err, "start container", "pod", pod.Namespace+"/"+pod.Name, "container", c.Name)
		k.containerEventf(pod, c, corev1.EventTypeWarning, eventFailed, "Error: %v", err)
	} else {
		w.startSeen[id] = k.clock.Now()
		k.containerEventf(pod, c, corev1.EventTypeNormal, eventStarted, "Started container %s", c.Name)
		if c.Lifecycle != nil && c.Lifecycle.PostStart != nil {
			h := c.Lifecycle.PostStart
			if ok, herr := runHandler(ctx, k, c, id, w.podIP(), h.Exec, h.HTTPGet, h.TCPSocket, 30*time.Second); !ok {
				k.log.Info("postStart hook failed; killing the container", "pod", pod.Namespace+"/"+pod.Name, "container", c.Name, "error", errString(herr))
				_ = k.runtimeErr("stop_container", k.cfg.Runtime.StopContainer(ctx, id, 0))
			}
		}
	}
	// Keep the new attempt and the one before it (for lastState and
	// previous logs); remove older ones.
	if attempt >= 2 {
		list, err := k.cfg.Runtime.ListContainers(ctx, &ContainerFilter{SandboxID: w.sandboxID,
			LabelSelector: map[string]string{LabelContainerName: c.Name}})
		if err == nil {
			for _, old := range list {
				if old.Metadata.Attempt+1 < attempt {
					w.stopProbes(old.ID)
					delete(w.exitSeen, old.ID)
					delete(w.startSeen, old.ID)
					delete(w.termMessages, old.ID)
					_ = k.runtimeErr("remove_container", k.cfg.Runtime.RemoveContainer(ctx, old.ID))
					_ = os.Remove(filepath.Join(k.logDirectory(w.uid, w.logs), containerLogPath(w.logs, w.uid, c.Name, old.Metadata.Attempt)))
				}
			}
		}
	}
}

func (w *podWorker) podIP() string {
	if len(w.podIPs) > 0 {
		return w.podIPs[0]
	}
	return w.k.nodeIP
}

// ensureProbes starts the probes of a running container instance once.
func (w *podWorker) ensureProbes(ctx context.Context, pod *corev1.Pod, c *corev1.Container, cur *instance) {
	if _, ok := w.probes[cur.ID]; ok {
		return
	}
	started, ok := w.startSeen[cur.ID]
	if !ok {
		started = w.k.clock.Now()
		w.startSeen[cur.ID] = started
	}
	w.probes[cur.ID] = newContainerProbes(ctx, w.k, pod, c, cur.ID, w.podIP(), started, w.poke)
}

func (w *podWorker) stopProbes(id string) {
	if p, ok := w.probes[id]; ok {
		p.stop()
		delete(w.probes, id)
	}
}

// probeGrace is the grace period of a kill after a failed probe: the
// probe's terminationGracePeriodSeconds, else the pod's.
func (w *podWorker) probeGrace(pod *corev1.Pod, c *corev1.Container, which string) time.Duration {
	pr := c.LivenessProbe
	if which == "startup" {
		pr = c.StartupProbe
	}
	if pr != nil && pr.TerminationGracePeriodSeconds != nil {
		return time.Duration(*pr.TerminationGracePeriodSeconds) * time.Second
	}
	return podGrace(pod)
}

// podGrace is spec.terminationGracePeriodSeconds (default 30 s).
func podGrace(pod *corev1.Pod) time.Duration {
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(max(*g, 0)) * time.Second
	}
	return corev1.DefaultTerminationGracePeriodSeconds * time.Second
}

// killContainer stops a running container gracefully: its preStop hook
// (bounded by the grace period), then StopContainer with what is left of
// the grace period. It may run on goroutines other than the worker's
// (killAll), so it touches no worker state; callers stop the container's
// probes first.
func (w *podWorker) killContainer(ctx context.Context, pod *corev1.Pod, c *corev1.Container, cur *instance, grace time.Duration) {
	k := w.k
	start := k.clock.Now()
	if c != nil && c.Lifecycle != nil && c.Lifecycle.PreStop != nil && grace > 0 && cur.State == ContainerRunning {
		h := c.Lifecycle.PreStop
		hctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if h.Sleep != nil {
				t := k.clock.NewTimer(time.Duration(h.Sleep.Seconds) * time.Second)
				select {
				case <-t.C():
				case <-hctx.Done():
					t.Stop()
				}
				return
			}
			if ok, err := runHandler(hctx, k, c, cur.ID, w.podIP(), h.Exec, h.HTTPGet, h.TCPSocket, grace); !ok {
				k.log.Info("preStop hook failed", "pod", pod.Namespace+"/"+pod.Name, "container", c.Name, "error", errString(err))
			}
		}()
		t := k.clock.NewTimer(grace)
		select {
		case <-done:
		case <-t.C():
		case <-ctx.Done():
		}
		t.Stop()
		cancel()
		<-done
	}
	remaining := max(grace-k.clock.Now().Sub(start), 0)
	if err := k.cfg.Runtime.StopContainer(ctx, cur.ID, remaining); err != nil {
		k.runtimeErr("stop_container", err)
		k.log.Error(err, "stop container", "pod", pod.Namespace+"/"+pod.Name, "container", cur.Metadata.Name)
	}
}

// killAll stops every running container of the pod at once, each with
// the grace period, and waits for them.
func (w *podWorker) killAll(ctx context.Context, pod *corev1.Pod, grace time.Duration) {
	insts, err := w.podContainers(ctx)
	if err != nil {
		return
	}
	deadline := w.k.clock.Now().Add(grace)
	// As Kubernetes does: the containers (and plain init containers) at
	// once, then the sidecars one by one in reverse order, all within the
	// one grace period.
	var sidecars []string
	if pod != nil {
		for i := len(pod.Spec.InitContainers) - 1; i >= 0; i-- {
			if c := &pod.Spec.InitContainers[i]; isSidecar(c) {
				sidecars = append(sidecars, c.Name)
			}
		}
	}
	kill := func(names []string, parallel bool) {
		var wg sync.WaitGroup
		for _, name := range names {
			for _, cur := range insts[name] {
				if cur.State != ContainerRunning && cur.State != ContainerCreated {
					continue
				}
				c := findContainer(pod, name)
				w.stopProbes(cur.ID)
				w.k.containerEventf(pod, c, corev1.EventTypeNormal, eventKilling, "Stopping container %s", name)
				g := max(deadline.Sub(w.k.clock.Now()), 0)
				if parallel {
					wg.Go(func() { w.killContainer(ctx, pod, c, cur, g) })
				} else {
					w.killContainer(ctx, pod, c, cur, g)
				}
			}
		}
		wg.Wait()
	}
	var first []string
	for name := range insts {
		if !slices.Contains(sidecars, name) {
			first = append(first, name)
		}
	}
	kill(first, true)
	kill(sidecars, false)
}

func findContainer(pod *corev1.Pod, name string) *corev1.Container {
	if pod == nil {
		return nil
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	return nil
}
