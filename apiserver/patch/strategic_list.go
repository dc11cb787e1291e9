package patch

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// element is a list element of a patch with its index there, for messages.
type element struct {
	index int
	value any
}

// mergeList patches the list member described by f: orig is the original
// list (present) or nothing, patch the patch's list, order the member's
// $setElementOrder list if hasOrder.
func mergeList(orig []any, present bool, patch []any, f Field, order []any, hasOrder bool) ([]any, error) {
	if !present {
		orig = nil
	}
	merge := f.Strategy&StrategyMerge != 0
	replace := false
	var items, deletes []element
	for i, v := range patch {
		m, isObject := v.(map[string]any)
		d, isDirective := m[directiveMarker]
		if !isObject || !isDirective {
			items = append(items, element{i, v})
			continue
		}
		switch d {
		case "replace":
			replace = true
		case "merge":
			merge = true
		case "delete":
			deletes = append(deletes, element{i, m})
		default:
			return nil, within(badDirective(d), fmt.Sprintf("[%d]", i))
		}
	}
	if replace || !merge {
		out := make([]any, 0, len(items))
		for _, it := range items {
			v, keep, err := cleanValue(it.value, f.Schema)
			if err != nil {
				return nil, within(err, fmt.Sprintf("[%d]", it.index))
			}
			if keep {
				out = append(out, v)
			}
		}
		return out, nil
	}
	if f.MergeKey != "" {
		return mergeByKey(orig, items, deletes, f, order, hasOrder)
	}
	return mergeSet(orig, items, deletes, order, hasOrder)
}

// cleanValue applies a patch value to nothing: objects lose their null
// members and directives; lists are taken as replacing lists. keep is false
// when nothing should be stored.
func cleanValue(v any, s Schema) (any, bool, error) {
	switch v := v.(type) {
	case map[string]any:
		return mergeObject(nil, false, v, s)
	case []any:
		l, err := mergeList(nil, false, v, Field{Schema: s}, nil, false)
		return l, true, err
	}
	return v, true, nil
}

// mergeKeyOf returns the canonical key of the merge key value of a list
// element, ok false when the element is not an object or lacks a scalar
// merge key.
func mergeKeyOf(v any, key string) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	kv, ok := m[key]
	if !ok {
		return "", false
	}
	return scalarKey(kv)
}

// patchMergeKey is mergeKeyOf for an element of the patch, where a missing
// or unusable merge key is an error.
func patchMergeKey(v any, key string) (string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", errorf(ErrInvalidPatch, "list element is %s, want an object with merge key %q", typeName(v), key)
	}
	kv, ok := m[key]
	if !ok {
		return "", errorf(ErrInvalidPatch, "list element has no merge key %q", key)
	}
	k, ok := scalarKey(kv)
	if !ok {
		return "", errorf(ErrInvalidPatch, "merge key %q is %s, want a string, number or boolean", key, typeName(kv))
	}
	return k, nil
}

// mergeByKey merges a list of objects whose elements are identified by the
// member f.MergeKey.
func mergeByKey(orig []any, items, deletes []element, f Field, order []any, hasOrder bool) ([]any, error) {
	key := f.MergeKey
	if len(deletes) > 0 {
		drop := make(map[string]bool, len(deletes))
		for _, d := range deletes {
			k, err := patchMergeKey(d.value, key)
			if err != nil {
				return nil, within(err, fmt.Sprintf("[%d]", d.index))
			}
			drop[k] = true
		}
		kept := make([]any, 0, len(orig))
		for _, v := range orig {
			if k, ok := mergeKeyOf(v, key); !ok || !drop[k] {
				kept = append(kept, v)
			}
		}
		orig = kept
	}

	serverPos := make(map[string]int, len(orig))
	for i, v := range orig {
		if k, ok := mergeKeyOf(v, key); ok {
			if _, dup := serverPos[k]; !dup {
				serverPos[k] = i
			}
		}
	}
	result := slices.Clone(orig)
	where := maps.Clone(serverPos)
	patchKeys := make([]string, 0, len(items))
	for _, it := range items {
		k, err := patchMergeKey(it.value, key)
		if err != nil {
			return nil, within(err, fmt.Sprintf("[%d]", it.index))
		}
		patchKeys = append(patchKeys, k)
		pm := it.value.(map[string]any)
		if pos, found := where[k]; found {
			om := result[pos].(map[string]any)
			v, _, err := mergeObject(om, true, pm, f.Schema)
			if err != nil {
				return nil, within(err, fmt.Sprintf("[%d]", it.index))
			}
			result[pos] = v
			continue
		}
		v, _, err := mergeObject(nil, false, pm, f.Schema)
		if err != nil {
			return nil, within(err, fmt.Sprintf("[%d]", it.index))
		}
		where[k] = len(result)
		result = append(result, v)
	}

	orderKeys := patchKeys
	if hasOrder {
		orderKeys = make([]string, 0, len(order))
		for j, v := range order {
			k, err := patchMergeKey(v, key)
			if err != nil {
				return nil, errorf(ErrInvalidPatch, "%s element %d: %v", setElementOrderPrefix, j, err)
			}
			orderKeys = append(orderKeys, k)
		}
		if !isSubsequence(patchKeys, orderKeys) {
			return nil, errorf(ErrInvalidPatch, "the list's elements in the patch are not in the order of its %s directive", setElementOrderPrefix)
		}
	}
	return reorder(result, orderKeys, serverPos, func(v any) (string, bool) { return mergeKeyOf(v, key) }), nil
}

// mergeSet merges a list of scalars as a set.
func mergeSet(orig []any, items, deletes []element, order []any, hasOrder bool) ([]any, error) {
	if len(deletes) > 0 {
		return nil, within(errorf(ErrInvalidPatch, "%s: delete needs a list merged by key, this one merges as a set", directiveMarker), fmt.Sprintf("[%d]", deletes[0].index))
	}
	keyOf := func(v any) (string, bool) { return valueKey(v), true }
	serverPos := make(map[string]int, len(orig))
	result := make([]any, 0, len(orig)+len(items))
	for _, v := range orig {
		k := valueKey(v)
		if _, dup := serverPos[k]; !dup {
			serverPos[k] = len(result)
			result = append(result, v)
		}
	}
	seen := maps.Clone(serverPos)
	inPatch := make(map[string]bool, len(items))
	var patchKeys []string
	for _, it := range items {
		k, ok := scalarKey(it.value)
		if !ok {
			return nil, within(errorf(ErrInvalidPatch, "list element is %s, but the list merges as a set of strings, numbers and booleans (no merge key)", typeName(it.value)), fmt.Sprintf("[%d]", it.index))
		}
		if !inPatch[k] {
			inPatch[k] = true
			patchKeys = append(patchKeys, k)
		}
		if _, dup := seen[k]; !dup {
			seen[k] = len(result)
			result = append(result, it.value)
		}
	}

	orderKeys := patchKeys
	if hasOrder {
		orderKeys = make([]string, 0, len(order))
		for _, v := range order {
			orderKeys = append(orderKeys, valueKey(v))
		}
		if !isSubsequence(patchKeys, orderKeys) {
			return nil, errorf(ErrInvalidPatch, "the list's elements in the patch are not in the order of its %s directive", setElementOrderPrefix)
		}
	}
	return reorder(result, orderKeys, serverPos, keyOf), nil
}

// isSubsequence reports whether sub appears in seq in the same order.
func isSubsequence(sub, seq []string) bool {
	j := 0
	for _, k := range sub {
		for j < len(seq) && seq[j] != k {
			j++
		}
		if j == len(seq) {
			return false
		}
		j++
	}
	return true
}

// reorder puts a merged list in order: the elements whose key is in
// orderKeys ("patch elements") in that order; the others ("server
// elements", all from the original list) in their order, each placed before
// the first patch element still to place that it preceded in the original
// list. serverPos is the position of each key in the original list. keyOf
// is called once per element.
func reorder(list []any, orderKeys []string, serverPos map[string]int, keyOf func(any) (string, bool)) []any {
	rank := make(map[string]int, len(orderKeys))
	for i, k := range orderKeys {
		if _, dup := rank[k]; !dup {
			rank[k] = i
		}
	}
	// keyed is an element with its original position (-1 when it has none)
	// and its rank in orderKeys.
	type keyed struct {
		value     any
		serverPos int
		rank      int
	}
	var patchElems, serverElems []keyed
	for _, v := range list {
		e := keyed{value: v, serverPos: -1}
		k, ok := keyOf(v)
		if ok {
			if pos, found := serverPos[k]; found {
				e.serverPos = pos
			}
			if r, in := rank[k]; in {
				e.rank = r
				patchElems = append(patchElems, e)
				continue
			}
		}
		serverElems = append(serverElems, e)
	}
	slices.SortStableFunc(patchElems, func(a, b keyed) int { return cmp.Compare(a.rank, b.rank) })

	out := make([]any, 0, len(list))
	i, j := 0, 0
	for i < len(serverElems) || j < len(patchElems) {
		switch {
		case j == len(patchElems):
			out = append(out, serverElems[i].value)
			i++
		case i == len(serverElems):
			out = append(out, patchElems[j].value)
			j++
		case serverElems[i].serverPos >= 0 && patchElems[j].serverPos >= 0 && serverElems[i].serverPos < patchElems[j].serverPos:
			// Both were in the original list, the server element first.
			out = append(out, serverElems[i].value)
			i++
		default:
			out = append(out, patchElems[j].value)
			j++
		}
	}
	return out
}
