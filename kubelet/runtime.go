package kubelet

import (
	"context"
	"errors"
	"time"
)

// Runtime runs pod sandboxes and their containers on one node: the subset of
// the Container Runtime Interface (CRI) that a node agent needs, in Go types.
//
// A pod is a sandbox (its shared namespaces, cgroup parent and log
// directory) holding containers. The kubelet creates the sandbox, then
// creates and starts each container in it, polls their status, stops and
// removes them, and finally stops and removes the sandbox. Identifiers are
// chosen by the runtime and are unique for the runtime's lifetime.
//
// Contract, checked by the conformance suite in package kubelet/runtimetest:
//   - Every method may be called from any number of goroutines at once.
//   - Every method returns an error wrapping ErrNotFound for an unknown
//     sandbox or container ID, except the Stop and Remove methods, which
//     succeed on an ID that is already gone (they are idempotent, as in CRI).
//   - A container's stdout and stderr are written in the CRI log format
//     ("<RFC3339Nano time> <stdout|stderr> <F|P> <text>\n") to the file
//     LogDirectory/LogPath from its sandbox and container configs; the
//     kubelet reads logs from there (see ReadLogs).
//   - ContainerStatus reports ExitCode, Reason ("Completed", "Error",
//     "OOMKilled") and FinishedAt once the container has exited.
//   - The caller creates the directory of each container's log file
//     (LogDirectory plus the directory part of LogPath), as the kubelet
//     does; timestamps keep the clock's full precision.
//   - StopContainer on a Created container marks it Exited with 137;
//     ContainerStats of a container that is not running reports its last
//     CPU counter and zero memory.
//   - StopPodSandbox stops every container still running in the sandbox;
//     RemovePodSandbox removes the sandbox and its containers and releases
//     everything it holds (processes, cgroups, namespaces, mounts).
type Runtime interface {
	// Version names the runtime, e.g. {"process", "0.1.0"}.
	Version(ctx context.Context) (RuntimeVersion, error)
	// Status reports whether the runtime is ready to run pods.
	Status(ctx context.Context) (RuntimeStatus, error)

	// RunPodSandbox creates and starts a sandbox and returns its ID.
	RunPodSandbox(ctx context.Context, config *PodSandboxConfig) (string, error)
	// StopPodSandbox stops every container in the sandbox (killing them at
	// once; graceful stops are the kubelet's job, container by container)
	// and releases the sandbox's network.
	StopPodSandbox(ctx context.Context, sandboxID string) error
	// RemovePodSandbox removes a sandbox and all its containers.
	RemovePodSandbox(ctx context.Context, sandboxID string) error
	// PodSandboxStatus reports one sandbox.
	PodSandboxStatus(ctx context.Context, sandboxID string) (*PodSandboxStatus, error)
	// ListPodSandbox lists the sandboxes that match filter (nil: all).
	ListPodSandbox(ctx context.Context, filter *PodSandboxFilter) ([]*PodSandboxStatus, error)

	// CreateContainer creates a container in a sandbox without starting it
	// and returns its ID. sandboxConfig is the config the sandbox was made
	// with.
	CreateContainer(ctx context.Context, sandboxID string, config *ContainerConfig, sandboxConfig *PodSandboxConfig) (string, error)
	// StartContainer starts a created container.
	StartContainer(ctx context.Context, containerID string) error
	// StopContainer sends the container's stop signal (SIGTERM unless the
	// config says otherwise), waits up to timeout for it to exit, then
	// kills it (SIGKILL). A zero timeout kills at once. It returns when the
	// container has exited.
	StopContainer(ctx context.Context, containerID string, timeout time.Duration) error
	// RemoveContainer removes a container, killing it first if it runs.
	RemoveContainer(ctx context.Context, containerID string) error
	// ListContainers lists the containers that match filter (nil: all).
	ListContainers(ctx context.Context, filter *ContainerFilter) ([]*ContainerStatus, error)
	// ContainerStatus reports one container.
	ContainerStatus(ctx context.Context, containerID string) (*ContainerStatus, error)
	// ExecSync runs cmd in the container's environment and namespaces and
	// returns its output and exit code; it kills cmd after timeout (zero:
	// no limit) and then returns an error wrapping ErrExecTimeout.
	ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) (ExecResult, error)

	// ContainerStats reports a running container's resource usage.
	ContainerStats(ctx context.Context, containerID string) (*ContainerStats, error)
}

// Errors a Runtime returns, wrapped with what failed.
var (
	// ErrNotFound: no sandbox or container has that ID.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: a config is missing something required or is malformed.
	ErrInvalid = errors.New("invalid argument")
	// ErrExecTimeout: ExecSync's command ran past its timeout.
	ErrExecTimeout = errors.New("exec timed out")
	// ErrUnsupported: the runtime cannot do what was asked on this machine
	// (a kernel feature is missing, for example).
	ErrUnsupported = errors.New("unsupported")
	// ErrState: the object's state does not allow the call (starting a
	// container that is not Created, exec in a container that is not
	// running, creating a container in a stopped sandbox).
	ErrState = errors.New("invalid state")
)

// RuntimeVersion names a runtime.
type RuntimeVersion struct {
	RuntimeName    string
	RuntimeVersion string
}

// RuntimeStatus tells whether the runtime can run pods.
type RuntimeStatus struct {
	// Ready is true when the runtime can create sandboxes and containers.
	Ready bool
	// Reason and Message say why not, when Ready is false.
	Reason, Message string
}

// PodSandboxMetadata identifies the pod a sandbox belongs to.
type PodSandboxMetadata struct {
	Name      string
	Namespace string
	UID       string
	// Attempt counts the sandboxes made for this pod, from 0.
	Attempt uint32
}

// NamespaceMode says which Linux namespace a pod's containers use.
type NamespaceMode int

const (
	// NamespaceModePod: one namespace shared by the pod's containers.
	NamespaceModePod NamespaceMode = iota
	// NamespaceModeNode: the host's namespace.
	NamespaceModeNode
	// NamespaceModeContainer: each container its own namespace (PID only).
	NamespaceModeContainer
)

// NamespaceOptions chooses the namespaces of a pod's containers.
type NamespaceOptions struct {
	// Network: NamespaceModeNode for hostNetwork pods; with
	// NamespaceModePod the container joins NetNSPath when set, else the
	// runtime uses the host's network (it never invents a network).
	Network NamespaceMode
	// NetNSPath is the pod's network namespace (a /var/run/netns-style
	// path), made by the kubelet and wired by its network plugin, when
	// Network is NamespaceModePod.
	NetNSPath string
	// PID: NamespaceModePod (the zero value) gives the pod one PID
	// namespace when the runtime supports it; NamespaceModeContainer one
	// per container; NamespaceModeNode shares the host's (hostPID). A
	// runtime that cannot make PID namespaces documents what it does.
	PID NamespaceMode
	// IPC: NamespaceModePod (default) or NamespaceModeNode (hostIPC).
	IPC NamespaceMode
}

// LinuxPodSandboxConfig holds a sandbox's Linux settings.
type LinuxPodSandboxConfig struct {
	// CgroupParent is the cgroup (relative to the runtime's own cgroup
	// root) under which the pod's cgroup is made; empty lets the runtime
	// choose.
	CgroupParent string
	// Namespaces chooses the pod's namespaces.
	Namespaces NamespaceOptions
	// Sysctls to set in the pod's namespaces.
	Sysctls map[string]string
}

// PodSandboxConfig describes a sandbox to create.
type PodSandboxConfig struct {
	Metadata PodSandboxMetadata
	// Hostname of the pod (its UTS namespace, when it has one).
	Hostname string
	// LogDirectory is the directory under which container logs are written
	// (each container's ContainerConfig.LogPath is relative to it).
	LogDirectory string
	// Labels and Annotations are kept and reported back; the kubelet uses
	// labels to find a pod's sandboxes.
	Labels      map[string]string
	Annotations map[string]string
	// Linux settings.
	Linux LinuxPodSandboxConfig
}

// SandboxState is a sandbox's state.
type SandboxState int

const (
	// SandboxReady: the sandbox exists and its namespaces are up.
	SandboxReady SandboxState = iota
	// SandboxNotReady: the sandbox was stopped (or failed).
	SandboxNotReady
)

func (s SandboxState) String() string {
	if s == SandboxReady {
		return "SANDBOX_READY"
	}
	return "SANDBOX_NOTREADY"
}

// PodSandboxStatus reports a sandbox.
type PodSandboxStatus struct {
	ID        string
	Metadata  PodSandboxMetadata
	State     SandboxState
	CreatedAt time.Time
	// IP and AdditionalIPs are the pod's addresses, when it has its own
	// network namespace whose addresses the runtime knows.
	IP            string
	AdditionalIPs []string
	Labels        map[string]string
	Annotations   map[string]string
}

// PodSandboxFilter selects sandboxes; zero fields match everything.
type PodSandboxFilter struct {
	ID            string
	State         *SandboxState
	LabelSelector map[string]string
}

// ContainerMetadata identifies a container within its pod.
type ContainerMetadata struct {
	Name string
	// Attempt counts the containers made for this name in this sandbox,
	// from 0 (the restart count).
	Attempt uint32
}

// KeyValue is an environment variable.
type KeyValue struct {
	Key, Value string
}

// Mount is a host path made visible to a container.
type Mount struct {
	ContainerPath string
	HostPath      string
	Readonly      bool
}

// LinuxContainerResources are a container's cgroup limits. Zero means no
// limit.
type LinuxContainerResources struct {
	// CPUPeriod and CPUQuota (microseconds) become cpu.max "quota period".
	CPUPeriod int64
	CPUQuota  int64
	// CPUShares (Kubernetes' 2 to 262144 scale) become cpu.weight.
	CPUShares int64
	// MemoryLimitInBytes becomes memory.max.
	MemoryLimitInBytes int64
	// PidsLimit becomes pids.max.
	PidsLimit int64
}

// ContainerConfig describes a container to create.
type ContainerConfig struct {
	Metadata ContainerMetadata
	// Image names what to run. How a name resolves is the runtime's
	// business (the process runtime documents its rules).
	Image string
	// Command and Args as in a Kubernetes container: Command replaces the
	// image's entrypoint, Args its arguments.
	Command []string
	Args    []string
	// WorkingDir, when set, is the process's working directory.
	WorkingDir string
	Envs       []KeyValue
	Mounts     []Mount
	// LogPath, relative to the sandbox's LogDirectory, is where the
	// container's output goes, in CRI log format.
	LogPath string
	// Labels and Annotations are kept and reported back.
	Labels      map[string]string
	Annotations map[string]string
	// Resources are the container's limits.
	Resources LinuxContainerResources
	// StopSignal replaces SIGTERM as the graceful stop signal when set
	// ("SIGINT", "SIGQUIT", ...).
	StopSignal string
	// Stdin, TTY are not supported by every runtime; leave them false.
}

// ContainerState is a container's state.
type ContainerState int

const (
	// ContainerCreated: made by CreateContainer, not started yet.
	ContainerCreated ContainerState = iota
	// ContainerRunning: started and its process has not exited.
	ContainerRunning
	// ContainerExited: its process exited (or it was stopped); ExitCode,
	// Reason and FinishedAt are set.
	ContainerExited
	// ContainerUnknown: the runtime lost track of it (after a restart of
	// the runtime, for example).
	ContainerUnknown
)

func (s ContainerState) String() string {
	switch s {
	case ContainerCreated:
		return "CONTAINER_CREATED"
	case ContainerRunning:
		return "CONTAINER_RUNNING"
	case ContainerExited:
		return "CONTAINER_EXITED"
	}
	return "CONTAINER_UNKNOWN"
}

// Container exit reasons, as ContainerStatus.Reason reports them and as
// Kubernetes shows them in a pod's status.
const (
	ReasonCompleted = "Completed" // exited with code 0
	ReasonError     = "Error"     // exited with a non-zero code or a signal
	ReasonOOMKilled = "OOMKilled" // killed by the kernel's OOM killer
)

// ContainerStatus reports a container.
type ContainerStatus struct {
	ID         string
	SandboxID  string
	Metadata   ContainerMetadata
	State      ContainerState
	Image      string
	CreatedAt  time.Time
	StartedAt  time.Time // zero until started
	FinishedAt time.Time // zero until exited
	// ExitCode is the process's exit code once exited; 128+signal when a
	// signal ended it (137 for SIGKILL), as Kubernetes reports it.
	ExitCode int32
	// Reason is one of the Reason constants once exited.
	Reason  string
	Message string
	// LogPath is the absolute path of the container's log file.
	LogPath     string
	Labels      map[string]string
	Annotations map[string]string
	// PID is the container's main process on the host, when it runs as a
	// host process (0 otherwise).
	PID int
}

// ContainerFilter selects containers; zero fields match everything.
type ContainerFilter struct {
	ID            string
	SandboxID     string
	State         *ContainerState
	LabelSelector map[string]string
}

// ExecResult is what ExecSync's command did.
type ExecResult struct {
	Stdout, Stderr []byte
	ExitCode       int32
}

// ContainerStats is a container's resource usage at one moment.
type ContainerStats struct {
	ContainerID string
	Timestamp   time.Time
	// CPUUsageNanoCores is not computed by the runtime; the kubelet derives
	// rates from successive CPUUsageCoreNanoSeconds samples.
	CPUUsageCoreNanoSeconds uint64
	// MemoryWorkingSetBytes is memory.current minus inactive file pages, as
	// the kubelet's summary API defines it.
	MemoryWorkingSetBytes uint64
	MemoryUsageBytes      uint64
	// WritableLayerBytes is the container's own disk use, when known.
	WritableLayerBytes uint64
}
