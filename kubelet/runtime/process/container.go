package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

// container is a live container.
type container struct {
	opMu sync.Mutex // serialises Start, Stop and Remove

	// sandboxID is rec.SandboxID, which never changes: read without mu.
	sandboxID string
	// execPath is the executable CreateContainer resolved the command
	// to on the host (PATH searched); StartContainer checks that it is
	// still one rather than searching again. Empty: search (a rootfs
	// image, or a container an earlier runtime created). Never changes.
	execPath string

	mu    sync.Mutex // guards rec, pidfd, pidfdFile, recovered, removed
	rec   containerRecord
	pidfd int // main process while running; -1 otherwise
	// pidfdFile, for a container this runtime started, owns pidfd: it
	// is non-blocking and registered with Go's poller, which the
	// monitor waits on for the process's exit. Nil otherwise.
	pidfdFile *os.File
	recovered bool // running when an earlier runtime left it: not our child
	removed   bool
	// done is closed once the container has exited (never, if it is
	// never started).
	done chan struct{}
}

func (r *Runtime) getContainer(id string) (*container, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	if !ok {
		return nil, fmt.Errorf("container %q: %w", id, kubelet.ErrNotFound)
	}
	return c, nil
}

// stopSignal parses a signal name ("SIGTERM", "TERM", "15").
func stopSignal(name string) (unix.Signal, error) {
	if name == "" {
		return unix.SIGTERM, nil
	}
	n := strings.ToUpper(name)
	if !strings.HasPrefix(n, "SIG") {
		n = "SIG" + n
	}
	if s := unix.SignalNum(n); s != 0 {
		return s, nil
	}
	var num int
	if _, err := fmt.Sscan(name, &num); err == nil && num > 0 && num < 65 {
		return unix.Signal(num), nil
	}
	return 0, fmt.Errorf("stop signal %q is not a signal name: %w", name, kubelet.ErrInvalid)
}

// imageName returns the last path element of an image reference without
// tag or digest: "registry:5000/x/busybox:1.36@sha256:..." is "busybox".
func imageName(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		ref = ref[i+1:]
	}
	if i := strings.Index(ref, ":"); i >= 0 {
		ref = ref[:i]
	}
	return ref
}

// resolve turns a container config into what the init helper execs, by the
// rules in the package documentation.
func (r *Runtime) resolve(cfg *kubelet.ContainerConfig) (initConfig, error) {
	ic, _, err := r.resolveCommand(cfg)
	return ic, err
}

// resolveCommand is resolve, also returning the executable the command
// resolved to on the host ("" for a rootfs image, whose command is looked
// up when the container starts).
func (r *Runtime) resolveCommand(cfg *kubelet.ContainerConfig) (ic initConfig, path string, err error) {
	name := imageName(cfg.Image)
	img, known := r.opts.Images[name]
	argv := slices.Clone(cfg.Command)
	if len(argv) == 0 {
		switch {
		case known && len(img.Entrypoint) > 0:
			argv = slices.Clone(img.Entrypoint)
		case name != "":
			argv = []string{name}
		default:
			return ic, "", fmt.Errorf("container %q: no command and no image to run: %w", cfg.Metadata.Name, kubelet.ErrInvalid)
		}
	}
	argv = append(argv, cfg.Args...)
	env := slices.Clone(img.Env)
	seen := map[string]int{}
	for i, e := range env {
		k, _, _ := strings.Cut(e, "=")
		seen[k] = i
	}
	for _, kv := range cfg.Envs {
		if kv.Key == "" || strings.ContainsAny(kv.Key, "=\x00") || strings.Contains(kv.Value, "\x00") {
			return ic, "", fmt.Errorf("container %q: environment variable %q is malformed: %w", cfg.Metadata.Name, kv.Key, kubelet.ErrInvalid)
		}
		if i, ok := seen[kv.Key]; ok {
			env[i] = kv.Key + "=" + kv.Value
			continue
		}
		seen[kv.Key] = len(env)
		env = append(env, kv.Key+"="+kv.Value)
	}
	if _, ok := seen["PATH"]; !ok {
		p := r.opts.Path
		if known && img.Rootfs != "" {
			p = defaultPath
		}
		env = append(env, "PATH="+p)
	}
	if cfg.WorkingDir != "" && !filepath.IsAbs(cfg.WorkingDir) {
		return ic, "", fmt.Errorf("container %q: workingDir %q is not absolute: %w", cfg.Metadata.Name, cfg.WorkingDir, kubelet.ErrInvalid)
	}
	ic = initConfig{Argv: argv, Env: env, Dir: cfg.WorkingDir}
	if known {
		ic.Rootfs = img.Rootfs
		if ic.Rootfs != "" {
			if st, err := os.Stat(ic.Rootfs); err != nil || !st.IsDir() {
				return ic, "", fmt.Errorf("container %q: image %q: rootfs %s is not a directory: %w", cfg.Metadata.Name, name, ic.Rootfs, kubelet.ErrInvalid)
			}
		}
	}
	for _, m := range cfg.Mounts {
		if !filepath.IsAbs(m.ContainerPath) || !filepath.IsAbs(m.HostPath) {
			return ic, "", fmt.Errorf("container %q: mount %q on %q: both paths must be absolute: %w", cfg.Metadata.Name, m.HostPath, m.ContainerPath, kubelet.ErrInvalid)
		}
		if _, err := os.Stat(m.HostPath); err != nil {
			return ic, "", fmt.Errorf("container %q: mount source: %w: %w", cfg.Metadata.Name, err, kubelet.ErrInvalid)
		}
		if ic.Rootfs == "" {
			if _, err := os.Stat(m.ContainerPath); err != nil {
				return ic, "", fmt.Errorf("container %q: mount target %s must exist on the host for a container without a rootfs image: %w", cfg.Metadata.Name, m.ContainerPath, kubelet.ErrInvalid)
			}
		}
		ic.Mounts = append(ic.Mounts, mountSpec{Source: m.HostPath, Target: filepath.Clean(m.ContainerPath), Readonly: m.Readonly})
	}
	ic.PrivateMounts = ic.Rootfs != "" || len(ic.Mounts) > 0
	if ic.Rootfs == "" {
		if path, err = lookPath(argv[0], envPath(env)); err != nil {
			return ic, "", fmt.Errorf("container %q: %w: %w", cfg.Metadata.Name, err, kubelet.ErrInvalid)
		}
	}
	return ic, path, nil
}

func validateResources(r kubelet.LinuxContainerResources) error {
	if r.CPUPeriod < 0 || r.CPUQuota < 0 || r.CPUShares < 0 || r.MemoryLimitInBytes < 0 || r.PidsLimit < 0 {
		return fmt.Errorf("resources %+v: negative values: %w", r, kubelet.ErrInvalid)
	}
	if r.CPUQuota > 0 && r.CPUQuota < 1000 {
		return fmt.Errorf("resources: cpu quota %dus is below the kernel's 1000us minimum: %w", r.CPUQuota, kubelet.ErrInvalid)
	}
	if r.CPUPeriod != 0 && (r.CPUPeriod < 1000 || r.CPUPeriod > 1000000) {
		return fmt.Errorf("resources: cpu period %dus is outside 1000..1000000: %w", r.CPUPeriod, kubelet.ErrInvalid)
	}
	return nil
}

// CreateContainer resolves the container's image and command, creates its
// cgroup with the configured limits and records it; nothing runs yet.
func (r *Runtime) CreateContainer(ctx context.Context, sandboxID string, config *kubelet.ContainerConfig, sandboxConfig *kubelet.PodSandboxConfig) (string, error) {
	s, err := r.getSandbox(sandboxID)
	if err != nil {
		return "", fmt.Errorf("create container: %w", err)
	}
	if config == nil {
		return "", fmt.Errorf("create container: config is nil: %w", kubelet.ErrInvalid)
	}
	if config.Metadata.Name == "" {
		return "", fmt.Errorf("create container: metadata.name is empty: %w", kubelet.ErrInvalid)
	}
	if config.LogPath != "" && (filepath.IsAbs(config.LogPath) || strings.HasPrefix(filepath.Clean(config.LogPath), "..")) {
		return "", fmt.Errorf("create container %q: logPath %q must be relative to the sandbox's log directory: %w", config.Metadata.Name, config.LogPath, kubelet.ErrInvalid)
	}
	if err := validateResources(config.Resources); err != nil {
		return "", fmt.Errorf("create container %q: %w", config.Metadata.Name, err)
	}
	if _, err := stopSignal(config.StopSignal); err != nil {
		return "", fmt.Errorf("create container %q: %w", config.Metadata.Name, err)
	}
	cfg := cloneContainerConfig(config)
	ic, execPath, err := r.resolveCommand(cfg)
	if err != nil {
		return "", fmt.Errorf("create container: %w", err)
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if !s.ready() {
		return "", fmt.Errorf("create container %q: sandbox %s is not ready: %w", cfg.Metadata.Name, sandboxID, kubelet.ErrInvalid)
	}
	s.mu.Lock()
	sbRec := s.rec
	s.mu.Unlock()
	id := newID()
	rec := containerRecord{
		ID: id, SandboxID: sandboxID, Config: cfg, Init: ic, PIDMode: sbRec.Config.Linux.Namespaces.PID,
		CreatedAt: time.Now(), containerStatus: containerStatus{State: kubelet.ContainerCreated},
	}
	if sbRec.Config.LogDirectory != "" && cfg.LogPath != "" {
		rec.LogPath = filepath.Join(sbRec.Config.LogDirectory, cfg.LogPath)
	} else {
		rec.LogPath = filepath.Join(r.containerDir(id), "container.log")
	}
	if cfg.Resources.PidsLimit > 0 {
		// The pod's (and its CgroupParent's) v1 pids directory may be
		// made here: not while an empty parent is being removed.
		r.cgMu.RLock()
		rec.Cgroup, err = r.cg.child(sbRec.Cgroup, "ctr-"+id, childPids)
		r.cgMu.RUnlock()
		s.v1Pids = true // even on failure: the pod's directory may be made
	} else {
		rec.Cgroup, err = r.cg.child(sbRec.Cgroup, "ctr-"+id, 0)
	}
	if err != nil {
		return "", fmt.Errorf("create container %q: %w", cfg.Metadata.Name, err)
	}
	fail := func(err error) (string, error) {
		_ = r.cg.remove(rec.Cgroup)
		return "", fmt.Errorf("create container %q: %w", cfg.Metadata.Name, err)
	}
	if err := r.cg.setResources(rec.Cgroup, cfg.Resources); err != nil {
		return fail(err)
	}
	if err := r.j.putContainer(&rec); err != nil {
		return fail(err)
	}
	r.mu.Lock()
	r.containers[id] = &container{sandboxID: sandboxID, rec: rec, execPath: execPath, pidfd: -1, done: make(chan struct{})}
	r.mu.Unlock()
	return id, nil
}

// joins returns the namespaces a process of the container joins: the
// pause process's (or a pauseless sandbox's bound ones and its network
// namespace), and for PID mode Container, the container's own PID
// namespace (main is the container's running main process, or -1). The
// returned descriptors are the caller's: release closes them.
func (r *Runtime) joins(s *sandbox, mainPidfd int) (join []nsJoin, release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.readyLocked() {
		return nil, nil, fmt.Errorf("sandbox %s is not ready: %w", s.rec.ID, kubelet.ErrInvalid)
	}
	ns := s.rec.Config.Linux.Namespaces
	// Duplicates, so that a concurrent StopPodSandbox closing the
	// sandbox's descriptors cannot make us join whatever reuses them.
	dup := func(fd, flags int) error {
		d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("sandbox %s: duplicate namespace descriptor: %w", s.rec.ID, err)
		}
		join = append(join, nsJoin{fd: d, flags: flags})
		return nil
	}
	if s.rec.NoPause {
		for _, j := range s.nsfds {
			if err := dup(j.fd, j.flags); err != nil {
				closeJoins(join)
				return nil, nil, err
			}
		}
		// Under s.mu while live: StopPodSandbox cannot unbind them.
		join, err = openBound(func(name string) string { return r.nsFile(&s.rec, name) }, sandboxNSFlags(ns), join)
		if err != nil {
			closeJoins(join)
			return nil, nil, fmt.Errorf("sandbox %s: %w", s.rec.ID, err)
		}
	} else {
		flags := unix.CLONE_NEWNET // the pause process's network: NetNSPath or the host's
		if ns.Network == kubelet.NamespaceModePod {
			flags |= unix.CLONE_NEWUTS
		}
		if ns.IPC == kubelet.NamespaceModePod {
			flags |= unix.CLONE_NEWIPC
		}
		if ns.PID == kubelet.NamespaceModePod {
			flags |= unix.CLONE_NEWPID
		}
		if err := dup(s.pidfd, flags); err != nil {
			return nil, nil, err
		}
	}
	owned := slices.Clone(join) // mainPidfd below stays the caller's
	if ns.PID == kubelet.NamespaceModeContainer && mainPidfd >= 0 {
		join = append(join, nsJoin{fd: mainPidfd, flags: unix.CLONE_NEWPID})
	}
	return join, func() { closeJoins(owned) }, nil
}

// containerLaunch describes starting ic (the container's command, or an
// exec'd one) in the container's cgroups: through the init helper when it
// needs mounts, directly otherwise.
func (r *Runtime) containerLaunch(rec containerRecord, ic initConfig, join []nsJoin, flags uintptr, stdout, stderr io.Writer) launchSpec {
	spec := launchSpec{
		join: join, cloneflags: flags, cgroupDir: rec.Cgroup.V2, cg: r.cg, home: r.home,
		stdin: r.devNull, stdout: stdout, stderr: stderr, setsid: true,
	}
	for _, c := range limitControllers {
		if d := rec.Cgroup.V1[c]; d != "" {
			spec.v1Dirs = append(spec.v1Dirs, v1Dir{ctrl: c, dir: d})
		}
	}
	if ic.PrivateMounts {
		spec.mode, spec.config = helperInit, ic
	} else {
		spec.direct = &ic
	}
	return spec
}

// StartContainer starts a created container's process in the pod's
// namespaces, directly inside the container's cgroup, with its output
// captured into the log file.
func (r *Runtime) StartContainer(ctx context.Context, containerID string) error {
	c, err := r.getContainer(containerID)
	if err != nil {
		return fmt.Errorf("start container: %w", err)
	}
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.mu.Lock()
	rec := c.rec
	c.mu.Unlock()
	if rec.State != kubelet.ContainerCreated {
		return fmt.Errorf("start container %s: it is %s, not created: %w", containerID, rec.State, kubelet.ErrInvalid)
	}
	s, err := r.getSandbox(rec.SandboxID)
	if err != nil {
		return fmt.Errorf("start container %s: %w", containerID, err)
	}
	join, release, err := r.joins(s, -1)
	if err != nil {
		return fmt.Errorf("start container %s: %w", containerID, err)
	}
	defer release()
	lf, err := openLogFile(rec.LogPath, r.opts.LogMaxSize, r.opts.LogMaxFiles)
	if err != nil {
		return fmt.Errorf("start container %s: %w", containerID, err)
	}
	outR, outW, err := outputPipe()
	if err != nil {
		lf.Close()
		return fmt.Errorf("start container %s: %w", containerID, err)
	}
	errR, errW, err := outputPipe()
	if err != nil {
		lf.Close()
		outR.Close()
		outW.Close()
		return fmt.Errorf("start container %s: %w", containerID, err)
	}
	var flags uintptr
	if rec.Init.PrivateMounts {
		flags |= unix.CLONE_NEWNS
	}
	if rec.PIDMode == kubelet.NamespaceModeContainer {
		flags |= unix.CLONE_NEWPID
	}
	// StartedAt is taken before the launch, so that it never comes after
	// the process's exec, however slow the launch's return is on a loaded
	// machine: the reported running time is never short.
	startedAt := time.Now()
	spec := r.containerLaunch(rec, rec.Init, join, flags, outW, errW)
	spec.path = c.execPath
	cmd, err := launch(spec, launchTimeout(ctx))
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		lf.Close()
		c.mu.Lock()
		now := time.Now()
		c.rec.State, c.rec.ExitCode, c.rec.Reason = kubelet.ContainerExited, 128, kubelet.ReasonError
		c.rec.Message = "start failed: " + err.Error()
		c.rec.StartedAt, c.rec.FinishedAt = now, now
		_ = r.j.putContainerStatus(c.rec.ID, &c.rec.containerStatus)
		close(c.done)
		c.mu.Unlock()
		return fmt.Errorf("start container %s: %w", containerID, err)
	}
	pid := cmd.Process.Pid
	pidfd := -1
	var pidfdFile *os.File
	if fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK); err == nil {
		pidfd, pidfdFile = fd, os.NewFile(uintptr(fd), "pidfd")
		// The monitor waits through this pidfd and reaps the process
		// itself (waitReleased): Go's own handle of the process, a
		// second pidfd, would only be copied at every later fork and
		// closed at every exec.
		_ = cmd.Process.Release()
	}
	start, _ := procStart(pid)
	c.mu.Lock()
	c.rec.State, c.rec.StartedAt, c.rec.PID, c.rec.PIDStart = kubelet.ContainerRunning, startedAt, pid, start
	c.pidfd, c.pidfdFile = pidfd, pidfdFile
	perr := r.j.putContainerStatus(c.rec.ID, &c.rec.containerStatus)
	c.mu.Unlock()
	if perr != nil {
		r.log.Error(perr, "persist container state", "container", containerID)
	}

	var copiers sync.WaitGroup
	copiers.Add(2)
	go func() { defer copiers.Done(); copyLines(lf, "stdout", outR, r.opts.LogMaxLineSize); outR.Close() }()
	go func() { defer copiers.Done(); copyLines(lf, "stderr", errR, r.opts.LogMaxLineSize); errR.Close() }()
	go r.monitor(c, cmd, pid, pidfdFile, lf, &copiers)
	r.log.V(1).Info("container started", "container", containerID, "pid", pid)
	return nil
}

// outputPipe returns a pipe for a child's output. The read end is
// non-blocking and read through the runtime's poller, as os.Pipe's; the
// write end, the child's, stays a plain blocking file that is never
// registered with the poller (os.Pipe's would be registered, then set
// blocking again when exec passes it on, then unregistered on close).
func outputPipe() (r, w *os.File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	if err := unix.SetNonblock(p[1], false); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, nil, os.NewSyscallError("fcntl", err)
	}
	return os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1"), nil
}

// monitor waits for a container's main process pid (on the poller,
// through pidfd when not nil: then cmd.Process was released, which
// clears its Pid, and the monitor reaps the process itself), then kills
// whatever else is left in its cgroup, drains its output and records how
// it ended.
func (r *Runtime) monitor(c *container, cmd *exec.Cmd, pid int, pidfd *os.File, lf *logFile, copiers *sync.WaitGroup) {
	code := int32(0)
	if pidfd != nil {
		ws, err := waitReleased(pid, pidfd)
		switch {
		case err != nil:
			code = 255
		case ws.Signaled():
			code = 128 + int32(ws.Signal())
		case ws.Exited():
			code = int32(ws.ExitStatus())
		}
	} else {
		err := waitCmd(cmd, nil)
		if cmd.ProcessState != nil {
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			switch {
			case ws.Signaled():
				code = 128 + int32(ws.Signal())
			case ws.Exited():
				code = int32(ws.ExitStatus())
			}
		} else if err != nil {
			code = 255
		}
	}
	finished := time.Now()
	c.mu.Lock()
	cg := c.rec.Cgroup
	c.mu.Unlock()
	// Like a container's PID 1 dying: nothing else of it survives.
	if err := r.cg.kill(cg, killTimeout); err != nil {
		r.log.Error(err, "kill container's remaining processes", "container", c.rec.ID)
	}
	copiers.Wait()
	lf.Close()
	oom := r.cg.oomKills(cg) > 0

	c.mu.Lock()
	c.rec.State, c.rec.FinishedAt, c.rec.ExitCode = kubelet.ContainerExited, finished, code
	switch {
	case oom:
		c.rec.Reason, c.rec.Message = kubelet.ReasonOOMKilled, "the kernel's OOM killer killed a process of the container (memory limit reached)"
		if code == 0 || code == 128+int32(unix.SIGKILL) {
			c.rec.ExitCode = 128 + int32(unix.SIGKILL)
		}
	case code == 0:
		c.rec.Reason = kubelet.ReasonCompleted
	default:
		c.rec.Reason = kubelet.ReasonError
	}
	c.closePidfd()
	if !c.removed {
		if err := r.j.putContainerStatus(c.rec.ID, &c.rec.containerStatus); err != nil {
			r.log.Error(err, "persist container state", "container", c.rec.ID)
		}
	}
	close(c.done)
	c.mu.Unlock()
	r.log.V(1).Info("container exited", "container", c.rec.ID, "exitCode", code, "reason", c.rec.Reason)
}

// closePidfd closes the main process's pidfd; c.mu must be held.
func (c *container) closePidfd() {
	switch {
	case c.pidfdFile != nil:
		c.pidfdFile.Close()
	case c.pidfd >= 0:
		unix.Close(c.pidfd)
	}
	c.pidfd, c.pidfdFile = -1, nil
}

// refresh notices that a recovered container's process has gone.
func (r *Runtime) refresh(c *container) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.recovered || c.rec.State != kubelet.ContainerRunning || !pidfdExited(c.pidfd) {
		return
	}
	_ = r.cg.kill(c.rec.Cgroup, killTimeout)
	c.rec.State, c.rec.FinishedAt = kubelet.ContainerExited, time.Now()
	if r.cg.oomKills(c.rec.Cgroup) > 0 {
		c.rec.ExitCode, c.rec.Reason = 137, kubelet.ReasonOOMKilled
	} else {
		c.rec.ExitCode, c.rec.Reason = 255, kubelet.ReasonError
		c.rec.Message = "exit status unknown: the process ended while no runtime was watching it"
	}
	c.closePidfd()
	if !c.removed {
		_ = r.j.putContainerStatus(c.rec.ID, &c.rec.containerStatus)
	}
	close(c.done)
}

// StopContainer sends the stop signal, waits up to timeout, then kills
// every process of the container (cgroup.kill) and waits for it to exit.
// It succeeds for an unknown ID and for a container not running.
func (r *Runtime) StopContainer(ctx context.Context, containerID string, timeout time.Duration) error {
	c, err := r.getContainer(containerID)
	if errors.Is(err, kubelet.ErrNotFound) {
		return nil
	}
	c.opMu.Lock()
	defer c.opMu.Unlock()
	return r.stopContainer(ctx, c, timeout)
}

func (r *Runtime) stopContainer(ctx context.Context, c *container, timeout time.Duration) error {
	r.refresh(c)
	c.mu.Lock()
	running := c.rec.State == kubelet.ContainerRunning
	pidfd, cg, recovered := c.pidfd, c.rec.Cgroup, c.recovered
	if running && timeout > 0 && pidfd >= 0 {
		// Under c.mu: the monitor closes the pidfd when the process
		// exits, and its number may be reused at once.
		sig, _ := stopSignal(c.rec.Config.StopSignal)
		_ = unix.PidfdSendSignal(pidfd, sig, nil, 0)
	}
	c.mu.Unlock()
	if !running {
		return nil
	}
	if timeout > 0 && pidfd >= 0 {
		t := time.NewTimer(timeout)
		if recovered {
			_ = waitPidfdTimeout(ctx, pidfd, timeout)
		} else {
			select {
			case <-c.done:
			case <-t.C:
			case <-ctx.Done():
			}
		}
		t.Stop()
	}
	if err := r.cg.kill(cg, killTimeout); err != nil {
		return fmt.Errorf("stop container %s: %w", c.rec.ID, err)
	}
	if recovered {
		r.refresh(c)
		return nil
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop container %s: %w", c.rec.ID, ctx.Err())
	}
}

func waitPidfdTimeout(ctx context.Context, fd int, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return waitPidfd(ctx, fd)
}

// RemoveContainer kills the container if it runs, then removes its cgroup
// and state. Its log files stay (they belong to the kubelet's log
// directory). It succeeds for an unknown ID.
func (r *Runtime) RemoveContainer(ctx context.Context, containerID string) error {
	c, err := r.getContainer(containerID)
	if errors.Is(err, kubelet.ErrNotFound) {
		return nil
	}
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if err := r.stopContainer(ctx, c, 0); err != nil {
		return fmt.Errorf("remove container %s: %w", containerID, err)
	}
	c.mu.Lock()
	c.removed = true
	cg := c.rec.Cgroup
	c.mu.Unlock()
	if err := r.cg.kill(cg, killTimeout); err != nil { // exec'd strays
		return fmt.Errorf("remove container %s: %w", containerID, err)
	}
	if err := r.cg.remove(cg); err != nil {
		return fmt.Errorf("remove container %s: %w", containerID, err)
	}
	if err := r.j.removeContainer(containerID); err != nil {
		return fmt.Errorf("remove container %s: %w", containerID, err)
	}
	// The log of a container whose sandbox has no log directory.
	if err := os.RemoveAll(r.containerDir(containerID)); err != nil {
		return fmt.Errorf("remove container %s: %w", containerID, err)
	}
	r.mu.Lock()
	delete(r.containers, containerID)
	r.mu.Unlock()
	return nil
}

func (c *container) status() *kubelet.ContainerStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &kubelet.ContainerStatus{
		ID: c.rec.ID, SandboxID: c.rec.SandboxID, Metadata: c.rec.Config.Metadata,
		State: c.rec.State, Image: c.rec.Config.Image, CreatedAt: c.rec.CreatedAt,
		StartedAt: c.rec.StartedAt, FinishedAt: c.rec.FinishedAt, ExitCode: c.rec.ExitCode,
		Reason: c.rec.Reason, Message: c.rec.Message, LogPath: c.rec.LogPath,
		Labels: maps.Clone(c.rec.Config.Labels), Annotations: maps.Clone(c.rec.Config.Annotations),
	}
	if c.rec.State == kubelet.ContainerRunning {
		st.PID = c.rec.PID
	}
	return st
}

// ContainerStatus reports one container.
func (r *Runtime) ContainerStatus(ctx context.Context, containerID string) (*kubelet.ContainerStatus, error) {
	c, err := r.getContainer(containerID)
	if err != nil {
		return nil, err
	}
	r.refresh(c)
	return c.status(), nil
}

// ListContainers lists the containers that match filter (nil: all), oldest
// first.
func (r *Runtime) ListContainers(ctx context.Context, filter *kubelet.ContainerFilter) ([]*kubelet.ContainerStatus, error) {
	r.mu.Lock()
	all := slices.Collect(maps.Values(r.containers))
	r.mu.Unlock()
	var out []*kubelet.ContainerStatus
	for _, c := range all {
		// Skip other sandboxes' containers before refresh and status
		// take each one's lock.
		if filter != nil && filter.SandboxID != "" && filter.SandboxID != c.sandboxID {
			continue
		}
		r.refresh(c)
		st := c.status()
		if filter != nil {
			if filter.ID != "" && filter.ID != st.ID {
				continue
			}
			if filter.SandboxID != "" && filter.SandboxID != st.SandboxID {
				continue
			}
			if filter.State != nil && *filter.State != st.State {
				continue
			}
			if !labelsMatch(st.Labels, filter.LabelSelector) {
				continue
			}
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *kubelet.ContainerStatus) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	return out, nil
}

// ContainerStats reads the container's CPU time (cpu.stat usage_usec) and
// memory (memory.current, working set without inactive file pages) from
// its cgroup. It fails for a container that is not running.
func (r *Runtime) ContainerStats(ctx context.Context, containerID string) (*kubelet.ContainerStats, error) {
	c, err := r.getContainer(containerID)
	if err != nil {
		return nil, err
	}
	r.refresh(c)
	c.mu.Lock()
	state, cg := c.rec.State, c.rec.Cgroup
	c.mu.Unlock()
	if state != kubelet.ContainerRunning {
		return nil, fmt.Errorf("container stats %s: container is %s, not running: %w", containerID, state, kubelet.ErrInvalid)
	}
	cpu, mem, ws, err := r.cg.usage(cg)
	if err != nil {
		return nil, fmt.Errorf("container stats %s: %w", containerID, err)
	}
	return &kubelet.ContainerStats{
		ContainerID: containerID, Timestamp: time.Now(),
		CPUUsageCoreNanoSeconds: cpu, MemoryUsageBytes: mem, MemoryWorkingSetBytes: ws,
	}, nil
}

func cloneContainerConfig(c *kubelet.ContainerConfig) *kubelet.ContainerConfig {
	out := *c
	out.Command = slices.Clone(c.Command)
	out.Args = slices.Clone(c.Args)
	out.Envs = slices.Clone(c.Envs)
	out.Mounts = slices.Clone(c.Mounts)
	out.Labels = maps.Clone(c.Labels)
	out.Annotations = maps.Clone(c.Annotations)
	return &out
}
