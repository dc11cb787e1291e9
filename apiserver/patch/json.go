package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The limits on the work one call may do. A patch or document past them is
// rejected with an error that wraps ErrTooLarge.
const (
	// MaxOperations is the most operations a JSON patch may hold: 10,000,
	// the limit of the Kubernetes API server.
	MaxOperations = 10000

	// MaxDepth is the deepest nesting of arrays and objects accepted in a
	// document or patch: 10,000, the limit of Go's encoding/json (which
	// Kubernetes' JSON decoding shares). The functions of this package
	// recurse once per level.
	MaxDepth = 10000

	// MaxCopyBytes is the most that the copy operations of one JSON patch
	// may copy together, measured as the compact JSON size of the copied
	// values: 3 MiB, the Kubernetes API server's default
	// (--json-patch-max-copy-bytes is tied to its 3 MiB request limit). It
	// keeps a short patch from doubling a document over and over.
	MaxCopyBytes = 3 << 20
)

// decode parses data as exactly one JSON value (surrounding white space
// allowed). Objects become map[string]any, arrays []any, numbers
// json.Number (so that no digit is lost), strings string, true and false
// bool, null nil. A member name that appears twice keeps its last value, as
// in encoding/json. The error says what is wrong, without a sentinel.
func decode(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty input, want a JSON value")
	}
	if err := checkDepth(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// errTooDeep is what checkDepth returns; decoders wrap it with ErrTooLarge.
var errTooDeep = errors.New("nested deeper than " + strconv.Itoa(MaxDepth) + " levels")

// checkDepth reports errTooDeep when the arrays and objects of data nest
// deeper than MaxDepth. It only counts brackets outside strings; decode
// finds every other fault.
func checkDepth(data []byte) error {
	depth := 0
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > MaxDepth {
				return errTooDeep
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// decodeAs decodes data and wraps a failure with kind (ErrInvalidPatch or
// ErrInvalidDocument), or with ErrTooLarge when the nesting is too deep.
// what names the input in the message.
func decodeAs(data []byte, kind error, what string) (any, error) {
	v, err := decode(data)
	if err == nil {
		return v, nil
	}
	if errors.Is(err, errTooDeep) {
		return nil, errorf(ErrTooLarge, "%s is %v", what, err)
	}
	return nil, errorf(kind, "%s is not valid JSON: %v", what, err)
}

// encode writes v as compact JSON, members sorted by name, without escaping
// <, > and &.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Values come from decode, so this does not happen.
		return nil, errorf(ErrInvalidDocument, "encode result: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// typeName names the JSON type of a decoded value with its article, for
// messages: "an object", "a string", "null"...
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unknown type"
}

// equal reports whether two decoded values are equal as RFC 6902 defines it
// for the test operation: the same type; strings with the same characters;
// numbers with the same value (compared exactly when both are integers that
// fit 64 bits, as float64 otherwise); arrays of the same length with equal
// elements in order; objects with the same member names and equal values.
func equal(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case string:
		b, ok := b.(string)
		return ok && a == b
	case json.Number:
		b, ok := b.(json.Number)
		return ok && numberKey(a) == numberKey(b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

// numberKey is a canonical text of a number: the same for numbers equal as
// equal defines it.
func numberKey(n json.Number) string {
	s := string(n)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Out of float64 range: keep the text.
		return s
	}
	if f >= -1<<63 && f < 1<<63 && f == math.Trunc(f) {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// scalarKey is a canonical key of a string, number, boolean or null, equal
// for values equal as equal defines it; ok is false for arrays and objects.
func scalarKey(v any) (key string, ok bool) {
	switch v := v.(type) {
	case nil:
		return "null", true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	case string:
		return strconv.Quote(v), true
	case json.Number:
		return "#" + numberKey(v), true
	}
	return "", false
}

// valueKey is a canonical key of any decoded value, equal for values equal
// as equal defines it. It costs time proportional to the value's size.
func valueKey(v any) string {
	var b strings.Builder
	writeValueKey(&b, v)
	return b.String()
}

func writeValueKey(b *strings.Builder, v any) {
	switch v := v.(type) {
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValueKey(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeValueKey(b, v[k])
		}
		b.WriteByte('}')
	default:
		k, _ := scalarKey(v)
		b.WriteString(k)
	}
}

// deepCopy copies a decoded value so that changing the copy leaves the
// original alone, and returns the compact JSON size of the value (roughly:
// string escapes are not counted).
func deepCopy(v any) (any, int) {
	switch v := v.(type) {
	case nil:
		return nil, 4
	case bool:
		if v {
			return v, 4
		}
		return v, 5
	case string:
		return v, len(v) + 2
	case json.Number:
		return v, len(v)
	case []any:
		out := make([]any, len(v))
		size := 2 + max(len(v)-1, 0)
		for i, e := range v {
			c, n := deepCopy(e)
			out[i] = c
			size += n
		}
		return out, size
	case map[string]any:
		out := make(map[string]any, len(v))
		size := 2 + max(len(v)-1, 0)
		for k, e := range v {
			c, n := deepCopy(e)
			out[k] = c
			size += len(k) + 3 + n
		}
		return out, size
	}
	return v, 0
}
