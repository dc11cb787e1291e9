package defaults_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/defaults"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	"github.com/rigging-dev/rigging/api/resource"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

func TestHorizontalPodAutoscaler(t *testing.T) {
	target := autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	cpu80 := []autoscalingv2.MetricSpec{{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name:   corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: new(int32(80))},
		},
	}}
	memory := []autoscalingv2.MetricSpec{{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name:   corev1.ResourceMemory,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: new(resource.MustParse("500Mi"))},
		},
	}}
	maxPolicy := new(autoscalingv2.MaxChangePolicySelect)
	scaleUp := &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: new(int32(0)),
		SelectPolicy:               maxPolicy,
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
	scaleDown := &autoscalingv2.HPAScalingRules{
		SelectPolicy: maxPolicy,
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
	tests := []struct {
		name string
		in   autoscalingv2.HorizontalPodAutoscalerSpec
		want autoscalingv2.HorizontalPodAutoscalerSpec
	}{{
		name: "sparse: no behavior stays no behavior",
		in:   autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: target, MaxReplicas: 10},
		want: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: target, MaxReplicas: 10,
			MinReplicas: new(int32(1)),
			Metrics:     cpu80,
		},
	}, {
		name: "metrics kept",
		in:   autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: target, MinReplicas: new(int32(3)), MaxReplicas: 10, Metrics: memory},
		want: autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: target, MinReplicas: new(int32(3)), MaxReplicas: 10, Metrics: memory},
	}, {
		name: "empty behavior gets both rule sets",
		in:   autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: target, MaxReplicas: 10, Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{}},
		want: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: target, MaxReplicas: 10,
			MinReplicas: new(int32(1)),
			Metrics:     cpu80,
			Behavior:    &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: scaleUp, ScaleDown: scaleDown},
		},
	}, {
		name: "partial behavior is completed",
		in: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: target, MaxReplicas: 10,
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: new(int32(60))},
				ScaleUp: &autoscalingv2.HPAScalingRules{
					SelectPolicy: new(autoscalingv2.MinChangePolicySelect),
					Policies:     []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}},
				},
			},
		},
		want: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: target, MaxReplicas: 10,
			MinReplicas: new(int32(1)),
			Metrics:     cpu80,
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: new(int32(0)),
					SelectPolicy:               new(autoscalingv2.MinChangePolicySelect),
					Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}},
				},
				ScaleDown: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: new(int32(60)),
					SelectPolicy:               maxPolicy,
					Policies:                   scaleDown.Policies,
				},
			},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := autoscalingv2.HorizontalPodAutoscaler{Spec: *tt.in.DeepCopy()}
			defaults.HorizontalPodAutoscaler(&got)
			if diff := cmp.Diff(autoscalingv2.HorizontalPodAutoscaler{Spec: tt.want}, got); diff != "" {
				t.Errorf("HorizontalPodAutoscaler (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHorizontalPodAutoscalerOwnsItsDefaults checks that two autoscalers
// defaulted separately share no memory: changing one's default policies
// leaves the other's alone.
func TestHorizontalPodAutoscalerOwnsItsDefaults(t *testing.T) {
	a := autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{}}}
	b := *a.DeepCopy()
	defaults.HorizontalPodAutoscaler(&a)
	defaults.HorizontalPodAutoscaler(&b)
	a.Spec.Behavior.ScaleUp.Policies[0].Value = 99
	*a.Spec.Behavior.ScaleUp.SelectPolicy = autoscalingv2.DisabledPolicySelect
	*a.Spec.Behavior.ScaleUp.StabilizationWindowSeconds = 99
	*a.Spec.Metrics[0].Resource.Target.AverageUtilization = 99
	c := autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{}}}
	defaults.HorizontalPodAutoscaler(&c)
	if diff := cmp.Diff(c, b); diff != "" {
		t.Errorf("changing one defaulted autoscaler changed another (-want +got):\n%s", diff)
	}
}

func TestStorageClass(t *testing.T) {
	got := storagev1.StorageClass{Provisioner: "example.com/hostpath"}
	defaults.StorageClass(&got)
	want := storagev1.StorageClass{
		Provisioner:       "example.com/hostpath",
		ReclaimPolicy:     new(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode: new(storagev1.VolumeBindingImmediate),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StorageClass (-want +got):\n%s", diff)
	}
}

func TestCSIDriver(t *testing.T) {
	tests := []struct {
		name string
		in   storagev1.CSIDriverSpec
		want storagev1.CSIDriverSpec
	}{{
		name: "empty",
		in:   storagev1.CSIDriverSpec{},
		want: storagev1.CSIDriverSpec{
			AttachRequired:       new(true),
			PodInfoOnMount:       new(false),
			VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
			StorageCapacity:      new(false),
			FSGroupPolicy:        new(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy),
			RequiresRepublish:    new(false),
			SELinuxMount:         new(false),
		},
	}, {
		name: "set values kept",
		in: storagev1.CSIDriverSpec{
			AttachRequired:       new(false),
			PodInfoOnMount:       new(true),
			VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecycleEphemeral},
			StorageCapacity:      new(true),
			FSGroupPolicy:        new(storagev1.FileFSGroupPolicy),
			RequiresRepublish:    new(true),
			SELinuxMount:         new(true),
		},
		want: storagev1.CSIDriverSpec{
			AttachRequired:       new(false),
			PodInfoOnMount:       new(true),
			VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecycleEphemeral},
			StorageCapacity:      new(true),
			FSGroupPolicy:        new(storagev1.FileFSGroupPolicy),
			RequiresRepublish:    new(true),
			SELinuxMount:         new(true),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := storagev1.CSIDriver{Spec: *tt.in.DeepCopy()}
			defaults.CSIDriver(&got)
			if diff := cmp.Diff(storagev1.CSIDriver{Spec: tt.want}, got); diff != "" {
				t.Errorf("CSIDriver (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVolumeAttachment(t *testing.T) {
	got := storagev1.VolumeAttachment{Spec: storagev1.VolumeAttachmentSpec{
		Attacher: "example.com/csi", NodeName: "n1",
		Source: storagev1.VolumeAttachmentSource{InlineVolumeSpec: &corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("0.1m")},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/d"}},
		}},
	}}
	defaults.VolumeAttachment(&got)
	want := storagev1.VolumeAttachment{Spec: storagev1.VolumeAttachmentSpec{
		Attacher: "example.com/csi", NodeName: "n1",
		Source: storagev1.VolumeAttachmentSource{InlineVolumeSpec: &corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1m")},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/d", Type: new(corev1.HostPathUnset)}},
		}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("VolumeAttachment (-want +got):\n%s", diff)
	}
}

func TestNetworkPolicy(t *testing.T) {
	udp := corev1.ProtocolUDP
	tcp := corev1.ProtocolTCP
	tests := []struct {
		name string
		in   networkingv1.NetworkPolicySpec
		want networkingv1.NetworkPolicySpec
	}{{
		name: "empty: ingress",
		in:   networkingv1.NetworkPolicySpec{},
		want: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	}, {
		name: "egress rules add Egress; ports get TCP",
		in: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromInt32(80))}}}},
			Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{
				{Port: new(intstr.FromInt32(53)), Protocol: &udp},
				{Port: new(intstr.FromInt32(53))},
			}}},
		},
		want: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromInt32(80)), Protocol: &tcp}}}},
			Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{
				{Port: new(intstr.FromInt32(53)), Protocol: &udp},
				{Port: new(intstr.FromInt32(53)), Protocol: &tcp},
			}}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		},
	}, {
		name: "policy types kept",
		in:   networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}},
		want: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := networkingv1.NetworkPolicy{Spec: *tt.in.DeepCopy()}
			defaults.NetworkPolicy(&got)
			if diff := cmp.Diff(networkingv1.NetworkPolicy{Spec: tt.want}, got); diff != "" {
				t.Errorf("NetworkPolicy (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIngressClass(t *testing.T) {
	got := networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{
		Controller: "example.com/ingress",
		Parameters: &networkingv1.IngressClassParametersReference{Kind: "Params", Name: "p"},
	}}
	defaults.IngressClass(&got)
	want := networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{
		Controller: "example.com/ingress",
		Parameters: &networkingv1.IngressClassParametersReference{Kind: "Params", Name: "p", Scope: new("Cluster")},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IngressClass (-want +got):\n%s", diff)
	}
	none := networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{Controller: "example.com/ingress"}}
	defaults.IngressClass(&none)
	if none.Spec.Parameters != nil {
		t.Errorf("IngressClass without parameters got parameters %+v", none.Spec.Parameters)
	}
}

func TestEndpointSlice(t *testing.T) {
	got := discoveryv1.EndpointSlice{
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports: []discoveryv1.EndpointPort{
			{Port: new(int32(80))},
			{Name: new("dns"), Protocol: new(corev1.ProtocolUDP), Port: new(int32(53))},
		},
	}
	defaults.EndpointSlice(&got)
	want := discoveryv1.EndpointSlice{
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports: []discoveryv1.EndpointPort{
			{Name: new(""), Protocol: new(corev1.ProtocolTCP), Port: new(int32(80))},
			{Name: new("dns"), Protocol: new(corev1.ProtocolUDP), Port: new(int32(53))},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("EndpointSlice (-want +got):\n%s", diff)
	}
}

func TestRoleBindings(t *testing.T) {
	in := []rbacv1.Subject{
		{Kind: rbacv1.UserKind, Name: "alice"},
		{Kind: rbacv1.GroupKind, Name: "devs"},
		{Kind: rbacv1.ServiceAccountKind, Name: "ci", Namespace: "build"},
		{Kind: rbacv1.UserKind, Name: "bob", APIGroup: "example.com"},
	}
	want := []rbacv1.Subject{
		{Kind: rbacv1.UserKind, Name: "alice", APIGroup: "rbac.authorization.k8s.io"},
		{Kind: rbacv1.GroupKind, Name: "devs", APIGroup: "rbac.authorization.k8s.io"},
		{Kind: rbacv1.ServiceAccountKind, Name: "ci", Namespace: "build"},
		{Kind: rbacv1.UserKind, Name: "bob", APIGroup: "example.com"},
	}
	ref := rbacv1.RoleRef{Kind: "Role", Name: "reader"}
	wantRef := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "reader"}

	rb := rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rb"}, RoleRef: ref, Subjects: append([]rbacv1.Subject(nil), in...)}
	defaults.RoleBinding(&rb)
	if diff := cmp.Diff(rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rb"}, RoleRef: wantRef, Subjects: want}, rb); diff != "" {
		t.Errorf("RoleBinding (-want +got):\n%s", diff)
	}
	crb := rbacv1.ClusterRoleBinding{RoleRef: ref, Subjects: append([]rbacv1.Subject(nil), in...)}
	defaults.ClusterRoleBinding(&crb)
	if diff := cmp.Diff(rbacv1.ClusterRoleBinding{RoleRef: wantRef, Subjects: want}, crb); diff != "" {
		t.Errorf("ClusterRoleBinding (-want +got):\n%s", diff)
	}
}

func TestPriorityClass(t *testing.T) {
	got := schedulingv1.PriorityClass{Value: 1000}
	defaults.PriorityClass(&got)
	want := schedulingv1.PriorityClass{Value: 1000, PreemptionPolicy: new(corev1.PreemptLowerPriority)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PriorityClass (-want +got):\n%s", diff)
	}
	never := schedulingv1.PriorityClass{Value: 1000, PreemptionPolicy: new(corev1.PreemptNever)}
	defaults.PriorityClass(&never)
	if *never.PreemptionPolicy != corev1.PreemptNever {
		t.Errorf("PriorityClass preemptionPolicy Never changed to %s", *never.PreemptionPolicy)
	}
}
