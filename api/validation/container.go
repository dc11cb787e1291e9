package validation

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/intstr"
	"github.com/rigging-dev/rigging/api/names"
)

// The enumerations of container fields, in the order Kubernetes lists them
// in "supported values" (sorted where Kubernetes sorts them).
var (
	supportedPortProtocols      = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}
	supportedPullPolicies       = []corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}
	supportedTerminationMessage = []corev1.TerminationMessagePolicy{corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError}
	supportedHTTPSchemes        = []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}
	supportedMountPropagations  = []corev1.MountPropagationMode{corev1.MountPropagationBidirectional, corev1.MountPropagationHostToContainer, corev1.MountPropagationNone}
	supportedResizeResources    = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}
	supportedResizePolicies     = []corev1.ResourceResizeRestartPolicy{corev1.NotRequired, corev1.RestartContainer}
	supportedProcMountTypes     = []corev1.ProcMountType{corev1.DefaultProcMount, corev1.UnmaskedProcMount}
	supportedSeccompTypes       = []corev1.SeccompProfileType{corev1.SeccompProfileTypeLocalhost, corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined}
	supportedAppArmorTypes      = []corev1.AppArmorProfileType{corev1.AppArmorProfileTypeLocalhost, corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined}

	// The pod fields a container's environment may read (fieldRef), and
	// the container resources it may read (resourceFieldRef).
	envFieldPaths         = []string{"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"}
	volumeFieldPaths      = []string{"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"}
	containerResourcePath = []string{"limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"}

	httpHeaderNameRegexp = regexp.MustCompile("^[-A-Za-z0-9]+$")
)

// podContext is what container validation needs to know about the pod.
type podContext struct {
	volumes       map[string]*corev1.VolumeSource // the pod's valid volumes
	gracePeriod   *int64                          // spec.terminationGracePeriodSeconds
	restartPolicy corev1.RestartPolicy
	hostUsers     bool
}

// containers checks the regular containers of a pod: at least one, the
// fields every container has, unique names, lifecycle and probes, no
// container restartPolicy, and no two containers on the same host port.
func containers(ctrs []corev1.Container, pc *podContext, path *field.Path) field.ErrorList {
	if len(ctrs) == 0 {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	seen := map[string]bool{}
	for i := range ctrs {
		ctr := &ctrs[i]
		p := path.Index(i)
		errs = append(errs, containerCommon(ctr, pc, p)...)
		if seen[ctr.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), ctr.Name))
		} else {
			seen[ctr.Name] = true
		}
		if ctr.Lifecycle != nil {
			errs = append(errs, lifecycle(ctr.Lifecycle, pc.gracePeriod, p.Child("lifecycle"))...)
		}
		errs = append(errs, livenessProbe(ctr.LivenessProbe, pc.gracePeriod, p.Child("livenessProbe"))...)
		errs = append(errs, readinessProbe(ctr.ReadinessProbe, pc.gracePeriod, p.Child("readinessProbe"))...)
		errs = append(errs, startupProbe(ctr.StartupProbe, pc.gracePeriod, p.Child("startupProbe"))...)
		if ctr.RestartPolicy != nil {
			errs = append(errs, field.Forbidden(p.Child("restartPolicy"), "may not be set for non-init containers"))
		}
	}
	return append(errs, hostPortConflicts(ctrs, path)...)
}

// initContainers checks the init containers of a pod: the fields every
// container has, names unique among all containers, restartPolicy Always
// (a sidecar) or unset, lifecycle and probes only for sidecars, and no
// resize policy.
func initContainers(ctrs, regular []corev1.Container, pc *podContext, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for _, c := range regular {
		seen[c.Name] = true
	}
	for i := range ctrs {
		ctr := &ctrs[i]
		p := path.Index(i)
		errs = append(errs, containerCommon(ctr, pc, p)...)
		sidecar := false
		if ctr.RestartPolicy != nil {
			if *ctr.RestartPolicy != corev1.ContainerRestartPolicyAlways {
				errs = append(errs, field.NotSupported(p.Child("restartPolicy"), *ctr.RestartPolicy,
					[]corev1.ContainerRestartPolicy{corev1.ContainerRestartPolicyAlways}))
			}
			sidecar = *ctr.RestartPolicy == corev1.ContainerRestartPolicyAlways
		}
		if seen[ctr.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), ctr.Name))
		} else if ctr.Name != "" {
			seen[ctr.Name] = true
		}
		// Init containers run one at a time, so only each one's own ports
		// may conflict; Kubernetes reports them at index 0.
		errs = append(errs, hostPortConflicts([]corev1.Container{*ctr}, path)...)
		if sidecar {
			if ctr.Lifecycle != nil {
				errs = append(errs, lifecycle(ctr.Lifecycle, pc.gracePeriod, p.Child("lifecycle"))...)
			}
			errs = append(errs, livenessProbe(ctr.LivenessProbe, pc.gracePeriod, p.Child("livenessProbe"))...)
			errs = append(errs, readinessProbe(ctr.ReadinessProbe, pc.gracePeriod, p.Child("readinessProbe"))...)
			errs = append(errs, startupProbe(ctr.StartupProbe, pc.gracePeriod, p.Child("startupProbe"))...)
		} else {
			const msg = "may not be set for init containers without restartPolicy=Always"
			if ctr.Lifecycle != nil {
				errs = append(errs, field.Forbidden(p.Child("lifecycle"), msg))
			}
			if ctr.LivenessProbe != nil {
				errs = append(errs, field.Forbidden(p.Child("livenessProbe"), msg))
			}
			if ctr.ReadinessProbe != nil {
				errs = append(errs, field.Forbidden(p.Child("readinessProbe"), msg))
			}
			if ctr.StartupProbe != nil {
				errs = append(errs, field.Forbidden(p.Child("startupProbe"), msg))
			}
		}
		if len(ctr.ResizePolicy) > 0 {
			errs = append(errs, field.Invalid(p.Child("resizePolicy"), ctr.ResizePolicy, "must not be set for init containers"))
		}
	}
	return errs
}

// containerCommon checks what every container has: name, image,
// termination message policy, ports, environment, mounts, devices, pull
// policy, resources, resize policy and security context.
func containerCommon(ctr *corev1.Container, pc *podContext, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if ctr.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), ""))
	} else {
		errs = append(errs, dns1123Label(ctr.Name, path.Child("name"))...)
	}
	if ctr.Image == "" {
		errs = append(errs, field.Required(path.Child("image"), ""))
	}
	errs = append(errs, validateEnum(ctr.TerminationMessagePolicy, supportedTerminationMessage, path.Child("terminationMessagePolicy"))...)
	mounts := map[string]string{}
	for _, m := range ctr.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	devices := map[string]string{}
	for _, d := range ctr.VolumeDevices {
		devices[d.Name] = d.DevicePath
	}
	errs = append(errs, containerPorts(ctr.Ports, path.Child("ports"))...)
	errs = append(errs, env(ctr.Env, path.Child("env"))...)
	errs = append(errs, envFrom(ctr.EnvFrom, path.Child("envFrom"))...)
	errs = append(errs, volumeMounts(ctr.VolumeMounts, devices, pc.volumes, ctr, path.Child("volumeMounts"))...)
	errs = append(errs, volumeDevices(ctr.VolumeDevices, mounts, pc.volumes, path.Child("volumeDevices"))...)
	errs = append(errs, validateEnum(ctr.ImagePullPolicy, supportedPullPolicies, path.Child("imagePullPolicy"))...)
	errs = append(errs, ResourceRequirements(&ctr.Resources, path.Child("resources"))...)
	errs = append(errs, resizePolicy(ctr.ResizePolicy, pc.restartPolicy, path.Child("resizePolicy"))...)
	errs = append(errs, securityContext(ctr.SecurityContext, pc.hostUsers, path.Child("securityContext"))...)
	return errs
}

// containerPorts checks ports: IANA names unique in the container, a
// container port of 1-65535, a host port of 0-65535 and a protocol.
func containerPorts(ports []corev1.ContainerPort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, port := range ports {
		p := path.Index(i)
		if port.Name != "" {
			if msgs := names.IsValidPortName(port.Name); len(msgs) != 0 {
				errs = append(errs, nameErrors(msgs, port.Name, p.Child("name"))...)
			} else if seen[port.Name] {
				errs = append(errs, field.Duplicate(p.Child("name"), port.Name))
			} else {
				seen[port.Name] = true
			}
		}
		if port.ContainerPort == 0 {
			errs = append(errs, field.Required(p.Child("containerPort"), ""))
		} else {
			errs = append(errs, nameErrors(names.IsValidPortNum(int(port.ContainerPort)), port.ContainerPort, p.Child("containerPort"))...)
		}
		if port.HostPort != 0 {
			errs = append(errs, nameErrors(names.IsValidPortNum(int(port.HostPort)), port.HostPort, p.Child("hostPort"))...)
		}
		errs = append(errs, validateEnum(port.Protocol, supportedPortProtocols, p.Child("protocol"))...)
	}
	return errs
}

// hostPortConflicts reports a host port (with protocol and host IP) used
// twice among ctrs.
func hostPortConflicts(ctrs []corev1.Container, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for ci, ctr := range ctrs {
		for pi, port := range ctr.Ports {
			if port.HostPort == 0 {
				continue
			}
			key := fmt.Sprintf("%s/%s/%d", port.Protocol, port.HostIP, port.HostPort)
			if seen[key] {
				errs = append(errs, field.Duplicate(path.Index(ci).Child("ports").Index(pi).Child("hostPort"), key))
			} else {
				seen[key] = true
			}
		}
	}
	return errs
}

// relaxedEnvVarName checks an environment variable name as current
// Kubernetes does: any printable ASCII characters other than "=".
func relaxedEnvVarName(name string) []string {
	var msgs []string
	if name == "" {
		msgs = append(msgs, "environment variable name "+names.EmptyError())
	}
	for _, r := range name {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || r == '=' {
			msgs = append(msgs, "a valid environment variable name must consist only of printable ASCII characters other than '='")
			break
		}
	}
	return msgs
}

// env checks environment variables: names, and one source at most for a
// variable without a literal value.
func env(vars []corev1.EnvVar, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range vars {
		p := path.Index(i)
		if ev.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		} else {
			errs = append(errs, nameErrors(relaxedEnvVarName(ev.Name), ev.Name, p.Child("name"))...)
		}
		errs = append(errs, envVarValueFrom(ev, p.Child("valueFrom"))...)
	}
	return errs
}

func envVarValueFrom(ev corev1.EnvVar, path *field.Path) field.ErrorList {
	if ev.ValueFrom == nil {
		return nil
	}
	var errs field.ErrorList
	n := 0
	if ev.ValueFrom.FieldRef != nil {
		n++
		errs = append(errs, objectFieldSelector(ev.ValueFrom.FieldRef, envFieldPaths, path.Child("fieldRef"))...)
	}
	if ev.ValueFrom.ResourceFieldRef != nil {
		n++
		errs = append(errs, resourceFieldSelector(ev.ValueFrom.ResourceFieldRef, false, path.Child("resourceFieldRef"))...)
	}
	if ev.ValueFrom.ConfigMapKeyRef != nil {
		n++
		s := ev.ValueFrom.ConfigMapKeyRef
		errs = append(errs, keySelector(s.Name, s.Key, path.Child("configMapKeyRef"))...)
	}
	if ev.ValueFrom.SecretKeyRef != nil {
		n++
		s := ev.ValueFrom.SecretKeyRef
		errs = append(errs, keySelector(s.Name, s.Key, path.Child("secretKeyRef"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, field.Invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case ev.Value != "":
		errs = append(errs, field.Invalid(path, "", "may not be specified when `value` is not empty"))
	case n > 1:
		errs = append(errs, field.Invalid(path, "", "may not have more than one field specified at a time"))
	}
	return errs
}

// keySelector checks a ConfigMap or Secret key reference.
func keySelector(name, key string, path *field.Path) field.ErrorList {
	errs := nameErrors(NameIsDNSSubdomain(name, false), name, path.Child("name"))
	if key == "" {
		errs = append(errs, field.Required(path.Child("key"), ""))
	} else {
		errs = append(errs, nameErrors(isConfigMapKey(key), key, path.Child("key"))...)
	}
	return errs
}

// objectFieldSelector checks a downward API field reference against the
// field paths allowed where it is used.
func objectFieldSelector(fs *corev1.ObjectFieldSelector, allowed []string, path *field.Path) field.ErrorList {
	if fs.APIVersion == "" {
		return field.ErrorList{field.Required(path.Child("apiVersion"), "")}
	}
	if fs.FieldPath == "" {
		return field.ErrorList{field.Required(path.Child("fieldPath"), "")}
	}
	internal, err := convertDownwardAPIFieldLabel(fs.APIVersion, fs.FieldPath)
	if err != nil {
		return field.ErrorList{field.Invalid(path.Child("fieldPath"), fs.FieldPath, fmt.Sprintf("error converting fieldPath: %v", err))}
	}
	if p, subscript, ok := splitSubscriptedPath(internal); ok {
		switch p {
		case "metadata.annotations":
			return qualifiedName(strings.ToLower(subscript), path)
		case "metadata.labels":
			return qualifiedName(subscript, path)
		}
		return field.ErrorList{field.Invalid(path, p, "does not support subscript")}
	}
	if !oneOf(internal, allowed...) {
		return field.ErrorList{field.NotSupported(path.Child("fieldPath"), internal, allowed)}
	}
	return nil
}

// convertDownwardAPIFieldLabel maps a v1 downward API field path to the
// pod field it reads.
func convertDownwardAPIFieldLabel(version, label string) (string, error) {
	if version != "v1" {
		return "", fmt.Errorf("unsupported pod version: %s", version)
	}
	if p, _, ok := splitSubscriptedPath(label); ok {
		switch p {
		case "metadata.annotations", "metadata.labels":
			return label, nil
		}
		return "", fmt.Errorf("field label does not support subscript: %s", label)
	}
	switch label {
	case "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
		"spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName",
		"status.phase", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs":
		return label, nil
	case "spec.host":
		return "spec.nodeName", nil
	}
	return "", fmt.Errorf("field label not supported: %s", label)
}

// splitSubscriptedPath splits "metadata.labels['key']".
func splitSubscriptedPath(fieldPath string) (p, subscript string, ok bool) {
	if !strings.HasSuffix(fieldPath, "']") {
		return fieldPath, "", false
	}
	parts := strings.SplitN(strings.TrimSuffix(fieldPath, "']"), "['", 2)
	if len(parts) < 2 || parts[0] == "" {
		return fieldPath, "", false
	}
	return parts[0], parts[1], true
}

// resourceFieldSelector checks a container resource reference; in a volume
// the container must be named.
func resourceFieldSelector(fs *corev1.ResourceFieldSelector, volume bool, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case volume && fs.ContainerName == "":
		errs = append(errs, field.Required(path.Child("containerName"), ""))
	case fs.Resource == "":
		errs = append(errs, field.Required(path.Child("resource"), ""))
	case !oneOf(fs.Resource, containerResourcePath...) &&
		!strings.HasPrefix(fs.Resource, "limits.hugepages-") && !strings.HasPrefix(fs.Resource, "requests.hugepages-"):
		errs = append(errs, field.NotSupported(path.Child("resource"), fs.Resource, containerResourcePath))
	}
	if fs.Divisor.IsZero() {
		return errs
	}
	d := fs.Divisor.String()
	bytesDivisors := []string{"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
	const bytesList = "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei"
	switch fs.Resource {
	case "limits.cpu", "requests.cpu":
		if d != "1m" && d != "1" {
			errs = append(errs, field.Invalid(path.Child("divisor"), fs.Resource, "only divisor's values 1m and 1 are supported with the cpu resource"))
		}
	case "limits.memory", "requests.memory":
		if !oneOf(d, bytesDivisors...) {
			errs = append(errs, field.Invalid(path.Child("divisor"), fs.Resource, "only divisor's values "+bytesList+" are supported with the memory resource"))
		}
	case "limits.ephemeral-storage", "requests.ephemeral-storage":
		if !oneOf(d, bytesDivisors...) {
			errs = append(errs, field.Invalid(path.Child("divisor"), fs.Resource, "only divisor's values "+bytesList+" are supported with the local ephemeral storage resource"))
		}
	}
	if strings.HasPrefix(fs.Resource, "requests.hugepages-") || strings.HasPrefix(fs.Resource, "limits.hugepages-") {
		if !oneOf(d, bytesDivisors...) {
			errs = append(errs, field.Invalid(path.Child("divisor"), fs.Resource, "only divisor's values "+bytesList+" are supported with the hugepages resource"))
		}
	}
	return errs
}

// envFrom checks whole-map environment imports: a valid prefix and exactly
// one of configMapRef and secretRef.
func envFrom(sources []corev1.EnvFromSource, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range sources {
		p := path.Index(i)
		if ev.Prefix != "" {
			errs = append(errs, nameErrors(relaxedEnvVarName(ev.Prefix), ev.Prefix, p.Child("prefix"))...)
		}
		n := 0
		if ev.ConfigMapRef != nil {
			n++
			errs = append(errs, envSourceName(ev.ConfigMapRef.Name, p.Child("configMapRef"))...)
		}
		if ev.SecretRef != nil {
			n++
			errs = append(errs, envSourceName(ev.SecretRef.Name, p.Child("secretRef"))...)
		}
		switch {
		case n == 0:
			errs = append(errs, field.Invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			errs = append(errs, field.Invalid(path, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

func envSourceName(name string, path *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path.Child("name"), "")}
	}
	return nameErrors(NameIsDNSSubdomain(name, true), name, path.Child("name"))
}

// volumeMounts checks a container's mounts: each names a volume of the pod,
// has a unique mount path, does not overlap a device, and has valid sub
// paths and propagation.
func volumeMounts(mounts []corev1.VolumeMount, devices map[string]string, volumes map[string]*corev1.VolumeSource, ctr *corev1.Container, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	mountPoints := map[string]bool{}
	for i, m := range mounts {
		p := path.Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		if _, ok := volumes[m.Name]; !ok {
			errs = append(errs, field.NotFound(p.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(p.Child("mountPath"), ""))
		}
		if mountPoints[m.MountPath] {
			errs = append(errs, field.Invalid(p.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mountPoints[m.MountPath] = true
		if _, ok := devices[m.Name]; ok {
			errs = append(errs, field.Invalid(p.Child("name"), m.Name, "must not already exist in volumeDevices"))
		}
		for _, d := range sortedValues(devices) {
			if d == m.MountPath {
				errs = append(errs, field.Invalid(p.Child("mountPath"), m.MountPath, "must not already exist as a path in volumeDevices"))
				break
			}
		}
		// Kubernetes reports sub path and propagation problems under the
		// list's path, not the item's.
		if m.SubPath != "" {
			errs = append(errs, localDescendingPath(m.SubPath, path.Child("subPath"))...)
		}
		if m.SubPathExpr != "" {
			if m.SubPath != "" {
				errs = append(errs, field.Invalid(p.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
			}
			errs = append(errs, localDescendingPath(m.SubPathExpr, path.Child("subPathExpr"))...)
		}
		if m.MountPropagation != nil {
			errs = append(errs, mountPropagation(*m.MountPropagation, ctr, path.Child("mountPropagation"))...)
		}
	}
	return errs
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

func mountPropagation(mode corev1.MountPropagationMode, ctr *corev1.Container, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !oneOf(mode, supportedMountPropagations...) {
		errs = append(errs, field.NotSupported(path, mode, supportedMountPropagations))
	}
	privileged := ctr.SecurityContext != nil && ctr.SecurityContext.Privileged != nil && *ctr.SecurityContext.Privileged
	if mode == corev1.MountPropagationBidirectional && !privileged {
		errs = append(errs, field.Forbidden(path, "Bidirectional mount propagation is available only to privileged containers"))
	}
	return errs
}

// volumeDevices checks a container's block devices: each names a claim
// volume of the pod, with a unique name and device path that overlap no
// mount.
func volumeDevices(devices []corev1.VolumeDevice, mounts map[string]string, volumes map[string]*corev1.VolumeSource, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths, devNames := map[string]bool{}, map[string]bool{}
	for i, d := range devices {
		p := path.Index(i)
		src, matched := volumes[d.Name]
		isPVC := matched && (src.PersistentVolumeClaim != nil || src.Ephemeral != nil)
		if d.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		if devNames[d.Name] {
			errs = append(errs, field.Invalid(p.Child("name"), d.Name, "must be unique"))
		}
		if matched && !isPVC {
			errs = append(errs, field.Invalid(p.Child("name"), d.Name, "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"))
		}
		if !matched {
			errs = append(errs, field.NotFound(p.Child("name"), d.Name))
		}
		if d.DevicePath == "" {
			errs = append(errs, field.Required(p.Child("devicePath"), ""))
		}
		if paths[d.DevicePath] {
			errs = append(errs, field.Invalid(p.Child("devicePath"), d.DevicePath, "must be unique"))
		}
		if d.DevicePath != "" && len(pathNoBacksteps(d.DevicePath, p)) > 0 {
			errs = append(errs, field.Invalid(p.Child("devicePath"), d.DevicePath, "can not contain backsteps ('..')"))
		} else {
			paths[d.DevicePath] = true
		}
		if _, ok := mounts[d.Name]; ok {
			errs = append(errs, field.Invalid(p.Child("name"), d.Name, "must not already exist in volumeMounts"))
		}
		for _, m := range sortedValues(mounts) {
			if m == d.DevicePath {
				errs = append(errs, field.Invalid(p.Child("devicePath"), d.DevicePath, "must not already exist as a path in volumeMounts"))
				break
			}
		}
		if d.Name != "" {
			devNames[d.Name] = true
		}
	}
	return errs
}

// resizePolicy checks a container's in-place resize policies.
func resizePolicy(policies []corev1.ContainerResizePolicy, podRestart corev1.RestartPolicy, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[corev1.ResourceName]bool{}
	for i, p := range policies {
		if seen[p.ResourceName] {
			errs = append(errs, field.Duplicate(path.Index(i), p.ResourceName))
		}
		seen[p.ResourceName] = true
		errs = append(errs, validateEnum(p.ResourceName, supportedResizeResources, path)...)
		errs = append(errs, validateEnum(p.RestartPolicy, supportedResizePolicies, path)...)
		if podRestart == corev1.RestartPolicyNever && p.RestartPolicy != corev1.NotRequired {
			errs = append(errs, field.Invalid(path, p.RestartPolicy, "must be 'NotRequired' when `restartPolicy` is 'Never'"))
		}
	}
	return errs
}

// The probe checks. A probe has exactly one handler and non-negative
// timings; liveness and startup probes need successThreshold 1, and a
// readiness probe has no terminationGracePeriodSeconds.

func livenessProbe(probe *corev1.Probe, grace *int64, path *field.Path) field.ErrorList {
	if probe == nil {
		return nil
	}
	errs := validateProbe(probe, grace, path)
	if probe.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(path.Child("successThreshold"), probe.SuccessThreshold, "must be 1"))
	}
	return errs
}

func readinessProbe(probe *corev1.Probe, grace *int64, path *field.Path) field.ErrorList {
	if probe == nil {
		return nil
	}
	errs := validateProbe(probe, grace, path)
	if probe.TerminationGracePeriodSeconds != nil {
		errs = append(errs, field.Invalid(path.Child("terminationGracePeriodSeconds"), probe.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
	}
	return errs
}

func startupProbe(probe *corev1.Probe, grace *int64, path *field.Path) field.ErrorList {
	if probe == nil {
		return nil
	}
	errs := validateProbe(probe, grace, path)
	if probe.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(path.Child("successThreshold"), probe.SuccessThreshold, "must be 1"))
	}
	return errs
}

func validateProbe(probe *corev1.Probe, grace *int64, path *field.Path) field.ErrorList {
	h := probe.ProbeHandler
	errs := handler(handlerSet{exec: h.Exec, httpGet: h.HTTPGet, tcpSocket: h.TCPSocket, grpc: h.GRPC}, grace, path)
	errs = append(errs, nonNegative(int64(probe.InitialDelaySeconds), path.Child("initialDelaySeconds"))...)
	errs = append(errs, nonNegative(int64(probe.TimeoutSeconds), path.Child("timeoutSeconds"))...)
	errs = append(errs, nonNegative(int64(probe.PeriodSeconds), path.Child("periodSeconds"))...)
	errs = append(errs, nonNegative(int64(probe.SuccessThreshold), path.Child("successThreshold"))...)
	errs = append(errs, nonNegative(int64(probe.FailureThreshold), path.Child("failureThreshold"))...)
	if probe.TerminationGracePeriodSeconds != nil && *probe.TerminationGracePeriodSeconds <= 0 {
		errs = append(errs, field.Invalid(path.Child("terminationGracePeriodSeconds"), *probe.TerminationGracePeriodSeconds, "must be greater than 0"))
	}
	return errs
}

// handlerSet is the union of probe and lifecycle handlers.
type handlerSet struct {
	exec      *corev1.ExecAction
	httpGet   *corev1.HTTPGetAction
	tcpSocket *corev1.TCPSocketAction
	grpc      *corev1.GRPCAction
	sleep     *corev1.SleepAction
}

// handler checks that exactly one handler is set, and that one.
func handler(h handlerSet, grace *int64, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	check := func(set bool, name string, validate func(*field.Path) field.ErrorList) {
		if !set {
			return
		}
		if n > 0 {
			errs = append(errs, field.Forbidden(path.Child(name), "may not specify more than 1 handler type"))
			return
		}
		n++
		errs = append(errs, validate(path.Child(name))...)
	}
	check(h.exec != nil, "exec", func(p *field.Path) field.ErrorList {
		if len(h.exec.Command) == 0 {
			return field.ErrorList{field.Required(p.Child("command"), "")}
		}
		return nil
	})
	check(h.httpGet != nil, "httpGet", func(p *field.Path) field.ErrorList { return httpGetAction(h.httpGet, p) })
	check(h.tcpSocket != nil, "tcpSocket", func(p *field.Path) field.ErrorList {
		return portNumOrName(h.tcpSocket.Port, p.Child("port"))
	})
	check(h.grpc != nil, "grpc", func(p *field.Path) field.ErrorList {
		return portNumOrName(intstr.FromInt32(h.grpc.Port), p.Child("port"))
	})
	check(h.sleep != nil, "sleep", func(p *field.Path) field.ErrorList { return sleepAction(h.sleep, grace, p) })
	if n == 0 {
		errs = append(errs, field.Required(path, "must specify a handler type"))
	}
	return errs
}

func httpGetAction(h *corev1.HTTPGetAction, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(path.Child("path"), ""))
	}
	errs = append(errs, portNumOrName(h.Port, path.Child("port"))...)
	if !oneOf(h.Scheme, supportedHTTPSchemes...) {
		errs = append(errs, field.NotSupported(path.Child("scheme"), h.Scheme, supportedHTTPSchemes))
	}
	for _, hdr := range h.HTTPHeaders {
		if !httpHeaderNameRegexp.MatchString(hdr.Name) {
			errs = append(errs, field.Invalid(path.Child("httpHeaders"), hdr.Name,
				names.RegexError("a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+", "X-Header-Name")))
		}
	}
	return errs
}

// sleepAction requires a pause between 1 second and the grace period
// (DefaultTerminationGracePeriodSeconds when the pod sets none).
func sleepAction(s *corev1.SleepAction, grace *int64, path *field.Path) field.ErrorList {
	g := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if grace != nil {
		g = *grace
	}
	if s.Seconds <= 0 || s.Seconds > g {
		return field.ErrorList{field.Invalid(path, s.Seconds, fmt.Sprintf("must be greater than 0 and less than terminationGracePeriodSeconds (%d)", g))}
	}
	return nil
}

func lifecycle(l *corev1.Lifecycle, grace *int64, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, h := range []struct {
		name string
		h    *corev1.LifecycleHandler
	}{{"postStart", l.PostStart}, {"preStop", l.PreStop}} {
		if h.h != nil {
			errs = append(errs, handler(handlerSet{exec: h.h.Exec, httpGet: h.h.HTTPGet, tcpSocket: h.h.TCPSocket, sleep: h.h.Sleep}, grace, path.Child(h.name))...)
		}
	}
	return errs
}

// securityContext checks a container's security settings.
func securityContext(sc *corev1.SecurityContext, hostUsers bool, path *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	if sc.RunAsUser != nil {
		errs = append(errs, idRange(*sc.RunAsUser, path.Child("runAsUser"))...)
	}
	if sc.RunAsGroup != nil {
		errs = append(errs, idRange(*sc.RunAsGroup, path.Child("runAsGroup"))...)
	}
	if sc.ProcMount != nil {
		if !oneOf(*sc.ProcMount, supportedProcMountTypes...) {
			errs = append(errs, field.NotSupported(path.Child("procMount"), *sc.ProcMount, supportedProcMountTypes))
		}
		if hostUsers && *sc.ProcMount == corev1.UnmaskedProcMount {
			errs = append(errs, field.Invalid(path.Child("procMount"), sc.ProcMount, "`hostUsers` must be false to use `Unmasked`"))
		}
	}
	errs = append(errs, seccompProfile(sc.SeccompProfile, path.Child("seccompProfile"))...)
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		if sc.Privileged != nil && *sc.Privileged {
			errs = append(errs, field.Invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
		}
		if sc.Capabilities != nil {
			for _, c := range sc.Capabilities.Add {
				if c == "CAP_SYS_ADMIN" {
					errs = append(errs, field.Invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
				}
			}
		}
	}
	return append(errs, appArmorProfile(sc.AppArmorProfile, path.Child("appArmorProfile"))...)
}

// idRange checks a UID or GID: 0 to 2^31-1.
func idRange(id int64, path *field.Path) field.ErrorList {
	if id < 0 || id > math.MaxInt32 {
		return field.ErrorList{field.Invalid(path, id, names.InclusiveRangeError(0, math.MaxInt32))}
	}
	return nil
}

func seccompProfile(sp *corev1.SeccompProfile, path *field.Path) field.ErrorList {
	if sp == nil {
		return nil
	}
	var errs field.ErrorList
	switch sp.Type {
	case corev1.SeccompProfileTypeLocalhost, corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined:
	case "":
		errs = append(errs, field.Required(path.Child("type"), "type is required when seccompProfile is set"))
	default:
		errs = append(errs, field.NotSupported(path.Child("type"), sp.Type, supportedSeccompTypes))
	}
	if sp.Type == corev1.SeccompProfileTypeLocalhost {
		if sp.LocalhostProfile == nil {
			errs = append(errs, field.Required(path.Child("localhostProfile"), "must be set when seccomp type is Localhost"))
		} else {
			errs = append(errs, localDescendingPath(*sp.LocalhostProfile, path.Child("localhostProfile"))...)
		}
	} else if sp.LocalhostProfile != nil {
		errs = append(errs, field.Invalid(path.Child("localhostProfile"), sp, "can only be set when seccomp type is Localhost"))
	}
	return errs
}

func appArmorProfile(p *corev1.AppArmorProfile, path *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	var errs field.ErrorList
	switch p.Type {
	case corev1.AppArmorProfileTypeLocalhost:
		if p.LocalhostProfile == nil {
			errs = append(errs, field.Required(path.Child("localhostProfile"), "must be set when AppArmor type is Localhost"))
			break
		}
		trimmed := strings.TrimSpace(*p.LocalhostProfile)
		if trimmed != *p.LocalhostProfile {
			errs = append(errs, field.Invalid(path.Child("localhostProfile"), *p.LocalhostProfile, "must not be padded with whitespace"))
		} else if trimmed == "" {
			errs = append(errs, field.Required(path.Child("localhostProfile"), "must be set when AppArmor type is Localhost"))
		}
		const maxLen = 4095 // PATH_MAX - 1
		if len(*p.LocalhostProfile) > maxLen {
			errs = append(errs, field.TooLong(path.Child("localhostProfile"), "", maxLen))
		}
	case corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined:
		if p.LocalhostProfile != nil {
			errs = append(errs, field.Invalid(path.Child("localhostProfile"), p.LocalhostProfile, "can only be set when AppArmor type is Localhost"))
		}
	case "":
		errs = append(errs, field.Required(path.Child("type"), "type is required when appArmorProfile is set"))
	default:
		errs = append(errs, field.NotSupported(path.Child("type"), p.Type, supportedAppArmorTypes))
	}
	return errs
}

// containerImageWhitespace is the pod-only check (not for templates) that
// an image has no surrounding whitespace.
func containerImageWhitespace(ctrs []corev1.Container, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range ctrs {
		if len(c.Image) != len(strings.TrimSpace(c.Image)) {
			errs = append(errs, field.Invalid(path.Index(i).Child("image"), c.Image, "must not have leading or trailing whitespace"))
		}
	}
	return errs
}

// validFirstDigit reports whether an integer string has no "+" sign and no
// leading zero, as the pod deletion cost annotation requires.
func validFirstDigit(s string) bool {
	if s == "" {
		return false
	}
	return s[0] == '-' || (s[0] == '0' && s == "0") || (s[0] >= '1' && s[0] <= '9')
}

// isInt32 reports whether s is a canonical 32-bit decimal integer.
func isInt32(s string) bool {
	if !validFirstDigit(s) {
		return false
	}
	_, err := strconv.ParseInt(s, 10, 32)
	return err == nil
}
