package defaults_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/defaults"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

func TestService(t *testing.T) {
	cluster := corev1.ServiceInternalTrafficPolicyCluster
	tests := []struct {
		name string
		in   corev1.ServiceSpec
		want corev1.ServiceSpec
	}{{
		name: "empty",
		in:   corev1.ServiceSpec{},
		want: corev1.ServiceSpec{
			Type:                  corev1.ServiceTypeClusterIP,
			SessionAffinity:       corev1.ServiceAffinityNone,
			InternalTrafficPolicy: &cluster,
		},
	}, {
		name: "ports: protocol TCP, target port from port",
		in: corev1.ServiceSpec{Ports: []corev1.ServicePort{
			{Name: "http", Port: 80},
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("")},
			{Name: "named", Port: 443, TargetPort: intstr.FromString("https")},
			{Name: "numbered", Port: 8443, TargetPort: intstr.FromInt32(443)},
		}},
		want: corev1.ServiceSpec{
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(80)},
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
				{Name: "named", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("https")},
				{Name: "numbered", Port: 8443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(443)},
			},
			Type:                  corev1.ServiceTypeClusterIP,
			SessionAffinity:       corev1.ServiceAffinityNone,
			InternalTrafficPolicy: &cluster,
		},
	}, {
		name: "client IP affinity gets a timeout",
		in:   corev1.ServiceSpec{SessionAffinity: corev1.ServiceAffinityClientIP},
		want: corev1.ServiceSpec{
			Type:            corev1.ServiceTypeClusterIP,
			SessionAffinity: corev1.ServiceAffinityClientIP,
			SessionAffinityConfig: &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: new(int32(10800))},
			},
			InternalTrafficPolicy: &cluster,
		},
	}, {
		name: "client IP affinity with an empty config",
		in: corev1.ServiceSpec{
			SessionAffinity:       corev1.ServiceAffinityClientIP,
			SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{}},
		},
		want: corev1.ServiceSpec{
			Type:            corev1.ServiceTypeClusterIP,
			SessionAffinity: corev1.ServiceAffinityClientIP,
			SessionAffinityConfig: &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: new(int32(10800))},
			},
			InternalTrafficPolicy: &cluster,
		},
	}, {
		name: "no affinity clears the affinity config",
		in: corev1.ServiceSpec{
			SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: new(int32(60))}},
		},
		want: corev1.ServiceSpec{
			Type:                  corev1.ServiceTypeClusterIP,
			SessionAffinity:       corev1.ServiceAffinityNone,
			InternalTrafficPolicy: &cluster,
		},
	}, {
		name: "node port",
		in:   corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort},
		want: corev1.ServiceSpec{
			Type:                  corev1.ServiceTypeNodePort,
			SessionAffinity:       corev1.ServiceAffinityNone,
			ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster,
			InternalTrafficPolicy: &cluster,
		},
	}, {
		name: "load balancer",
		in:   corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
		want: corev1.ServiceSpec{
			Type:                          corev1.ServiceTypeLoadBalancer,
			SessionAffinity:               corev1.ServiceAffinityNone,
			ExternalTrafficPolicy:         corev1.ServiceExternalTrafficPolicyCluster,
			InternalTrafficPolicy:         &cluster,
			AllocateLoadBalancerNodePorts: new(true),
		},
	}, {
		name: "cluster IP with external IPs is externally accessible",
		in:   corev1.ServiceSpec{ExternalIPs: []string{"192.0.2.1"}},
		want: corev1.ServiceSpec{
			ExternalIPs:           []string{"192.0.2.1"},
			Type:                  corev1.ServiceTypeClusterIP,
			SessionAffinity:       corev1.ServiceAffinityNone,
			ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster,
			InternalTrafficPolicy: &cluster,
		},
	}, {
		name: "external name gets no traffic policies",
		in:   corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"},
		want: corev1.ServiceSpec{
			Type:            corev1.ServiceTypeExternalName,
			ExternalName:    "db.example.com",
			SessionAffinity: corev1.ServiceAffinityNone,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := corev1.Service{Spec: *tt.in.DeepCopy()}
			defaults.Service(&got)
			if diff := cmp.Diff(corev1.Service{Spec: tt.want}, got); diff != "" {
				t.Errorf("Service (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServiceLoadBalancerStatus(t *testing.T) {
	proxy := corev1.LoadBalancerIPModeProxy
	in := corev1.Service{
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{
			{IP: "192.0.2.10"},
			{IP: "192.0.2.11", IPMode: &proxy},
			{Hostname: "lb.example.com"},
		}}},
	}
	defaults.Service(&in)
	want := []corev1.LoadBalancerIngress{
		{IP: "192.0.2.10", IPMode: new(corev1.LoadBalancerIPModeVIP)},
		{IP: "192.0.2.11", IPMode: &proxy},
		{Hostname: "lb.example.com"},
	}
	if diff := cmp.Diff(want, in.Status.LoadBalancer.Ingress); diff != "" {
		t.Errorf("status.loadBalancer.ingress (-want +got):\n%s", diff)
	}
}

func TestEndpoints(t *testing.T) {
	got := corev1.Endpoints{Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.0.0.1"}},
		Ports:     []corev1.EndpointPort{{Name: "http", Port: 80}, {Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}},
	}}}
	defaults.Endpoints(&got)
	want := corev1.Endpoints{Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.0.0.1"}},
		Ports: []corev1.EndpointPort{
			{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP},
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
		},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Endpoints (-want +got):\n%s", diff)
	}
}

func TestNamespace(t *testing.T) {
	tests := []struct {
		name string
		in   corev1.Namespace
		want corev1.Namespace
	}{{
		name: "named",
		in:   corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		want: corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"kubernetes.io/metadata.name": "shop"}},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
		},
	}, {
		name: "the name label is always the name",
		in: corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{
			"kubernetes.io/metadata.name": "other", "team": "a",
		}}},
		want: corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{
				"kubernetes.io/metadata.name": "shop", "team": "a",
			}},
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
		},
	}, {
		name: "generateName only: no label",
		in:   corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tmp-"}},
		want: corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "tmp-"},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
		},
	}, {
		name: "terminating stays terminating",
		in: corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: "old"},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
		},
		want: corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: "old", Labels: map[string]string{"kubernetes.io/metadata.name": "old"}},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := *tt.in.DeepCopy()
			defaults.Namespace(&got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Namespace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNode(t *testing.T) {
	tests := []struct {
		name string
		in   corev1.NodeStatus
		want corev1.NodeStatus
	}{{
		name: "allocatable from capacity",
		in: corev1.NodeStatus{Capacity: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourcePods: resource.MustParse("110"),
		}},
		want: corev1.NodeStatus{
			Capacity: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourcePods: resource.MustParse("110"),
			},
			Allocatable: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourcePods: resource.MustParse("110"),
			},
		},
	}, {
		name: "allocatable kept",
		in: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3800m")},
		},
		want: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3800m")},
		},
	}, {
		name: "no capacity",
		in:   corev1.NodeStatus{},
		want: corev1.NodeStatus{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := corev1.Node{Status: *tt.in.DeepCopy()}
			defaults.Node(&got)
			if diff := cmp.Diff(corev1.Node{Status: tt.want}, got); diff != "" {
				t.Errorf("Node (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNodeAllocatableIsACopy checks that the defaulted allocatable does not
// share its map with capacity.
func TestNodeAllocatableIsACopy(t *testing.T) {
	n := corev1.Node{Status: corev1.NodeStatus{Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")}}}
	defaults.Node(&n)
	n.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse("1")
	if got := n.Status.Capacity[corev1.ResourceCPU]; got.Cmp(resource.MustParse("4")) != 0 {
		t.Errorf("changing allocatable changed capacity to %s", got.String())
	}
}

func TestSecretAndConfigMap(t *testing.T) {
	s := corev1.Secret{}
	defaults.Secret(&s)
	if diff := cmp.Diff(corev1.Secret{Type: corev1.SecretTypeOpaque}, s); diff != "" {
		t.Errorf("Secret (-want +got):\n%s", diff)
	}
	tls := corev1.Secret{Type: corev1.SecretTypeTLS}
	defaults.Secret(&tls)
	if tls.Type != corev1.SecretTypeTLS {
		t.Errorf("Secret type %s changed to %s", corev1.SecretTypeTLS, tls.Type)
	}
	c := corev1.ConfigMap{}
	defaults.ConfigMap(&c)
	if diff := cmp.Diff(corev1.ConfigMap{Data: map[string]string{}}, c); diff != "" {
		t.Errorf("ConfigMap (-want +got):\n%s", diff)
	}
}

func TestPersistentVolume(t *testing.T) {
	got := corev1.PersistentVolume{Spec: corev1.PersistentVolumeSpec{
		Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
		PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}},
	}}
	defaults.PersistentVolume(&got)
	want := corev1.PersistentVolume{
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data", Type: new(corev1.HostPathUnset)}},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			VolumeMode:                    new(corev1.PersistentVolumeFilesystem),
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumePending},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PersistentVolume (-want +got):\n%s", diff)
	}
}

func TestPersistentVolumeClaim(t *testing.T) {
	got := corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources: corev1.VolumeResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
		},
	}}
	defaults.PersistentVolumeClaim(&got)
	want := corev1.PersistentVolumeClaim{
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			},
			VolumeMode: new(corev1.PersistentVolumeFilesystem),
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PersistentVolumeClaim (-want +got):\n%s", diff)
	}
}

func TestLimitRange(t *testing.T) {
	q := resource.MustParse
	got := corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type:    corev1.LimitTypeContainer,
		Max:     corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("1Gi")},
		Min:     corev1.ResourceList{corev1.ResourceCPU: q("100m"), "ephemeral-storage": q("1Mi")},
		Default: corev1.ResourceList{corev1.ResourceCPU: q("500m")},
	}, {
		Type: corev1.LimitTypePod,
		Max:  corev1.ResourceList{corev1.ResourceCPU: q("4")},
	}, {
		Type: corev1.LimitTypeContainer,
	}}}}
	defaults.LimitRange(&got)
	want := corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type:    corev1.LimitTypeContainer,
		Max:     corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("1Gi")},
		Min:     corev1.ResourceList{corev1.ResourceCPU: q("100m"), "ephemeral-storage": q("1Mi")},
		Default: corev1.ResourceList{corev1.ResourceCPU: q("500m"), corev1.ResourceMemory: q("1Gi")},
		DefaultRequest: corev1.ResourceList{
			corev1.ResourceCPU: q("500m"), corev1.ResourceMemory: q("1Gi"), "ephemeral-storage": q("1Mi"),
		},
	}, {
		Type: corev1.LimitTypePod,
		Max:  corev1.ResourceList{corev1.ResourceCPU: q("4")},
	}, {
		Type:           corev1.LimitTypeContainer,
		Default:        corev1.ResourceList{},
		DefaultRequest: corev1.ResourceList{},
	}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LimitRange (-want +got):\n%s", diff)
	}
}

func TestResourceQuota(t *testing.T) {
	q := resource.MustParse
	got := corev1.ResourceQuota{
		Spec:   corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceRequestsCPU: q("0.0005")}},
		Status: corev1.ResourceQuotaStatus{Used: corev1.ResourceList{corev1.ResourceRequestsCPU: q("1n")}},
	}
	defaults.ResourceQuota(&got)
	want := corev1.ResourceQuota{
		Spec:   corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceRequestsCPU: q("1m")}},
		Status: corev1.ResourceQuotaStatus{Used: corev1.ResourceList{corev1.ResourceRequestsCPU: q("1m")}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ResourceQuota (-want +got):\n%s", diff)
	}
}

// TestResourceRounding checks the rounding of amounts to whole thousandths
// through a node's capacity: up and away from zero, keeping the format, and
// leaving amounts that are already whole thousandths in their exact form.
func TestResourceRounding(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"0.5m", "1m"},
		{"1500u", "2m"},
		{"1n", "1m"},
		{"-0.5m", "-1m"},
		{"1.0001", "1001m"},
		{"100m", "100m"},
		{"1", "1"},
		{"1Gi", "1Gi"},
		{"1.5Gi", "1536Mi"},
		{"0.5Ki", "512"},
		{"1e3", "1e3"},
		{"1e-4", "1e-3"},
		{"0", "0"},
		{"12345678901234567890", "12345678901234567890"},     // beyond int64, but whole
		{"9223372036854775.8065", "9223372036854775807m"},    // rounds to the largest int64 in thousandths
		{"-9223372036854775.8075", "-9223372036854775808m"},  // rounds to the smallest
		{"9223372036854775.8075", "9223372036854775807500u"}, // too large to round: kept
		{"-9223372036854775.8085", "-9223372036854775808500u"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n := corev1.Node{Status: corev1.NodeStatus{
				Capacity:    corev1.ResourceList{"r": resource.MustParse(tt.in)},
				Allocatable: corev1.ResourceList{},
			}}
			defaults.Node(&n)
			got := n.Status.Capacity["r"]
			if got.String() != tt.want {
				t.Errorf("%s rounded to thousandths = %s, want %s", tt.in, got.String(), tt.want)
			}
		})
	}
}
