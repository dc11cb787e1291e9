package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/internal/testwatch"
	"github.com/rigging-dev/rigging/kubelet"
)

// The test binary doubles as a memory allocator for the OOM test: with
// allocEnv set it allocates and touches that many MiB, then exits 0.
const allocEnv = "RIGGING_TEST_ALLOC_MIB"

// With newAsUserEnv set to a directory, the test binary calls New with it
// as RootDir and prints the outcome (TestNewNotRoot runs it as nobody).
const newAsUserEnv = "RIGGING_TEST_NEW_ROOTDIR"

func TestMain(m *testing.M) {
	if v := os.Getenv(allocEnv); v != "" {
		var mib int
		fmt.Sscan(v, &mib)
		// mmap, not the Go heap: the heap (and the race detector's shadow
		// of it) would add its own overhead to the figure.
		b, err := syscall.Mmap(-1, 0, mib<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		fmt.Println("allocated", mib, "MiB")
		os.Exit(0)
	}
	if dir := os.Getenv(newAsUserEnv); dir != "" {
		_, err := New(Options{RootDir: dir})
		fmt.Printf("unsupported=%v: %v\n", errors.Is(err, kubelet.ErrUnsupported), err)
		os.Exit(0)
	}
	for _, ns := range []string{"uts", "ipc", "net", "pid", "mnt"} {
		startNS[ns], _ = os.Readlink("/proc/self/ns/" + ns)
	}
	testwatch.Run(m) // os.Exit(m.Run()), reporting a test that would time out
}

// startNS holds the test process's namespaces before any test ran.
var startNS = map[string]string{}

// checkOwnNamespaces fails t if the test process's main thread (whose
// namespaces /proc/<pid>/ns shows) was moved into another namespace: the
// runtime must only ever setns threads it throws away.
func checkOwnNamespaces(t testing.TB) {
	t.Helper()
	for ns, want := range startNS {
		if got, _ := os.Readlink("/proc/self/ns/" + ns); got != want {
			t.Errorf("the test process's %s namespace is %s, was %s at start", ns, got, want)
		}
	}
}

// requireRoot skips t unless it runs as root; with CI=true it fails.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("this test needs root (namespaces, cgroups); CI=true forbids skipping")
	}
	t.Skip("needs root")
}

// newTestRuntime makes a runtime on a private RootDir and a private cgroup
// root, both removed (and checked empty) when t ends.
func newTestRuntime(t testing.TB, opts Options) *Runtime {
	t.Helper()
	requireRoot(t)
	if opts.RootDir == "" {
		opts.RootDir = t.TempDir()
	}
	if opts.CgroupRoot == "" {
		mounts, err := readMountinfo()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mounts {
			if m.fstype == "cgroup2" {
				opts.CgroupRoot = filepath.Join(m.point, "rigging-test-"+newID()[:12])
				break
			}
		}
		if opts.CgroupRoot == "" {
			if os.Getenv("CI") == "true" {
				t.Fatal("no cgroup2 mount; CI=true forbids skipping")
			}
			t.Skip("no cgroup2 mount")
		}
	}
	r, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sbs, _ := r.ListPodSandbox(ctx, nil)
		for _, s := range sbs {
			if err := r.RemovePodSandbox(ctx, s.ID); err != nil {
				t.Errorf("cleanup: RemovePodSandbox %s: %v", s.ID, err)
			}
		}
		root := r.cg.rootCgroup()
		for _, d := range append([]string{root.V2}, mapValues(root.V1)...) {
			entries, _ := os.ReadDir(d)
			for _, e := range entries {
				if e.IsDir() {
					t.Errorf("cleanup: cgroup %s left behind", filepath.Join(d, e.Name()))
				}
			}
		}
		if err := r.cg.remove(root); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("cleanup: Close: %v", err)
		}
		checkOwnNamespaces(t)
		checkThreadsHome(t)
	})
	return r
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func sandboxConfig(t testing.TB, name string) *kubelet.PodSandboxConfig {
	return &kubelet.PodSandboxConfig{
		Metadata:     kubelet.PodSandboxMetadata{Name: name, Namespace: "default", UID: newID()},
		Hostname:     name,
		LogDirectory: filepath.Join(t.TempDir(), "logs"),
		Labels:       map[string]string{"app": name},
	}
}

func runSandbox(t testing.TB, r *Runtime, cfg *kubelet.PodSandboxConfig) string {
	t.Helper()
	id, err := r.RunPodSandbox(context.Background(), cfg)
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	return id
}

func shContainer(name, script string) *kubelet.ContainerConfig {
	return &kubelet.ContainerConfig{
		Metadata: kubelet.ContainerMetadata{Name: name},
		Image:    "docker.io/library/sh:latest",
		Command:  []string{"/bin/sh", "-c", script},
		LogPath:  name + ".log",
	}
}

// startContainer creates and starts a container.
func startContainer(t testing.TB, r *Runtime, sb string, sbCfg *kubelet.PodSandboxConfig, cfg *kubelet.ContainerConfig) string {
	t.Helper()
	ctx := context.Background()
	id, err := r.CreateContainer(ctx, sb, cfg, sbCfg)
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if err := r.StartContainer(ctx, id); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	return id
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitExited(t testing.TB, r *Runtime, id string) *kubelet.ContainerStatus {
	t.Helper()
	var st *kubelet.ContainerStatus
	waitFor(t, "container "+id+" to exit", 30*time.Second, func() bool {
		var err error
		st, err = r.ContainerStatus(context.Background(), id)
		if err != nil {
			t.Fatalf("ContainerStatus: %v", err)
		}
		return st.State == kubelet.ContainerExited
	})
	return st
}

// logEntry is one parsed CRI log line.
type logEntry struct {
	Stream, Tag, Text string
}

func readLog(t testing.TB, path string) []logEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open log: %v", err)
	}
	defer f.Close()
	var out []logEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), " ", 4)
		if len(parts) != 4 {
			t.Fatalf("malformed log line %q", sc.Text())
		}
		if _, err := time.Parse(time.RFC3339Nano, parts[0]); err != nil {
			t.Fatalf("log line %q: bad timestamp: %v", sc.Text(), err)
		}
		out = append(out, logEntry{parts[1], parts[2], parts[3]})
	}
	return out
}

// byStream groups log entries by stream, keeping their order.
func byStream(es []logEntry) map[string][]logEntry {
	out := map[string][]logEntry{}
	for _, e := range es {
		out[e.Stream] = append(out[e.Stream], e)
	}
	return out
}
