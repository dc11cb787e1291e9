package fields

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Fields is read access to the selectable fields of one object.
type Fields interface {
	// Has reports whether the field is present.
	Has(field string) bool
	// Get returns the field's value, or "" when it is absent.
	Get(field string) string
}

// Set is a plain map of field names to values. It implements Fields.
type Set map[string]string

var _ Fields = Set(nil)

// Has reports whether the field is present in s.
func (s Set) Has(field string) bool {
	_, ok := s[field]
	return ok
}

// Get returns the value of the field, or "" when it is absent.
func (s Set) Get(field string) string {
	return s[field]
}

// String returns the fields as "field=value" pairs, values escaped with
// EscapeValue, sorted and joined by commas: the syntax ParseSelector reads
// (when no field name holds "," "=" or "!="). An empty Set gives "".
func (s Set) String() string {
	terms := make([]string, 0, len(s))
	for f, v := range s {
		terms = append(terms, f+"="+EscapeValue(v))
	}
	sort.Strings(terms)
	return strings.Join(terms, ",")
}

// valueEscaper escapes backslashes first, then the two characters that
// would end a value or start an operator.
var valueEscaper = strings.NewReplacer(`\`, `\\`, `,`, `\,`, `=`, `\=`)

// EscapeValue returns s with "\", "," and "=" each preceded by a backslash,
// so that it can stand as a value in a field selector. UnescapeValue undoes
// it.
func EscapeValue(s string) string {
	return valueEscaper.Replace(s)
}

// EscapeError reports a field selector value that UnescapeValue cannot read.
type EscapeError struct {
	// Value is the escaped value as given.
	Value string
	// Offset is the byte offset in Value of the bad backslash or the bare
	// "," or "=".
	Offset int
	// Msg says what is wrong, in Kubernetes' words: "invalid escape
	// sequence: \x" or "unescaped character in value: '='".
	Msg string
}

// Error returns the value, the offset and the message.
func (e *EscapeError) Error() string {
	return fmt.Sprintf("invalid field selector value %q at offset %d: %s", e.Value, e.Offset, e.Msg)
}

// UnescapeValue returns the literal value that s stands for in a field
// selector: "\\", "\," and "\=" become "\", "," and "="; any other backslash
// sequence, a trailing backslash, or a bare "," or "=" is an error, an
// *EscapeError. Other bytes, including invalid UTF-8, are kept as they are.
func UnescapeValue(s string) (string, error) {
	if !strings.ContainsAny(s, `\,=`) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return "", &EscapeError{Value: s, Offset: i, Msg: `invalid escape sequence: \`}
			}
			next := s[i+1]
			if next != '\\' && next != ',' && next != '=' {
				// Name the whole character after the backslash.
				_, n := utf8.DecodeRuneInString(s[i+1:])
				seq := s[i : i+1+n]
				return "", &EscapeError{Value: s, Offset: i, Msg: "invalid escape sequence: " + seq}
			}
			b.WriteByte(next)
			i++
		case ',', '=':
			return "", &EscapeError{Value: s, Offset: i, Msg: "unescaped character in value: " + strconv.QuoteRune(rune(c))}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
