package kubelet

// A pod worker's sandbox: volumes, network, adoption after a restart,
// release.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/cni"
)

// ensureSandbox makes sure the pod has a ready sandbox, with its volumes
// and network, making a new one when there is none or it died. made
// reports that it made one (which has no containers yet).
func (w *podWorker) ensureSandbox(ctx context.Context, pod *corev1.Pod, src *envSource) (made bool, err error) {
	k := w.k
	if w.sandboxID == "" {
		if err := w.adoptSandbox(ctx, pod); err != nil {
			return false, err
		}
		if w.sandboxID != "" {
			vols, err := k.setupVolumes(src, pod)
			if err != nil {
				return false, err
			}
			w.volumes = vols
			if !w.counted {
				w.counted = true
				k.metrics.runningPods.Inc()
			}
			return false, nil
		}
	} else {
		st, err := k.cfg.Runtime.PodSandboxStatus(ctx, w.sandboxID)
		if err == nil && st.State == SandboxReady {
			return false, nil
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return false, k.runtimeErr("podsandbox_status", err)
		}
		// The sandbox died: kill what is left and make a new one.
		k.log.Info("pod sandbox is gone or not ready; recreating it", "pod", pod.Namespace+"/"+pod.Name, "sandbox", w.sandboxID)
		w.killAll(ctx, pod, 0)
		w.releaseSandbox(ctx)
		w.sandboxAttempt++
	}
	vols, err := k.setupVolumes(src, pod)
	if err != nil {
		return false, err
	}
	w.volumes = vols
	netnsPath := ""
	w.podIPs = nil
	if k.cfg.NetworkPlugin != nil && !pod.Spec.HostNetwork {
		// As a CNI runtime does: make the namespace, then let the plugin
		// wire it.
		att := w.attachment(pod)
		_ = k.cfg.NetNS.Delete(att.NetNS) // a leftover of a crash
		if err := k.cfg.NetNS.Create(att.NetNS); err != nil {
			return false, fmt.Errorf("create the pod network namespace: %w", err)
		}
		res, err := k.cfg.NetworkPlugin.Add(ctx, att)
		if err != nil {
			if derr := k.cfg.NetworkPlugin.Del(ctx, att); derr != nil {
				k.log.Error(derr, "undo a failed network set-up", "attachment", att.ContainerID)
			}
			_ = k.cfg.NetNS.Delete(att.NetNS)
			return false, fmt.Errorf("set up the pod network: %w", err)
		}
		w.net = &att
		netnsPath = att.NetNS
		for _, ip := range res.PrimaryIPs() {
			w.podIPs = append(w.podIPs, ip.String())
		}
	}
	w.logs = logsFlat // its LogDirectory, <RootDir>/logs, is made by New
	cfg := w.sandboxConfig(pod, w.sandboxAttempt, netnsPath)
	if len(w.podIPs) > 0 {
		// Kept with the sandbox, for a kubelet that adopts it later.
		cfg.Annotations = maps.Clone(cfg.Annotations)
		if cfg.Annotations == nil {
			cfg.Annotations = map[string]string{}
		}
		cfg.Annotations[AnnotationPodIPs] = strings.Join(w.podIPs, ",")
	}
	id, err := k.cfg.Runtime.RunPodSandbox(ctx, cfg)
	if err != nil {
		k.runtimeErr("run_podsandbox", err)
		w.releaseNetwork(ctx)
		return false, fmt.Errorf("create pod sandbox: %w", err)
	}
	w.sandboxID, w.sandboxCfg = id, cfg
	if len(w.podIPs) == 0 && !pod.Spec.HostNetwork {
		if st, err := k.cfg.Runtime.PodSandboxStatus(ctx, id); err == nil && st.IP != "" {
			w.podIPs = append([]string{st.IP}, st.AdditionalIPs...)
		}
	}
	if !w.counted {
		w.counted = true
		k.metrics.runningPods.Inc()
	}
	return true, nil
}

// adoptSandbox takes over the ready sandbox of the pod that a previous
// kubelet made (a kubelet restart), if there is one. Only a pod that had
// a sandbox when this kubelet started can have one it did not make, so
// the others skip the runtime call.
func (w *podWorker) adoptSandbox(ctx context.Context, pod *corev1.Pod) error {
	k := w.k
	if k.sandboxesAtStart != nil && !k.sandboxesAtStart[w.uid] {
		return nil
	}
	ready := SandboxReady
	sbs, err := k.cfg.Runtime.ListPodSandbox(ctx, &PodSandboxFilter{State: &ready,
		LabelSelector: map[string]string{LabelPodUID: w.uid, LabelNode: k.cfg.NodeName}})
	if err != nil {
		return k.runtimeErr("list_podsandbox", err)
	}
	for _, sb := range sbs {
		if sb.State != SandboxReady {
			continue
		}
		w.sandboxID = sb.ID
		w.sandboxAttempt = sb.Metadata.Attempt
		// The runtime writes logs under the LogDirectory the sandbox was
		// made with: keep to its layout.
		w.logs = sandboxLogLayout(sb.Labels)
		netnsPath := ""
		if k.cfg.NetworkPlugin != nil && !pod.Spec.HostNetwork {
			// Take over the attachment too, so that it is released with
			// the sandbox.
			att := w.attachment(pod)
			w.net, netnsPath = &att, att.NetNS
		}
		w.sandboxCfg = w.sandboxConfig(pod, sb.Metadata.Attempt, netnsPath)
		w.podIPs = nil
		if ips := sb.Annotations[AnnotationPodIPs]; ips != "" {
			w.podIPs = strings.Split(ips, ",")
		} else if sb.IP != "" {
			w.podIPs = append([]string{sb.IP}, sb.AdditionalIPs...)
		}
		k.log.V(1).Info("adopted pod sandbox", "pod", pod.Namespace+"/"+pod.Name, "sandbox", sb.ID)
		return nil
	}
	return nil
}

func (w *podWorker) sandboxConfig(pod *corev1.Pod, attempt uint32, netns string) *PodSandboxConfig {
	hostname := pod.Spec.Hostname
	if hostname == "" {
		hostname = pod.Name
	}
	ns := NamespaceOptions{Network: NamespaceModePod, NetNSPath: netns, PID: NamespaceModeContainer, IPC: NamespaceModePod}
	if pod.Spec.HostNetwork {
		ns.Network, ns.NetNSPath = NamespaceModeNode, ""
	}
	if pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace {
		ns.PID = NamespaceModePod
	}
	if pod.Spec.HostPID {
		ns.PID = NamespaceModeNode
	}
	if pod.Spec.HostIPC {
		ns.IPC = NamespaceModeNode
	}
	var sysctls map[string]string
	if sc := pod.Spec.SecurityContext; sc != nil && len(sc.Sysctls) > 0 {
		sysctls = map[string]string{}
		for _, s := range sc.Sysctls {
			sysctls[s.Name] = s.Value
		}
	}
	labels := map[string]string{LabelPodUID: w.uid, LabelPodName: pod.Name, LabelPodNamespace: pod.Namespace,
		LabelNode: w.k.cfg.NodeName}
	if w.logs == logsFlat {
		labels[LabelLogLayout] = logLayoutFlat
	}
	return &PodSandboxConfig{
		Metadata:     PodSandboxMetadata{Name: pod.Name, Namespace: pod.Namespace, UID: w.uid, Attempt: attempt},
		Hostname:     hostname,
		LogDirectory: w.k.logDirectory(w.uid, w.logs),
		Labels:       labels,
		Annotations:  pod.Annotations,
		Linux:        LinuxPodSandboxConfig{Namespaces: ns, Sysctls: sysctls},
	}
}

// releaseSandbox stops and removes the sandbox and its network.
func (w *podWorker) releaseSandbox(ctx context.Context) {
	k := w.k
	w.stopAllProbes()
	if w.sandboxID != "" {
		if err := k.cfg.Runtime.StopPodSandbox(ctx, w.sandboxID); err != nil {
			k.log.Error(k.runtimeErr("stop_podsandbox", err), "stop sandbox", "sandbox", w.sandboxID)
		}
		if err := k.cfg.Runtime.RemovePodSandbox(ctx, w.sandboxID); err != nil {
			k.log.Error(k.runtimeErr("remove_podsandbox", err), "remove sandbox", "sandbox", w.sandboxID)
		}
		w.sandboxID = ""
	}
	w.releaseNetwork(ctx)
	if w.counted {
		w.counted = false
		k.metrics.runningPods.Dec()
	}
}

func (w *podWorker) releaseNetwork(ctx context.Context) {
	if w.net == nil {
		return
	}
	if err := w.k.cfg.NetworkPlugin.Del(ctx, *w.net); err != nil {
		w.k.log.Error(err, "tear down the pod network", "attachment", w.net.ContainerID)
	}
	if err := w.k.cfg.NetNS.Delete(w.net.NetNS); err != nil {
		w.k.log.Error(err, "remove the pod network namespace", "netns", w.net.NetNS)
	}
	w.net = nil
}

// attachment is the pod's network attachment for the current sandbox
// attempt: ContainerID "rigging-<pod-uid>-<attempt>", its namespace at
// NetNSDir/<ContainerID>, interface eth0.
func (w *podWorker) attachment(pod *corev1.Pod) cni.Attachment {
	name := fmt.Sprintf("rigging-%s-%d", w.uid, w.sandboxAttempt)
	return cni.Attachment{ContainerID: name, NetNS: filepath.Join(w.k.cfg.NetNSDir, name), IfName: cni.DefaultIfName,
		Pod: cni.PodArgs{Namespace: pod.Namespace, Name: pod.Name, UID: w.uid}}
}

// teardown kills the pod's containers, releases its sandbox and network
// and removes its volumes; with all, also its logs and directory (the pod
// object is gone). A CSI volume that could not be unpublished keeps the
// directories and is returned as an error, for the caller to retry.
func (w *podWorker) teardown(ctx context.Context, pod *corev1.Pod, all bool) error {
	k := w.k
	if w.sandboxID == "" {
		// Maybe made before a restart.
		if sbs, err := k.cfg.Runtime.ListPodSandbox(ctx, &PodSandboxFilter{LabelSelector: map[string]string{LabelPodUID: w.uid, LabelNode: k.cfg.NodeName}}); err == nil {
			for _, sb := range sbs {
				_ = k.runtimeErr("stop_podsandbox", k.cfg.Runtime.StopPodSandbox(ctx, sb.ID))
				_ = k.runtimeErr("remove_podsandbox", k.cfg.Runtime.RemovePodSandbox(ctx, sb.ID))
			}
		}
	} else if all {
		// A pod removed from the API without a graceful deletion: kill at
		// once.
		w.killAll(ctx, pod, 0)
	}
	w.releaseSandbox(ctx)
	if err := k.unpublishCSIVolumes(ctx, pod, w.uid); err != nil {
		return err
	}
	if all {
		k.removePodFiles(w.uid)
		k.stats.forgetPod(w.uid)
	} else {
		_ = os.RemoveAll(filepath.Join(k.podDir(w.uid), "volumes"))
	}
	return nil
}
