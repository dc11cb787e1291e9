package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// NetworkPolicy restricts the traffic of the pods it selects. A pod that no
// policy selects for a direction allows all traffic in that direction; once
// any policy selects it, only traffic that some selecting policy's rules
// allow gets through. Policies are additive: there are no deny rules.
type NetworkPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the policy.
	Spec NetworkPolicySpec `json:"spec,omitempty,omitzero"`
}

// PolicyType is a direction of traffic a NetworkPolicy governs.
type PolicyType string

// The policy types.
const (
	// PolicyTypeIngress governs traffic into the selected pods.
	PolicyTypeIngress PolicyType = "Ingress"
	// PolicyTypeEgress governs traffic out of the selected pods.
	PolicyTypeEgress PolicyType = "Egress"
)

// NetworkPolicySpec is the content of a NetworkPolicy.
type NetworkPolicySpec struct {
	// PodSelector selects the pods in the policy's namespace that the
	// policy applies to; empty selects them all.
	PodSelector metav1.LabelSelector `json:"podSelector"`
	// Ingress are the allowed incoming flows; empty allows none, isolating
	// the selected pods.
	Ingress []NetworkPolicyIngressRule `json:"ingress,omitempty"`
	// Egress are the allowed outgoing flows; empty allows none when
	// PolicyTypes includes Egress.
	Egress []NetworkPolicyEgressRule `json:"egress,omitempty"`
	// PolicyTypes are the directions the policy governs. Empty means
	// Ingress, plus Egress when Egress rules are present; an egress-only
	// or deny-all-egress policy must list Egress explicitly.
	PolicyTypes []PolicyType `json:"policyTypes,omitempty"`
}

// NetworkPolicyIngressRule allows traffic that matches both Ports and From.
type NetworkPolicyIngressRule struct {
	// Ports are the destination ports allowed; empty allows every port.
	Ports []NetworkPolicyPort `json:"ports,omitempty"`
	// From are the sources allowed; empty allows every source. A source
	// matching any peer is allowed.
	From []NetworkPolicyPeer `json:"from,omitempty"`
}

// NetworkPolicyEgressRule allows traffic that matches both Ports and To.
type NetworkPolicyEgressRule struct {
	// Ports are the destination ports allowed; empty allows every port.
	Ports []NetworkPolicyPort `json:"ports,omitempty"`
	// To are the destinations allowed; empty allows every destination. A
	// destination matching any peer is allowed.
	To []NetworkPolicyPeer `json:"to,omitempty"`
}

// NetworkPolicyPort is a port, or range of ports, and protocol.
type NetworkPolicyPort struct {
	// Protocol is TCP, UDP or SCTP; nil means TCP.
	Protocol *corev1.Protocol `json:"protocol,omitempty"`
	// Port is a port number or a named container port; nil means every
	// port.
	Port *intstr.IntOrString `json:"port,omitempty"`
	// EndPort, when set, makes the rule cover Port through EndPort
	// inclusive; Port must then be a number no greater than EndPort.
	EndPort *int32 `json:"endPort,omitempty"`
}

// IPBlock is a CIDR range, minus some sub-ranges.
type IPBlock struct {
	// CIDR is the range, such as "192.168.1.0/24" or "2001:db8::/64".
	CIDR string `json:"cidr"`
	// Except are CIDRs inside CIDR that are excluded.
	Except []string `json:"except,omitempty"`
}

// NetworkPolicyPeer is a set of endpoints: either IPBlock, or pods chosen
// by PodSelector and NamespaceSelector. When both selectors are set, the
// peer is the pods matching PodSelector in the namespaces matching
// NamespaceSelector; PodSelector alone selects in the policy's namespace,
// NamespaceSelector alone selects every pod of the matching namespaces.
type NetworkPolicyPeer struct {
	// PodSelector selects pods.
	PodSelector *metav1.LabelSelector `json:"podSelector,omitempty"`
	// NamespaceSelector selects namespaces.
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	// IPBlock selects addresses; it may not be combined with the selectors.
	IPBlock *IPBlock `json:"ipBlock,omitempty"`
}

// NetworkPolicyList is a list of NetworkPolicies.
type NetworkPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the NetworkPolicies.
	Items []NetworkPolicy `json:"items"`
}
