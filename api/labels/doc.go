// Package labels selects objects by their labels, as Kubernetes label
// selectors do (k8s.io/apimachinery/pkg/labels): the same string syntax,
// the same matching rules, the same canonical string form.
//
// Start with Parse, which reads the selector syntax of the labelSelector
// query parameter and of kubectl -l:
//
//	environment=production,tier!=frontend
//	environment in (production, qa),tier notin (frontend),partition,!canary
//	replicas>2,priority<10
//
// or with LabelSelectorAsSelector, which converts the LabelSelector of an API
// object (a Deployment's spec.selector, say). Then call Matches on a Set of an
// object's labels.
//
// The rules, as in Kubernetes: requirements are ANDed; "=" and "==" and "in"
// need the key present with one of the values; "!=" and "notin" also match
// when the key is absent; a bare key needs it present and "!key" absent; ">"
// and "<" need it present with a decimal integer value greater or less than
// the given integer. Keys must be qualified names and values label values
// (see package api/names); Parse and NewRequirement reject others.
//
// Selectors are immutable values: any goroutine may use one at the same time
// as others. Add returns a new selector.
package labels
