package client

import (
	"fmt"
	"reflect"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

// The built-in resources, one for each kind in package api, with
// Kubernetes' group, version, plural name and scope. Use them with
// NewResource, or let For pick one by the Go type. They are values to read:
// do not modify them.
var (
	// core/v1
	Pods                   = ResourceInfo{GroupVersionResource{"", "v1", "pods"}, "Pod", true}
	Nodes                  = ResourceInfo{GroupVersionResource{"", "v1", "nodes"}, "Node", false}
	Namespaces             = ResourceInfo{GroupVersionResource{"", "v1", "namespaces"}, "Namespace", false}
	Services               = ResourceInfo{GroupVersionResource{"", "v1", "services"}, "Service", true}
	Endpoints              = ResourceInfo{GroupVersionResource{"", "v1", "endpoints"}, "Endpoints", true}
	ConfigMaps             = ResourceInfo{GroupVersionResource{"", "v1", "configmaps"}, "ConfigMap", true}
	Secrets                = ResourceInfo{GroupVersionResource{"", "v1", "secrets"}, "Secret", true}
	ServiceAccounts        = ResourceInfo{GroupVersionResource{"", "v1", "serviceaccounts"}, "ServiceAccount", true}
	PersistentVolumes      = ResourceInfo{GroupVersionResource{"", "v1", "persistentvolumes"}, "PersistentVolume", false}
	PersistentVolumeClaims = ResourceInfo{GroupVersionResource{"", "v1", "persistentvolumeclaims"}, "PersistentVolumeClaim", true}
	Events                 = ResourceInfo{GroupVersionResource{"", "v1", "events"}, "Event", true}
	ResourceQuotas         = ResourceInfo{GroupVersionResource{"", "v1", "resourcequotas"}, "ResourceQuota", true}
	LimitRanges            = ResourceInfo{GroupVersionResource{"", "v1", "limitranges"}, "LimitRange", true}

	// apps/v1
	Deployments         = ResourceInfo{GroupVersionResource{"apps", "v1", "deployments"}, "Deployment", true}
	ReplicaSets         = ResourceInfo{GroupVersionResource{"apps", "v1", "replicasets"}, "ReplicaSet", true}
	StatefulSets        = ResourceInfo{GroupVersionResource{"apps", "v1", "statefulsets"}, "StatefulSet", true}
	DaemonSets          = ResourceInfo{GroupVersionResource{"apps", "v1", "daemonsets"}, "DaemonSet", true}
	ControllerRevisions = ResourceInfo{GroupVersionResource{"apps", "v1", "controllerrevisions"}, "ControllerRevision", true}

	// discovery.k8s.io/v1
	EndpointSlices = ResourceInfo{GroupVersionResource{"discovery.k8s.io", "v1", "endpointslices"}, "EndpointSlice", true}

	// storage.k8s.io/v1
	StorageClasses    = ResourceInfo{GroupVersionResource{"storage.k8s.io", "v1", "storageclasses"}, "StorageClass", false}
	VolumeAttachments = ResourceInfo{GroupVersionResource{"storage.k8s.io", "v1", "volumeattachments"}, "VolumeAttachment", false}
	CSIDrivers        = ResourceInfo{GroupVersionResource{"storage.k8s.io", "v1", "csidrivers"}, "CSIDriver", false}
	CSINodes          = ResourceInfo{GroupVersionResource{"storage.k8s.io", "v1", "csinodes"}, "CSINode", false}

	// networking.k8s.io/v1
	NetworkPolicies = ResourceInfo{GroupVersionResource{"networking.k8s.io", "v1", "networkpolicies"}, "NetworkPolicy", true}
	Ingresses       = ResourceInfo{GroupVersionResource{"networking.k8s.io", "v1", "ingresses"}, "Ingress", true}
	IngressClasses  = ResourceInfo{GroupVersionResource{"networking.k8s.io", "v1", "ingressclasses"}, "IngressClass", false}

	// autoscaling/v2
	HorizontalPodAutoscalers = ResourceInfo{GroupVersionResource{"autoscaling", "v2", "horizontalpodautoscalers"}, "HorizontalPodAutoscaler", true}

	// coordination.k8s.io/v1
	Leases = ResourceInfo{GroupVersionResource{"coordination.k8s.io", "v1", "leases"}, "Lease", true}

	// rbac.authorization.k8s.io/v1
	Roles               = ResourceInfo{GroupVersionResource{"rbac.authorization.k8s.io", "v1", "roles"}, "Role", true}
	RoleBindings        = ResourceInfo{GroupVersionResource{"rbac.authorization.k8s.io", "v1", "rolebindings"}, "RoleBinding", true}
	ClusterRoles        = ResourceInfo{GroupVersionResource{"rbac.authorization.k8s.io", "v1", "clusterroles"}, "ClusterRole", false}
	ClusterRoleBindings = ResourceInfo{GroupVersionResource{"rbac.authorization.k8s.io", "v1", "clusterrolebindings"}, "ClusterRoleBinding", false}

	// scheduling.k8s.io/v1
	PriorityClasses = ResourceInfo{GroupVersionResource{"scheduling.k8s.io", "v1", "priorityclasses"}, "PriorityClass", false}
)

// builtin maps each built-in Go type to its resource. It is built once and
// only read afterwards.
var builtin = map[reflect.Type]ResourceInfo{
	reflect.TypeFor[corev1.Pod]():                            Pods,
	reflect.TypeFor[corev1.Node]():                           Nodes,
	reflect.TypeFor[corev1.Namespace]():                      Namespaces,
	reflect.TypeFor[corev1.Service]():                        Services,
	reflect.TypeFor[corev1.Endpoints]():                      Endpoints,
	reflect.TypeFor[corev1.ConfigMap]():                      ConfigMaps,
	reflect.TypeFor[corev1.Secret]():                         Secrets,
	reflect.TypeFor[corev1.ServiceAccount]():                 ServiceAccounts,
	reflect.TypeFor[corev1.PersistentVolume]():               PersistentVolumes,
	reflect.TypeFor[corev1.PersistentVolumeClaim]():          PersistentVolumeClaims,
	reflect.TypeFor[corev1.Event]():                          Events,
	reflect.TypeFor[corev1.ResourceQuota]():                  ResourceQuotas,
	reflect.TypeFor[corev1.LimitRange]():                     LimitRanges,
	reflect.TypeFor[appsv1.Deployment]():                     Deployments,
	reflect.TypeFor[appsv1.ReplicaSet]():                     ReplicaSets,
	reflect.TypeFor[appsv1.StatefulSet]():                    StatefulSets,
	reflect.TypeFor[appsv1.DaemonSet]():                      DaemonSets,
	reflect.TypeFor[appsv1.ControllerRevision]():             ControllerRevisions,
	reflect.TypeFor[discoveryv1.EndpointSlice]():             EndpointSlices,
	reflect.TypeFor[storagev1.StorageClass]():                StorageClasses,
	reflect.TypeFor[storagev1.VolumeAttachment]():            VolumeAttachments,
	reflect.TypeFor[storagev1.CSIDriver]():                   CSIDrivers,
	reflect.TypeFor[storagev1.CSINode]():                     CSINodes,
	reflect.TypeFor[networkingv1.NetworkPolicy]():            NetworkPolicies,
	reflect.TypeFor[networkingv1.Ingress]():                  Ingresses,
	reflect.TypeFor[networkingv1.IngressClass]():             IngressClasses,
	reflect.TypeFor[autoscalingv2.HorizontalPodAutoscaler](): HorizontalPodAutoscalers,
	reflect.TypeFor[coordinationv1.Lease]():                  Leases,
	reflect.TypeFor[rbacv1.Role]():                           Roles,
	reflect.TypeFor[rbacv1.RoleBinding]():                    RoleBindings,
	reflect.TypeFor[rbacv1.ClusterRole]():                    ClusterRoles,
	reflect.TypeFor[rbacv1.ClusterRoleBinding]():             ClusterRoleBindings,
	reflect.TypeFor[schedulingv1.PriorityClass]():            PriorityClasses,
}

// InfoFor returns the built-in resource whose objects are of type T, and
// false when T is not a built-in kind.
func InfoFor[T any]() (ResourceInfo, bool) {
	info, ok := builtin[reflect.TypeFor[T]()]
	return info, ok
}

// For returns a typed client over c for the built-in resource of type T:
//
//	pods, err := client.For[corev1.Pod](c)
//
// It fails only when T is not a built-in kind; use NewResource for others.
func For[T any, PT Object[T]](c *Client) (*Resource[T], error) {
	info, ok := InfoFor[T]()
	if !ok {
		return nil, fmt.Errorf("client.For: %v is not a built-in kind; use NewResource with its ResourceInfo", reflect.TypeFor[T]())
	}
	return NewResource[T, PT](c, info), nil
}
