package patch

import (
	"fmt"
	"slices"
)

// JSONPatch applies a JSON patch (RFC 6902, the application/json-patch+json
// patches of the Kubernetes API) to original and returns the result as
// compact JSON with object members sorted by name.
//
// The patch is an array of operations, applied in order, each an object
// with an "op" member and a "path" JSON pointer (RFC 6901: "" is the whole
// document, "/a/0" member a's first element, "~1" stands for "/" and "~0"
// for "~" in a member name, "-" for the position after an array's last
// element):
//
//	{"op": "add", "path": P, "value": V}      insert V into an array at P or set member P
//	{"op": "remove", "path": P}               delete the value at P
//	{"op": "replace", "path": P, "value": V}  replace the existing value at P
//	{"op": "move", "from": F, "path": P}      remove the value at F and add it at P
//	{"op": "copy", "from": F, "path": P}      add a copy of the value at F at P
//	{"op": "test", "path": P, "value": V}     fail unless the value at P equals V
//
// Other members of an operation are ignored. The patch applies whole or not
// at all: the first operation that fails ends it with an error and no
// result. Numbers compare by value in test ("1" equals "1.0"; exactly when
// both are 64-bit integers, as float64 otherwise).
//
// Errors: ErrInvalidPatch when the patch is not a JSON array of well-formed
// operations (checked for every operation before any is applied);
// ErrPathNotFound when an operation names a location the document does not
// have; ErrTestFailed when a test operation's value differs; ErrTooLarge for
// more than MaxOperations operations, nesting deeper than MaxDepth, or copies
// of more than MaxCopyBytes in all; ErrInvalidDocument when original is not
// JSON. An error that concerns one operation is an *OperationError naming
// it.
//
// JSONPatch does not keep or modify its arguments. Its cost is linear in the
// sizes of its inputs plus, per operation, the length of the path and of any
// array it inserts into or removes from. Any goroutine may call it.
func JSONPatch(original, patch []byte) ([]byte, error) {
	doc, err := decodeAs(original, ErrInvalidDocument, "original document")
	if err != nil {
		return nil, err
	}
	p, err := decodeAs(patch, ErrInvalidPatch, "JSON patch")
	if err != nil {
		return nil, err
	}
	ops, err := parseOperations(p)
	if err != nil {
		return nil, err
	}
	d := &document{root: doc}
	for _, op := range ops {
		if err := d.apply(op); err != nil {
			return nil, &OperationError{Index: op.index, Op: op.op, Path: op.rawPath, Err: err}
		}
	}
	return encode(d.root)
}

// operation is one parsed JSON patch operation.
type operation struct {
	index   int
	op      string
	rawPath string
	path    []string
	from    []string // for move and copy
	value   any      // for add, replace and test
}

// parseOperations checks the shape of a decoded JSON patch and parses each
// of its operations.
func parseOperations(p any) ([]operation, error) {
	list, ok := p.([]any)
	if !ok {
		return nil, errorf(ErrInvalidPatch, "JSON patch is %s, want an array of operations", typeName(p))
	}
	if len(list) > MaxOperations {
		return nil, errorf(ErrTooLarge, "JSON patch has %d operations, the most allowed is %d", len(list), MaxOperations)
	}
	ops := make([]operation, len(list))
	for i, raw := range list {
		op, err := parseOperation(i, raw)
		if err != nil {
			return nil, err
		}
		ops[i] = op
	}
	return ops, nil
}

// parseOperation parses the operation at index i.
func parseOperation(i int, raw any) (operation, error) {
	op := operation{index: i}
	fail := func(format string, args ...any) (operation, error) {
		return op, &OperationError{Index: i, Op: op.op, Path: op.rawPath, Err: errorf(ErrInvalidPatch, format, args...)}
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return fail("operation is %s, want an object", typeName(raw))
	}
	op.op, _ = m["op"].(string)
	op.rawPath, _ = m["path"].(string)
	if v, ok := m["op"]; !ok {
		return fail(`operation has no "op" member`)
	} else if _, ok := v.(string); !ok {
		return fail(`"op" is %s, want a string`, typeName(v))
	}
	switch op.op {
	case "add", "remove", "replace", "move", "copy", "test":
	default:
		return fail(`unknown op %q, want add, remove, replace, move, copy or test`, op.op)
	}
	path, err := pointerMember(m, "path")
	if err != nil {
		return fail("%v", err)
	}
	op.path = path
	switch op.op {
	case "add", "replace", "test":
		v, ok := m["value"]
		if !ok {
			return fail(`%s operation has no "value" member`, op.op)
		}
		op.value = v
	case "move", "copy":
		from, err := pointerMember(m, "from")
		if err != nil {
			return fail("%v", err)
		}
		op.from = from
		if op.op == "move" && isPrefix(from, path) {
			return fail(`cannot move %q into its own child %q`, m["from"], op.rawPath)
		}
	case "remove":
		if len(path) == 0 {
			return fail("cannot remove the whole document")
		}
	}
	return op, nil
}

// pointerMember parses the JSON pointer in member name of an operation.
func pointerMember(m map[string]any, name string) ([]string, error) {
	v, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("operation has no %q member", name)
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%q is %s, want a JSON pointer string", name, typeName(v))
	}
	tokens, err := parsePointer(s)
	if err != nil {
		return nil, fmt.Errorf("%q member: %v", name, err)
	}
	return tokens, nil
}

// document is a JSON document being patched.
type document struct {
	root   any
	copied int // bytes copied by copy operations so far
}

// apply applies one operation to the document.
func (d *document) apply(op operation) error {
	switch op.op {
	case "add":
		return d.add(op.path, op.value)
	case "remove":
		_, err := d.remove(op.path)
		return err
	case "replace":
		return d.replace(op.path, op.value)
	case "move":
		if slices.Equal(op.from, op.path) {
			_, err := d.get(op.from)
			return err
		}
		v, err := d.remove(op.from)
		if err != nil {
			return err
		}
		return d.add(op.path, v)
	case "copy":
		v, err := d.get(op.from)
		if err != nil {
			return err
		}
		c, n := deepCopy(v)
		d.copied += n
		if d.copied > MaxCopyBytes {
			return errorf(ErrTooLarge, "copy operations copied %d bytes in all, the most allowed is %d", d.copied, MaxCopyBytes)
		}
		return d.add(op.path, c)
	case "test":
		v, err := d.get(op.path)
		if err != nil {
			return err
		}
		if !equal(v, op.value) {
			return errorf(ErrTestFailed, "value at %q is not the one expected", formatPointer(op.path))
		}
		return nil
	}
	return errorf(ErrInvalidPatch, "unknown op %q", op.op)
}

// parent walks to the array or object that holds the location named by
// tokens (at least one), and returns it with a function that stores a
// replacement for it where it was found.
func (d *document) parent(tokens []string) (container any, store func(any), err error) {
	cur := d.root
	store = func(v any) { d.root = v }
	for i, t := range tokens[:len(tokens)-1] {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[t]
			if !ok {
				return nil, nil, errorf(ErrPathNotFound, "no member %q in the object at %q", t, formatPointer(tokens[:i]))
			}
			store = func(v any) { c[t] = v }
			cur = next
		case []any:
			idx, ok := arrayIndex(t, len(c), false)
			if !ok {
				return nil, nil, errorf(ErrPathNotFound, "no element %q in the array of %d at %q", t, len(c), formatPointer(tokens[:i]))
			}
			store = func(v any) { c[idx] = v }
			cur = c[idx]
		default:
			return nil, nil, errorf(ErrPathNotFound, "the value at %q is %s, not an object or array", formatPointer(tokens[:i]), typeName(cur))
		}
	}
	return cur, store, nil
}

// get returns the value at tokens.
func (d *document) get(tokens []string) (any, error) {
	if len(tokens) == 0 {
		return d.root, nil
	}
	container, _, err := d.parent(tokens)
	if err != nil {
		return nil, err
	}
	last := tokens[len(tokens)-1]
	switch c := container.(type) {
	case map[string]any:
		if v, ok := c[last]; ok {
			return v, nil
		}
	case []any:
		if idx, ok := arrayIndex(last, len(c), false); ok {
			return c[idx], nil
		}
	}
	return nil, notFound(tokens, container)
}

// add sets the member or inserts the element at tokens.
func (d *document) add(tokens []string, v any) error {
	if len(tokens) == 0 {
		d.root = v
		return nil
	}
	container, store, err := d.parent(tokens)
	if err != nil {
		return err
	}
	last := tokens[len(tokens)-1]
	switch c := container.(type) {
	case map[string]any:
		c[last] = v
		return nil
	case []any:
		if idx, ok := arrayIndex(last, len(c), true); ok {
			store(slices.Insert(c, idx, v))
			return nil
		}
	}
	return notFound(tokens, container)
}

// remove deletes the member or element at tokens and returns it.
func (d *document) remove(tokens []string) (any, error) {
	if len(tokens) == 0 {
		return nil, errorf(ErrInvalidPatch, "cannot remove the whole document")
	}
	container, store, err := d.parent(tokens)
	if err != nil {
		return nil, err
	}
	last := tokens[len(tokens)-1]
	switch c := container.(type) {
	case map[string]any:
		if v, ok := c[last]; ok {
			delete(c, last)
			return v, nil
		}
	case []any:
		if idx, ok := arrayIndex(last, len(c), false); ok {
			v := c[idx]
			store(slices.Delete(c, idx, idx+1))
			return v, nil
		}
	}
	return nil, notFound(tokens, container)
}

// replace replaces the existing value at tokens.
func (d *document) replace(tokens []string, v any) error {
	if len(tokens) == 0 {
		d.root = v
		return nil
	}
	container, _, err := d.parent(tokens)
	if err != nil {
		return err
	}
	last := tokens[len(tokens)-1]
	switch c := container.(type) {
	case map[string]any:
		if _, ok := c[last]; ok {
			c[last] = v
			return nil
		}
	case []any:
		if idx, ok := arrayIndex(last, len(c), false); ok {
			c[idx] = v
			return nil
		}
	}
	return notFound(tokens, container)
}

// notFound describes why the last token of tokens names nothing in
// container.
func notFound(tokens []string, container any) error {
	last := tokens[len(tokens)-1]
	at := formatPointer(tokens[:len(tokens)-1])
	switch c := container.(type) {
	case map[string]any:
		return errorf(ErrPathNotFound, "no member %q in the object at %q", last, at)
	case []any:
		return errorf(ErrPathNotFound, "no element %q in the array of %d at %q", last, len(c), at)
	}
	return errorf(ErrPathNotFound, "the value at %q is %s, not an object or array", at, typeName(container))
}
