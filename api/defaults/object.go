package defaults

import (
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

// Object fills in the defaults of obj, a pointer to any kind of Rigging's
// API groups or to its List, by calling the function of this package named
// for the kind (for a List, on each item). It reports whether it knows the
// type of obj: false for anything else, including a kind passed by value
// (which cannot be modified) and nil. A known kind that Kubernetes gives no
// defaults (ConfigMap has one, but ServiceAccount, Event, Binding, Role,
// ClusterRole, Ingress, Lease, CSINode, ControllerRevision and Scale have
// none) is left unchanged and reported as known, as is a nil pointer of a
// known type.
//
// Object modifies obj in place, so no other goroutine may use it meanwhile.
func Object(obj any) bool {
	switch o := obj.(type) {
	// core/v1
	case *corev1.Pod:
		Pod(o)
	case *corev1.PodList:
		if o != nil {
			each(o.Items, Pod)
		}
	case *corev1.Service:
		Service(o)
	case *corev1.ServiceList:
		if o != nil {
			each(o.Items, Service)
		}
	case *corev1.Endpoints:
		Endpoints(o)
	case *corev1.EndpointsList:
		if o != nil {
			each(o.Items, Endpoints)
		}
	case *corev1.Namespace:
		Namespace(o)
	case *corev1.NamespaceList:
		if o != nil {
			each(o.Items, Namespace)
		}
	case *corev1.Node:
		Node(o)
	case *corev1.NodeList:
		if o != nil {
			each(o.Items, Node)
		}
	case *corev1.Secret:
		Secret(o)
	case *corev1.SecretList:
		if o != nil {
			each(o.Items, Secret)
		}
	case *corev1.ConfigMap:
		ConfigMap(o)
	case *corev1.ConfigMapList:
		if o != nil {
			each(o.Items, ConfigMap)
		}
	case *corev1.PersistentVolume:
		PersistentVolume(o)
	case *corev1.PersistentVolumeList:
		if o != nil {
			each(o.Items, PersistentVolume)
		}
	case *corev1.PersistentVolumeClaim:
		PersistentVolumeClaim(o)
	case *corev1.PersistentVolumeClaimList:
		if o != nil {
			each(o.Items, PersistentVolumeClaim)
		}
	case *corev1.LimitRange:
		LimitRange(o)
	case *corev1.LimitRangeList:
		if o != nil {
			each(o.Items, LimitRange)
		}
	case *corev1.ResourceQuota:
		ResourceQuota(o)
	case *corev1.ResourceQuotaList:
		if o != nil {
			each(o.Items, ResourceQuota)
		}
	case *corev1.ServiceAccount, *corev1.ServiceAccountList,
		*corev1.Event, *corev1.EventList, *corev1.Binding:
		// No defaults.

	// apps/v1
	case *appsv1.Deployment:
		Deployment(o)
	case *appsv1.DeploymentList:
		if o != nil {
			each(o.Items, Deployment)
		}
	case *appsv1.ReplicaSet:
		ReplicaSet(o)
	case *appsv1.ReplicaSetList:
		if o != nil {
			each(o.Items, ReplicaSet)
		}
	case *appsv1.DaemonSet:
		DaemonSet(o)
	case *appsv1.DaemonSetList:
		if o != nil {
			each(o.Items, DaemonSet)
		}
	case *appsv1.StatefulSet:
		StatefulSet(o)
	case *appsv1.StatefulSetList:
		if o != nil {
			each(o.Items, StatefulSet)
		}
	case *appsv1.ControllerRevision, *appsv1.ControllerRevisionList:
		// No defaults.

	// autoscaling/v1 and v2
	case *autoscalingv2.HorizontalPodAutoscaler:
		HorizontalPodAutoscaler(o)
	case *autoscalingv2.HorizontalPodAutoscalerList:
		if o != nil {
			each(o.Items, HorizontalPodAutoscaler)
		}
	case *autoscalingv1.Scale:
		// No defaults.

	// coordination/v1
	case *coordinationv1.Lease, *coordinationv1.LeaseList:
		// No defaults.

	// discovery/v1
	case *discoveryv1.EndpointSlice:
		EndpointSlice(o)
	case *discoveryv1.EndpointSliceList:
		if o != nil {
			each(o.Items, EndpointSlice)
		}

	// networking/v1
	case *networkingv1.NetworkPolicy:
		NetworkPolicy(o)
	case *networkingv1.NetworkPolicyList:
		if o != nil {
			each(o.Items, NetworkPolicy)
		}
	case *networkingv1.IngressClass:
		IngressClass(o)
	case *networkingv1.IngressClassList:
		if o != nil {
			each(o.Items, IngressClass)
		}
	case *networkingv1.Ingress, *networkingv1.IngressList:
		// No defaults: an Ingress path's pathType is required in v1.

	// rbac/v1
	case *rbacv1.RoleBinding:
		RoleBinding(o)
	case *rbacv1.RoleBindingList:
		if o != nil {
			each(o.Items, RoleBinding)
		}
	case *rbacv1.ClusterRoleBinding:
		ClusterRoleBinding(o)
	case *rbacv1.ClusterRoleBindingList:
		if o != nil {
			each(o.Items, ClusterRoleBinding)
		}
	case *rbacv1.Role, *rbacv1.RoleList, *rbacv1.ClusterRole, *rbacv1.ClusterRoleList:
		// No defaults.

	// scheduling/v1
	case *schedulingv1.PriorityClass:
		PriorityClass(o)
	case *schedulingv1.PriorityClassList:
		if o != nil {
			each(o.Items, PriorityClass)
		}

	// storage/v1
	case *storagev1.StorageClass:
		StorageClass(o)
	case *storagev1.StorageClassList:
		if o != nil {
			each(o.Items, StorageClass)
		}
	case *storagev1.CSIDriver:
		CSIDriver(o)
	case *storagev1.CSIDriverList:
		if o != nil {
			each(o.Items, CSIDriver)
		}
	case *storagev1.VolumeAttachment:
		VolumeAttachment(o)
	case *storagev1.VolumeAttachmentList:
		if o != nil {
			each(o.Items, VolumeAttachment)
		}
	case *storagev1.CSINode, *storagev1.CSINodeList:
		// No defaults.

	default:
		return false
	}
	return true
}

// each applies fn to every element of items.
func each[T any](items []T, fn func(*T)) {
	for i := range items {
		fn(&items[i])
	}
}
