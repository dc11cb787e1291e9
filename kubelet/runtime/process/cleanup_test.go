package process

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

// alive reports whether pid runs (zombies count as gone).
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestRemovePodSandboxReleasesEverything(t *testing.T) {
	r := newTestRuntime(t, Options{})
	ctx := t.Context()
	netns, _ := newNetns(t)
	src, target := t.TempDir(), t.TempDir()
	mountsBefore, _ := os.ReadFile("/proc/self/mountinfo")
	sbCfg := sandboxConfig(t, "gone")
	sbCfg.Linux.Namespaces.NetNSPath = netns
	sbCfg.Linux.CgroupParent = "burstable"
	sb := runSandbox(t, r, sbCfg)
	// sh reports through a fifo once it has forked both background
	// sleeps, so that they are in the container's cgroup when it is read.
	ready := waitReady(t)
	cfg := shContainer("a", `sleep 1000 & sleep 1000 & echo forked > `+ready.path+`; exec sleep 1000`)
	cfg.Mounts = []kubelet.Mount{{HostPath: src, ContainerPath: target}}
	a := startContainer(t, r, sb, sbCfg, cfg)
	ready.wait(t, "forked\n")
	b := startContainer(t, r, sb, sbCfg, shContainer("b", `exit 0`))
	waitExited(t, r, b)
	s, _ := r.getSandbox(sb)
	ca, _ := r.getContainer(a)
	podCg, pauseCg, ctrCg := s.rec.Cgroup, s.rec.PauseCg, ca.rec.Cgroup
	var pids []int
	for _, cg := range []cgroup{pauseCg, ctrCg} {
		data, _ := os.ReadFile(filepath.Join(cg.V2, "cgroup.procs"))
		for _, f := range strings.Fields(string(data)) {
			pids = append(pids, atoi(t, f))
		}
	}
	if len(pids) != 4 { // pause, sh's exec'd sleep, two background sleeps
		t.Fatalf("processes in the pod's cgroups: %v, want 4", pids)
	}

	if err := r.StopPodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	ps, _ := r.PodSandboxStatus(ctx, sb)
	if ps.State != kubelet.SandboxNotReady {
		t.Errorf("after stop: %v, want not ready", ps.State)
	}
	if st, _ := r.ContainerStatus(ctx, a); st.State != kubelet.ContainerExited || st.ExitCode != 137 {
		t.Errorf("container after sandbox stop: %v %d, want exited 137", st.State, st.ExitCode)
	}
	if _, err := r.CreateContainer(ctx, sb, shContainer("late", "true"), sbCfg); !errors.Is(err, kubelet.ErrInvalid) {
		t.Errorf("create in a stopped sandbox: %v, want ErrInvalid", err)
	}
	if err := r.RemovePodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		waitFor(t, "process "+itoa(pid)+" to be gone", 10*time.Second, func() bool { return !alive(pid) })
	}
	var left []string
	for _, cg := range []cgroup{podCg, pauseCg, ctrCg} {
		for _, d := range append([]string{cg.V2}, mapValues(cg.V1)...) {
			if _, err := os.Stat(d); err == nil {
				left = append(left, d)
			}
		}
	}
	if len(left) > 0 {
		t.Errorf("cgroups left: %v", left)
	}
	if _, err := os.Stat(filepath.Join(r.cg.root, "burstable")); err == nil {
		t.Errorf("the empty cgroup parent burstable was kept: want it removed with its last pod")
	}
	for _, d := range []string{r.sandboxDir(sb), r.containerDir(a), r.containerDir(b)} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("state %s left: %v", d, err)
		}
	}
	if st := journalOf(t, r); st.sandboxes[sb] != nil || st.containers[a] != nil || st.containers[b] != nil {
		t.Errorf("the journal still records the sandbox or its containers")
	}
	// Other programs may mount things meanwhile: look at our paths only.
	mountsAfter, _ := os.ReadFile("/proc/self/mountinfo")
	if diff := cmp.Diff(ourMounts(string(mountsBefore), src, target), ourMounts(string(mountsAfter), src, target)); diff != "" {
		t.Errorf("host mounts changed (-before +after):\n%s", diff)
	}
	if _, err := r.PodSandboxStatus(ctx, sb); !errors.Is(err, kubelet.ErrNotFound) {
		t.Errorf("status of removed sandbox: %v, want ErrNotFound", err)
	}
	if got, _ := r.ListContainers(ctx, &kubelet.ContainerFilter{SandboxID: sb}); len(got) != 0 {
		t.Errorf("containers of removed sandbox: %v", got)
	}
	if err := r.RemovePodSandbox(ctx, sb); err != nil {
		t.Errorf("second remove: %v", err)
	}
	if err := r.StopPodSandbox(ctx, sb); err != nil {
		t.Errorf("stop after remove: %v", err)
	}
}

// readyFifo is a fifo that a container's script writes to when it is
// ready; the test holds it open for reading and writing, so that the
// script's open never blocks and the test's read waits for the data.
type readyFifo struct {
	path string
	f    *os.File
}

// waitReady makes a readyFifo in a new temporary directory.
func waitReady(t *testing.T) *readyFifo {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ready")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &readyFifo{path: path, f: f}
}

// wait reads want from the fifo, failing t after 30 s.
func (r *readyFifo) wait(t *testing.T, want string) {
	t.Helper()
	if err := r.f.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(want))
	if _, err := io.ReadFull(r.f, buf); err != nil {
		t.Fatalf("wait for the container to report %q: %v", want, err)
	}
	if string(buf) != want {
		t.Fatalf("the container reported %q, want %q", buf, want)
	}
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func TestRecovery(t *testing.T) {
	r1 := newTestRuntime(t, Options{})
	ctx := t.Context()
	sbCfg := sandboxConfig(t, "survivor")
	sb := runSandbox(t, r1, sbCfg)
	running := startContainer(t, r1, sb, sbCfg, shContainer("running", `exec sleep 1000`))
	exited := startContainer(t, r1, sb, sbCfg, shContainer("exited", `exit 5`))
	waitExited(t, r1, exited)
	created, err := r1.CreateContainer(ctx, sb, shContainer("created", "true"), sbCfg)
	if err != nil {
		t.Fatal(err)
	}
	st1, _ := r1.ContainerStatus(ctx, running)

	// A new runtime on the same state, as after a restart of the process.
	r2 := newTestRuntime(t, Options{RootDir: r1.opts.RootDir, CgroupRoot: r1.cg.root})
	sbs, err := r2.ListPodSandbox(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sbs) != 1 || sbs[0].ID != sb || sbs[0].State != kubelet.SandboxReady || sbs[0].Labels["app"] != "survivor" {
		t.Fatalf("recovered sandboxes: %+v", sbs)
	}
	type brief struct {
		Name     string
		State    kubelet.ContainerState
		ExitCode int32
		Reason   string
		PID      int
	}
	var got []brief
	ctrs, _ := r2.ListContainers(ctx, &kubelet.ContainerFilter{SandboxID: sb})
	for _, c := range ctrs {
		got = append(got, brief{c.Metadata.Name, c.State, c.ExitCode, c.Reason, c.PID})
	}
	want := []brief{
		{"running", kubelet.ContainerRunning, 0, "", st1.PID},
		{"exited", kubelet.ContainerExited, 5, kubelet.ReasonError, 0},
		{"created", kubelet.ContainerCreated, 0, "", 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recovered containers (-want +got):\n%s", diff)
	}
	// Stats and exec work on a recovered container.
	if _, err := r2.ContainerStats(ctx, running); err != nil {
		t.Errorf("stats of recovered container: %v", err)
	}
	if res, err := r2.ExecSync(ctx, running, []string{"cat", "/proc/sys/kernel/hostname"}, 10*time.Second); err != nil || string(res.Stdout) != "survivor\n" {
		t.Errorf("exec in recovered container: %q, %v", res.Stdout, err)
	}
	// Its process dies while the new runtime runs: reported exited.
	c, _ := r2.getContainer(running)
	if err := r2.cg.kill(c.rec.Cgroup, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st := waitExited(t, r2, running)
	if st.Reason == "" || st.FinishedAt.IsZero() {
		t.Errorf("recovered container after its process died: %+v", st)
	}
	// The new runtime starts the created container and removes everything.
	if err := r2.StartContainer(ctx, created); err != nil {
		t.Fatal(err)
	}
	if st := waitExited(t, r2, created); st.ExitCode != 0 {
		t.Errorf("created container exit %d", st.ExitCode)
	}
	if err := r2.RemovePodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	// A third runtime finds nothing.
	r3 := newTestRuntime(t, Options{RootDir: r1.opts.RootDir, CgroupRoot: r1.cg.root})
	if sbs, _ := r3.ListPodSandbox(ctx, nil); len(sbs) != 0 {
		t.Errorf("after removal a new runtime lists %d sandboxes", len(sbs))
	}
}

func TestValidation(t *testing.T) {
	r := newTestRuntime(t, Options{})
	ctx := t.Context()
	for name, mod := range map[string]func(c *kubelet.PodSandboxConfig){
		"no name":         func(c *kubelet.PodSandboxConfig) { c.Metadata.Name = "" },
		"bad uid":         func(c *kubelet.PodSandboxConfig) { c.Metadata.UID = "../x" },
		"bad hostname":    func(c *kubelet.PodSandboxConfig) { c.Hostname = "a b" },
		"relative logdir": func(c *kubelet.PodSandboxConfig) { c.LogDirectory = "logs" },
		"escaping parent": func(c *kubelet.PodSandboxConfig) { c.Linux.CgroupParent = "../x" },
		"missing netns":   func(c *kubelet.PodSandboxConfig) { c.Linux.Namespaces.NetNSPath = "/no/such/netns" },
		"bad pid mode":    func(c *kubelet.PodSandboxConfig) { c.Linux.Namespaces.PID = 7 },
	} {
		cfg := sandboxConfig(t, "v")
		mod(cfg)
		if _, err := r.RunPodSandbox(ctx, cfg); !errors.Is(err, kubelet.ErrInvalid) {
			t.Errorf("%s: RunPodSandbox: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := r.RunPodSandbox(ctx, nil); !errors.Is(err, kubelet.ErrInvalid) {
		t.Errorf("nil config: %v", err)
	}
	sbCfg := sandboxConfig(t, "v")
	sb := runSandbox(t, r, sbCfg)
	for name, mod := range map[string]func(c *kubelet.ContainerConfig){
		"no name":          func(c *kubelet.ContainerConfig) { c.Metadata.Name = "" },
		"absolute logpath": func(c *kubelet.ContainerConfig) { c.LogPath = "/etc/x.log" },
		"escaping logpath": func(c *kubelet.ContainerConfig) { c.LogPath = "../x.log" },
		"negative memory":  func(c *kubelet.ContainerConfig) { c.Resources.MemoryLimitInBytes = -1 },
		"tiny quota":       func(c *kubelet.ContainerConfig) { c.Resources.CPUQuota = 10 },
		"bad signal":       func(c *kubelet.ContainerConfig) { c.StopSignal = "SIGNOPE" },
		"missing command":  func(c *kubelet.ContainerConfig) { c.Command = []string{"no-such-command-xyz"} },
	} {
		cfg := shContainer("c", "true")
		mod(cfg)
		if _, err := r.CreateContainer(ctx, sb, cfg, sbCfg); !errors.Is(err, kubelet.ErrInvalid) {
			t.Errorf("%s: CreateContainer: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := r.CreateContainer(ctx, "nope", shContainer("c", "true"), sbCfg); !errors.Is(err, kubelet.ErrNotFound) {
		t.Errorf("unknown sandbox: %v, want ErrNotFound", err)
	}
	for name, opts := range map[string]Options{
		"negative size":    {LogMaxSize: -1},
		"relative root":    {RootDir: "state"},
		"line over size":   {LogMaxSize: 100, LogMaxLineSize: 200},
		"image with tag":   {Images: map[string]Image{"x:1": {}}},
		"relative rootfs":  {Images: map[string]Image{"x": {Rootfs: "rootfs"}}},
		"cgroup elsewhere": {CgroupRoot: "/tmp/not-a-cgroup"},
	} {
		if _, err := New(opts); !errors.Is(err, kubelet.ErrInvalid) {
			t.Errorf("%s: New: %v, want ErrInvalid", name, err)
		}
	}
}

// ourMounts returns the lines of mountinfo that name any of paths.
func ourMounts(mountinfo string, paths ...string) []string {
	var out []string
	for _, l := range strings.Split(mountinfo, "\n") {
		for _, p := range paths {
			if strings.Contains(l, p) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// TestNewNotRoot runs New as an unprivileged user (the test binary, copied
// where that user can run it) and expects kubelet.ErrUnsupported.
func TestNewNotRoot(t *testing.T) {
	requireRoot(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // t.TempDir makes them 0700
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "process.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{newAsUserEnv + "=" + filepath.Join(dir, "state")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run as nobody: %v: %s", err, out)
	}
	if !strings.HasPrefix(string(out), "unsupported=true: ") || !strings.Contains(string(out), "root") {
		t.Errorf("New as nobody: %s; want an error wrapping ErrUnsupported that says root is needed", out)
	}
}
