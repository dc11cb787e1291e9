package apiserver

import (
	"strconv"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/fields"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	quantity "github.com/rigging-dev/rigging/api/resource"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

// registerBuiltins registers every kind of Rigging's api packages, with
// Kubernetes' names, scopes, short names and categories, in the order
// Kubernetes lists its groups. Binding, Scale and Eviction are
// subresource bodies, not resources.
func registerBuiltins(s *Server) error {
	core := func(kind, plural string, namespaced bool, short ...string) Resource {
		return Resource{Version: "v1", Kind: kind, Plural: plural, Namespaced: namespaced, ShortNames: short}
	}
	in := func(group, version, kind, plural string, namespaced bool, short ...string) Resource {
		return Resource{Group: group, Version: version, Kind: kind, Plural: plural, Namespaced: namespaced, ShortNames: short}
	}
	all := func(r Resource) Resource { r.Categories = []string{"all"}; return r }
	const (
		apps, autoscaling       = appsv1.GroupName, autoscalingv2.GroupName
		coordination, discovery = coordinationv1.GroupName, discoveryv1.GroupName
		networking, rbac        = networkingv1.GroupName, rbacv1.GroupName
		scheduling, storage     = schedulingv1.GroupName, storagev1.GroupName
	)
	errs := []error{
		// core/v1
		Register(s, core("ConfigMap", "configmaps", true, "cm"), Strategy[*corev1.ConfigMap]{}),
		Register(s, core("Endpoints", "endpoints", true, "ep"), Strategy[*corev1.Endpoints]{}),
		Register(s, core("Event", "events", true, "ev"), Strategy[*corev1.Event]{Fields: eventFields, TTL: s.opts.EventTTL}),
		Register(s, core("LimitRange", "limitranges", true, "limits"), Strategy[*corev1.LimitRange]{}),
		Register(s, core("Namespace", "namespaces", false, "ns"), namespaceStrategy()),
		Register(s, core("Node", "nodes", false, "no"), Strategy[*corev1.Node]{
			PrepareForCreate: func(*corev1.Node) {}, // a node may report its status when it registers
			Fields: func(n *corev1.Node) fields.Set {
				return fields.Set{"spec.unschedulable": strconv.FormatBool(n.Spec.Unschedulable)}
			},
		}),
		Register(s, core("PersistentVolumeClaim", "persistentvolumeclaims", true, "pvc"), Strategy[*corev1.PersistentVolumeClaim]{
			PrepareForCreate: func(c *corev1.PersistentVolumeClaim) {
				c.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
			},
		}),
		Register(s, core("PersistentVolume", "persistentvolumes", false, "pv"), Strategy[*corev1.PersistentVolume]{
			PrepareForCreate: func(v *corev1.PersistentVolume) {
				v.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending}
			},
		}),
		Register(s, all(core("Pod", "pods", true, "po")), podStrategy()),
		Register(s, core("ResourceQuota", "resourcequotas", true, "quota"), Strategy[*corev1.ResourceQuota]{}),
		Register(s, core("Secret", "secrets", true), Strategy[*corev1.Secret]{
			PrepareForCreate: mergeStringData,
			PrepareForUpdate: func(o, _ *corev1.Secret) { mergeStringData(o) },
			Fields:           func(o *corev1.Secret) fields.Set { return fields.Set{"type": string(o.Type)} },
		}),
		Register(s, core("ServiceAccount", "serviceaccounts", true, "sa"), Strategy[*corev1.ServiceAccount]{}),
		Register(s, all(core("Service", "services", true, "svc")), Strategy[*corev1.Service]{}),

		// apps/v1
		Register(s, in(apps, "v1", "ControllerRevision", "controllerrevisions", true), Strategy[*appsv1.ControllerRevision]{}),
		Register(s, all(in(apps, "v1", "DaemonSet", "daemonsets", true, "ds")), Strategy[*appsv1.DaemonSet]{}),
		Register(s, all(in(apps, "v1", "Deployment", "deployments", true, "deploy")), Strategy[*appsv1.Deployment]{
			Scale: &ScaleStrategy[*appsv1.Deployment]{
				Get: func(o *appsv1.Deployment) (int32, int32, string) {
					return replicas(o.Spec.Replicas), o.Status.Replicas, selectorString(o.Spec.Selector)
				},
				Set: func(o *appsv1.Deployment, n int32) { o.Spec.Replicas = &n },
			},
		}),
		Register(s, all(in(apps, "v1", "ReplicaSet", "replicasets", true, "rs")), Strategy[*appsv1.ReplicaSet]{
			Fields: func(o *appsv1.ReplicaSet) fields.Set {
				return fields.Set{"status.replicas": strconv.Itoa(int(o.Status.Replicas))}
			},
			Scale: &ScaleStrategy[*appsv1.ReplicaSet]{
				Get: func(o *appsv1.ReplicaSet) (int32, int32, string) {
					return replicas(o.Spec.Replicas), o.Status.Replicas, selectorString(o.Spec.Selector)
				},
				Set: func(o *appsv1.ReplicaSet, n int32) { o.Spec.Replicas = &n },
			},
		}),
		Register(s, all(in(apps, "v1", "StatefulSet", "statefulsets", true, "sts")), Strategy[*appsv1.StatefulSet]{
			Scale: &ScaleStrategy[*appsv1.StatefulSet]{
				Get: func(o *appsv1.StatefulSet) (int32, int32, string) {
					return replicas(o.Spec.Replicas), o.Status.Replicas, selectorString(o.Spec.Selector)
				},
				Set: func(o *appsv1.StatefulSet, n int32) { o.Spec.Replicas = &n },
			},
		}),

		// autoscaling/v2
		Register(s, all(in(autoscaling, "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, "hpa")),
			Strategy[*autoscalingv2.HorizontalPodAutoscaler]{}),

		// coordination.k8s.io/v1
		Register(s, in(coordination, "v1", "Lease", "leases", true), Strategy[*coordinationv1.Lease]{}),

		// discovery.k8s.io/v1
		Register(s, in(discovery, "v1", "EndpointSlice", "endpointslices", true), Strategy[*discoveryv1.EndpointSlice]{}),

		// networking.k8s.io/v1
		Register(s, in(networking, "v1", "IngressClass", "ingressclasses", false), Strategy[*networkingv1.IngressClass]{}),
		Register(s, in(networking, "v1", "Ingress", "ingresses", true, "ing"), Strategy[*networkingv1.Ingress]{}),
		Register(s, in(networking, "v1", "NetworkPolicy", "networkpolicies", true, "netpol"), Strategy[*networkingv1.NetworkPolicy]{}),

		// rbac.authorization.k8s.io/v1
		Register(s, in(rbac, "v1", "ClusterRoleBinding", "clusterrolebindings", false), Strategy[*rbacv1.ClusterRoleBinding]{}),
		Register(s, in(rbac, "v1", "ClusterRole", "clusterroles", false), Strategy[*rbacv1.ClusterRole]{}),
		Register(s, in(rbac, "v1", "RoleBinding", "rolebindings", true), Strategy[*rbacv1.RoleBinding]{}),
		Register(s, in(rbac, "v1", "Role", "roles", true), Strategy[*rbacv1.Role]{}),

		// scheduling.k8s.io/v1
		Register(s, in(scheduling, "v1", "PriorityClass", "priorityclasses", false, "pc"), Strategy[*schedulingv1.PriorityClass]{}),

		// storage.k8s.io/v1
		Register(s, in(storage, "v1", "CSIDriver", "csidrivers", false), Strategy[*storagev1.CSIDriver]{}),
		Register(s, in(storage, "v1", "CSINode", "csinodes", false), Strategy[*storagev1.CSINode]{}),
		Register(s, in(storage, "v1", "StorageClass", "storageclasses", false, "sc"), Strategy[*storagev1.StorageClass]{}),
		Register(s, in(storage, "v1", "VolumeAttachment", "volumeattachments", false), Strategy[*storagev1.VolumeAttachment]{}),
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	ns := s.lookup("", "namespaces")
	ns.holdsDeletion = func(obj metav1.Object) bool { return len(obj.(*corev1.Namespace).Spec.Finalizers) > 0 }
	ns.onDeletion = func(obj metav1.Object) { obj.(*corev1.Namespace).Status.Phase = corev1.NamespaceTerminating }
	return nil
}

// mergeStringData moves a Secret's stringData into data, winning over
// data, as Kubernetes does: stringData is write-only.
func mergeStringData(o *corev1.Secret) {
	if len(o.StringData) == 0 {
		o.StringData = nil
		return
	}
	if o.Data == nil {
		o.Data = map[string][]byte{}
	}
	for k, v := range o.StringData {
		o.Data[k] = []byte(v)
	}
	o.StringData = nil
}

// replicas returns *p, or 1 when p is nil (the API default).
func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// selectorString returns a label selector in its query string form, ""
// when it is nil or invalid.
func selectorString(ls *metav1.LabelSelector) string {
	if ls == nil {
		return ""
	}
	sel, err := labels.LabelSelectorAsSelector(ls)
	if err != nil {
		return ""
	}
	return sel.String()
}

// eventFields are the selectable fields of an Event.
func eventFields(e *corev1.Event) fields.Set {
	return fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         e.Source.Component,
		"type":                           e.Type,
	}
}

// namespaceStrategy is Kubernetes' namespace strategy: a new namespace is
// Active with the "kubernetes" finalizer in spec.finalizers, which only
// the finalize subresource may change; deleting a namespace whose
// spec.finalizers is not empty marks it Terminating until they are gone.
func namespaceStrategy() Strategy[*corev1.Namespace] {
	return Strategy[*corev1.Namespace]{
		PrepareForCreate: func(n *corev1.Namespace) {
			n.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
			if len(n.Spec.Finalizers) == 0 {
				n.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
			}
		},
		PrepareForUpdate: func(n, old *corev1.Namespace) {
			n.Spec.Finalizers = old.Spec.Finalizers
			n.Status = old.Status
		},
		Fields: func(n *corev1.Namespace) fields.Set {
			return fields.Set{"status.phase": string(n.Status.Phase)}
		},
	}
}

// podStrategy is Kubernetes' pod strategy: a new pod is Pending with its
// QoS class computed, a delete is graceful for a pod bound to a node and
// not finished, and the fields Kubernetes lets a field selector use are
// selectable.
func podStrategy() Strategy[*corev1.Pod] {
	return Strategy[*corev1.Pod]{
		PrepareForCreate: func(p *corev1.Pod) {
			p.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: podQOS(p)}
		},
		Fields: func(p *corev1.Pod) fields.Set {
			return fields.Set{
				"spec.nodeName":            p.Spec.NodeName,
				"spec.restartPolicy":       string(p.Spec.RestartPolicy),
				"spec.schedulerName":       p.Spec.SchedulerName,
				"spec.serviceAccountName":  p.Spec.ServiceAccountName,
				"spec.hostNetwork":         strconv.FormatBool(p.Spec.HostNetwork),
				"status.phase":             string(p.Status.Phase),
				"status.podIP":             p.Status.PodIP,
				"status.nominatedNodeName": p.Status.NominatedNodeName,
			}
		},
		GracePeriod: podGracePeriod,
	}
}

// podGracePeriod is a pod's deletion grace period: 0 for a pod that is not
// bound to a node or has finished, else the period asked for, else
// spec.terminationGracePeriodSeconds, else 30 s.
func podGracePeriod(p *corev1.Pod, requested *int64) int64 {
	switch {
	case p.Spec.NodeName == "", p.Status.Phase == corev1.PodSucceeded, p.Status.Phase == corev1.PodFailed:
		return 0
	case requested != nil:
		return *requested
	case p.Spec.TerminationGracePeriodSeconds != nil:
		return *p.Spec.TerminationGracePeriodSeconds
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

// podQOS computes a pod's QoS class as Kubernetes does: BestEffort when no
// container requests or limits CPU or memory, Guaranteed when every
// container limits both and the requests equal the limits, else Burstable.
func podQOS(p *corev1.Pod) corev1.PodQOSClass {
	// The sums of CPU (index 0) and memory (1) requests and limits.
	var requests, limits [2]quantity.Quantity
	var hasRequest, hasLimit [2]bool
	guaranteed := true
	add := func(c *corev1.Container) {
		for i, name := range [2]corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := c.Resources.Requests[name]; ok && q.Sign() > 0 {
				requests[i].Add(q)
				hasRequest[i] = true
			}
			if q, ok := c.Resources.Limits[name]; ok && q.Sign() > 0 {
				limits[i].Add(q)
				hasLimit[i] = true
			} else {
				guaranteed = false
			}
		}
	}
	for i := range p.Spec.InitContainers {
		add(&p.Spec.InitContainers[i])
	}
	for i := range p.Spec.Containers {
		add(&p.Spec.Containers[i])
	}
	if hasRequest == [2]bool{} && hasLimit == [2]bool{} {
		return corev1.PodQOSBestEffort
	}
	if guaranteed && hasRequest == hasLimit {
		for i := range requests {
			if hasRequest[i] && limits[i].Cmp(requests[i]) != 0 {
				guaranteed = false
			}
		}
		if guaranteed {
			return corev1.PodQOSGuaranteed
		}
	}
	return corev1.PodQOSBurstable
}
