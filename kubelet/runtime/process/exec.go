package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

// maxExecOutput caps each of ExecSync's stdout and stderr (16 MiB, as CRI
// runtimes do); the rest is discarded.
const maxExecOutput = 16 << 20

type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// ExecSync runs cmd in the running container's namespaces (UTS, IPC,
// network and PID joined; the container's mounts and root filesystem set
// up again in a fresh private mount namespace) and cgroup, with the
// container's environment and working directory. cmd[0] is looked up on
// the container's PATH. A timeout (zero: none) kills cmd's process group
// and returns an error wrapping kubelet.ErrExecTimeout.
func (r *Runtime) ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) (kubelet.ExecResult, error) {
	var res kubelet.ExecResult
	c, err := r.getContainer(containerID)
	if err != nil {
		return res, fmt.Errorf("exec: %w", err)
	}
	if len(cmd) == 0 || cmd[0] == "" {
		return res, fmt.Errorf("exec in container %s: empty command: %w", containerID, kubelet.ErrInvalid)
	}
	if timeout < 0 {
		return res, fmt.Errorf("exec in container %s: negative timeout %v: %w", containerID, timeout, kubelet.ErrInvalid)
	}
	r.refresh(c)
	c.mu.Lock()
	rec := c.rec
	mainPidfd := -1
	if rec.State == kubelet.ContainerRunning && c.pidfd >= 0 {
		// Duplicate: the monitor may close c.pidfd while we use it.
		if fd, err := unix.FcntlInt(uintptr(c.pidfd), unix.F_DUPFD_CLOEXEC, 0); err == nil {
			mainPidfd = fd
		}
	}
	c.mu.Unlock()
	if mainPidfd >= 0 {
		defer unix.Close(mainPidfd)
	}
	if rec.State != kubelet.ContainerRunning || mainPidfd < 0 {
		return res, fmt.Errorf("exec in container %s: container is not running: %w", containerID, kubelet.ErrInvalid)
	}
	s, err := r.getSandbox(rec.SandboxID)
	if err != nil {
		return res, fmt.Errorf("exec in container %s: %w", containerID, err)
	}
	join, release, err := r.joins(s, mainPidfd)
	if err != nil {
		return res, fmt.Errorf("exec in container %s: %w", containerID, err)
	}
	defer release()
	ic := rec.Init
	ic.Argv = slices.Clone(cmd)
	var flags uintptr
	if ic.PrivateMounts {
		flags |= unix.CLONE_NEWNS
	}
	stdout := &cappedBuffer{max: maxExecOutput}
	stderr := &cappedBuffer{max: maxExecOutput}
	spec := r.containerLaunch(rec, ic, join, flags, stdout, stderr)
	spec.setsid, spec.setpgid = false, true
	// A background child holding the pipes must not hold ExecSync.
	spec.waitDelay = time.Second
	p, err := launch(spec, launchTimeout(ctx))
	if err != nil {
		return res, fmt.Errorf("exec %q in container %s: %w", cmd[0], containerID, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- waitCmd(p, nil) }()
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	var waitErr error
	select {
	case waitErr = <-waited:
	case <-timer:
		_ = unix.Kill(-p.Process.Pid, unix.SIGKILL)
		<-waited
		return res, fmt.Errorf("exec %q in container %s after %v: %w", cmd[0], containerID, timeout, kubelet.ErrExecTimeout)
	case <-ctx.Done():
		_ = unix.Kill(-p.Process.Pid, unix.SIGKILL)
		<-waited
		return res, fmt.Errorf("exec %q in container %s: %w", cmd[0], containerID, ctx.Err())
	}
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	if p.ProcessState == nil {
		return res, fmt.Errorf("exec %q in container %s: %w", cmd[0], containerID, waitErr)
	}
	ws := p.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		res.ExitCode = 128 + int32(ws.Signal())
	default:
		res.ExitCode = int32(ws.ExitStatus())
	}
	var ee interface{ ExitCode() int }
	if waitErr != nil && !errors.As(waitErr, &ee) && !errors.Is(waitErr, exec.ErrWaitDelay) {
		return res, fmt.Errorf("exec %q in container %s: %w", cmd[0], containerID, waitErr)
	}
	return res, nil
}
