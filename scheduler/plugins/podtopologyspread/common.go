package podtopologyspread

import (
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// constraint is a TopologySpreadConstraint with its selector parsed and its
// defaults applied.
type constraint struct {
	MaxSkew     int32
	TopologyKey string
	// Selector selects the pods counted, matchLabelKeys included.
	Selector labels.Selector
	// MinDomains is minDomains, 1 when unset.
	MinDomains int32
	// NodeAffinityPolicy is nodeAffinityPolicy, Honor when unset.
	NodeAffinityPolicy corev1.NodeInclusionPolicy
	// NodeTaintsPolicy is nodeTaintsPolicy, Ignore when unset.
	NodeTaintsPolicy corev1.NodeInclusionPolicy
}

// matchNodeInclusionPolicies reports whether node counts for c when
// spreading pod: it passes pod's node affinity (policy Honor) and has no
// NoSchedule/NoExecute taint pod does not tolerate (policy Honor).
func (c *constraint) matchNodeInclusionPolicies(pod *corev1.Pod, node *corev1.Node, affinity requiredNodeAffinity) bool {
	if c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor && !affinity.match(node) {
		return false
	}
	if c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor && hasUntoleratedNoScheduleTaint(node.Spec.Taints, pod.Spec.Tolerations) {
		return false
	}
	return true
}

// parseConstraints returns the constraints of list whose whenUnsatisfiable
// is action, with podLabels' values of each constraint's matchLabelKeys
// added to its selector, or an error naming the constraint whose selector
// is invalid.
func parseConstraints(list []corev1.TopologySpreadConstraint, podLabels map[string]string, action corev1.UnsatisfiableConstraintAction) ([]constraint, error) {
	var out []constraint
	for i := range list {
		c := &list[i]
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel, err := labels.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			return nil, fmt.Errorf("topologySpreadConstraints[%d] (topologyKey %q) labelSelector: %w", i, c.TopologyKey, err)
		}
		if len(c.MatchLabelKeys) > 0 {
			match := make(labels.Set)
			for _, k := range c.MatchLabelKeys {
				if v, ok := podLabels[k]; ok {
					match[k] = v
				}
			}
			if len(match) > 0 {
				sel = mergeSetWithSelector(match, sel)
			}
		}
		pc := constraint{
			MaxSkew:            c.MaxSkew,
			TopologyKey:        c.TopologyKey,
			Selector:           sel,
			MinDomains:         1,
			NodeAffinityPolicy: corev1.NodeInclusionPolicyHonor,
			NodeTaintsPolicy:   corev1.NodeInclusionPolicyIgnore,
		}
		if c.MinDomains != nil {
			pc.MinDomains = *c.MinDomains
		}
		if c.NodeAffinityPolicy != nil {
			pc.NodeAffinityPolicy = *c.NodeAffinityPolicy
		}
		if c.NodeTaintsPolicy != nil {
			pc.NodeTaintsPolicy = *c.NodeTaintsPolicy
		}
		out = append(out, pc)
	}
	return out, nil
}

// mergeSetWithSelector returns s with "key=value" added for each entry of
// set; a selector that matches nothing stays so.
func mergeSetWithSelector(set labels.Set, s labels.Selector) labels.Selector {
	reqs, ok := s.Requirements()
	if !ok {
		return s
	}
	return labels.SelectorFromSet(set).Add(reqs...)
}

// nodeLabelsMatchSpreadConstraints reports whether nodeLabels hold the
// topology key of every constraint.
func nodeLabelsMatchSpreadConstraints(nodeLabels map[string]string, cs []constraint) bool {
	for i := range cs {
		if _, ok := nodeLabels[cs[i].TopologyKey]; !ok {
			return false
		}
	}
	return true
}

// countPodsMatchSelector counts the pods in namespace ns that sel selects,
// leaving out terminating pods (deletionTimestamp set), as Kubernetes does.
// An empty selector counts nothing.
func countPodsMatchSelector(pods []*framework.PodInfo, sel labels.Selector, ns string) int {
	if sel.Empty() {
		return 0
	}
	n := 0
	for _, pi := range pods {
		p := pi.Pod
		if p.DeletionTimestamp != nil || p.Namespace != ns {
			continue
		}
		if sel.Matches(labels.Set(p.Labels)) {
			n++
		}
	}
	return n
}

// podLabelsMatchSpreadConstraints reports whether any constraint selects
// podLabels.
func podLabelsMatchSpreadConstraints(cs []constraint, podLabels map[string]string) bool {
	for i := range cs {
		if cs[i].Selector.Matches(labels.Set(podLabels)) {
			return true
		}
	}
	return false
}

// constraintsFor returns pod's constraints for action: its own when it has
// any, else the plugin's default constraints with the selector of the
// workloads pod belongs to (none when it belongs to none).
func (pl *PodTopologySpread) constraintsFor(pod *corev1.Pod, action corev1.UnsatisfiableConstraintAction) ([]constraint, error) {
	if len(pod.Spec.TopologySpreadConstraints) > 0 {
		cs, err := parseConstraints(pod.Spec.TopologySpreadConstraints, pod.Labels, action)
		if err != nil {
			return nil, fmt.Errorf("pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
		return cs, nil
	}
	return pl.buildDefaultConstraints(pod, action)
}

// buildDefaultConstraints returns the default constraints for action, with
// the selector of the Services, ReplicaSet and StatefulSet pod belongs to;
// none when pod belongs to none or no WorkloadLister is known.
func (pl *PodTopologySpread) buildDefaultConstraints(pod *corev1.Pod, action corev1.UnsatisfiableConstraintAction) ([]constraint, error) {
	cs, err := parseConstraints(pl.defaultConstraints, pod.Labels, action)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	sel := defaultSelector(pod, pl.workloads)
	if sel.Empty() {
		return nil, nil
	}
	for i := range cs {
		cs[i].Selector = sel
	}
	return cs, nil
}

// defaultSelector is Kubernetes' helper.DefaultSelector: the labels of the
// selectors of every Service in pod's namespace that selects pod, ANDed
// with the selector of pod's controlling ReplicaSet or StatefulSet.
// ReplicationControllers are not part of this module's API and are not
// consulted. Lookup errors are ignored, as in Kubernetes. A nil w gives an
// empty selector.
func defaultSelector(pod *corev1.Pod, w WorkloadLister) labels.Selector {
	if w == nil {
		return labels.Everything()
	}
	set := make(labels.Set)
	if services, err := w.Services(pod.Namespace); err == nil {
		for _, svc := range services {
			if svc == nil || svc.Spec.Selector == nil {
				continue // a nil selector selects nothing, not everything
			}
			if labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
				for k, v := range svc.Spec.Selector {
					set[k] = v
				}
			}
		}
	}
	sel := labels.SelectorFromSet(set)
	owner := controllerOf(pod)
	if owner == nil || owner.APIVersion != "apps/v1" {
		return sel
	}
	switch owner.Kind {
	case "ReplicaSet":
		if rs, err := w.ReplicaSet(pod.Namespace, owner.Name); err == nil && rs != nil {
			sel = addSelector(sel, rs.Spec.Selector)
		}
	case "StatefulSet":
		if ss, err := w.StatefulSet(pod.Namespace, owner.Name); err == nil && ss != nil {
			sel = addSelector(sel, ss.Spec.Selector)
		}
	}
	return sel
}

// addSelector returns sel with the requirements of ls added, as
// Kubernetes does for a ReplicaSet's or StatefulSet's selector: an invalid
// or nil ls adds none.
func addSelector(sel labels.Selector, ls *metav1.LabelSelector) labels.Selector {
	other, err := labels.LabelSelectorAsSelector(ls)
	if err != nil {
		return sel
	}
	if reqs, ok := other.Requirements(); ok {
		return sel.Add(reqs...)
	}
	return sel
}

// controllerOf returns pod's controlling owner reference, or nil.
func controllerOf(pod *corev1.Pod) *metav1.OwnerReference {
	for i := range pod.OwnerReferences {
		r := &pod.OwnerReferences[i]
		if r.Controller != nil && *r.Controller {
			return r
		}
	}
	return nil
}
