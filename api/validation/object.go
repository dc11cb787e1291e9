package validation

import (
	"fmt"
	"reflect"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/field"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

// Object validates obj for creation with the function of its kind (Pod for
// a *corev1.Pod, Deployment for an *appsv1.Deployment, ...). obj is a
// pointer to an API object, or such an object by value, of one of the
// groups this package covers; a nil pointer is validated as an empty
// object. A List type validates each item and prefixes its errors with
// "items[i].". ok is false, with no errors, when the package has no
// validation for obj's type (for example autoscaling/v1 Scale). Object does not modify obj.
func Object(obj any) (errs field.ErrorList, ok bool) {
	switch o := asPointer(obj).(type) {
	case *corev1.Pod:
		return Pod(o), true
	case *corev1.Service:
		return Service(o), true
	case *corev1.Endpoints:
		return Endpoints(o), true
	case *corev1.Namespace:
		return Namespace(o), true
	case *corev1.Node:
		return Node(o), true
	case *corev1.ConfigMap:
		return ConfigMap(o), true
	case *corev1.Secret:
		return Secret(o), true
	case *corev1.ServiceAccount:
		return ServiceAccount(o), true
	case *corev1.PersistentVolume:
		return PersistentVolume(o), true
	case *corev1.PersistentVolumeClaim:
		return PersistentVolumeClaim(o), true
	case *corev1.Event:
		return Event(o), true
	case *corev1.ResourceQuota:
		return ResourceQuota(o), true
	case *corev1.LimitRange:
		return LimitRange(o), true
	case *corev1.Binding:
		return Binding(o), true
	case *appsv1.Deployment:
		return Deployment(o), true
	case *appsv1.ReplicaSet:
		return ReplicaSet(o), true
	case *appsv1.DaemonSet:
		return DaemonSet(o), true
	case *appsv1.StatefulSet:
		return StatefulSet(o), true
	case *appsv1.ControllerRevision:
		return ControllerRevision(o), true
	case *discoveryv1.EndpointSlice:
		return EndpointSlice(o), true
	case *storagev1.StorageClass:
		return StorageClass(o), true
	case *storagev1.CSIDriver:
		return CSIDriver(o), true
	case *storagev1.VolumeAttachment:
		return VolumeAttachment(o), true
	case *storagev1.CSINode:
		return CSINode(o), true
	case *networkingv1.NetworkPolicy:
		return NetworkPolicy(o), true
	case *networkingv1.Ingress:
		return Ingress(o), true
	case *networkingv1.IngressClass:
		return IngressClass(o), true
	case *autoscalingv2.HorizontalPodAutoscaler:
		return HorizontalPodAutoscaler(o), true
	case *coordinationv1.Lease:
		return Lease(o), true
	case *rbacv1.Role:
		return Role(o), true
	case *rbacv1.ClusterRole:
		return ClusterRole(o), true
	case *rbacv1.RoleBinding:
		return RoleBinding(o), true
	case *rbacv1.ClusterRoleBinding:
		return ClusterRoleBinding(o), true
	case *schedulingv1.PriorityClass:
		return PriorityClass(o), true
	}
	return objectList(obj)
}

// objectList validates the items of a List type.
func objectList(obj any) (field.ErrorList, bool) {
	switch o := asPointer(obj).(type) {
	case *corev1.PodList:
		return items(o.Items, Pod), true
	case *corev1.ServiceList:
		return items(o.Items, Service), true
	case *corev1.EndpointsList:
		return items(o.Items, Endpoints), true
	case *corev1.NamespaceList:
		return items(o.Items, Namespace), true
	case *corev1.NodeList:
		return items(o.Items, Node), true
	case *corev1.ConfigMapList:
		return items(o.Items, ConfigMap), true
	case *corev1.SecretList:
		return items(o.Items, Secret), true
	case *corev1.ServiceAccountList:
		return items(o.Items, ServiceAccount), true
	case *corev1.PersistentVolumeList:
		return items(o.Items, PersistentVolume), true
	case *corev1.PersistentVolumeClaimList:
		return items(o.Items, PersistentVolumeClaim), true
	case *corev1.EventList:
		return items(o.Items, Event), true
	case *corev1.ResourceQuotaList:
		return items(o.Items, ResourceQuota), true
	case *corev1.LimitRangeList:
		return items(o.Items, LimitRange), true
	case *appsv1.DeploymentList:
		return items(o.Items, Deployment), true
	case *appsv1.ReplicaSetList:
		return items(o.Items, ReplicaSet), true
	case *appsv1.DaemonSetList:
		return items(o.Items, DaemonSet), true
	case *appsv1.StatefulSetList:
		return items(o.Items, StatefulSet), true
	case *appsv1.ControllerRevisionList:
		return items(o.Items, ControllerRevision), true
	case *discoveryv1.EndpointSliceList:
		return items(o.Items, EndpointSlice), true
	case *storagev1.StorageClassList:
		return items(o.Items, StorageClass), true
	case *storagev1.CSIDriverList:
		return items(o.Items, CSIDriver), true
	case *storagev1.VolumeAttachmentList:
		return items(o.Items, VolumeAttachment), true
	case *storagev1.CSINodeList:
		return items(o.Items, CSINode), true
	case *networkingv1.NetworkPolicyList:
		return items(o.Items, NetworkPolicy), true
	case *networkingv1.IngressList:
		return items(o.Items, Ingress), true
	case *networkingv1.IngressClassList:
		return items(o.Items, IngressClass), true
	case *autoscalingv2.HorizontalPodAutoscalerList:
		return items(o.Items, HorizontalPodAutoscaler), true
	case *coordinationv1.LeaseList:
		return items(o.Items, Lease), true
	case *rbacv1.RoleList:
		return items(o.Items, Role), true
	case *rbacv1.ClusterRoleList:
		return items(o.Items, ClusterRole), true
	case *rbacv1.RoleBindingList:
		return items(o.Items, RoleBinding), true
	case *rbacv1.ClusterRoleBindingList:
		return items(o.Items, ClusterRoleBinding), true
	case *schedulingv1.PriorityClassList:
		return items(o.Items, PriorityClass), true
	}
	return nil, false
}

// items validates each item of a list and prefixes its errors with
// "items[i]".
func items[T any](all []T, validate func(*T) field.ErrorList) field.ErrorList {
	var errs field.ErrorList
	for i := range all {
		prefix := field.NewPath("items").Index(i).String()
		for _, e := range validate(&all[i]) {
			c := *e
			if c.Field == "" {
				c.Field = prefix
			} else {
				c.Field = prefix + "." + c.Field
			}
			errs = append(errs, &c)
		}
	}
	return errs
}

// ObjectUpdate validates the update of oldObj to newObj with the update
// function of their kind (PodUpdate for pods, ...). Both must be of the
// same type, as Object accepts them; List types are not updated and are
// reported as unknown. ok is false, with no errors, when the package has
// no update validation for newObj's type; when oldObj is of another type,
// ok is true and the single error says so.
func ObjectUpdate(newObj, oldObj any) (errs field.ErrorList, ok bool) {
	n, o := asPointer(newObj), asPointer(oldObj)
	if reflect.TypeOf(n) != reflect.TypeOf(o) {
		if _, known := Object(n); !known || isList(n) {
			return nil, false
		}
		return field.ErrorList{field.InternalError(field.NewPath(""), fmt.Errorf("old object is %T, not %T", o, n))}, true
	}
	switch n := n.(type) {
	case *corev1.Pod:
		return PodUpdate(n, o.(*corev1.Pod)), true
	case *corev1.Service:
		return ServiceUpdate(n, o.(*corev1.Service)), true
	case *corev1.Endpoints:
		e := ObjectMetaUpdate(&n.ObjectMeta, &o.(*corev1.Endpoints).ObjectMeta, field.NewPath("metadata"))
		return dedupe(append(e, Endpoints(n)...)), true
	case *corev1.Namespace:
		return NamespaceUpdate(n, o.(*corev1.Namespace)), true
	case *corev1.Node:
		return NodeUpdate(n, o.(*corev1.Node)), true
	case *corev1.ConfigMap:
		return ConfigMapUpdate(n, o.(*corev1.ConfigMap)), true
	case *corev1.Secret:
		return SecretUpdate(n, o.(*corev1.Secret)), true
	case *corev1.ServiceAccount:
		return ServiceAccountUpdate(n, o.(*corev1.ServiceAccount)), true
	case *corev1.PersistentVolume:
		return PersistentVolumeUpdate(n, o.(*corev1.PersistentVolume)), true
	case *corev1.PersistentVolumeClaim:
		return PersistentVolumeClaimUpdate(n, o.(*corev1.PersistentVolumeClaim)), true
	case *corev1.Event:
		return EventUpdate(n, o.(*corev1.Event)), true
	case *corev1.ResourceQuota:
		return ResourceQuotaUpdate(n, o.(*corev1.ResourceQuota)), true
	case *corev1.LimitRange:
		return LimitRangeUpdate(n, o.(*corev1.LimitRange)), true
	case *appsv1.Deployment:
		return DeploymentUpdate(n, o.(*appsv1.Deployment)), true
	case *appsv1.ReplicaSet:
		return ReplicaSetUpdate(n, o.(*appsv1.ReplicaSet)), true
	case *appsv1.DaemonSet:
		return DaemonSetUpdate(n, o.(*appsv1.DaemonSet)), true
	case *appsv1.StatefulSet:
		return StatefulSetUpdate(n, o.(*appsv1.StatefulSet)), true
	case *appsv1.ControllerRevision:
		return ControllerRevisionUpdate(n, o.(*appsv1.ControllerRevision)), true
	case *discoveryv1.EndpointSlice:
		return EndpointSliceUpdate(n, o.(*discoveryv1.EndpointSlice)), true
	case *storagev1.StorageClass:
		return StorageClassUpdate(n, o.(*storagev1.StorageClass)), true
	case *networkingv1.NetworkPolicy:
		return NetworkPolicyUpdate(n, o.(*networkingv1.NetworkPolicy)), true
	case *networkingv1.Ingress:
		return IngressUpdate(n, o.(*networkingv1.Ingress)), true
	case *networkingv1.IngressClass:
		return IngressClassUpdate(n, o.(*networkingv1.IngressClass)), true
	case *autoscalingv2.HorizontalPodAutoscaler:
		return HorizontalPodAutoscalerUpdate(n, o.(*autoscalingv2.HorizontalPodAutoscaler)), true
	case *coordinationv1.Lease:
		return LeaseUpdate(n, o.(*coordinationv1.Lease)), true
	case *rbacv1.Role:
		return RoleUpdate(n, o.(*rbacv1.Role)), true
	case *rbacv1.ClusterRole:
		return ClusterRoleUpdate(n, o.(*rbacv1.ClusterRole)), true
	case *rbacv1.RoleBinding:
		return RoleBindingUpdate(n, o.(*rbacv1.RoleBinding)), true
	case *rbacv1.ClusterRoleBinding:
		return ClusterRoleBindingUpdate(n, o.(*rbacv1.ClusterRoleBinding)), true
	case *schedulingv1.PriorityClass:
		return PriorityClassUpdate(n, o.(*schedulingv1.PriorityClass)), true
	}
	return nil, false
}

// isList reports whether obj is one of the List types Object accepts.
func isList(obj any) bool {
	_, ok := objectList(obj)
	return ok
}

// asPointer returns a pointer to a copy of obj when obj is a struct value,
// a pointer to a zero value when obj is a nil pointer to a struct, and obj
// itself otherwise.
func asPointer(obj any) any {
	v := reflect.ValueOf(obj)
	switch {
	case !v.IsValid():
		return obj
	case v.Kind() == reflect.Struct:
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		return p.Interface()
	case v.Kind() == reflect.Pointer && v.IsNil() && v.Type().Elem().Kind() == reflect.Struct:
		return reflect.New(v.Type().Elem()).Interface()
	}
	return obj
}
