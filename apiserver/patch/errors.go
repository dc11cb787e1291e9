package patch

import (
	"errors"
	"fmt"
)

// The kinds of error the functions of this package return. Every error they
// return wraps exactly one of these (test with errors.Is), together with what
// failed and where. The HTTP status beside each is the one an API server
// should answer with.
var (
	// ErrInvalidPatch: the patch document itself is malformed, whatever it
	// is applied to: not JSON, not the JSON type the format needs, an
	// operation with an unknown op or a missing or mistyped member, a JSON
	// pointer that does not start with "/" or has a "~" not followed by 0 or
	// 1, a move into its own child, removing the whole document; for
	// strategic merge patch an unknown $patch value, a list item without its
	// merge key, a malformed $retainKeys, $setElementOrder or
	// $deleteFromPrimitiveList directive. 400 Bad Request.
	ErrInvalidPatch = errors.New("patch: invalid patch")

	// ErrInvalidDocument: the original (or, for CreateMergePatch, the
	// modified) document is not JSON, or for strategic merge patch not a
	// JSON object. The caller supplies it, not the client, so an API server
	// that reaches this has a bug: 500 Internal Server Error.
	ErrInvalidDocument = errors.New("patch: invalid document")

	// ErrTooLarge: the work the patch asks for exceeds a limit: more than
	// MaxOperations operations, nesting deeper than MaxDepth, or copy
	// operations that together copy more than MaxCopyBytes. 413 Request
	// Entity Too Large.
	ErrTooLarge = errors.New("patch: too large")

	// ErrPathNotFound: a JSON patch operation names a location that does not
	// exist in the document it is applied to: a missing object member, an
	// array index out of range or not a valid index, a path through a
	// string, number, boolean or null, or (for add) a missing parent. 422
	// Unprocessable Entity.
	ErrPathNotFound = errors.New("patch: path not found")

	// ErrTestFailed: a JSON patch test operation found a value other than the
	// one it expected. 422 Unprocessable Entity.
	ErrTestFailed = errors.New("patch: test failed")
)

// OperationError is the error JSONPatch returns when one operation of a
// patch is malformed or cannot be applied: it says which one. It wraps one
// of ErrInvalidPatch, ErrPathNotFound, ErrTestFailed or ErrTooLarge, so
// errors.Is works through it.
type OperationError struct {
	// Index is the position of the operation in the patch, from 0.
	Index int
	// Op is the operation's "op" member as written ("" when it is missing
	// or not a string).
	Op string
	// Path is the operation's "path" member as written ("" when it is
	// missing or not a string).
	Path string
	// Err is what went wrong; it wraps one of the package's sentinels.
	Err error
}

// Error says which operation failed and why.
func (e *OperationError) Error() string {
	return fmt.Sprintf("json patch operation %d (%q at %q): %v", e.Index, e.Op, e.Path, e.Err)
}

// Unwrap returns Err.
func (e *OperationError) Unwrap() error { return e.Err }

// errorf returns an error that wraps kind and describes the failure.
func errorf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}
