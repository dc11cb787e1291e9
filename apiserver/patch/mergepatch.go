package patch

// MergePatch applies a JSON merge patch (RFC 7386, the
// application/merge-patch+json patches of the Kubernetes API) to original
// and returns the result as compact JSON with object members sorted by
// name.
//
// When patch is an object, each of its members changes the member of the
// same name in original: null deletes it, an object is merged into it
// recursively (into an empty object if the original member is missing or is
// not an object), and any other value (string, number, boolean, array)
// replaces it. Arrays are never merged. When patch is not an object it
// replaces original as a whole; when original is not an object and patch is,
// original counts as an empty object.
//
// Both inputs must be single JSON values. The error wraps ErrInvalidPatch
// when patch is not JSON, ErrInvalidDocument when original is not, and
// ErrTooLarge when either nests deeper than MaxDepth. MergePatch does not
// keep or modify its arguments; its cost is linear in the sizes of both.
// Any goroutine may call it.
func MergePatch(original, patch []byte) ([]byte, error) {
	doc, err := decodeAs(original, ErrInvalidDocument, "original document")
	if err != nil {
		return nil, err
	}
	p, err := decodeAs(patch, ErrInvalidPatch, "merge patch")
	if err != nil {
		return nil, err
	}
	return encode(mergeValue(doc, p))
}

// mergeValue is RFC 7386's MergePatch(Target, Patch) on decoded values. It
// may change target in place and keeps parts of patch in the result.
func mergeValue(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = make(map[string]any, len(p))
	}
	for name, value := range p {
		if value == nil {
			delete(t, name)
			continue
		}
		t[name] = mergeValue(t[name], value)
	}
	return t
}

// CreateMergePatch returns a JSON merge patch (RFC 7386) that turns original
// into modified when given to MergePatch: members of original missing from
// modified become null, members that differ are written out (objects as a
// patch of their own, anything else whole), equal members are left out. The
// patch of two equal objects is {}.
//
// A merge patch cannot set a member to null, so a null member of an object
// in modified counts as absent: applying the patch deletes it rather than
// storing null. Nulls inside arrays are kept (arrays are copied whole).
//
// The error wraps ErrInvalidDocument when either input is not a single JSON
// value, or ErrTooLarge when one nests deeper than MaxDepth. Any goroutine
// may call it.
func CreateMergePatch(original, modified []byte) ([]byte, error) {
	o, err := decodeAs(original, ErrInvalidDocument, "original document")
	if err != nil {
		return nil, err
	}
	m, err := decodeAs(modified, ErrInvalidDocument, "modified document")
	if err != nil {
		return nil, err
	}
	return encode(diffValue(o, m))
}

// diffValue returns the merge patch from o to m.
func diffValue(o, m any) any {
	mm, ok := m.(map[string]any)
	if !ok {
		return m
	}
	om, ok := o.(map[string]any)
	if !ok {
		return m
	}
	p := make(map[string]any)
	for name := range om {
		if mv, ok := mm[name]; !ok || mv == nil {
			p[name] = nil
		}
	}
	for name, mv := range mm {
		if mv == nil {
			continue
		}
		ov, ok := om[name]
		if !ok {
			p[name] = mv
			continue
		}
		oSub, oIsObject := ov.(map[string]any)
		mSub, mIsObject := mv.(map[string]any)
		switch {
		case oIsObject && mIsObject:
			// Recurse rather than compare first, so that each level is
			// visited once.
			if sub := diffValue(oSub, mSub).(map[string]any); len(sub) > 0 {
				p[name] = sub
			}
		case !equal(ov, mv):
			p[name] = mv
		}
	}
	return p
}
