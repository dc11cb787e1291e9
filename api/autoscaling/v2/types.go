package v2

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// HorizontalPodAutoscaler keeps a workload's replica count between
// MinReplicas and MaxReplicas such that each metric is near its target:
// for each metric it proposes ceil(currentReplicas * current / target)
// and takes the largest proposal.
type HorizontalPodAutoscaler struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the desired behaviour.
	Spec HorizontalPodAutoscalerSpec `json:"spec,omitempty,omitzero"`
	// Status is the observed state, written by the HPA controller.
	Status HorizontalPodAutoscalerStatus `json:"status,omitempty,omitzero"`
}

// HorizontalPodAutoscalerSpec is the desired behaviour of a
// HorizontalPodAutoscaler.
type HorizontalPodAutoscalerSpec struct {
	// ScaleTargetRef is the workload to scale, in the HPA's namespace; its
	// pods are the ones measured.
	ScaleTargetRef CrossVersionObjectReference `json:"scaleTargetRef"`
	// MinReplicas is the lower bound; nil means 1.
	MinReplicas *int32 `json:"minReplicas,omitempty"`
	// MaxReplicas is the upper bound; at least MinReplicas.
	MaxReplicas int32 `json:"maxReplicas"`
	// Metrics are what the replica count is computed from; the largest
	// proposal wins. Empty means 80% average CPU utilization.
	Metrics []MetricSpec `json:"metrics,omitempty"`
	// Behavior bounds the rate of scaling in each direction; nil means
	// the defaults of HPAScalingRules.
	Behavior *HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
}

// CrossVersionObjectReference names an object in the same namespace by
// kind and API version.
type CrossVersionObjectReference struct {
	// Kind is the object's kind ("Deployment").
	Kind string `json:"kind"`
	// Name is the object's name.
	Name string `json:"name"`
	// APIVersion is the object's API version ("apps/v1").
	APIVersion string `json:"apiVersion,omitempty"`
}

// MetricSpec is one metric and its target. Type says which of the source
// fields is set; exactly that one is.
type MetricSpec struct {
	// Type is the kind of metric source.
	Type MetricSourceType `json:"type"`
	// Object is a metric of another object in the namespace (an
	// Ingress's requests per second).
	Object *ObjectMetricSource `json:"object,omitempty"`
	// Pods is a custom metric averaged over the target's pods.
	Pods *PodsMetricSource `json:"pods,omitempty"`
	// Resource is a resource (cpu, memory) of the target's pods, as
	// requests and limits name it, summed over their containers.
	Resource *ResourceMetricSource `json:"resource,omitempty"`
	// ContainerResource is a resource of one named container of each of
	// the target's pods.
	ContainerResource *ContainerResourceMetricSource `json:"containerResource,omitempty"`
	// External is a metric from outside the cluster (a queue length).
	External *ExternalMetricSource `json:"external,omitempty"`
}

// MetricSourceType is the kind of a metric source.
type MetricSourceType string

// The metric source types.
const (
	// ObjectMetricSourceType is a metric of a Kubernetes object.
	ObjectMetricSourceType MetricSourceType = "Object"
	// PodsMetricSourceType is a custom metric of each pod.
	PodsMetricSourceType MetricSourceType = "Pods"
	// ResourceMetricSourceType is a resource of each pod.
	ResourceMetricSourceType MetricSourceType = "Resource"
	// ContainerResourceMetricSourceType is a resource of one container of
	// each pod.
	ContainerResourceMetricSourceType MetricSourceType = "ContainerResource"
	// ExternalMetricSourceType is a metric from outside the cluster.
	ExternalMetricSourceType MetricSourceType = "External"
)

// ObjectMetricSource is a metric describing a single object.
type ObjectMetricSource struct {
	// DescribedObject is the object the metric describes.
	DescribedObject CrossVersionObjectReference `json:"describedObject"`
	// Target is the value wanted: Value or AverageValue.
	Target MetricTarget `json:"target"`
	// Metric names the metric.
	Metric MetricIdentifier `json:"metric"`
}

// PodsMetricSource is a custom metric of each pod, averaged.
type PodsMetricSource struct {
	// Metric names the metric.
	Metric MetricIdentifier `json:"metric"`
	// Target is the value wanted: only AverageValue.
	Target MetricTarget `json:"target"`
}

// ResourceMetricSource is a resource of each pod, from the resource
// metrics API.
type ResourceMetricSource struct {
	// Name is the resource ("cpu", "memory").
	Name corev1.ResourceName `json:"name"`
	// Target is the value wanted: AverageUtilization (a percentage of the
	// pods' requests) or AverageValue.
	Target MetricTarget `json:"target"`
}

// ContainerResourceMetricSource is a resource of one container of each
// pod.
type ContainerResourceMetricSource struct {
	// Name is the resource ("cpu", "memory").
	Name corev1.ResourceName `json:"name"`
	// Target is the value wanted: AverageUtilization or AverageValue.
	Target MetricTarget `json:"target"`
	// Container is the container's name.
	Container string `json:"container"`
}

// ExternalMetricSource is a metric not tied to any Kubernetes object.
type ExternalMetricSource struct {
	// Metric names the metric.
	Metric MetricIdentifier `json:"metric"`
	// Target is the value wanted: Value or AverageValue.
	Target MetricTarget `json:"target"`
}

// MetricIdentifier names a metric, optionally narrowed by labels.
type MetricIdentifier struct {
	// Name is the metric's name.
	Name string `json:"name"`
	// Selector narrows the metric by its labels; nil leaves the choice to
	// the metrics adapter.
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// MetricTarget is the value wanted for a metric. Type says which one field
// is set.
type MetricTarget struct {
	// Type is Utilization, Value or AverageValue.
	Type MetricTargetType `json:"type"`
	// Value is the wanted value of the metric itself.
	Value *resource.Quantity `json:"value,omitempty"`
	// AverageValue is the wanted value of the metric divided by the number
	// of pods.
	AverageValue *resource.Quantity `json:"averageValue,omitempty"`
	// AverageUtilization is the wanted average over the pods of a resource,
	// as a percentage of their requests; only for Resource and
	// ContainerResource metrics.
	AverageUtilization *int32 `json:"averageUtilization,omitempty"`
}

// MetricTargetType is which value a MetricTarget holds.
type MetricTargetType string

// The metric target types.
const (
	// UtilizationMetricType targets AverageUtilization.
	UtilizationMetricType MetricTargetType = "Utilization"
	// ValueMetricType targets Value.
	ValueMetricType MetricTargetType = "Value"
	// AverageValueMetricType targets AverageValue.
	AverageValueMetricType MetricTargetType = "AverageValue"
)

// HorizontalPodAutoscalerBehavior bounds how fast the replica count
// changes, per direction.
type HorizontalPodAutoscalerBehavior struct {
	// ScaleUp applies when growing. nil means no stabilization and, per
	// 15 s, the larger of doubling or adding 4 pods.
	ScaleUp *HPAScalingRules `json:"scaleUp,omitempty"`
	// ScaleDown applies when shrinking. nil means a 300 s stabilization
	// window and removing up to all pods per 15 s.
	ScaleDown *HPAScalingRules `json:"scaleDown,omitempty"`
}

// ScalingPolicySelect is how the policies of an HPAScalingRules combine.
type ScalingPolicySelect string

// The policy selections.
const (
	// MaxChangePolicySelect uses the policy allowing the largest change.
	MaxChangePolicySelect ScalingPolicySelect = "Max"
	// MinChangePolicySelect uses the policy allowing the smallest change.
	MinChangePolicySelect ScalingPolicySelect = "Min"
	// DisabledPolicySelect forbids scaling in this direction.
	DisabledPolicySelect ScalingPolicySelect = "Disabled"
)

// HPAScalingRules bounds scaling in one direction. The replica count is
// first smoothed over StabilizationWindowSeconds (the highest
// recommendation in the window when scaling down, the lowest when scaling
// up), then limited by Policies.
type HPAScalingRules struct {
	// StabilizationWindowSeconds is how far back recommendations count,
	// 0 to 3600; nil means 0 for scale-up and 300 for scale-down.
	StabilizationWindowSeconds *int32 `json:"stabilizationWindowSeconds,omitempty"`
	// SelectPolicy chooses among Policies; nil means Max.
	SelectPolicy *ScalingPolicySelect `json:"selectPolicy,omitempty"`
	// Policies are the allowed changes per period; nil means the
	// direction's defaults (see HorizontalPodAutoscalerBehavior).
	Policies []HPAScalingPolicy `json:"policies,omitempty"`
}

// HPAScalingPolicyType is the unit of an HPAScalingPolicy.
type HPAScalingPolicyType string

// The scaling policy types.
const (
	// PodsScalingPolicy allows a change of Value pods per period.
	PodsScalingPolicy HPAScalingPolicyType = "Pods"
	// PercentScalingPolicy allows a change of Value percent of the current
	// replicas per period.
	PercentScalingPolicy HPAScalingPolicyType = "Percent"
)

// HPAScalingPolicy allows a change of at most Value (pods or percent)
// within any PeriodSeconds.
type HPAScalingPolicy struct {
	// Type is Pods or Percent.
	Type HPAScalingPolicyType `json:"type"`
	// Value is the allowed change; greater than 0.
	Value int32 `json:"value"`
	// PeriodSeconds is the window the change is measured over, 1 to 1800.
	PeriodSeconds int32 `json:"periodSeconds"`
}

// HorizontalPodAutoscalerStatus is the observed state of a
// HorizontalPodAutoscaler.
type HorizontalPodAutoscalerStatus struct {
	// ObservedGeneration is the metadata.generation last acted on.
	ObservedGeneration *int64 `json:"observedGeneration,omitempty"`
	// LastScaleTime is when the replica count was last changed.
	LastScaleTime *metav1.Time `json:"lastScaleTime,omitempty"`
	// CurrentReplicas is the target's replica count last seen.
	CurrentReplicas int32 `json:"currentReplicas,omitempty"`
	// DesiredReplicas is the replica count last computed.
	DesiredReplicas int32 `json:"desiredReplicas"`
	// CurrentMetrics are the metric values last read, one per spec metric.
	// Kubernetes tags it without omitempty, so nil encodes as null.
	CurrentMetrics []MetricStatus `json:"currentMetrics"`
	// Conditions are the latest observations.
	Conditions []HorizontalPodAutoscalerCondition `json:"conditions,omitempty"`
}

// HorizontalPodAutoscalerConditionType names a
// HorizontalPodAutoscalerCondition.
type HorizontalPodAutoscalerConditionType string

// The HPA conditions.
const (
	// ScalingActive is True when the HPA can scale if needed: it is
	// correctly configured, can read its metrics and is not disabled.
	ScalingActive HorizontalPodAutoscalerConditionType = "ScalingActive"
	// AbleToScale is True when nothing transient (a back-off, a failed
	// read or write of the scale subresource) stops scaling.
	AbleToScale HorizontalPodAutoscalerConditionType = "AbleToScale"
	// ScalingLimited is True when the count computed from the metrics lay
	// outside [MinReplicas, MaxReplicas] and was clamped.
	ScalingLimited HorizontalPodAutoscalerConditionType = "ScalingLimited"
	// ScaledToZero is True when the HPA has scaled the target to zero
	// replicas.
	ScaledToZero HorizontalPodAutoscalerConditionType = "ScaledToZero"
)

// HorizontalPodAutoscalerCondition is one observation of an HPA.
type HorizontalPodAutoscalerCondition struct {
	// Type is what the condition describes.
	Type HorizontalPodAutoscalerConditionType `json:"type"`
	// Status is True, False or Unknown.
	Status corev1.ConditionStatus `json:"status"`
	// LastTransitionTime is when Status last changed.
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty,omitzero"`
	// Reason is a CamelCase word for why.
	Reason string `json:"reason,omitempty"`
	// Message explains Reason to a human.
	Message string `json:"message,omitempty"`
	// ObservedGeneration is the metadata.generation the condition was set
	// from.
	ObservedGeneration *int64 `json:"observedGeneration,omitempty"`
}

// MetricStatus is the last read value of one metric. Type says which of
// the source fields is set.
type MetricStatus struct {
	// Type is the kind of metric source.
	Type MetricSourceType `json:"type"`
	// Object is the value of an Object metric.
	Object *ObjectMetricStatus `json:"object,omitempty"`
	// Pods is the value of a Pods metric.
	Pods *PodsMetricStatus `json:"pods,omitempty"`
	// Resource is the value of a Resource metric.
	Resource *ResourceMetricStatus `json:"resource,omitempty"`
	// ContainerResource is the value of a ContainerResource metric.
	ContainerResource *ContainerResourceMetricStatus `json:"containerResource,omitempty"`
	// External is the value of an External metric.
	External *ExternalMetricStatus `json:"external,omitempty"`
}

// ObjectMetricStatus is the value of a metric of one object.
type ObjectMetricStatus struct {
	// Metric names the metric.
	Metric MetricIdentifier `json:"metric"`
	// Current is its value.
	Current MetricValueStatus `json:"current"`
	// DescribedObject is the object it describes.
	DescribedObject CrossVersionObjectReference `json:"describedObject"`
}

// PodsMetricStatus is the average value of a custom pod metric.
type PodsMetricStatus struct {
	// Metric names the metric.
	Metric MetricIdentifier `json:"metric"`
	// Current is its average value.
	Current MetricValueStatus `json:"current"`
}

// ResourceMetricStatus is the value of a pod resource metric.
type ResourceMetricStatus struct {
	// Name is the resource.
	Name corev1.ResourceName `json:"name"`
	// Current is its value.
	Current MetricValueStatus `json:"current"`
}

// ContainerResourceMetricStatus is the value of a container resource
// metric.
type ContainerResourceMetricStatus struct {
	// Name is the resource.
	Name corev1.ResourceName `json:"name"`
	// Current is its value.
	Current MetricValueStatus `json:"current"`
	// Container is the container's name.
	Container string `json:"container"`
}

// ExternalMetricStatus is the value of an external metric.
type ExternalMetricStatus struct {
	// Metric names the metric.
	Metric MetricIdentifier `json:"metric"`
	// Current is its value.
	Current MetricValueStatus `json:"current"`
}

// MetricValueStatus is a metric's value in the form of its target.
type MetricValueStatus struct {
	// Value is the metric's value.
	Value *resource.Quantity `json:"value,omitempty"`
	// AverageValue is the value divided by the number of pods.
	AverageValue *resource.Quantity `json:"averageValue,omitempty"`
	// AverageUtilization is the average over the pods of a resource, as a
	// percentage of their requests.
	AverageUtilization *int32 `json:"averageUtilization,omitempty"`
}

// HorizontalPodAutoscalerList is a list of HorizontalPodAutoscalers.
type HorizontalPodAutoscalerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the HorizontalPodAutoscalers.
	Items []HorizontalPodAutoscaler `json:"items"`
}
