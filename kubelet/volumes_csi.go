package kubelet

// Inline (ephemeral) CSI volumes: spec.volumes[].csi, published through
// Config.VolumePlugin's node service as Kubernetes' CSI volume plugin
// publishes them. Such a volume is not staged (NodeStageVolume is for
// volumes mounted once per node); NodePublishVolume makes it appear at
// <RootDir>/pods/<uid>/volumes/kubernetes.io~csi/<volume>/mount, and
// NodeUnpublishVolume undoes that before the pod's directory is removed.
// What was published is written beside the target (vol_data.json) before
// NodePublishVolume is called, so that a restarted kubelet, or one whose
// pod object is gone, still knows what to unpublish.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"syscall"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/csi"
)

// The volume context keys Kubernetes adds for a pod ("pod info on mount")
// and for an ephemeral inline volume.
const (
	csiPodNameKey            = "csi.storage.k8s.io/pod.name"
	csiPodNamespaceKey       = "csi.storage.k8s.io/pod.namespace"
	csiPodUIDKey             = "csi.storage.k8s.io/pod.uid"
	csiServiceAccountNameKey = "csi.storage.k8s.io/serviceAccount.name"
	csiEphemeralKey          = "csi.storage.k8s.io/ephemeral"
)

const (
	// csiPluginDir is the kind directory of CSI volumes under a pod's
	// volumes directory, as Kubernetes names it.
	csiPluginDir = "kubernetes.io~csi"
	// csiVolDataFile records a CSI volume's publication beside its target.
	csiVolDataFile = "vol_data.json"
	// eventFailedUnmount is Kubernetes' reason for a volume that could not
	// be torn down (Warning: "UnmountVolume.TearDown failed for volume
	// <name> : <error>").
	eventFailedUnmount = "FailedUnMount"
)

// csiVolumeData is vol_data.json: what the kubelet published, as
// Kubernetes' CSI plugin records it.
type csiVolumeData struct {
	SpecVolID           string `json:"specVolID"`
	VolumeHandle        string `json:"volumeHandle"`
	DriverName          string `json:"driverName"`
	NodeName            string `json:"nodeName"`
	TargetPath          string `json:"targetPath"`
	VolumeLifecycleMode string `json:"volumeLifecycleMode"`
}

// csiVolumeHandle is the volume ID of an inline volume, as Kubernetes
// derives it: "csi-" and the hex SHA-256 of the pod UID and volume name.
func csiVolumeHandle(podUID, volume string) string {
	return fmt.Sprintf("csi-%x", sha256.Sum256([]byte(podUID+volume)))
}

// csiVolumeDir is the directory of pod uid's CSI volume: it holds
// vol_data.json and the target path, "mount".
func (k *Kubelet) csiVolumeDir(uid, volume string) string {
	return filepath.Join(k.podDir(uid), "volumes", csiPluginDir, volume)
}

// publishCSIVolume publishes pod's inline CSI volume v through the
// VolumePlugin and returns its target path. The nodePublishSecretRef
// Secret is read through src.
func (k *Kubelet) publishCSIVolume(src *envSource, pod *corev1.Pod, v *corev1.Volume) (string, error) {
	ctx, vs := src.ctx, v.CSI
	plugin := k.cfg.VolumePlugin
	if plugin == nil {
		return "", fmt.Errorf("CSI driver %q: no CSI volume plugin is configured on this kubelet (Config.VolumePlugin)", vs.Driver)
	}
	info, err := plugin.GetPluginInfo(ctx)
	if err != nil {
		return "", fmt.Errorf("CSI driver %q: GetPluginInfo: %w", vs.Driver, err)
	}
	if info.Name != vs.Driver {
		return "", fmt.Errorf("driver name %s not found in the list of registered CSI drivers (this kubelet's is %q)", vs.Driver, info.Name)
	}
	var secrets map[string]string
	if ref := vs.NodePublishSecretRef; ref != nil {
		s, err := src.secret(ref.Name)
		if err != nil {
			return "", fmt.Errorf("nodePublishSecretRef: %w", err)
		}
		if s == nil {
			return "", fmt.Errorf("nodePublishSecretRef: secret %q not found", ref.Name)
		}
		secrets = make(map[string]string, len(s.Data))
		for key, val := range s.Data {
			secrets[key] = string(val)
		}
	}
	volCtx := maps.Clone(vs.VolumeAttributes)
	if volCtx == nil {
		volCtx = map[string]string{}
	}
	volCtx[csiPodNameKey] = pod.Name
	volCtx[csiPodNamespaceKey] = pod.Namespace
	volCtx[csiPodUIDKey] = string(pod.UID)
	volCtx[csiServiceAccountNameKey] = pod.Spec.ServiceAccountName
	volCtx[csiEphemeralKey] = "true"
	capability := csi.VolumeCapability{AccessMode: csi.SingleNodeWriter}
	if vs.FSType != nil {
		capability.FsType = *vs.FSType
	}
	dir := k.csiVolumeDir(string(pod.UID), v.Name)
	data := csiVolumeData{SpecVolID: v.Name, VolumeHandle: csiVolumeHandle(string(pod.UID), v.Name), DriverName: vs.Driver,
		NodeName: k.cfg.NodeName, TargetPath: filepath.Join(dir, "mount"), VolumeLifecycleMode: "Ephemeral"}
	// The record first: a publish that fails half-way is still undone.
	if err := writeCSIVolumeData(dir, data); err != nil {
		return "", err
	}
	err = plugin.NodePublishVolume(ctx, csi.NodePublishVolumeRequest{
		VolumeID:         data.VolumeHandle,
		TargetPath:       data.TargetPath,
		VolumeCapability: capability,
		Readonly:         vs.ReadOnly != nil && *vs.ReadOnly,
		Secrets:          secrets,
		VolumeContext:    volCtx,
	})
	if err != nil {
		return "", fmt.Errorf("NodePublishVolume %s: %w", data.VolumeHandle, err)
	}
	return data.TargetPath, nil
}

// writeCSIVolumeData writes data to dir/vol_data.json, atomically.
func writeCSIVolumeData(dir string, data csiVolumeData) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create CSI volume directory: %w", err)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+csiVolDataFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", csiVolDataFile, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, csiVolDataFile)); err != nil {
		return fmt.Errorf("write %s: %w", csiVolDataFile, err)
	}
	return nil
}

// unpublishCSIVolumes unpublishes every CSI volume of pod uid that its
// directory records, and removes each volume's directory once its
// NodeUnpublishVolume succeeded. It returns the failures, joined, each
// logged and, when pod is not nil, recorded as a FailedUnMount event; the
// directories of the failed volumes stay, for the next attempt.
func (k *Kubelet) unpublishCSIVolumes(ctx context.Context, pod *corev1.Pod, uid string) error {
	base := filepath.Join(k.podDir(uid), "volumes", csiPluginDir)
	ents, err := os.ReadDir(base)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list the CSI volumes of pod %s: %w", uid, err)
	}
	var errs []error
	for _, e := range ents {
		if err := k.unpublishCSIVolume(ctx, filepath.Join(base, e.Name())); err != nil {
			k.log.Error(err, "unpublish CSI volume", "podUID", uid, "volume", e.Name())
			k.eventf(pod, corev1.EventTypeWarning, eventFailedUnmount, "UnmountVolume.TearDown failed for volume %q : %v", e.Name(), err)
			errs = append(errs, fmt.Errorf("unpublish volume %q of pod %s: %w", e.Name(), uid, err))
		}
	}
	return errors.Join(errs...)
}

// unpublishCSIVolume unpublishes the volume recorded in dir and removes
// dir.
func (k *Kubelet) unpublishCSIVolume(ctx context.Context, dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, csiVolDataFile))
	if os.IsNotExist(err) {
		// Never handed to the plugin: nothing to undo.
		return os.RemoveAll(dir)
	}
	if err != nil {
		return err
	}
	var data csiVolumeData
	if err := json.Unmarshal(b, &data); err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(dir, csiVolDataFile), err)
	}
	plugin := k.cfg.VolumePlugin
	if plugin == nil {
		return fmt.Errorf("CSI driver %q: no CSI volume plugin is configured on this kubelet (Config.VolumePlugin)", data.DriverName)
	}
	info, err := plugin.GetPluginInfo(ctx)
	if err != nil {
		return fmt.Errorf("CSI driver %q: GetPluginInfo: %w", data.DriverName, err)
	}
	if info.Name != data.DriverName {
		return fmt.Errorf("driver name %s not found in the list of registered CSI drivers (this kubelet's is %q)", data.DriverName, info.Name)
	}
	if err := plugin.NodeUnpublishVolume(ctx, data.VolumeHandle, data.TargetPath); err != nil {
		return fmt.Errorf("NodeUnpublishVolume %s: %w", data.VolumeHandle, err)
	}
	// Removing a directory that is still a mount point would delete the
	// volume's contents.
	if mounted, err := isMountPoint(data.TargetPath); err != nil {
		return err
	} else if mounted {
		return fmt.Errorf("%s is still a mount point after NodeUnpublishVolume", data.TargetPath)
	}
	return os.RemoveAll(dir)
}

// isMountPoint reports whether path is likely mounted on: its device
// differs from its parent's (as Kubernetes' IsLikelyNotMountPoint, a bind
// mount within one filesystem is not seen). A missing path is not.
func isMountPoint(path string) (bool, error) {
	fi, err := os.Lstat(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	pi, err := os.Lstat(filepath.Dir(path))
	if err != nil {
		return false, err
	}
	a, ok1 := fi.Sys().(*syscall.Stat_t)
	b, ok2 := pi.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && a.Dev != b.Dev, nil
}

// retryCSITeardown tears down again the volumes of a finished pod whose
// CSI volumes could not all be unpublished when it finished (their
// directory is still there); otherwise it does nothing.
func (w *podWorker) retryCSITeardown(ctx context.Context, pod *corev1.Pod) error {
	if _, err := os.Stat(filepath.Join(w.k.podDir(w.uid), "volumes", csiPluginDir)); os.IsNotExist(err) {
		return nil
	}
	return w.teardown(ctx, pod, false)
}
