package kubelet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// The pod directory's layout is in poddir.go.

// setupVolumes makes the pod's volumes on the host and returns the host
// path of each by volume name. Secrets and ConfigMaps are read through src
// (their later changes reach the volume through refreshVolumes); inline
// CSI volumes are published through Config.VolumePlugin. A volume that
// cannot be set up is reported as a FailedMount event. A pod without
// volumes gets nil.
func (k *Kubelet) setupVolumes(src *envSource, pod *corev1.Pod) (map[string]string, error) {
	if len(pod.Spec.Volumes) == 0 {
		return nil, nil // no map to make
	}
	out := make(map[string]string, len(pod.Spec.Volumes))
	base := filepath.Join(k.podDir(string(pod.UID)), "volumes")
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		switch {
		case v.EmptyDir != nil:
			dir := filepath.Join(base, "empty-dir", v.Name)
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return nil, k.failedMount(pod, v.Name, err)
			}
			out[v.Name] = dir
		case v.HostPath != nil:
			if err := checkHostPath(v.HostPath); err != nil {
				return nil, k.failedMount(pod, v.Name, err)
			}
			out[v.Name] = v.HostPath.Path
		case v.Secret != nil:
			s, err := src.secret(v.Secret.SecretName)
			if err != nil {
				return nil, k.failedMount(pod, v.Name, err)
			}
			c := sourceContent{}
			if s != nil {
				c = sourceContent{rv: s.ResourceVersion, data: s.Data, found: true}
			}
			if out[v.Name], err = k.writeSourceVolume(pod, v, c); err != nil {
				return nil, k.failedMount(pod, v.Name, err)
			}
		case v.ConfigMap != nil:
			cm, err := src.configMap(v.ConfigMap.Name)
			if err != nil {
				return nil, k.failedMount(pod, v.Name, err)
			}
			c := sourceContent{}
			if cm != nil {
				c = sourceContent{rv: cm.ResourceVersion, data: configMapData(cm), found: true}
			}
			if out[v.Name], err = k.writeSourceVolume(pod, v, c); err != nil {
				return nil, k.failedMount(pod, v.Name, err)
			}
		case v.CSI != nil:
			dir, err := k.publishCSIVolume(src, pod, v)
			if err != nil {
				return nil, k.failedMount(pod, v.Name, err)
			}
			out[v.Name] = dir
		case v.PersistentVolumeClaim != nil, v.Ephemeral != nil:
			return nil, k.failedMount(pod, v.Name, errors.New("persistentVolumeClaim and generic ephemeral volumes are not supported by this kubelet yet (they need volume binding); use an inline csi volume"))
		default:
			return nil, k.failedMount(pod, v.Name, errors.New("unsupported volume type"))
		}
	}
	return out, nil
}

// refreshVolumes brings the pod's secret and configMap volumes up to date
// with their objects, as the kubelet's watches of them see them (see
// volume_sources.go): a volume whose object changed since it was written
// is written again, atomically, while the containers run. It starts the
// watches of the pod's sources on its first call. A volume that cannot be
// refreshed (a source that is gone and not optional) keeps its files and
// is reported as a FailedMount event, once per change of the source.
func (w *podWorker) refreshVolumes(ctx context.Context, pod *corev1.Pod) {
	k := w.k
	k.volSources.track(ctx, w.uid, pod, w.poke)
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		key, ok := sourceOf(pod.Namespace, v)
		if !ok {
			continue
		}
		c, synced := k.volSources.lookup(key)
		if !synced {
			continue
		}
		if rv, ok := k.volSources.lastWritten(w.uid, v.Name); ok && rv == c.rv {
			continue
		}
		if _, err := k.writeSourceVolume(pod, v, c); err != nil {
			k.log.Error(err, "refresh volume", "pod", pod.Namespace+"/"+pod.Name, "volume", v.Name)
			_ = k.failedMount(pod, v.Name, err)
		}
	}
}

// writeSourceVolume writes secret or configMap volume v of pod from c,
// the content of its object, and returns its host path.
func (k *Kubelet) writeSourceVolume(pod *corev1.Pod, v *corev1.Volume, c sourceContent) (string, error) {
	base := filepath.Join(k.podDir(string(pod.UID)), "volumes")
	var dir, kind, name string
	var items []corev1.KeyToPath
	var defaultMode *int32
	var fallback int32
	var optional bool
	if s := v.Secret; s != nil {
		dir, kind, name = filepath.Join(base, "secret", v.Name), "secret", s.SecretName
		items, defaultMode, fallback, optional = s.Items, s.DefaultMode, corev1.SecretVolumeSourceDefaultMode, isTrue(s.Optional)
	} else {
		cm := v.ConfigMap
		dir, kind, name = filepath.Join(base, "configmap", v.Name), "configmap", cm.Name
		items, defaultMode, fallback, optional = cm.Items, cm.DefaultMode, corev1.ConfigMapVolumeSourceDefaultMode, isTrue(cm.Optional)
	}
	// Whatever the outcome, this version of the source has been tried.
	k.volSources.setWritten(string(pod.UID), v.Name, c.rv)
	if !c.found && !optional {
		return "", fmt.Errorf("%s %q not found", kind, name)
	}
	payload, err := volumePayload(c.data, items, defaultMode, fallback, optional)
	if err != nil {
		return "", err
	}
	if _, err := writeAtomic(dir, payload); err != nil {
		return "", err
	}
	return dir, nil
}

// checkHostPath checks (and for the OrCreate types makes) a hostPath.
func checkHostPath(hp *corev1.HostPathVolumeSource) error {
	if !filepath.IsAbs(hp.Path) {
		return fmt.Errorf("hostPath %q is not absolute", hp.Path)
	}
	typ := corev1.HostPathUnset
	if hp.Type != nil {
		typ = *hp.Type
	}
	fi, err := os.Stat(hp.Path)
	switch typ {
	case corev1.HostPathUnset:
		return nil
	case corev1.HostPathDirectoryOrCreate:
		if os.IsNotExist(err) {
			return os.MkdirAll(hp.Path, 0o755)
		}
		if err == nil && !fi.IsDir() {
			return fmt.Errorf("hostPath type check failed: %s is not a directory", hp.Path)
		}
		return err
	case corev1.HostPathDirectory:
		if err != nil || !fi.IsDir() {
			return fmt.Errorf("hostPath type check failed: %s is not a directory", hp.Path)
		}
	case corev1.HostPathFileOrCreate:
		if os.IsNotExist(err) {
			if err := os.MkdirAll(filepath.Dir(hp.Path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(hp.Path, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
		if err == nil && !fi.Mode().IsRegular() {
			return fmt.Errorf("hostPath type check failed: %s is not a file", hp.Path)
		}
		return err
	case corev1.HostPathFile:
		if err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("hostPath type check failed: %s is not a file", hp.Path)
		}
	case corev1.HostPathSocket:
		if err != nil || fi.Mode()&os.ModeSocket == 0 {
			return fmt.Errorf("hostPath type check failed: %s is not a socket file", hp.Path)
		}
	case corev1.HostPathCharDev:
		if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			return fmt.Errorf("hostPath type check failed: %s is not a character device", hp.Path)
		}
	case corev1.HostPathBlockDev:
		if err != nil || fi.Mode()&os.ModeDevice == 0 || fi.Mode()&os.ModeCharDevice != 0 {
			return fmt.Errorf("hostPath type check failed: %s is not a block device", hp.Path)
		}
	default:
		return fmt.Errorf("unknown hostPath type %q", typ)
	}
	return nil
}

// volumePayload is the files of a secret or configMap volume, as
// Kubernetes makes them: every key of data as a file, or only items (key
// -> path, with a per-item mode), with defaultMode (else fallback) as the
// mode. A key in items that data lacks is an error unless optional; a
// missing optional object (nil data) gives no files.
func volumePayload(data map[string][]byte, items []corev1.KeyToPath, defaultMode *int32, fallback int32, optional bool) (map[string]volumeFile, error) {
	mode := fallback
	if defaultMode != nil {
		mode = *defaultMode
	}
	if mode < 0 || mode > 0o777 {
		return nil, fmt.Errorf("defaultMode %#o is out of range", mode)
	}
	files := map[string]volumeFile{}
	if len(items) == 0 {
		for key, v := range data {
			files[key] = volumeFile{v, os.FileMode(mode)}
		}
		return files, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf("configured key %q not found", it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = *it.Mode
		}
		if m < 0 || m > 0o777 {
			return nil, fmt.Errorf("mode %#o of item %q is out of range", m, it.Key)
		}
		files[it.Path] = volumeFile{v, os.FileMode(m)}
	}
	return files, nil
}

// mountsFor returns the container's mounts.
func mountsFor(c *corev1.Container, volumes map[string]string) ([]Mount, error) {
	var out []Mount
	for _, vm := range c.VolumeMounts {
		host, ok := volumes[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %q: no volume of that name", vm.Name)
		}
		if vm.SubPath != "" {
			clean := filepath.Clean(vm.SubPath)
			if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
				return nil, fmt.Errorf("volume mount %q: subPath %q must be relative and may not contain '..'", vm.Name, vm.SubPath)
			}
			host = filepath.Join(host, clean)
			if _, err := os.Stat(host); os.IsNotExist(err) {
				if err := os.MkdirAll(host, 0o755); err != nil {
					return nil, fmt.Errorf("volume mount %q: %w", vm.Name, err)
				}
			}
		}
		out = append(out, Mount{ContainerPath: vm.MountPath, HostPath: host, Readonly: vm.ReadOnly})
	}
	return out, nil
}
