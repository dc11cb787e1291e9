package kubelet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// Pod directory layout under Config.RootDir:
//
//	pods/<uid>/volumes/<kind>/<volume>   emptyDir, secret and configMap contents
//	pods/<uid>/logs/<container>/<attempt>.log  container logs (CRI format)
func (k *Kubelet) podDir(uid string) string {
	return filepath.Join(k.cfg.RootDir, "pods", uid)
}

func (k *Kubelet) podLogDir(uid string) string { return filepath.Join(k.podDir(uid), "logs") }

// setupVolumes makes the pod's volumes on the host and returns the host
// path of each by volume name. Secrets and ConfigMaps are read through src.
func (k *Kubelet) setupVolumes(src *envSource, pod *corev1.Pod) (map[string]string, error) {
	out := map[string]string{}
	base := filepath.Join(k.podDir(string(pod.UID)), "volumes")
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.EmptyDir != nil:
			dir := filepath.Join(base, "empty-dir", v.Name)
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return nil, fmt.Errorf("volume %q: %w", v.Name, err)
			}
			out[v.Name] = dir
		case v.HostPath != nil:
			if err := checkHostPath(v.HostPath); err != nil {
				return nil, fmt.Errorf("volume %q: %w", v.Name, err)
			}
			out[v.Name] = v.HostPath.Path
		case v.Secret != nil:
			dir := filepath.Join(base, "secret", v.Name)
			s, err := src.secret(v.Secret.SecretName)
			if err != nil {
				return nil, fmt.Errorf("volume %q: %w", v.Name, err)
			}
			var data map[string][]byte
			if s == nil {
				if !isTrue(v.Secret.Optional) {
					return nil, fmt.Errorf("volume %q: secret %q not found", v.Name, v.Secret.SecretName)
				}
			} else {
				data = s.Data
			}
			if err := writeVolumeFiles(dir, data, v.Secret.Items, v.Secret.DefaultMode, corev1.SecretVolumeSourceDefaultMode, isTrue(v.Secret.Optional)); err != nil {
				return nil, fmt.Errorf("volume %q: %w", v.Name, err)
			}
			out[v.Name] = dir
		case v.ConfigMap != nil:
			dir := filepath.Join(base, "configmap", v.Name)
			cm, err := src.configMap(v.ConfigMap.Name)
			if err != nil {
				return nil, fmt.Errorf("volume %q: %w", v.Name, err)
			}
			var data map[string][]byte
			if cm == nil {
				if !isTrue(v.ConfigMap.Optional) {
					return nil, fmt.Errorf("volume %q: configmap %q not found", v.Name, v.ConfigMap.Name)
				}
			} else {
				data = map[string][]byte{}
				for key, val := range cm.Data {
					data[key] = []byte(val)
				}
				for key, val := range cm.BinaryData {
					data[key] = val
				}
			}
			if err := writeVolumeFiles(dir, data, v.ConfigMap.Items, v.ConfigMap.DefaultMode, corev1.ConfigMapVolumeSourceDefaultMode, isTrue(v.ConfigMap.Optional)); err != nil {
				return nil, fmt.Errorf("volume %q: %w", v.Name, err)
			}
			out[v.Name] = dir
		case v.CSI != nil, v.PersistentVolumeClaim != nil, v.Ephemeral != nil:
			return nil, fmt.Errorf("volume %q: CSI-backed volumes are not supported by this kubelet yet", v.Name)
		default:
			return nil, fmt.Errorf("volume %q: unsupported volume type", v.Name)
		}
	}
	return out, nil
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

// writeVolumeFiles writes data into dir as Kubernetes' secret and
// configMap volumes do: every key as a file, or only items (key -> path,
// with a per-item mode), with defaultMode otherwise. A key in items that
// data lacks is an error unless optional. Files no longer in data are
// removed.
func writeVolumeFiles(dir string, data map[string][]byte, items []corev1.KeyToPath, defaultMode *int32, fallback int32, optional bool) error {
	mode := fallback
	if defaultMode != nil {
		mode = *defaultMode
	}
	if mode < 0 || mode > 0o777 {
		return fmt.Errorf("defaultMode %#o is out of range", mode)
	}
	type file struct {
		data []byte
		mode int32
	}
	files := map[string]file{}
	if len(items) == 0 {
		for key, v := range data {
			files[key] = file{v, mode}
		}
	} else {
		for _, it := range items {
			v, ok := data[it.Key]
			if !ok {
				if optional {
					continue
				}
				return fmt.Errorf("configured key %q not found", it.Key)
			}
			m := mode
			if it.Mode != nil {
				m = *it.Mode
			}
			files[it.Path] = file{v, m}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for p, f := range files {
		clean := filepath.Clean(p)
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("path %q must be relative and may not contain '..'", p)
		}
		full := filepath.Join(dir, clean)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		tmp := full + ".tmp"
		if err := os.WriteFile(tmp, f.data, os.FileMode(f.mode)); err != nil {
			return err
		}
		if err := os.Chmod(tmp, os.FileMode(f.mode)); err != nil {
			return err
		}
		if err := os.Rename(tmp, full); err != nil {
			return err
		}
	}
	// Remove files that are no longer in the object.
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if _, ok := files[rel]; !ok {
			return os.Remove(path)
		}
		return nil
	})
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
