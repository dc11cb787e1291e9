package process

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

// TestPauselessSandbox covers a sandbox without a pause process (PID mode
// Container, the kubelet's default): its containers share the UTS, IPC
// and network namespaces, which outlive a runtime restart and go with
// RemovePodSandbox.
func TestPauselessSandbox(t *testing.T) {
	r1 := newTestRuntime(t, Options{})
	ctx := t.Context()
	netns, _ := newNetns(t)
	mountsBefore, _ := os.ReadFile("/proc/self/mountinfo")
	sbCfg := sandboxConfig(t, "nopause")
	sbCfg.Hostname = "nopause-host"
	sbCfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
	sbCfg.Linux.Namespaces.NetNSPath = netns
	sbCfg.Linux.Sysctls = map[string]string{"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}
	hostShm, _ := os.ReadFile("/proc/sys/kernel/shmmni")
	sb := runSandbox(t, r1, sbCfg)
	s, _ := r1.getSandbox(sb)
	if !s.rec.NoPause || s.rec.PausePID != 0 {
		t.Fatalf("sandbox record: noPause %v, pause PID %d; want no pause process", s.rec.NoPause, s.rec.PausePID)
	}
	nsFiles := r1.nsFiles(&s.rec)
	script := `cat /proc/sys/kernel/hostname /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni; echo pid $$; exec sleep 1000`
	a := startContainer(t, r1, sb, sbCfg, shContainer("a", script))
	b := startContainer(t, r1, sb, sbCfg, shContainer("b", `exec sleep 1000`))
	sa, _ := r1.ContainerStatus(ctx, a)
	sbSt, _ := r1.ContainerStatus(ctx, b)
	waitFor(t, "container a to log", 10*time.Second, func() bool { return len(readLog(t, sa.LogPath)) >= 4 })
	want := []logEntry{{"stdout", "F", "nopause-host"}, {"stdout", "F", "1"}, {"stdout", "F", "1234"}, {"stdout", "F", "pid 1"}}
	if diff := cmp.Diff(want, readLog(t, sa.LogPath)); diff != "" {
		t.Errorf("container a saw (-want +got):\n%s", diff)
	}
	if f, _ := os.ReadFile("/proc/sys/kernel/shmmni"); string(f) != string(hostShm) {
		t.Errorf("host shmmni changed from %q to %q", hostShm, f)
	}
	for _, ns := range []string{"uts", "ipc", "net"} {
		got := []string{nsLink(t, sa.PID, ns), nsLink(t, sbSt.PID, ns)}
		if got[0] != got[1] {
			t.Errorf("%s namespace not shared: %v", ns, got)
		}
		if got[0] == nsLink(t, os.Getpid(), ns) {
			t.Errorf("%s namespace is the host's", ns)
		}
		if ns != "net" {
			var bound, in unix.Stat_t
			nsFile := r1.nsFile(&s.rec, ns)
			if err := unix.Stat(nsFile, &bound); err != nil {
				t.Fatalf("bound %s namespace: %v", ns, err)
			}
			if err := unix.Stat("/proc/"+itoa(sa.PID)+"/ns/"+ns, &in); err != nil {
				t.Fatal(err)
			}
			if bound.Ino != in.Ino || bound.Dev != in.Dev {
				t.Errorf("%s namespace of container a is not the one bound on %s", ns, nsFile)
			}
		}
	}
	if nsLink(t, sa.PID, "pid") == nsLink(t, sbSt.PID, "pid") {
		t.Error("two containers share a PID namespace in mode Container")
	}
	// Only the containers' processes are in the pod's cgroup.
	podProcs := 0
	_ = filepath.WalkDir(s.rec.Cgroup.V2, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "cgroup.procs" {
			data, _ := os.ReadFile(p)
			podProcs += len(strings.Fields(string(data)))
		}
		return nil
	})
	if podProcs != 2 {
		t.Errorf("%d processes in the pod's cgroup, want 2 (no pause process)", podProcs)
	}

	// A new runtime on the same state finds the bound namespaces again.
	r2 := newTestRuntime(t, Options{RootDir: r1.opts.RootDir, CgroupRoot: r1.cg.root})
	ps, err := r2.PodSandboxStatus(ctx, sb)
	if err != nil || ps.State != kubelet.SandboxReady {
		t.Fatalf("recovered sandbox: %+v, %v; want ready", ps, err)
	}
	if res, err := r2.ExecSync(ctx, a, []string{"cat", "/proc/sys/kernel/hostname"}, 10*time.Second); err != nil || string(res.Stdout) != "nopause-host\n" {
		t.Errorf("exec in recovered container: %q, %v", res.Stdout, err)
	}
	c := startContainer(t, r2, sb, sbCfg, shContainer("c", `exec sleep 1000`))
	sc, _ := r2.ContainerStatus(ctx, c)
	for _, ns := range []string{"uts", "ipc", "net"} {
		if got, want := nsLink(t, sc.PID, ns), nsLink(t, sa.PID, ns); got != want {
			t.Errorf("container started after the restart: %s namespace %s, want the pod's %s", ns, got, want)
		}
	}
	pids := []int{sa.PID, sbSt.PID, sc.PID}
	if err := r2.StopPodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	if ps, _ := r2.PodSandboxStatus(ctx, sb); ps.State != kubelet.SandboxNotReady {
		t.Errorf("after stop: %v, want not ready", ps.State)
	}
	if _, err := r2.CreateContainer(ctx, sb, shContainer("late", "true"), sbCfg); !errors.Is(err, kubelet.ErrInvalid) {
		t.Errorf("create in a stopped sandbox: %v, want ErrInvalid", err)
	}
	if err := r2.RemovePodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		waitFor(t, "process "+itoa(pid)+" to be gone", 10*time.Second, func() bool { return !alive(pid) })
	}
	mountsAfter, _ := os.ReadFile("/proc/self/mountinfo")
	if got := ourMounts(string(mountsAfter), nsFiles...); len(got) > 0 {
		t.Errorf("namespace mounts left: %v", got)
	}
	for _, f := range nsFiles {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("namespace file %s left: %v", f, err)
		}
	}
	if diff := cmp.Diff(ourMounts(string(mountsBefore), r1.opts.RootDir), ourMounts(string(mountsAfter), r1.opts.RootDir)); diff != "" {
		t.Errorf("mounts under RootDir changed (-before +after):\n%s", diff)
	}
	for _, d := range append([]string{r2.sandboxDir(sb), s.rec.Cgroup.V2}, mapValues(s.rec.Cgroup.V1)...) {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left: %v", d, err)
		}
	}
}

// TestPauselessSandboxAfterReboot: bound namespaces that are gone (the
// files are no longer mounts, as after a reboot) make the recovered
// sandbox not ready, and removing it still works.
func TestPauselessSandboxAfterReboot(t *testing.T) {
	r1 := newTestRuntime(t, Options{})
	ctx := t.Context()
	sbCfg := sandboxConfig(t, "reboot")
	sbCfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
	sb := runSandbox(t, r1, sbCfg)
	s, _ := r1.getSandbox(sb)
	// What a reboot leaves: the files, no mounts, no descriptors.
	s.mu.Lock()
	closeJoins(s.nsfds)
	s.nsfds, s.live = nil, false
	s.mu.Unlock()
	for _, n := range []string{"uts", "ipc"} {
		if err := unix.Unmount(r1.nsFile(&s.rec, n), unix.MNT_DETACH); err != nil {
			t.Fatal(err)
		}
	}
	r2 := newTestRuntime(t, Options{RootDir: r1.opts.RootDir, CgroupRoot: r1.cg.root})
	if ps, err := r2.PodSandboxStatus(ctx, sb); err != nil || ps.State != kubelet.SandboxNotReady {
		t.Errorf("recovered sandbox without its namespaces: %+v, %v; want not ready", ps, err)
	}
	if err := r2.RemovePodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r2.sandboxDir(sb)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sandbox state left: %v", err)
	}
}

// TestPauselessSandboxHoldsNoBoundNamespace checks that the runtime keeps
// no descriptor of a pauseless sandbox's bound UTS and IPC namespaces
// (it opens the files for each start), while its containers still join
// them.
func TestPauselessSandboxHoldsNoBoundNamespace(t *testing.T) {
	r := newTestRuntime(t, Options{})
	sbCfg := sandboxConfig(t, "nofds")
	sbCfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
	sb := runSandbox(t, r, sbCfg)
	a := startContainer(t, r, sb, sbCfg, shContainer("a", `exec sleep 1000`))
	b := startContainer(t, r, sb, sbCfg, shContainer("b", `exec sleep 1000`))
	sa, _ := r.ContainerStatus(t.Context(), a)
	sbSt, _ := r.ContainerStatus(t.Context(), b)
	held := map[string]bool{}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			held[l] = true
		}
	}
	for _, ns := range []string{"uts", "ipc"} {
		link := nsLink(t, sa.PID, ns)
		if link == nsLink(t, os.Getpid(), ns) {
			t.Errorf("container a is in the host's %s namespace", ns)
		}
		if got := nsLink(t, sbSt.PID, ns); got != link {
			t.Errorf("containers a and b are in different %s namespaces: %s, %s", ns, link, got)
		}
		if held[link] {
			t.Errorf("the runtime holds a descriptor of the pod's %s namespace %s", ns, link)
		}
	}
}
