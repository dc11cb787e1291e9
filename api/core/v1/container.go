package v1

import (
	"github.com/rigging-dev/rigging/api/intstr"
	"github.com/rigging-dev/rigging/api/resource"
)

// Container is one process image to run in a pod, with its arguments,
// environment, ports, mounts, probes and resources.
type Container struct {
	// Name is unique among the pod's containers (a DNS label).
	Name string `json:"name"`
	// Image is the image reference, such as "nginx:1.27".
	Image string `json:"image,omitempty"`
	// Command replaces the image's entrypoint; $(VAR) expands from Env.
	Command []string `json:"command,omitempty"`
	// Args replaces the image's arguments; $(VAR) expands from Env.
	Args []string `json:"args,omitempty"`
	// WorkingDir replaces the image's working directory.
	WorkingDir string `json:"workingDir,omitempty"`
	// Ports lists the ports the container listens on, for information and
	// for named probe and service target ports.
	Ports []ContainerPort `json:"ports,omitempty" patchStrategy:"merge" patchMergeKey:"containerPort"`
	// EnvFrom imports every key of a ConfigMap or Secret as variables;
	// Env wins on a name collision.
	EnvFrom []EnvFromSource `json:"envFrom,omitempty"`
	// Env sets variables, in order; later ones may refer to earlier ones.
	Env []EnvVar `json:"env,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// Resources are the container's requests and limits.
	Resources ResourceRequirements `json:"resources,omitempty,omitzero"`
	// ResizePolicy says, per resource, whether an in-place resize restarts
	// the container.
	ResizePolicy []ContainerResizePolicy `json:"resizePolicy,omitempty"`
	// RestartPolicy overrides the pod's restart policy for this container.
	// On an init container, Always makes it a sidecar that starts before
	// the main containers and runs alongside them.
	RestartPolicy *ContainerRestartPolicy `json:"restartPolicy,omitempty"`
	// VolumeMounts mounts the pod's volumes into the container's
	// filesystem.
	VolumeMounts []VolumeMount `json:"volumeMounts,omitempty" patchStrategy:"merge" patchMergeKey:"mountPath"`
	// VolumeDevices exposes the pod's block volumes as devices.
	VolumeDevices []VolumeDevice `json:"volumeDevices,omitempty" patchStrategy:"merge" patchMergeKey:"devicePath"`
	// LivenessProbe restarts the container when it fails.
	LivenessProbe *Probe `json:"livenessProbe,omitempty"`
	// ReadinessProbe removes the pod from service endpoints while it fails.
	ReadinessProbe *Probe `json:"readinessProbe,omitempty"`
	// StartupProbe holds off the other probes until it first succeeds.
	StartupProbe *Probe `json:"startupProbe,omitempty"`
	// Lifecycle holds the hooks run after start and before stop.
	Lifecycle *Lifecycle `json:"lifecycle,omitempty"`
	// TerminationMessagePath is the file whose content becomes the
	// terminated state's message.
	TerminationMessagePath string `json:"terminationMessagePath,omitempty"`
	// TerminationMessagePolicy says where the termination message comes
	// from.
	TerminationMessagePolicy TerminationMessagePolicy `json:"terminationMessagePolicy,omitempty"`
	// ImagePullPolicy says when the image is pulled.
	ImagePullPolicy PullPolicy `json:"imagePullPolicy,omitempty"`
	// SecurityContext overrides the pod's security settings for this
	// container.
	SecurityContext *SecurityContext `json:"securityContext,omitempty"`
	// Stdin keeps a stdin stream open for attach.
	Stdin bool `json:"stdin,omitempty"`
	// StdinOnce closes stdin after the first attach disconnects.
	StdinOnce bool `json:"stdinOnce,omitempty"`
	// TTY allocates a terminal; it needs Stdin.
	TTY bool `json:"tty,omitempty"`
}

// TerminationMessagePathDefault is the default TerminationMessagePath.
const TerminationMessagePathDefault = "/dev/termination-log"

// Protocol is a network protocol of a port.
type Protocol string

// The protocols of container and service ports.
const (
	ProtocolTCP  Protocol = "TCP"
	ProtocolUDP  Protocol = "UDP"
	ProtocolSCTP Protocol = "SCTP"
)

// ContainerPort is a port a container listens on.
type ContainerPort struct {
	// Name is an IANA service name, unique in the pod, that services and
	// probes may use in place of the number.
	Name string `json:"name,omitempty"`
	// HostPort, when set, exposes the port on the node's address.
	HostPort int32 `json:"hostPort,omitempty"`
	// ContainerPort is the port number in the pod's network namespace.
	ContainerPort int32 `json:"containerPort"`
	// Protocol is TCP, UDP or SCTP.
	Protocol Protocol `json:"protocol,omitempty"`
	// HostIP is the node address HostPort binds to.
	HostIP string `json:"hostIP,omitempty"`
}

// EnvVar is one environment variable: a literal Value or a ValueFrom
// source, never both.
type EnvVar struct {
	Name      string        `json:"name"`
	Value     string        `json:"value,omitempty"`
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty"`
}

// EnvVarSource is where a variable's value comes from; exactly one field
// is set.
type EnvVarSource struct {
	// FieldRef selects a field of the pod, such as metadata.name or
	// status.podIP.
	FieldRef *ObjectFieldSelector `json:"fieldRef,omitempty"`
	// ResourceFieldRef selects a container's request or limit.
	ResourceFieldRef *ResourceFieldSelector `json:"resourceFieldRef,omitempty"`
	// ConfigMapKeyRef selects a key of a ConfigMap.
	ConfigMapKeyRef *ConfigMapKeySelector `json:"configMapKeyRef,omitempty"`
	// SecretKeyRef selects a key of a Secret.
	SecretKeyRef *SecretKeySelector `json:"secretKeyRef,omitempty"`
}

// ObjectFieldSelector selects a field of the pod by its path in the
// object at APIVersion (default "v1").
type ObjectFieldSelector struct {
	APIVersion string `json:"apiVersion,omitempty"`
	FieldPath  string `json:"fieldPath"`
}

// ResourceFieldSelector selects a container's request or limit, such as
// "limits.memory", divided by Divisor (default 1).
type ResourceFieldSelector struct {
	ContainerName string            `json:"containerName,omitempty"`
	Resource      string            `json:"resource"`
	Divisor       resource.Quantity `json:"divisor,omitempty,omitzero"`
}

// ConfigMapKeySelector selects one key of a ConfigMap in the pod's
// namespace. When Optional is true a missing map or key is not an error.
type ConfigMapKeySelector struct {
	LocalObjectReference `json:",inline"`
	Key                  string `json:"key"`
	Optional             *bool  `json:"optional,omitempty"`
}

// SecretKeySelector selects one key of a Secret in the pod's namespace.
// When Optional is true a missing secret or key is not an error.
type SecretKeySelector struct {
	LocalObjectReference `json:",inline"`
	Key                  string `json:"key"`
	Optional             *bool  `json:"optional,omitempty"`
}

// EnvFromSource imports all keys of a ConfigMap or a Secret, each name
// prefixed with Prefix; exactly one of the references is set.
type EnvFromSource struct {
	Prefix       string              `json:"prefix,omitempty"`
	ConfigMapRef *ConfigMapEnvSource `json:"configMapRef,omitempty"`
	SecretRef    *SecretEnvSource    `json:"secretRef,omitempty"`
}

// ConfigMapEnvSource names the ConfigMap of an EnvFromSource.
type ConfigMapEnvSource struct {
	LocalObjectReference `json:",inline"`
	Optional             *bool `json:"optional,omitempty"`
}

// SecretEnvSource names the Secret of an EnvFromSource.
type SecretEnvSource struct {
	LocalObjectReference `json:",inline"`
	Optional             *bool `json:"optional,omitempty"`
}

// VolumeMount mounts one of the pod's volumes into a container.
type VolumeMount struct {
	// Name is the name of a volume in the pod's spec.volumes.
	Name string `json:"name"`
	// ReadOnly mounts the volume read-only.
	ReadOnly bool `json:"readOnly,omitempty"`
	// MountPath is where the volume appears in the container; it may not
	// contain ':'.
	MountPath string `json:"mountPath"`
	// SubPath mounts a path within the volume instead of its root.
	SubPath string `json:"subPath,omitempty"`
	// MountPropagation says how mounts propagate between host and
	// container; nil means None.
	MountPropagation *MountPropagationMode `json:"mountPropagation,omitempty"`
	// SubPathExpr is SubPath with $(VAR) expanded from the environment.
	SubPathExpr string `json:"subPathExpr,omitempty"`
}

// MountPropagationMode says how mounts propagate across a volume mount.
type MountPropagationMode string

// The mount propagation modes.
const (
	// MountPropagationNone propagates nothing (a private mount).
	MountPropagationNone MountPropagationMode = "None"
	// MountPropagationHostToContainer lets host mounts under the volume
	// appear in the container (rslave).
	MountPropagationHostToContainer MountPropagationMode = "HostToContainer"
	// MountPropagationBidirectional also propagates container mounts to
	// the host (rshared); it needs a privileged container.
	MountPropagationBidirectional MountPropagationMode = "Bidirectional"
)

// VolumeDevice exposes a block volume as a device at DevicePath.
type VolumeDevice struct {
	Name       string `json:"name"`
	DevicePath string `json:"devicePath"`
}

// Probe is a periodic health check of a container: one handler plus its
// timing. Zero timings mean the defaults (period 10 s, timeout 1 s,
// success 1, failure 3).
type Probe struct {
	ProbeHandler                  `json:",inline"`
	InitialDelaySeconds           int32  `json:"initialDelaySeconds,omitempty"`
	TimeoutSeconds                int32  `json:"timeoutSeconds,omitempty"`
	PeriodSeconds                 int32  `json:"periodSeconds,omitempty"`
	SuccessThreshold              int32  `json:"successThreshold,omitempty"`
	FailureThreshold              int32  `json:"failureThreshold,omitempty"`
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
}

// ProbeHandler is the action of a probe; exactly one field is set.
type ProbeHandler struct {
	Exec      *ExecAction      `json:"exec,omitempty"`
	HTTPGet   *HTTPGetAction   `json:"httpGet,omitempty"`
	TCPSocket *TCPSocketAction `json:"tcpSocket,omitempty"`
	GRPC      *GRPCAction      `json:"grpc,omitempty"`
}

// LifecycleHandler is the action of a lifecycle hook; exactly one field is
// set.
type LifecycleHandler struct {
	Exec      *ExecAction      `json:"exec,omitempty"`
	HTTPGet   *HTTPGetAction   `json:"httpGet,omitempty"`
	TCPSocket *TCPSocketAction `json:"tcpSocket,omitempty"`
	Sleep     *SleepAction     `json:"sleep,omitempty"`
}

// Lifecycle holds a container's hooks. PostStart runs right after the
// container starts; PreStop runs before it is stopped, within the grace
// period.
type Lifecycle struct {
	PostStart *LifecycleHandler `json:"postStart,omitempty"`
	PreStop   *LifecycleHandler `json:"preStop,omitempty"`
}

// ExecAction runs Command in the container, without a shell; exit status 0
// is success.
type ExecAction struct {
	Command []string `json:"command,omitempty"`
}

// HTTPGetAction sends a GET; a status from 200 to 399 is success.
type HTTPGetAction struct {
	// Path is the request path.
	Path string `json:"path,omitempty"`
	// Port is a number or the name of a container port.
	Port intstr.IntOrString `json:"port"`
	// Host defaults to the pod IP.
	Host string `json:"host,omitempty"`
	// Scheme is HTTP or HTTPS (certificates are not verified).
	Scheme URIScheme `json:"scheme,omitempty"`
	// HTTPHeaders are added to the request.
	HTTPHeaders []HTTPHeader `json:"httpHeaders,omitempty"`
}

// URIScheme is the scheme of an HTTPGetAction.
type URIScheme string

// The schemes of an HTTPGetAction.
const (
	URISchemeHTTP  URIScheme = "HTTP"
	URISchemeHTTPS URIScheme = "HTTPS"
)

// HTTPHeader is one header of an HTTPGetAction.
type HTTPHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// TCPSocketAction opens a TCP connection; connecting is success.
type TCPSocketAction struct {
	// Port is a number or the name of a container port.
	Port intstr.IntOrString `json:"port"`
	// Host defaults to the pod IP.
	Host string `json:"host,omitempty"`
}

// GRPCAction calls the gRPC health checking protocol's Check on Port;
// SERVING is success. Service is the service name to check; Kubernetes
// tags it without omitempty, so a nil Service encodes as null.
type GRPCAction struct {
	Port    int32   `json:"port"`
	Service *string `json:"service"`
}

// SleepAction pauses for Seconds before the container is stopped.
type SleepAction struct {
	Seconds int64 `json:"seconds"`
}

// PullPolicy says when the node agent pulls a container image.
type PullPolicy string

// The image pull policies.
const (
	// PullAlways pulls (or re-resolves) the image on every start.
	PullAlways PullPolicy = "Always"
	// PullNever only uses an image already present; absent is an error.
	PullNever PullPolicy = "Never"
	// PullIfNotPresent pulls only when the image is absent.
	PullIfNotPresent PullPolicy = "IfNotPresent"
)

// TerminationMessagePolicy says where a terminated container's message
// comes from.
type TerminationMessagePolicy string

// The termination message policies.
const (
	// TerminationMessageReadFile reads TerminationMessagePath only.
	TerminationMessageReadFile TerminationMessagePolicy = "File"
	// TerminationMessageFallbackToLogsOnError uses the log tail when the
	// file is empty and the container failed.
	TerminationMessageFallbackToLogsOnError TerminationMessagePolicy = "FallbackToLogsOnError"
)

// ContainerRestartPolicy is the restart policy of one container; Always on
// an init container makes it a sidecar.
type ContainerRestartPolicy string

// The container restart policies.
const (
	ContainerRestartPolicyAlways    ContainerRestartPolicy = "Always"
	ContainerRestartPolicyNever     ContainerRestartPolicy = "Never"
	ContainerRestartPolicyOnFailure ContainerRestartPolicy = "OnFailure"
)

// ResourceResizeRestartPolicy says whether resizing a resource in place
// restarts the container.
type ResourceResizeRestartPolicy string

// The resize restart policies.
const (
	NotRequired      ResourceResizeRestartPolicy = "NotRequired"
	RestartContainer ResourceResizeRestartPolicy = "RestartContainer"
)

// ContainerResizePolicy is the resize restart policy of one resource.
type ContainerResizePolicy struct {
	ResourceName  ResourceName                `json:"resourceName"`
	RestartPolicy ResourceResizeRestartPolicy `json:"restartPolicy"`
}

// SecurityContext is a container's security settings; set fields override
// the pod's PodSecurityContext.
type SecurityContext struct {
	// Capabilities adds and drops Linux capabilities.
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	// Privileged runs the container with all host devices and
	// capabilities.
	Privileged *bool `json:"privileged,omitempty"`
	// SELinuxOptions sets the container's SELinux context.
	SELinuxOptions *SELinuxOptions `json:"seLinuxOptions,omitempty"`
	// RunAsUser is the UID of the entrypoint.
	RunAsUser *int64 `json:"runAsUser,omitempty"`
	// RunAsGroup is the primary GID of the entrypoint.
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	// RunAsNonRoot makes the node agent refuse to start a container that
	// would run as UID 0.
	RunAsNonRoot *bool `json:"runAsNonRoot,omitempty"`
	// ReadOnlyRootFilesystem mounts the root filesystem read-only.
	ReadOnlyRootFilesystem *bool `json:"readOnlyRootFilesystem,omitempty"`
	// AllowPrivilegeEscalation controls the no_new_privs flag.
	AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation,omitempty"`
	// ProcMount is the /proc mount type.
	ProcMount *ProcMountType `json:"procMount,omitempty"`
	// SeccompProfile is the container's seccomp filter.
	SeccompProfile *SeccompProfile `json:"seccompProfile,omitempty"`
	// AppArmorProfile is the container's AppArmor profile.
	AppArmorProfile *AppArmorProfile `json:"appArmorProfile,omitempty"`
}

// Capability is a Linux capability name without the CAP_ prefix, such as
// "NET_ADMIN", or "ALL".
type Capability string

// Capabilities are the Linux capabilities added to and dropped from the
// runtime's default set.
type Capabilities struct {
	Add  []Capability `json:"add,omitempty"`
	Drop []Capability `json:"drop,omitempty"`
}

// ProcMountType is how /proc is mounted in a container.
type ProcMountType string

// The /proc mount types.
const (
	// DefaultProcMount masks and makes read-only the sensitive paths.
	DefaultProcMount ProcMountType = "Default"
	// UnmaskedProcMount masks nothing.
	UnmaskedProcMount ProcMountType = "Unmasked"
)

// SELinuxOptions are the SELinux labels of a container or pod.
type SELinuxOptions struct {
	User  string `json:"user,omitempty"`
	Role  string `json:"role,omitempty"`
	Type  string `json:"type,omitempty"`
	Level string `json:"level,omitempty"`
}

// SeccompProfile selects a seccomp filter; LocalhostProfile is set only
// for type Localhost, as a path relative to the node agent's seccomp
// directory.
type SeccompProfile struct {
	Type             SeccompProfileType `json:"type"`
	LocalhostProfile *string            `json:"localhostProfile,omitempty"`
}

// SeccompProfileType is the kind of seccomp filter.
type SeccompProfileType string

// The seccomp profile types.
const (
	SeccompProfileTypeUnconfined     SeccompProfileType = "Unconfined"
	SeccompProfileTypeRuntimeDefault SeccompProfileType = "RuntimeDefault"
	SeccompProfileTypeLocalhost      SeccompProfileType = "Localhost"
)

// AppArmorProfile selects an AppArmor profile; LocalhostProfile is set
// only for type Localhost, naming a profile loaded on the node.
type AppArmorProfile struct {
	Type             AppArmorProfileType `json:"type"`
	LocalhostProfile *string             `json:"localhostProfile,omitempty"`
}

// AppArmorProfileType is the kind of AppArmor profile.
type AppArmorProfileType string

// The AppArmor profile types.
const (
	AppArmorProfileTypeUnconfined     AppArmorProfileType = "Unconfined"
	AppArmorProfileTypeRuntimeDefault AppArmorProfileType = "RuntimeDefault"
	AppArmorProfileTypeLocalhost      AppArmorProfileType = "Localhost"
)
