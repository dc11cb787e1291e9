// Package fields selects objects by the values of some of their fields, as
// Kubernetes field selectors do (k8s.io/apimachinery/pkg/fields): the syntax
// of the fieldSelector query parameter and of kubectl --field-selector.
//
//	metadata.name=web-0
//	spec.nodeName=node-1,status.phase!=Succeeded
//
// Start with ParseSelector, or build a selector with OneTermEqualSelector or
// SelectorFromSet, and call Matches with a Set of an object's selectable
// fields. The API server calls RequiresExactMatch to serve a selector from an
// index (the pods of one node by spec.nodeName) and Transform to rewrite
// field names it accepts under other names.
//
// A selector is an AND of terms "field=value", "field==value" (the same) and
// "field!=value". A field that an object lacks has the value "", so
// "spec.nodeName=" selects unscheduled pods. Which fields may be selected is
// up to each resource; this package does not check field names.
//
// In a value, a backslash escapes "\", "," and "=" (EscapeValue,
// UnescapeValue); field names are not escaped and cannot contain an unescaped
// "," or "=" or the sequence "!=".
//
// Selectors are immutable values, safe for concurrent use.
package fields
