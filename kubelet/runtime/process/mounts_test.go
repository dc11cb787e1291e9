package process

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/kubelet"
)

func TestImageName(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                                "busybox",
		"registry/x/busybox:1.36":                "busybox",
		"registry:5000/x/busybox":                "busybox",
		"registry:5000/x/busybox:1.36@sha256:00": "busybox",
		"docker.io/library/sh@sha256:abc":        "sh",
		"":                                       "",
	} {
		if got := imageName(in); got != want {
			t.Errorf("imageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolve(t *testing.T) {
	rootfs := t.TempDir()
	r := &Runtime{opts: Options{Path: "/usr/bin:/bin", Images: map[string]Image{
		"web": {Rootfs: rootfs, Entrypoint: []string{"/srv/web", "-v"}, Env: []string{"MODE=prod", "PATH=/srv"}},
	}}}
	tests := []struct {
		name string
		cfg  kubelet.ContainerConfig
		want initConfig
	}{
		{"command on host", kubelet.ContainerConfig{Image: "sh", Command: []string{"sh", "-c", "true"}, Args: []string{"x"}},
			initConfig{Argv: []string{"sh", "-c", "true", "x"}, Env: []string{"PATH=/usr/bin:/bin"}}},
		{"image name on PATH", kubelet.ContainerConfig{Image: "example.com/tools/sleep:1.0", Args: []string{"5"}, Envs: []kubelet.KeyValue{{Key: "A", Value: "1"}}},
			initConfig{Argv: []string{"sleep", "5"}, Env: []string{"A=1", "PATH=/usr/bin:/bin"}}},
		{"rootfs image", kubelet.ContainerConfig{Image: "example.com/web:2", Args: []string{"a"}, Envs: []kubelet.KeyValue{{Key: "MODE", Value: "dev"}}, WorkingDir: "/srv"},
			initConfig{Argv: []string{"/srv/web", "-v", "a"}, Env: []string{"MODE=dev", "PATH=/srv"}, Dir: "/srv", Rootfs: rootfs, PrivateMounts: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Metadata.Name = "c"
			got, err := r.resolve(&tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for name, cfg := range map[string]kubelet.ContainerConfig{
		"missing command":  {Image: "no-such-binary-xyz"},
		"no image":         {},
		"relative workdir": {Image: "sh", WorkingDir: "tmp"},
		"bad env":          {Image: "sh", Envs: []kubelet.KeyValue{{Key: "A=B", Value: "1"}}},
		"relative mount":   {Image: "sh", Mounts: []kubelet.Mount{{HostPath: "/tmp", ContainerPath: "data"}}},
		"missing target":   {Image: "sh", Mounts: []kubelet.Mount{{HostPath: "/tmp", ContainerPath: "/no/such/dir/xyz"}}},
		"missing source":   {Image: "sh", Mounts: []kubelet.Mount{{HostPath: "/no/such/dir/xyz", ContainerPath: "/tmp"}}},
	} {
		cfg.Metadata.Name = "c"
		if _, err := r.resolve(&cfg); err == nil {
			t.Errorf("%s: resolve succeeded", name)
		}
	}
}

func TestMounts(t *testing.T) {
	r := newTestRuntime(t, Options{})
	src, target := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "data"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile("/proc/self/mountinfo")
	sbCfg := sandboxConfig(t, "mounts")
	sb := runSandbox(t, r, sbCfg)
	cfg := shContainer("a", `cat `+target+`/data; echo; touch `+target+`/x 2>/dev/null && echo rw || echo ro`)
	cfg.Mounts = []kubelet.Mount{{HostPath: src, ContainerPath: target, Readonly: true}}
	id := startContainer(t, r, sb, sbCfg, cfg)
	st := waitExited(t, r, id)
	want := []logEntry{{"stdout", "F", "hi"}, {"stdout", "F", "ro"}}
	if diff := cmp.Diff(want, readLog(t, st.LogPath)); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if entries, _ := os.ReadDir(target); len(entries) != 0 {
		t.Errorf("the host's %s shows %d entries; the bind mount leaked out of the container", target, len(entries))
	}
	after, _ := os.ReadFile("/proc/self/mountinfo")
	if diff := cmp.Diff(ourMounts(string(before), src, target), ourMounts(string(after), src, target)); diff != "" {
		t.Errorf("host mounts of our paths changed (-before +after):\n%s", diff)
	}
}

// rootfsWithShell copies /bin/sh and the libraries ldd names into a new
// directory.
func rootfsWithShell(t *testing.T) string {
	t.Helper()
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{sh}
	if out, err := exec.Command("ldd", sh).Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if strings.HasPrefix(f, "/") {
				files = append(files, f)
			}
		}
	}
	root := t.TempDir()
	copyFile := func(from, to string) {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(sh, filepath.Join(root, "bin/sh"))
	for _, f := range files[1:] {
		copyFile(f, filepath.Join(root, f))
	}
	return root
}

func TestRootfsImage(t *testing.T) {
	requireRoot(t)
	rootfs := rootfsWithShell(t)
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "cfg"), []byte("from-host"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newTestRuntime(t, Options{Images: map[string]Image{"mini": {Rootfs: rootfs, Entrypoint: []string{"/bin/sh", "-c"}}}})
	sbCfg := sandboxConfig(t, "rootfs")
	sb := runSandbox(t, r, sbCfg)
	cfg := &kubelet.ContainerConfig{
		Metadata:   kubelet.ContainerMetadata{Name: "mini"},
		Image:      "example.com/x/mini:1.0",
		Args:       []string{`[ -e /usr/bin ] || echo chrooted; [ -d /proc/self ] && echo proc; read l < /etc/app/cfg; echo "$l"; pwd`},
		Mounts:     []kubelet.Mount{{HostPath: src, ContainerPath: "/etc/app"}},
		WorkingDir: "/bin",
		LogPath:    "mini.log",
	}
	id := startContainer(t, r, sb, sbCfg, cfg)
	st := waitExited(t, r, id)
	want := []logEntry{{"stdout", "F", "chrooted"}, {"stdout", "F", "proc"}, {"stdout", "F", "from-host"}, {"stdout", "F", "/bin"}}
	if diff := cmp.Diff(want, readLog(t, st.LogPath)); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if st.ExitCode != 0 {
		t.Errorf("exit code %d", st.ExitCode)
	}

	// A command missing from the rootfs fails at start, with the reason.
	cfg = &kubelet.ContainerConfig{
		Metadata: kubelet.ContainerMetadata{Name: "missing"},
		Image:    "mini",
		Command:  []string{"no-such-command-xyz"},
		LogPath:  "missing.log",
	}
	id, err := r.CreateContainer(t.Context(), sb, cfg, sbCfg)
	if err != nil {
		t.Fatal(err)
	}
	err = r.StartContainer(t.Context(), id)
	if err == nil || !strings.Contains(err.Error(), "no-such-command-xyz") {
		t.Errorf("start of a missing command: %v, want an error naming it", err)
	}
	st, _ = r.ContainerStatus(t.Context(), id)
	if st.State != kubelet.ContainerExited || st.ExitCode != 128 || st.Reason != kubelet.ReasonError {
		t.Errorf("after a failed start: %v %d %q, want exited 128 Error", st.State, st.ExitCode, st.Reason)
	}
}
