package apiserver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/fields"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	quantity "github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/store"
)

// quotaAdmission is Kubernetes' ResourceQuota plugin, with the part of the
// quota controller that an API server without controllers needs.
//
// On the create of an object in a namespace, every ResourceQuota of the
// namespace that constrains what the object uses is charged: its
// status.used grows by the object's usage, written with compare-and-swap
// on the quota, so that concurrent creates never exceed status.hard
// together. A create that would exceed a quota is refused with 403
// "exceeded quota: <name>, requested: ..., used: ..., limited: ...", and a
// pod that lacks a request or limit a quota constrains with 403 "failed
// quota: <name>: must specify ...". What a create was charged is given
// back when its write fails, and an object's usage is released when it is
// removed from the store.
//
// Usage counted: "count/<resource>[.<group>]" for any resource; for pods
// that have not finished, "pods", "cpu"/"requests.cpu",
// "memory"/"requests.memory", "ephemeral-storage"/
// "requests.ephemeral-storage" and the "limits." ones; "services",
// "services.nodeports", "services.loadbalancers"; "persistentvolumeclaims"
// and "requests.storage"; "configmaps", "secrets", "resourcequotas". The
// pod scopes Terminating, NotTerminating, BestEffort, NotBestEffort and
// PriorityClass are honoured. When a ResourceQuota is created or its spec
// updated, its status.hard is set to spec.hard and status.used is computed
// from the objects in the namespace. Updates of objects are not charged,
// and a pod that finishes keeps its compute usage until it is deleted.
type quotaAdmission struct{ s *Server }

// quotaCharge is what one quota was charged for a create.
type quotaCharge struct {
	namespace, name string
	delta           corev1.ResourceList
}

// one is the usage of one object.
var one = quantity.MustParse("1")

// countName returns the object count quota name of r: "count/pods",
// "count/deployments.apps".
func countName(r *resource) corev1.ResourceName {
	if r.info.Group == "" {
		return corev1.ResourceName("count/" + r.info.Plural)
	}
	return corev1.ResourceName("count/" + r.info.Plural + "." + r.info.Group)
}

// coreQuotaKeys are the quota names, beyond count/<resource>, that objects
// of core resources use.
var coreQuotaKeys = map[string][]corev1.ResourceName{
	"pods": {corev1.ResourcePods, corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
		corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceRequestsEphemeralStorage,
		corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceLimitsEphemeralStorage},
	"services":               {corev1.ResourceServices, corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers},
	"persistentvolumeclaims": {corev1.ResourcePersistentVolumeClaims, corev1.ResourceRequestsStorage},
	"configmaps":             {corev1.ResourceConfigMaps},
	"secrets":                {corev1.ResourceSecrets},
	"resourcequotas":         {corev1.ResourceQuotas},
}

// quotaUsage returns what obj, an object of r, uses of quotas.
func quotaUsage(r *resource, obj metav1.Object) corev1.ResourceList {
	u := corev1.ResourceList{countName(r): one}
	if r.info.Group != "" {
		return u
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		if o.Status.Phase == corev1.PodSucceeded || o.Status.Phase == corev1.PodFailed {
			return u
		}
		u[corev1.ResourcePods] = one
		req, lim := podRequests(o)
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
			if q, ok := req[name]; ok {
				u[name] = q
				u["requests."+name] = q
			}
			if q, ok := lim[name]; ok {
				u["limits."+name] = q
			}
		}
	case *corev1.Service:
		u[corev1.ResourceServices] = one
		ports := int64(0)
		if o.Spec.Type == corev1.ServiceTypeNodePort || o.Spec.Type == corev1.ServiceTypeLoadBalancer {
			ports = int64(len(o.Spec.Ports))
		}
		u[corev1.ResourceServicesNodePorts] = *quantity.NewQuantity(ports, quantity.DecimalSI)
		lb := int64(0)
		if o.Spec.Type == corev1.ServiceTypeLoadBalancer {
			lb = 1
		}
		u[corev1.ResourceServicesLoadBalancers] = *quantity.NewQuantity(lb, quantity.DecimalSI)
	case *corev1.PersistentVolumeClaim:
		u[corev1.ResourcePersistentVolumeClaims] = one
		if q, ok := o.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
			u[corev1.ResourceRequestsStorage] = q
		}
	case *corev1.ConfigMap, *corev1.Secret, *corev1.ResourceQuota:
		u[corev1.ResourceName(r.info.Plural)] = one
	}
	return u
}

// podRequests returns a pod's effective requests and limits: the sum over
// its containers, at least the largest of any init container, plus its
// overhead.
func podRequests(p *corev1.Pod) (req, lim corev1.ResourceList) {
	sum := func(pick func(corev1.Container) corev1.ResourceList) corev1.ResourceList {
		out := corev1.ResourceList{}
		for _, c := range p.Spec.Containers {
			for name, q := range pick(c) {
				t := out[name]
				t.Add(q)
				out[name] = t
			}
		}
		for _, c := range p.Spec.InitContainers {
			for name, q := range pick(c) {
				if t, ok := out[name]; !ok || q.Cmp(t) > 0 {
					out[name] = q
				}
			}
		}
		for name, q := range p.Spec.Overhead {
			if t, ok := out[name]; ok {
				t.Add(q)
				out[name] = t
			}
		}
		return out
	}
	return sum(func(c corev1.Container) corev1.ResourceList { return c.Resources.Requests }),
		sum(func(c corev1.Container) corev1.ResourceList { return c.Resources.Limits })
}

// quotaMatches reports whether quota q constrains obj of r: a quota
// without scopes constrains every object; one with scopes only pods in
// every scope.
func quotaMatches(q *corev1.ResourceQuota, r *resource, obj metav1.Object) bool {
	type req struct {
		scope  corev1.ResourceQuotaScope
		op     corev1.ScopeSelectorOperator
		values []string
	}
	var reqs []req
	for _, sc := range q.Spec.Scopes {
		reqs = append(reqs, req{scope: sc, op: corev1.ScopeSelectorOpExists})
	}
	if q.Spec.ScopeSelector != nil {
		for _, e := range q.Spec.ScopeSelector.MatchExpressions {
			reqs = append(reqs, req{scope: e.ScopeName, op: e.Operator, values: e.Values})
		}
	}
	if len(reqs) == 0 {
		return true
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok || r.info.Group != "" {
		return false
	}
	for _, rq := range reqs {
		var has bool
		switch rq.scope {
		case corev1.ResourceQuotaScopeTerminating:
			has = pod.Spec.ActiveDeadlineSeconds != nil && *pod.Spec.ActiveDeadlineSeconds >= 0
		case corev1.ResourceQuotaScopeNotTerminating:
			has = pod.Spec.ActiveDeadlineSeconds == nil
		case corev1.ResourceQuotaScopeBestEffort:
			has = podQOS(pod) == corev1.PodQOSBestEffort
		case corev1.ResourceQuotaScopeNotBestEffort:
			has = podQOS(pod) != corev1.PodQOSBestEffort
		case corev1.ResourceQuotaScopePriorityClass:
			switch rq.op {
			case corev1.ScopeSelectorOpIn:
				has = slices.Contains(rq.values, pod.Spec.PriorityClassName)
			case corev1.ScopeSelectorOpNotIn:
				has = !slices.Contains(rq.values, pod.Spec.PriorityClassName)
			case corev1.ScopeSelectorOpExists:
				has = pod.Spec.PriorityClassName != ""
			case corev1.ScopeSelectorOpDoesNotExist:
				has = pod.Spec.PriorityClassName == ""
			}
			if !has {
				return false
			}
			continue
		default:
			return false
		}
		if rq.op == corev1.ScopeSelectorOpDoesNotExist {
			has = !has
		}
		if !has {
			return false
		}
	}
	return true
}

// hardOf returns the limits a quota enforces: status.hard, or spec.hard
// before status is set.
func hardOf(q *corev1.ResourceQuota) corev1.ResourceList {
	if len(q.Status.Hard) > 0 {
		return q.Status.Hard
	}
	return q.Spec.Hard
}

// mustSpecify returns what a pod's containers lack of the requests and
// limits that hard constrains, as Kubernetes words it ("limits.cpu for:
// app; requests.cpu for: app"), or "".
func mustSpecify(hard corev1.ResourceList, pod *corev1.Pod) string {
	type need struct {
		name     corev1.ResourceName
		resource corev1.ResourceName
		limit    bool
	}
	var needs []need
	for _, n := range []need{
		{corev1.ResourceLimitsCPU, corev1.ResourceCPU, true},
		{corev1.ResourceLimitsMemory, corev1.ResourceMemory, true},
		{corev1.ResourceRequestsCPU, corev1.ResourceCPU, false},
		{corev1.ResourceRequestsMemory, corev1.ResourceMemory, false},
	} {
		_, direct := hard[n.name]
		_, bare := hard[n.resource]
		if direct || (!n.limit && bare) {
			needs = append(needs, n)
		}
	}
	var parts []string
	for _, n := range needs {
		var missing []string
		for _, c := range append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...) {
			list := c.Resources.Requests
			if n.limit {
				list = c.Resources.Limits
			}
			if _, ok := list[n.resource]; !ok {
				missing = append(missing, c.Name)
			}
		}
		if len(missing) > 0 {
			parts = append(parts, string(n.name)+" for: "+strings.Join(missing, ","))
		}
	}
	return strings.Join(parts, "; ")
}

// prettyList prints a resource list as Kubernetes' quota messages do:
// "pods=1,requests.cpu=500m", sorted by name.
func prettyList(l corev1.ResourceList) string {
	names := make([]string, 0, len(l))
	for n := range l {
		names = append(names, string(n))
	}
	slices.Sort(names)
	for i, n := range names {
		q := l[corev1.ResourceName(n)]
		names[i] = n + "=" + q.String()
	}
	return strings.Join(names, ",")
}

// quotasIn returns the names of the ResourceQuotas of a namespace, from
// the store: from their keys, without decoding them (each is read again
// when it is charged).
func (q *quotaAdmission) quotasIn(ctx context.Context, namespace string) ([]string, error) {
	qr := q.s.lookup("", "resourcequotas")
	if qr == nil {
		return nil, nil
	}
	prefix := qr.listPrefix(namespace)
	resp, err := q.s.store.List(ctx, prefix, store.ListOptions{})
	if err != nil {
		return nil, storeError(qr, "", err)
	}
	if len(resp.KVs) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(resp.KVs))
	for _, kv := range resp.KVs {
		names = append(names, strings.TrimPrefix(kv.Key, prefix))
	}
	return names, nil
}

// Validate charges the quotas of the namespace for a create.
func (q *quotaAdmission) Validate(ctx context.Context, a *Attributes) error {
	if a.Operation != Create || a.Subresource != "" || a.Namespace == "" || a.Object == nil {
		return nil
	}
	r := q.s.lookup(a.Group, a.Resource)
	if r == nil {
		return nil
	}
	names, err := q.quotasIn(ctx, a.Namespace)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return nil // the usage is worth computing only for a quota
	}
	usage := quotaUsage(r, a.Object)
	qr := q.s.lookup("", "resourcequotas")
	for _, name := range names {
		var charged corev1.ResourceList
		_, _, err := q.s.guaranteedUpdate(ctx, qr, a.Namespace, name, writeOptions{dryRun: a.DryRun}, func(cur metav1.Object) (metav1.Object, error) {
			charged = nil
			rq := cur.(*corev1.ResourceQuota)
			if !quotaMatches(rq, r, a.Object) {
				return rq, nil
			}
			hard := hardOf(rq)
			if pod, ok := a.Object.(*corev1.Pod); ok && r.info.Group == "" && usage[corev1.ResourcePods].Sign() > 0 {
				if missing := mustSpecify(hard, pod); missing != "" {
					return nil, fmt.Errorf("failed quota: %s: must specify %s", rq.Name, missing)
				}
			}
			delta := corev1.ResourceList{}
			for name := range hard {
				if v, ok := usage[name]; ok {
					delta[name] = v
				}
			}
			if len(delta) == 0 {
				return rq, nil
			}
			used := corev1.ResourceList{}
			for k, v := range rq.Status.Used {
				used[k] = v
			}
			exceeded, requested, failedUsed, limited := false, corev1.ResourceList{}, corev1.ResourceList{}, corev1.ResourceList{}
			for name, d := range delta {
				total := used[name]
				total.Add(d)
				if total.Cmp(hard[name]) > 0 {
					exceeded = true
					requested[name], failedUsed[name], limited[name] = d, used[name], hard[name]
				}
				used[name] = total
			}
			if exceeded {
				return nil, fmt.Errorf("exceeded quota: %s, requested: %s, used: %s, limited: %s",
					rq.Name, prettyList(requested), prettyList(failedUsed), prettyList(limited))
			}
			rq.Status.Used = used
			if len(rq.Status.Hard) == 0 {
				rq.Status.Hard = hard
			}
			charged = delta
			return rq, nil
		})
		if err != nil {
			if st := asStatus(err); st.Reason == metav1.StatusReasonNotFound && st.Details != nil && st.Details.Kind == "resourcequotas" {
				continue // deleted meanwhile
			}
			q.refund(ctx, a)
			return err
		}
		if charged != nil && !a.DryRun {
			a.quotaCharges = append(a.quotaCharges, quotaCharge{namespace: a.Namespace, name: name, delta: charged})
		}
	}
	return nil
}

// subtract lowers the used amounts of quota ns/name by delta, never below
// zero; match, when set, says whether the quota applies.
func (q *quotaAdmission) subtract(ctx context.Context, ns, name string, delta corev1.ResourceList, match func(*corev1.ResourceQuota) bool) {
	qr := q.s.lookup("", "resourcequotas")
	_, _, err := q.s.guaranteedUpdate(ctx, qr, ns, name, writeOptions{}, func(cur metav1.Object) (metav1.Object, error) {
		rq := cur.(*corev1.ResourceQuota)
		if match != nil && !match(rq) {
			return rq, nil
		}
		hard := hardOf(rq)
		used := corev1.ResourceList{}
		for k, v := range rq.Status.Used {
			used[k] = v
		}
		for k, d := range delta {
			if _, ok := hard[k]; !ok {
				continue
			}
			v := used[k]
			v.Sub(d)
			if v.Sign() < 0 {
				v = quantity.Quantity{}
			}
			used[k] = v
		}
		rq.Status.Used = used
		return rq, nil
	})
	if err != nil && asStatus(err).Reason != metav1.StatusReasonNotFound {
		q.s.log.Error(err, "release quota", "namespace", ns, "quota", name)
	}
}

// refund gives back what a create was charged.
func (q *quotaAdmission) refund(ctx context.Context, a *Attributes) {
	for _, c := range a.quotaCharges {
		q.subtract(ctx, c.namespace, c.name, c.delta, nil)
	}
	a.quotaCharges = nil
}

// releaseObject releases the usage of obj, an object of r just removed
// from the store.
func (q *quotaAdmission) releaseObject(ctx context.Context, r *resource, obj metav1.Object) {
	ns := obj.GetObjectMeta().Namespace
	if ns == "" || (r.info.Group == "" && r.info.Plural == "resourcequotas") {
		return
	}
	usage := quotaUsage(r, obj)
	names, err := q.quotasIn(ctx, ns)
	if err != nil {
		q.s.log.Error(err, "release quota", "namespace", ns)
		return
	}
	for _, name := range names {
		q.subtract(ctx, ns, name, usage, func(rq *corev1.ResourceQuota) bool { return quotaMatches(rq, r, obj) })
	}
}

// prepareQuota sets a ResourceQuota's status when it is created or its
// spec updated: hard from spec.hard, used computed from the objects of its
// namespace.
func (q *quotaAdmission) prepareQuota(ctx context.Context, obj, old metav1.Object) error {
	rq := obj.(*corev1.ResourceQuota)
	if old != nil && q.s.lookup("", "resourcequotas").specEqual(obj, old) {
		return nil
	}
	hard := corev1.ResourceList{}
	for k, v := range rq.Spec.Hard {
		hard[k] = v
	}
	used := corev1.ResourceList{}
	for k := range hard {
		used[k] = quantity.Quantity{}
	}
	for _, r := range q.s.resources {
		if !r.info.Namespaced || !quotaRelevant(r, hard) {
			continue
		}
		res, err := q.s.listStore(ctx, r, &listRequest{namespace: rq.Namespace, label: labels.Everything(), field: fields.Everything()}, 0)
		if err != nil {
			return err
		}
		for _, it := range res.items {
			obj, err := it.object(r)
			if err != nil {
				return err
			}
			if !quotaMatches(rq, r, obj) {
				continue
			}
			for k, v := range quotaUsage(r, obj) {
				if _, ok := hard[k]; ok {
					t := used[k]
					t.Add(v)
					used[k] = t
				}
			}
		}
	}
	rq.Status.Hard, rq.Status.Used = hard, used
	return nil
}

// quotaRelevant reports whether objects of r can use any quota in hard.
func quotaRelevant(r *resource, hard corev1.ResourceList) bool {
	if _, ok := hard[countName(r)]; ok {
		return true
	}
	if r.info.Group != "" {
		return false
	}
	for _, k := range coreQuotaKeys[r.info.Plural] {
		if _, ok := hard[k]; ok {
			return true
		}
	}
	return false
}
