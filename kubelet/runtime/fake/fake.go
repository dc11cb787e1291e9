package fake

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

// Version is the RuntimeVersion a fake Runtime reports.
var Version = kubelet.RuntimeVersion{RuntimeName: "fake", RuntimeVersion: "0.1.0"}

// Runtime is a kubelet.Runtime that simulates sandboxes and containers in
// memory: no processes, namespaces or cgroups. Containers behave as the
// Options script them, on the Options' clock.
//
// It is cheap: a pod (a sandbox and a container) costs about 1.7 KB of
// heap (see BenchmarkThousandNodes) and no goroutine or timer, whatever its
// behaviour (timed exits are computed from the clock when observed). Only
// calls that wait (a StartDelay, a StopContainer on a container ignoring
// its stop signal, an ExecSync with a Duration) arm a timer, for the
// length of the call. Every method may be called from any number of
// goroutines at once; one mutex per Runtime serialises them.
type Runtime struct {
	opts Options

	mu         sync.Mutex // guards the fields below
	lastID     uint64
	status     kubelet.RuntimeStatus
	sandboxes  map[string]*sandbox
	containers map[string]*container
	ips        map[netip.Addr]bool // pod IPs in use
	calls      []Call              // a ring of the last opts.MaxCalls calls
	callsNext  int                 // where the next call goes in calls, once it is full
}

var _ kubelet.Runtime = (*Runtime)(nil)

// New returns an empty, ready Runtime.
func New(opts Options) *Runtime {
	return &Runtime{
		opts:       opts.withDefaults(),
		status:     kubelet.RuntimeStatus{Ready: true},
		sandboxes:  make(map[string]*sandbox),
		containers: make(map[string]*container),
		ips:        make(map[netip.Addr]bool),
	}
}

func (r *Runtime) now() time.Time { return r.opts.Clock.Now() }

// newIDLocked returns a fresh ID; sandboxes and containers share the
// sequence, so that no ID names both.
func (r *Runtime) newIDLocked() string {
	r.lastID++
	return fmt.Sprintf("%016x", r.lastID)
}

// Version returns the package's Version.
func (r *Runtime) Version(ctx context.Context) (kubelet.RuntimeVersion, error) {
	if err := r.begin(ctx, Call{Method: "Version"}); err != nil {
		return kubelet.RuntimeVersion{}, err
	}
	return Version, nil
}

// Status returns the status last set with SetStatus (Ready at first).
func (r *Runtime) Status(ctx context.Context) (kubelet.RuntimeStatus, error) {
	if err := r.begin(ctx, Call{Method: "Status"}); err != nil {
		return kubelet.RuntimeStatus{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status, nil
}

// ListContainers lists the matching containers in creation order; the
// caller owns the result.
func (r *Runtime) ListContainers(ctx context.Context, filter *kubelet.ContainerFilter) ([]*kubelet.ContainerStatus, error) {
	if err := r.begin(ctx, Call{Method: "ListContainers"}); err != nil {
		return nil, err
	}
	if filter == nil {
		filter = &kubelet.ContainerFilter{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	candidates := r.containers
	if filter.SandboxID != "" {
		s, ok := r.sandboxes[filter.SandboxID]
		if !ok {
			return nil, nil
		}
		candidates = s.containers
	}
	var out []*kubelet.ContainerStatus
	for _, c := range candidates {
		if (filter.ID == "" || filter.ID == c.id) &&
			(filter.State == nil || *filter.State == c.state(now)) &&
			matches(c.labels, filter.LabelSelector) {
			out = append(out, c.status(now))
		}
	}
	slices.SortFunc(out, func(a, b *kubelet.ContainerStatus) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ContainerStatus reports one container; the caller owns the result.
func (r *Runtime) ContainerStatus(ctx context.Context, containerID string) (*kubelet.ContainerStatus, error) {
	if err := r.begin(ctx, Call{Method: "ContainerStatus", ID: containerID}); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[containerID]
	if !ok {
		return nil, fmt.Errorf("container %q: %w", containerID, kubelet.ErrNotFound)
	}
	return c.status(r.now()), nil
}

// ExecSync answers from Options.Exec (default: exit 0, no output) for a
// running container, after waiting the response's Duration on the clock;
// when that exceeds a non-zero timeout it waits the timeout and fails with
// kubelet.ErrExecTimeout. It fails with kubelet.ErrNotFound for an unknown
// container and with a plain error for one that does not run.
func (r *Runtime) ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) (kubelet.ExecResult, error) {
	if err := r.begin(ctx, Call{Method: "ExecSync", ID: containerID, Timeout: timeout, Cmd: slices.Clone(cmd)}); err != nil {
		return kubelet.ExecResult{}, err
	}
	if len(cmd) == 0 {
		return kubelet.ExecResult{}, fmt.Errorf("exec in container %q: empty command: %w", containerID, kubelet.ErrInvalid)
	}
	r.mu.Lock()
	c, ok := r.containers[containerID]
	if !ok {
		r.mu.Unlock()
		return kubelet.ExecResult{}, fmt.Errorf("exec in container %q: %w", containerID, kubelet.ErrNotFound)
	}
	if st := c.state(r.now()); st != kubelet.ContainerRunning {
		r.mu.Unlock()
		return kubelet.ExecResult{}, fmt.Errorf("exec in container %q: container is %v, not running", containerID, st)
	}
	req := ExecRequest{
		ContainerID: c.id,
		SandboxID:   c.sb.id,
		Container:   c.meta,
		Image:       c.image,
		Labels:      maps.Clone(c.labels),
		Cmd:         slices.Clone(cmd),
	}
	r.mu.Unlock()

	var resp ExecResponse
	if r.opts.Exec != nil {
		resp = r.opts.Exec(ctx, req)
	}
	if resp.Err != nil {
		return kubelet.ExecResult{}, fmt.Errorf("exec %q in container %q: %w", cmd, containerID, resp.Err)
	}
	if timeout > 0 && resp.Duration > timeout {
		if err := r.wait(ctx, timeout, nil); err != nil {
			return kubelet.ExecResult{}, fmt.Errorf("exec %q in container %q: %w", cmd, containerID, err)
		}
		return kubelet.ExecResult{}, fmt.Errorf("exec %q in container %q after %v: %w", cmd, containerID, timeout, kubelet.ErrExecTimeout)
	}
	if resp.Duration > 0 {
		if err := r.wait(ctx, resp.Duration, nil); err != nil {
			return kubelet.ExecResult{}, fmt.Errorf("exec %q in container %q: %w", cmd, containerID, err)
		}
	}
	return kubelet.ExecResult{Stdout: resp.Stdout, Stderr: resp.Stderr, ExitCode: resp.ExitCode}, nil
}

// ContainerStats reports the container's simulated usage: CPU time grows
// with its running time at its Behavior.CPUMilliCores and stops when it
// exits; memory is its Behavior.MemoryBytes while it runs and 0 otherwise.
func (r *Runtime) ContainerStats(ctx context.Context, containerID string) (*kubelet.ContainerStats, error) {
	if err := r.begin(ctx, Call{Method: "ContainerStats", ID: containerID}); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[containerID]
	if !ok {
		return nil, fmt.Errorf("stats of container %q: %w", containerID, kubelet.ErrNotFound)
	}
	return c.stats(r.now()), nil
}
