package validation_test

import (
	"strings"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/api/validation"
)

// validContainer returns a defaulted container that validates clean.
func validContainer(name string) corev1.Container {
	return corev1.Container{
		Name:                     name,
		Image:                    "registry.example.com/web:1.0",
		ImagePullPolicy:          corev1.PullIfNotPresent,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		Ports:                    []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		VolumeMounts:             []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		},
	}
}

// validPod returns a defaulted pod that validates clean.
func validPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web"}, ResourceVersion: "1"},
		Spec: corev1.PodSpec{
			Volumes:                       []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			Containers:                    []corev1.Container{validContainer("app")},
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptr(int64(30)),
			DNSPolicy:                     corev1.DNSClusterFirst,
			ServiceAccountName:            "default",
			SchedulerName:                 corev1.DefaultSchedulerName,
		},
	}
}

func podCases(t *testing.T, cases []mutation[corev1.Pod]) {
	t.Helper()
	runMutations(t, validPod, validation.Pod, cases)
}

// probe returns a valid probe with the handler h.
func probe(h corev1.ProbeHandler) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: h, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
}

func tcpProbe(port intstr.IntOrString) *corev1.Probe {
	return probe(corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: port}})
}

func TestPodContainers(t *testing.T) {
	c0 := func(p *corev1.Pod) *corev1.Container { return &p.Spec.Containers[0] }
	podCases(t, []mutation[corev1.Pod]{
		{"no containers", func(p *corev1.Pod) { p.Spec.Containers = nil },
			[]string{"spec.containers: Required value"}},
		{"name required", func(p *corev1.Pod) { c0(p).Name = "" },
			[]string{"spec.containers[0].name: Required value"}},
		{"name is a DNS label", func(p *corev1.Pod) { c0(p).Name = "App_1" },
			[]string{`spec.containers[0].name: Invalid value: "App_1": ` + msgLabel}},
		{"duplicate container names", func(p *corev1.Pod) {
			c := validContainer("app")
			c.Ports = nil
			p.Spec.Containers = append(p.Spec.Containers, c)
		}, []string{`spec.containers[1].name: Duplicate value: "app"`}},
		{"init container named like a container", func(p *corev1.Pod) {
			c := validContainer("app")
			c.Ports, c.Resources = nil, corev1.ResourceRequirements{}
			p.Spec.InitContainers = []corev1.Container{c}
		}, []string{`spec.initContainers[0].name: Duplicate value: "app"`}},
		{"image required", func(p *corev1.Pod) { c0(p).Image = "" },
			[]string{"spec.containers[0].image: Required value"}},
		{"image padded with whitespace", func(p *corev1.Pod) { c0(p).Image = " nginx" },
			[]string{`spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace`}},
		{"imagePullPolicy required", func(p *corev1.Pod) { c0(p).ImagePullPolicy = "" },
			[]string{"spec.containers[0].imagePullPolicy: Required value"}},
		{"imagePullPolicy unknown", func(p *corev1.Pod) { c0(p).ImagePullPolicy = "Sometimes" },
			[]string{`spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"`}},
		{"terminationMessagePolicy unknown", func(p *corev1.Pod) { c0(p).TerminationMessagePolicy = "Logs" },
			[]string{`spec.containers[0].terminationMessagePolicy: Unsupported value: "Logs": supported values: "File", "FallbackToLogsOnError"`}},
		{"restartPolicy on a regular container", func(p *corev1.Pod) { c0(p).RestartPolicy = ptr(corev1.ContainerRestartPolicyAlways) },
			[]string{"spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"}},
		{"sidecar init container", func(p *corev1.Pod) {
			c := validContainer("sidecar")
			c.RestartPolicy = ptr(corev1.ContainerRestartPolicyAlways)
			c.Ports = nil
			c.ReadinessProbe = tcpProbe(intstr.FromInt32(8080))
			p.Spec.InitContainers = []corev1.Container{c}
		}, nil},
		{"init container restartPolicy Never", func(p *corev1.Pod) {
			c := validContainer("init")
			c.RestartPolicy, c.Ports = ptr(corev1.ContainerRestartPolicyNever), nil
			p.Spec.InitContainers = []corev1.Container{c}
		}, []string{`spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
		{"probe on a plain init container", func(p *corev1.Pod) {
			c := validContainer("init")
			c.Ports, c.LivenessProbe = nil, tcpProbe(intstr.FromInt32(8080))
			p.Spec.InitContainers = []corev1.Container{c}
		}, []string{"spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"}},
	})
}

func TestPodPorts(t *testing.T) {
	port := func(p *corev1.Pod) *corev1.ContainerPort { return &p.Spec.Containers[0].Ports[0] }
	podCases(t, []mutation[corev1.Pod]{
		{"containerPort above 65535", func(p *corev1.Pod) { port(p).ContainerPort = 70000 },
			[]string{"spec.containers[0].ports[0].containerPort: Invalid value: 70000: " + msgRange}},
		{"containerPort negative", func(p *corev1.Pod) { port(p).ContainerPort = -1 },
			[]string{"spec.containers[0].ports[0].containerPort: Invalid value: -1: " + msgRange}},
		{"containerPort required", func(p *corev1.Pod) { port(p).ContainerPort = 0 },
			[]string{"spec.containers[0].ports[0].containerPort: Required value"}},
		{"hostPort above 65535", func(p *corev1.Pod) { port(p).HostPort = 65536 },
			[]string{"spec.containers[0].ports[0].hostPort: Invalid value: 65536: " + msgRange}},
		{"protocol required", func(p *corev1.Pod) { port(p).Protocol = "" },
			[]string{"spec.containers[0].ports[0].protocol: Required value"}},
		{"protocol unknown", func(p *corev1.Pod) { port(p).Protocol = "HTTP" },
			[]string{`spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`}},
		{"port name", func(p *corev1.Pod) { port(p).Name = "Web_Port" },
			[]string{`spec.containers[0].ports[0].name: Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`}},
		{"port name too long", func(p *corev1.Pod) { port(p).Name = "a-very-long-port-name" },
			[]string{`spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters`}},
		{"duplicate port name", func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: "http", ContainerPort: 9090, Protocol: corev1.ProtocolTCP})
		}, []string{`spec.containers[0].ports[1].name: Duplicate value: "http"`}},
		{"host port conflict between containers", func(p *corev1.Pod) {
			port(p).HostPort = 80
			c := validContainer("sidecar")
			c.Ports[0].HostPort = 80
			p.Spec.Containers = append(p.Spec.Containers, c)
		}, []string{`spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//80"`}},
		{"host network needs hostPort == containerPort", func(p *corev1.Pod) { p.Spec.HostNetwork = true },
			[]string{"spec.containers[0].ports[0].hostPort: Invalid value: 0: must match `containerPort` when `hostNetwork` is true"}},
		{"host network with matching hostPort", func(p *corev1.Pod) { p.Spec.HostNetwork, port(p).HostPort = true, 8080 }, nil},
	})
}

func TestPodEnv(t *testing.T) {
	setEnv := func(env ...corev1.EnvVar) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.Containers[0].Env = env }
	}
	cmRef := &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "k"}
	podCases(t, []mutation[corev1.Pod]{
		{"relaxed names", setEnv(corev1.EnvVar{Name: "1st-var.x"}, corev1.EnvVar{Name: "with space"}), nil},
		{"name required", setEnv(corev1.EnvVar{Value: "x"}),
			[]string{"spec.containers[0].env[0].name: Required value"}},
		{"name with =", setEnv(corev1.EnvVar{Name: "A=B"}),
			[]string{`spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`}},
		{"name not ASCII", setEnv(corev1.EnvVar{Name: "grüße"}),
			[]string{`spec.containers[0].env[0].name: Invalid value: "grüße": a valid environment variable name must consist only of printable ASCII characters other than '='`}},
		{"value and valueFrom", setEnv(corev1.EnvVar{Name: "A", Value: "x", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: cmRef}}),
			[]string{`spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when ` + "`value`" + ` is not empty`}},
		{"two sources", setEnv(corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{
			ConfigMapKeyRef: cmRef,
			SecretKeyRef:    &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}, Key: "k"},
		}}), []string{`spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time`}},
		{"no source", setEnv(corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{}}),
			[]string{"spec.containers[0].env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"}},
		{"fieldPath not supported", setEnv(corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.restartPolicy"},
		}}), []string{`spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.restartPolicy": supported values: ` +
			`"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"`}},
		{"fieldPath unknown", setEnv(corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.foo"},
		}}), []string{`spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.foo": error converting fieldPath: field label not supported: spec.foo`}},
		{"fieldRef apiVersion required", setEnv(corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"},
		}}), []string{"spec.containers[0].env[0].valueFrom.fieldRef.apiVersion: Required value"}},
		{"label subscript", setEnv(corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.labels['app']"},
		}}), nil},
		{"resourceFieldRef", setEnv(corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{
			ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.gpu"},
		}}), []string{`spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Unsupported value: "limits.gpu": supported values: ` +
			`"limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"`}},
		{"cpu divisor", setEnv(corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{
			ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu", Divisor: resource.MustParse("1Mi")},
		}}), []string{`spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "limits.cpu": only divisor's values 1m and 1 are supported with the cpu resource`}},
		{"key selector", setEnv(corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "Sec"}, Key: "a/b"},
		}}), []string{
			`spec.containers[0].env[0].valueFrom.secretKeyRef.name: Invalid value: "Sec": ` + msgSub,
			`spec.containers[0].env[0].valueFrom.secretKeyRef.key: Invalid value: "a/b": ` + msgCMKey,
		}},
		{"envFrom needs a source", func(p *corev1.Pod) { p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{Prefix: "X_"}} },
			[]string{"spec.containers[0].envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`"}},
		{"envFrom name required", func(p *corev1.Pod) {
			p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{}}}
		}, []string{"spec.containers[0].envFrom[0].configMapRef.name: Required value"}},
	})
}

func TestPodResources(t *testing.T) {
	res := func(p *corev1.Pod) *corev1.ResourceRequirements { return &p.Spec.Containers[0].Resources }
	podCases(t, []mutation[corev1.Pod]{
		{"request above limit", func(p *corev1.Pod) { res(p).Requests[corev1.ResourceCPU] = resource.MustParse("2") },
			[]string{`spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`}},
		{"negative request", func(p *corev1.Pod) { res(p).Requests[corev1.ResourceMemory] = resource.MustParse("-1") },
			[]string{`spec.containers[0].resources.requests[memory]: Invalid value: "-1": must be greater than or equal to 0`}},
		{"unknown resource", func(p *corev1.Pod) { res(p).Limits["gpu"] = resource.MustParse("1") },
			[]string{
				`spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified`,
				`spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers`,
			}},
		{"quota name in a container", func(p *corev1.Pod) { res(p).Limits["requests.cpu"] = resource.MustParse("1") },
			[]string{`spec.containers[0].resources.limits[requests.cpu]: Invalid value: "requests.cpu": must be a standard resource for containers`}},
		{"extended resource", func(p *corev1.Pod) {
			res(p).Limits["example.com/gpu"] = resource.MustParse("1")
			res(p).Requests["example.com/gpu"] = resource.MustParse("1")
		}, nil},
		{"extended resource request needs a limit", func(p *corev1.Pod) { res(p).Requests["example.com/gpu"] = resource.MustParse("1") },
			[]string{"spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"}},
		{"extended resource must not overcommit", func(p *corev1.Pod) {
			res(p).Limits["example.com/gpu"] = resource.MustParse("2")
			res(p).Requests["example.com/gpu"] = resource.MustParse("1")
		}, []string{`spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2`}},
		{"extended resource must be whole", func(p *corev1.Pod) {
			res(p).Limits["example.com/gpu"] = resource.MustParse("500m")
			res(p).Requests["example.com/gpu"] = resource.MustParse("500m")
		}, []string{
			`spec.containers[0].resources.limits[example.com/gpu]: Invalid value: "500m": must be an integer`,
			`spec.containers[0].resources.requests[example.com/gpu]: Invalid value: "500m": must be an integer`,
		}},
		{"hugepages", func(p *corev1.Pod) {
			res(p).Limits["hugepages-2Mi"] = resource.MustParse("3Mi")
			res(p).Requests["hugepages-2Mi"] = resource.MustParse("3Mi")
		}, []string{
			`spec.containers[0].resources.limits[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi`,
			`spec.containers[0].resources.requests[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi`,
		}},
		{"hugepages alone", func(p *corev1.Pod) {
			*res(p) = corev1.ResourceRequirements{Limits: corev1.ResourceList{"hugepages-2Mi": resource.MustParse("4Mi")}}
		}, []string{"spec.containers[0].resources: Forbidden: HugePages require cpu or memory"}},
		{"negative overhead", func(p *corev1.Pod) {
			p.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("-1")}
		},
			[]string{`spec.overhead.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0`}},
	})
}

func TestPodVolumes(t *testing.T) {
	withVolume := func(v corev1.Volume) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.Volumes = append(p.Spec.Volumes, v) }
	}
	src := func(name string, s corev1.VolumeSource) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: s}
	}
	podCases(t, []mutation[corev1.Pod]{
		{"mount of a missing volume", func(p *corev1.Pod) { p.Spec.Containers[0].VolumeMounts[0].Name = "missing" },
			[]string{`spec.containers[0].volumeMounts[0].name: Not found: "missing"`}},
		{"mountPath required", func(p *corev1.Pod) { p.Spec.Containers[0].VolumeMounts[0].MountPath = "" },
			[]string{"spec.containers[0].volumeMounts[0].mountPath: Required value"}},
		{"mountPath unique", func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "data", MountPath: "/data"})
		}, []string{`spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique`}},
		{"subPath climbs out", func(p *corev1.Pod) { p.Spec.Containers[0].VolumeMounts[0].SubPath = "../etc" },
			[]string{`spec.containers[0].volumeMounts.subPath: Invalid value: "../etc": must not contain '..'`}},
		{"bidirectional propagation needs privileged", func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeMounts[0].MountPropagation = ptr(corev1.MountPropagationBidirectional)
		}, []string{"spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"}},
		{"duplicate volume name", withVolume(src("data", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}})),
			[]string{`spec.volumes[1].name: Duplicate value: "data"`}},
		{"volume name is a DNS label", withVolume(src("Data", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}})),
			[]string{`spec.volumes[1].name: Invalid value: "Data": ` + msgLabel}},
		{"volume name required", withVolume(src("", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}})),
			[]string{"spec.volumes[1].name: Required value"}},
		{"no source", withVolume(src("cache", corev1.VolumeSource{})),
			[]string{"spec.volumes[1]: Required value: must specify a volume type"}},
		{"two sources", withVolume(src("cache", corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{},
			HostPath: &corev1.HostPathVolumeSource{Path: "/tmp"},
		})), []string{"spec.volumes[1].hostPath: Forbidden: may not specify more than 1 volume type"}},
		{"hostPath path required", withVolume(src("host", corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{}})),
			[]string{"spec.volumes[1].hostPath.path: Required value"}},
		{"hostPath type", withVolume(src("host", corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log", Type: ptr(corev1.HostPathType("Dir"))}})),
			[]string{`spec.volumes[1].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"`}},
		{"secretName required", withVolume(src("sec", corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{}})),
			[]string{"spec.volumes[1].secret.secretName: Required value"}},
		{"secret file mode", withVolume(src("sec", corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s", DefaultMode: ptr(int32(0o1000))}})),
			[]string{"spec.volumes[1].secret.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive"}},
		{"configMap name required", withVolume(src("cfg", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}})),
			[]string{"spec.volumes[1].configMap.name: Required value"}},
		{"configMap item path", withVolume(src("cfg", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "c"},
			Items:                []corev1.KeyToPath{{Key: "k", Path: "/etc/k"}, {Key: "", Path: "..k"}},
		}})), []string{
			`spec.volumes[1].configMap.items[0].path: Invalid value: "/etc/k": must be a relative path`,
			"spec.volumes[1].configMap.items[1].key: Required value",
			`spec.volumes[1].configMap.items[1].path: Invalid value: "..k": must not start with '..'`,
		}},
		{"claimName required", withVolume(src("claim", corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{}})),
			[]string{"spec.volumes[1].persistentVolumeClaim.claimName: Required value"}},
		{"nfs", withVolume(src("nfs", corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Path: "exports"}})),
			[]string{"spec.volumes[1].nfs.server: Required value", `spec.volumes[1].nfs.path: Invalid value: "exports": must be an absolute path`}},
		{"projected source with two kinds", withVolume(src("proj", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{
			Secret:    &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}},
			ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}},
		}}}})), []string{"spec.volumes[1].projected.sources[0]: Forbidden: may not specify more than 1 volume type"}},
		{"projected token", withVolume(src("proj", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{
			ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr(int64(60))},
		}}}})), []string{
			"spec.volumes[1].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
			"spec.volumes[1].projected.path: Required value",
		}},
		{"projected duplicate paths", withVolume(src("proj", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Items: []corev1.KeyToPath{{Key: "a", Path: "x"}}}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}, Items: []corev1.KeyToPath{{Key: "b", Path: "x"}}}},
		}}})), []string{`spec.volumes[1].projected: Invalid value: "c": conflicting duplicate paths`}},
		{"token without service account", func(p *corev1.Pod) {
			p.Spec.ServiceAccountName = ""
			p.Spec.Volumes = append(p.Spec.Volumes, src("tok", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{
				ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"},
			}}}}))
		}, []string{"spec.volumes[1].projected.sources[0].serviceAccountToken: Forbidden: must not be specified when serviceAccountName is not set"}},
		{"csi driver", withVolume(src("csi", corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{Driver: "Example_Driver"}})),
			[]string{`spec.volumes[1].csi.driver: Invalid value: "Example_Driver": ` + msgSub}},
		{"ephemeral claim", withVolume(src("scratch", corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{
			VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{
				ObjectMeta: metav1.ObjectMeta{Name: "x"},
				Spec:       corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}},
			},
		}})), []string{
			"spec.volumes[1].ephemeral.volumeClaimTemplate.metadata.name: Forbidden: cannot be set",
			"spec.volumes[1].ephemeral.volumeClaimTemplate.spec.resources[storage]: Required value",
		}},
		{"emptyDir size", withVolume(src("tmp", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse("-1Gi"))}})),
			[]string{"spec.volumes[1].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity"}},
	})
}

func TestPodProbes(t *testing.T) {
	c0 := func(p *corev1.Pod) *corev1.Container { return &p.Spec.Containers[0] }
	podCases(t, []mutation[corev1.Pod]{
		{"valid probes", func(p *corev1.Pod) {
			c0(p).LivenessProbe = probe(corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}})
			c0(p).ReadinessProbe = probe(corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9000}})
			c0(p).StartupProbe = probe(corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}})
		}, nil},
		{"no handler", func(p *corev1.Pod) { c0(p).LivenessProbe = probe(corev1.ProbeHandler{}) },
			[]string{"spec.containers[0].livenessProbe: Required value: must specify a handler type"}},
		{"two handlers", func(p *corev1.Pod) {
			c0(p).LivenessProbe = probe(corev1.ProbeHandler{
				Exec:      &corev1.ExecAction{Command: []string{"true"}},
				TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)},
			})
		}, []string{"spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"}},
		{"port out of range", func(p *corev1.Pod) { c0(p).ReadinessProbe = tcpProbe(intstr.FromInt32(0)) },
			[]string{"spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 0: " + msgRange}},
		{"port name", func(p *corev1.Pod) { c0(p).ReadinessProbe = tcpProbe(intstr.FromString("HTTP")) },
			[]string{
				`spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`,
				`spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: "HTTP": must contain at least one letter (a-z)`,
			}},
		{"httpGet", func(p *corev1.Pod) {
			c0(p).LivenessProbe = probe(corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80), Scheme: "FTP",
				HTTPHeaders: []corev1.HTTPHeader{{Name: "X Probe"}}}})
		}, []string{
			"spec.containers[0].livenessProbe.httpGet.path: Required value",
			`spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"`,
			`spec.containers[0].livenessProbe.httpGet.httpHeaders: Invalid value: "X Probe": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')`,
		}},
		{"liveness successThreshold", func(p *corev1.Pod) {
			c0(p).LivenessProbe = tcpProbe(intstr.FromInt32(8080))
			c0(p).LivenessProbe.SuccessThreshold = 2
		}, []string{"spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"}},
		{"startup successThreshold", func(p *corev1.Pod) {
			c0(p).StartupProbe = tcpProbe(intstr.FromInt32(8080))
			c0(p).StartupProbe.SuccessThreshold = 3
		}, []string{"spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1"}},
		{"readiness successThreshold may exceed 1", func(p *corev1.Pod) {
			c0(p).ReadinessProbe = tcpProbe(intstr.FromInt32(8080))
			c0(p).ReadinessProbe.SuccessThreshold = 3
		}, nil},
		{"negative timings", func(p *corev1.Pod) {
			c0(p).ReadinessProbe = tcpProbe(intstr.FromInt32(8080))
			c0(p).ReadinessProbe.PeriodSeconds = -1
			c0(p).ReadinessProbe.FailureThreshold = -2
		}, []string{
			"spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
			"spec.containers[0].readinessProbe.failureThreshold: Invalid value: -2: must be greater than or equal to 0",
		}},
		{"readiness grace period", func(p *corev1.Pod) {
			c0(p).ReadinessProbe = tcpProbe(intstr.FromInt32(8080))
			c0(p).ReadinessProbe.TerminationGracePeriodSeconds = ptr(int64(10))
		}, []string{"spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 10: must not be set for readinessProbes"}},
		{"sleep longer than the grace period", func(p *corev1.Pod) {
			c0(p).Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 60}}}
		}, []string{"spec.containers[0].lifecycle.preStop.sleep: Invalid value: 60: must be greater than 0 and less than terminationGracePeriodSeconds (30)"}},
	})
}

func TestPodSpecFields(t *testing.T) {
	podCases(t, []mutation[corev1.Pod]{
		{"restartPolicy required", func(p *corev1.Pod) { p.Spec.RestartPolicy = "" },
			[]string{"spec.restartPolicy: Required value"}},
		{"restartPolicy unknown", func(p *corev1.Pod) { p.Spec.RestartPolicy = "Sometimes" },
			[]string{`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`}},
		{"dnsPolicy unknown", func(p *corev1.Pod) { p.Spec.DNSPolicy = "Cluster" },
			[]string{`spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"`}},
		{"dnsPolicy None needs dnsConfig", func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSNone },
			[]string{"spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"}},
		{"terminationGracePeriodSeconds required", func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = nil },
			[]string{"spec.terminationGracePeriodSeconds: Required value"}},
		{"activeDeadlineSeconds", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(0)) },
			[]string{"spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"}},
		{"nodeSelector", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk type": "ssd"} },
			[]string{`spec.nodeSelector: Invalid value: "disk type": name part ` + msgQName}},
		{"priorityClassName", func(p *corev1.Pod) { p.Spec.PriorityClassName = "High" },
			[]string{`spec.priorityClassName: Invalid value: "High": ` + msgSub}},
		{"serviceAccountName", func(p *corev1.Pod) { p.Spec.ServiceAccountName = "web_sa" },
			[]string{`spec.serviceAccountName: Invalid value: "web_sa": ` + msgSub}},
		{"hostname", func(p *corev1.Pod) { p.Spec.Hostname = "web.0" },
			[]string{`spec.hostname: Invalid value: "web.0": must not contain dots`}},
		{"runAsUser", func(p *corev1.Pod) { p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: ptr(int64(-1))} },
			[]string{"spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"}},
		{"sysctl", func(p *corev1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.Containers[0].Ports[0].HostPort = 8080
			p.Spec.SecurityContext = &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{{Name: "net.core.somaxconn", Value: "1024"}}}
		}, []string{`spec.securityContext.sysctls[0].name: Invalid value: "net.core.somaxconn": may not be specified when 'hostNetwork' is true`}},
		{"seccomp localhost", func(p *corev1.Pod) {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost}}
		}, []string{"spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost"}},
		{"privileged without privilege escalation", func(p *corev1.Pod) {
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr(true), AllowPrivilegeEscalation: ptr(false)}
		}, []string{`spec.containers[0].securityContext: Invalid value: {"privileged":true,"allowPrivilegeEscalation":false}: cannot set ` + "`allowPrivilegeEscalation` to false and `privileged` to true"}},
		{"scheduling gates", func(p *corev1.Pod) {
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/quota"}, {Name: "example.com/quota"}}
		}, []string{`spec.schedulingGates[1]: Duplicate value: "example.com/quota"`}},
		{"node name with scheduling gates", func(p *corev1.Pod) {
			p.Spec.NodeName = "worker-1"
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/quota"}}
		}, []string{"spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"}},
		{"mirror pod annotation", func(p *corev1.Pod) { p.Annotations = map[string]string{"kubernetes.io/config.mirror": "x"} },
			[]string{`metadata.annotations[kubernetes.io/config.mirror]: Invalid value: "x": must set spec.nodeName if mirror pod annotation is set`}},
		{"deletion cost", func(p *corev1.Pod) {
			p.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "+10"}
		},
			[]string{`metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: "+10": must be a 32bit integer`}},
		{"os", func(p *corev1.Pod) { p.Spec.OS = &corev1.PodOS{Name: "plan9"} },
			[]string{`spec.os: Unsupported value: "plan9": supported values: "linux", "windows"`}},
		{"windows pod", func(p *corev1.Pod) {
			p.Spec.OS = &corev1.PodOS{Name: corev1.Windows}
			p.Spec.HostPID = true
		}, []string{"spec.hostPID: Forbidden: cannot be set for a windows pod"}},
		{"host namespaces in a user namespace", func(p *corev1.Pod) { p.Spec.HostUsers, p.Spec.HostIPC = ptr(false), true },
			[]string{"spec.HostIPC: Forbidden: when `pod.Spec.HostUsers` is false"}},
	})
}

func TestPodScheduling(t *testing.T) {
	nodeAffinity := func(terms ...corev1.NodeSelectorTerm) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
			}}
		}
	}
	expr := func(op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: op, Values: values}}}
	}
	const naPath = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
	podCases(t, []mutation[corev1.Pod]{
		{"node affinity", nodeAffinity(expr(corev1.NodeSelectorOpIn, "a"), expr(corev1.NodeSelectorOpExists), expr(corev1.NodeSelectorOpGt, "3")), nil},
		{"no terms", nodeAffinity(),
			[]string{naPath + ": Required value: must have at least one node selector term"}},
		{"In needs values", nodeAffinity(expr(corev1.NodeSelectorOpIn)),
			[]string{naPath + "[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"}},
		{"Exists takes none", nodeAffinity(expr(corev1.NodeSelectorOpDoesNotExist, "a")),
			[]string{naPath + "[0].matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"}},
		{"Gt takes one", nodeAffinity(expr(corev1.NodeSelectorOpLt, "1", "2")),
			[]string{naPath + "[0].matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"}},
		{"unknown operator", nodeAffinity(expr("Like", "a")),
			[]string{naPath + `[0].matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator`}},
		{"field selector", nodeAffinity(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.uid", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}}}),
			[]string{
				naPath + "[0].matchFields[0].values: Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
				naPath + `[0].matchFields[0].key: Invalid value: "metadata.uid": not a valid field selector key`,
			}},
		{"preferred weight", func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{Weight: 0, Preference: expr(corev1.NodeSelectorOpExists)}},
			}}
		}, []string{"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"}},
		{"pod affinity topologyKey", func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}},
			}}
		}, []string{
			"spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty",
			`spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: "": name part must be non-empty`,
			`spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: "": name part ` + msgQName,
		}},
		{"pod anti-affinity weight and selector", func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 101, PodAffinityTerm: corev1.PodAffinityTerm{
					TopologyKey:   corev1.LabelHostname,
					LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn}}},
				}}},
			}}
		}, []string{
			"spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100",
			"spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
		}},
		{"tolerations", func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{
				{Key: "dedicated", Operator: corev1.TolerationOpExists, Value: "web"},
				{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "web", Effect: corev1.TaintEffectNoSchedule, TolerationSeconds: ptr(int64(10))},
				{Operator: corev1.TolerationOpEqual},
				{Key: "x", Operator: "In", Effect: "Evict"},
				{Operator: corev1.TolerationOpExists},
			}
		}, []string{
			`spec.tolerations[0].operator: Invalid value: {"key":"dedicated","operator":"Exists","value":"web"}: value must be empty when ` + "`operator` is 'Exists'",
			`spec.tolerations[1].effect: Invalid value: "NoSchedule": effect must be 'NoExecute' when ` + "`tolerationSeconds` is set",
			`spec.tolerations[2].operator: Invalid value: "Equal": operator must be Exists when ` + "`key`" + ` is empty, which means "match all values and all keys"`,
			`spec.tolerations[3].operator: Unsupported value: "In": supported values: "Equal", "Exists"`,
			`spec.tolerations[3].effect: Unsupported value: "Evict": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
		}},
		{"topology spread", func(p *corev1.Pod) {
			sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
			p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{
				{MaxSkew: 0, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel},
				{MaxSkew: 1, WhenUnsatisfiable: "Maybe", LabelSelector: sel},
				{MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway, MinDomains: ptr(int32(2)), LabelSelector: sel},
				{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel, MatchLabelKeys: []string{"app"}},
			}
		}, []string{
			"spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
			`spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{topology.kubernetes.io/zone, DoNotSchedule}"`,
			"spec.topologySpreadConstraints[1].topologyKey: Required value: can not be empty",
			`spec.topologySpreadConstraints[1].whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"`,
			"spec.topologySpreadConstraints[2].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
			`spec.topologySpreadConstraints[3].matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`,
		}},
	})
}

func TestPodTemplateAllowsHostPortZero(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: validPod().Spec}
	tmpl.Spec.HostNetwork = true
	checkErrors(t, nil, validation.PodTemplateSpec(tmpl, field.NewPath("spec", "template")))
	tmpl.Spec.Containers[0].Image = " padded "
	checkErrors(t, nil, validation.PodTemplateSpec(tmpl, field.NewPath("spec", "template")))
	tmpl.Spec.Containers[0].Ports[0].HostPort = 80
	checkErrors(t, []string{"spec.template.spec.containers[0].ports[0].hostPort: Invalid value: 80: must match `containerPort` when `hostNetwork` is true"},
		validation.PodTemplateSpec(tmpl, field.NewPath("spec", "template")))
}

func TestPodSpecPath(t *testing.T) {
	spec := validPod().Spec
	spec.Containers[0].Ports[0].ContainerPort = 70000
	checkErrors(t, []string{"spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: " + msgRange},
		validation.PodSpec(&spec, field.NewPath("spec", "template", "spec")))
	checkErrors(t, []string{
		"spec.terminationGracePeriodSeconds: Required value",
		"spec.containers: Required value",
		"spec.restartPolicy: Required value",
		"spec.dnsPolicy: Required value",
	}, validation.PodSpec(nil, field.NewPath("spec")))
}

func TestPodUpdate(t *testing.T) {
	const updateMsg = "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`," +
		"`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
		"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"
	old := func() *corev1.Pod {
		p := validPod()
		p.Spec.ActiveDeadlineSeconds = ptr(int64(600))
		p.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "web", Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(60))}}
		return p
	}
	validate := func(p *corev1.Pod) field.ErrorList { return validation.PodUpdate(p, old()) }
	runMutations(t, old, validate, []mutation[corev1.Pod]{
		{"image", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "registry.example.com/web:2.0" }, nil},
		{"labels", func(p *corev1.Pod) { p.Labels["version"] = "2" }, nil},
		{"lower activeDeadlineSeconds", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(300)) }, nil},
		{"raise activeDeadlineSeconds", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(900)) },
			[]string{"spec.activeDeadlineSeconds: Invalid value: 900: must be less than or equal to previous value"}},
		{"clear activeDeadlineSeconds", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = nil },
			[]string{"spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value"}},
		{"add toleration", func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists})
		}, nil},
		{"change tolerationSeconds", func(p *corev1.Pod) { p.Spec.Tolerations[0].TolerationSeconds = ptr(int64(120)) }, nil},
		{"change toleration", func(p *corev1.Pod) { p.Spec.Tolerations[0].Value = "api" },
			[]string{"spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"}},
		{"add container", func(p *corev1.Pod) {
			c := validContainer("sidecar")
			c.Ports = nil
			p.Spec.Containers = append(p.Spec.Containers, c)
		}, []string{"spec.containers: Forbidden: pod updates may not add or remove containers"}},
		{"restartPolicy", func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyNever },
			[]string{updateMsg + "- spec.restartPolicy: \"Always\"\n+ spec.restartPolicy: \"Never\""}},
		{"container port", func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 9090 },
			[]string{updateMsg + "- spec.containers[0].ports[0].containerPort: 8080\n+ spec.containers[0].ports[0].containerPort: 9090"}},
		{"node name", func(p *corev1.Pod) { p.Spec.NodeName = "worker-1" },
			[]string{updateMsg + "+ spec.nodeName: \"worker-1\""}},
		{"name", func(p *corev1.Pod) { p.Name = "api" },
			[]string{`metadata.name: Invalid value: "api": field is immutable`}},
		{"resourceVersion", func(p *corev1.Pod) { p.ResourceVersion = "" },
			[]string{`metadata.resourceVersion: Invalid value: "": must be specified for an update`}},
		{"mirror annotation", func(p *corev1.Pod) {
			p.Annotations = map[string]string{"kubernetes.io/config.mirror": "x"}
			p.Spec.NodeName = ""
		}, []string{
			`metadata.annotations[kubernetes.io/config.mirror]: Invalid value: "x": must set spec.nodeName if mirror pod annotation is set`,
			"metadata.annotations[kubernetes.io/config.mirror]: Forbidden: may not add mirror pod annotation",
		}},
	})
}

func TestPodUpdateSchedulingGates(t *testing.T) {
	gated := validPod()
	gated.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}, {Name: "example.com/b"}}
	gated.Spec.NodeSelector = map[string]string{"disk": "ssd"}

	ungate := gated.DeepCopy()
	ungate.Spec.SchedulingGates = ungate.Spec.SchedulingGates[1:]
	ungate.Spec.NodeSelector["zone"] = "a"
	checkErrors(t, nil, validation.PodUpdate(ungate, gated))

	addGate := gated.DeepCopy()
	addGate.Spec.SchedulingGates = append(addGate.Spec.SchedulingGates, corev1.PodSchedulingGate{Name: "example.com/c"})
	checkErrors(t, []string{"spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/c'"},
		validation.PodUpdate(addGate, gated))

	mutate := gated.DeepCopy()
	mutate.Spec.NodeSelector["disk"] = "hdd"
	checkErrors(t, []string{`spec.nodeSelector: Invalid value: {"disk":"hdd"}: only additions to spec.nodeSelector are allowed (no mutations or deletions)`},
		validation.PodUpdate(mutate, gated))
}

func TestPodNeverPanicsOnEmptyInput(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Env:           []corev1.EnvVar{{ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{}, ResourceFieldRef: &corev1.ResourceFieldSelector{}}}},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{}, GRPC: &corev1.GRPCAction{}}},
			Lifecycle:     &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{}}},
			VolumeDevices: []corev1.VolumeDevice{{}},
			VolumeMounts:  []corev1.VolumeMount{{MountPropagation: ptr(corev1.MountPropagationMode(""))}},
			SecurityContext: &corev1.SecurityContext{ProcMount: ptr(corev1.ProcMountType("")), SeccompProfile: &corev1.SeccompProfile{},
				AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: ptr(" ")}},
		}},
		Volumes: []corev1.Volume{{VolumeSource: corev1.VolumeSource{
			Projected:   &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{}}}}}},
			DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{{FieldRef: &corev1.ObjectFieldSelector{}}}},
			Ephemeral:   &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{}},
		}}},
		Affinity:                  &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{}}, PodAffinity: &corev1.PodAffinity{}},
		DNSConfig:                 &corev1.PodDNSConfig{Options: []corev1.PodDNSConfigOption{{}}},
		Tolerations:               []corev1.Toleration{{}},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MatchLabelKeys: []string{""}}},
		SecurityContext:           &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{{}}},
		OS:                        &corev1.PodOS{},
	}}
	if errs := validation.Pod(pod); len(errs) == 0 {
		t.Fatal("an empty pod validated clean")
	}
	if errs := validation.PodUpdate(pod, nil); len(errs) == 0 {
		t.Fatal("an empty pod update validated clean")
	}
	if errs := validation.Pod(nil); len(errs) == 0 {
		t.Fatal("a nil pod validated clean")
	}
	if strings.Contains(strings.Join(messages(validation.Pod(pod)), "\n"), "Internal error") {
		t.Error("internal error for an empty pod")
	}
}
