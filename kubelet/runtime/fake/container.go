package fake

import (
	"maps"
	"net/netip"
	"strings"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

// sandbox is one simulated pod sandbox. Its fields are guarded by
// Runtime.mu.
type sandbox struct {
	id          string
	meta        kubelet.PodSandboxMetadata
	logDir      string
	labels      map[string]string
	annotations map[string]string
	state       kubelet.SandboxState
	createdAt   time.Time
	ip          netip.Addr // invalid: none
	containers  map[string]*container
}

func (s *sandbox) status() *kubelet.PodSandboxStatus {
	var ip string
	if s.ip.IsValid() {
		ip = s.ip.String()
	}
	return &kubelet.PodSandboxStatus{
		IP:          ip,
		ID:          s.id,
		Metadata:    s.meta,
		State:       s.state,
		CreatedAt:   s.createdAt,
		Labels:      maps.Clone(s.labels),
		Annotations: maps.Clone(s.annotations),
	}
}

// container is one simulated container. Its fields are guarded by
// Runtime.mu.
//
// A container's state is a pure function of its fields and the clock's
// time (see state), so that timed exits and OOM kills need no timer and no
// goroutine: a container that exits 5 s after its start simply reads as
// Exited once the clock has passed that moment.
type container struct {
	id          string
	sb          *sandbox
	meta        kubelet.ContainerMetadata
	image       string
	argv        []string // Command then Args, for EchoArgs
	labels      map[string]string
	annotations map[string]string
	logPath     string // absolute; "" when the container has no log
	stopCode    int32  // 128 + the stop signal's number
	behavior    Behavior
	createdAt   time.Time

	starting  bool // StartContainer is waiting out the start delay
	started   bool
	startedAt time.Time
	// end is when the container exits or exited (zero: not known yet);
	// exitCode, reason and message describe that exit.
	end      time.Time
	exitCode int32
	reason   string
	message  string
	// done is made when a StopContainer waits on the container and closed
	// when the container is killed or removed.
	done chan struct{}
}

// state returns the container's state at time now.
func (c *container) state(now time.Time) kubelet.ContainerState {
	switch {
	case !c.end.IsZero() && !now.Before(c.end):
		return kubelet.ContainerExited
	case !c.started:
		return kubelet.ContainerCreated
	default:
		return kubelet.ContainerRunning
	}
}

// exit ends the container at now with code, unless it has already
// exited; it reports whether it did.
func (c *container) exit(now time.Time, code int32, reason, message string) bool {
	if c.state(now) == kubelet.ContainerExited {
		return false
	}
	c.end, c.exitCode, c.reason, c.message = now, code, reason, message
	c.wake()
	return true
}

// wake releases StopContainer calls waiting on the container.
func (c *container) wake() {
	if c.done != nil {
		close(c.done)
		c.done = nil
	}
}

// start moves a created container to running at now, scheduling its end
// as its behaviour says, and returns the log entries it writes.
func (c *container) start(now time.Time) []logEntry {
	c.started, c.startedAt = true, now
	b := c.behavior
	switch b.Mode {
	case Exit:
		c.end, c.exitCode, c.reason = now.Add(b.After), b.ExitCode, reasonFor(b.ExitCode)
	case OOMKill:
		c.end, c.exitCode, c.reason = now.Add(b.After), 137, kubelet.ReasonOOMKilled
	case FailStart:
		c.end, c.exitCode, c.reason, c.message = now, 128, kubelet.ReasonError, b.StartError
		return nil
	}
	if c.logPath == "" {
		return nil
	}
	var entries []logEntry
	for _, s := range b.Stdout {
		entries = appendLines(entries, "stdout", s)
	}
	if b.EchoArgs {
		entries = appendLines(entries, "stdout", strings.Join(c.argv, " "))
	}
	for _, s := range b.Stderr {
		entries = appendLines(entries, "stderr", s)
	}
	return entries
}

func reasonFor(code int32) string {
	if code == 0 {
		return kubelet.ReasonCompleted
	}
	return kubelet.ReasonError
}

func (c *container) status(now time.Time) *kubelet.ContainerStatus {
	st := &kubelet.ContainerStatus{
		ID:          c.id,
		SandboxID:   c.sb.id,
		Metadata:    c.meta,
		State:       c.state(now),
		Image:       c.image,
		CreatedAt:   c.createdAt,
		StartedAt:   c.startedAt,
		LogPath:     c.logPath,
		Labels:      maps.Clone(c.labels),
		Annotations: maps.Clone(c.annotations),
	}
	if st.State == kubelet.ContainerExited {
		st.FinishedAt, st.ExitCode, st.Reason, st.Message = c.end, c.exitCode, c.reason, c.message
	}
	return st
}

func (c *container) stats(now time.Time) *kubelet.ContainerStats {
	s := &kubelet.ContainerStats{ContainerID: c.id, Timestamp: now}
	if !c.started {
		return s
	}
	until := now
	if !c.end.IsZero() && c.end.Before(now) {
		until = c.end
	}
	if ran := until.Sub(c.startedAt); ran > 0 {
		s.CPUUsageCoreNanoSeconds = uint64(ran.Nanoseconds()) * c.behavior.CPUMilliCores / 1000
	}
	if c.state(now) == kubelet.ContainerRunning {
		s.MemoryWorkingSetBytes = c.behavior.MemoryBytes
		s.MemoryUsageBytes = c.behavior.MemoryBytes
	}
	return s
}

// matches reports whether labels has every key and value of selector.
func matches(labels, selector map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
