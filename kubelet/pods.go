package kubelet

import (
	"context"
	"fmt"
	"os"
	"sync"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
)

// Labels the kubelet puts on sandboxes and containers, to find them again
// (after a restart, too).
const (
	LabelPodUID        = "io.kubernetes.pod.uid"
	LabelPodName       = "io.kubernetes.pod.name"
	LabelPodNamespace  = "io.kubernetes.pod.namespace"
	LabelContainerName = "io.kubernetes.container.name"
	// LabelNode marks the sandboxes of one kubelet, so that kubelets
	// sharing a Runtime leave each other's sandboxes alone.
	LabelNode = "rigging.dev/node"
	// AnnotationPodIPs on a sandbox keeps the pod IPs the NetworkPlugin
	// gave it (comma-separated), for a restarted kubelet.
	AnnotationPodIPs = "rigging.dev/pod-ips"
)

// runPods runs the informer of the pods bound to this node and one worker
// per pod, until ctx ends; it then stops every worker and waits for them.
func (k *Kubelet) runPods(ctx context.Context) error {
	var wg sync.WaitGroup
	k.sandboxesAtStart = k.listSandboxUIDs(ctx)
	reg, err := k.informer.AddEventHandler(client.HandlerFuncs[corev1.Pod]{
		AddFunc:    func(p *corev1.Pod, _ bool) { k.dispatch(ctx, &wg, p, false) },
		UpdateFunc: func(_, p *corev1.Pod) { k.dispatch(ctx, &wg, p, false) },
		DeleteFunc: func(p *corev1.Pod, _ bool) { k.dispatch(ctx, &wg, p, true) },
	})
	if err != nil {
		return fmt.Errorf("kubelet: %w", err)
	}
	informerDone := make(chan struct{})
	go func() {
		defer close(informerDone)
		_ = k.informer.Run(ctx)
	}()
	if client.WaitForCacheSync(ctx, reg) {
		k.cleanupOrphans(ctx)
	}
	<-informerDone
	wg.Wait()
	return nil
}

// listSandboxUIDs returns the UIDs of the pods that have a sandbox of
// this node in the Runtime, or nil when the Runtime cannot list them.
func (k *Kubelet) listSandboxUIDs(ctx context.Context) map[string]bool {
	sbs, err := k.cfg.Runtime.ListPodSandbox(ctx, &PodSandboxFilter{LabelSelector: map[string]string{LabelNode: k.cfg.NodeName}})
	if err != nil {
		k.log.Error(k.runtimeErr("list_podsandbox", err), "list sandboxes")
		return nil
	}
	uids := make(map[string]bool, len(sbs))
	for _, sb := range sbs {
		uids[sb.Labels[LabelPodUID]] = true
	}
	return uids
}

// dispatch hands a pod event to the pod's worker, starting one if needed.
func (k *Kubelet) dispatch(ctx context.Context, wg *sync.WaitGroup, p *corev1.Pod, deleted bool) {
	uid := string(p.UID)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || ctx.Err() != nil {
		return
	}
	w, ok := k.workers[uid]
	if !ok {
		if deleted {
			// No worker: a pod that finished earlier is gone; release
			// what is left of it on the node.
			w = newPodWorker(k, p)
			w.update(p, true)
		} else {
			w = newPodWorker(k, p)
		}
		k.workers[uid] = w
		wg.Go(func() { w.run(ctx) })
		return
	}
	w.update(p, deleted)
}

// workerDone removes a finished worker.
func (k *Kubelet) workerDone(w *podWorker) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.workers[w.uid] == w {
		delete(k.workers, w.uid)
	}
}

// cleanupOrphans removes the sandboxes, pod directories and log files of
// this node's pods that no longer exist (deleted while the kubelet was
// down).
func (k *Kubelet) cleanupOrphans(ctx context.Context) {
	known := map[string]bool{}
	for _, p := range k.informer.Store().List() {
		known[string(p.UID)] = true
	}
	sbs, err := k.cfg.Runtime.ListPodSandbox(ctx, &PodSandboxFilter{LabelSelector: map[string]string{LabelNode: k.cfg.NodeName}})
	if err != nil {
		k.log.Error(k.runtimeErr("list_podsandbox", err), "list sandboxes")
		return
	}
	for _, sb := range sbs {
		uid := sb.Labels[LabelPodUID]
		if known[uid] {
			continue
		}
		k.log.Info("removing orphaned sandbox", "sandbox", sb.ID, "podUID", uid)
		if err := k.cfg.Runtime.StopPodSandbox(ctx, sb.ID); err != nil {
			k.log.Error(k.runtimeErr("stop_podsandbox", err), "stop orphaned sandbox", "sandbox", sb.ID)
		}
		if err := k.cfg.Runtime.RemovePodSandbox(ctx, sb.ID); err != nil {
			k.log.Error(k.runtimeErr("remove_podsandbox", err), "remove orphaned sandbox", "sandbox", sb.ID)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	gone := func(uid string) bool {
		_, running := k.workers[uid]
		return !known[uid] && !running
	}
	if ents, err := os.ReadDir(k.podDir("")); err == nil {
		for _, e := range ents {
			if gone(e.Name()) {
				if k.unpublishCSIVolumes(ctx, nil, e.Name()) != nil {
					continue // logged; kept for the next start
				}
				_ = os.RemoveAll(k.podDir(e.Name()))
			}
		}
	}
	k.removeLogs(gone)
}

// podByName returns a cached pod of this node.
func (k *Kubelet) podByName(ns, name string) (*corev1.Pod, bool) {
	if k.informer == nil {
		return nil, false
	}
	return k.informer.Store().GetByKey(client.Key(ns, name))
}
