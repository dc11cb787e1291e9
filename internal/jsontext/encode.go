package jsontext

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string exactly as encoding/json writes
// it: <, > and & escaped as \u003c, \u003e and \u0026, U+2028 and U+2029
// escaped, control characters escaped, and each byte of invalid UTF-8
// replaced by \ufffd.
func AppendString[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	// Most strings need no escaping: skip what does not, eight bytes at
	// a time, and copy it in one piece.
	i := 0
	for i+8 <= len(s) {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if m := unsafeHTMLBytes(x); m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
		i += 8
	}
	for i < len(s) && s[i] < utf8.RuneSelf && htmlSafe[s[i]] {
		i++
	}
	if i == len(s) {
		dst = append(dst, s...)
		return append(dst, '"')
	}
	start := 0
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if htmlSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(s)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(s[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// unsafeHTMLBytes returns a mask with the high bit set in the lowest byte
// of x (the first in memory) that htmlSafe does not hold: '"', '\\', '<',
// '>', '&', a control character or a byte of a non-ASCII character. As
// with specialBytes, bytes above the first such one may be flagged too,
// and the mask is zero when there is none.
func unsafeHTMLBytes(x uint64) uint64 {
	// '"' (0x22) and '&' (0x26) differ only in bit 2, '<' (0x3c) and '>'
	// (0x3e) only in bit 1: clearing that bit after the comparison's xor
	// tests both at once. Each v below is zero in a byte exactly where x
	// holds one of the two.
	quoteAmp := (x ^ (lowBits * '"')) &^ (lowBits * 0x04)
	angle := (x ^ (lowBits * '<')) &^ (lowBits * 0x02)
	backslash := x ^ (lowBits * '\\')
	m := (quoteAmp - lowBits) & ^quoteAmp
	m |= (angle - lowBits) & ^angle
	m |= (backslash - lowBits) & ^backslash
	m |= (x - lowBits*' ') & ^x
	return (m | x) & highBits
}

// htmlSafe[b] is true for the ASCII bytes encoding/json writes unescaped
// with HTML escaping on.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		switch b {
		case '"', '\\', '<', '>', '&', 0x7f:
			if b == 0x7f {
				t[b] = true
			}
		default:
			t[b] = true
		}
	}
	return t
}()

// AppendFloat appends f as encoding/json writes a float of the given bit
// size (32 or 64). NaN and infinities are an error, as they are for
// encoding/json.
func AppendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, bits))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// AppendBytes appends b as encoding/json writes a []byte: a base64 string,
// or null when b is nil.
func AppendBytes(dst []byte, b []byte) []byte {
	if b == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

// AppendMarshal appends json.Marshal(v): the fallback for values whose
// encoding the generated code does not reproduce itself.
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// AppendSortedKeys appends the keys of m to dst in increasing order, the
// order in which encoding/json writes the members of a map with string
// keys, and returns the extended slice. The generated code passes a
// slice of an array on its stack, so that sorting the keys of a small map
// allocates nothing.
func AppendSortedKeys[K ~string, V any](dst []K, m map[K]V) []K {
	start := len(dst)
	for k := range m {
		dst = append(dst, k)
	}
	slices.Sort(dst[start:])
	return dst
}

// Entry is a member of a map with string keys, for AppendSortedEntries.
type Entry[K ~string, V any] struct {
	Key   K
	Value V
}

// AppendSortedEntries appends the members of m to dst in increasing order
// of their keys, the order in which encoding/json writes them, and returns
// the extended slice. It is AppendSortedKeys with the values, so that the
// caller need not look each key up again; the generated code passes a
// slice of an array on its stack, so that a small map costs no
// allocation.
func AppendSortedEntries[K ~string, V any](dst []Entry[K, V], m map[K]V) []Entry[K, V] {
	start := len(dst)
	for k, v := range m {
		dst = append(dst, Entry[K, V]{k, v})
	}
	slices.SortFunc(dst[start:], func(a, b Entry[K, V]) int { return strings.Compare(string(a.Key), string(b.Key)) })
	return dst
}

// IsZeroValue reports whether *p holds its type's zero value, as
// encoding/json's omitzero tests a type without an IsZero method. It takes
// a pointer so that the value is not copied into an interface.
func IsZeroValue[T any](p *T) bool { return reflect.ValueOf(p).Elem().IsZero() }
