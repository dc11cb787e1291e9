package defaults_test

import (
	"reflect"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	"github.com/rigging-dev/rigging/api/resource"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

// sample is a named object for the idempotence and no-panic tests.
type sample struct {
	name string
	obj  any
}

// samples returns, for every kind, its zero value, a value with a List of
// zero items, the fully set objects of fullySet, and partially filled
// objects with nil pointers and empty parts where defaults apply.
func samples() []sample {
	var out []sample
	for _, k := range kinds {
		out = append(out, sample{"zero " + k.kind, k.new()})
		if obj := k.new(); reflect.ValueOf(obj).Elem().FieldByName("Items").IsValid() {
			fill(obj)
			out = append(out, sample{"zero items " + k.kind, obj})
		}
	}
	for _, s := range fullySet() {
		out = append(out, sample{"fully set " + s.name, s.obj})
	}
	return append(out, partial()...)
}

// partial returns objects filled only in parts, with nil pointers and empty
// values inside the structures that defaults walk into.
func partial() []sample {
	return []sample{
		{"pod with empty parts", &corev1.Pod{Spec: corev1.PodSpec{
			HostNetwork: true,
			InitContainers: []corev1.Container{{
				Ports:     []corev1.ContainerPort{{}},
				Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{}},
			}},
			Containers: []corev1.Container{{
				Env:            []corev1.EnvVar{{Name: "A", ValueFrom: &corev1.EnvVarSource{}}},
				LivenessProbe:  &corev1.Probe{},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{}}},
				StartupProbe:   &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{}}},
				Lifecycle:      &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{}},
				Resources: corev1.ResourceRequirements{
					Limits:   corev1.ResourceList{"cpu": {}},
					Requests: corev1.ResourceList{},
				},
			}, {}},
			Volumes: []corev1.Volume{
				{},
				{VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{}}},
				{VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{{}}}}},
				{VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{}, {DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{}}}},
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{}},
				}}}},
				{VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{}}},
				{VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{}}}},
			},
			Overhead: corev1.ResourceList{},
		}}},
		{"service with empty parts", &corev1.Service{
			Spec: corev1.ServiceSpec{
				Type:                  corev1.ServiceTypeLoadBalancer,
				SessionAffinity:       corev1.ServiceAffinityClientIP,
				SessionAffinityConfig: &corev1.SessionAffinityConfig{},
				Ports:                 []corev1.ServicePort{{}},
			},
			Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{}}}},
		}},
		{"service of an unknown type", &corev1.Service{Spec: corev1.ServiceSpec{Type: "Weird", SessionAffinity: "Sticky"}}},
		{"endpoints with empty parts", &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{}, {Ports: []corev1.EndpointPort{{}}}}}},
		{"node with empty capacity", &corev1.Node{Status: corev1.NodeStatus{Capacity: corev1.ResourceList{}}}},
		{"limit range with empty items", &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{}, {Type: corev1.LimitTypeContainer}}}}},
		{"deployment with empty rolling update", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
			Strategy: appsv1.DeploymentStrategy{RollingUpdate: &appsv1.RollingUpdateDeployment{}},
		}}},
		{"daemon set with empty rolling update", &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{RollingUpdate: &appsv1.RollingUpdateDaemonSet{}},
		}}},
		{"stateful set with empty parts", &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{
			UpdateStrategy:                       appsv1.StatefulSetUpdateStrategy{RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{}},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{},
			VolumeClaimTemplates:                 []corev1.PersistentVolumeClaim{{}},
		}}},
		{"autoscaler with empty behavior parts", &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			Metrics: []autoscalingv2.MetricSpec{},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp:   &autoscalingv2.HPAScalingRules{Policies: []autoscalingv2.HPAScalingPolicy{}},
				ScaleDown: &autoscalingv2.HPAScalingRules{},
			},
		}}},
		{"network policy with empty rules", &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{}, {Ports: []networkingv1.NetworkPolicyPort{{}}}},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{}},
			PolicyTypes: []networkingv1.PolicyType{},
		}}},
		{"ingress class with empty parameters", &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{
			Parameters: &networkingv1.IngressClassParametersReference{},
		}}},
		{"endpoint slice with an empty port", &discoveryv1.EndpointSlice{Ports: []discoveryv1.EndpointPort{{}}}},
		{"role binding with empty subjects", &rbacv1.RoleBinding{Subjects: []rbacv1.Subject{{}, {Kind: rbacv1.UserKind}}}},
		{"volume attachment with an empty inline spec", &storagev1.VolumeAttachment{Spec: storagev1.VolumeAttachmentSpec{
			Source: storagev1.VolumeAttachmentSource{InlineVolumeSpec: &corev1.PersistentVolumeSpec{}},
		}}},
		{"csi driver with empty modes", &storagev1.CSIDriver{Spec: storagev1.CSIDriverSpec{
			VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{},
		}}},
	}
}

// fullyDefinedPodSpec is a pod spec that sets every field that defaulting
// fills in, each to something other than its default.
func fullyDefinedPodSpec() corev1.PodSpec {
	q := resource.MustParse
	handler := &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTPS}
	probe := func(h corev1.ProbeHandler) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: h, TimeoutSeconds: 2, PeriodSeconds: 5, SuccessThreshold: 2, FailureThreshold: 6}
	}
	c := corev1.Container{
		Name: "web", Image: "nginx",
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80, HostPort: 8080, Protocol: corev1.ProtocolSCTP}},
		Env: []corev1.EnvVar{{Name: "NAME", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v2", FieldPath: "metadata.name"},
		}}},
		Resources: corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("1Gi")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: q("250m"), corev1.ResourceMemory: q("0")},
		},
		LivenessProbe:  probe(corev1.ProbeHandler{HTTPGet: handler}),
		ReadinessProbe: probe(corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9090, Service: new("health")}}),
		StartupProbe:   probe(corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}),
		Lifecycle: &corev1.Lifecycle{
			PostStart: &corev1.LifecycleHandler{HTTPGet: handler},
			PreStop:   &corev1.LifecycleHandler{HTTPGet: handler},
		},
		TerminationMessagePath:   "/tmp/message",
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		ImagePullPolicy:          corev1.PullNever,
	}
	claim := &corev1.PersistentVolumeClaimTemplate{Spec: corev1.PersistentVolumeClaimSpec{
		VolumeMode: new(corev1.PersistentVolumeBlock),
		Resources:  corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q("1Gi")}},
	}}
	return corev1.PodSpec{
		Volumes: []corev1.Volume{
			{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/d", Type: new(corev1.HostPathDirectory)}}},
			{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s", DefaultMode: new(int32(0o400))}}},
			{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{DefaultMode: new(int32(0o400))}}},
			{Name: "downward", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
				DefaultMode: new(int32(0o400)),
				Items:       []corev1.DownwardAPIVolumeFile{{Path: "n", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v2", FieldPath: "metadata.name"}}},
			}}},
			{Name: "projected", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				DefaultMode: new(int32(0o400)),
				Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "t", ExpirationSeconds: new(int64(7200))}},
					{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
						{Path: "n", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v2", FieldPath: "metadata.name"}},
					}}},
				},
			}}},
			{Name: "ephemeral", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: claim}}},
		},
		InitContainers:                []corev1.Container{*c.DeepCopy()},
		Containers:                    []corev1.Container{c},
		RestartPolicy:                 corev1.RestartPolicyNever,
		TerminationGracePeriodSeconds: new(int64(0)),
		DNSPolicy:                     corev1.DNSDefault,
		HostNetwork:                   true,
		SecurityContext:               &corev1.PodSecurityContext{RunAsNonRoot: new(true)},
		SchedulerName:                 "my-scheduler",
		EnableServiceLinks:            new(false),
		Overhead:                      corev1.ResourceList{corev1.ResourceCPU: q("10m")},
	}
}

// fullySet returns, for every kind that has defaults, an object that sets
// each defaulted field to something other than its default.
func fullySet() []sample {
	q := resource.MustParse
	local := corev1.ServiceInternalTrafficPolicyLocal
	proxy := corev1.LoadBalancerIPModeProxy
	template := corev1.PodTemplateSpec{Spec: fullyDefinedPodSpec()}
	claim := corev1.PersistentVolumeClaim{
		Spec: corev1.PersistentVolumeClaimSpec{
			VolumeMode: new(corev1.PersistentVolumeBlock),
			Resources:  corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q("1Gi")}},
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, Capacity: corev1.ResourceList{corev1.ResourceStorage: q("1Gi")}},
	}
	pvSpec := corev1.PersistentVolumeSpec{
		Capacity:                      corev1.ResourceList{corev1.ResourceStorage: q("1Gi")},
		PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/d", Type: new(corev1.HostPathDirectoryOrCreate)}},
		PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
		VolumeMode:                    new(corev1.PersistentVolumeBlock),
	}
	rules := func(seconds int32) *autoscalingv2.HPAScalingRules {
		return &autoscalingv2.HPAScalingRules{
			StabilizationWindowSeconds: new(seconds),
			SelectPolicy:               new(autoscalingv2.MinChangePolicySelect),
			Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}},
		}
	}
	subjects := []rbacv1.Subject{
		{Kind: rbacv1.UserKind, Name: "alice", APIGroup: "example.com"},
		{Kind: rbacv1.ServiceAccountKind, Name: "ci", Namespace: "build"},
	}
	roleRef := rbacv1.RoleRef{APIGroup: "example.com", Kind: "Role", Name: "r"}
	return []sample{
		{"Pod", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: fullyDefinedPodSpec()}},
		{"Service ClientIP NodePort", &corev1.Service{Spec: corev1.ServiceSpec{
			Ports:                 []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(8080)}},
			Type:                  corev1.ServiceTypeNodePort,
			SessionAffinity:       corev1.ServiceAffinityClientIP,
			SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: new(int32(60))}},
			ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal,
			InternalTrafficPolicy: &local,
		}}},
		{"Service LoadBalancer", &corev1.Service{
			Spec: corev1.ServiceSpec{
				Type:                          corev1.ServiceTypeLoadBalancer,
				SessionAffinity:               corev1.ServiceAffinityNone,
				ExternalTrafficPolicy:         corev1.ServiceExternalTrafficPolicyLocal,
				InternalTrafficPolicy:         &local,
				AllocateLoadBalancerNodePorts: new(false),
			},
			Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2.1", IPMode: &proxy}}}},
		}},
		{"Endpoints", &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{Ports: []corev1.EndpointPort{{Port: 53, Protocol: corev1.ProtocolUDP}}}}}},
		{"Namespace", &corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{corev1.LabelMetadataName: "shop"}},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
		}},
		{"Node", &corev1.Node{Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: q("4")},
			Allocatable: corev1.ResourceList{},
		}}},
		{"Secret", &corev1.Secret{Type: corev1.SecretTypeTLS}},
		{"ConfigMap", &corev1.ConfigMap{Data: map[string]string{"k": "v"}}},
		{"PersistentVolume", &corev1.PersistentVolume{Spec: pvSpec, Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound}}},
		{"PersistentVolumeClaim", &claim},
		{"LimitRange", &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type:           corev1.LimitTypeContainer,
			Max:            corev1.ResourceList{corev1.ResourceCPU: q("2")},
			Min:            corev1.ResourceList{corev1.ResourceMemory: q("1Mi")},
			Default:        corev1.ResourceList{corev1.ResourceCPU: q("1")},
			DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: q("100m"), corev1.ResourceMemory: q("2Mi")},
		}}}}},
		{"ResourceQuota", &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: q("10")}}}},
		{"Deployment", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(0)),
			Template: template,
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: new(intstr.FromInt32(0)), MaxSurge: new(intstr.FromString("50%")),
				},
			},
			RevisionHistoryLimit:    new(int32(0)),
			ProgressDeadlineSeconds: new(int32(60)),
		}}},
		{"ReplicaSet", &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Replicas: new(int32(0)), Template: template}}},
		{"DaemonSet", &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{
			Template: template,
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{
					MaxUnavailable: new(intstr.FromString("10%")), MaxSurge: new(intstr.FromInt32(1)),
				},
			},
			RevisionHistoryLimit: new(int32(1)),
		}}},
		{"StatefulSet", &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{
			Replicas:             new(int32(0)),
			Template:             template,
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{claim},
			PodManagementPolicy:  appsv1.ParallelPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
				Type:          appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: new(int32(2))},
			},
			RevisionHistoryLimit: new(int32(1)),
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
			},
		}}},
		{"HorizontalPodAutoscaler", &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			MinReplicas: new(int32(2)),
			MaxReplicas: 5,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.PodsMetricSourceType,
				Pods: &autoscalingv2.PodsMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "qps"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: new(q("100"))},
				},
			}},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(30), ScaleDown: rules(600)},
		}}},
		{"EndpointSlice", &discoveryv1.EndpointSlice{Ports: []discoveryv1.EndpointPort{{Name: new("dns"), Protocol: new(corev1.ProtocolUDP)}}}},
		{"NetworkPolicy", &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: new(corev1.ProtocolUDP)}}}},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: new(corev1.ProtocolSCTP)}}}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		}}},
		{"IngressClass", &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{
			Parameters: &networkingv1.IngressClassParametersReference{Kind: "K", Name: "n", Scope: new("Namespace"), Namespace: new("ns")},
		}}},
		{"RoleBinding", &rbacv1.RoleBinding{Subjects: subjects, RoleRef: roleRef}},
		{"ClusterRoleBinding", &rbacv1.ClusterRoleBinding{Subjects: subjects, RoleRef: roleRef}},
		{"PriorityClass", &schedulingv1.PriorityClass{PreemptionPolicy: new(corev1.PreemptNever)}},
		{"StorageClass", &storagev1.StorageClass{
			ReclaimPolicy:     new(corev1.PersistentVolumeReclaimRetain),
			VolumeBindingMode: new(storagev1.VolumeBindingWaitForFirstConsumer),
		}},
		{"CSIDriver", &storagev1.CSIDriver{Spec: storagev1.CSIDriverSpec{
			AttachRequired:       new(false),
			PodInfoOnMount:       new(true),
			VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecycleEphemeral},
			StorageCapacity:      new(true),
			FSGroupPolicy:        new(storagev1.NoneFSGroupPolicy),
			RequiresRepublish:    new(true),
			SELinuxMount:         new(true),
		}}},
		{"VolumeAttachment", &storagev1.VolumeAttachment{Spec: storagev1.VolumeAttachmentSpec{
			Source: storagev1.VolumeAttachmentSource{InlineVolumeSpec: &pvSpec},
		}}},
	}
}
