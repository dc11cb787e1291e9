package kubelet_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

// configCapture records the ContainerConfigs the runtime was given.
type configCapture struct {
	mu   sync.Mutex
	cfgs map[string]*kubelet.ContainerConfig
}

func (c *configCapture) options() fake.Options {
	return fake.Options{Behavior: func(cfg *kubelet.ContainerConfig) fake.Behavior {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.cfgs == nil {
			c.cfgs = map[string]*kubelet.ContainerConfig{}
		}
		c.cfgs[cfg.Metadata.Name] = cfg
		return fake.Behavior{}
	}}
}

func (c *configCapture) get(name string) *kubelet.ContainerConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfgs[name]
}

func createObjects(t *testing.T, h *harness) {
	t.Helper()
	ctx := context.Background()
	secrets, _ := client.For[corev1.Secret](h.env.Client)
	if _, err := secrets.Namespace("default").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds"},
		Data:       map[string][]byte{"user": []byte("admin"), "pass": []byte("s3cret")},
	}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cms, _ := client.For[corev1.ConfigMap](h.env.Client)
	if _, err := cms.Namespace("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings"},
		Data:       map[string]string{"MODE": "fast", "LEVEL": "3", "app.conf": "listen 80\n"},
	}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestEnvironment(t *testing.T) {
	var capt configCapture
	h := newHarness(t, harnessOpts{fake: capt.options()})
	createObjects(t, h)
	c := ctr("app", "server")
	c.Command = []string{"/bin/run", "--user=$(USER)", "$(MISSING)", "$$(USER)"}
	c.Args = []string{"--pod=$(POD_NAME).$(NS)"}
	c.EnvFrom = []corev1.EnvFromSource{{Prefix: "CFG_", ConfigMapRef: &corev1.ConfigMapEnvSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}}}
	c.Env = []corev1.EnvVar{
		{Name: "GREETING", Value: "hello"},
		{Name: "USER", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "user"}}},
		{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "MODE"}}},
		{Name: "OPTIONAL", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Key: "x", Optional: new(true)}}},
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "NS", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
		{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
		{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "HOST_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.hostIP"}}},
		{Name: "SA", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.serviceAccountName"}}},
		{Name: "UID", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.uid"}}},
		{Name: "MSG", Value: "$(GREETING) $(USER) from $(NODE), $(CFG_LEVEL) $(UNDEFINED) $$(GREETING)"},
	}
	pod := simplePod("env", c)
	pod.Spec.ServiceAccountName = "runner"
	created := h.createPod(pod)
	h.waitPod("env", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	cfg := capt.get("app")
	got := map[string]string{}
	var order []string
	for _, kv := range cfg.Envs {
		got[kv.Key] = kv.Value
		order = append(order, kv.Key)
	}
	want := map[string]string{
		"CFG_LEVEL": "3", "CFG_MODE": "fast", "CFG_app.conf": "listen 80\n", "GREETING": "hello", "USER": "admin", "MODE": "fast",
		"POD_NAME": "env", "NS": "default", "NODE": testNode, "POD_IP": "127.0.0.1", "HOST_IP": "127.0.0.1",
		"SA": "runner", "UID": string(created.UID),
		"MSG": "hello admin from node-1, 3 $(UNDEFINED) $(GREETING)",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	// envFrom first (keys sorted), then env.
	if d := cmp.Diff([]string{"CFG_LEVEL", "CFG_MODE", "CFG_app.conf", "GREETING", "USER", "MODE", "POD_NAME", "NS", "NODE", "POD_IP",
		"HOST_IP", "SA", "UID", "MSG"}, order); d != "" {
		t.Errorf("env order (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"/bin/run", "--user=admin", "$(MISSING)", "$(USER)"}, cfg.Command); d != "" {
		t.Errorf("command (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"--pod=env.default"}, cfg.Args); d != "" {
		t.Errorf("args (-want +got):\n%s", d)
	}
}

func TestMissingSecretKeepsContainerWaiting(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := ctr("app", "server")
	c.Env = []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Key: "k"}}}}
	h.createPod(simplePod("nosecret", c))
	p := h.waitPod("nosecret", "CreateContainerConfigError", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CreateContainerConfigError"
	})
	if p.Status.Phase != corev1.PodPending {
		t.Errorf("phase %s", p.Status.Phase)
	}
}

func TestVolumes(t *testing.T) {
	var capt configCapture
	h := newHarness(t, harnessOpts{fake: capt.options()})
	createObjects(t, h)
	hostDir := t.TempDir()
	c := ctr("app", "server")
	c.VolumeMounts = []corev1.VolumeMount{
		{Name: "scratch", MountPath: "/scratch"},
		{Name: "host", MountPath: "/host", ReadOnly: true},
		{Name: "secret", MountPath: "/etc/creds"},
		{Name: "config", MountPath: "/etc/app"},
	}
	pod := simplePod("vols", c)
	dirOrCreate := corev1.HostPathDirectoryOrCreate
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: filepath.Join(hostDir, "made"), Type: &dirOrCreate}}},
		{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds", DefaultMode: new(int32(0o400))}}},
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "settings"},
			Items:                []corev1.KeyToPath{{Key: "app.conf", Path: "conf/app.conf", Mode: new(int32(0o640))}}}}},
	}
	created := h.createPod(pod)
	h.waitPod("vols", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	cfg := capt.get("app")
	mounts := map[string]kubelet.Mount{}
	for _, m := range cfg.Mounts {
		mounts[m.ContainerPath] = m
	}
	if len(mounts) != 4 {
		t.Fatalf("mounts %+v", cfg.Mounts)
	}
	if m := mounts["/host"]; m.HostPath != filepath.Join(hostDir, "made") || !m.Readonly {
		t.Errorf("hostPath mount %+v", m)
	}
	if fi, err := os.Stat(filepath.Join(hostDir, "made")); err != nil || !fi.IsDir() {
		t.Errorf("DirectoryOrCreate did not make the directory: %v", err)
	}
	scratch := mounts["/scratch"].HostPath
	if fi, err := os.Stat(scratch); err != nil || !fi.IsDir() {
		t.Errorf("emptyDir %q: %v", scratch, err)
	}
	files := map[string]struct {
		content string
		mode    os.FileMode
	}{
		filepath.Join(mounts["/etc/creds"].HostPath, "user"):           {"admin", 0o400},
		filepath.Join(mounts["/etc/creds"].HostPath, "pass"):           {"s3cret", 0o400},
		filepath.Join(mounts["/etc/app"].HostPath, "conf", "app.conf"): {"listen 80\n", 0o640},
	}
	for path, want := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", path, err)
			continue
		}
		fi, _ := os.Stat(path)
		if string(b) != want.content || fi.Mode().Perm() != want.mode {
			t.Errorf("%s: %q %v, want %q %v", path, b, fi.Mode().Perm(), want.content, want.mode)
		}
	}
	if _, err := os.Stat(filepath.Join(mounts["/etc/app"].HostPath, "MODE")); !os.IsNotExist(err) {
		t.Errorf("a key not in items was written: %v", err)
	}
	// Deleting the pod removes its directory (and so the emptyDir).
	if err := h.pods.Delete(context.Background(), "vols", metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatal(err)
	}
	h.eventually("pod directory removed", func() (bool, string) {
		_, err := os.Stat(filepath.Join(h.rootDir, "pods", string(created.UID)))
		return os.IsNotExist(err), errString(err)
	}, nil)
}
