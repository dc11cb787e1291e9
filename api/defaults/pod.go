package defaults

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// Pod fills in the defaults Kubernetes gives a pod: those of PodSpec, and
// three that only a Pod gets (not the pod template of a workload):
//
//   - each container and init container without a request for a resource
//     it has a limit for gets a request equal to the limit;
//   - spec.enableServiceLinks: true;
//   - with spec.hostNetwork, each container port without a hostPort gets
//     hostPort = containerPort.
//
// Like every function of this package it sets only fields that are unset,
// apart from the three normalizations listed in the package documentation,
// and applying it twice gives the same pod as applying it once. A nil p is
// left alone. It modifies p in place, so no other goroutine may use p
// meanwhile.
func Pod(p *corev1.Pod) {
	if p == nil {
		return
	}
	s := &p.Spec
	for i := range s.InitContainers {
		requestsFromLimits(&s.InitContainers[i].Resources)
	}
	for i := range s.Containers {
		requestsFromLimits(&s.Containers[i].Resources)
	}
	if s.EnableServiceLinks == nil {
		s.EnableServiceLinks = new(bool(corev1.DefaultEnableServiceLinks))
	}
	if s.HostNetwork {
		hostNetworkPorts(s.InitContainers)
		hostNetworkPorts(s.Containers)
	}
	PodSpec(s)
}

// hostNetworkPorts sets each port's hostPort to its containerPort where
// hostPort is unset: in the node's network namespace they are the same.
func hostNetworkPorts(cs []corev1.Container) {
	for i := range cs {
		for j := range cs[i].Ports {
			if port := &cs[i].Ports[j]; port.HostPort == 0 {
				port.HostPort = port.ContainerPort
			}
		}
	}
}

// PodSpec fills in the defaults Kubernetes gives every pod spec, in a Pod
// and in the pod template of a Deployment, ReplicaSet, DaemonSet or
// StatefulSet alike:
//
//   - restartPolicy: Always
//   - terminationGracePeriodSeconds: 30
//   - dnsPolicy: ClusterFirst
//   - schedulerName: "default-scheduler"
//   - securityContext: {}
//   - every container and init container:
//     imagePullPolicy Always when the image's tag is "latest" or the image
//     has neither tag nor digest, IfNotPresent otherwise (another tag, a
//     digest without a tag, or a string that is not an image reference);
//     terminationMessagePath "/dev/termination-log";
//     terminationMessagePolicy File;
//     ports[].protocol TCP;
//     env[].valueFrom.fieldRef.apiVersion "v1";
//     resources rounded up to whole thousandths (see the package
//     documentation);
//     liveness, readiness and startup probes: timeoutSeconds 1,
//     periodSeconds 10, successThreshold 1, failureThreshold 3, httpGet
//     path "/" and scheme HTTP, grpc service "";
//     lifecycle postStart and preStop httpGet path "/" and scheme HTTP;
//   - every volume: a volume with no source becomes emptyDir {};
//     hostPath.type ""; secret, configMap, downwardAPI and projected
//     defaultMode 0644 (420); downwardAPI items' fieldRef.apiVersion "v1"
//     (also inside projected volumes); projected serviceAccountToken
//     expirationSeconds 3600; an ephemeral volume's claim template gets
//     volumeMode Filesystem and rounded resources;
//   - overhead rounded up to whole thousandths.
//
// Kubernetes leaves serviceAccountName, priority and preemptionPolicy to
// admission, and enableServiceLinks and requests-from-limits to Pod; so
// does PodSpec. A nil s is left alone.
func PodSpec(s *corev1.PodSpec) {
	if s == nil {
		return
	}
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.SecurityContext == nil {
		s.SecurityContext = &corev1.PodSecurityContext{}
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = new(int64(corev1.DefaultTerminationGracePeriodSeconds))
	}
	if s.SchedulerName == "" {
		s.SchedulerName = corev1.DefaultSchedulerName
	}
	for i := range s.Volumes {
		volume(&s.Volumes[i])
	}
	for i := range s.InitContainers {
		container(&s.InitContainers[i])
	}
	for i := range s.Containers {
		container(&s.Containers[i])
	}
	resourceList(s.Overhead)
}

// container fills in the defaults of one container; see PodSpec.
func container(c *corev1.Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = pullPolicyFor(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	for i := range c.Env {
		if from := c.Env[i].ValueFrom; from != nil {
			objectFieldSelector(from.FieldRef)
		}
	}
	resourceList(c.Resources.Limits)
	resourceList(c.Resources.Requests)
	probe(c.LivenessProbe)
	probe(c.ReadinessProbe)
	probe(c.StartupProbe)
	if c.Lifecycle != nil {
		if h := c.Lifecycle.PostStart; h != nil {
			httpGetAction(h.HTTPGet)
		}
		if h := c.Lifecycle.PreStop; h != nil {
			httpGetAction(h.HTTPGet)
		}
	}
}

// The probe timings Kubernetes defaults zero values to.
const (
	probeTimeoutSeconds   = 1
	probePeriodSeconds    = 10
	probeSuccessThreshold = 1
	probeFailureThreshold = 3
)

// probe fills in a probe's timings and its handler's defaults; a nil p is
// left alone.
func probe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = probeTimeoutSeconds
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = probePeriodSeconds
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = probeSuccessThreshold
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = probeFailureThreshold
	}
	httpGetAction(p.HTTPGet)
	if p.GRPC != nil && p.GRPC.Service == nil {
		p.GRPC.Service = new("")
	}
}

// httpGetAction fills in path "/" and scheme HTTP; a nil a is left alone.
func httpGetAction(a *corev1.HTTPGetAction) {
	if a == nil {
		return
	}
	if a.Path == "" {
		a.Path = "/"
	}
	if a.Scheme == "" {
		a.Scheme = corev1.URISchemeHTTP
	}
}

// objectFieldSelector fills in apiVersion "v1"; a nil f is left alone.
func objectFieldSelector(f *corev1.ObjectFieldSelector) {
	if f != nil && f.APIVersion == "" {
		f.APIVersion = "v1"
	}
}

// volume fills in the defaults of one pod volume; see PodSpec.
func volume(v *corev1.Volume) {
	src := &v.VolumeSource
	if *src == (corev1.VolumeSource{}) {
		src.EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
	hostPath(src.HostPath)
	if s := src.Secret; s != nil && s.DefaultMode == nil {
		s.DefaultMode = new(corev1.SecretVolumeSourceDefaultMode)
	}
	if c := src.ConfigMap; c != nil && c.DefaultMode == nil {
		c.DefaultMode = new(corev1.ConfigMapVolumeSourceDefaultMode)
	}
	if d := src.DownwardAPI; d != nil {
		if d.DefaultMode == nil {
			d.DefaultMode = new(corev1.DownwardAPIVolumeSourceDefaultMode)
		}
		downwardAPIFiles(d.Items)
	}
	if p := src.Projected; p != nil {
		if p.DefaultMode == nil {
			p.DefaultMode = new(corev1.ProjectedVolumeSourceDefaultMode)
		}
		for i := range p.Sources {
			if d := p.Sources[i].DownwardAPI; d != nil {
				downwardAPIFiles(d.Items)
			}
			if t := p.Sources[i].ServiceAccountToken; t != nil && t.ExpirationSeconds == nil {
				t.ExpirationSeconds = new(int64(serviceAccountTokenExpirationSeconds))
			}
		}
	}
	if e := src.Ephemeral; e != nil && e.VolumeClaimTemplate != nil {
		persistentVolumeClaimSpec(&e.VolumeClaimTemplate.Spec)
	}
}

// serviceAccountTokenExpirationSeconds is the default lifetime of a
// projected service account token: one hour.
const serviceAccountTokenExpirationSeconds = 60 * 60

// downwardAPIFiles fills in each file's fieldRef.apiVersion.
func downwardAPIFiles(files []corev1.DownwardAPIVolumeFile) {
	for i := range files {
		objectFieldSelector(files[i].FieldRef)
	}
}

// hostPath fills in type "" (check nothing); a nil h is left alone.
func hostPath(h *corev1.HostPathVolumeSource) {
	if h != nil && h.Type == nil {
		h.Type = new(corev1.HostPathUnset)
	}
}
