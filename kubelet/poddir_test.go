package kubelet_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

// sayAttempt makes every container log "<name> attempt <attempt>".
func sayAttempt(c *kubelet.ContainerConfig) fake.Behavior {
	return fake.Behavior{Stdout: []string{fmt.Sprintf("%s attempt %d", c.Metadata.Name, c.Metadata.Attempt)}}
}

// podTree lists everything under dir, relative to it, directories with a
// trailing slash. What is removed while it walks is left out.
func podTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func (h *harness) logsOf(pod, container, query string) (int, string) {
	h.t.Helper()
	return httpGet(h.t, "http://"+h.k.Addr()+"/containerLogs/default/"+pod+"/"+container+query)
}

func (h *harness) deletePod(name string) {
	h.t.Helper()
	if err := h.pods.Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		h.t.Fatal(err)
	}
	h.eventually("pod "+name+" gone", func() (bool, string) {
		_, err := h.pods.Get(context.Background(), name, client.GetOptions{})
		return client.IsNotFound(err), errString(err)
	}, nil)
}

// TestPodDirectoryLayout: starting a pod without volumes makes no
// directory and one log file per container,
// logs/<pod-uid>_<container>_<attempt>.log; a pod with volumes has its
// pod directory with volumes/ only; container names that are also names
// of the pod directory's entries (logs, volumes) do not collide; deleting
// a pod removes its directory and logs and nothing of other pods.
func TestPodDirectoryLayout(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Behavior: sayAttempt}})
	flat := h.createPod(simplePod("flat", ctr("app", "x"), ctr("logs", "x"), ctr("volumes", "x")))
	vp := simplePod("vols", ctr("volumes", "x"), ctr("logs", "x"))
	vp.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	vp.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	vols := h.createPod(vp)
	other := h.createPod(simplePod("other", ctr("app", "x")))
	for _, name := range []string{"flat", "vols", "other"} {
		h.waitPod(name, "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	}
	fu, vu, ou := string(flat.UID), string(vols.UID), string(other.UID)
	want := []string{
		"logs/", "logs/" + fu + "_app_0.log", "logs/" + fu + "_logs_0.log", "logs/" + fu + "_volumes_0.log",
		"logs/" + ou + "_app_0.log", "logs/" + vu + "_logs_0.log", "logs/" + vu + "_volumes_0.log",
		"pods/", "pods/" + vu + "/", "pods/" + vu + "/volumes/", "pods/" + vu + "/volumes/empty-dir/",
		"pods/" + vu + "/volumes/empty-dir/data/",
	}
	slices.Sort(want)
	if d := cmp.Diff(want, podTree(t, h.rootDir)); d != "" {
		t.Errorf("root directory (-want +got):\n%s", d)
	}
	// The sandboxes say their layout; the runtime reports the log paths.
	sbs, err := h.rt.ListPodSandbox(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, sb := range sbs {
		if got := sb.Labels[kubelet.LabelLogLayout]; got != "flat" {
			t.Errorf("sandbox %s: %s label %q, want flat", sb.ID, kubelet.LabelLogLayout, got)
		}
	}
	list, err := h.rt.ListContainers(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		want := filepath.Join(h.rootDir, "logs", c.Labels[kubelet.LabelPodUID]+"_"+c.Metadata.Name+"_0.log")
		if c.LogPath != want {
			t.Errorf("container %s: LogPath %s, want %s", c.Metadata.Name, c.LogPath, want)
		}
	}
	for _, tc := range []struct{ pod, container string }{
		{"flat", "app"}, {"flat", "logs"}, {"flat", "volumes"}, {"vols", "volumes"}, {"vols", "logs"}, {"other", "app"},
	} {
		if code, body := h.logsOf(tc.pod, tc.container, ""); code != 200 || body != tc.container+" attempt 0\n" {
			t.Errorf("logs of %s/%s: %d %q", tc.pod, tc.container, code, body)
		}
	}
	h.deletePod("flat")
	h.deletePod("vols")
	want = []string{"logs/", "logs/" + ou + "_app_0.log", "pods/"}
	h.eventually("the deleted pods' files removed", func() (bool, string) {
		got := podTree(t, h.rootDir)
		return slices.Equal(got, want), fmt.Sprint(got)
	}, nil)
}

// TestOldLogLayoutAdopted: a sandbox made by an older kubelet, which put
// logs in pods/<uid>/logs/<container>/<attempt>.log, is adopted: its logs are served,
// a restarted container logs in the same layout (where the runtime puts
// it), and once the sandbox is replaced the new sandbox's flat logs are
// the current ones and the old layout's newest is the previous one.
// Deleting the pod removes both.
func TestOldLogLayoutAdopted(t *testing.T) {
	h := newHarness(t, harnessOpts{noStart: true, fake: fake.Options{Behavior: sayAttempt}})
	ctx := context.Background()
	pod := h.createPod(simplePod("old", ctr("app", "x")))
	uid := string(pod.UID)
	podDir := filepath.Join(h.rootDir, "pods", uid)
	// As an older kubelet made them.
	if err := os.MkdirAll(filepath.Join(podDir, "logs", "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	sbCfg := &kubelet.PodSandboxConfig{
		Metadata:     kubelet.PodSandboxMetadata{Name: "old", Namespace: "default", UID: uid},
		LogDirectory: filepath.Join(podDir, "logs"),
		Labels: map[string]string{kubelet.LabelPodUID: uid, kubelet.LabelPodName: "old",
			kubelet.LabelPodNamespace: "default", kubelet.LabelNode: testNode},
	}
	sb, err := h.rt.RunPodSandbox(ctx, sbCfg)
	if err != nil {
		t.Fatal(err)
	}
	id, err := h.rt.CreateContainer(ctx, sb, &kubelet.ContainerConfig{
		Metadata: kubelet.ContainerMetadata{Name: "app"}, Image: "x", LogPath: "app/0.log",
		Labels: map[string]string{kubelet.LabelContainerName: "app", kubelet.LabelPodUID: uid,
			kubelet.LabelPodName: "old", kubelet.LabelPodNamespace: "default"},
	}, sbCfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.rt.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}

	h.run()
	h.waitPod("old", "adopted", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return cs != nil && cs.State.Running != nil && cs.ContainerID == "fake://"+id
	})
	if code, body := h.logsOf("old", "app", ""); code != 200 || body != "app attempt 0\n" {
		t.Errorf("logs of the adopted container: %d %q", code, body)
	}

	// A restart in the adopted sandbox keeps to its layout.
	if err := h.rt.KillContainer(id, 1); err != nil {
		t.Fatal(err)
	}
	p := h.waitPod("old", "restarted", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
	id1 := strings.TrimPrefix(cstatus(p, "app").ContainerID, "fake://")
	st, err := h.rt.ContainerStatus(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(podDir, "logs", "app", "1.log"); st.LogPath != want {
		t.Errorf("restarted container's LogPath %s, want %s", st.LogPath, want)
	}
	want := []string{"logs/", "pods/", "pods/" + uid + "/", "pods/" + uid + "/logs/", "pods/" + uid + "/logs/app/",
		"pods/" + uid + "/logs/app/0.log", "pods/" + uid + "/logs/app/1.log"}
	if d := cmp.Diff(want, podTree(t, h.rootDir)); d != "" {
		t.Errorf("root directory after a restart in the adopted sandbox (-want +got):\n%s", d)
	}
	if code, body := h.logsOf("old", "app", ""); code != 200 || body != "app attempt 1\n" {
		t.Errorf("current logs: %d %q", code, body)
	}
	if code, body := h.logsOf("old", "app", "?previous=true"); code != 200 || body != "app attempt 0\n" {
		t.Errorf("previous logs: %d %q", code, body)
	}

	// The old sandbox dies: its replacement is the kubelet's own, flat.
	appendLog(t, filepath.Join(podDir, "logs", "app", "1.log"), "old last words")
	if err := h.rt.StopPodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	h.eventually("a new sandbox", func() (bool, string) {
		ready := kubelet.SandboxReady
		sbs, err := h.rt.ListPodSandbox(ctx, &kubelet.PodSandboxFilter{State: &ready})
		if err != nil || len(sbs) != 1 || sbs[0].ID == sb {
			return false, fmt.Sprint(sbs, err)
		}
		return sbs[0].Labels[kubelet.LabelLogLayout] == "flat", fmt.Sprint(sbs[0].Labels)
	}, nil)
	// The current log is the new sandbox's once its container started;
	// its attempt continues the count (2, after 0 and 1 in the old one).
	h.eventually("the new sandbox's container logged", func() (bool, string) {
		code, body := h.logsOf("old", "app", "")
		return code == 200 && body == "app attempt 2\n", fmt.Sprint(code, " ", body)
	}, nil)
	if _, err := os.Stat(filepath.Join(h.rootDir, "logs", uid+"_app_2.log")); err != nil {
		t.Errorf("the new sandbox's log: %v", err)
	}
	if code, body := h.logsOf("old", "app", "?previous=true&tailLines=1"); code != 200 || body != "old last words\n" {
		t.Errorf("previous logs after the sandbox was replaced: %d %q", code, body)
	}

	h.deletePod("old")
	h.eventually("the pod's files removed", func() (bool, string) {
		got := podTree(t, h.rootDir)
		return slices.Equal(got, []string{"logs/", "pods/"}), fmt.Sprint(got)
	}, nil)
}

// TestOrphanedPodFilesRemoved: at start, the kubelet removes the log files
// (both layouts, rotated ones too) and pod directories of pods that are
// gone, and keeps those of its pods.
func TestOrphanedPodFilesRemoved(t *testing.T) {
	h := newHarness(t, harnessOpts{noStart: true, fake: fake.Options{Behavior: sayAttempt}})
	live := h.createPod(simplePod("live", ctr("app", "x")))
	lu := string(live.UID)
	for _, f := range []string{
		"logs/" + lu + "_app_0.log", "logs/gone-uid_app_0.log", "logs/gone-uid_app_0.log.1", "logs/gone-uid_side_3.log",
		"pods/gone-uid/logs/app/0.log", "pods/gone-uid/volumes/empty-dir/data/x",
	} {
		p := filepath.Join(h.rootDir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h.run()
	h.waitPod("live", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	want := []string{"logs/", "logs/" + lu + "_app_0.log", "pods/"}
	h.eventually("the gone pod's files removed", func() (bool, string) {
		got := podTree(t, h.rootDir)
		return slices.Equal(got, want), fmt.Sprint(got)
	}, nil)
	if code, body := h.logsOf("live", "app", ""); code != 200 || body != "app attempt 0\n" {
		t.Errorf("logs of the live pod: %d %q", code, body)
	}
}
