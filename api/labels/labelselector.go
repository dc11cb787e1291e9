package labels

import (
	"fmt"
	"slices"
	"sort"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/names"
)

// LabelSelectorAsSelector converts the LabelSelector of an API object to a
// Selector:
//
//   - nil gives Nothing(): a missing selector selects no objects;
//   - a selector with no matchLabels and no matchExpressions gives
//     Everything();
//   - otherwise each matchLabels entry becomes key=value and each
//     matchExpressions entry key in (...), key notin (...), key or !key.
//
// It first checks ps with ValidateLabelSelector and returns that error, a
// *ValidationError, when ps is invalid. It does not modify ps, and the
// selector does not share memory with it.
func LabelSelectorAsSelector(ps *metav1.LabelSelector) (Selector, error) {
	if ps == nil {
		return nothing, nil
	}
	if len(ps.MatchLabels)+len(ps.MatchExpressions) == 0 {
		return everything, nil
	}
	if err := ValidateLabelSelector(ps); err != nil {
		return nil, err
	}
	reqs := make(selector, 0, len(ps.MatchLabels)+len(ps.MatchExpressions))
	for _, k := range sortedKeys(ps.MatchLabels) {
		reqs = append(reqs, Requirement{key: k, operator: Equals, values: []string{ps.MatchLabels[k]}})
	}
	for _, expr := range ps.MatchExpressions {
		reqs = append(reqs, Requirement{key: expr.Key, operator: selectorOperators[expr.Operator], values: slices.Clone(expr.Values)})
	}
	sortByKey(reqs)
	return reqs, nil
}

// selectorOperators maps the operators of a LabelSelectorRequirement to
// those of a Requirement.
var selectorOperators = map[metav1.LabelSelectorOperator]Operator{
	metav1.LabelSelectorOpIn:           In,
	metav1.LabelSelectorOpNotIn:        NotIn,
	metav1.LabelSelectorOpExists:       Exists,
	metav1.LabelSelectorOpDoesNotExist: DoesNotExist,
}

// ValidateLabelSelector checks ps as the Kubernetes API server validates a
// LabelSelector and returns a *ValidationError listing every problem, or nil.
// The rules: matchLabels keys are qualified names and values label values;
// each matchExpressions entry has a qualified-name key, an operator of In,
// NotIn, Exists or DoesNotExist, at least one value for In and NotIn, no
// values for Exists and DoesNotExist, and label values only. A nil ps is
// valid.
//
// The problems name fields relative to the selector ("matchExpressions[0].values:
// Required value: must be specified when `operator` is 'In' or 'NotIn'"); a
// caller reporting them for an object puts the selector's own path in front
// ("spec.selector.").
func ValidateLabelSelector(ps *metav1.LabelSelector) error {
	if ps == nil {
		return nil
	}
	var p problems
	for _, k := range sortedKeys(ps.MatchLabels) {
		for _, msg := range names.IsQualifiedName(k) {
			p.add("matchLabels", "Invalid value", k, msg)
		}
		v := ps.MatchLabels[k]
		for _, msg := range names.IsValidLabelValue(v) {
			p.add("matchLabels", "Invalid value", v, msg)
		}
	}
	for i, expr := range ps.MatchExpressions {
		path := fmt.Sprintf("matchExpressions[%d].", i)
		switch expr.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
			if len(expr.Values) == 0 {
				p.add(path+"values", "Required value", nil, "must be specified when `operator` is 'In' or 'NotIn'")
			}
		case metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist:
			if len(expr.Values) > 0 {
				p.add(path+"values", "Forbidden", nil, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
			}
		default:
			p.add(path+"operator", "Invalid value", string(expr.Operator), "not a valid selector operator")
		}
		for _, msg := range names.IsQualifiedName(expr.Key) {
			p.add(path+"key", "Invalid value", expr.Key, msg)
		}
		for j, v := range expr.Values {
			for _, msg := range names.IsValidLabelValue(v) {
				p.add(fmt.Sprintf("%svalues[%d]", path, j), "Invalid value", v, msg)
			}
		}
	}
	return p.err()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
