package process

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	mode   string      // helperPause, helperInit or "" (direct)
	config any         // helper modes: pauseConfig or initConfig, sent as JSON
	direct *initConfig // direct mode: what to exec (no mounts, no rootfs)
	// path is, in direct mode, the executable direct.Argv[0] resolved to
	// before (empty: unknown); used while it is still an executable
	// file, else the command is looked up again.
	path       string
	join       []nsJoin
	cloneflags uintptr
	cgroupDir  string  // cgroup v2 directory the process starts in
	v1Dirs     []v1Dir // cgroup v1 directories it starts in
	// cg opens the cgroup directories and files (relative to the
	// runtime's held root directories).
	cg *cgroupHost
	// home is where the thread that starts the process returns to
	// afterwards (nil: the thread is thrown away).
	home *threadHome
	// stdin, when set, is the process's standard input (an open
	// /dev/null shared by every start: exec would open one each time).
	stdin   *os.File
	stdout  io.Writer
	stderr  io.Writer
	setpgid bool
	setsid  bool
	// waitDelay bounds how long Wait drains output after the process
	// exited (see exec.Cmd.WaitDelay); zero: no bound.
	waitDelay time.Duration
}

// v1Dir is a cgroup v1 directory of a controller.
type v1Dir struct {
	ctrl, dir string
}

// launch starts a process in the requested namespaces and cgroups. In a
// helper mode it starts the runtime's own binary and waits until the
// helper reports that it is ready (pause) or has exec'd the target (init);
// in direct mode it execs the target itself.
//
// Why this way: a Go process is multi-threaded, so it cannot change its
// own namespaces, and setns(2) on one thread only affects that thread. We
// lock a goroutine to an OS thread (never the main thread, see
// threadHome.run), setns that thread into the pod's UTS, IPC, network
// and PID namespaces (PID: for children only), move it into the
// container's cgroup v1 directories (hybrid hosts), and fork-exec the child
// from it, so the child is born in those namespaces and cgroups. Then the
// thread is moved back into the runtime's own namespaces and cgroups and
// unlocked for reuse; if that fails, it stays locked and Go destroys it
// when the goroutine returns, so no other goroutine ever runs in the
// borrowed namespaces. The child starts directly in its cgroup v2
// directory too (clone3 with CLONE_INTO_CGROUP, via
// SysProcAttr.UseCgroupFD), so nothing it forks can escape. A mount
// namespace cannot be joined by a multi-threaded process at all, so a
// container with mounts or a root filesystem gets a new private one
// (CLONE_NEWNS) and the init helper makes its mounts there before exec;
// every other container skips the helper and is exec'd directly (cheaper:
// no second program start).
func launch(spec launchSpec, timeout time.Duration) (*exec.Cmd, error) {
	var cmd *exec.Cmd
	var cfgR, cfgW, stR, stW *os.File
	var cfgData []byte
	if spec.mode == "" {
		d := spec.direct
		if d == nil || len(d.Argv) == 0 {
			return nil, errors.New("launch: no command")
		}
		path := spec.path
		if path == "" || isExecutable(path) != nil {
			var err error
			if path, err = lookPath(d.Argv[0], envPath(d.Env)); err != nil {
				return nil, err
			}
		}
		cmd = &exec.Cmd{Path: path, Args: d.Argv, Env: d.Env, Dir: d.Dir}
	} else {
		var err error
		if ic, ok := spec.config.(initConfig); ok {
			// What json.Marshal makes of it, without reflection.
			cfgData = appendInitConfig(nil, &ic)
		} else if cfgData, err = json.Marshal(spec.config); err != nil {
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
	if spec.stdin != nil {
		cmd.Stdin = spec.stdin
	}
	cmd.WaitDelay = spec.waitDelay
	cmd.SysProcAttr = &unix.SysProcAttr{
		Cloneflags: spec.cloneflags,
		Setpgid:    spec.setpgid,
		Setsid:     spec.setsid,
	}
	if spec.cgroupDir != "" {
		cgfd, err := spec.cg.openFile(spec.cgroupDir, unix.O_DIRECTORY|unix.O_RDONLY)
		if err != nil {
			return nil, fmt.Errorf("open cgroup %s: %w", spec.cgroupDir, errors.Unwrap(err))
		}
		defer unix.Close(cgfd)
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = cgfd
	}

	var startErr error
	spec.home.run(func() (ch threadChange) {
		// cgroup v1 membership is per thread and inherited by the
		// thread's children. "0" names the writing thread: for it the
		// kernel skips the global cgroup_threadgroup_rwsem (whose write
		// lock waits for an RCU grace period), which a thread ID would
		// take: ~2 ms per write, serialised machine-wide.
		for _, d := range spec.v1Dirs {
			ch.v1 = append(ch.v1, d.ctrl)
			if err := spec.cg.writeFile(filepath.Join(d.dir, "tasks"), "0"); err != nil {
				startErr = fmt.Errorf("join cgroup %s: %w", d.dir, err)
				return ch
			}
		}
		for _, j := range spec.join {
			ch.ns |= j.flags
			if err := unix.Setns(j.fd, j.flags); err != nil {
				startErr = fmt.Errorf("join namespaces (flags %#x): %w", j.flags, err)
				return ch
			}
		}
		startErr = cmd.Start()
		return ch
	})
	if err := startErr; err != nil {
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
// It reads the file into a stack buffer and parses it in place.
func procStart(pid int) (uint64, error) {
	var pathBuf [32]byte
	path := strconv.AppendInt(append(pathBuf[:0], "/proc/"...), int64(pid), 10)
	path = append(path, "/stat"...)
	fd, err := unix.Open(string(path), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, &os.PathError{Op: "open", Path: string(path), Err: err}
	}
	var buf [2048]byte // the line is at most about 1 KiB long
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return 0, &os.PathError{Op: "read", Path: string(path), Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	unix.Close(fd)
	return parseProcStart(buf[:n], pid)
}

// parseProcStart returns field 22 of a /proc/<pid>/stat line.
func parseProcStart(data []byte, pid int) (uint64, error) {
	// The command name (field 2) may hold spaces; fields after it follow
	// the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	// The field after ')' is field 3 (state); field 22 is the 20th.
	rest := data[i+1:]
	var field []byte
	for range 20 {
		field, rest = nextProcField(rest)
		if field == nil {
			return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
		}
	}
	v, err := strconv.ParseUint(string(field), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat: start time %q: %w", pid, field, err)
	}
	return v, nil
}

// nextProcField returns the first field of b, separated by spaces or
// newlines, and what follows it; nil when there is none.
func nextProcField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\n') {
		i++
	}
	if i == len(b) {
		return nil, nil
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\n' {
		j++
	}
	return b[i:j], b[j:]
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
