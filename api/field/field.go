// Package field names fields of an object by path and collects field errors
// that print exactly as Kubernetes prints them:
//
//	spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive
//
// Validation builds a Path as it descends (NewPath("spec").Child("containers").Index(0))
// and appends Errors to an ErrorList.
package field

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Path is a field path such as spec.containers[0].name. A nil *Path is the
// root. Paths are immutable: Child, Index and Key return new paths.
//
// Building a path costs nothing but the step itself: Child, Index and Key
// are small enough to be inlined, and no function of this package keeps a
// *Path it is given, so a step that the caller does not keep (the usual
// case: a path passed down to a check that reports errors with Invalid,
// Required, ...) lives in the caller's stack frame rather than on the heap.
// An index is stored as an int and a key as given; both are formatted only
// by String, that is, only when an error is reported.
type Path struct {
	name   string   // a field name, or the key of a key step
	more   []string // further field names of a Child or NewPath step
	index  int      // the index of an index step
	kind   stepKind // what the step is
	parent *Path
}

// stepKind is the kind of one step of a Path.
type stepKind uint8

const (
	fieldStep stepKind = iota // .name (.more...)
	indexStep                 // [index]
	keyStep                   // [name]
)

// NewPath returns the path of a top-level field and its children. The
// path keeps the names given as more rather than a copy of them: a caller
// that spreads a slice of its own into more (NewPath("spec", names...))
// must not change that slice while it uses the path. (Copying would cost
// a call that keeps NewPath and Child from being inlined, and so from
// building paths on the caller's stack.)
func NewPath(name string, more ...string) *Path {
	return &Path{name: name, more: more}
}

// Root returns the first step of p.
func (p *Path) Root() *Path {
	for p.parent != nil {
		p = p.parent
	}
	if len(p.more) != 0 {
		return &Path{name: p.name}
	}
	return p
}

// Copy returns a copy of p that shares nothing with it, for a caller that
// keeps a path beyond the call that built it (as a bad value, say); it
// allocates each step and each name anew, so that p itself need not
// escape to the heap.
func (p *Path) Copy() *Path {
	if p == nil {
		return nil
	}
	c := p.copyStep()
	for q, d := p.parent, c; q != nil; q, d = q.parent, d.parent {
		d.parent = q.copyStep()
	}
	return c
}

// copyStep returns a copy of q's own step, without its parent.
func (q *Path) copyStep() *Path {
	c := &Path{name: strings.Clone(q.name), index: q.index, kind: q.kind}
	if len(q.more) != 0 {
		c.more = make([]string, len(q.more))
		for i, m := range q.more {
			c.more[i] = strings.Clone(m)
		}
	}
	return c
}

// Child returns the path of a field of p; like NewPath, it keeps the
// names given as more.
func (p *Path) Child(name string, more ...string) *Path {
	return &Path{name: name, more: more, parent: p}
}

// Index returns the path of the i-th element of the list at p.
func (p *Path) Index(i int) *Path {
	return &Path{index: i, kind: indexStep, parent: p}
}

// Key returns the path of the element with key k of the map at p.
func (p *Path) Key(k string) *Path {
	return &Path{name: k, kind: keyStep, parent: p}
}

// String returns the path as Kubernetes prints it: dots between field
// names, brackets for indices and keys. A dot precedes a field name only
// when something has been printed before it, so empty names at the root
// print nothing.
func (p *Path) String() string {
	if p == nil {
		return "<nil>"
	}
	// Measure, then fill the buffer from the end, so that the steps are
	// only read: a *Path given to String does not escape.
	n := 0
	for q := p; q != nil; q = q.parent {
		n += q.len(q.parent.printsSomething())
	}
	var buf [128]byte
	var b []byte
	if n <= len(buf) {
		b = buf[:n]
	} else {
		b = make([]byte, n)
	}
	end := n
	for q := p; q != nil; q = q.parent {
		end = q.put(b, end, q.parent.printsSomething())
	}
	return string(b)
}

// printsSomething reports whether String of q is not empty (as the prefix
// of a longer path: nil prints nothing).
func (q *Path) printsSomething() bool {
	for ; q != nil; q = q.parent {
		if q.kind != fieldStep || q.name != "" {
			return true
		}
		for _, m := range q.more {
			if m != "" {
				return true
			}
		}
	}
	return false
}

// len returns the length of the step as String prints it; before is true
// when something is printed before it.
func (q *Path) len(before bool) int {
	switch q.kind {
	case indexStep:
		return 2 + decimalLen(q.index)
	case keyStep:
		return 2 + len(q.name)
	}
	n := 0
	for i := -1; i < len(q.more); i++ {
		name := q.name
		if i >= 0 {
			name = q.more[i]
		}
		if before {
			n++
		}
		n += len(name)
		before = before || name != ""
	}
	return n
}

// put writes the step into b so that it ends at end, and returns where it
// starts; before is as for len.
func (q *Path) put(b []byte, end int, before bool) int {
	switch q.kind {
	case indexStep:
		end--
		b[end] = ']'
		end -= decimalLen(q.index)
		strconv.AppendInt(b[end:end], int64(q.index), 10)
		end--
		b[end] = '['
		return end
	case keyStep:
		end--
		b[end] = ']'
		end -= len(q.name)
		copy(b[end:], q.name)
		end--
		b[end] = '['
		return end
	}
	// The names are written from the last; whether a dot precedes one
	// depends on what comes before it, so find that first.
	start := end - q.len(before)
	pos := start
	for i := -1; i < len(q.more); i++ {
		name := q.name
		if i >= 0 {
			name = q.more[i]
		}
		if before {
			b[pos] = '.'
			pos++
		}
		pos += copy(b[pos:], name)
		before = before || name != ""
	}
	return start
}

// decimalLen returns the length of i in decimal, with its sign.
func decimalLen(i int) int {
	n := 1
	if i < 0 {
		n++
		for i <= -10 {
			i /= 10
			n++
		}
		return n
	}
	for i >= 10 {
		i /= 10
		n++
	}
	return n
}

// ErrorType is the kind of a field error; its String is the phrase printed.
type ErrorType string

// The error types, with the phrases Kubernetes prints.
const (
	ErrorTypeNotFound     ErrorType = "FieldValueNotFound"
	ErrorTypeRequired     ErrorType = "FieldValueRequired"
	ErrorTypeDuplicate    ErrorType = "FieldValueDuplicate"
	ErrorTypeInvalid      ErrorType = "FieldValueInvalid"
	ErrorTypeNotSupported ErrorType = "FieldValueNotSupported"
	ErrorTypeForbidden    ErrorType = "FieldValueForbidden"
	ErrorTypeTooLong      ErrorType = "FieldValueTooLong"
	ErrorTypeTooMany      ErrorType = "FieldValueTooMany"
	ErrorTypeInternal     ErrorType = "InternalError"
	ErrorTypeTypeInvalid  ErrorType = "FieldValueTypeInvalid"
)

// String returns the phrase Kubernetes prints for t ("Invalid value").
func (t ErrorType) String() string {
	switch t {
	case ErrorTypeNotFound:
		return "Not found"
	case ErrorTypeRequired:
		return "Required value"
	case ErrorTypeDuplicate:
		return "Duplicate value"
	case ErrorTypeInvalid:
		return "Invalid value"
	case ErrorTypeNotSupported:
		return "Unsupported value"
	case ErrorTypeForbidden:
		return "Forbidden"
	case ErrorTypeTooLong:
		return "Too long"
	case ErrorTypeTooMany:
		return "Too many"
	case ErrorTypeInternal:
		return "Internal error"
	case ErrorTypeTypeInvalid:
		return "Invalid value"
	}
	return fmt.Sprintf("<unknown error %q>", string(t))
}

// Error is one field error.
type Error struct {
	Type     ErrorType
	Field    string
	BadValue any
	Detail   string
}

// omitValue marks an Error whose value is not printed.
type omitValue struct{}

// OmitValue, as a BadValue, leaves the value out of the message.
var OmitValue = omitValue{}

// Error returns "field: Type phrase: value: detail" as Kubernetes prints it.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Field, e.ErrorBody())
}

// ErrorBody returns the message without the field.
func (e *Error) ErrorBody() string {
	var s string
	switch {
	case e.Type == ErrorTypeRequired, e.Type == ErrorTypeForbidden, e.Type == ErrorTypeTooLong,
		e.Type == ErrorTypeInternal, e.BadValue == OmitValue:
		s = e.Type.String()
	default:
		s = fmt.Sprintf("%s: %s", e.Type, formatValue(e.BadValue))
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// formatValue prints a bad value as Kubernetes does: strings quoted,
// numbers and booleans bare, dereferenced pointers, JSON for the rest.
func formatValue(v any) string {
	if v == nil {
		return "null"
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "null"
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.String:
		return strconv.Quote(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Bool:
		if s, ok := rv.Interface().(fmt.Stringer); ok {
			return strconv.Quote(s.String())
		}
		return fmt.Sprintf("%v", rv.Interface())
	}
	if s, ok := rv.Interface().(fmt.Stringer); ok {
		return strconv.Quote(s.String())
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rv.Interface()); err != nil {
		return fmt.Sprintf("%#v", rv.Interface())
	}
	return strings.TrimSpace(buf.String())
}

// Invalid reports a malformed value.
func Invalid(p *Path, value any, detail string) *Error {
	return &Error{Type: ErrorTypeInvalid, Field: p.String(), BadValue: value, Detail: detail}
}

// Required reports a missing value.
func Required(p *Path, detail string) *Error {
	return &Error{Type: ErrorTypeRequired, Field: p.String(), BadValue: "", Detail: detail}
}

// NotFound reports a reference to something that does not exist.
func NotFound(p *Path, value any) *Error {
	return &Error{Type: ErrorTypeNotFound, Field: p.String(), BadValue: value}
}

// Duplicate reports a value that must be unique.
func Duplicate(p *Path, value any) *Error {
	return &Error{Type: ErrorTypeDuplicate, Field: p.String(), BadValue: value}
}

// Forbidden reports a field that may not be set here.
func Forbidden(p *Path, detail string) *Error {
	return &Error{Type: ErrorTypeForbidden, Field: p.String(), BadValue: "", Detail: detail}
}

// TooLong reports a value over maxLength.
func TooLong(p *Path, value any, maxLength int) *Error {
	detail := "value is too long"
	if maxLength >= 0 {
		detail = fmt.Sprintf("may not be more than %d bytes", maxLength)
	}
	return &Error{Type: ErrorTypeTooLong, Field: p.String(), BadValue: value, Detail: detail}
}

// TooMany reports a list with more than maxQuantity items.
func TooMany(p *Path, actual, maxQuantity int) *Error {
	return &Error{Type: ErrorTypeTooMany, Field: p.String(), BadValue: actual,
		Detail: fmt.Sprintf("must have at most %d items", maxQuantity)}
}

// NotSupported reports a value outside an enumeration; valid lists the
// allowed values.
func NotSupported[T ~string](p *Path, value any, valid []T) *Error {
	detail := ""
	if len(valid) > 0 {
		q := make([]string, len(valid))
		for i, v := range valid {
			q[i] = strconv.Quote(string(v))
		}
		detail = "supported values: " + strings.Join(q, ", ")
	}
	return &Error{Type: ErrorTypeNotSupported, Field: p.String(), BadValue: value, Detail: detail}
}

// InternalError reports a failure that is not the caller's.
func InternalError(p *Path, err error) *Error {
	return &Error{Type: ErrorTypeInternal, Field: p.String(), Detail: err.Error()}
}

// ErrorList is a list of field errors; nil or empty means valid.
type ErrorList []*Error

// ToAggregate returns the list as one error, or nil when it is empty. Its
// message is the errors joined by ", ", in brackets when there are several,
// as Kubernetes prints them.
func (l ErrorList) ToAggregate() error {
	if len(l) == 0 {
		return nil
	}
	return aggregate(l)
}

type aggregate ErrorList

func (a aggregate) Error() string {
	if len(a) == 1 {
		return a[0].Error()
	}
	msgs := make([]string, 0, len(a))
	seen := map[string]bool{}
	for _, e := range a {
		m := e.Error()
		if !seen[m] {
			seen[m] = true
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 1 {
		return msgs[0]
	}
	return "[" + strings.Join(msgs, ", ") + "]"
}

// Unwrap returns the individual errors, for errors.Is and errors.As.
func (a aggregate) Unwrap() []error {
	out := make([]error, len(a))
	for i, e := range a {
		out[i] = e
	}
	return out
}

// Filter returns the errors for which keep returns true.
func (l ErrorList) Filter(keep func(*Error) bool) ErrorList {
	var out ErrorList
	for _, e := range l {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}
