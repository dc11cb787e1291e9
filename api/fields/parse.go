package fields

import (
	"errors"
	"fmt"
	"strings"
)

// ParseError reports a field selector that ParseSelector cannot read.
type ParseError struct {
	// Selector is the whole input.
	Selector string
	// Term is the comma-separated term at fault, as written.
	Term string
	// Offset is the byte offset in Selector where the problem is: the start
	// of Term when it has no operator, else the bad character of its value.
	Offset int
	// Msg says what is wrong, in Kubernetes' words ("can't understand
	// 'a'", "invalid escape sequence: \x", "unescaped character in value:
	// '='").
	Msg string
	// Err is the *EscapeError when the value is at fault, else nil.
	Err error
}

// Error returns the input, the offset and the message.
func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid field selector %q at offset %d: %s", e.Selector, e.Offset, e.Msg)
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// ParseSelector reads a field selector: terms "field=value",
// "field==value" or "field!=value" joined by commas. In each term the first
// "!=", "==" or "=" from the left is the operator; the field is everything
// before it, spaces included, and the value everything after it, unescaped
// with UnescapeValue (a comma escaped as "\," does not end a term). Empty
// terms are skipped, and so are terms with neither field nor value ("=").
// The empty string gives Everything().
//
// The terms are sorted by their printed form, so String of the result is
// canonical. On failure it returns a *ParseError.
func ParseSelector(s string) (Selector, error) {
	var ts terms
	for _, t := range splitTerms(s) {
		term := s[t.start:t.end]
		if term == "" {
			continue
		}
		field, op, value, valueAt, ok := splitTerm(term)
		if !ok {
			return nil, &ParseError{Selector: s, Term: term, Offset: t.start, Msg: fmt.Sprintf("can't understand '%s'", term)}
		}
		v, err := UnescapeValue(value)
		if err != nil {
			pe := &ParseError{Selector: s, Term: term, Offset: t.start + valueAt, Msg: err.Error(), Err: err}
			var ee *EscapeError
			if errors.As(err, &ee) {
				pe.Offset += ee.Offset
				pe.Msg = ee.Msg
			}
			return nil, pe
		}
		if field == "" && v == "" {
			continue // as Kubernetes: a term with neither field nor value selects nothing
		}
		if op == DoubleEquals {
			op = Equals
		}
		ts = append(ts, Requirement{Operator: op, Field: field, Value: v})
	}
	if len(ts) == 0 {
		return everything, nil
	}
	ts.sort()
	return ts, nil
}

// span is the byte range of one term in the input.
type span struct{ start, end int }

// splitTerms cuts s at every comma not preceded by an escaping backslash.
// A backslash escapes the byte after it, whatever it is.
func splitTerms(s string) []span {
	if s == "" {
		return nil
	}
	var spans []span
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip the escaped byte
		case ',':
			spans = append(spans, span{start, i})
			start = i + 1
		}
	}
	return append(spans, span{start, len(s)})
}

// termOperators are tried in this order at each position, so that "!=" and
// "==" win over "=".
var termOperators = [...]Operator{NotEquals, DoubleEquals, Equals}

// splitTerm splits a term at its first operator, trying "!=" and "==" before
// "=" at each position. valueAt is the offset of value in term.
func splitTerm(term string) (field string, op Operator, value string, valueAt int, ok bool) {
	for i := 0; i < len(term); i++ {
		for _, o := range termOperators {
			if strings.HasPrefix(term[i:], string(o)) {
				at := i + len(o)
				return term[:i], o, term[at:], at, true
			}
		}
	}
	return "", "", "", 0, false
}
