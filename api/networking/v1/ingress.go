package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Ingress routes HTTP and HTTPS requests from outside the cluster to
// Services by host and path. An ingress controller, chosen by
// IngressClassName, implements it.
type Ingress struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the routing.
	Spec IngressSpec `json:"spec,omitempty,omitzero"`
	// Status is written by the ingress controller.
	Status IngressStatus `json:"status,omitempty,omitzero"`
}

// IngressSpec is the routing of an Ingress.
type IngressSpec struct {
	// IngressClassName names the IngressClass; nil means the default
	// class, if one is marked with AnnotationIsDefaultIngressClass.
	IngressClassName *string `json:"ingressClassName,omitempty"`
	// DefaultBackend receives the requests no rule matches; nil leaves it
	// to the controller.
	DefaultBackend *IngressBackend `json:"defaultBackend,omitempty"`
	// TLS are the certificates served, by host; TLS terminates at the
	// controller, on port 443.
	TLS []IngressTLS `json:"tls,omitempty"`
	// Rules route by host and path; empty sends everything to
	// DefaultBackend.
	Rules []IngressRule `json:"rules,omitempty"`
}

// IngressTLS is a TLS certificate and the hosts it serves.
type IngressTLS struct {
	// Hosts are the host names in the certificate; empty means the
	// controller's default host.
	Hosts []string `json:"hosts,omitempty"`
	// SecretName is the kubernetes.io/tls Secret, in the Ingress's
	// namespace, holding the certificate and key; empty for hosts routed
	// by SNI without terminating TLS.
	SecretName string `json:"secretName,omitempty"`
}

// IngressStatus is the observed state of an Ingress.
type IngressStatus struct {
	// LoadBalancer is where the Ingress is reachable.
	LoadBalancer IngressLoadBalancerStatus `json:"loadBalancer,omitempty,omitzero"`
}

// IngressLoadBalancerStatus lists the addresses of an Ingress.
type IngressLoadBalancerStatus struct {
	// Ingress are the addresses.
	Ingress []IngressLoadBalancerIngress `json:"ingress,omitempty"`
}

// IngressLoadBalancerIngress is one address of an Ingress: an IP, a host
// name, or both.
type IngressLoadBalancerIngress struct {
	// IP is an IP address.
	IP string `json:"ip,omitempty"`
	// Hostname is a DNS name.
	Hostname string `json:"hostname,omitempty"`
	// Ports report the state of each port.
	Ports []IngressPortStatus `json:"ports,omitempty"`
}

// IngressPortStatus is the state of one port of an Ingress address.
type IngressPortStatus struct {
	// Port is the port number.
	Port int32 `json:"port"`
	// Protocol is TCP, UDP or SCTP.
	Protocol corev1.Protocol `json:"protocol"`
	// Error, when set, says what is wrong with the port, as a CamelCase
	// reason or "domain/Reason".
	Error *string `json:"error,omitempty"`
}

// IngressRule routes the requests for one host (or all hosts when Host is
// empty).
type IngressRule struct {
	// Host is the host name the rule matches, exactly or, with a leading
	// "*.", any single label in its place ("*.example.com" matches
	// "a.example.com", not "a.b.example.com"). Empty matches every host.
	// IP addresses and ports are not allowed.
	Host string `json:"host,omitempty"`
	// IngressRuleValue holds the routes; its fields appear inline.
	IngressRuleValue `json:",inline"`
}

// IngressRuleValue holds the routes of an IngressRule.
type IngressRuleValue struct {
	// HTTP routes HTTP requests by path.
	HTTP *HTTPIngressRuleValue `json:"http,omitempty"`
}

// HTTPIngressRuleValue routes HTTP requests by path.
type HTTPIngressRuleValue struct {
	// Paths are the routes; the longest match wins.
	Paths []HTTPIngressPath `json:"paths"`
}

// PathType is how an HTTPIngressPath matches a request path.
type PathType string

// The path types.
const (
	// PathTypeExact matches the path exactly, case-sensitively.
	PathTypeExact PathType = "Exact"
	// PathTypePrefix matches when the path's '/'-separated elements begin
	// with the rule's elements: /foo/bar matches /foo/bar/baz but not
	// /foo/barbaz.
	PathTypePrefix PathType = "Prefix"
	// PathTypeImplementationSpecific leaves matching to the IngressClass.
	PathTypeImplementationSpecific PathType = "ImplementationSpecific"
)

// HTTPIngressPath routes requests matching a path to a backend.
type HTTPIngressPath struct {
	// Path is matched against the request path; it begins with '/' and is
	// required for Exact and Prefix.
	Path string `json:"path,omitempty"`
	// PathType is how Path matches; required.
	PathType *PathType `json:"pathType"`
	// Backend receives the matching requests.
	Backend IngressBackend `json:"backend"`
}

// IngressBackend is where matching requests go: a Service port or another
// object. Exactly one of the two is set.
type IngressBackend struct {
	// Service is a Service port in the Ingress's namespace.
	Service *IngressServiceBackend `json:"service,omitempty"`
	// Resource is another object in the Ingress's namespace, such as a
	// bucket of static content.
	Resource *corev1.TypedLocalObjectReference `json:"resource,omitempty"`
}

// IngressServiceBackend is a port of a Service.
type IngressServiceBackend struct {
	// Name is the Service's name.
	Name string `json:"name"`
	// Port is the Service port.
	Port ServiceBackendPort `json:"port,omitempty,omitzero"`
}

// ServiceBackendPort names a Service port by name or by number; exactly
// one of the two is set.
type ServiceBackendPort struct {
	// Name is the port's name.
	Name string `json:"name,omitempty"`
	// Number is the port's number.
	Number int32 `json:"number,omitempty"`
}

// IngressList is a list of Ingresses.
type IngressList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the Ingresses.
	Items []Ingress `json:"items"`
}

// IngressClass names an ingress controller and its configuration.
// Ingresses select one by name in spec.ingressClassName. It is
// cluster-scoped.
type IngressClass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the controller and its parameters.
	Spec IngressClassSpec `json:"spec,omitempty,omitzero"`
}

// IngressClassSpec is the content of an IngressClass.
type IngressClassSpec struct {
	// Controller names the controller that implements the class, as a
	// domain-prefixed path ("example.com/ingress-controller"); it cannot
	// be changed.
	Controller string `json:"controller,omitempty"`
	// Parameters points at the controller's configuration for the class.
	Parameters *IngressClassParametersReference `json:"parameters,omitempty"`
}

// The scopes of an IngressClassParametersReference.
const (
	// IngressClassParametersReferenceScopeNamespace is a namespaced
	// parameters object; Namespace must be set.
	IngressClassParametersReferenceScopeNamespace = "Namespace"
	// IngressClassParametersReferenceScopeCluster is a cluster-scoped
	// parameters object.
	IngressClassParametersReferenceScopeCluster = "Cluster"
)

// IngressClassParametersReference points at an object holding an ingress
// controller's configuration.
type IngressClassParametersReference struct {
	// APIGroup is the object's group; nil means the core group.
	APIGroup *string `json:"apiGroup,omitempty"`
	// Kind is the object's kind.
	Kind string `json:"kind"`
	// Name is the object's name.
	Name string `json:"name"`
	// Scope is "Cluster" or "Namespace"; nil means Cluster. Kubernetes
	// tags it without omitempty, so nil encodes as null.
	Scope *string `json:"scope"`
	// Namespace is the object's namespace; required for scope Namespace,
	// unset for Cluster.
	Namespace *string `json:"namespace,omitempty"`
}

// IngressClassList is a list of IngressClasses.
type IngressClassList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the IngressClasses.
	Items []IngressClass `json:"items"`
}
