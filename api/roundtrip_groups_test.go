package api_test

import (
	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv1 "github.com/rigging-dev/rigging/api/autoscaling/v1"
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

// init registers every kind and list kind of the non-core API groups with
// the manifest round-trip harness in roundtrip_test.go.
func init() {
	register("apps/v1", "Deployment", func() any { return new(appsv1.Deployment) })
	register("apps/v1", "DeploymentList", func() any { return new(appsv1.DeploymentList) })
	register("apps/v1", "ReplicaSet", func() any { return new(appsv1.ReplicaSet) })
	register("apps/v1", "ReplicaSetList", func() any { return new(appsv1.ReplicaSetList) })
	register("apps/v1", "DaemonSet", func() any { return new(appsv1.DaemonSet) })
	register("apps/v1", "DaemonSetList", func() any { return new(appsv1.DaemonSetList) })
	register("apps/v1", "StatefulSet", func() any { return new(appsv1.StatefulSet) })
	register("apps/v1", "StatefulSetList", func() any { return new(appsv1.StatefulSetList) })
	register("apps/v1", "ControllerRevision", func() any { return new(appsv1.ControllerRevision) })
	register("apps/v1", "ControllerRevisionList", func() any { return new(appsv1.ControllerRevisionList) })

	register("autoscaling/v1", "Scale", func() any { return new(autoscalingv1.Scale) })
	register("autoscaling/v2", "HorizontalPodAutoscaler", func() any { return new(autoscalingv2.HorizontalPodAutoscaler) })
	register("autoscaling/v2", "HorizontalPodAutoscalerList", func() any { return new(autoscalingv2.HorizontalPodAutoscalerList) })

	register("coordination.k8s.io/v1", "Lease", func() any { return new(coordinationv1.Lease) })
	register("coordination.k8s.io/v1", "LeaseList", func() any { return new(coordinationv1.LeaseList) })

	register("discovery.k8s.io/v1", "EndpointSlice", func() any { return new(discoveryv1.EndpointSlice) })
	register("discovery.k8s.io/v1", "EndpointSliceList", func() any { return new(discoveryv1.EndpointSliceList) })

	register("networking.k8s.io/v1", "NetworkPolicy", func() any { return new(networkingv1.NetworkPolicy) })
	register("networking.k8s.io/v1", "NetworkPolicyList", func() any { return new(networkingv1.NetworkPolicyList) })
	register("networking.k8s.io/v1", "Ingress", func() any { return new(networkingv1.Ingress) })
	register("networking.k8s.io/v1", "IngressList", func() any { return new(networkingv1.IngressList) })
	register("networking.k8s.io/v1", "IngressClass", func() any { return new(networkingv1.IngressClass) })
	register("networking.k8s.io/v1", "IngressClassList", func() any { return new(networkingv1.IngressClassList) })

	register("rbac.authorization.k8s.io/v1", "Role", func() any { return new(rbacv1.Role) })
	register("rbac.authorization.k8s.io/v1", "RoleList", func() any { return new(rbacv1.RoleList) })
	register("rbac.authorization.k8s.io/v1", "ClusterRole", func() any { return new(rbacv1.ClusterRole) })
	register("rbac.authorization.k8s.io/v1", "ClusterRoleList", func() any { return new(rbacv1.ClusterRoleList) })
	register("rbac.authorization.k8s.io/v1", "RoleBinding", func() any { return new(rbacv1.RoleBinding) })
	register("rbac.authorization.k8s.io/v1", "RoleBindingList", func() any { return new(rbacv1.RoleBindingList) })
	register("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", func() any { return new(rbacv1.ClusterRoleBinding) })
	register("rbac.authorization.k8s.io/v1", "ClusterRoleBindingList", func() any { return new(rbacv1.ClusterRoleBindingList) })

	register("scheduling.k8s.io/v1", "PriorityClass", func() any { return new(schedulingv1.PriorityClass) })
	register("scheduling.k8s.io/v1", "PriorityClassList", func() any { return new(schedulingv1.PriorityClassList) })

	register("storage.k8s.io/v1", "StorageClass", func() any { return new(storagev1.StorageClass) })
	register("storage.k8s.io/v1", "StorageClassList", func() any { return new(storagev1.StorageClassList) })
	register("storage.k8s.io/v1", "VolumeAttachment", func() any { return new(storagev1.VolumeAttachment) })
	register("storage.k8s.io/v1", "VolumeAttachmentList", func() any { return new(storagev1.VolumeAttachmentList) })
	register("storage.k8s.io/v1", "CSIDriver", func() any { return new(storagev1.CSIDriver) })
	register("storage.k8s.io/v1", "CSIDriverList", func() any { return new(storagev1.CSIDriverList) })
	register("storage.k8s.io/v1", "CSINode", func() any { return new(storagev1.CSINode) })
	register("storage.k8s.io/v1", "CSINodeList", func() any { return new(storagev1.CSINodeList) })
}
