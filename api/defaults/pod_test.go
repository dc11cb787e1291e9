package defaults_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/defaults"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// defaultedContainer is a container with name and image and every
// container default filled in, for an image whose pull policy is policy.
func defaultedContainer(name, image string, policy corev1.PullPolicy) corev1.Container {
	return corev1.Container{
		Name:                     name,
		Image:                    image,
		ImagePullPolicy:          policy,
		TerminationMessagePath:   "/dev/termination-log",
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
	}
}

// defaultedPodSpec is spec with the five pod spec defaults filled in.
func defaultedPodSpec(spec corev1.PodSpec) corev1.PodSpec {
	spec.RestartPolicy = corev1.RestartPolicyAlways
	spec.TerminationGracePeriodSeconds = new(int64(30))
	spec.DNSPolicy = corev1.DNSClusterFirst
	spec.SchedulerName = "default-scheduler"
	spec.SecurityContext = &corev1.PodSecurityContext{}
	return spec
}

func TestPod(t *testing.T) {
	tests := []struct {
		name string
		in   corev1.Pod
		want corev1.Pod
	}{{
		name: "empty pod",
		in:   corev1.Pod{},
		want: corev1.Pod{Spec: defaultedPodSpec(corev1.PodSpec{EnableServiceLinks: new(true)})},
	}, {
		name: "containers and init containers",
		in: corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
			Spec: corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "init", Image: "busybox"}},
				Containers:     []corev1.Container{{Name: "web", Image: "nginx:1.27"}},
			},
		},
		want: corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
			Spec: defaultedPodSpec(corev1.PodSpec{
				InitContainers:     []corev1.Container{defaultedContainer("init", "busybox", corev1.PullAlways)},
				Containers:         []corev1.Container{defaultedContainer("web", "nginx:1.27", corev1.PullIfNotPresent)},
				EnableServiceLinks: new(true),
			}),
		},
	}, {
		name: "requests default to limits for resources without a request",
		in: corev1.Pod{Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{
				Name: "init", Image: "busybox:1.36",
				Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
				},
			}},
			Containers: []corev1.Container{{
				Name: "web", Image: "nginx:1.27",
				Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{
						corev1.ResourceCPU:    resource.MustParse("500m"),
						corev1.ResourceMemory: resource.MustParse("128Mi"),
					},
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
				},
			}, {
				Name: "requests-only", Image: "nginx:1.27",
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
				},
			}},
		}},
		want: corev1.Pod{Spec: defaultedPodSpec(corev1.PodSpec{
			InitContainers: []corev1.Container{func() corev1.Container {
				c := defaultedContainer("init", "busybox:1.36", corev1.PullIfNotPresent)
				c.Resources = corev1.ResourceRequirements{
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
				}
				return c
			}()},
			Containers: []corev1.Container{func() corev1.Container {
				c := defaultedContainer("web", "nginx:1.27", corev1.PullIfNotPresent)
				c.Resources = corev1.ResourceRequirements{
					Limits: corev1.ResourceList{
						corev1.ResourceCPU:    resource.MustParse("500m"),
						corev1.ResourceMemory: resource.MustParse("128Mi"),
					},
					Requests: corev1.ResourceList{
						corev1.ResourceCPU:    resource.MustParse("100m"),
						corev1.ResourceMemory: resource.MustParse("128Mi"),
					},
				}
				return c
			}(), func() corev1.Container {
				c := defaultedContainer("requests-only", "nginx:1.27", corev1.PullIfNotPresent)
				c.Resources = corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
				}
				return c
			}()},
			EnableServiceLinks: new(true),
		})},
	}, {
		name: "host network ports",
		in: corev1.Pod{Spec: corev1.PodSpec{
			HostNetwork: true,
			Containers: []corev1.Container{{
				Name: "dns", Image: "coredns:1.11",
				Ports: []corev1.ContainerPort{
					{ContainerPort: 53, Protocol: corev1.ProtocolUDP},
					{ContainerPort: 9153, HostPort: 19153},
				},
			}},
		}},
		want: corev1.Pod{Spec: defaultedPodSpec(corev1.PodSpec{
			HostNetwork: true,
			Containers: []corev1.Container{func() corev1.Container {
				c := defaultedContainer("dns", "coredns:1.11", corev1.PullIfNotPresent)
				c.Ports = []corev1.ContainerPort{
					{ContainerPort: 53, HostPort: 53, Protocol: corev1.ProtocolUDP},
					{ContainerPort: 9153, HostPort: 19153, Protocol: corev1.ProtocolTCP},
				}
				return c
			}()},
			EnableServiceLinks: new(true),
		})},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := *tt.in.DeepCopy()
			defaults.Pod(&got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Pod (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPodNil(t *testing.T) {
	defaults.Pod(nil)
	defaults.PodSpec(nil)
}

func TestPodSpec(t *testing.T) {
	tests := []struct {
		name string
		in   corev1.PodSpec
		want corev1.PodSpec
	}{{
		name: "a template gets no pod-only defaults",
		in: corev1.PodSpec{
			HostNetwork: true,
			Containers: []corev1.Container{{
				Name: "web", Image: "nginx",
				Ports: []corev1.ContainerPort{{ContainerPort: 80}},
				Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
				},
			}},
		},
		want: defaultedPodSpec(corev1.PodSpec{
			HostNetwork: true,
			Containers: []corev1.Container{func() corev1.Container {
				c := defaultedContainer("web", "nginx", corev1.PullAlways)
				c.Ports = []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}
				c.Resources = corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
				}
				return c
			}()},
		}),
	}, {
		name: "probes, lifecycle and env",
		in: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "web", Image: "nginx:1.27",
			Env: []corev1.EnvVar{
				{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
				{Name: "CPU", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
				{Name: "PLAIN", Value: "x"},
			},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080)},
			}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				GRPC: &corev1.GRPCAction{Port: 9090},
			}},
			StartupProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				Exec: &corev1.ExecAction{Command: []string{"true"}},
			}},
			Lifecycle: &corev1.Lifecycle{
				PostStart: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http")}},
				PreStop:   &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}},
			},
		}}},
		want: defaultedPodSpec(corev1.PodSpec{Containers: []corev1.Container{func() corev1.Container {
			c := defaultedContainer("web", "nginx:1.27", corev1.PullIfNotPresent)
			c.Env = []corev1.EnvVar{
				{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
				{Name: "CPU", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
				{Name: "PLAIN", Value: "x"},
			}
			timings := func(h corev1.ProbeHandler) *corev1.Probe {
				return &corev1.Probe{ProbeHandler: h, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
			}
			c.LivenessProbe = timings(corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(8080), Scheme: corev1.URISchemeHTTP},
			})
			c.ReadinessProbe = timings(corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9090, Service: new("")}})
			c.StartupProbe = timings(corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}})
			c.Lifecycle = &corev1.Lifecycle{
				PostStart: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}},
				PreStop:   &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}},
			}
			return c
		}()}}),
	}, {
		name: "volumes",
		in: corev1.PodSpec{Volumes: []corev1.Volume{
			{Name: "no-source"},
			{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
			{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}},
			{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}},
			{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}}}},
			{Name: "downward", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
				{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
				{Path: "cpu", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "web", Resource: "limits.cpu"}},
			}}}},
			{Name: "projected", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
					{Path: "ns", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}},
				}}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "ca"}}},
			}}}},
			{Name: "ephemeral", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{
				VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				}},
			}}},
			{Name: "claim", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}},
		}},
		want: defaultedPodSpec(corev1.PodSpec{Volumes: []corev1.Volume{
			{Name: "no-source", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
			{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log", Type: new(corev1.HostPathUnset)}}},
			{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s", DefaultMode: new(int32(0o644))}}},
			{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}, DefaultMode: new(int32(420))}}},
			{Name: "downward", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{DefaultMode: new(int32(420)), Items: []corev1.DownwardAPIVolumeFile{
				{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.labels"}},
				{Path: "cpu", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "web", Resource: "limits.cpu"}},
			}}}},
			{Name: "projected", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{DefaultMode: new(int32(420)), Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: new(int64(3600))}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
					{Path: "ns", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}},
				}}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "ca"}}},
			}}}},
			{Name: "ephemeral", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{
				VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					VolumeMode:  new(corev1.PersistentVolumeFilesystem),
				}},
			}}},
			{Name: "claim", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}},
		}}),
	}, {
		name: "resources and overhead are rounded up to thousandths",
		in: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "web", Image: "nginx:1.27",
				Resources: corev1.ResourceRequirements{
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0.0001")},
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500u")},
				},
			}},
			Overhead: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1.5n")},
		},
		want: defaultedPodSpec(corev1.PodSpec{
			Containers: []corev1.Container{func() corev1.Container {
				c := defaultedContainer("web", "nginx:1.27", corev1.PullIfNotPresent)
				c.Resources = corev1.ResourceRequirements{
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1m")},
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2m")},
				}
				return c
			}()},
			Overhead: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1m")},
		}),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := *tt.in.DeepCopy()
			defaults.PodSpec(&got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PodSpec (-want +got):\n%s", diff)
			}
		})
	}
}

// TestImagePullPolicy checks the pull policy chosen for an image reference
// against Kubernetes' rule: Always for the tag "latest" or no tag and no
// digest, IfNotPresent for anything else, including references that do not
// parse.
func TestImagePullPolicy(t *testing.T) {
	const sha256 = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		image string
		want  corev1.PullPolicy
	}{
		{"nginx", corev1.PullAlways},
		{"nginx:latest", corev1.PullAlways},
		{"nginx:1.27", corev1.PullIfNotPresent},
		{"nginx:Latest", corev1.PullIfNotPresent}, // tags are case-sensitive
		{"library/nginx", corev1.PullAlways},
		{"docker.io/library/nginx:1.27", corev1.PullIfNotPresent},
		{"index.docker.io/nginx", corev1.PullAlways},
		{"registry.example.com:5000/team/app", corev1.PullAlways},
		{"registry.example.com:5000/team/app:v2", corev1.PullIfNotPresent},
		{"localhost/app", corev1.PullAlways},
		{"localhost:5000/app:latest", corev1.PullAlways},
		{"[::1]:5000/app:1", corev1.PullIfNotPresent},
		{"Registry.Example/app", corev1.PullAlways}, // an upper-case first component is a domain
		{"nginx@" + sha256, corev1.PullIfNotPresent},
		{"nginx:1.27@" + sha256, corev1.PullIfNotPresent},
		{"nginx:latest@" + sha256, corev1.PullAlways},
		{"a/b/c/d:latest", corev1.PullAlways},
		{"my_app-x.y:tag_1.0-rc", corev1.PullIfNotPresent},
		// Not valid references: Kubernetes falls back to IfNotPresent.
		{"", corev1.PullIfNotPresent},
		{"NGINX", corev1.PullIfNotPresent},
		{"team/App:latest", corev1.PullIfNotPresent},
		{"nginx:", corev1.PullIfNotPresent},
		{"nginx:-bad", corev1.PullIfNotPresent},
		{":latest", corev1.PullIfNotPresent},
		{"nginx latest", corev1.PullIfNotPresent},
		{"nginx@sha256:abc", corev1.PullIfNotPresent},
		{"nginx:latest@sha256:0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", corev1.PullIfNotPresent},
		{"nginx:latest@md5:0123456789abcdef0123456789abcdef", corev1.PullIfNotPresent},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", corev1.PullIfNotPresent},
		{"nginx:" + strings.Repeat("x", 128), corev1.PullIfNotPresent},             // the longest tag
		{"nginx:" + strings.Repeat("x", 129), corev1.PullIfNotPresent},             // a tag too long
		{"a/" + strings.Repeat("b", 253), corev1.PullAlways},                       // a path of 255
		{"a/" + strings.Repeat("b", 254), corev1.PullIfNotPresent},                 // a path too long
		{"example.com/" + strings.Repeat("b", 255) + ":latest", corev1.PullAlways}, // the domain does not count
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			c := corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: tt.image}}}
			defaults.PodSpec(&c)
			if got := c.Containers[0].ImagePullPolicy; got != tt.want {
				t.Errorf("imagePullPolicy for image %q = %s, want %s", tt.image, got, tt.want)
			}
		})
	}
}

// FuzzImagePullPolicy checks that any image string gets one of the two
// policies, without panicking, and the same one every time.
func FuzzImagePullPolicy(f *testing.F) {
	for _, s := range []string{
		"nginx", "nginx:latest", "nginx:1.27", "localhost:5000/a/b:c",
		"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"[::1]:80/x", "", "A/b", "a//b", "a:b:c", "a@b", "ex.com/x:latest@sha512:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, image string) {
		policy := func() corev1.PullPolicy {
			s := corev1.PodSpec{Containers: []corev1.Container{{Image: image}}}
			defaults.PodSpec(&s)
			return s.Containers[0].ImagePullPolicy
		}
		got := policy()
		if got != corev1.PullAlways && got != corev1.PullIfNotPresent {
			t.Fatalf("imagePullPolicy for image %q = %q, want Always or IfNotPresent", image, got)
		}
		if again := policy(); again != got {
			t.Fatalf("imagePullPolicy for image %q = %q, then %q", image, got, again)
		}
		// Always needs the tag "latest", or neither tag nor digest.
		name, _, digested := strings.Cut(image, "@")
		last := name[strings.LastIndexByte(name, '/')+1:]
		if got == corev1.PullAlways && !strings.HasSuffix(name, ":latest") && (digested || strings.Contains(last, ":")) {
			t.Fatalf("imagePullPolicy for image %q = Always, but it names a tag other than latest or a digest", image)
		}
	})
}
