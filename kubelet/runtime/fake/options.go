package fake

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/go-logr/logr"

	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/kubelet"
)

// Mode is what a simulated container does once started.
type Mode int

const (
	// RunForever: the container runs until it is stopped, killed or
	// removed. It costs no timer and no goroutine.
	RunForever Mode = iota
	// Exit: the container exits with Behavior.ExitCode Behavior.After its
	// start (at once when After is zero).
	Exit
	// FailStart: StartContainer fails with Behavior.StartError; the
	// container is left Exited with exit code 128 and reason Error, as a
	// CRI runtime leaves a container whose process could not be started.
	FailStart
	// OOMKill: the container is OOM-killed Behavior.After its start: it
	// exits with code 137 and reason OOMKilled.
	OOMKill
)

// String returns the mode's name, e.g. "RunForever".
func (m Mode) String() string {
	switch m {
	case RunForever:
		return "RunForever"
	case Exit:
		return "Exit"
	case FailStart:
		return "FailStart"
	case OOMKill:
		return "OOMKill"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Behavior scripts one simulated container. The zero value runs forever,
// ends on its stop signal, writes no log lines and reports
// DefaultMemoryBytes of memory and DefaultCPUMilliCores of CPU.
type Behavior struct {
	// Mode is what the container does once started. Default RunForever.
	Mode Mode
	// After is how long after its start an Exit or OOMKill container ends
	// (on the runtime's clock). Zero: at once.
	After time.Duration
	// ExitCode is the code an Exit container ends with.
	ExitCode int32
	// StartError is the message of a FailStart container's error.
	// Default "fake: start failed".
	StartError string
	// IgnoreStopSignal makes the container ignore its stop signal, so
	// that StopContainer waits its whole timeout (or until the container
	// exits on its own) and then kills it (exit code 137).
	IgnoreStopSignal bool
	// Stdout and Stderr are lines the container writes to its log when it
	// starts, stdout first. A string holding newlines is several lines.
	Stdout, Stderr []string
	// EchoArgs makes the container write its Command and Args, joined by
	// spaces, as one stdout line when it starts (after Stdout), as
	// echo would.
	EchoArgs bool
	// MemoryBytes is the memory the container reports in ContainerStats
	// while it runs. Default DefaultMemoryBytes (4 MiB).
	MemoryBytes uint64
	// CPUMilliCores is the CPU the container burns while it runs: its
	// CPUUsageCoreNanoSeconds grows by CPUMilliCores/1000 ns per ns of
	// running time. Default DefaultCPUMilliCores (10, 1% of a core).
	CPUMilliCores uint64
}

// Defaults of a Behavior's zero fields.
const (
	// DefaultMemoryBytes is the memory a running container reports: 4 MiB.
	DefaultMemoryBytes = 4 << 20
	// DefaultCPUMilliCores is the CPU a running container burns: 1% of a core.
	DefaultCPUMilliCores = 10
	// DefaultStartError is the error message of a FailStart container.
	DefaultStartError = "fake: start failed"
)

func (b Behavior) withDefaults() Behavior {
	if b.MemoryBytes == 0 {
		b.MemoryBytes = DefaultMemoryBytes
	}
	if b.CPUMilliCores == 0 {
		b.CPUMilliCores = DefaultCPUMilliCores
	}
	if b.StartError == "" {
		b.StartError = DefaultStartError
	}
	return b
}

func (b Behavior) validate() error {
	if b.Mode < RunForever || b.Mode > OOMKill {
		return fmt.Errorf("unknown mode %v", b.Mode)
	}
	if b.After < 0 {
		return fmt.Errorf("negative After %v", b.After)
	}
	return nil
}

// ExecRequest is an ExecSync call as Options.Exec sees it.
type ExecRequest struct {
	ContainerID string
	SandboxID   string
	// Container is the container's metadata (its name and attempt).
	Container kubelet.ContainerMetadata
	Image     string
	// Labels are the container's labels; the map is a copy the func may keep.
	Labels map[string]string
	// Cmd is the command to run.
	Cmd []string
}

// ExecResponse is what a simulated exec does.
type ExecResponse struct {
	Stdout, Stderr []byte
	ExitCode       int32
	// Duration is how long the command runs (on the runtime's clock):
	// ExecSync waits that long, or its timeout when that is shorter, in
	// which case it fails with kubelet.ErrExecTimeout.
	Duration time.Duration
	// Err, when not nil, is returned by ExecSync (wrapped) instead of a
	// result: the command could not be run at all.
	Err error
}

// Call is one method call the runtime received, as Runtime.Calls records
// it.
type Call struct {
	// Method is the kubelet.Runtime method name, e.g. "StopContainer".
	Method string
	// ID is the sandbox or container ID argument ("" for Version, Status,
	// the List methods and RunPodSandbox).
	ID string
	// Timeout is StopContainer's and ExecSync's timeout argument.
	Timeout time.Duration
	// Cmd is ExecSync's command.
	Cmd []string
	// Time is the runtime clock's time when the call began.
	Time time.Time
}

// Options configure a Runtime. The zero value works: a real clock, no start
// delay, every image running forever, every exec exiting 0 at once, and the
// last DefaultMaxCalls calls recorded.
type Options struct {
	// Clock is the time source of container lifetimes, start delays, stop
	// timeouts, exec durations and every timestamp. Default
	// controller.RealClock. With a *controller.FakeClock nothing happens
	// until the test steps the clock; calls that wait (StartContainer with
	// a StartDelay, StopContainer on a container ignoring its stop signal,
	// ExecSync with a Duration) arm one timer each, so a test can wait for
	// FakeClock.Waiters before stepping.
	Clock controller.Clock
	// StartDelay is how long StartContainer takes (as if pulling an image
	// and starting a process). Default 0; a negative delay counts as 0.
	StartDelay time.Duration
	// Images maps image names, exactly as in ContainerConfig.Image, to
	// behaviours. It is consulted first. A behaviour with an unknown Mode
	// or a negative After makes CreateContainer fail with
	// kubelet.ErrInvalid.
	Images map[string]Behavior
	// Behavior decides the behaviour of a container whose image is not in
	// Images. Default: the zero Behavior (run forever).
	Behavior func(config *kubelet.ContainerConfig) Behavior
	// Exec answers ExecSync; it may be called from many goroutines at once.
	// Default: exit 0 at once with no output.
	Exec func(ctx context.Context, req ExecRequest) ExecResponse
	// MaxCalls is how many of the most recent calls Calls keeps. Default
	// DefaultMaxCalls (4096); negative records none.
	MaxCalls int
	// PodCIDR, when valid, gives each sandbox that does not use the node's
	// network (Linux.Namespaces.Network is not NamespaceModeNode) the
	// lowest free address of the prefix after its network address, as its
	// IP; RunPodSandbox fails when none is free. An address is free again
	// once its sandbox is removed. Default: the zero netip.Prefix, no
	// sandbox has an IP.
	PodCIDR netip.Prefix
	// Fail, when set, is called at the start of every kubelet.Runtime
	// method with the call about to be made (as Calls records it); a
	// non-nil error is returned by the method, which then does nothing.
	// Tests inject faults with it. It may be called from many goroutines
	// at once.
	Fail func(c Call) error
	// Logger receives a line for each lifecycle event at V(1). Default
	// logr.Discard().
	Logger logr.Logger
}

// DefaultMaxCalls is the number of calls a zero Options.MaxCalls keeps.
const DefaultMaxCalls = 4096

func (o Options) withDefaults() Options {
	if o.StartDelay < 0 {
		o.StartDelay = 0
	}
	if o.Clock == nil {
		o.Clock = controller.RealClock{}
	}
	if o.MaxCalls == 0 {
		o.MaxCalls = DefaultMaxCalls
	}
	if o.MaxCalls < 0 {
		o.MaxCalls = 0
	}
	if o.Logger.GetSink() == nil {
		o.Logger = logr.Discard()
	}
	return o
}
