package v1

import (
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Service gives a set of pods, chosen by a label selector, one stable
// virtual address and DNS name, and load-balances connections to its
// ports across them.
type Service struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Spec   ServiceSpec   `json:"spec,omitempty,omitzero"`
	Status ServiceStatus `json:"status,omitempty,omitzero"`
}

// ServiceList is a list of services.
type ServiceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []Service `json:"items"`
}

// ClusterIPNone is the ClusterIP of a headless service: DNS returns the
// pod addresses and there is no virtual address.
const ClusterIPNone = "None"

// ServiceSpec is the desired state of a service.
type ServiceSpec struct {
	// Ports are the ports the service exposes.
	Ports []ServicePort `json:"ports,omitempty" patchStrategy:"merge" patchMergeKey:"port"`
	// Selector picks the backend pods by label; without one, endpoints are
	// managed by hand.
	Selector map[string]string `json:"selector,omitempty"`
	// ClusterIP is the virtual address, allocated when empty, or
	// ClusterIPNone. It is immutable once set.
	ClusterIP string `json:"clusterIP,omitempty"`
	// ClusterIPs are the virtual addresses, one per IP family, ClusterIP
	// first.
	ClusterIPs []string `json:"clusterIPs,omitempty"`
	// Type says how the service is exposed.
	Type ServiceType `json:"type,omitempty"`
	// ExternalIPs are further addresses, not managed by the cluster, on
	// which the nodes accept traffic for the service.
	ExternalIPs []string `json:"externalIPs,omitempty"`
	// SessionAffinity ClientIP sends a client's connections to one
	// backend.
	SessionAffinity ServiceAffinity `json:"sessionAffinity,omitempty"`
	// LoadBalancerIP asks the load balancer for an address. Deprecated
	// in Kubernetes.
	LoadBalancerIP string `json:"loadBalancerIP,omitempty"`
	// LoadBalancerSourceRanges restricts the client ranges a load
	// balancer accepts.
	LoadBalancerSourceRanges []string `json:"loadBalancerSourceRanges,omitempty"`
	// ExternalName is the DNS name an ExternalName service is a CNAME of.
	ExternalName string `json:"externalName,omitempty"`
	// ExternalTrafficPolicy routes external traffic (node ports, load
	// balancers) to any backend (Cluster) or only to node-local ones
	// (Local, keeping the client address).
	ExternalTrafficPolicy ServiceExternalTrafficPolicy `json:"externalTrafficPolicy,omitempty"`
	// HealthCheckNodePort is the node port answering health checks for
	// Local external traffic.
	HealthCheckNodePort int32 `json:"healthCheckNodePort,omitempty"`
	// PublishNotReadyAddresses includes not-ready pods in DNS and
	// endpoints.
	PublishNotReadyAddresses bool `json:"publishNotReadyAddresses,omitempty"`
	// SessionAffinityConfig tunes session affinity.
	SessionAffinityConfig *SessionAffinityConfig `json:"sessionAffinityConfig,omitempty"`
	// IPFamilies are the IP families of ClusterIPs, in order.
	IPFamilies []IPFamily `json:"ipFamilies,omitempty"`
	// IPFamilyPolicy says how many IP families the service gets.
	IPFamilyPolicy *IPFamilyPolicy `json:"ipFamilyPolicy,omitempty"`
	// AllocateLoadBalancerNodePorts false skips node ports for a
	// LoadBalancer service.
	AllocateLoadBalancerNodePorts *bool `json:"allocateLoadBalancerNodePorts,omitempty"`
	// LoadBalancerClass picks the load balancer implementation.
	LoadBalancerClass *string `json:"loadBalancerClass,omitempty"`
	// InternalTrafficPolicy routes in-cluster traffic to any backend
	// (Cluster) or only to node-local ones (Local).
	InternalTrafficPolicy *ServiceInternalTrafficPolicy `json:"internalTrafficPolicy,omitempty"`
	// TrafficDistribution expresses a routing preference, such as
	// "PreferClose".
	TrafficDistribution *string `json:"trafficDistribution,omitempty"`
}

// ServicePort is one port of a service.
type ServicePort struct {
	// Name is unique among the service's ports; required when there are
	// several.
	Name string `json:"name,omitempty"`
	// Protocol is TCP, UDP or SCTP.
	Protocol Protocol `json:"protocol,omitempty"`
	// AppProtocol is the application protocol, such as "http" or
	// "kubernetes.io/h2c".
	AppProtocol *string `json:"appProtocol,omitempty"`
	// Port is the port on the virtual address.
	Port int32 `json:"port"`
	// TargetPort is the backend pods' port: a number or the name of a
	// container port. Zero means Port.
	TargetPort intstr.IntOrString `json:"targetPort,omitempty,omitzero"`
	// NodePort is the port on every node, for NodePort and LoadBalancer
	// services; allocated when zero.
	NodePort int32 `json:"nodePort,omitempty"`
}

// ServiceType says how a service is exposed.
type ServiceType string

// The service types.
const (
	// ServiceTypeClusterIP exposes the service on a cluster-internal
	// virtual address only.
	ServiceTypeClusterIP ServiceType = "ClusterIP"
	// ServiceTypeNodePort also exposes it on a port of every node.
	ServiceTypeNodePort ServiceType = "NodePort"
	// ServiceTypeLoadBalancer also asks for an external load balancer.
	ServiceTypeLoadBalancer ServiceType = "LoadBalancer"
	// ServiceTypeExternalName is a DNS alias (CNAME) of ExternalName,
	// without proxying.
	ServiceTypeExternalName ServiceType = "ExternalName"
)

// ServiceAffinity is a service's session affinity.
type ServiceAffinity string

// The session affinities.
const (
	// ServiceAffinityClientIP sends a client address's connections to one
	// backend while they keep arriving within the timeout.
	ServiceAffinityClientIP ServiceAffinity = "ClientIP"
	// ServiceAffinityNone balances every connection afresh.
	ServiceAffinityNone ServiceAffinity = "None"
)

// DefaultClientIPServiceAffinitySeconds is the ClientIP affinity timeout
// when none is set: 3 hours.
const DefaultClientIPServiceAffinitySeconds int32 = 10800

// SessionAffinityConfig tunes session affinity.
type SessionAffinityConfig struct {
	ClientIP *ClientIPConfig `json:"clientIP,omitempty"`
}

// ClientIPConfig tunes ClientIP affinity: TimeoutSeconds (1 to 86400) is
// how long a client's idle affinity lasts.
type ClientIPConfig struct {
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`
}

// ServiceInternalTrafficPolicy routes in-cluster traffic.
type ServiceInternalTrafficPolicy string

// The internal traffic policies.
const (
	// ServiceInternalTrafficPolicyCluster routes to every ready backend.
	ServiceInternalTrafficPolicyCluster ServiceInternalTrafficPolicy = "Cluster"
	// ServiceInternalTrafficPolicyLocal routes only to backends on the
	// client's node, dropping traffic when there are none.
	ServiceInternalTrafficPolicyLocal ServiceInternalTrafficPolicy = "Local"
)

// ServiceExternalTrafficPolicy routes traffic arriving from outside the
// cluster.
type ServiceExternalTrafficPolicy string

// The external traffic policies.
const (
	// ServiceExternalTrafficPolicyCluster routes to every ready backend,
	// masquerading the client address.
	ServiceExternalTrafficPolicyCluster ServiceExternalTrafficPolicy = "Cluster"
	// ServiceExternalTrafficPolicyLocal routes only to backends on the
	// receiving node, keeping the client address.
	ServiceExternalTrafficPolicyLocal ServiceExternalTrafficPolicy = "Local"
)

// The traffic distribution preferences.
const (
	ServiceTrafficDistributionPreferClose    = "PreferClose"
	ServiceTrafficDistributionPreferSameZone = "PreferSameZone"
	ServiceTrafficDistributionPreferSameNode = "PreferSameNode"
)

// IPFamily is an IP protocol version.
type IPFamily string

// The IP families.
const (
	IPv4Protocol    IPFamily = "IPv4"
	IPv6Protocol    IPFamily = "IPv6"
	IPFamilyUnknown IPFamily = ""
)

// IPFamilyPolicy says how many IP families a service gets.
type IPFamilyPolicy string

// The IP family policies.
const (
	// IPFamilyPolicySingleStack: one family.
	IPFamilyPolicySingleStack IPFamilyPolicy = "SingleStack"
	// IPFamilyPolicyPreferDualStack: two families when the cluster has
	// them, else one.
	IPFamilyPolicyPreferDualStack IPFamilyPolicy = "PreferDualStack"
	// IPFamilyPolicyRequireDualStack: two families, or the service is
	// rejected.
	IPFamilyPolicyRequireDualStack IPFamilyPolicy = "RequireDualStack"
)

// ServiceStatus is the observed state of a service.
type ServiceStatus struct {
	// LoadBalancer is the state of the external load balancer.
	LoadBalancer LoadBalancerStatus `json:"loadBalancer,omitempty,omitzero"`
	// Conditions are the service's conditions.
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// LoadBalancerStatus lists a load balancer's ingress points.
type LoadBalancerStatus struct {
	Ingress []LoadBalancerIngress `json:"ingress,omitempty"`
}

// LoadBalancerIngress is one ingress point of a load balancer: an IP or a
// host name.
type LoadBalancerIngress struct {
	IP       string `json:"ip,omitempty"`
	Hostname string `json:"hostname,omitempty"`
	// IPMode says whether traffic arrives addressed to IP (VIP) or to the
	// node (Proxy).
	IPMode *LoadBalancerIPMode `json:"ipMode,omitempty"`
	// Ports report per-port errors.
	Ports []PortStatus `json:"ports,omitempty"`
}

// LoadBalancerIPMode says how a load balancer delivers traffic.
type LoadBalancerIPMode string

// The load balancer IP modes.
const (
	// LoadBalancerIPModeVIP delivers packets addressed to the load
	// balancer's IP, so the node may short-circuit them.
	LoadBalancerIPModeVIP LoadBalancerIPMode = "VIP"
	// LoadBalancerIPModeProxy delivers packets addressed to the node.
	LoadBalancerIPModeProxy LoadBalancerIPMode = "Proxy"
)

// PortStatus is the state of one service port on a load balancer.
type PortStatus struct {
	Port     int32    `json:"port"`
	Protocol Protocol `json:"protocol"`
	// Error is a CamelCase reason, nil when the port works.
	Error *string `json:"error,omitempty"`
}

// Endpoints lists the addresses behind a service, grouped in subsets that
// share ports; the endpoints controller writes it under the service's
// name. EndpointSlice (api/discovery/v1) supersedes it.
type Endpoints struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Subsets []EndpointSubset `json:"subsets,omitempty"`
}

// EndpointsList is a list of Endpoints.
type EndpointsList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []Endpoints `json:"items"`
}

// EndpointSubset is a set of addresses that all serve the same ports.
type EndpointSubset struct {
	// Addresses are ready to receive traffic.
	Addresses []EndpointAddress `json:"addresses,omitempty"`
	// NotReadyAddresses are not ready yet (or are failing readiness).
	NotReadyAddresses []EndpointAddress `json:"notReadyAddresses,omitempty"`
	Ports             []EndpointPort    `json:"ports,omitempty"`
}

// EndpointAddress is one backend address, usually a pod's.
type EndpointAddress struct {
	IP       string  `json:"ip"`
	Hostname string  `json:"hostname,omitempty"`
	NodeName *string `json:"nodeName,omitempty"`
	// TargetRef is the object behind the address, usually a Pod.
	TargetRef *ObjectReference `json:"targetRef,omitempty"`
}

// EndpointPort is one port of an endpoint subset; Name matches the
// service port's name.
type EndpointPort struct {
	Name        string   `json:"name,omitempty"`
	Port        int32    `json:"port"`
	Protocol    Protocol `json:"protocol,omitempty"`
	AppProtocol *string  `json:"appProtocol,omitempty"`
}
