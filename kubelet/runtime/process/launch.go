package process

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// nsJoin names namespaces to join: those of the process behind PIDFD
// (CLONE_NEW* flags), or the namespace file FD.
type nsJoin struct {
	fd    int
	flags int
}

// launchSpec is one process start: of a helper (mode set), or of the
// container's command itself (mode empty, direct set).
type launchSpec struct {
	mode       string      // helperPause, helperInit or "" (direct)
	config     any         // helper modes: pauseConfig or initConfig, sent as JSON
	direct     *initConfig // direct mode: what to exec (no mounts, no rootfs)
	join       []nsJoin
	cloneflags uintptr
	cgroupDir  string   // cgroup v2 directory the process starts in
	v1Dirs     []string // cgroup v1 directories it starts in
	stdout     io.Writer
	stderr     io.Writer
	setpgid    bool
	setsid     bool
	// waitDelay bounds how long Wait drains output after the process
	// exited (see exec.Cmd.WaitDelay); zero: no bound.
	waitDelay time.Duration
}

// launch starts a process in the requested namespaces and cgroups. In a
// helper mode it starts the runtime's own binary and waits until the
// helper reports that it is ready (pause) or has exec'd the target (init);
// in direct mode it execs the target itself.
//
// Why this way: a Go process is multi-threaded, so it cannot change its
// own namespaces, and setns(2) on one thread only affects that thread. We
// lock a goroutine to a fresh OS thread (never the main thread, see
// onDisposableThread), setns that thread into the pod's UTS, IPC, network
// and PID namespaces (PID: for children only), move it into the
// container's cgroup v1 directories (hybrid hosts), and fork-exec the child
// from it, so the child is born in those namespaces and cgroups. The
// thread is never unlocked: when the goroutine returns, Go destroys it, so
// no other goroutine ever runs in the borrowed namespaces. The child
// starts directly in its cgroup v2 directory too (clone3 with
// CLONE_INTO_CGROUP, via SysProcAttr.UseCgroupFD), so nothing it forks can
// escape. A mount namespace cannot be joined by a multi-threaded process
// at all, so a container with mounts or a root filesystem gets a new
// private one (CLONE_NEWNS) and the init helper makes its mounts there
// before exec; every other container skips the helper and is exec'd
// directly (cheaper: no second program start).
func launch(spec launchSpec, timeout time.Duration) (*exec.Cmd, error) {
	var cmd *exec.Cmd
	var cfgR, cfgW, stR, stW *os.File
	var cfgData []byte
	if spec.mode == "" {
		d := spec.direct
		if d == nil || len(d.Argv) == 0 {
			return nil, errors.New("launch: no command")
		}
		path, err := lookPath(d.Argv[0], envPath(d.Env))
		if err != nil {
			return nil, err
		}
		cmd = &exec.Cmd{Path: path, Args: d.Argv, Env: d.Env, Dir: d.Dir}
	} else {
		var err error
		if cfgData, err = json.Marshal(spec.config); err != nil {
			return nil, fmt.Errorf("encode helper config: %w", err)
		}
		if cfgR, cfgW, err = os.Pipe(); err != nil {
			return nil, err
		}
		defer cfgR.Close()
		defer cfgW.Close()
		if stR, stW, err = os.Pipe(); err != nil {
			return nil, err
		}
		defer stR.Close()
		defer stW.Close()
		cmd = exec.Command("/proc/self/exe")
		cmd.Args = []string{"rigging-" + spec.mode}
		cmd.Env = []string{helperEnv + "=" + spec.mode, "GOMAXPROCS=1"}
		cmd.ExtraFiles = []*os.File{cfgR, stW}
	}
	cmd.Stdout, cmd.Stderr = spec.stdout, spec.stderr
	cmd.WaitDelay = spec.waitDelay
	cmd.SysProcAttr = &unix.SysProcAttr{
		Cloneflags: spec.cloneflags,
		Setpgid:    spec.setpgid,
		Setsid:     spec.setsid,
	}
	if spec.cgroupDir != "" {
		cgfd, err := unix.Open(spec.cgroupDir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open cgroup %s: %w", spec.cgroupDir, err)
		}
		defer unix.Close(cgfd)
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = cgfd
	}

	errc := make(chan error, 1)
	onDisposableThread(func() bool {
		tainted := false
		if len(spec.v1Dirs) > 0 {
			// cgroup v1 membership is per thread and inherited by the
			// thread's children. "0" names the writing thread: for it
			// the kernel skips the global cgroup_threadgroup_rwsem (whose
			// write lock waits for an RCU grace period), which a thread
			// ID would take: ~2 ms per write, serialised machine-wide.
			tainted = true
			for _, d := range spec.v1Dirs {
				if err := os.WriteFile(filepath.Join(d, "tasks"), []byte("0"), 0); err != nil {
					errc <- fmt.Errorf("join cgroup %s: %w", d, err)
					return true
				}
			}
		}
		for _, j := range spec.join {
			tainted = true
			if err := unix.Setns(j.fd, j.flags); err != nil {
				errc <- fmt.Errorf("join namespaces (flags %#x): %w", j.flags, err)
				return true
			}
		}
		errc <- cmd.Start()
		return tainted
	})
	if err := <-errc; err != nil {
		if spec.mode == "" {
			return nil, err
		}
		return nil, fmt.Errorf("start helper: %w", err)
	}
	if spec.mode == "" {
		return cmd, nil
	}
	stW.Close()
	// The config is small (a pipe holds 64 KiB), but write it after the
	// start so a large one cannot block.
	_, werr := cfgW.Write(cfgData)
	cfgW.Close()

	_ = stR.SetReadDeadline(time.Now().Add(timeout))
	msg, rerr := io.ReadAll(stR)
	if werr == nil && rerr == nil && len(msg) == 0 {
		return cmd, nil
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	switch {
	case len(msg) > 0:
		return nil, errors.New(string(msg))
	case rerr != nil:
		return nil, fmt.Errorf("wait for helper: %w", rerr)
	default:
		return nil, fmt.Errorf("send helper config: %w", werr)
	}
}

// procStart returns a process's start time (field 22 of /proc/<pid>/stat,
// in clock ticks since boot); with the PID it names one process for good.
func procStart(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after it follow
	// the last ')'.
	i := len(data) - 1
	for i >= 0 && data[i] != ')' {
		i--
	}
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	var fields []string
	start := -1
	for j := i + 1; j <= len(data); j++ {
		if j == len(data) || data[j] == ' ' || data[j] == '\n' {
			if start >= 0 {
				fields = append(fields, string(data[start:j]))
				start = -1
			}
		} else if start < 0 {
			start = j
		}
	}
	// fields[0] is field 3 (state); field 22 is fields[19].
	if len(fields) < 20 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	var v uint64
	if _, err := fmt.Sscan(fields[19], &v); err != nil {
		return 0, err
	}
	return v, nil
}

// openPidfd opens a pidfd for pid if it is still the process that started
// at start (0: any). It returns -1 when the process is gone.
func openPidfd(pid int, start uint64) int {
	if pid <= 0 {
		return -1
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1
	}
	if start != 0 {
		if s, err := procStart(pid); err != nil || s != start {
			unix.Close(fd)
			return -1
		}
	}
	return fd
}

// pidfdExited reports whether the process behind fd has exited.
func pidfdExited(fd int) bool {
	if fd < 0 {
		return true
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0
}

// onDisposableThread runs f on an OS thread locked for it, one that is not
// the process's main thread. When f returns true (it changed the thread,
// by setns for example) the thread is thrown away: the goroutine exits
// still locked, which makes Go terminate the thread. The main thread is
// avoided because Go cannot terminate it and would only park it, keeping
// the namespaces it joined alive (and /proc/<pid>/ns of the process
// pointing at them) for the life of the process.
func onDisposableThread(f func() (tainted bool)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			// Holding the main thread, run f elsewhere: the nested
			// goroutine cannot be scheduled on this locked thread.
			onDisposableThread(f)
			runtime.UnlockOSThread()
			return
		}
		if !f() {
			runtime.UnlockOSThread()
		}
	}()
	<-done
}
