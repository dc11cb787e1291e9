package validation

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/names"
)

// Annotations of a pod that validation reads.
const (
	mirrorPodAnnotationKey       = "kubernetes.io/config.mirror"
	podDeletionCostAnnotationKey = "controller.kubernetes.io/pod-deletion-cost"
)

var (
	supportedRestartPolicies = []corev1.RestartPolicy{corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}
	supportedDNSPolicies     = []corev1.DNSPolicy{corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSNone}
	supportedPreemption      = []corev1.PreemptionPolicy{corev1.PreemptLowerPriority, corev1.PreemptNever}
	supportedFSGroupPolicies = []corev1.PodFSGroupChangePolicy{corev1.FSGroupChangeAlways, corev1.FSGroupChangeOnRootMismatch}
	supportedOS              = []corev1.OSName{corev1.Linux, corev1.Windows}

	// sysctlRegexp is the rule for sysctl names, as Kubernetes prints it;
	// sysctlNameOK checks it without the regexp engine.
	sysctlRegexp = regexp.MustCompile("^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$")
)

// Limits of a pod's DNS configuration, from the limits of libc's resolver.
const (
	maxDNSNameservers     = 3
	maxDNSSearchPaths     = 32
	maxDNSSearchListChars = 2048
	maxSysctlNameLength   = 253
)

// Pod checks a pod being created: its metadata (a namespaced DNS subdomain
// name), the annotations Kubernetes gives a meaning, and its spec, with the
// checks that apply to pods but not to pod templates (no image padded with
// whitespace, hostPort equal to containerPort on the host network, no
// service account token volume without a service account, no node name
// while scheduling gates remain). A nil pod is checked as an empty one.
func Pod(pod *corev1.Pod) field.ErrorList {
	if pod == nil {
		pod = &corev1.Pod{}
	}
	errs := podMetadataAndSpec(pod)
	if pod.Spec.NodeName != "" && len(pod.Spec.SchedulingGates) != 0 {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "nodeName"), "cannot be set until all schedulingGates have been cleared"))
	}
	return errs
}

func podMetadataAndSpec(pod *corev1.Pod) field.ErrorList {
	metaPath, specPath := field.NewPath("metadata"), field.NewPath("spec")
	errs := ObjectMeta(&pod.ObjectMeta, true, NameIsDNSSubdomain, metaPath)
	errs = append(errs, podAnnotations(pod.Annotations, &pod.Spec, metaPath.Child("annotations"))...)
	errs = append(errs, podSpec(&pod.Spec, &pod.ObjectMeta, true, nil, specPath)...)
	if pod.Spec.ServiceAccountName == "" {
		for vi, v := range pod.Spec.Volumes {
			if v.Projected == nil {
				continue
			}
			for si, src := range v.Projected.Sources {
				if src.ServiceAccountToken != nil {
					errs = append(errs, field.Forbidden(specPath.Child("volumes").Index(vi).Child("projected").Child("sources").Index(si).Child("serviceAccountToken"),
						"must not be specified when serviceAccountName is not set"))
				}
			}
		}
	}
	errs = append(errs, containerImageWhitespace(pod.Spec.Containers, specPath.Child("containers"))...)
	errs = append(errs, containerImageWhitespace(pod.Spec.InitContainers, specPath.Child("initContainers"))...)
	return errs
}

// podAnnotations checks the annotations of a pod or pod template that
// Kubernetes gives a meaning.
func podAnnotations(annotations map[string]string, spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if v, ok := annotations[mirrorPodAnnotationKey]; ok && spec.NodeName == "" {
		errs = append(errs, field.Invalid(path.Key(mirrorPodAnnotationKey), v, "must set spec.nodeName if mirror pod annotation is set"))
	}
	if v, ok := annotations[podDeletionCostAnnotationKey]; ok && !isInt32(v) {
		errs = append(errs, field.Invalid(path.Key(podDeletionCostAnnotationKey), v, "must be a 32bit integer"))
	}
	return errs
}

// PodSpec checks a pod spec wherever it appears (a pod, or the template of
// a workload, with path "spec.template.spec"): volumes, containers and
// init containers, restart and DNS policy, node selector, security
// context, affinity, DNS config, readiness and scheduling gates, topology
// spread constraints, service account, node name, active deadline, host
// name and subdomain, tolerations, host aliases, priority class, runtime
// class, preemption policy, overhead and OS.
func PodSpec(spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	if spec == nil {
		spec = &corev1.PodSpec{}
	}
	return podSpec(spec, nil, false, nil, path)
}

// podSpec is PodSpec with the pod's metadata (nil for a template), whether
// the spec is a pod's, which tightens the host network rule, and the
// volumes that a workload adds to its pods (a StatefulSet's claims), which
// the containers may mount.
func podSpec(spec *corev1.PodSpec, podMeta *metav1.ObjectMeta, isPod bool, extraVolumes []string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.TerminationGracePeriodSeconds == nil {
		errs = append(errs, field.Required(path.Child("terminationGracePeriodSeconds"), ""))
	}
	hostUsers := spec.HostUsers == nil || *spec.HostUsers
	vols, verrs := volumes(spec.Volumes, podMeta, path.Child("volumes"))
	errs = append(errs, verrs...)
	for _, name := range extraVolumes {
		if _, ok := vols[name]; !ok {
			vols[name] = &corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name}}
		}
	}
	pc := &podContext{volumes: vols, gracePeriod: spec.TerminationGracePeriodSeconds, restartPolicy: spec.RestartPolicy, hostUsers: hostUsers}
	errs = append(errs, containers(spec.Containers, pc, path.Child("containers"))...)
	errs = append(errs, initContainers(spec.InitContainers, spec.Containers, pc, path.Child("initContainers"))...)
	errs = append(errs, hostNetworkPorts(spec, isPod, path)...)
	errs = append(errs, validateEnum(spec.RestartPolicy, supportedRestartPolicies, path.Child("restartPolicy"))...)
	errs = append(errs, validateEnum(spec.DNSPolicy, supportedDNSPolicies, path.Child("dnsPolicy"))...)
	errs = append(errs, Labels(spec.NodeSelector, path.Child("nodeSelector"))...)
	errs = append(errs, podSecurityContext(spec, path.Child("securityContext"))...)
	errs = append(errs, affinity(spec.Affinity, path.Child("affinity"))...)
	errs = append(errs, dnsConfig(spec.DNSConfig, spec.DNSPolicy, path.Child("dnsConfig"))...)
	for i, g := range spec.ReadinessGates {
		errs = append(errs, qualifiedName(string(g.ConditionType), path.Child("readinessGates").Index(i).Child("conditionType"))...)
	}
	seenGates := map[string]bool{}
	for i, g := range spec.SchedulingGates {
		gp := path.Child("schedulingGates").Index(i)
		errs = append(errs, qualifiedName(g.Name, gp)...)
		if seenGates[g.Name] {
			errs = append(errs, field.Duplicate(gp, g.Name))
		}
		seenGates[g.Name] = true
	}
	errs = append(errs, topologySpreadConstraints(spec.TopologySpreadConstraints, path.Child("topologySpreadConstraints"))...)
	if !hostUsers {
		const msg = "when `pod.Spec.HostUsers` is false"
		// Kubernetes capitalizes the last two paths.
		if spec.HostNetwork {
			errs = append(errs, field.Forbidden(path.Child("hostNetwork"), msg))
		}
		if spec.HostPID {
			errs = append(errs, field.Forbidden(path.Child("HostPID"), msg))
		}
		if spec.HostIPC {
			errs = append(errs, field.Forbidden(path.Child("HostIPC"), msg))
		}
	}
	if spec.ServiceAccountName != "" {
		errs = append(errs, nameErrors(NameIsDNSSubdomain(spec.ServiceAccountName, false), spec.ServiceAccountName, path.Child("serviceAccountName"))...)
	}
	if spec.NodeName != "" {
		errs = append(errs, nameErrors(NameIsDNSSubdomain(spec.NodeName, false), spec.NodeName, path.Child("nodeName"))...)
	}
	if spec.ActiveDeadlineSeconds != nil {
		if v := *spec.ActiveDeadlineSeconds; v < 1 || v > math.MaxInt32 {
			errs = append(errs, field.Invalid(path.Child("activeDeadlineSeconds"), v, names.InclusiveRangeError(1, math.MaxInt32)))
		}
	}
	if spec.Hostname != "" {
		errs = append(errs, dns1123Label(spec.Hostname, path.Child("hostname"))...)
	}
	if spec.Subdomain != "" {
		errs = append(errs, dns1123Label(spec.Subdomain, path.Child("subdomain"))...)
	}
	errs = append(errs, Tolerations(spec.Tolerations, path.Child("tolerations"))...)
	for i, ha := range spec.HostAliases {
		errs = append(errs, validIP(ha.IP, path.Child("hostAliases").Index(i).Child("ip"))...)
		for j, h := range ha.Hostnames {
			errs = append(errs, dns1123Subdomain(h, path.Child("hostAliases").Index(i).Child("hostnames").Index(j))...)
		}
	}
	if spec.PriorityClassName != "" {
		errs = append(errs, nameErrors(NameIsDNSSubdomain(spec.PriorityClassName, false), spec.PriorityClassName, path.Child("priorityClassName"))...)
	}
	if spec.RuntimeClassName != nil {
		errs = append(errs, nameErrors(NameIsDNSSubdomain(*spec.RuntimeClassName, false), *spec.RuntimeClassName, path.Child("runtimeClassName"))...)
	}
	if spec.PreemptionPolicy != nil {
		errs = append(errs, validateEnum(*spec.PreemptionPolicy, supportedPreemption, path.Child("preemptionPolicy"))...)
	}
	if spec.Overhead != nil {
		errs = append(errs, ResourceRequirements(&corev1.ResourceRequirements{Limits: spec.Overhead}, path.Child("overhead"))...)
	}
	if spec.OS != nil {
		if spec.OS.Name == "" {
			errs = append(errs, field.Required(path.Child("os").Child("name"), "cannot be empty"))
		} else if !oneOf(spec.OS.Name, supportedOS...) {
			errs = append(errs, field.NotSupported(path.Child("os"), spec.OS.Name, supportedOS))
		} else if spec.OS.Name == corev1.Windows {
			errs = append(errs, windowsPod(spec, path)...)
		}
	}
	return errs
}

// hostNetworkPorts requires a host network pod's containers to use their
// container port as host port. In a template a host port of 0 is allowed,
// because it is defaulted when the pod is created.
func hostNetworkPorts(spec *corev1.PodSpec, isPod bool, path *field.Path) field.ErrorList {
	if !spec.HostNetwork {
		return nil
	}
	var errs field.ErrorList
	for i, c := range spec.Containers {
		for j, port := range c.Ports {
			if hp, cp := port.HostPort, port.ContainerPort; (isPod || hp != 0) && hp != cp {
				errs = append(errs, field.Invalid(path.Child("containers").Index(i).Child("ports").Index(j).Child("hostPort"),
					port.HostPort, "must match `containerPort` when `hostNetwork` is true"))
			}
		}
	}
	return errs
}

// podSecurityContext checks pod-wide security settings.
func podSecurityContext(spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	sc := spec.SecurityContext
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	if sc.FSGroup != nil {
		errs = append(errs, idRange(*sc.FSGroup, path.Child("fsGroup"))...)
	}
	if sc.RunAsUser != nil {
		errs = append(errs, idRange(*sc.RunAsUser, path.Child("runAsUser"))...)
	}
	if sc.RunAsGroup != nil {
		errs = append(errs, idRange(*sc.RunAsGroup, path.Child("runAsGroup"))...)
	}
	for g, gid := range sc.SupplementalGroups {
		errs = append(errs, idRange(gid, path.Child("supplementalGroups").Index(g))...)
	}
	if spec.ShareProcessNamespace != nil && spec.HostPID && *spec.ShareProcessNamespace {
		// Kubernetes keeps shareProcessNamespace in the security context
		// of its internal pod, and reports it there.
		errs = append(errs, field.Invalid(path.Child("shareProcessNamespace"), *spec.ShareProcessNamespace, "ShareProcessNamespace and HostPID cannot both be enabled"))
	}
	errs = append(errs, sysctls(sc.Sysctls, spec, path.Child("sysctls"))...)
	if sc.FSGroupChangePolicy != nil && !oneOf(*sc.FSGroupChangePolicy, supportedFSGroupPolicies...) {
		errs = append(errs, field.NotSupported(path.Child("fsGroupChangePolicy"), sc.FSGroupChangePolicy, supportedFSGroupPolicies))
	}
	errs = append(errs, seccompProfile(sc.SeccompProfile, path.Child("seccompProfile"))...)
	return append(errs, appArmorProfile(sc.AppArmorProfile, path.Child("appArmorProfile"))...)
}

// sysctls checks the pod's sysctls: valid, unique names, and no sysctl of
// a namespace the pod shares with the host.
func sysctls(list []corev1.Sysctl, spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, s := range list {
		p := path.Index(i).Child("name")
		switch {
		case s.Name == "":
			errs = append(errs, field.Required(p, ""))
		case len(s.Name) > maxSysctlNameLength || !sysctlNameOK(s.Name):
			errs = append(errs, field.Invalid(p, s.Name, fmt.Sprintf("must have at most %d characters and match regex %s", maxSysctlNameLength, sysctlRegexp)))
		case seen[s.Name]:
			errs = append(errs, field.Duplicate(p, s.Name))
		}
		switch ns := sysctlNamespace(s.Name); {
		case spec.HostNetwork && ns == "net":
			errs = append(errs, field.Invalid(p, s.Name, "may not be specified when 'hostNetwork' is true"))
		case spec.HostIPC && ns == "ipc":
			errs = append(errs, field.Invalid(p, s.Name, "may not be specified when 'hostIPC' is true"))
		}
		seen[s.Name] = true
	}
	return errs
}

// sysctlNameOK reports whether name matches sysctlRegexp: segments of
// lower case alphanumerics, '-' and '_' that start and end with an
// alphanumeric, separated by '.' or '/'.
func sysctlNameOK(name string) bool {
	start := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '.' && name[i] != '/' {
			continue
		}
		seg := name[start:i]
		if seg == "" || !isLowerAlnum(seg[0]) || !isLowerAlnum(seg[len(seg)-1]) {
			return false
		}
		for j := 1; j < len(seg)-1; j++ {
			if c := seg[j]; !isLowerAlnum(c) && c != '-' && c != '_' {
				return false
			}
		}
		start = i + 1
	}
	return true
}

// sysctlNamespace returns the kernel namespace a sysctl belongs to, "net"
// or "ipc", or "" when it belongs to none.
func sysctlNamespace(name string) string {
	name = strings.ReplaceAll(name, "/", ".")
	switch {
	case strings.HasPrefix(name, "net."):
		return "net"
	case name == "kernel.sem", strings.HasPrefix(name, "kernel.shm"), strings.HasPrefix(name, "kernel.msg"),
		strings.HasPrefix(name, "fs.mqueue."):
		return "ipc"
	}
	return ""
}

// dnsConfig checks a pod's DNS configuration; policy None needs one.
func dnsConfig(cfg *corev1.PodDNSConfig, policy corev1.DNSPolicy, path *field.Path) field.ErrorList {
	if policy == corev1.DNSNone {
		if cfg == nil {
			return field.ErrorList{field.Required(path, fmt.Sprintf("must provide `dnsConfig` when `dnsPolicy` is %s", corev1.DNSNone))}
		}
		if len(cfg.Nameservers) == 0 {
			return field.ErrorList{field.Required(path.Child("nameservers"), fmt.Sprintf("must provide at least one DNS nameserver when `dnsPolicy` is %s", corev1.DNSNone))}
		}
	}
	if cfg == nil {
		return nil
	}
	var errs field.ErrorList
	if len(cfg.Nameservers) > maxDNSNameservers {
		errs = append(errs, field.Invalid(path.Child("nameservers"), cfg.Nameservers, fmt.Sprintf("must not have more than %v nameservers", maxDNSNameservers)))
	}
	for i, ns := range cfg.Nameservers {
		errs = append(errs, validIP(ns, path.Child("nameservers").Index(i))...)
	}
	if len(cfg.Searches) > maxDNSSearchPaths {
		errs = append(errs, field.Invalid(path.Child("searches"), cfg.Searches, fmt.Sprintf("must not have more than %v search paths", maxDNSSearchPaths)))
	}
	if len(strings.Join(cfg.Searches, " ")) > maxDNSSearchListChars {
		errs = append(errs, field.Invalid(path.Child("searches"), cfg.Searches,
			fmt.Sprintf("must not have more than %v characters (including spaces) in the search list", maxDNSSearchListChars)))
	}
	for i, s := range cfg.Searches {
		errs = append(errs, dns1123Subdomain(strings.TrimSuffix(s, "."), path.Child("searches").Index(i))...)
	}
	for i, o := range cfg.Options {
		if o.Name == "" {
			errs = append(errs, field.Required(path.Child("options").Index(i), "must not be empty"))
		}
	}
	return errs
}

// windowsPod rejects the Linux-only settings of a Windows pod.
func windowsPod(spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	const msg = "cannot be set for a windows pod"
	var errs field.ErrorList
	scp := path.Child("securityContext")
	if sc := spec.SecurityContext; sc != nil {
		for _, f := range []struct {
			p     *field.Path
			isSet bool
		}{
			{scp.Child("appArmorProfile"), sc.AppArmorProfile != nil},
			{scp.Child("seLinuxOptions"), sc.SELinuxOptions != nil},
			{scp.Child("seccompProfile"), sc.SeccompProfile != nil},
			{scp.Child("fsGroup"), sc.FSGroup != nil},
			{scp.Child("fsGroupChangePolicy"), sc.FSGroupChangePolicy != nil},
			{scp.Child("sysctls"), len(sc.Sysctls) > 0},
			{scp.Child("runAsUser"), sc.RunAsUser != nil},
			{scp.Child("runAsGroup"), sc.RunAsGroup != nil},
			{scp.Child("supplementalGroups"), sc.SupplementalGroups != nil},
		} {
			if f.isSet {
				errs = append(errs, field.Forbidden(f.p, msg))
			}
		}
	}
	if spec.HostUsers != nil {
		errs = append(errs, field.Forbidden(path.Child("hostUsers"), msg))
	}
	if spec.HostPID {
		errs = append(errs, field.Forbidden(path.Child("hostPID"), msg))
	}
	if spec.HostIPC {
		errs = append(errs, field.Forbidden(path.Child("hostIPC"), msg))
	}
	if spec.ShareProcessNamespace != nil {
		errs = append(errs, field.Forbidden(path.Child("shareProcessNamespace"), msg))
	}
	visit := func(ctrs []corev1.Container, p *field.Path) {
		for i, c := range ctrs {
			sc := c.SecurityContext
			if sc == nil {
				continue
			}
			cp := p.Index(i).Child("securityContext")
			for _, f := range []struct {
				name  string
				isSet bool
			}{
				{"appArmorProfile", sc.AppArmorProfile != nil},
				{"seLinuxOptions", sc.SELinuxOptions != nil},
				{"seccompProfile", sc.SeccompProfile != nil},
				{"capabilities", sc.Capabilities != nil},
				{"readOnlyRootFilesystem", sc.ReadOnlyRootFilesystem != nil},
				{"privileged", sc.Privileged != nil},
				{"allowPrivilegeEscalation", sc.AllowPrivilegeEscalation != nil},
				{"procMount", sc.ProcMount != nil},
				{"runAsUser", sc.RunAsUser != nil},
				{"runAsGroup", sc.RunAsGroup != nil},
			} {
				if f.isSet {
					errs = append(errs, field.Forbidden(cp.Child(f.name), msg))
				}
			}
		}
	}
	visit(spec.InitContainers, path.Child("initContainers"))
	visit(spec.Containers, path.Child("containers"))
	return errs
}

// PodTemplateSpec checks the pod template of a workload: its labels and
// annotations, and its spec as PodSpec does. path is the template's path
// ("spec.template").
func PodTemplateSpec(t *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
	if t == nil {
		t = &corev1.PodTemplateSpec{}
	}
	return podTemplateSpec(t, nil, path)
}

func podTemplateSpec(t *corev1.PodTemplateSpec, extraVolumes []string, path *field.Path) field.ErrorList {
	errs := Labels(t.Labels, path.Child("labels"))
	errs = append(errs, Annotations(t.Annotations, path.Child("annotations"))...)
	errs = append(errs, podAnnotations(t.Annotations, &t.Spec, path.Child("annotations"))...)
	return append(errs, podSpec(&t.Spec, nil, false, extraVolumes, path.Child("spec"))...)
}
