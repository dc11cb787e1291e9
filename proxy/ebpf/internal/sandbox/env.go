package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Require skips t unless the process runs as root, or fails it when the
// environment variable CI is "true" (CI must not skip privileged tests).
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("needs root (CI=true: privileged tests must run)")
	}
	t.Skip("needs root")
}

var seq atomic.Uint64

// uniqueName returns a name unique on this machine for this process.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), seq.Add(1))
}

// Netns is a named network namespace (ip netns) created for one test.
type Netns struct {
	Name string // name under /run/netns
	Path string // bind mount of the namespace
}

// NewNetns creates a network namespace with lo up, and removes it when t
// ends.
func NewNetns(t testing.TB) *Netns {
	t.Helper()
	name := uniqueName("rig")
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	n := &Netns{Name: name, Path: filepath.Join("/run/netns", name)}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	n.IP(t, "link", "set", "lo", "up")
	return n
}

// IP runs `ip -n <ns> args...` and fails t on error.
func (n *Netns) IP(t testing.TB, args ...string) {
	t.Helper()
	full := append([]string{"-n", n.Name}, args...)
	if out, err := exec.Command("ip", full...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(full, " "), err, out)
	}
}

// AddAddrs adds addresses (CIDR notation) to n's loopback interface, so
// servers inside n can listen on them and nothing outside n can reach them.
func (n *Netns) AddAddrs(t testing.TB, addrs ...string) {
	t.Helper()
	for _, a := range addrs {
		n.IP(t, "addr", "add", a, "dev", "lo")
	}
}

// Do runs fn on an OS thread switched into n; sockets fn creates belong to
// n for their whole life.
func (n *Netns) Do(fn func() error) error {
	target, err := os.Open(n.Path)
	if err != nil {
		return err
	}
	defer target.Close()
	runtime.LockOSThread()
	orig, err := os.Open(fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns %s: %w", n.Path, err)
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: it dies with this goroutine rather
		// than run other goroutines in the wrong namespace.
		return errors.Join(ferr, fmt.Errorf("setns back: %w", err))
	}
	runtime.UnlockOSThread()
	return ferr
}

// Cgroup is a cgroup v2 directory created for one test.
type Cgroup struct {
	Path string
}

// NewCgroup creates a cgroup directory below root (the cgroup v2 mount
// point) and removes it when t ends, waiting (with a deadline) for the
// processes that ran in it to be gone.
func NewCgroup(t testing.TB, root string) *Cgroup {
	t.Helper()
	p := filepath.Join(root, uniqueName("rigging-test"))
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatalf("create cgroup: %v", err)
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := unix.Rmdir(p)
			if err == nil || errors.Is(err, unix.ENOENT) {
				return
			}
			if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
				t.Errorf("remove cgroup %s: %v (procs: %s)", p, err, procs(p))
				return
			}
			time.Sleep(10 * time.Millisecond) // polling the kernel's exit bookkeeping, with a deadline
		}
	})
	return &Cgroup{Path: p}
}

func procs(p string) string {
	f, err := os.Open(filepath.Join(p, "cgroup.procs"))
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ids = append(ids, sc.Text())
	}
	return strings.Join(ids, ",")
}
