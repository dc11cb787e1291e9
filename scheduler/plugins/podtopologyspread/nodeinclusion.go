package podtopologyspread

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
)

// requiredNodeAffinity is a pod's spec.nodeSelector together with its
// required node affinity: the node filter that nodeAffinityPolicy Honor
// applies when counting domains. It matches a node as Kubernetes'
// component-helpers nodeaffinity.RequiredNodeAffinity does, ignoring terms
// that do not parse (Kubernetes ignores those errors here too, for
// backwards compatibility).
type requiredNodeAffinity struct {
	// nodeSelector is spec.nodeSelector as a selector; nil when the pod
	// has none.
	nodeSelector labels.Selector
	// terms are the parsed required node selector terms; nil when the pod
	// has no required node affinity. A non-nil empty slice matches no node.
	terms []nodeSelectorTerm
}

// nodeSelectorTerm is one parsed NodeSelectorTerm: its label requirements
// and its metadata.name requirements. Both must match.
type nodeSelectorTerm struct {
	labels labels.Selector // nil when the term has no matchExpressions
	fields []fieldRequirement
}

// fieldRequirement is a matchFields requirement: In (equal) or NotIn (not
// equal) one value.
type fieldRequirement struct {
	key   string
	value string
	equal bool
}

// objectNameField is the only node field a matchFields requirement can
// name.
const objectNameField = "metadata.name"

// newRequiredNodeAffinity parses pod's node selector and required node
// affinity.
func newRequiredNodeAffinity(pod *corev1.Pod) requiredNodeAffinity {
	var r requiredNodeAffinity
	if len(pod.Spec.NodeSelector) > 0 {
		r.nodeSelector = labels.SelectorFromSet(pod.Spec.NodeSelector)
	}
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return r
	}
	r.terms = []nodeSelectorTerm{}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
			continue // an empty term matches no node
		}
		if parsed, ok := parseNodeSelectorTerm(&t); ok {
			r.terms = append(r.terms, parsed)
		}
	}
	return r
}

// parseNodeSelectorTerm parses t; false when a requirement is invalid,
// which drops the whole term.
func parseNodeSelectorTerm(t *corev1.NodeSelectorTerm) (nodeSelectorTerm, bool) {
	var out nodeSelectorTerm
	if len(t.MatchExpressions) > 0 {
		sel := labels.Everything()
		for _, e := range t.MatchExpressions {
			op, ok := nodeSelectorOperators[e.Operator]
			if !ok {
				return out, false
			}
			req, err := labels.NewRequirement(e.Key, op, e.Values)
			if err != nil {
				return out, false
			}
			sel = sel.Add(*req)
		}
		out.labels = sel
	}
	for _, f := range t.MatchFields {
		if len(f.Values) != 1 {
			return out, false
		}
		switch f.Operator {
		case corev1.NodeSelectorOpIn:
			out.fields = append(out.fields, fieldRequirement{key: f.Key, value: f.Values[0], equal: true})
		case corev1.NodeSelectorOpNotIn:
			out.fields = append(out.fields, fieldRequirement{key: f.Key, value: f.Values[0]})
		default:
			return out, false
		}
	}
	return out, true
}

// nodeSelectorOperators maps the operators of node selector requirements to
// those of label requirements.
var nodeSelectorOperators = map[corev1.NodeSelectorOperator]labels.Operator{
	corev1.NodeSelectorOpIn:           labels.In,
	corev1.NodeSelectorOpNotIn:        labels.NotIn,
	corev1.NodeSelectorOpExists:       labels.Exists,
	corev1.NodeSelectorOpDoesNotExist: labels.DoesNotExist,
	corev1.NodeSelectorOpGt:           labels.GreaterThan,
	corev1.NodeSelectorOpLt:           labels.LessThan,
}

// match reports whether node passes the node selector and at least one
// required term.
func (r requiredNodeAffinity) match(node *corev1.Node) bool {
	if r.nodeSelector != nil && !r.nodeSelector.Matches(labels.Set(node.Labels)) {
		return false
	}
	if r.terms == nil {
		return true
	}
	for _, t := range r.terms {
		if t.match(node) {
			return true
		}
	}
	return false
}

func (t nodeSelectorTerm) match(node *corev1.Node) bool {
	if t.labels != nil && !t.labels.Matches(labels.Set(node.Labels)) {
		return false
	}
	for _, f := range t.fields {
		var v string
		if f.key == objectNameField {
			v = node.Name
		}
		if (v == f.value) != f.equal {
			return false
		}
	}
	return true
}

// hasUntoleratedNoScheduleTaint reports whether node has a NoSchedule or
// NoExecute taint that none of tolerations tolerates: the node filter that
// nodeTaintsPolicy Honor applies.
func hasUntoleratedNoScheduleTaint(taints []corev1.Taint, tolerations []corev1.Toleration) bool {
	for i := range taints {
		t := &taints[i]
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		tolerated := false
		for j := range tolerations {
			if toleratesTaint(&tolerations[j], t) {
				tolerated = true
				break
			}
		}
		if !tolerated {
			return true
		}
	}
	return false
}

// toleratesTaint reports whether tol tolerates taint, by Kubernetes' rules:
// an empty effect matches every effect, an empty key (with Exists) every
// key, and the empty operator means Equal.
func toleratesTaint(tol *corev1.Toleration, taint *corev1.Taint) bool {
	if tol.Effect != "" && tol.Effect != taint.Effect {
		return false
	}
	if tol.Key != "" && tol.Key != taint.Key {
		return false
	}
	switch tol.Operator {
	case "", corev1.TolerationOpEqual:
		return tol.Value == taint.Value
	case corev1.TolerationOpExists:
		return true
	}
	return false
}
