package defaults

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

// StorageClass fills in the defaults Kubernetes gives a storage class:
// reclaimPolicy Delete and volumeBindingMode Immediate. A nil sc is left
// alone.
func StorageClass(sc *storagev1.StorageClass) {
	if sc == nil {
		return
	}
	if sc.ReclaimPolicy == nil {
		sc.ReclaimPolicy = new(corev1.PersistentVolumeReclaimDelete)
	}
	if sc.VolumeBindingMode == nil {
		sc.VolumeBindingMode = new(storagev1.VolumeBindingImmediate)
	}
}

// CSIDriver fills in the defaults Kubernetes gives a CSI driver:
//
//   - spec.attachRequired: true
//   - spec.podInfoOnMount: false
//   - spec.storageCapacity: false
//   - spec.fsGroupPolicy: ReadWriteOnceWithFSType
//   - spec.volumeLifecycleModes: [Persistent] when empty
//   - spec.requiresRepublish: false
//   - spec.seLinuxMount: false
//
// A nil d is left alone.
func CSIDriver(d *storagev1.CSIDriver) {
	if d == nil {
		return
	}
	spec := &d.Spec
	if spec.AttachRequired == nil {
		spec.AttachRequired = new(true)
	}
	if spec.PodInfoOnMount == nil {
		spec.PodInfoOnMount = new(false)
	}
	if spec.StorageCapacity == nil {
		spec.StorageCapacity = new(false)
	}
	if spec.FSGroupPolicy == nil {
		spec.FSGroupPolicy = new(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy)
	}
	if len(spec.VolumeLifecycleModes) == 0 {
		spec.VolumeLifecycleModes = []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent}
	}
	if spec.RequiresRepublish == nil {
		spec.RequiresRepublish = new(false)
	}
	if spec.SELinuxMount == nil {
		spec.SELinuxMount = new(false)
	}
}

// VolumeAttachment fills in the defaults Kubernetes gives the persistent
// volume spec inlined in a volume attachment (spec.source.inlineVolumeSpec):
// capacity rounded up to whole thousandths and hostPath.type "". A nil va
// is left alone.
func VolumeAttachment(va *storagev1.VolumeAttachment) {
	if va != nil && va.Spec.Source.InlineVolumeSpec != nil {
		persistentVolumeSpec(va.Spec.Source.InlineVolumeSpec)
	}
}

// NetworkPolicy fills in the defaults Kubernetes gives a network policy:
//
//   - spec.policyTypes, when empty: [Ingress], or [Ingress, Egress] when
//     the policy has egress rules
//   - spec.ingress[].ports[].protocol and spec.egress[].ports[].protocol:
//     TCP
//
// A nil np is left alone.
func NetworkPolicy(np *networkingv1.NetworkPolicy) {
	if np == nil {
		return
	}
	spec := &np.Spec
	for i := range spec.Ingress {
		networkPolicyPorts(spec.Ingress[i].Ports)
	}
	for i := range spec.Egress {
		networkPolicyPorts(spec.Egress[i].Ports)
	}
	if len(spec.PolicyTypes) == 0 {
		spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(spec.Egress) != 0 {
			spec.PolicyTypes = append(spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
}

// networkPolicyPorts fills in each port's protocol: TCP.
func networkPolicyPorts(ports []networkingv1.NetworkPolicyPort) {
	for i := range ports {
		if ports[i].Protocol == nil {
			ports[i].Protocol = new(corev1.ProtocolTCP)
		}
	}
}

// IngressClass fills in the default Kubernetes gives an ingress class:
// spec.parameters.scope Cluster when parameters are present without a
// scope. A nil c is left alone.
func IngressClass(c *networkingv1.IngressClass) {
	if c != nil && c.Spec.Parameters != nil && c.Spec.Parameters.Scope == nil {
		c.Spec.Parameters.Scope = new(networkingv1.IngressClassParametersReferenceScopeCluster)
	}
}

// RoleBinding fills in the defaults Kubernetes gives a role binding:
// roleRef.apiGroup "rbac.authorization.k8s.io", and the apiGroup
// "rbac.authorization.k8s.io" of each subject of kind User or Group that
// has none (a ServiceAccount subject keeps the core group, ""). A nil rb
// is left alone.
func RoleBinding(rb *rbacv1.RoleBinding) {
	if rb == nil {
		return
	}
	roleRef(&rb.RoleRef)
	subjects(rb.Subjects)
}

// ClusterRoleBinding fills in the defaults Kubernetes gives a cluster role
// binding; they are those of RoleBinding. A nil crb is left alone.
func ClusterRoleBinding(crb *rbacv1.ClusterRoleBinding) {
	if crb == nil {
		return
	}
	roleRef(&crb.RoleRef)
	subjects(crb.Subjects)
}

// roleRef fills in apiGroup "rbac.authorization.k8s.io".
func roleRef(r *rbacv1.RoleRef) {
	if r.APIGroup == "" {
		r.APIGroup = rbacv1.GroupName
	}
}

// subjects fills in the apiGroup of User and Group subjects.
func subjects(ss []rbacv1.Subject) {
	for i := range ss {
		s := &ss[i]
		if s.APIGroup == "" && (s.Kind == rbacv1.UserKind || s.Kind == rbacv1.GroupKind) {
			s.APIGroup = rbacv1.GroupName
		}
	}
}

// PriorityClass fills in the default Kubernetes gives a priority class:
// preemptionPolicy PreemptLowerPriority. A nil pc is left alone.
func PriorityClass(pc *schedulingv1.PriorityClass) {
	if pc != nil && pc.PreemptionPolicy == nil {
		pc.PreemptionPolicy = new(corev1.PreemptLowerPriority)
	}
}
