package defaults

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/intstr"
)

// Service fills in the defaults Kubernetes gives a service:
//
//   - spec.type: ClusterIP
//   - spec.sessionAffinity: None
//   - spec.sessionAffinityConfig.clientIP.timeoutSeconds: 10800 (three
//     hours) when sessionAffinity is ClientIP; when sessionAffinity is None,
//     sessionAffinityConfig is cleared (see the package documentation)
//   - spec.ports[].protocol: TCP
//   - spec.ports[].targetPort: the port's own port when 0 or ""
//   - spec.externalTrafficPolicy: Cluster when the service is reachable
//     from outside (type NodePort or LoadBalancer, or ClusterIP with
//     externalIPs)
//   - spec.internalTrafficPolicy: Cluster for type ClusterIP, NodePort and
//     LoadBalancer (not ExternalName)
//   - spec.allocateLoadBalancerNodePorts: true for type LoadBalancer
//   - status.loadBalancer.ingress[].ipMode: VIP for type LoadBalancer and
//     an ingress with an IP
//
// The cluster IPs, IP families and ipFamilyPolicy are not defaults but
// allocations, made by the API server when it creates the service, and
// are left alone. A nil s is left alone.
func Service(s *corev1.Service) {
	if s == nil {
		return
	}
	spec := &s.Spec
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	switch spec.SessionAffinity {
	case corev1.ServiceAffinityNone:
		spec.SessionAffinityConfig = nil
	case corev1.ServiceAffinityClientIP:
		if c := spec.SessionAffinityConfig; c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: new(corev1.DefaultClientIPServiceAffinitySeconds)},
			}
		}
	}
	if spec.Type == "" {
		spec.Type = corev1.ServiceTypeClusterIP
	}
	for i := range spec.Ports {
		port := &spec.Ports[i]
		if port.Protocol == "" {
			port.Protocol = corev1.ProtocolTCP
		}
		if port.TargetPort == intstr.FromInt32(0) || port.TargetPort == intstr.FromString("") {
			port.TargetPort = intstr.FromInt32(port.Port)
		}
	}
	externallyAccessible := spec.Type == corev1.ServiceTypeLoadBalancer ||
		spec.Type == corev1.ServiceTypeNodePort ||
		spec.Type == corev1.ServiceTypeClusterIP && len(spec.ExternalIPs) > 0
	if externallyAccessible && spec.ExternalTrafficPolicy == "" {
		spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if spec.InternalTrafficPolicy == nil {
		switch spec.Type {
		case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
			spec.InternalTrafficPolicy = new(corev1.ServiceInternalTrafficPolicyCluster)
		}
	}
	if spec.Type == corev1.ServiceTypeLoadBalancer {
		if spec.AllocateLoadBalancerNodePorts == nil {
			spec.AllocateLoadBalancerNodePorts = new(true)
		}
		for i := range s.Status.LoadBalancer.Ingress {
			if ing := &s.Status.LoadBalancer.Ingress[i]; ing.IP != "" && ing.IPMode == nil {
				ing.IPMode = new(corev1.LoadBalancerIPModeVIP)
			}
		}
	}
}

// Endpoints fills in the default Kubernetes gives an Endpoints object:
// subsets[].ports[].protocol TCP. A nil e is left alone.
func Endpoints(e *corev1.Endpoints) {
	if e == nil {
		return
	}
	for i := range e.Subsets {
		for j := range e.Subsets[i].Ports {
			if port := &e.Subsets[i].Ports[j]; port.Protocol == "" {
				port.Protocol = corev1.ProtocolTCP
			}
		}
	}
}

// EndpointSlice fills in the defaults Kubernetes gives an EndpointSlice:
// ports[].name "" (a non-nil pointer to the empty string) and
// ports[].protocol TCP. A nil s is left alone.
func EndpointSlice(s *discoveryv1.EndpointSlice) {
	if s == nil {
		return
	}
	for i := range s.Ports {
		port := &s.Ports[i]
		if port.Name == nil {
			port.Name = new("")
		}
		if port.Protocol == nil {
			port.Protocol = new(corev1.ProtocolTCP)
		}
	}
}
