package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// PodStatus is the observed state of a pod.
type PodStatus struct {
	// ObservedGeneration is the pod generation this status reflects.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase summarises where the pod is in its lifecycle.
	Phase PodPhase `json:"phase,omitempty"`
	// Conditions are the pod's conditions (PodScheduled, Initialized,
	// ContainersReady, Ready, ...), one per type.
	Conditions []PodCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// Message is a human-readable reason for the phase.
	Message string `json:"message,omitempty"`
	// Reason is a CamelCase reason for the phase, such as "Evicted".
	Reason string `json:"reason,omitempty"`
	// NominatedNodeName is the node the scheduler preempted pods on for
	// this pod; the pod is not bound to it yet.
	NominatedNodeName string `json:"nominatedNodeName,omitempty"`
	// HostIP is the primary address of the pod's node.
	HostIP string `json:"hostIP,omitempty"`
	// HostIPs are the node's addresses, one per IP family, HostIP first.
	HostIPs []HostIP `json:"hostIPs,omitempty" patchStrategy:"merge" patchMergeKey:"ip"`
	// PodIP is the pod's primary address.
	PodIP string `json:"podIP,omitempty"`
	// PodIPs are the pod's addresses, one per IP family, PodIP first.
	PodIPs []PodIP `json:"podIPs,omitempty" patchStrategy:"merge" patchMergeKey:"ip"`
	// StartTime is when the node agent accepted the pod, before any image
	// was pulled.
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// InitContainerStatuses has one entry per init container.
	InitContainerStatuses []ContainerStatus `json:"initContainerStatuses,omitempty"`
	// ContainerStatuses has one entry per container.
	ContainerStatuses []ContainerStatus `json:"containerStatuses,omitempty"`
	// QOSClass is the pod's quality-of-service class, derived from its
	// resources.
	QOSClass PodQOSClass `json:"qosClass,omitempty"`
}

// PodPhase summarises where a pod is in its lifecycle.
type PodPhase string

// The pod phases.
const (
	// PodPending: accepted, but not every container runs yet (it is not
	// scheduled, or images are still being pulled, or init containers run).
	PodPending PodPhase = "Pending"
	// PodRunning: bound to a node, every container created, at least one
	// running, starting or restarting.
	PodRunning PodPhase = "Running"
	// PodSucceeded: every container exited 0 and none will restart.
	PodSucceeded PodPhase = "Succeeded"
	// PodFailed: every container exited, at least one with an error, and
	// none will restart.
	PodFailed PodPhase = "Failed"
	// PodUnknown: the pod's state could not be obtained, typically because
	// its node stopped reporting. Deprecated in Kubernetes.
	PodUnknown PodPhase = "Unknown"
)

// ConditionStatus is the status of a core condition: True, False or
// Unknown.
type ConditionStatus string

// The condition statuses.
const (
	ConditionTrue    ConditionStatus = "True"
	ConditionFalse   ConditionStatus = "False"
	ConditionUnknown ConditionStatus = "Unknown"
)

// PodConditionType is the type of a pod condition.
type PodConditionType string

// The pod condition types.
const (
	// PodScheduled: the pod is bound to a node.
	PodScheduled PodConditionType = "PodScheduled"
	// PodReadyToStartContainers: the sandbox and its network are set up.
	PodReadyToStartContainers PodConditionType = "PodReadyToStartContainers"
	// PodInitialized: every init container completed (sidecars started).
	PodInitialized PodConditionType = "Initialized"
	// ContainersReady: every container is ready.
	ContainersReady PodConditionType = "ContainersReady"
	// PodReady: the pod serves traffic; it is added to service endpoints.
	PodReady PodConditionType = "Ready"
	// DisruptionTarget: the pod is about to be terminated by a disruption
	// (preemption, eviction, node loss).
	DisruptionTarget PodConditionType = "DisruptionTarget"
)

// The reasons of pod conditions and phases that components agree on.
const (
	// PodReasonUnschedulable: the scheduler found no node (PodScheduled
	// False).
	PodReasonUnschedulable = "Unschedulable"
	// PodReasonSchedulingGated: scheduling gates remain (PodScheduled
	// False).
	PodReasonSchedulingGated = "SchedulingGated"
	// PodReasonSchedulerError: the scheduler failed internally.
	PodReasonSchedulerError = "SchedulerError"
	// PodReasonTerminationByKubelet: the node agent is terminating the pod
	// (DisruptionTarget).
	PodReasonTerminationByKubelet = "TerminationByKubelet"
	// PodReasonPreemptionByScheduler: the pod is preempted
	// (DisruptionTarget).
	PodReasonPreemptionByScheduler = "PreemptionByScheduler"
)

// PodCondition is one condition of a pod.
type PodCondition struct {
	Type               PodConditionType `json:"type"`
	ObservedGeneration int64            `json:"observedGeneration,omitempty"`
	Status             ConditionStatus  `json:"status"`
	LastProbeTime      metav1.Time      `json:"lastProbeTime,omitempty,omitzero"`
	LastTransitionTime metav1.Time      `json:"lastTransitionTime,omitempty,omitzero"`
	Reason             string           `json:"reason,omitempty"`
	Message            string           `json:"message,omitempty"`
}

// PodQOSClass is a pod's quality-of-service class, which orders eviction
// under node pressure.
type PodQOSClass string

// The quality-of-service classes.
const (
	// PodQOSGuaranteed: every container has equal CPU and memory requests
	// and limits. Evicted last.
	PodQOSGuaranteed PodQOSClass = "Guaranteed"
	// PodQOSBurstable: some container has a request or limit, but the pod
	// is not Guaranteed.
	PodQOSBurstable PodQOSClass = "Burstable"
	// PodQOSBestEffort: no container has a CPU or memory request or limit.
	// Evicted first.
	PodQOSBestEffort PodQOSClass = "BestEffort"
)

// PodIP is one address of a pod.
type PodIP struct {
	IP string `json:"ip"`
}

// HostIP is one address of a pod's node.
type HostIP struct {
	IP string `json:"ip"`
}

// ContainerStatus is the observed state of one container.
type ContainerStatus struct {
	// Name is the container's name in the pod spec.
	Name string `json:"name"`
	// State is the container's current state.
	State ContainerState `json:"state,omitempty,omitzero"`
	// LastTerminationState is the state of the previous run, kept after
	// a restart.
	LastTerminationState ContainerState `json:"lastState,omitempty,omitzero"`
	// Ready reports whether the readiness probe passes.
	Ready bool `json:"ready"`
	// RestartCount counts restarts of the container.
	RestartCount int32 `json:"restartCount"`
	// Image is the image the container runs.
	Image string `json:"image"`
	// ImageID is the image's digest reference.
	ImageID string `json:"imageID"`
	// ContainerID is "<runtime>://<id>".
	ContainerID string `json:"containerID,omitempty"`
	// Started reports whether the startup probe has passed (true when
	// there is none and the container runs).
	Started *bool `json:"started,omitempty"`
	// AllocatedResources are the resources the node allocated.
	AllocatedResources ResourceList `json:"allocatedResources,omitempty"`
	// Resources are the requests and limits actually applied.
	Resources *ResourceRequirements `json:"resources,omitempty"`
}

// ContainerState is the state of a container; at most one field is set,
// and none means Waiting.
type ContainerState struct {
	Waiting    *ContainerStateWaiting    `json:"waiting,omitempty"`
	Running    *ContainerStateRunning    `json:"running,omitempty"`
	Terminated *ContainerStateTerminated `json:"terminated,omitempty"`
}

// ContainerStateWaiting is a container not running yet, with why
// (such as ContainerCreating, ImagePullBackOff, CrashLoopBackOff).
type ContainerStateWaiting struct {
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// ContainerStateRunning is a running container.
type ContainerStateRunning struct {
	StartedAt metav1.Time `json:"startedAt,omitempty,omitzero"`
}

// ContainerStateTerminated is an exited container.
type ContainerStateTerminated struct {
	ExitCode    int32       `json:"exitCode"`
	Signal      int32       `json:"signal,omitempty"`
	Reason      string      `json:"reason,omitempty"`
	Message     string      `json:"message,omitempty"`
	StartedAt   metav1.Time `json:"startedAt,omitempty,omitzero"`
	FinishedAt  metav1.Time `json:"finishedAt,omitempty,omitzero"`
	ContainerID string      `json:"containerID,omitempty"`
}
