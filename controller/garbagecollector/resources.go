package garbagecollector

import (
	"fmt"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// object is the part of any object the collector reads: its metadata.
// Decoding only metadata keeps the collector's caches small whatever the
// kind.
type object struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`
}

// DefaultResources returns the resources the collector watches by default:
// every built-in kind of package client's table (client.Pods,
// client.Deployments, ...) but Events, which Kubernetes' collector
// ignores too. The slice is new on each call: the caller may modify it.
func DefaultResources() []client.ResourceInfo {
	return []client.ResourceInfo{
		client.Pods, client.Nodes, client.Namespaces, client.Services, client.Endpoints,
		client.ConfigMaps, client.Secrets, client.ServiceAccounts, client.PersistentVolumes,
		client.PersistentVolumeClaims, client.ResourceQuotas, client.LimitRanges,
		client.Deployments, client.ReplicaSets, client.StatefulSets, client.DaemonSets, client.ControllerRevisions,
		client.EndpointSlices,
		client.StorageClasses, client.VolumeAttachments, client.CSIDrivers, client.CSINodes,
		client.NetworkPolicies, client.Ingresses, client.IngressClasses,
		client.HorizontalPodAutoscalers,
		client.Leases,
		client.Roles, client.RoleBindings, client.ClusterRoles, client.ClusterRoleBindings,
		client.PriorityClasses,
	}
}

// checkResources validates the resources to watch: each must be named
// completely, and no two may share a resource or a group and kind.
func checkResources(infos []client.ResourceInfo) error {
	byGVR := map[client.GroupVersionResource]bool{}
	byGK := map[groupKind]client.ResourceInfo{}
	for _, info := range infos {
		if info.Version == "" || info.Resource == "" || info.Kind == "" {
			return fmt.Errorf("resource %+v: version, resource and kind are required", info)
		}
		if byGVR[info.GroupVersionResource] {
			return fmt.Errorf("resource %s given twice", info.GroupVersionResource)
		}
		byGVR[info.GroupVersionResource] = true
		gk := groupKind{info.Group, info.Kind}
		if prev, ok := byGK[gk]; ok {
			return fmt.Errorf("resources %s and %s both serve kind %s", prev.GroupVersionResource, info.GroupVersionResource, info.Kind)
		}
		byGK[gk] = info
	}
	return nil
}
