package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// EndpointSlice is a set of network endpoints of one address type, and the
// ports every one of them serves. A Service's endpoints are the union of
// the slices labelled with its name.
type EndpointSlice struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// AddressType is the type of every address in Endpoints; it cannot be
	// changed after creation.
	AddressType AddressType `json:"addressType"`
	// Endpoints are the backends, at most 1000.
	Endpoints []Endpoint `json:"endpoints"`
	// Ports are served by every endpoint, at most 100. An empty list means
	// no ports; a port with a nil Port means all ports.
	Ports []EndpointPort `json:"ports"`
}

// AddressType is the kind of address an EndpointSlice holds.
type AddressType string

// The address types.
const (
	// AddressTypeIPv4 is an IPv4 address in dotted-quad form.
	AddressTypeIPv4 AddressType = "IPv4"
	// AddressTypeIPv6 is an IPv6 address in RFC 5952 form.
	AddressTypeIPv6 AddressType = "IPv6"
	// AddressTypeFQDN is a fully qualified domain name.
	AddressTypeFQDN AddressType = "FQDN"
)

// Endpoint is one backend of a Service.
type Endpoint struct {
	// Addresses are the addresses of the backend, at least one and at most
	// 100. They are interchangeable: a consumer may use only the first.
	Addresses []string `json:"addresses"`
	// Conditions are the backend's readiness.
	Conditions EndpointConditions `json:"conditions,omitempty,omitzero"`
	// Hostname is the backend's DNS label, for headless Services.
	Hostname *string `json:"hostname,omitempty"`
	// TargetRef is the object behind the endpoint, usually a Pod.
	TargetRef *corev1.ObjectReference `json:"targetRef,omitempty"`
	// NodeName is the node the endpoint runs on.
	NodeName *string `json:"nodeName,omitempty"`
	// Zone is the zone the endpoint runs in.
	Zone *string `json:"zone,omitempty"`
	// Hints are routing hints for topology-aware routing.
	Hints *EndpointHints `json:"hints,omitempty"`
}

// EndpointConditions is the readiness of an Endpoint. Consumers read a nil
// Ready or Serving as true and a nil Terminating as false.
type EndpointConditions struct {
	// Ready says whether the endpoint should receive new traffic. It is
	// false for terminating endpoints, unless the Service publishes not
	// ready addresses.
	Ready *bool `json:"ready,omitempty"`
	// Serving says whether the endpoint passes its readiness checks,
	// whether or not it is terminating.
	Serving *bool `json:"serving,omitempty"`
	// Terminating says whether the endpoint is being shut down.
	Terminating *bool `json:"terminating,omitempty"`
}

// EndpointHints tell consumers which clients an endpoint should serve.
type EndpointHints struct {
	// ForZones are the zones whose clients should use this endpoint.
	ForZones []ForZone `json:"forZones,omitempty"`
	// ForNodes are the nodes whose clients should use this endpoint.
	ForNodes []ForNode `json:"forNodes,omitempty"`
}

// ForZone names a zone in EndpointHints.
type ForZone struct {
	// Name is the zone name.
	Name string `json:"name"`
}

// ForNode names a node in EndpointHints.
type ForNode struct {
	// Name is the node name.
	Name string `json:"name"`
}

// EndpointPort is a port that every endpoint of a slice serves.
type EndpointPort struct {
	// Name matches the name of the Service port; nil or empty for a
	// Service with a single unnamed port.
	Name *string `json:"name,omitempty"`
	// Protocol is TCP, UDP or SCTP; nil means TCP.
	Protocol *corev1.Protocol `json:"protocol,omitempty"`
	// Port is the port number; nil means all ports.
	Port *int32 `json:"port,omitempty"`
	// AppProtocol is the application protocol (an IANA service name, a
	// "kubernetes.io/..." name such as kubernetes.io/h2c, or a
	// domain-prefixed name).
	AppProtocol *string `json:"appProtocol,omitempty"`
}

// EndpointSliceList is a list of EndpointSlices.
type EndpointSliceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the EndpointSlices.
	Items []EndpointSlice `json:"items"`
}
