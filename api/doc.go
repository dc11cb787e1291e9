// Package api is the root of Rigging's object model: Kubernetes-shaped Go
// types, one package per API group and version, whose JSON field names,
// nesting, enums and omit-empty behaviour are Kubernetes' own for every field
// carried, so a manifest written for Kubernetes decodes into them and
// encodes back unchanged.
//
// The groups:
//
//	api/meta/v1          TypeMeta, ObjectMeta, ListMeta, Status, LabelSelector, Time, watch events, discovery
//	api/core/v1          Pod, Node, Namespace, Service, Endpoints, ConfigMap, Secret, ServiceAccount,
//	                     PersistentVolume(Claim), Event, ResourceQuota, LimitRange
//	api/apps/v1          ReplicaSet, Deployment, DaemonSet, StatefulSet
//	api/discovery/v1     EndpointSlice
//	api/storage/v1       StorageClass, VolumeAttachment, CSIDriver, CSINode
//	api/networking/v1    NetworkPolicy, Ingress, IngressClass
//	api/autoscaling/v1   Scale (the scale subresource's body)
//	api/autoscaling/v2   HorizontalPodAutoscaler
//	api/coordination/v1  Lease
//	api/rbac/v1          Role, ClusterRole, RoleBinding, ClusterRoleBinding
//	api/scheduling/v1    PriorityClass
//
// The value types and helpers beside them: api/resource (Quantity),
// api/intstr (IntOrString), api/labels and api/fields (selectors),
// api/names (syntax rules for names), api/field (field paths and errors),
// api/defaults (Kubernetes' defaulting) and api/validation (Kubernetes'
// validation, with its exact messages).
//
// Every type has a generated deep copy (DeepCopy, DeepCopyInto), and every
// struct type of the group packages a reflection-free JSON encoder and
// decoder (AppendJSON, UnmarshalJSONFast; see api/internal/jsongen) whose
// results are exactly encoding/json's; regenerate both with
// `go generate ./api/...` after changing a type.
package api

//go:generate go run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0 object paths=./...
//go:generate go run ./internal/jsongen ./meta/v1 ./core/v1 ./apps/v1 ./autoscaling/v1 ./autoscaling/v2 ./coordination/v1 ./discovery/v1 ./networking/v1 ./policy/v1 ./rbac/v1 ./scheduling/v1 ./storage/v1
