package defaults_test

import (
	"reflect"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv1 "github.com/rigging-dev/rigging/api/autoscaling/v1"
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

// kind is one kind of Rigging's API groups: its apiVersion and kind as a
// manifest names them, and a constructor of a new zero object of its Go
// type.
type kind struct {
	apiVersion, kind string
	new              func() any
}

// kinds lists every kind and List kind of Rigging's API groups.
var kinds = []kind{
	{"v1", "Pod", func() any { return new(corev1.Pod) }},
	{"v1", "PodList", func() any { return new(corev1.PodList) }},
	{"v1", "Service", func() any { return new(corev1.Service) }},
	{"v1", "ServiceList", func() any { return new(corev1.ServiceList) }},
	{"v1", "Endpoints", func() any { return new(corev1.Endpoints) }},
	{"v1", "EndpointsList", func() any { return new(corev1.EndpointsList) }},
	{"v1", "Namespace", func() any { return new(corev1.Namespace) }},
	{"v1", "NamespaceList", func() any { return new(corev1.NamespaceList) }},
	{"v1", "Node", func() any { return new(corev1.Node) }},
	{"v1", "NodeList", func() any { return new(corev1.NodeList) }},
	{"v1", "Secret", func() any { return new(corev1.Secret) }},
	{"v1", "SecretList", func() any { return new(corev1.SecretList) }},
	{"v1", "ConfigMap", func() any { return new(corev1.ConfigMap) }},
	{"v1", "ConfigMapList", func() any { return new(corev1.ConfigMapList) }},
	{"v1", "ServiceAccount", func() any { return new(corev1.ServiceAccount) }},
	{"v1", "ServiceAccountList", func() any { return new(corev1.ServiceAccountList) }},
	{"v1", "PersistentVolume", func() any { return new(corev1.PersistentVolume) }},
	{"v1", "PersistentVolumeList", func() any { return new(corev1.PersistentVolumeList) }},
	{"v1", "PersistentVolumeClaim", func() any { return new(corev1.PersistentVolumeClaim) }},
	{"v1", "PersistentVolumeClaimList", func() any { return new(corev1.PersistentVolumeClaimList) }},
	{"v1", "Event", func() any { return new(corev1.Event) }},
	{"v1", "EventList", func() any { return new(corev1.EventList) }},
	{"v1", "ResourceQuota", func() any { return new(corev1.ResourceQuota) }},
	{"v1", "ResourceQuotaList", func() any { return new(corev1.ResourceQuotaList) }},
	{"v1", "LimitRange", func() any { return new(corev1.LimitRange) }},
	{"v1", "LimitRangeList", func() any { return new(corev1.LimitRangeList) }},
	{"v1", "Binding", func() any { return new(corev1.Binding) }},

	{"apps/v1", "Deployment", func() any { return new(appsv1.Deployment) }},
	{"apps/v1", "DeploymentList", func() any { return new(appsv1.DeploymentList) }},
	{"apps/v1", "ReplicaSet", func() any { return new(appsv1.ReplicaSet) }},
	{"apps/v1", "ReplicaSetList", func() any { return new(appsv1.ReplicaSetList) }},
	{"apps/v1", "DaemonSet", func() any { return new(appsv1.DaemonSet) }},
	{"apps/v1", "DaemonSetList", func() any { return new(appsv1.DaemonSetList) }},
	{"apps/v1", "StatefulSet", func() any { return new(appsv1.StatefulSet) }},
	{"apps/v1", "StatefulSetList", func() any { return new(appsv1.StatefulSetList) }},
	{"apps/v1", "ControllerRevision", func() any { return new(appsv1.ControllerRevision) }},
	{"apps/v1", "ControllerRevisionList", func() any { return new(appsv1.ControllerRevisionList) }},

	{"autoscaling/v1", "Scale", func() any { return new(autoscalingv1.Scale) }},
	{"autoscaling/v2", "HorizontalPodAutoscaler", func() any { return new(autoscalingv2.HorizontalPodAutoscaler) }},
	{"autoscaling/v2", "HorizontalPodAutoscalerList", func() any { return new(autoscalingv2.HorizontalPodAutoscalerList) }},

	{"coordination.k8s.io/v1", "Lease", func() any { return new(coordinationv1.Lease) }},
	{"coordination.k8s.io/v1", "LeaseList", func() any { return new(coordinationv1.LeaseList) }},

	{"discovery.k8s.io/v1", "EndpointSlice", func() any { return new(discoveryv1.EndpointSlice) }},
	{"discovery.k8s.io/v1", "EndpointSliceList", func() any { return new(discoveryv1.EndpointSliceList) }},

	{"networking.k8s.io/v1", "NetworkPolicy", func() any { return new(networkingv1.NetworkPolicy) }},
	{"networking.k8s.io/v1", "NetworkPolicyList", func() any { return new(networkingv1.NetworkPolicyList) }},
	{"networking.k8s.io/v1", "Ingress", func() any { return new(networkingv1.Ingress) }},
	{"networking.k8s.io/v1", "IngressList", func() any { return new(networkingv1.IngressList) }},
	{"networking.k8s.io/v1", "IngressClass", func() any { return new(networkingv1.IngressClass) }},
	{"networking.k8s.io/v1", "IngressClassList", func() any { return new(networkingv1.IngressClassList) }},

	{"rbac.authorization.k8s.io/v1", "Role", func() any { return new(rbacv1.Role) }},
	{"rbac.authorization.k8s.io/v1", "RoleList", func() any { return new(rbacv1.RoleList) }},
	{"rbac.authorization.k8s.io/v1", "ClusterRole", func() any { return new(rbacv1.ClusterRole) }},
	{"rbac.authorization.k8s.io/v1", "ClusterRoleList", func() any { return new(rbacv1.ClusterRoleList) }},
	{"rbac.authorization.k8s.io/v1", "RoleBinding", func() any { return new(rbacv1.RoleBinding) }},
	{"rbac.authorization.k8s.io/v1", "RoleBindingList", func() any { return new(rbacv1.RoleBindingList) }},
	{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", func() any { return new(rbacv1.ClusterRoleBinding) }},
	{"rbac.authorization.k8s.io/v1", "ClusterRoleBindingList", func() any { return new(rbacv1.ClusterRoleBindingList) }},

	{"scheduling.k8s.io/v1", "PriorityClass", func() any { return new(schedulingv1.PriorityClass) }},
	{"scheduling.k8s.io/v1", "PriorityClassList", func() any { return new(schedulingv1.PriorityClassList) }},

	{"storage.k8s.io/v1", "StorageClass", func() any { return new(storagev1.StorageClass) }},
	{"storage.k8s.io/v1", "StorageClassList", func() any { return new(storagev1.StorageClassList) }},
	{"storage.k8s.io/v1", "VolumeAttachment", func() any { return new(storagev1.VolumeAttachment) }},
	{"storage.k8s.io/v1", "VolumeAttachmentList", func() any { return new(storagev1.VolumeAttachmentList) }},
	{"storage.k8s.io/v1", "CSIDriver", func() any { return new(storagev1.CSIDriver) }},
	{"storage.k8s.io/v1", "CSIDriverList", func() any { return new(storagev1.CSIDriverList) }},
	{"storage.k8s.io/v1", "CSINode", func() any { return new(storagev1.CSINode) }},
	{"storage.k8s.io/v1", "CSINodeList", func() any { return new(storagev1.CSINodeList) }},
}

// kindFor returns the kind registered for apiVersion and kind.
func kindFor(apiVersion, name string) (kind, bool) {
	for _, k := range kinds {
		if k.apiVersion == apiVersion && k.kind == name {
			return k, true
		}
	}
	return kind{}, false
}

// deepCopy returns obj.DeepCopy(), the generated deep copy of a pointer to
// an API object.
func deepCopy(obj any) any {
	return reflect.ValueOf(obj).MethodByName("DeepCopy").Call(nil)[0].Interface()
}
