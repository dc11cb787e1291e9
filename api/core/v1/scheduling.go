package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Affinity holds a pod's scheduling constraints relative to nodes and to
// other pods.
type Affinity struct {
	NodeAffinity    *NodeAffinity    `json:"nodeAffinity,omitempty"`
	PodAffinity     *PodAffinity     `json:"podAffinity,omitempty"`
	PodAntiAffinity *PodAntiAffinity `json:"podAntiAffinity,omitempty"`
}

// NodeAffinity constrains and ranks the nodes a pod may run on by node
// labels and fields. "IgnoredDuringExecution": a running pod stays when a
// node stops matching.
type NodeAffinity struct {
	// RequiredDuringSchedulingIgnoredDuringExecution must match for the
	// pod to be placed on a node.
	RequiredDuringSchedulingIgnoredDuringExecution *NodeSelector `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	// PreferredDuringSchedulingIgnoredDuringExecution adds each matching
	// term's weight to a node's score.
	PreferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// NodeSelector matches a node when any of its terms matches (the terms are
// ORed). An empty list of terms matches no node.
type NodeSelector struct {
	NodeSelectorTerms []NodeSelectorTerm `json:"nodeSelectorTerms"`
}

// NodeSelectorTerm matches a node when all its requirements match (they
// are ANDed). An empty term matches no node.
type NodeSelectorTerm struct {
	// MatchExpressions are requirements on node labels.
	MatchExpressions []NodeSelectorRequirement `json:"matchExpressions,omitempty"`
	// MatchFields are requirements on node fields; only metadata.name is
	// supported.
	MatchFields []NodeSelectorRequirement `json:"matchFields,omitempty"`
}

// NodeSelectorRequirement relates a node label or field to Values.
// In and NotIn need values; Exists and DoesNotExist take none; Gt and Lt
// take one integer, compared with the label's integer value.
type NodeSelectorRequirement struct {
	Key      string               `json:"key"`
	Operator NodeSelectorOperator `json:"operator"`
	Values   []string             `json:"values,omitempty"`
}

// NodeSelectorOperator is the relation of a NodeSelectorRequirement.
type NodeSelectorOperator string

// The node selector operators.
const (
	NodeSelectorOpIn           NodeSelectorOperator = "In"
	NodeSelectorOpNotIn        NodeSelectorOperator = "NotIn"
	NodeSelectorOpExists       NodeSelectorOperator = "Exists"
	NodeSelectorOpDoesNotExist NodeSelectorOperator = "DoesNotExist"
	NodeSelectorOpGt           NodeSelectorOperator = "Gt"
	NodeSelectorOpLt           NodeSelectorOperator = "Lt"
)

// PreferredSchedulingTerm is a weighted node selector term (weight 1-100).
type PreferredSchedulingTerm struct {
	Weight     int32            `json:"weight"`
	Preference NodeSelectorTerm `json:"preference"`
}

// PodAffinity attracts a pod to topology domains (nodes, zones) that run
// pods matching its terms.
type PodAffinity struct {
	RequiredDuringSchedulingIgnoredDuringExecution  []PodAffinityTerm         `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	PreferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// PodAntiAffinity repels a pod from topology domains that run pods
// matching its terms.
type PodAntiAffinity struct {
	RequiredDuringSchedulingIgnoredDuringExecution  []PodAffinityTerm         `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	PreferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// WeightedPodAffinityTerm is a pod affinity term with a weight (1-100)
// added to the score of nodes that satisfy it.
type WeightedPodAffinityTerm struct {
	Weight          int32           `json:"weight"`
	PodAffinityTerm PodAffinityTerm `json:"podAffinityTerm"`
}

// PodAffinityTerm selects a set of pods and a topology: it is satisfied on
// a node whose TopologyKey label value equals that of a node running a
// selected pod.
type PodAffinityTerm struct {
	// LabelSelector selects the pods; nil selects none.
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`
	// Namespaces lists the namespaces searched, together with those
	// NamespaceSelector selects; an empty list with a nil selector means
	// the pod's own namespace.
	Namespaces []string `json:"namespaces,omitempty"`
	// TopologyKey is the node label that defines the topology domain.
	TopologyKey string `json:"topologyKey"`
	// NamespaceSelector selects namespaces by label; an empty selector
	// selects all.
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	// MatchLabelKeys adds "key in (value of key on this pod)" to
	// LabelSelector for each key.
	MatchLabelKeys []string `json:"matchLabelKeys,omitempty"`
	// MismatchLabelKeys adds "key notin (value of key on this pod)" to
	// LabelSelector for each key.
	MismatchLabelKeys []string `json:"mismatchLabelKeys,omitempty"`
}

// Taint marks a node so that pods without a matching toleration are kept
// off it (or evicted, for NoExecute).
type Taint struct {
	Key    string      `json:"key"`
	Value  string      `json:"value,omitempty"`
	Effect TaintEffect `json:"effect"`
	// TimeAdded is set for NoExecute taints, for toleration timeouts.
	TimeAdded *metav1.Time `json:"timeAdded,omitempty"`
}

// TaintEffect is what a taint does to pods that do not tolerate it.
type TaintEffect string

// The taint effects.
const (
	// TaintEffectNoSchedule: new pods are not scheduled on the node.
	TaintEffectNoSchedule TaintEffect = "NoSchedule"
	// TaintEffectPreferNoSchedule: the scheduler avoids the node if it can.
	TaintEffectPreferNoSchedule TaintEffect = "PreferNoSchedule"
	// TaintEffectNoExecute: pods are not scheduled and running ones are
	// evicted (after their tolerationSeconds, when they tolerate it).
	TaintEffectNoExecute TaintEffect = "NoExecute"
)

// Toleration lets a pod tolerate the taints it matches. An empty Key with
// operator Exists matches every taint; an empty Effect matches every
// effect.
type Toleration struct {
	Key      string             `json:"key,omitempty"`
	Operator TolerationOperator `json:"operator,omitempty"`
	Value    string             `json:"value,omitempty"`
	Effect   TaintEffect        `json:"effect,omitempty"`
	// TolerationSeconds bounds how long a NoExecute taint is tolerated;
	// nil means forever.
	TolerationSeconds *int64 `json:"tolerationSeconds,omitempty"`
}

// TolerationOperator is the relation of a toleration's value to a taint's.
type TolerationOperator string

// The toleration operators; an empty operator means Equal.
const (
	TolerationOpExists TolerationOperator = "Exists"
	TolerationOpEqual  TolerationOperator = "Equal"
)

// TopologySpreadConstraint limits how unevenly matching pods may be spread
// across the domains of a topology.
type TopologySpreadConstraint struct {
	// MaxSkew is the largest allowed difference between the number of
	// matching pods in any domain and in the emptiest eligible domain.
	MaxSkew int32 `json:"maxSkew"`
	// TopologyKey is the node label that defines the domains.
	TopologyKey string `json:"topologyKey"`
	// WhenUnsatisfiable says what to do when no node keeps the skew.
	WhenUnsatisfiable UnsatisfiableConstraintAction `json:"whenUnsatisfiable"`
	// LabelSelector selects the pods counted.
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`
	// MinDomains is the number of domains assumed to exist when fewer
	// are eligible (DoNotSchedule only).
	MinDomains *int32 `json:"minDomains,omitempty"`
	// NodeAffinityPolicy says whether the pod's node affinity and selector
	// limit the domains counted; nil means Honor.
	NodeAffinityPolicy *NodeInclusionPolicy `json:"nodeAffinityPolicy,omitempty"`
	// NodeTaintsPolicy says whether tainted nodes are counted; nil means
	// Ignore.
	NodeTaintsPolicy *NodeInclusionPolicy `json:"nodeTaintsPolicy,omitempty"`
	// MatchLabelKeys adds "key in (value of key on this pod)" to
	// LabelSelector for each key.
	MatchLabelKeys []string `json:"matchLabelKeys,omitempty"`
}

// UnsatisfiableConstraintAction is what the scheduler does when a spread
// constraint cannot be kept.
type UnsatisfiableConstraintAction string

// The unsatisfiable-constraint actions.
const (
	// DoNotSchedule keeps the pod pending.
	DoNotSchedule UnsatisfiableConstraintAction = "DoNotSchedule"
	// ScheduleAnyway schedules, preferring nodes that reduce the skew.
	ScheduleAnyway UnsatisfiableConstraintAction = "ScheduleAnyway"
)

// NodeInclusionPolicy says whether a node filter limits the domains a
// spread constraint counts.
type NodeInclusionPolicy string

// The node inclusion policies.
const (
	// NodeInclusionPolicyIgnore counts every node.
	NodeInclusionPolicyIgnore NodeInclusionPolicy = "Ignore"
	// NodeInclusionPolicyHonor counts only the nodes that pass the filter.
	NodeInclusionPolicyHonor NodeInclusionPolicy = "Honor"
)

// TopologySelectorTerm matches a topology domain (used by StorageClass
// allowedTopologies) when all its requirements match. An empty term
// matches no domain.
type TopologySelectorTerm struct {
	MatchLabelExpressions []TopologySelectorLabelRequirement `json:"matchLabelExpressions,omitempty"`
}

// TopologySelectorLabelRequirement matches a topology label whose value is
// one of Values.
type TopologySelectorLabelRequirement struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}
