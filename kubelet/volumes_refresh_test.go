package kubelet_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// volumeDir is the host directory of a pod's volume.
func (h *harness) volumeDir(p *corev1.Pod, kind, volume string) string {
	return filepath.Join(h.rootDir, "pods", string(p.UID), "volumes", kind, volume)
}

// listVolume returns the user-visible files of dir (read through their
// symlinks) and their contents.
func listVolume(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read volume: %v", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") {
			continue
		}
		// A trailing slash makes WalkDir follow a symlink to a directory.
		root := filepath.Join(dir, e.Name()) + "/"
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if path == root { // a file: the slash does not fit it
					return readInto(out, dir, filepath.Join(dir, e.Name()))
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			return readInto(out, dir, path)
		})
		if err != nil {
			t.Fatalf("walk volume: %v", err)
		}
	}
	return out
}

// readInto reads the file at path into out, keyed by its path under dir.
func readInto(out map[string]string, dir, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(dir, filepath.Clean(path))
	if err != nil {
		return err
	}
	out[rel] = string(b)
	return nil
}

// TestConfigMapVolumeFollowsUpdates updates a ConfigMap under a running
// pod: the files change in place (the container is not restarted),
// removed keys disappear, and a reader never sees a file half written.
func TestConfigMapVolumeFollowsUpdates(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	cms, err := client.For[corev1.ConfigMap](h.env.Client)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	big := func(c byte) string { return strings.Repeat(string(c), 1<<16) }
	cm, err := cms.Namespace("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "default"},
		Data:       map[string]string{"app.conf": big('a'), "old": "going away"},
	}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod := simplePod("reader", ctr("app", "server"))
	pod.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}}}
	p := h.createPod(pod)
	p = h.waitPod("reader", "running", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return cs != nil && cs.State.Running != nil
	})
	containerID := cstatus(p, "app").ContainerID
	dir := h.volumeDir(p, "configmap", "cfg")
	if d := cmp.Diff(map[string]string{"app.conf": big('a'), "old": "going away"}, listVolume(t, dir)); d != "" {
		t.Fatalf("initial files (-want +got):\n%s", d)
	}
	// The atomic layout: each key a symlink into ..data, a symlink to a
	// timestamped directory.
	if target, err := os.Readlink(filepath.Join(dir, "app.conf")); err != nil || target != "..data/app.conf" {
		t.Errorf("app.conf -> %q (%v), want ..data/app.conf", target, err)
	}
	firstTS, err := os.Readlink(filepath.Join(dir, "..data"))
	if err != nil || !strings.HasPrefix(firstTS, "..20") {
		t.Errorf("..data -> %q (%v), want a ..<timestamp> directory", firstTS, err)
	}

	// A reader opens the file over and over during the updates: every
	// read must be one whole version.
	valid := map[string]bool{big('a'): true, big('b'): true, big('c'): true}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex // guards bad and reads
	var bad []string
	reads := 0
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(filepath.Join(dir, "app.conf"))
			mu.Lock()
			switch {
			case errors.Is(err, fs.ErrNotExist):
				// The path resolved through a version just removed:
				// not a partial read.
			case err != nil:
				bad = append(bad, err.Error())
			case !valid[string(b)]:
				bad = append(bad, "partial content of "+itoa(int32(len(b)))+" bytes")
			default:
				reads++
			}
			mu.Unlock()
		}
	})

	for _, v := range []string{big('b'), big('c')} {
		cm.Data = map[string]string{"app.conf": v, "new": "arrived"}
		if cm, err = cms.Namespace("default").Update(ctx, cm, client.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		h.eventually("the volume to follow the update", func() (bool, string) {
			b, err := os.ReadFile(filepath.Join(dir, "app.conf"))
			if err != nil {
				return false, err.Error()
			}
			return string(b) == v, "content starts " + string(b[:1])
		}, nil)
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	if len(bad) > 0 {
		t.Errorf("the reader saw %d bad reads, first: %s", len(bad), bad[0])
	}
	if reads == 0 {
		t.Error("the reader read nothing")
	}
	mu.Unlock()

	if d := cmp.Diff(map[string]string{"app.conf": big('c'), "new": "arrived"}, listVolume(t, dir)); d != "" {
		t.Errorf("files after the updates (-want +got):\n%s", d)
	}
	// Only the current version is left.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	cur, _ := os.Readlink(filepath.Join(dir, "..data"))
	if want := []string{cur, "..data", "app.conf", "new"}; !cmp.Equal(want, names) || cur == firstTS {
		t.Errorf("volume directory holds %q, want %q with a new version", names, want)
	}
	p, err = h.pods.Get(ctx, "reader", client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cs := cstatus(p, "app"); cs.ContainerID != containerID || cs.RestartCount != 0 {
		t.Errorf("the container was restarted: %s -> %s, restarts %d", containerID, cs.ContainerID, cs.RestartCount)
	}
}

// TestSecretVolumeItemsModesAndOptional checks items, defaultMode and
// optional as Kubernetes applies them, and that a deleted optional
// Secret empties the volume.
func TestSecretVolumeItemsModesAndOptional(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	secrets, err := client.For[corev1.Secret](h.env.Client)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := secrets.Namespace("default").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "default"},
		Data:       map[string][]byte{"user": []byte("admin"), "pass": []byte("hunter2"), "unused": []byte("x")},
	}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mode, passMode := int32(0o440), int32(0o400)
	optional := true
	pod := simplePod("secrets", ctr("app", "server"))
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: "creds", DefaultMode: &mode, Optional: &optional,
			Items: []corev1.KeyToPath{{Key: "user", Path: "conf/user"}, {Key: "pass", Path: "pass", Mode: &passMode},
				{Key: "absent", Path: "absent"}}}}},
		{Name: "nothing", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: "does-not-exist", Optional: &optional}}},
	}
	p := h.createPod(pod)
	p = h.waitPod("secrets", "running", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return cs != nil && cs.State.Running != nil
	})
	dir := h.volumeDir(p, "secret", "creds")
	if d := cmp.Diff(map[string]string{"conf/user": "admin", "pass": "hunter2"}, listVolume(t, dir)); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
	for path, want := range map[string]os.FileMode{"conf/user": 0o440, "pass": 0o400} {
		info, err := os.Stat(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %#o, want %#o", path, info.Mode().Perm(), want)
		}
	}
	if d := cmp.Diff(map[string]string{}, listVolume(t, h.volumeDir(p, "secret", "nothing"))); d != "" {
		t.Errorf("optional missing secret's files (-want +got):\n%s", d)
	}
	if err := secrets.Namespace("default").Delete(ctx, "creds", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h.eventually("the deleted optional secret's files to go", func() (bool, string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return false, err.Error()
		}
		var names []string
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), "..") {
				names = append(names, e.Name())
			}
		}
		return len(names) == 0, strings.Join(names, ",")
	}, nil)
}
