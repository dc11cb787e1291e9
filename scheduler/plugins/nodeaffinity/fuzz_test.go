package nodeaffinity

import (
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// FuzzNodeSelector checks that any requirement parses without panicking
// and that a term that fails to parse matches no node.
func FuzzNodeSelector(f *testing.F) {
	f.Add("zone", "In", "a", "zone", "a")
	f.Add("gen", "Gt", "4", "gen", "5")
	f.Add("metadata.name", "NotIn", "n", "x", "y")
	f.Add("", "Lt", "x", "", "")
	f.Fuzz(func(t *testing.T, key, op, value, labelKey, labelValue string) {
		ns := &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
			{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: corev1.NodeSelectorOperator(op), Values: []string{value}}}},
			{MatchFields: []corev1.NodeSelectorRequirement{{Key: key, Operator: corev1.NodeSelectorOperator(op), Values: []string{value}}}},
		}}
		sel, err := NewNodeSelector(ns)
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: labelValue, Labels: map[string]string{labelKey: labelValue}}}
		matched := sel.Match(node)
		if err != nil && len(sel.terms) == 2 && sel.terms[0].err != nil && sel.terms[1].err != nil && matched {
			t.Errorf("selector with only invalid terms matched: %v", err)
		}
	})
}
