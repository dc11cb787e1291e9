package patch

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The directives of strategic merge patch.
const (
	directiveMarker         = "$patch"
	retainKeysDirective     = "$retainKeys"
	setElementOrderPrefix   = "$setElementOrder"
	deleteFromPrimitiveList = "$deleteFromPrimitiveList"
)

// StrategicMergePatch applies a strategic merge patch (the
// application/strategic-merge-patch+json patches that kubectl apply, edit
// and patch send) to original, a JSON object, and returns the result as
// compact JSON with object members sorted by name. schema says how each list
// is patched; nil means every list is replaced.
//
// It is a JSON merge patch (see MergePatch: null deletes a member, objects
// merge recursively, other values replace) with these differences:
//
// A list whose Field has StrategyMerge is merged, not replaced. With a
// MergeKey, a patch element whose merge key matches an original element is
// merged into it, recursively; one that matches none is added. With no
// MergeKey (a list of scalars, like finalizers), the patch elements are
// added to the original ones as a set, without duplicates. Original elements
// not in the patch are kept.
//
// Order of a merged list: the patch's elements in the patch's order (or in
// the order of a $setElementOrder directive); between them, the original
// elements the patch does not name, in their original order, each just
// before the first patch element still to place that came after it in the
// original list, or at the end. So a patch that only adds an element puts it
// first, as Kubernetes does: [{"name":"c"}] merged into a, b gives c, a, b.
//
// Directives, members whose name starts with "$":
//
//	{"$patch": "replace", ...}              in an object: the object replaces the original one instead of merging
//	{"$patch": "delete"}                    in an object: the original object becomes empty ({}); absent stays absent
//	{"$patch": "merge"}                     in an object: merge it (the default)
//	[..., {"$patch": "replace"}]            in a list: the list's other elements replace the original list
//	[..., {"$patch": "delete", "name": "x"}] in a list merged by key: delete every original element whose merge key is "x"
//	[..., {"$patch": "merge"}]              in a list: merge the list even if its Field does not say so
//	"$retainKeys": ["a", "b"]               in an object: delete original members other than a and b; every other
//	                                        non-null member of the patch object must be listed
//	"$deleteFromPrimitiveList/f": [v, ...]  delete every element of list f equal to one of the values (after
//	                                        f is merged and ordered)
//	"$setElementOrder/f": [...]             order the merged list f: elements listed (merge-key objects, or the
//	                                        scalar values) in this order, the others as above; the patch's own
//	                                        elements of f must appear in it, in the same order
//
// Values the patch adds where the original has nothing (or has a value of
// another JSON type) go through the same rules against an empty original:
// nulls in objects are dropped and directives applied and removed, so no
// directive reaches the result. The same holds for the contents of a
// replaced object or list.
//
// Errors: ErrInvalidPatch when the patch is not a JSON object or breaks the
// rules above (a list element without its merge key, an unknown $patch
// value, a malformed directive); ErrInvalidDocument when original is not a
// JSON object; ErrTooLarge when either nests deeper than MaxDepth. The
// message names where in the patch the fault is.
//
// StrategicMergePatch does not keep or modify its arguments. Its cost is
// linear in the sizes of both inputs, plus n log n per merged list of n
// elements. Any goroutine may call it.
func StrategicMergePatch(original, patch []byte, schema Schema) ([]byte, error) {
	doc, err := decodeAs(original, ErrInvalidDocument, "original document")
	if err != nil {
		return nil, err
	}
	o, ok := doc.(map[string]any)
	if !ok {
		return nil, errorf(ErrInvalidDocument, "original document is %s, want an object", typeName(doc))
	}
	p, err := decodeAs(patch, ErrInvalidPatch, "strategic merge patch")
	if err != nil {
		return nil, err
	}
	pm, ok := p.(map[string]any)
	if !ok {
		return nil, errorf(ErrInvalidPatch, "strategic merge patch is %s, want an object", typeName(p))
	}
	result, _, err := mergeObject(o, true, pm, schema)
	if err != nil {
		return nil, err
	}
	return encode(result)
}

// fieldOf returns s.Field(name), the zero Field for a nil schema.
func fieldOf(s Schema, name string) Field {
	if s == nil {
		return Field{}
	}
	return s.Field(name)
}

// mergeObject merges patch into orig, an original object (present) or
// nothing (nil, not present). keep is false when the member that held it
// should be absent. orig and patch are changed and reused.
func mergeObject(orig map[string]any, present bool, patch map[string]any, s Schema) (result map[string]any, keep bool, err error) {
	if d, ok := patch[directiveMarker]; ok {
		switch d {
		case "replace":
			delete(patch, directiveMarker)
			return mergeObject(nil, false, patch, s)
		case "delete":
			if present {
				return map[string]any{}, true, nil
			}
			return nil, false, nil
		case "merge":
			delete(patch, directiveMarker)
		default:
			return nil, false, badDirective(d)
		}
	}
	if orig == nil {
		orig = make(map[string]any, len(patch))
	}
	if err := applyRetainKeys(orig, patch); err != nil {
		return nil, false, err
	}

	// Sort the directives that name a list from the members.
	orders := map[string][]any{}
	deletions := map[string][]any{}
	var members []string
	for _, k := range slices.Sorted(maps.Keys(patch)) {
		v := patch[k]
		switch {
		case k == retainKeysDirective:
		case strings.HasPrefix(k, deleteFromPrimitiveList):
			name, err := directiveTarget(k, deleteFromPrimitiveList, v)
			if err != nil {
				return nil, false, err
			}
			deletions[name] = v.([]any)
		case strings.HasPrefix(k, setElementOrderPrefix):
			name, err := directiveTarget(k, setElementOrderPrefix, v)
			if err != nil {
				return nil, false, err
			}
			orders[name] = v.([]any)
		default:
			members = append(members, k)
		}
	}

	for _, k := range members {
		f := fieldOf(s, k)
		order, hasOrder := orders[k]
		switch pv := patch[k].(type) {
		case nil:
			delete(orig, k)
		case map[string]any:
			om, isObject := orig[k].(map[string]any)
			if f.Strategy&StrategyReplace != 0 {
				om, isObject = nil, false
			}
			v, keep, err := mergeObject(om, isObject, pv, f.Schema)
			if err != nil {
				return nil, false, within(err, "."+k)
			}
			if keep {
				orig[k] = v
			} else {
				delete(orig, k)
			}
		case []any:
			ol, isList := orig[k].([]any)
			v, err := mergeList(ol, isList, pv, f, order, hasOrder)
			if err != nil {
				return nil, false, within(err, "."+k)
			}
			orig[k] = v
		default:
			orig[k] = pv
		}
	}

	// $setElementOrder for a merged list the patch does not otherwise touch.
	for _, name := range slices.Sorted(maps.Keys(orders)) {
		f := fieldOf(s, name)
		ol, isList := orig[name].([]any)
		if _, inPatch := patch[name]; inPatch || !isList || f.Strategy&StrategyMerge == 0 {
			continue
		}
		v, err := mergeList(ol, true, []any{}, f, orders[name], true)
		if err != nil {
			return nil, false, within(err, "."+name)
		}
		orig[name] = v
	}

	// Deletions from lists come last, after merging and ordering.
	for name, values := range deletions {
		if list, ok := orig[name].([]any); ok {
			orig[name] = deleteValues(list, values)
		}
	}
	return orig, true, nil
}

// applyRetainKeys carries out a $retainKeys directive of patch on orig.
func applyRetainKeys(orig, patch map[string]any) error {
	raw, ok := patch[retainKeysDirective]
	if !ok {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		return errorf(ErrInvalidPatch, "%s is %s, want an array of member names", retainKeysDirective, typeName(raw))
	}
	retain := make(map[string]bool, len(list))
	for _, v := range list {
		name, ok := v.(string)
		if !ok {
			return errorf(ErrInvalidPatch, "%s holds %s, want member names (strings)", retainKeysDirective, typeName(v))
		}
		retain[name] = true
	}
	for k, v := range patch {
		if v != nil && !isDirective(k) && !retain[k] {
			return errorf(ErrInvalidPatch, "member %q of the patch is not listed in its %s", k, retainKeysDirective)
		}
	}
	for k := range orig {
		if !retain[k] {
			delete(orig, k)
		}
	}
	return nil
}

// isDirective reports whether an object member name is a directive.
func isDirective(k string) bool {
	return k == directiveMarker || k == retainKeysDirective ||
		strings.HasPrefix(k, setElementOrderPrefix) || strings.HasPrefix(k, deleteFromPrimitiveList)
}

// directiveTarget checks a "$prefix/name" directive member holding value v,
// which must be an array, and returns name.
func directiveTarget(k, prefix string, v any) (string, error) {
	name, ok := strings.CutPrefix(k, prefix+"/")
	if !ok || name == "" {
		return "", errorf(ErrInvalidPatch, "directive %q is not of the form %s/<list member>", k, prefix)
	}
	if _, ok := v.([]any); !ok {
		return "", errorf(ErrInvalidPatch, "%s is %s, want an array", k, typeName(v))
	}
	return name, nil
}

// badDirective is the error for a $patch value other than replace, delete
// and merge.
func badDirective(d any) error {
	if s, ok := d.(string); ok {
		return errorf(ErrInvalidPatch, "unknown %s directive %q, want replace, delete or merge", directiveMarker, s)
	}
	return errorf(ErrInvalidPatch, "%s is %s, want one of the strings replace, delete or merge", directiveMarker, typeName(d))
}

// deleteValues returns list without the elements equal to one of values.
func deleteValues(list, values []any) []any {
	drop := make(map[string]bool, len(values))
	for _, v := range values {
		drop[valueKey(v)] = true
	}
	out := make([]any, 0, len(list))
	for _, v := range list {
		if !drop[valueKey(v)] {
			out = append(out, v)
		}
	}
	return out
}

// pathError is an error found at a place in a strategic merge patch; it
// collects the place as the error travels up.
type pathError struct {
	segments []string // innermost first: ".name" or "[index]"
	err      error
}

// within records that err happened inside segment.
func within(err error, segment string) error {
	var pe *pathError
	if errors.As(err, &pe) {
		pe.segments = append(pe.segments, segment)
		return pe
	}
	return &pathError{segments: []string{segment}, err: err}
}

func (e *pathError) Error() string {
	var b strings.Builder
	for i := len(e.segments) - 1; i >= 0; i-- {
		b.WriteString(e.segments[i])
	}
	return fmt.Sprintf("%v (at %s)", e.err, strings.TrimPrefix(b.String(), "."))
}

func (e *pathError) Unwrap() error { return e.err }
