package process

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

// threadState is where one thread of the test process is: its
// namespaces (as /proc/<pid>/task/<tid>/ns shows them) and its cgroups.
type threadState struct {
	NS     map[string]string
	Cgroup string
}

// threadNamespaces are the namespace links compared by threadsAway; a
// thread's pid_for_children must be the process's PID namespace.
var threadNamespaces = []string{"net", "uts", "ipc", "pid", "pid_for_children", "mnt"}

// threadsAway returns, by thread ID, the threads of the test process that
// are not in the process's namespaces of when the tests started or not in
// the process's cgroups (as /proc/self/cgroup shows them): threads that
// were borrowed and not moved back, or not yet ended.
func threadsAway(t testing.TB) map[int]threadState {
	t.Helper()
	want := threadState{NS: map[string]string{}}
	for _, ns := range threadNamespaces {
		key := ns
		if ns == "pid_for_children" {
			key = "pid"
		}
		want.NS[ns] = startNS[key]
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	want.Cgroup = string(self)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	away := map[int]threadState{}
	for _, e := range tasks {
		dir := filepath.Join("/proc/self/task", e.Name())
		st := threadState{NS: map[string]string{}}
		for _, ns := range threadNamespaces {
			st.NS[ns], _ = os.Readlink(filepath.Join(dir, "ns", ns))
		}
		cg, err := os.ReadFile(filepath.Join(dir, "cgroup"))
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ESRCH) {
			continue // the thread ended meanwhile
		}
		st.Cgroup = string(cg)
		if st.NS["net"] == "" && st.NS["mnt"] == "" {
			continue // ended meanwhile
		}
		if !cmp.Equal(want, st) {
			away[atoi(t, e.Name())] = st
		}
	}
	return away
}

// checkThreadsHome fails t unless every thread of the test process is
// in the process's own namespaces and cgroups. Threads the runtime
// threw away end shortly after; it waits up to 10 s for them to go.
func checkThreadsHome(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		away := threadsAway(t)
		if len(away) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("threads not in the process's namespaces and cgroups after 10 s: %+v", away)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBorrowedThreadsReturnHome starts many pods of every kind (PID mode
// Pod with a pause process, PID mode Container with bound namespaces, a
// network namespace at NetNSPath, cgroup v1 limits on a hybrid host) and
// checks that no thread was thrown away and every thread of the process
// is back in its own namespaces and cgroups, hostname unchanged.
func TestBorrowedThreadsReturnHome(t *testing.T) {
	r := newTestRuntime(t, Options{})
	ctx := t.Context()
	netns, _ := newNetns(t)
	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	checkThreadsHome(t) // newNetns's thread is gone
	discarded := discardedThreads.Load()
	const pods = 24
	var wg sync.WaitGroup
	for i := range pods {
		wg.Go(func() {
			cfg := sandboxConfig(t, fmt.Sprintf("home%d", i))
			cfg.Hostname = fmt.Sprintf("home-%d", i)
			if i%2 == 1 {
				cfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
			}
			if i%3 == 0 {
				cfg.Linux.Namespaces.NetNSPath = netns
			}
			sb, err := r.RunPodSandbox(ctx, cfg)
			if err != nil {
				t.Error(err)
				return
			}
			c := shContainer("c", "exec sleep 1000")
			c.Resources = kubelet.LinuxContainerResources{CPUShares: 512, MemoryLimitInBytes: 64 << 20, PidsLimit: 100}
			id, err := r.CreateContainer(ctx, sb, c, cfg)
			if err == nil {
				err = r.StartContainer(ctx, id)
			}
			if err == nil {
				_, err = r.ExecSync(ctx, id, []string{"true"}, 10*time.Second)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := discardedThreads.Load() - discarded; n != 0 {
		t.Errorf("%d threads were thrown away, want every one moved back", n)
	}
	checkThreadsHome(t)
	if got, _ := os.Hostname(); got != hostname {
		t.Errorf("the process's hostname is %q, was %q", got, hostname)
	}
	// The pods did get their own namespaces.
	ctrs, err := r.ListContainers(ctx, nil)
	if err != nil || len(ctrs) != pods {
		t.Fatalf("ListContainers: %d, %v; want %d", len(ctrs), err, pods)
	}
	for _, c := range ctrs {
		if c.State != kubelet.ContainerRunning {
			t.Errorf("container %s is %v, want running", c.ID, c.State)
			continue
		}
		if got := nsLink(t, c.PID, "uts"); got == startNS["uts"] {
			t.Errorf("container %s runs in the host's UTS namespace", c.ID)
		}
	}
}

// TestBorrowedThreadDiscardedWhenRestoreFails makes moving a thread back
// fail: the container still starts, and the thread it started from is
// thrown away (it ends), leaving no thread in the pod's namespaces.
func TestBorrowedThreadDiscardedWhenRestoreFails(t *testing.T) {
	r := newTestRuntime(t, Options{})
	ctx := t.Context()
	cfg := sandboxConfig(t, "restorefail")
	cfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
	sb := runSandbox(t, r, cfg)
	id, err := r.CreateContainer(ctx, sb, shContainer("c", "exec sleep 1000"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var tids []int
	hook := func(tid int) error {
		mu.Lock()
		defer mu.Unlock()
		tids = append(tids, tid)
		return errors.New("injected failure")
	}
	restoreHook.Store(&hook)
	t.Cleanup(func() { restoreHook.Store(nil) })
	discarded := discardedThreads.Load()
	if err := r.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	restoreHook.Store(nil)
	if n := discardedThreads.Load() - discarded; n != 1 {
		t.Errorf("%d threads thrown away, want 1", n)
	}
	mu.Lock()
	got := tids
	mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("restore attempted on threads %v, want one", got)
	}
	task := "/proc/self/task/" + itoa(got[0])
	waitFor(t, "thread "+itoa(got[0])+" to end", 10*time.Second, func() bool {
		_, err := os.Stat(task)
		return errors.Is(err, os.ErrNotExist)
	})
	if st, _ := r.ContainerStatus(ctx, id); st.State != kubelet.ContainerRunning {
		t.Errorf("container is %v, want running", st.State)
	}
	checkThreadsHome(t)
}

// TestThreadHomeRun covers which changes a borrowed thread is moved back
// from and which make it be thrown away, and that a thread really moved
// into another network namespace comes back.
func TestThreadHomeRun(t *testing.T) {
	r := newTestRuntime(t, Options{})
	netns, _ := newNetns(t)
	checkThreadsHome(t)
	nsFD, err := unix.Open(netns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(nsFD) })
	var v1 []string
	for c := range r.home.v1 {
		v1 = append(v1, c)
	}
	for _, tc := range []struct {
		name        string
		home        *threadHome
		f           func() threadChange
		wantDiscard bool
	}{
		{"nothing changed", r.home, func() threadChange { return threadChange{} }, false},
		{"nothing changed, no home", nil, func() threadChange { return threadChange{} }, false},
		{"network namespace joined", r.home, func() threadChange {
			if err := unix.Setns(nsFD, unix.CLONE_NEWNET); err != nil {
				t.Error(err)
			}
			if got, _ := os.Readlink("/proc/thread-self/ns/net"); got == startNS["net"] {
				t.Error("setns did not move the thread")
			}
			return threadChange{ns: unix.CLONE_NEWNET}
		}, false},
		{"UTS and IPC unshared", r.home, func() threadChange {
			if err := unix.Unshare(unix.CLONE_NEWUTS | unix.CLONE_NEWIPC); err != nil {
				t.Error(err)
			}
			if err := unix.Sethostname([]byte("borrowed")); err != nil {
				t.Error(err)
			}
			return threadChange{ns: unix.CLONE_NEWUTS | unix.CLONE_NEWIPC}
		}, false},
		{"cgroup v1 controllers", r.home, func() threadChange { return threadChange{v1: v1} }, false},
		{"unknown cgroup v1 controller", r.home, func() threadChange { return threadChange{v1: []string{"freezer"}} }, true},
		{"mount namespace", r.home, func() threadChange { return threadChange{ns: unix.CLONE_NEWNS} }, true},
		{"user namespace", r.home, func() threadChange { return threadChange{ns: unix.CLONE_NEWUSER} }, true},
		{"irreversible", r.home, func() threadChange { return threadChange{lost: true} }, true},
		{"no home", nil, func() threadChange { return threadChange{ns: unix.CLONE_NEWNET} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := discardedThreads.Load()
			var tid int
			tc.home.run(func() threadChange {
				tid = unix.Gettid()
				return tc.f()
			})
			if got := discardedThreads.Load() - before; got != map[bool]uint64{false: 0, true: 1}[tc.wantDiscard] {
				t.Errorf("threads thrown away: %d, want discard %v", got, tc.wantDiscard)
			}
			if tid == os.Getpid() {
				t.Errorf("f ran on the main thread")
			}
			if !tc.wantDiscard {
				// Unlocked and reused, the thread stays; it is home.
				if st, ok := threadsAway(t)[tid]; ok {
					t.Errorf("thread %d is not home: %+v", tid, st)
				}
				if _, err := os.Stat("/proc/self/task/" + itoa(tid)); err != nil {
					t.Errorf("thread %d that was moved back is gone: %v", tid, err)
				}
			}
			checkThreadsHome(t)
		})
	}
	if got, _ := os.Hostname(); strings.Contains(got, "borrowed") {
		t.Errorf("the process's hostname is %q", got)
	}
}
