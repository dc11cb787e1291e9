package kubelet_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/client/events"
	"github.com/rigging-dev/rigging/csi"
	csifake "github.com/rigging-dev/rigging/csi/fake"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

// unpublishWatch is the fake driver, noting for each NodeUnpublishVolume
// whether the volume's marker file was still in its target then: the
// kubelet must unpublish before it removes the pod's directories.
type unpublishWatch struct {
	*csifake.Driver
	mu         sync.Mutex // guards markerSeen
	markerSeen []bool
}

func (u *unpublishWatch) NodeUnpublishVolume(ctx context.Context, volumeID, targetPath string) error {
	_, err := os.Stat(filepath.Join(targetPath, csifake.MarkerFile))
	u.mu.Lock()
	u.markerSeen = append(u.markerSeen, err == nil)
	u.mu.Unlock()
	return u.Driver.NodeUnpublishVolume(ctx, volumeID, targetPath)
}

func (u *unpublishWatch) seen() []bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]bool(nil), u.markerSeen...)
}

func withPlugin(p csi.VolumePlugin, more ...func(*kubelet.Config)) func(*kubelet.Config) {
	return func(c *kubelet.Config) {
		c.VolumePlugin = p
		for _, f := range more {
			f(c)
		}
	}
}

// csiPod is a pod whose container mounts an inline CSI volume "data" of
// driver at /data.
func csiPod(name, driver string) *corev1.Pod {
	c := ctr("app", "server")
	c.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	p := simplePod(name, c)
	p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{Driver: driver}}}}
	return p
}

// csiTarget is where the kubelet publishes pod's inline volume.
func (h *harness) csiTarget(p *corev1.Pod, volume string) string {
	return filepath.Join(h.rootDir, "pods", string(p.UID), "volumes", "kubernetes.io~csi", volume, "mount")
}

// csiHandle is Kubernetes' volume handle of an inline volume.
func csiHandle(p *corev1.Pod, volume string) string {
	return fmt.Sprintf("csi-%x", sha256.Sum256([]byte(string(p.UID)+volume)))
}

func waitingCreating(p *corev1.Pod) bool {
	cs := cstatus(p, "app")
	return p.Status.Phase == corev1.PodPending && cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "ContainerCreating"
}

// waitGone waits until the pod object and dir (under RootDir) are gone.
func waitGone(h *harness, name string, dir string) {
	h.t.Helper()
	h.eventually("pod "+name+" and "+dir+" gone", func() (bool, string) {
		_, err := h.pods.Get(context.Background(), name, client.GetOptions{})
		if !client.IsNotFound(err) {
			return false, "pod: " + errString(err)
		}
		_, err = os.Stat(filepath.Join(h.rootDir, dir))
		return os.IsNotExist(err), "directory: " + errString(err)
	}, func() { h.clock.Step(time.Second) })
}

// TestInlineCSIVolume publishes a pod's inline CSI volume as Kubernetes
// does, mounts it into the container, and unpublishes it before the
// pod's directory goes.
func TestInlineCSIVolume(t *testing.T) {
	drv := &unpublishWatch{Driver: csifake.New(csifake.Options{})}
	var capt configCapture
	h := newHarness(t, harnessOpts{fake: capt.options(), cfg: withPlugin(drv)})
	secrets, err := client.For[corev1.Secret](h.env.Client)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.Namespace("default").Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "csi-creds"}, Data: map[string][]byte{"token": []byte("t0k")},
	}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := csiPod("csi", csifake.DefaultName)
	pod.Spec.ServiceAccountName = "runner"
	pod.Spec.Volumes[0].CSI.ReadOnly = new(true)
	pod.Spec.Volumes[0].CSI.FSType = new("xfs")
	pod.Spec.Volumes[0].CSI.VolumeAttributes = map[string]string{"size": "1Gi"}
	pod.Spec.Volumes[0].CSI.NodePublishSecretRef = &corev1.LocalObjectReference{Name: "csi-creds"}
	created := h.createPod(pod)
	h.waitPod("csi", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })

	target := h.csiTarget(created, "data")
	handle := csiHandle(created, "data")
	want := csi.NodePublishVolumeRequest{
		VolumeID:         handle,
		TargetPath:       target,
		VolumeCapability: csi.VolumeCapability{FsType: "xfs", AccessMode: csi.SingleNodeWriter},
		Readonly:         true,
		Secrets:          map[string]string{"token": "t0k"},
		VolumeContext: map[string]string{
			"size":                                   "1Gi",
			"csi.storage.k8s.io/pod.name":            "csi",
			"csi.storage.k8s.io/pod.namespace":       "default",
			"csi.storage.k8s.io/pod.uid":             string(created.UID),
			"csi.storage.k8s.io/serviceAccount.name": "runner",
			"csi.storage.k8s.io/ephemeral":           "true",
		},
	}
	pubs := drv.CallsTo("NodePublishVolume")
	if len(pubs) != 1 {
		t.Fatalf("NodePublishVolume calls: %+v", pubs)
	}
	if d := cmp.Diff(want, pubs[0].Request); d != "" {
		t.Errorf("NodePublishVolume request (-want +got):\n%s", d)
	}
	if n := len(drv.CallsTo("NodeStageVolume")); n != 0 {
		t.Errorf("an inline volume was staged (%d calls)", n)
	}
	if b, err := os.ReadFile(filepath.Join(target, csifake.MarkerFile)); err != nil || string(b) != handle {
		t.Errorf("marker in the target: %q, %v", b, err)
	}
	cfg := capt.get("app")
	if cfg == nil {
		t.Fatal("no container config captured")
	}
	if d := cmp.Diff([]kubelet.Mount{{ContainerPath: "/data", HostPath: target}}, cfg.Mounts); d != "" {
		t.Errorf("container mounts (-want +got):\n%s", d)
	}

	if err := h.pods.Delete(context.Background(), "csi", metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatal(err)
	}
	waitGone(h, "csi", filepath.Join("pods", string(created.UID)))
	unpubs := drv.CallsTo("NodeUnpublishVolume")
	if len(unpubs) == 0 {
		t.Fatal("no NodeUnpublishVolume")
	}
	if d := cmp.Diff(csifake.VolumeRequest{VolumeID: handle, Path: target}, unpubs[0].Request); d != "" {
		t.Errorf("NodeUnpublishVolume (-want +got):\n%s", d)
	}
	if seen := drv.seen(); len(seen) == 0 || !seen[0] {
		t.Errorf("the volume's target was gone before NodeUnpublishVolume: %v", seen)
	}
	if p := drv.Publications(); len(p) != 0 {
		t.Errorf("still published: %+v", p)
	}
}

// TestInlineCSIPublishFailure: a failing NodePublishVolume is a
// FailedMount event and leaves the pod ContainerCreating with the error;
// the next sync retries, and the pod runs once the driver recovers.
func TestInlineCSIPublishFailure(t *testing.T) {
	drv := csifake.New(csifake.Options{})
	rec := &events.FakeRecorder{}
	h := newHarness(t, harnessOpts{cfg: withPlugin(drv, withRecorder(rec))})
	drv.SetError("NodePublishVolume", csi.Errorf(csi.Internal, "disk on fire"))
	created := h.createPod(csiPod("flaky", csifake.DefaultName))
	handle := csiHandle(created, "data")
	wantMsg := fmt.Sprintf(`MountVolume.SetUp failed for volume "data" : NodePublishVolume %s: csi error code 13: disk on fire`, handle)
	got := h.waitEvent(rec, "flaky", "FailedMount", nil)
	if d := cmp.Diff(recorded{"Pod", "flaky", "", corev1.EventTypeWarning, "FailedMount", wantMsg}, got); d != "" {
		t.Errorf("event (-want +got):\n%s", d)
	}
	p := h.waitPod("flaky", "ContainerCreating with the error", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return waitingCreating(p) && strings.Contains(cs.State.Waiting.Message, "disk on fire")
	})
	if cs := cstatus(p, "app"); cs.State.Waiting.Message != fmt.Sprintf(`volume "data": NodePublishVolume %s: csi error code 13: disk on fire`, handle) {
		t.Errorf("waiting message %q", cs.State.Waiting.Message)
	}
	h.eventually("publish retried", func() (bool, string) {
		n := len(drv.CallsTo("NodePublishVolume"))
		return n >= 2, fmt.Sprint(n, " calls")
	}, func() { h.clock.Step(time.Second) })
	if n := len(h.rt.CallsTo("CreateContainer")); n != 0 {
		t.Errorf("%d containers created before the volume was published", n)
	}
	drv.SetError("NodePublishVolume", nil)
	h.waitPodStepping("flaky", "running after the driver recovered", time.Second, func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning
	})
	if p := drv.Publications(); len(p) != 1 || p[0].VolumeID != handle {
		t.Errorf("publications: %+v", p)
	}
}

// TestInlineCSIUnpublishFailure: a deleted pod whose volume cannot be
// unpublished keeps its object and directory, is reported with a
// FailedUnMount event, and goes once NodeUnpublishVolume succeeds.
func TestInlineCSIUnpublishFailure(t *testing.T) {
	drv := csifake.New(csifake.Options{})
	rec := &events.FakeRecorder{}
	h := newHarness(t, harnessOpts{cfg: withPlugin(drv, withRecorder(rec))})
	created := h.createPod(csiPod("stuck", csifake.DefaultName))
	h.waitPod("stuck", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	drv.SetError("NodeUnpublishVolume", csi.Errorf(csi.Unavailable, "driver restarting"))
	// A graceful deletion: the kubelet deletes the object once it is done.
	if err := h.pods.Delete(context.Background(), "stuck", metav1.DeleteOptions{GracePeriodSeconds: new(int64(5))}); err != nil {
		t.Fatal(err)
	}
	got := h.waitEvent(rec, "stuck", "FailedUnMount", nil)
	handle := csiHandle(created, "data")
	wantMsg := fmt.Sprintf(`UnmountVolume.TearDown failed for volume "data" : NodeUnpublishVolume %s: csi error code 14: driver restarting`, handle)
	if d := cmp.Diff(recorded{"Pod", "stuck", "", corev1.EventTypeWarning, "FailedUnMount", wantMsg}, got); d != "" {
		t.Errorf("event (-want +got):\n%s", d)
	}
	h.eventually("unpublish retried", func() (bool, string) {
		n := len(drv.CallsTo("NodeUnpublishVolume"))
		return n >= 2, fmt.Sprint(n, " calls")
	}, func() { h.clock.Step(time.Second) })
	if _, err := h.pods.Get(context.Background(), "stuck", client.GetOptions{}); err != nil {
		t.Errorf("the pod went while its volume was published: %v", err)
	}
	target := h.csiTarget(created, "data")
	if _, err := os.Stat(filepath.Join(target, csifake.MarkerFile)); err != nil {
		t.Errorf("the published volume's directory was removed: %v", err)
	}
	drv.SetError("NodeUnpublishVolume", nil)
	// The kubelet removes the volumes before it deletes the object.
	waitGone(h, "stuck", filepath.Join("pods", string(created.UID), "volumes"))
	if p := drv.Publications(); len(p) != 0 {
		t.Errorf("still published: %+v", p)
	}
}

// TestCSIVolumeErrors: volumes the kubelet cannot set up fail clearly,
// as a FailedMount event and a pod left ContainerCreating.
func TestCSIVolumeErrors(t *testing.T) {
	tests := []struct {
		name   string
		plugin bool
		volume corev1.VolumeSource
		want   string // the error after `volume "data": `
	}{
		{
			name:   "wrong driver",
			plugin: true,
			volume: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{Driver: "other.csi.example"}},
			want:   `driver name other.csi.example not found in the list of registered CSI drivers (this kubelet's is "fake.csi.rigging.dev")`,
		},
		{
			name:   "no plugin",
			volume: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{Driver: csifake.DefaultName}},
			want:   `CSI driver "fake.csi.rigging.dev": no CSI volume plugin is configured on this kubelet (Config.VolumePlugin)`,
		},
		{
			name:   "missing nodePublishSecretRef",
			plugin: true,
			volume: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{Driver: csifake.DefaultName,
				NodePublishSecretRef: &corev1.LocalObjectReference{Name: "absent"}}},
			want: `nodePublishSecretRef: secret "absent" not found`,
		},
		{
			name:   "persistentVolumeClaim",
			plugin: true,
			volume: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "claim"}},
			want:   "persistentVolumeClaim and generic ephemeral volumes are not supported by this kubelet yet (they need volume binding); use an inline csi volume",
		},
		{
			name:   "generic ephemeral",
			plugin: true,
			volume: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: mustQ("1Gi")}}}}}},
			want: "persistentVolumeClaim and generic ephemeral volumes are not supported by this kubelet yet (they need volume binding); use an inline csi volume",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drv := csifake.New(csifake.Options{})
			rec := &events.FakeRecorder{}
			cfg := withRecorder(rec)
			if tt.plugin {
				cfg = withPlugin(drv, cfg)
			}
			h := newHarness(t, harnessOpts{cfg: cfg})
			pod := csiPod("bad", csifake.DefaultName)
			pod.Spec.Volumes[0].VolumeSource = tt.volume
			h.createPod(pod)
			got := h.waitEvent(rec, "bad", "FailedMount", nil)
			wantEvent := recorded{"Pod", "bad", "", corev1.EventTypeWarning, "FailedMount",
				`MountVolume.SetUp failed for volume "data" : ` + tt.want}
			if d := cmp.Diff(wantEvent, got); d != "" {
				t.Errorf("event (-want +got):\n%s", d)
			}
			h.waitPod("bad", "ContainerCreating with the error", func(p *corev1.Pod) bool {
				return waitingCreating(p) && cstatus(p, "app").State.Waiting.Message == `volume "data": `+tt.want
			})
			if n := len(drv.CallsTo("NodePublishVolume")); n != 0 {
				t.Errorf("NodePublishVolume called %d times", n)
			}
			if n := len(h.rt.CallsTo("CreateContainer")); n != 0 {
				t.Errorf("%d containers created", n)
			}
		})
	}
}

// TestInlineCSIVolumeOfFinishedPod: a pod that completes has its volume
// unpublished; a failure is retried on later syncs, without the pod
// being deleted.
func TestInlineCSIVolumeOfFinishedPod(t *testing.T) {
	drv := csifake.New(csifake.Options{})
	h := newHarness(t, harnessOpts{cfg: withPlugin(drv),
		fake: fake.Options{Images: map[string]fake.Behavior{"job": {Mode: fake.Exit, ExitCode: 0}}}})
	drv.SetError("NodeUnpublishVolume", csi.Errorf(csi.Unavailable, "driver restarting"))
	pod := csiPod("job", csifake.DefaultName)
	pod.Spec.Containers[0].Image = "job"
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	created := h.createPod(pod)
	h.waitPod("job", "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
	h.eventually("unpublish retried", func() (bool, string) {
		n := len(drv.CallsTo("NodeUnpublishVolume"))
		return n >= 2, fmt.Sprint(n, " calls")
	}, func() { h.clock.Step(time.Second) })
	if p := drv.Publications(); len(p) != 1 {
		t.Fatalf("publications while unpublish fails: %+v", p)
	}
	drv.SetError("NodeUnpublishVolume", nil)
	h.eventually("volume unpublished and removed", func() (bool, string) {
		_, err := os.Stat(filepath.Join(h.rootDir, "pods", string(created.UID), "volumes"))
		return len(drv.Publications()) == 0 && os.IsNotExist(err), fmt.Sprint(drv.Publications(), err)
	}, func() { h.clock.Step(time.Second) })
}

// TestInlineCSIVolumeOfPodDeletedWhileKubeletDown: a kubelet that starts
// after its pod was deleted unpublishes the volume the previous kubelet
// published (from the record beside it) before removing the directory.
func TestInlineCSIVolumeOfPodDeletedWhileKubeletDown(t *testing.T) {
	drv := &unpublishWatch{Driver: csifake.New(csifake.Options{})}
	h := newHarness(t, harnessOpts{noStart: true, cfg: withPlugin(drv)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.k.Run(ctx) }()
	created := h.createPod(csiPod("left", csifake.DefaultName))
	h.waitPod("left", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := h.pods.Delete(context.Background(), "left", metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatal(err)
	}
	if n := len(drv.CallsTo("NodeUnpublishVolume")); n != 0 {
		t.Fatalf("unpublished before the new kubelet started: %d calls", n)
	}
	k2, err := kubelet.New(kubelet.Config{NodeName: testNode, Client: h.env.Client, Runtime: h.rt, RootDir: h.rootDir,
		Clock: h.clock, RelistPeriod: 5 * time.Millisecond, VolumePlugin: drv})
	if err != nil {
		t.Fatal(err)
	}
	h.k = k2
	h.run()
	h.eventually("pod directory removed", func() (bool, string) {
		_, err := os.Stat(filepath.Join(h.rootDir, "pods", string(created.UID)))
		return os.IsNotExist(err), errString(err)
	}, nil)
	unpubs := drv.CallsTo("NodeUnpublishVolume")
	want := csifake.VolumeRequest{VolumeID: csiHandle(created, "data"), Path: h.csiTarget(created, "data")}
	if len(unpubs) == 0 {
		t.Fatal("no NodeUnpublishVolume")
	}
	if d := cmp.Diff(want, unpubs[0].Request); d != "" {
		t.Errorf("NodeUnpublishVolume (-want +got):\n%s", d)
	}
	if seen := drv.seen(); !seen[0] {
		t.Errorf("the target was gone before NodeUnpublishVolume: %v", seen)
	}
	if p := drv.Publications(); len(p) != 0 {
		t.Errorf("still published: %+v", p)
	}
}
