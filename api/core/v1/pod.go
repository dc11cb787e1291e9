package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Pod is a group of containers that share a network namespace and volumes
// and are scheduled onto one node together: the unit the scheduler places
// and the node agent runs.
type Pod struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the desired pod, written by users and controllers.
	Spec PodSpec `json:"spec,omitempty,omitzero"`
	// Status is the observed pod, written by the node agent and the
	// scheduler.
	Status PodStatus `json:"status,omitempty,omitzero"`
}

// PodList is a list of pods.
type PodList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []Pod `json:"items"`
}

// PodTemplateSpec is the pod that a workload controller (ReplicaSet,
// Deployment, DaemonSet, StatefulSet, Job) stamps out.
type PodTemplateSpec struct {
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Spec PodSpec `json:"spec,omitempty,omitzero"`
}

// PodSpec is the desired state of a pod.
type PodSpec struct {
	// Volumes are the volumes the containers may mount.
	Volumes []Volume `json:"volumes,omitempty" patchStrategy:"merge,retainKeys" patchMergeKey:"name"`
	// InitContainers run one after another, each to completion, before
	// the containers start; those with restartPolicy Always are sidecars.
	InitContainers []Container `json:"initContainers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// Containers run together; a pod has at least one.
	Containers []Container `json:"containers" patchStrategy:"merge" patchMergeKey:"name"`
	// RestartPolicy applies to every container.
	RestartPolicy RestartPolicy `json:"restartPolicy,omitempty"`
	// TerminationGracePeriodSeconds is the time between SIGTERM and
	// SIGKILL on deletion; nil means DefaultTerminationGracePeriodSeconds.
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
	// ActiveDeadlineSeconds is how long the pod may run, from its start,
	// before it is failed with reason DeadlineExceeded.
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty"`
	// DNSPolicy says how the pod's resolv.conf is built.
	DNSPolicy DNSPolicy `json:"dnsPolicy,omitempty"`
	// NodeSelector restricts the pod to nodes carrying all these labels.
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// ServiceAccountName is the pod's identity in its namespace.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// DeprecatedServiceAccount is the old name of ServiceAccountName.
	DeprecatedServiceAccount string `json:"serviceAccount,omitempty"`
	// AutomountServiceAccountToken overrides the service account's choice
	// of mounting an API token.
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`
	// NodeName is the node the pod is bound to; setting it at creation
	// bypasses the scheduler.
	NodeName string `json:"nodeName,omitempty"`
	// HostNetwork runs the pod in the node's network namespace.
	HostNetwork bool `json:"hostNetwork,omitempty"`
	// HostPID runs the pod in the node's PID namespace.
	HostPID bool `json:"hostPID,omitempty"`
	// HostIPC runs the pod in the node's IPC namespace.
	HostIPC bool `json:"hostIPC,omitempty"`
	// ShareProcessNamespace puts all containers in one PID namespace.
	ShareProcessNamespace *bool `json:"shareProcessNamespace,omitempty"`
	// SecurityContext holds pod-wide security settings.
	SecurityContext *PodSecurityContext `json:"securityContext,omitempty"`
	// ImagePullSecrets name the Secrets holding registry credentials.
	ImagePullSecrets []LocalObjectReference `json:"imagePullSecrets,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// Hostname overrides the pod's host name (default: the pod name).
	Hostname string `json:"hostname,omitempty"`
	// Subdomain makes the FQDN "hostname.subdomain.namespace.svc.domain".
	Subdomain string `json:"subdomain,omitempty"`
	// Affinity holds node affinity and pod (anti-)affinity rules.
	Affinity *Affinity `json:"affinity,omitempty"`
	// SchedulerName picks the scheduler; empty means DefaultSchedulerName.
	SchedulerName string `json:"schedulerName,omitempty"`
	// Tolerations let the pod run on nodes with matching taints.
	Tolerations []Toleration `json:"tolerations,omitempty"`
	// HostAliases are added to the pod's /etc/hosts.
	HostAliases []HostAlias `json:"hostAliases,omitempty" patchStrategy:"merge" patchMergeKey:"ip"`
	// PriorityClassName names the PriorityClass that sets Priority.
	PriorityClassName string `json:"priorityClassName,omitempty"`
	// Priority is resolved from PriorityClassName by admission; higher
	// runs first and may preempt lower.
	Priority *int32 `json:"priority,omitempty"`
	// DNSConfig adjusts the generated resolv.conf.
	DNSConfig *PodDNSConfig `json:"dnsConfig,omitempty"`
	// ReadinessGates are extra pod conditions that must be True for the
	// pod to be Ready.
	ReadinessGates []PodReadinessGate `json:"readinessGates,omitempty"`
	// RuntimeClassName names the RuntimeClass (container runtime handler).
	RuntimeClassName *string `json:"runtimeClassName,omitempty"`
	// EnableServiceLinks injects service environment variables; nil means
	// DefaultEnableServiceLinks.
	EnableServiceLinks *bool `json:"enableServiceLinks,omitempty"`
	// PreemptionPolicy says whether the pod may preempt lower-priority
	// pods; resolved from the PriorityClass.
	PreemptionPolicy *PreemptionPolicy `json:"preemptionPolicy,omitempty"`
	// Overhead is the resource cost of the pod's sandbox, added to the
	// containers' requests; resolved from the RuntimeClass.
	Overhead ResourceList `json:"overhead,omitempty"`
	// TopologySpreadConstraints spread matching pods across topology
	// domains.
	TopologySpreadConstraints []TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty" patchStrategy:"merge" patchMergeKey:"topologyKey"`
	// SetHostnameAsFQDN sets the kernel host name to the FQDN.
	SetHostnameAsFQDN *bool `json:"setHostnameAsFQDN,omitempty"`
	// OS is the operating system the pod needs.
	OS *PodOS `json:"os,omitempty"`
	// HostUsers false runs the pod in a new user namespace.
	HostUsers *bool `json:"hostUsers,omitempty"`
	// SchedulingGates hold the pod back from scheduling while any remain.
	SchedulingGates []PodSchedulingGate `json:"schedulingGates,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
}

// Pod defaults that live in the types because Kubernetes puts them here.
const (
	// DefaultTerminationGracePeriodSeconds is the grace period when
	// TerminationGracePeriodSeconds is nil.
	DefaultTerminationGracePeriodSeconds = 30
	// DefaultEnableServiceLinks is the value when EnableServiceLinks is
	// nil.
	DefaultEnableServiceLinks = true
	// DefaultSchedulerName is the scheduler when SchedulerName is empty.
	DefaultSchedulerName = "default-scheduler"
)

// RestartPolicy says when the node agent restarts a pod's exited
// containers.
type RestartPolicy string

// The pod restart policies.
const (
	// RestartPolicyAlways restarts every exited container; the pod never
	// reaches Succeeded or Failed on its own.
	RestartPolicyAlways RestartPolicy = "Always"
	// RestartPolicyOnFailure restarts containers that exit non-zero.
	RestartPolicyOnFailure RestartPolicy = "OnFailure"
	// RestartPolicyNever restarts nothing.
	RestartPolicyNever RestartPolicy = "Never"
)

// DNSPolicy says how a pod's resolv.conf is built.
type DNSPolicy string

// The DNS policies.
const (
	// DNSClusterFirstWithHostNet is ClusterFirst for a host-network pod.
	DNSClusterFirstWithHostNet DNSPolicy = "ClusterFirstWithHostNet"
	// DNSClusterFirst uses the cluster DNS service, then the node's
	// upstream servers (host-network pods fall back to Default).
	DNSClusterFirst DNSPolicy = "ClusterFirst"
	// DNSDefault inherits the node's resolver configuration.
	DNSDefault DNSPolicy = "Default"
	// DNSNone uses DNSConfig alone.
	DNSNone DNSPolicy = "None"
)

// PreemptionPolicy says whether a pod may preempt lower-priority pods.
type PreemptionPolicy string

// The preemption policies.
const (
	// PreemptLowerPriority allows preempting lower-priority pods.
	PreemptLowerPriority PreemptionPolicy = "PreemptLowerPriority"
	// PreemptNever never preempts; the pod waits in the queue.
	PreemptNever PreemptionPolicy = "Never"
)

// PodSecurityContext holds pod-wide security settings; a container's
// SecurityContext overrides the fields both have.
type PodSecurityContext struct {
	// SELinuxOptions sets the SELinux context of every container.
	SELinuxOptions *SELinuxOptions `json:"seLinuxOptions,omitempty"`
	// RunAsUser is the UID of every container's entrypoint.
	RunAsUser *int64 `json:"runAsUser,omitempty"`
	// RunAsGroup is the primary GID of every container's entrypoint.
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	// RunAsNonRoot refuses to start containers that would run as UID 0.
	RunAsNonRoot *bool `json:"runAsNonRoot,omitempty"`
	// SupplementalGroups are added to every container's first process.
	SupplementalGroups []int64 `json:"supplementalGroups,omitempty"`
	// FSGroup owns the pod's volumes and is added to every container.
	FSGroup *int64 `json:"fsGroup,omitempty"`
	// Sysctls are namespaced sysctls set for the pod.
	Sysctls []Sysctl `json:"sysctls,omitempty"`
	// FSGroupChangePolicy says when volume ownership is changed to FSGroup.
	FSGroupChangePolicy *PodFSGroupChangePolicy `json:"fsGroupChangePolicy,omitempty"`
	// SeccompProfile is every container's seccomp filter.
	SeccompProfile *SeccompProfile `json:"seccompProfile,omitempty"`
	// AppArmorProfile is every container's AppArmor profile.
	AppArmorProfile *AppArmorProfile `json:"appArmorProfile,omitempty"`
}

// PodFSGroupChangePolicy says when volume ownership is changed to FSGroup.
type PodFSGroupChangePolicy string

// The FSGroup change policies.
const (
	// FSGroupChangeOnRootMismatch changes ownership only when the volume
	// root does not match already.
	FSGroupChangeOnRootMismatch PodFSGroupChangePolicy = "OnRootMismatch"
	// FSGroupChangeAlways changes ownership on every mount.
	FSGroupChangeAlways PodFSGroupChangePolicy = "Always"
)

// Sysctl is one kernel parameter.
type Sysctl struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// HostAlias is one /etc/hosts entry.
type HostAlias struct {
	IP        string   `json:"ip"`
	Hostnames []string `json:"hostnames,omitempty"`
}

// PodDNSConfig adjusts a pod's resolv.conf.
type PodDNSConfig struct {
	Nameservers []string             `json:"nameservers,omitempty"`
	Searches    []string             `json:"searches,omitempty"`
	Options     []PodDNSConfigOption `json:"options,omitempty"`
}

// PodDNSConfigOption is one resolv.conf option, such as ndots:2.
type PodDNSConfigOption struct {
	Name  string  `json:"name,omitempty"`
	Value *string `json:"value,omitempty"`
}

// PodReadinessGate names a pod condition that readiness waits for.
type PodReadinessGate struct {
	ConditionType PodConditionType `json:"conditionType"`
}

// OSName is an operating system as the kubernetes.io/os label names it.
type OSName string

// The operating systems a pod may require.
const (
	Linux   OSName = "linux"
	Windows OSName = "windows"
)

// PodOS is the operating system a pod needs.
type PodOS struct {
	Name OSName `json:"name"`
}

// PodSchedulingGate is one gate that holds a pod back from scheduling.
type PodSchedulingGate struct {
	Name string `json:"name"`
}
