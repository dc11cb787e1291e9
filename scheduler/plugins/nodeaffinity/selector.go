package nodeaffinity

import (
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
)

// ObjectNameField is the only node field matchFields may name.
const ObjectNameField = "metadata.name"

var operators = map[corev1.NodeSelectorOperator]labels.Operator{
	corev1.NodeSelectorOpIn:           labels.In,
	corev1.NodeSelectorOpNotIn:        labels.NotIn,
	corev1.NodeSelectorOpExists:       labels.Exists,
	corev1.NodeSelectorOpDoesNotExist: labels.DoesNotExist,
	corev1.NodeSelectorOpGt:           labels.GreaterThan,
	corev1.NodeSelectorOpLt:           labels.LessThan,
}

// term is a parsed NodeSelectorTerm. A term that failed to parse has err
// set and never matches.
type term struct {
	labels labels.Selector // nil when the term has no matchExpressions
	fields []fieldReq
	err    error
}

type fieldReq struct {
	value string
	equal bool
}

func isEmptyTerm(t *corev1.NodeSelectorTerm) bool {
	return len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0
}

func parseTerm(t *corev1.NodeSelectorTerm) term {
	var out term
	if len(t.MatchExpressions) > 0 {
		reqs := make([]labels.Requirement, 0, len(t.MatchExpressions))
		for i, e := range t.MatchExpressions {
			op, ok := operators[e.Operator]
			if !ok {
				out.err = fmt.Errorf("matchExpressions[%d].operator: Unsupported value: %q", i, e.Operator)
				return out
			}
			r, err := labels.NewRequirement(e.Key, op, e.Values)
			if err != nil {
				out.err = fmt.Errorf("matchExpressions[%d]: %w", i, err)
				return out
			}
			reqs = append(reqs, *r)
		}
		out.labels = labels.Everything().Add(reqs...)
	}
	for i, f := range t.MatchFields {
		if f.Key != ObjectNameField {
			out.err = fmt.Errorf("matchFields[%d].key: Invalid value: %q: field not supported", i, f.Key)
			return out
		}
		switch f.Operator {
		case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
			if len(f.Values) != 1 {
				out.err = fmt.Errorf("matchFields[%d].values: Invalid value: %q: must have one element", i, f.Values)
				return out
			}
			out.fields = append(out.fields, fieldReq{value: f.Values[0], equal: f.Operator == corev1.NodeSelectorOpIn})
		default:
			out.err = fmt.Errorf("matchFields[%d].operator: Unsupported value: %q: supported values: \"In\", \"NotIn\"", i, f.Operator)
			return out
		}
	}
	return out
}

func (t *term) match(node *corev1.Node) bool {
	if t.err != nil {
		return false
	}
	if t.labels != nil && !t.labels.Matches(labels.Set(node.Labels)) {
		return false
	}
	for _, f := range t.fields {
		if (node.Name == f.value) != f.equal {
			return false
		}
	}
	return true
}

// NodeSelector is a parsed corev1.NodeSelector: it matches a node when any
// of its non-empty terms matches. Terms that do not parse never match.
// It is immutable and safe for concurrent use.
type NodeSelector struct {
	terms []term
}

// NewNodeSelector parses ns. It returns the selector, and an error joining
// the problems of the terms that did not parse (those terms match no node).
func NewNodeSelector(ns *corev1.NodeSelector) (*NodeSelector, error) {
	out := &NodeSelector{}
	var errs []error
	for i := range ns.NodeSelectorTerms {
		t := &ns.NodeSelectorTerms[i]
		if isEmptyTerm(t) {
			continue
		}
		pt := parseTerm(t)
		if pt.err != nil {
			errs = append(errs, fmt.Errorf("nodeSelectorTerms[%d].%w", i, pt.err))
		}
		out.terms = append(out.terms, pt)
	}
	if len(errs) > 0 {
		return out, joinErrs(errs)
	}
	return out, nil
}

// Match reports whether node matches a term.
func (ns *NodeSelector) Match(node *corev1.Node) bool {
	if ns == nil {
		return false
	}
	for i := range ns.terms {
		if ns.terms[i].match(node) {
			return true
		}
	}
	return false
}

// RequiredNodeAffinity is a pod's spec.nodeSelector and its required node
// affinity: a node must satisfy both. Immutable once built.
type RequiredNodeAffinity struct {
	labelSelector labels.Selector // nil when the pod has no nodeSelector
	nodeSelector  *NodeSelector   // nil when the pod has no required affinity
}

// GetRequiredNodeAffinity parses pod's node selector and required node
// affinity. Terms that do not parse match no node.
func GetRequiredNodeAffinity(pod *corev1.Pod) RequiredNodeAffinity {
	var r RequiredNodeAffinity
	if len(pod.Spec.NodeSelector) > 0 {
		r.labelSelector = labels.SelectorFromSet(pod.Spec.NodeSelector)
	}
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		r.nodeSelector, _ = NewNodeSelector(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
	}
	return r
}

// Match reports whether node satisfies the node selector and the required
// affinity.
func (r RequiredNodeAffinity) Match(node *corev1.Node) bool {
	if r.labelSelector != nil && !r.labelSelector.Matches(labels.Set(node.Labels)) {
		return false
	}
	if r.nodeSelector != nil {
		return r.nodeSelector.Match(node)
	}
	return true
}

// PreferredSchedulingTerms are parsed preferred terms with their weights.
type PreferredSchedulingTerms struct {
	terms   []term
	weights []int64
}

// NewPreferredSchedulingTerms parses terms, leaving out those with weight
// 0 or no requirements.
func NewPreferredSchedulingTerms(terms []corev1.PreferredSchedulingTerm) (*PreferredSchedulingTerms, error) {
	out := &PreferredSchedulingTerms{}
	var errs []error
	for i := range terms {
		t := &terms[i]
		if t.Weight == 0 || isEmptyTerm(&t.Preference) {
			continue
		}
		pt := parseTerm(&t.Preference)
		if pt.err != nil {
			errs = append(errs, fmt.Errorf("preferredDuringSchedulingIgnoredDuringExecution[%d].preference.%w", i, pt.err))
			continue
		}
		out.terms = append(out.terms, pt)
		out.weights = append(out.weights, int64(t.Weight))
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return out, nil
}

// Score returns the sum of the weights of the terms node matches.
func (p *PreferredSchedulingTerms) Score(node *corev1.Node) int64 {
	var s int64
	for i := range p.terms {
		if p.terms[i].match(node) {
			s += p.weights[i]
		}
	}
	return s
}
