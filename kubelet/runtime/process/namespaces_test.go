package process

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

func nsLink(t testing.TB, pid int, ns string) string {
	t.Helper()
	l, err := os.Readlink("/proc/" + itoa(pid) + "/ns/" + ns)
	if err != nil {
		t.Fatalf("readlink ns %s of %d: %v", ns, pid, err)
	}
	return l
}

func TestPodSharesNamespaces(t *testing.T) {
	r := newTestRuntime(t, Options{})
	ctx := t.Context()
	sbCfg := sandboxConfig(t, "shared")
	sbCfg.Hostname = "shared-host"
	sb := runSandbox(t, r, sbCfg)
	a := startContainer(t, r, sb, sbCfg, shContainer("a", `cat /proc/sys/kernel/hostname; echo pid $$; exec sleep 1000`))
	b := startContainer(t, r, sb, sbCfg, shContainer("b", `cat /proc/sys/kernel/hostname; exec sleep 1000`))
	sa, _ := r.ContainerStatus(ctx, a)
	sbSt, _ := r.ContainerStatus(ctx, b)
	waitFor(t, "both containers to log", 10*time.Second, func() bool {
		return len(readLog(t, sa.LogPath)) >= 2 && len(readLog(t, sbSt.LogPath)) >= 1
	})
	if got := readLog(t, sa.LogPath)[0].Text; got != "shared-host" {
		t.Errorf("container a hostname %q, want shared-host", got)
	}
	if got := readLog(t, sbSt.LogPath)[0].Text; got != "shared-host" {
		t.Errorf("container b hostname %q, want shared-host", got)
	}
	// In the pod's PID namespace the pause process is 1, so sh is not.
	if got := readLog(t, sa.LogPath)[1].Text; got == "pid 1" || !strings.HasPrefix(got, "pid ") {
		t.Errorf("container a sees itself as %q, want a PID above 1", got)
	}
	s, _ := r.getSandbox(sb)
	pause := s.rec.PausePID
	for _, ns := range []string{"uts", "ipc", "pid", "net"} {
		host := nsLink(t, os.Getpid(), ns)
		got := []string{nsLink(t, sa.PID, ns), nsLink(t, sbSt.PID, ns)}
		want := []string{nsLink(t, pause, ns), nsLink(t, pause, ns)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s namespace of containers (-pause +containers):\n%s", ns, diff)
		}
		if ns != "net" && got[0] == host {
			t.Errorf("%s namespace is the host's (%s)", ns, host)
		}
		if ns == "net" && got[0] != host {
			t.Errorf("no NetNSPath: net namespace %s, want the host's %s", got[0], host)
		}
	}
}

func TestHostNamespaces(t *testing.T) {
	r := newTestRuntime(t, Options{})
	sbCfg := sandboxConfig(t, "hostns")
	sbCfg.Linux.Namespaces = kubelet.NamespaceOptions{Network: kubelet.NamespaceModeNode, IPC: kubelet.NamespaceModeNode, PID: kubelet.NamespaceModeNode}
	sb := runSandbox(t, r, sbCfg)
	id := startContainer(t, r, sb, sbCfg, shContainer("a", `exec sleep 1000`))
	st, _ := r.ContainerStatus(t.Context(), id)
	for _, ns := range []string{"uts", "ipc", "pid", "net"} {
		if got, host := nsLink(t, st.PID, ns), nsLink(t, os.Getpid(), ns); got != host {
			t.Errorf("%s namespace %s, want the host's %s", ns, got, host)
		}
	}
}

func TestContainerPIDNamespace(t *testing.T) {
	r := newTestRuntime(t, Options{})
	sbCfg := sandboxConfig(t, "pidc")
	sbCfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
	sb := runSandbox(t, r, sbCfg)
	a := startContainer(t, r, sb, sbCfg, shContainer("a", `echo pid $$; exec sleep 1000`))
	b := startContainer(t, r, sb, sbCfg, shContainer("b", `exec sleep 1000`))
	sa, _ := r.ContainerStatus(t.Context(), a)
	sbSt, _ := r.ContainerStatus(t.Context(), b)
	waitFor(t, "log", 10*time.Second, func() bool { return len(readLog(t, sa.LogPath)) > 0 })
	if got := readLog(t, sa.LogPath)[0].Text; got != "pid 1" {
		t.Errorf("container a sees itself as %q, want pid 1", got)
	}
	if nsLink(t, sa.PID, "pid") == nsLink(t, sbSt.PID, "pid") {
		t.Error("two containers share a PID namespace in mode Container")
	}
	res, err := r.ExecSync(t.Context(), a, []string{"/bin/sh", "-c", "readlink /proc/self/ns/pid"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(res.Stdout)), nsLink(t, sa.PID, "pid"); got != want {
		t.Errorf("exec's PID namespace %s, want the container's %s", got, want)
	}
}

// newNetns makes a network namespace bound to a file in t.TempDir, with
// address 192.0.2.10 on its loopback device when ip(8) is available, and
// removes it when t ends.
func newNetns(t *testing.T) (path string, withIP bool) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "netns")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	// A thread that is not moved back (nil home): thrown away after.
	(*threadHome)(nil).run(func() threadChange {
		gone := threadChange{ns: unix.CLONE_NEWNET}
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- err
			return gone
		}
		src := "/proc/self/task/" + itoa(unix.Gettid()) + "/ns/net"
		if err := unix.Mount(src, path, "", unix.MS_BIND, ""); err != nil {
			errc <- err
			return gone
		}
		// Commands started from this thread are born in the new netns.
		if ip, err := exec.LookPath("ip"); err == nil {
			out, err := exec.Command(ip, "addr", "add", "192.0.2.10/24", "dev", "lo").CombinedOutput()
			if err == nil {
				out, err = exec.Command(ip, "link", "set", "lo", "up").CombinedOutput()
			}
			if err != nil {
				errc <- errors.New(string(out))
				return gone
			}
			withIP = true
		}
		errc <- nil
		return gone
	})
	if err := <-errc; err != nil {
		t.Fatalf("create netns: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount netns: %v", err)
		}
	})
	return path, withIP
}

func TestNetNSPath(t *testing.T) {
	r := newTestRuntime(t, Options{})
	path, withIP := newNetns(t)
	sbCfg := sandboxConfig(t, "net")
	sbCfg.Linux.Namespaces.NetNSPath = path
	// One sysctl of the network namespace, one of the IPC namespace.
	sbCfg.Linux.Sysctls = map[string]string{"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}
	hostFwd, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	hostShm, _ := os.ReadFile("/proc/sys/kernel/shmmni")
	sb := runSandbox(t, r, sbCfg)
	id := startContainer(t, r, sb, sbCfg, shContainer("a", `cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni; exec sleep 1000`))
	st, _ := r.ContainerStatus(t.Context(), id)
	waitFor(t, "sysctls in log", 10*time.Second, func() bool { return len(readLog(t, st.LogPath)) >= 2 })
	if diff := cmp.Diff([]logEntry{{"stdout", "F", "1"}, {"stdout", "F", "1234"}}, readLog(t, st.LogPath)); diff != "" {
		t.Errorf("sysctls seen in the pod (-want +got):\n%s", diff)
	}
	if f, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); string(f) != string(hostFwd) {
		t.Errorf("host ip_forward changed from %q to %q", hostFwd, f)
	}
	if f, _ := os.ReadFile("/proc/sys/kernel/shmmni"); string(f) != string(hostShm) {
		t.Errorf("host shmmni changed from %q to %q", hostShm, f)
	}
	var want, got unix.Stat_t
	if err := unix.Stat(path, &want); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat("/proc/"+itoa(st.PID)+"/ns/net", &got); err != nil {
		t.Fatal(err)
	}
	if got.Ino != want.Ino || got.Dev != want.Dev {
		t.Errorf("container's netns inode %d, want %d (the NetNSPath)", got.Ino, want.Ino)
	}
	if withIP {
		ss, _ := r.PodSandboxStatus(t.Context(), sb)
		if ss.IP != "192.0.2.10" {
			t.Errorf("sandbox IP %q, want 192.0.2.10", ss.IP)
		}
	}
}

func TestExecSync(t *testing.T) {
	r := newTestRuntime(t, Options{})
	ctx := t.Context()
	sbCfg := sandboxConfig(t, "exec")
	sb := runSandbox(t, r, sbCfg)
	cfg := shContainer("a", `exec sleep 1000`)
	cfg.Envs = []kubelet.KeyValue{{Key: "FOO", Value: "bar"}}
	cfg.WorkingDir = "/tmp"
	id := startContainer(t, r, sb, sbCfg, cfg)
	st, _ := r.ContainerStatus(ctx, id)

	res, err := r.ExecSync(ctx, id, []string{"sh", "-c", `echo $FOO; pwd; cat /proc/sys/kernel/hostname; readlink /proc/self/ns/uts; echo err >&2; exit 7`}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := kubelet.ExecResult{
		Stdout:   []byte("bar\n/tmp\nexec\n" + nsLink(t, st.PID, "uts") + "\n"),
		Stderr:   []byte("err\n"),
		ExitCode: 7,
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("exec result (-want +got):\n%s", diff)
	}
	// The exec'd process ran in the container's cgroup.
	res, err = r.ExecSync(ctx, id, []string{"cat", "/proc/self/cgroup"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := r.getContainer(id)
	if !strings.Contains(string(res.Stdout), filepath.Base(c.rec.Cgroup.V2)) {
		t.Errorf("exec's cgroups:\n%s\nwant %s", res.Stdout, c.rec.Cgroup.V2)
	}

	start := time.Now()
	_, err = r.ExecSync(ctx, id, []string{"sleep", "30"}, 200*time.Millisecond)
	if !errors.Is(err, kubelet.ErrExecTimeout) {
		t.Errorf("exec past timeout: %v, want ErrExecTimeout", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("timed-out exec returned after %v", took)
	}
	// A background child keeping the output pipes open does not hold
	// ExecSync past the command's own exit.
	res, err = r.ExecSync(ctx, id, []string{"sh", "-c", "sleep 30 & echo hi"}, 20*time.Second)
	if err != nil || string(res.Stdout) != "hi\n" || res.ExitCode != 0 {
		t.Errorf("exec leaving a background child: %q, %d, %v", res.Stdout, res.ExitCode, err)
	}
	if _, err := r.ExecSync(ctx, id, []string{"no-such-command-xyz"}, time.Second); err == nil {
		t.Error("exec of a missing command succeeded")
	}
	if _, err := r.ExecSync(ctx, "nope", []string{"true"}, time.Second); !errors.Is(err, kubelet.ErrNotFound) {
		t.Errorf("exec in unknown container: %v, want ErrNotFound", err)
	}
	if err := r.StopContainer(ctx, id, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ExecSync(ctx, id, []string{"true"}, time.Second); !errors.Is(err, kubelet.ErrInvalid) {
		t.Errorf("exec in exited container: %v, want ErrInvalid", err)
	}
}
