package fake

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

// CreateContainer records a created container whose behaviour comes from
// Options.Images or Options.Behavior. It fails with kubelet.ErrNotFound for
// an unknown sandbox, with kubelet.ErrInvalid when config is nil, has no
// Metadata.Name, has an unknown StopSignal or resolves to an invalid
// Behavior, and with a plain error when the sandbox is not ready.
func (r *Runtime) CreateContainer(ctx context.Context, sandboxID string, config *kubelet.ContainerConfig, sandboxConfig *kubelet.PodSandboxConfig) (string, error) {
	if err := r.begin(ctx, Call{Method: "CreateContainer", ID: sandboxID}); err != nil {
		return "", err
	}
	if config == nil {
		return "", fmt.Errorf("create container in sandbox %q: nil config: %w", sandboxID, kubelet.ErrInvalid)
	}
	if config.Metadata.Name == "" {
		return "", fmt.Errorf("create container in sandbox %q: metadata has no name: %w", sandboxID, kubelet.ErrInvalid)
	}
	stopCode := int32(128 + 15)
	if config.StopSignal != "" {
		n, ok := signalNumber(config.StopSignal)
		if !ok {
			return "", fmt.Errorf("create container %q: unknown stop signal %q: %w", config.Metadata.Name, config.StopSignal, kubelet.ErrInvalid)
		}
		stopCode = 128 + n
	}
	b, ok := r.opts.Images[config.Image]
	if !ok && r.opts.Behavior != nil {
		b = r.opts.Behavior(config)
	}
	if err := b.validate(); err != nil {
		return "", fmt.Errorf("create container %q: behaviour of image %q: %v: %w", config.Metadata.Name, config.Image, err, kubelet.ErrInvalid)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sandboxes[sandboxID]
	if !ok {
		return "", fmt.Errorf("create container %q: pod sandbox %q: %w", config.Metadata.Name, sandboxID, kubelet.ErrNotFound)
	}
	if s.state != kubelet.SandboxReady {
		return "", fmt.Errorf("create container %q: pod sandbox %q is not ready", config.Metadata.Name, sandboxID)
	}
	c := &container{
		id:          r.newIDLocked(),
		sb:          s,
		meta:        config.Metadata,
		image:       config.Image,
		labels:      maps.Clone(config.Labels),
		annotations: maps.Clone(config.Annotations),
		logPath:     logPath(s.logDir, config.LogPath),
		stopCode:    stopCode,
		behavior:    b.withDefaults(),
		createdAt:   r.now(),
	}
	if b.EchoArgs {
		c.argv = append(slices.Clone(config.Command), config.Args...)
	}
	s.containers[c.id] = c
	r.containers[c.id] = c
	return c.id, nil
}

// logPath is the absolute log path of a container: logPath under logDir,
// or logPath itself when it is absolute; "" when there is none.
func logPath(logDir, logPath string) string {
	switch {
	case logPath == "":
		return ""
	case filepath.IsAbs(logPath):
		return filepath.Clean(logPath)
	case logDir == "":
		return ""
	}
	return filepath.Join(logDir, logPath)
}

// StartContainer waits Options.StartDelay, then starts the container: it
// runs and its end is scheduled as its behaviour says, and it writes its
// log lines. A FailStart container fails here. It fails with
// kubelet.ErrNotFound for an unknown container (or one removed while it
// started) and with a plain error when the container is not in the created
// state.
func (r *Runtime) StartContainer(ctx context.Context, containerID string) error {
	if err := r.begin(ctx, Call{Method: "StartContainer", ID: containerID}); err != nil {
		return err
	}
	r.mu.Lock()
	c, err := r.createdLocked(containerID)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	if d := r.opts.StartDelay; d > 0 {
		c.starting = true
		r.mu.Unlock()
		err := r.wait(ctx, d, nil)
		r.mu.Lock()
		c.starting = false
		if err != nil {
			r.mu.Unlock()
			return fmt.Errorf("start container %q: %w", containerID, err)
		}
		if _, ok := r.containers[containerID]; !ok {
			r.mu.Unlock()
			return fmt.Errorf("start container %q: removed while starting: %w", containerID, kubelet.ErrNotFound)
		}
		if st := c.state(r.now()); st != kubelet.ContainerCreated {
			r.mu.Unlock()
			return fmt.Errorf("start container %q: %v while starting", containerID, st)
		}
	}
	now := r.now()
	entries := c.start(now)
	path := c.logPath
	failed := c.behavior.Mode == FailStart
	r.mu.Unlock()

	if failed {
		return fmt.Errorf("start container %q: %s", containerID, c.behavior.StartError)
	}
	if err := writeLog(path, now, entries); err != nil {
		r.mu.Lock()
		c.exit(now, 128, kubelet.ReasonError, err.Error())
		r.mu.Unlock()
		return fmt.Errorf("start container %q: %w", containerID, err)
	}
	r.opts.Logger.V(1).Info("container started", "container", containerID, "mode", c.behavior.Mode)
	return nil
}

// createdLocked returns the container if it is in the created state and no
// other StartContainer is starting it.
func (r *Runtime) createdLocked(containerID string) (*container, error) {
	c, ok := r.containers[containerID]
	if !ok {
		return nil, fmt.Errorf("start container %q: %w", containerID, kubelet.ErrNotFound)
	}
	if st := c.state(r.now()); st != kubelet.ContainerCreated || c.starting {
		return nil, fmt.Errorf("start container %q: container is %v, not created", containerID, st)
	}
	if c.sb.state != kubelet.SandboxReady {
		return nil, fmt.Errorf("start container %q: pod sandbox %q is not ready", containerID, c.sb.id)
	}
	return c, nil
}

// StopContainer stops a running container: one that honours its stop
// signal exits at once with 128+signal (143 for SIGTERM); one that ignores
// it (Behavior.IgnoreStopSignal) is waited for until timeout, or until it
// exits on its own, and then killed (137). A zero timeout kills at once. A
// created container is marked exited (137). It succeeds on an unknown or
// exited container and returns ctx's error if ctx ends while it waits.
func (r *Runtime) StopContainer(ctx context.Context, containerID string, timeout time.Duration) error {
	if err := r.begin(ctx, Call{Method: "StopContainer", ID: containerID, Timeout: timeout}); err != nil {
		return err
	}
	r.mu.Lock()
	c, ok := r.containers[containerID]
	if !ok {
		r.mu.Unlock()
		return nil
	}
	now := r.now()
	switch {
	case c.state(now) != kubelet.ContainerRunning || timeout <= 0:
		c.exit(now, 137, kubelet.ReasonError, "")
		r.mu.Unlock()
		return nil
	case !c.behavior.IgnoreStopSignal:
		c.exit(now, c.stopCode, kubelet.ReasonError, "")
		r.mu.Unlock()
		return nil
	}
	wait := timeout
	if !c.end.IsZero() && c.end.Sub(now) < wait {
		wait = c.end.Sub(now)
	}
	if c.done == nil {
		c.done = make(chan struct{})
	}
	done := c.done
	r.mu.Unlock()

	err := r.wait(ctx, wait, done)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("stop container %q: %w", containerID, err)
	}
	c.exit(r.now(), 137, kubelet.ReasonError, "")
	return nil
}

// wait waits d on the clock, or until done is closed (when not nil); it
// returns ctx's error if ctx ends first.
func (r *Runtime) wait(ctx context.Context, d time.Duration, done <-chan struct{}) error {
	t := r.opts.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RemoveContainer removes a container, killing it (137) first if it runs.
// It succeeds on an unknown ID. The log file stays.
func (r *Runtime) RemoveContainer(ctx context.Context, containerID string) error {
	if err := r.begin(ctx, Call{Method: "RemoveContainer", ID: containerID}); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[containerID]
	if !ok {
		return nil
	}
	c.exit(r.now(), 137, kubelet.ReasonError, "")
	c.wake()
	delete(r.containers, containerID)
	delete(c.sb.containers, containerID)
	return nil
}
