package validation_test

import (
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/validation"
)

func validService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", ResourceVersion: "1"},
		Spec: corev1.ServiceSpec{
			Type:                  corev1.ServiceTypeClusterIP,
			Selector:              map[string]string{"app": "web"},
			ClusterIP:             "10.96.0.10",
			ClusterIPs:            []string{"10.96.0.10"},
			IPFamilies:            []corev1.IPFamily{corev1.IPv4Protocol},
			IPFamilyPolicy:        ptr(corev1.IPFamilyPolicySingleStack),
			SessionAffinity:       corev1.ServiceAffinityNone,
			InternalTrafficPolicy: ptr(corev1.ServiceInternalTrafficPolicyCluster),
			Ports: []corev1.ServicePort{
				{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("http")},
				{Name: "grpc", Protocol: corev1.ProtocolTCP, Port: 9000, TargetPort: intstr.FromInt32(9000)},
			},
		},
	}
}

func TestService(t *testing.T) {
	nodePort := func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	runMutations(t, validService, validation.Service, []mutation[corev1.Service]{
		{"ports required", func(s *corev1.Service) { s.Spec.Ports = nil },
			[]string{"spec.ports: Required value"}},
		{"headless needs no ports", func(s *corev1.Service) {
			s.Spec.Ports, s.Spec.ClusterIP, s.Spec.ClusterIPs = nil, corev1.ClusterIPNone, []string{corev1.ClusterIPNone}
		}, nil},
		{"port out of range", func(s *corev1.Service) { s.Spec.Ports[0].Port = 70000 },
			[]string{"spec.ports[0].port: Invalid value: 70000: " + msgRange}},
		{"targetPort out of range", func(s *corev1.Service) { s.Spec.Ports[1].TargetPort = intstr.FromInt32(0) },
			[]string{"spec.ports[1].targetPort: Invalid value: 0: " + msgRange}},
		{"targetPort name", func(s *corev1.Service) { s.Spec.Ports[1].TargetPort = intstr.FromString("grpc--web") },
			[]string{`spec.ports[1].targetPort: Invalid value: "grpc--web": must not contain consecutive hyphens`}},
		{"port names required when several", func(s *corev1.Service) { s.Spec.Ports[1].Name = "" },
			[]string{"spec.ports[1].name: Required value"}},
		{"single port needs no name", func(s *corev1.Service) { s.Spec.Ports = s.Spec.Ports[:1]; s.Spec.Ports[0].Name = "" }, nil},
		{"duplicate port names", func(s *corev1.Service) { s.Spec.Ports[1].Name = "http" },
			[]string{`spec.ports[1].name: Duplicate value: "http"`}},
		{"duplicate ports", func(s *corev1.Service) { s.Spec.Ports[1].Port = 80 },
			[]string{`spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}`}},
		{"protocol", func(s *corev1.Service) { s.Spec.Ports[0].Protocol = "ICMP" },
			[]string{`spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`}},
		{"nodePort on ClusterIP", func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 },
			[]string{"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"}},
		{"nodePort on NodePort", func(s *corev1.Service) { nodePort(s); s.Spec.Ports[0].NodePort = 30080 }, nil},
		{"duplicate nodePorts", func(s *corev1.Service) {
			nodePort(s)
			s.Spec.Ports[0].NodePort, s.Spec.Ports[1].NodePort = 30080, 30080
		}, []string{"spec.ports[1].nodePort: Duplicate value: 30080"}},
		{"type", func(s *corev1.Service) { s.Spec.Type = "Internal" },
			[]string{`spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`}},
		{"clusterIP", func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.300", []string{"10.96.0.300"} },
			[]string{`spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`}},
		{"clusterIPs must start with clusterIP", func(s *corev1.Service) { s.Spec.ClusterIPs = []string{"10.96.0.11"} },
			[]string{`spec.clusterIPs: Invalid value: ["10.96.0.11"]: first value must match ` + "`clusterIP`"}},
		{"two IPv4 cluster IPs", func(s *corev1.Service) { s.Spec.ClusterIPs = []string{"10.96.0.10", "10.96.0.11"} },
			[]string{`spec.clusterIPs: Invalid value: ["10.96.0.10","10.96.0.11"]: may specify no more than one IP for each IP family`}},
		{"IP family mismatch", func(s *corev1.Service) { s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv6Protocol} },
			[]string{`spec.clusterIPs[0]: Invalid value: "10.96.0.10": expected an IPv6 value as indicated by ` + "`ipFamilies[0]`"}},
		{"session affinity", func(s *corev1.Service) { s.Spec.SessionAffinity = "Cookie" },
			[]string{`spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"`}},
		{"ClientIP timeout", func(s *corev1.Service) {
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(86401))}}
		}, []string{"spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400"}},
		{"ClientIP needs a config", func(s *corev1.Service) { s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP },
			[]string{"spec.sessionAffinityConfig: Required value: when session affinity type is ClientIP"}},
		{"None forbids a config", func(s *corev1.Service) {
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(10))}}
		}, []string{"spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"}},
		{"selector", func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "web/api"} },
			[]string{`spec.selector: Invalid value: "web/api": ` + msgValue}},
		{"external IP", func(s *corev1.Service) { s.Spec.ExternalIPs = []string{"127.0.0.1"} },
			[]string{
				`spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`,
				"spec.externalTrafficPolicy: Required value",
			}},
		{"externalTrafficPolicy needs external access", func(s *corev1.Service) { s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal },
			[]string{`spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services`}},
		{"externalTrafficPolicy required for NodePort", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort },
			[]string{"spec.externalTrafficPolicy: Required value"}},
		{"healthCheckNodePort on NodePort", func(s *corev1.Service) {
			nodePort(s)
			s.Spec.ExternalTrafficPolicy, s.Spec.HealthCheckNodePort = corev1.ServiceExternalTrafficPolicyLocal, 32001
		}, []string{"spec.healthCheckNodePort: Invalid value: 32001: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"}},
		{"LoadBalancer", func(s *corev1.Service) {
			s.Spec.Type, s.Spec.ExternalTrafficPolicy = corev1.ServiceTypeLoadBalancer, corev1.ServiceExternalTrafficPolicyLocal
			s.Spec.Ports[0].Port = 10250
		}, []string{
			"spec.ports[0]: Invalid value: 10250: may not expose port 10250 externally since it is used by kubelet",
			"allocateLoadBalancerNodePorts: Required value",
			"spec.healthCheckNodePort: Required value",
		}},
		{"source ranges", func(s *corev1.Service) { s.Spec.LoadBalancerSourceRanges = []string{"10.0.0.0/33"} },
			[]string{
				"spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
				`spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`,
			}},
		{"loadBalancerClass", func(s *corev1.Service) { s.Spec.LoadBalancerClass = ptr("example.com/lb") },
			[]string{"spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"}},
		{"internalTrafficPolicy required", func(s *corev1.Service) { s.Spec.InternalTrafficPolicy = nil },
			[]string{"spec.internalTrafficPolicy: Required value"}},
		{"trafficDistribution", func(s *corev1.Service) { s.Spec.TrafficDistribution = ptr("Nearest") },
			[]string{`spec.trafficDistribution: Unsupported value: "Nearest": supported values: "PreferClose", "PreferSameZone", "PreferSameNode"`}},
		{"ExternalName", func(s *corev1.Service) {
			s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com.", SessionAffinity: corev1.ServiceAffinityNone}
		}, nil},
		{"ExternalName needs a DNS name", func(s *corev1.Service) {
			s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "DB", SessionAffinity: corev1.ServiceAffinityNone, ClusterIPs: []string{"10.0.0.1"}}
		}, []string{
			"spec.clusterIPs: Forbidden: may not be set for ExternalName services",
			`spec.externalName: Invalid value: "DB": ` + msgSub,
		}},
	})
}

func TestServiceUpdate(t *testing.T) {
	validate := func(s *corev1.Service) field.ErrorList { return validation.ServiceUpdate(s, validService()) }
	runMutations(t, validService, validate, []mutation[corev1.Service]{
		{"ports may change", func(s *corev1.Service) { s.Spec.Ports[0].Port = 8080 }, nil},
		{"clusterIP is fixed", func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.11", []string{"10.96.0.11"} },
			[]string{`spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set`}},
		{"dual stack upgrade", func(s *corev1.Service) {
			s.Spec.ClusterIPs = append(s.Spec.ClusterIPs, "fd00::10")
			s.Spec.IPFamilies = append(s.Spec.IPFamilies, corev1.IPv6Protocol)
			s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyPreferDualStack)
		}, nil},
	})
}

func TestEndpoints(t *testing.T) {
	valid := func() *corev1.Endpoints {
		return &corev1.Endpoints{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
			Subsets: []corev1.EndpointSubset{{
				Addresses: []corev1.EndpointAddress{{IP: "10.1.2.3"}},
				Ports:     []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}},
			}},
		}
	}
	runMutations(t, valid, validation.Endpoints, []mutation[corev1.Endpoints]{
		{"no addresses", func(e *corev1.Endpoints) { e.Subsets[0].Addresses = nil },
			[]string{"subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"}},
		{"link-local address", func(e *corev1.Endpoints) { e.Subsets[0].Addresses[0].IP = "169.254.169.254" },
			[]string{`subsets[0].addresses[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)`}},
		{"port protocol", func(e *corev1.Endpoints) { e.Subsets[0].Ports[0].Protocol = "" },
			[]string{"subsets[0].ports[0].protocol: Required value"}},
	})
}
