package defaults

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// Namespace fills in the defaults Kubernetes gives a namespace:
//
//   - metadata.labels["kubernetes.io/metadata.name"]: the namespace's name,
//     when it has one; this label is always set to the name, replacing any
//     other value (see the package documentation)
//   - status.phase: Active
//
// A nil ns is left alone.
func Namespace(ns *corev1.Namespace) {
	if ns == nil {
		return
	}
	if ns.Name != "" {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[corev1.LabelMetadataName] = ns.Name
	}
	if ns.Status.Phase == "" {
		ns.Status.Phase = corev1.NamespaceActive
	}
}

// Node fills in the default Kubernetes gives a node: status.allocatable is
// a copy of status.capacity when allocatable is absent (nil) and capacity
// present. Both are rounded up to whole thousandths (see the package
// documentation). A nil n is left alone.
func Node(n *corev1.Node) {
	if n == nil {
		return
	}
	st := &n.Status
	if st.Allocatable == nil && st.Capacity != nil {
		st.Allocatable = make(corev1.ResourceList, len(st.Capacity))
		for name, q := range st.Capacity {
			st.Allocatable[name] = q.DeepCopy()
		}
	}
	resourceList(st.Capacity)
	resourceList(st.Allocatable)
}

// Secret fills in the default Kubernetes gives a secret: type Opaque. A
// nil s is left alone.
func Secret(s *corev1.Secret) {
	if s != nil && s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
}

// ConfigMap fills in the default Kubernetes gives a config map: data is an
// empty map when absent (nil). Its JSON form is unchanged, since an empty
// data is omitted. A nil c is left alone.
func ConfigMap(c *corev1.ConfigMap) {
	if c != nil && c.Data == nil {
		c.Data = map[string]string{}
	}
}

// PersistentVolume fills in the defaults Kubernetes gives a persistent
// volume:
//
//   - spec.persistentVolumeReclaimPolicy: Retain
//   - spec.volumeMode: Filesystem
//   - spec.hostPath.type: "" (check nothing)
//   - spec.capacity rounded up to whole thousandths
//   - status.phase: Pending
//
// A nil pv is left alone.
func PersistentVolume(pv *corev1.PersistentVolume) {
	if pv == nil {
		return
	}
	if pv.Status.Phase == "" {
		pv.Status.Phase = corev1.VolumePending
	}
	persistentVolumeSpec(&pv.Spec)
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = new(corev1.PersistentVolumeFilesystem)
	}
}

// persistentVolumeSpec fills in the defaults every persistent volume spec
// gets, including one inline in a VolumeAttachment: rounded capacity and
// hostPath type "".
func persistentVolumeSpec(s *corev1.PersistentVolumeSpec) {
	resourceList(s.Capacity)
	hostPath(s.HostPath)
}

// PersistentVolumeClaim fills in the defaults Kubernetes gives a claim,
// also in a StatefulSet's volumeClaimTemplates:
//
//   - spec.volumeMode: Filesystem
//   - spec.resources, status.capacity and status.allocatedResources rounded
//     up to whole thousandths
//   - status.phase: Pending
//
// A nil c is left alone.
func PersistentVolumeClaim(c *corev1.PersistentVolumeClaim) {
	if c == nil {
		return
	}
	if c.Status.Phase == "" {
		c.Status.Phase = corev1.ClaimPending
	}
	persistentVolumeClaimSpec(&c.Spec)
	resourceList(c.Status.Capacity)
	resourceList(c.Status.AllocatedResources)
}

// persistentVolumeClaimSpec fills in the defaults every claim spec gets,
// including an ephemeral volume's claim template: volumeMode Filesystem and
// rounded resources.
func persistentVolumeClaimSpec(s *corev1.PersistentVolumeClaimSpec) {
	if s.VolumeMode == nil {
		s.VolumeMode = new(corev1.PersistentVolumeFilesystem)
	}
	resourceList(s.Resources.Limits)
	resourceList(s.Resources.Requests)
}

// LimitRange fills in the defaults Kubernetes gives a limit range. For each
// item of type Container:
//
//   - default (the default limit) and defaultRequest are empty maps when
//     absent;
//   - a resource with a max and no default gets default = max;
//   - a resource with a default and no defaultRequest gets
//     defaultRequest = default;
//   - a resource still without a defaultRequest but with a min gets
//     defaultRequest = min.
//
// Every item's max, min, default, defaultRequest and maxLimitRequestRatio
// are rounded up to whole thousandths. A nil lr is left alone.
func LimitRange(lr *corev1.LimitRange) {
	if lr == nil {
		return
	}
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		if item.Type == corev1.LimitTypeContainer {
			if item.Default == nil {
				item.Default = corev1.ResourceList{}
			}
			if item.DefaultRequest == nil {
				item.DefaultRequest = corev1.ResourceList{}
			}
			fillMissing(item.Default, item.Max)
			fillMissing(item.DefaultRequest, item.Default)
			fillMissing(item.DefaultRequest, item.Min)
		}
		resourceList(item.Max)
		resourceList(item.Min)
		resourceList(item.Default)
		resourceList(item.DefaultRequest)
		resourceList(item.MaxLimitRequestRatio)
	}
}

// fillMissing copies into dst each amount of src whose resource dst lacks.
func fillMissing(dst, src corev1.ResourceList) {
	for name, q := range src {
		if _, set := dst[name]; !set {
			dst[name] = q.DeepCopy()
		}
	}
}

// ResourceQuota fills in the defaults Kubernetes gives a resource quota:
// spec.hard, status.hard and status.used rounded up to whole thousandths.
// A nil q is left alone.
func ResourceQuota(q *corev1.ResourceQuota) {
	if q == nil {
		return
	}
	resourceList(q.Spec.Hard)
	resourceList(q.Status.Hard)
	resourceList(q.Status.Used)
}
