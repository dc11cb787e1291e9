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
type Path struct {
	name   string // a field name, or "" for an index or key step
	index  string // "[3]" or "[key]" when this step is an index or key
	parent *Path
}

// NewPath returns the path of a top-level field and its children.
func NewPath(name string, more ...string) *Path {
	p := &Path{name: name}
	for _, n := range more {
		p = &Path{name: n, parent: p}
	}
	return p
}

// Root returns the first step of p.
func (p *Path) Root() *Path {
	for p.parent != nil {
		p = p.parent
	}
	return p
}

// Child returns the path of a field of p.
func (p *Path) Child(name string, more ...string) *Path {
	r := NewPath(name, more...)
	r.Root().parent = p
	return r
}

// Index returns the path of the i-th element of the list at p.
func (p *Path) Index(i int) *Path {
	return &Path{index: "[" + strconv.Itoa(i) + "]", parent: p}
}

// Key returns the path of the element with key k of the map at p.
func (p *Path) Key(k string) *Path {
	return &Path{index: "[" + k + "]", parent: p}
}

// String returns the path as Kubernetes prints it: dots between field
// names, brackets for indices and keys.
func (p *Path) String() string {
	if p == nil {
		return "<nil>"
	}
	var steps []*Path
	for q := p; q != nil; q = q.parent {
		steps = append(steps, q)
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		if s.index != "" {
			b.WriteString(s.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
	}
	return b.String()
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
