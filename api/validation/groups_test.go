package validation_test

import (
	"testing"

	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	"github.com/rigging-dev/rigging/api/resource"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
	"github.com/rigging-dev/rigging/api/validation"
)

func TestEndpointSlice(t *testing.T) {
	valid := func() *discoveryv1.EndpointSlice {
		return &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: "web-abc", Namespace: "shop", ResourceVersion: "1"},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.1.2.3"}, Hostname: ptr("web-0"), NodeName: ptr("worker-1")}},
			Ports:       []discoveryv1.EndpointPort{{Name: ptr("http"), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(8080))}},
		}
	}
	runMutations(t, valid, validation.EndpointSlice, []mutation[discoveryv1.EndpointSlice]{
		{"address type", func(e *discoveryv1.EndpointSlice) { e.AddressType = "IP" },
			[]string{`addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"`}},
		{"IPv6 address in an IPv4 slice", func(e *discoveryv1.EndpointSlice) { e.Endpoints[0].Addresses[0] = "fd00::1" },
			[]string{`endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address`}},
		{"loopback", func(e *discoveryv1.EndpointSlice) { e.Endpoints[0].Addresses[0] = "127.0.0.1" },
			[]string{`endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`}},
		{"FQDN", func(e *discoveryv1.EndpointSlice) {
			e.AddressType = discoveryv1.AddressTypeFQDN
			e.Endpoints[0].Addresses = []string{"db"}
		}, []string{`endpoints[0].addresses[0]: Invalid value: "db": should be a domain with at least two segments separated by dots`}},
		{"no addresses", func(e *discoveryv1.EndpointSlice) { e.Endpoints[0].Addresses = nil },
			[]string{"endpoints[0].addresses: Required value: must contain at least 1 address"}},
		{"duplicate port names", func(e *discoveryv1.EndpointSlice) { e.Ports = append(e.Ports, e.Ports[0]) },
			[]string{`ports[1].name: Duplicate value: "http"`}},
		{"protocol required", func(e *discoveryv1.EndpointSlice) { e.Ports[0].Protocol = nil },
			[]string{"ports[0].protocol: Required value"}},
	})
	validate := func(e *discoveryv1.EndpointSlice) field.ErrorList { return validation.EndpointSliceUpdate(e, valid()) }
	runMutations(t, valid, validate, []mutation[discoveryv1.EndpointSlice]{
		{"addressType is immutable", func(e *discoveryv1.EndpointSlice) {
			e.AddressType = discoveryv1.AddressTypeIPv6
			e.Endpoints[0].Addresses[0] = "fd00::1"
		}, []string{`addressType: Invalid value: "IPv6": field is immutable`}},
	})
}

func TestStorageClass(t *testing.T) {
	valid := func() *storagev1.StorageClass {
		return &storagev1.StorageClass{
			ObjectMeta:        metav1.ObjectMeta{Name: "fast", ResourceVersion: "1"},
			Provisioner:       "csi.example.com",
			ReclaimPolicy:     ptr(corev1.PersistentVolumeReclaimDelete),
			VolumeBindingMode: ptr(storagev1.VolumeBindingWaitForFirstConsumer),
			AllowedTopologies: []corev1.TopologySelectorTerm{{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{
				{Key: corev1.LabelTopologyZone, Values: []string{"a", "b"}},
			}}},
		}
	}
	runMutations(t, valid, validation.StorageClass, []mutation[storagev1.StorageClass]{
		{"provisioner required", func(s *storagev1.StorageClass) { s.Provisioner = "" },
			[]string{"provisioner: Required value"}},
		{"provisioner", func(s *storagev1.StorageClass) { s.Provisioner = "csi example" },
			[]string{`provisioner: Invalid value: "csi example": name part ` + msgQName}},
		{"reclaim policy", func(s *storagev1.StorageClass) { s.ReclaimPolicy = ptr(corev1.PersistentVolumeReclaimRecycle) },
			[]string{`reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"`}},
		{"binding mode required", func(s *storagev1.StorageClass) { s.VolumeBindingMode = nil },
			[]string{"volumeBindingMode: Required value"}},
		{"binding mode", func(s *storagev1.StorageClass) { s.VolumeBindingMode = ptr(storagev1.VolumeBindingMode("Lazy")) },
			[]string{`volumeBindingMode: Unsupported value: "Lazy": supported values: "Immediate", "WaitForFirstConsumer"`}},
		{"duplicate topology value", func(s *storagev1.StorageClass) {
			s.AllowedTopologies[0].MatchLabelExpressions[0].Values = []string{"a", "a"}
		}, []string{`allowedTopologies[0].matchLabelExpressions[0].values[1]: Duplicate value: "a"`}},
		{"duplicate topology term", func(s *storagev1.StorageClass) {
			s.AllowedTopologies = append(s.AllowedTopologies, s.AllowedTopologies[0])
		},
			[]string{`allowedTopologies[1].matchLabelExpressions: Duplicate value: ""`}},
		{"namespaced", func(s *storagev1.StorageClass) { s.Namespace = "shop" },
			[]string{"metadata.namespace: Forbidden: not allowed on this type"}},
	})
	validate := func(s *storagev1.StorageClass) field.ErrorList { return validation.StorageClassUpdate(s, valid()) }
	runMutations(t, valid, validate, []mutation[storagev1.StorageClass]{
		{"provisioner", func(s *storagev1.StorageClass) { s.Provisioner = "other.example.com" },
			[]string{"provisioner: Forbidden: updates to provisioner are forbidden."}},
		{"parameters", func(s *storagev1.StorageClass) { s.Parameters = map[string]string{"type": "ssd"} },
			[]string{"parameters: Forbidden: updates to parameters are forbidden."}},
		{"binding mode", func(s *storagev1.StorageClass) { s.VolumeBindingMode = ptr(storagev1.VolumeBindingImmediate) },
			[]string{`volumeBindingMode: Invalid value: "Immediate": field is immutable`}},
	})
}

func TestNetworkPolicy(t *testing.T) {
	valid := func() *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop"},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"role": "db"}},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr(corev1.ProtocolTCP), Port: ptr(intstr.FromInt32(5432))}},
					From: []networkingv1.NetworkPolicyPeer{
						{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "web"}}},
						{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}},
					},
				}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			},
		}
	}
	rule := func(n *networkingv1.NetworkPolicy) *networkingv1.NetworkPolicyIngressRule { return &n.Spec.Ingress[0] }
	runMutations(t, valid, validation.NetworkPolicy, []mutation[networkingv1.NetworkPolicy]{
		{"pod selector", func(n *networkingv1.NetworkPolicy) { n.Spec.PodSelector.MatchLabels["role"] = "db!" },
			[]string{`spec.podSelector.matchLabels: Invalid value: "db!": ` + msgValue}},
		{"port protocol", func(n *networkingv1.NetworkPolicy) { rule(n).Ports[0].Protocol = ptr(corev1.Protocol("ICMP")) },
			[]string{`spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`}},
		{"endPort below port", func(n *networkingv1.NetworkPolicy) { rule(n).Ports[0].EndPort = ptr(int32(80)) },
			[]string{"spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`"}},
		{"endPort with a named port", func(n *networkingv1.NetworkPolicy) {
			rule(n).Ports[0].Port, rule(n).Ports[0].EndPort = ptr(intstr.FromString("postgres")), ptr(int32(6000))
		}, []string{"spec.ingress[0].ports[0].endPort: Invalid value: 6000: may not be specified when `port` is non-numeric"}},
		{"empty peer", func(n *networkingv1.NetworkPolicy) { rule(n).From[0] = networkingv1.NetworkPolicyPeer{} },
			[]string{"spec.ingress[0].from[0]: Required value: must specify a peer"}},
		{"ipBlock with a selector", func(n *networkingv1.NetworkPolicy) {
			rule(n).From[1].NamespaceSelector = &metav1.LabelSelector{}
		}, []string{"spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer"}},
		{"cidr", func(n *networkingv1.NetworkPolicy) { rule(n).From[1].IPBlock.CIDR = "10.0.0.0" },
			[]string{`spec.ingress[0].from[1].ipBlock.cidr: Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`}},
		{"except outside cidr", func(n *networkingv1.NetworkPolicy) {
			rule(n).From[1].IPBlock.Except = []string{"192.168.0.0/16", "10.0.0.0/8"}
		},
			[]string{
				"spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: \"192.168.0.0/16\": must be a strict subset of `cidr`",
				"spec.ingress[0].from[1].ipBlock.except[1]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`",
			}},
		{"policy type", func(n *networkingv1.NetworkPolicy) { n.Spec.PolicyTypes = []networkingv1.PolicyType{"Both"} },
			[]string{`spec.policyTypes[0]: Unsupported value: "Both": supported values: "Ingress", "Egress"`}},
	})
}

func TestIngress(t *testing.T) {
	valid := func() *networkingv1.Ingress {
		return &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
			Spec: networkingv1.IngressSpec{
				IngressClassName: ptr("nginx"),
				TLS:              []networkingv1.IngressTLS{{Hosts: []string{"*.example.com"}, SecretName: "web-tls"}},
				Rules: []networkingv1.IngressRule{{Host: "shop.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: ptr(networkingv1.PathTypePrefix),
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Name: "http"}}}}},
				}}}},
			},
		}
	}
	path0 := func(i *networkingv1.Ingress) *networkingv1.HTTPIngressPath { return &i.Spec.Rules[0].HTTP.Paths[0] }
	runMutations(t, valid, validation.Ingress, []mutation[networkingv1.Ingress]{
		{"rules or default backend", func(i *networkingv1.Ingress) { i.Spec.Rules = nil },
			[]string{"spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"}},
		{"host is an IP", func(i *networkingv1.Ingress) { i.Spec.Rules[0].Host = "10.0.0.1" },
			[]string{`spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address`}},
		{"wildcard host", func(i *networkingv1.Ingress) { i.Spec.Rules[0].Host = "*.*.example.com" },
			[]string{`spec.rules[0].host: Invalid value: "*.*.example.com": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{"pathType required", func(i *networkingv1.Ingress) { path0(i).PathType = nil },
			[]string{"spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"}},
		{"relative prefix", func(i *networkingv1.Ingress) { path0(i).Path = "api" },
			[]string{`spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path`}},
		{"path sequences", func(i *networkingv1.Ingress) { path0(i).Path = "/a//b/." },
			[]string{
				`spec.rules[0].http.paths[0].path: Invalid value: "/a//b/.": must not contain '//'`,
				`spec.rules[0].http.paths[0].path: Invalid value: "/a//b/.": cannot end with '/.'`,
			}},
		{"implementation specific may be empty", func(i *networkingv1.Ingress) {
			path0(i).Path, path0(i).PathType = "", ptr(networkingv1.PathTypeImplementationSpecific)
		}, nil},
		{"path type", func(i *networkingv1.Ingress) { path0(i).PathType = ptr(networkingv1.PathType("Regex")) },
			[]string{`spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"`}},
		{"no backend", func(i *networkingv1.Ingress) { path0(i).Backend = networkingv1.IngressBackend{} },
			[]string{`spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required`}},
		{"two backends", func(i *networkingv1.Ingress) {
			path0(i).Backend.Resource = &corev1.TypedLocalObjectReference{Kind: "Bucket", Name: "static"}
		}, []string{`spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends`}},
		{"service port", func(i *networkingv1.Ingress) { path0(i).Backend.Service.Port = networkingv1.ServiceBackendPort{} },
			[]string{"spec.rules[0].http.paths[0].backend: Required value: port name or number is required"}},
		{"service name", func(i *networkingv1.Ingress) { path0(i).Backend.Service.Name = "1web" },
			[]string{`spec.rules[0].http.paths[0].backend.service.name: Invalid value: "1web": ` + msg1035}},
		{"tls secret", func(i *networkingv1.Ingress) { i.Spec.TLS[0].SecretName = "Web" },
			[]string{`spec.tls[0].secretName: Invalid value: "Web": ` + msgSub}},
		{"class annotation", func(i *networkingv1.Ingress) {
			i.Annotations = map[string]string{"kubernetes.io/ingress.class": "traefik"}
		},
			[]string{"annotations.kubernetes.io/ingress.class: Invalid value: \"traefik\": must match `ingressClassName` when both are specified"}},
	})

	ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{
		Controller: "example.com",
		Parameters: &networkingv1.IngressClassParametersReference{Kind: "ConfigMap", Name: "p", Scope: ptr("Namespace")},
	}}
	checkErrors(t, []string{
		`spec.controller: Invalid value: "example.com": must be a domain-prefixed path (such as "acme.io/foo")`,
		"spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
	}, validation.IngressClass(ic))
}

func TestHorizontalPodAutoscaler(t *testing.T) {
	valid := func() *autoscalingv2.HorizontalPodAutoscaler {
		return &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:    ptr(int32(2)),
				MaxReplicas:    10,
				Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
					Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(70))},
				}}},
			},
		}
	}
	runMutations(t, valid, validation.HorizontalPodAutoscaler, []mutation[autoscalingv2.HorizontalPodAutoscaler]{
		{"minReplicas", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr(int32(0)) },
			[]string{"spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"}},
		{"maxReplicas below minReplicas", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 1 },
			[]string{"spec.maxReplicas: Invalid value: 1: must be greater than or equal to `minReplicas`"}},
		{"maxReplicas", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas, h.Spec.MaxReplicas = nil, 0 },
			[]string{"spec.maxReplicas: Invalid value: 0: must be greater than 0"}},
		{"scale target", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{Name: "a/b"}
		},
			[]string{"spec.scaleTargetRef.kind: Required value", `spec.scaleTargetRef.name: Invalid value: "a/b": may not contain '/'`}},
		{"metric source missing", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Type = autoscalingv2.PodsMetricSourceType
		},
			[]string{"spec.metrics[0].pods: Required value: must populate information for the given metric source"}},
		{"two metric sources", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Pods = &autoscalingv2.PodsMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "rps"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("10"))}}
		}, []string{"spec.metrics[0].pods: Forbidden: must populate the given metric source only"}},
		{"utilization below 1", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Resource.Target.AverageUtilization = ptr(int32(0))
		}, []string{"spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"}},
		{"target type", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Resource.Target = autoscalingv2.MetricTarget{Type: "Percent", Value: ptr(resource.MustParse("-1"))}
		}, []string{
			`spec.metrics[0].resource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue`,
			`spec.metrics[0].resource.target.value: Invalid value: "-1": must be positive`,
			"spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization",
		}},
		{"behavior", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: ptr(int32(4000)),
				Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: "Nodes", Value: 0, PeriodSeconds: 3600}},
			}}
		}, []string{
			"spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600",
			`spec.behavior.scaleDown.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods"`,
			"spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero",
			"spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 3600: must be less than or equal to 1800",
		}},
	})
}

func TestLease(t *testing.T) {
	valid := func() *coordinationv1.Lease {
		return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "worker-1", Namespace: corev1.NamespaceNodeLease},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("worker-1"), LeaseDurationSeconds: ptr(int32(40))}}
	}
	runMutations(t, valid, validation.Lease, []mutation[coordinationv1.Lease]{
		{"duration", func(l *coordinationv1.Lease) { l.Spec.LeaseDurationSeconds = ptr(int32(0)) },
			[]string{"spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"}},
		{"transitions", func(l *coordinationv1.Lease) { l.Spec.LeaseTransitions = ptr(int32(-1)) },
			[]string{"spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0"}},
		{"strategy", func(l *coordinationv1.Lease) {
			l.Spec.Strategy = ptr(coordinationv1.CoordinatedLeaseStrategy("Newest"))
		},
			[]string{`spec.strategy.strategy: Unsupported value: "Newest": supported values: "OldestEmulationVersion"`}},
		{"preferred holder without strategy", func(l *coordinationv1.Lease) { l.Spec.PreferredHolder = ptr("worker-2") },
			[]string{"spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined"}},
	})
}

func TestRBAC(t *testing.T) {
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: "shop"}, Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}},
		{APIGroups: []string{""}},
		{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}},
		{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods", "services"}, ResourceNames: []string{"web"}},
	}}
	checkErrors(t, []string{
		"rules[1].verbs: Required value: verbs must contain at least one value",
		"rules[1].resources: Required value: resource rules must supply at least one resource",
		`rules[2].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs`,
		"rules[3].resourceNames: Required value: resource names cannot apply to multiple resources",
	}, validation.Role(role))

	rb := func() *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "readers", Namespace: "shop", ResourceVersion: "1"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
			Subjects: []rbacv1.Subject{
				{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"},
				{Kind: rbacv1.ServiceAccountKind, Name: "web"},
			},
		}
	}
	runMutations(t, rb, validation.RoleBinding, []mutation[rbacv1.RoleBinding]{
		{"roleRef", func(b *rbacv1.RoleBinding) { b.RoleRef = rbacv1.RoleRef{Kind: "Group"} },
			[]string{
				`roleRef.apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"`,
				`roleRef.kind: Unsupported value: "Group": supported values: "Role", "ClusterRole"`,
				"roleRef.name: Required value",
			}},
		{"subject kind", func(b *rbacv1.RoleBinding) { b.Subjects[0].Kind = "Robot" },
			[]string{`subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"`}},
		{"user needs the RBAC group", func(b *rbacv1.RoleBinding) { b.Subjects[0].APIGroup = "" },
			[]string{`subjects[0].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"`}},
		{"service account name", func(b *rbacv1.RoleBinding) { b.Subjects[1].Name = "" },
			[]string{"subjects[1].name: Required value"}},
	})
	validate := func(b *rbacv1.RoleBinding) field.ErrorList { return validation.RoleBindingUpdate(b, rb()) }
	runMutations(t, rb, validate, []mutation[rbacv1.RoleBinding]{
		{"roleRef is fixed", func(b *rbacv1.RoleBinding) { b.RoleRef.Name = "writer" },
			[]string{`roleRef: Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"writer"}: cannot change roleRef`}},
	})

	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "admins"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "admin"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "ops"}}}
	checkErrors(t, []string{
		`roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"`,
		"subjects[0].namespace: Required value",
	}, validation.ClusterRoleBinding(crb))
}

func TestPriorityClass(t *testing.T) {
	valid := func() *schedulingv1.PriorityClass {
		return &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high", ResourceVersion: "1"}, Value: 100000,
			PreemptionPolicy: ptr(corev1.PreemptLowerPriority)}
	}
	runMutations(t, valid, validation.PriorityClass, []mutation[schedulingv1.PriorityClass]{
		{"value above the user maximum", func(p *schedulingv1.PriorityClass) { p.Value = 1000000001 },
			[]string{"value: Forbidden: maximum allowed value of a user defined priority is 1000000000"}},
		{"system prefix", func(p *schedulingv1.PriorityClass) { p.Name = "system-high" },
			[]string{"metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-high is not a known system priority class"}},
		{"system class value", func(p *schedulingv1.PriorityClass) { p.Name = schedulingv1.SystemClusterCritical },
			[]string{"metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-cluster-critical PriorityClass must be always 2000000000"}},
		{"system class", func(p *schedulingv1.PriorityClass) { p.Name, p.Value = schedulingv1.SystemNodeCritical, 2000001000 }, nil},
		{"preemption policy", func(p *schedulingv1.PriorityClass) { p.PreemptionPolicy = ptr(corev1.PreemptionPolicy("Always")) },
			[]string{`preemptionPolicy: Unsupported value: "Always": supported values: "PreemptLowerPriority", "Never"`}},
	})
	validate := func(p *schedulingv1.PriorityClass) field.ErrorList { return validation.PriorityClassUpdate(p, valid()) }
	runMutations(t, valid, validate, []mutation[schedulingv1.PriorityClass]{
		{"value is fixed", func(p *schedulingv1.PriorityClass) { p.Value = 5 },
			[]string{"value: Forbidden: may not be changed in an update."}},
	})
}
