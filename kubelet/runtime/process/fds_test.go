package process

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

// pidfdsOf counts the descriptors of the test process that are pidfds of
// pid (their fdinfo names it).
func pidfdsOf(t *testing.T, pid int) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fdinfo")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		data, err := os.ReadFile("/proc/self/fdinfo/" + e.Name())
		if err != nil {
			continue // closed meanwhile
		}
		if l, _ := os.Readlink("/proc/self/fd/" + e.Name()); l != "anon_inode:[pidfd]" {
			continue
		}
		if containsLine(strings.ReplaceAll(string(data), "\t", " "), "Pid: "+itoa(pid)) {
			n++
		}
	}
	return n
}

// TestRunningContainerHoldsOnePidfd checks that the runtime holds one
// pidfd per running container (its own, which the monitor waits on; Go's
// handle of the process is released), and that exit codes and signals
// are still reported, the process reaped.
func TestRunningContainerHoldsOnePidfd(t *testing.T) {
	r := newTestRuntime(t, Options{})
	sbCfg := sandboxConfig(t, "pidfd")
	sbCfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
	sb := runSandbox(t, r, sbCfg)
	id := startContainer(t, r, sb, sbCfg, shContainer("long", "exec sleep 1000"))
	st, err := r.ContainerStatus(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if n := pidfdsOf(t, st.PID); n != 1 {
		t.Errorf("the runtime holds %d pidfds of the running container's process, want 1", n)
	}
	if err := r.StopContainer(t.Context(), id, 0); err != nil {
		t.Fatal(err)
	}
	if st := waitExited(t, r, id); st.ExitCode != 137 || st.Reason != kubelet.ReasonError {
		t.Errorf("killed container: exit %d %q, want 137 Error", st.ExitCode, st.Reason)
	}
	if n := pidfdsOf(t, st.PID); n != 0 {
		t.Errorf("the runtime holds %d pidfds of the exited container's process, want 0", n)
	}
	// The exit status is the process's, reaped by the monitor: a
	// zombie would keep /proc/<pid>.
	code := startContainer(t, r, sb, sbCfg, shContainer("code", "exit 7"))
	cst := waitExited(t, r, code)
	if cst.ExitCode != 7 || cst.Reason != kubelet.ReasonError {
		t.Errorf("exit 7: got %d %q", cst.ExitCode, cst.Reason)
	}
	waitFor(t, "the killed process to be reaped", 10*time.Second, func() bool {
		_, err := os.Stat("/proc/" + itoa(st.PID))
		return err != nil
	})
}
