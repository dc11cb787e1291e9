package fields

import (
	"fmt"
	"slices"
	"strings"
)

// Operator is the relation of a Requirement between a field and its value.
type Operator string

// The operators, written as in the selector syntax.
const (
	Equals       Operator = "="
	DoubleEquals Operator = "=="
	NotEquals    Operator = "!="
)

// Requirement is one term of a field selector. Selectors in this package
// report "==" as Equals.
type Requirement struct {
	Operator Operator
	Field    string
	Value    string
}

// String returns the term in the selector syntax, the value escaped:
// "field=value" or "field!=value" ("==" prints as "=").
func (r Requirement) String() string {
	op := "="
	if r.Operator == NotEquals {
		op = "!="
	}
	return r.Field + op + EscapeValue(r.Value)
}

// matches reports whether f satisfies r. An absent field has the value "".
func (r Requirement) matches(f Fields) bool {
	var v string
	if s, ok := f.(Set); ok {
		v = s[r.Field]
	} else if f != nil {
		v = f.Get(r.Field)
	}
	if r.Operator == NotEquals {
		return v != r.Value
	}
	return v == r.Value
}

// TransformFunc rewrites one term of a selector: it gets a field and value
// and returns the ones to use instead, or an error to reject the term.
// Returning "" for both drops the term.
type TransformFunc func(field, value string) (newField, newValue string, err error)

// Selector is a field selector: terms that are ANDed.
//
// The implementations in this package are immutable and safe for concurrent
// use.
type Selector interface {
	// Matches reports whether f satisfies every term. A field that f lacks
	// has the value "". A nil f has no fields.
	Matches(f Fields) bool
	// Empty reports whether the selector has no terms and so matches
	// everything.
	Empty() bool
	// String returns the selector in the syntax ParseSelector reads, terms
	// sorted, values escaped; "" when it is empty.
	String() string
	// Requirements returns a copy of the terms, in the order String
	// prints them.
	Requirements() []Requirement
	// RequiresExactMatch returns the value that field must equal for the
	// selector to match, from the first "field=value" term on it, and
	// true; or "" and false when no such term exists.
	RequiresExactMatch(field string) (value string, found bool)
	// Transform returns the selector with fn applied to every term, leaving
	// the receiver unchanged. Terms for which fn returns "" and "" are
	// dropped. The first error of fn is returned, wrapped with the term.
	Transform(fn TransformFunc) (Selector, error)
}

// terms is the selector type: a list of terms sorted by their String
// (stably, so equal terms keep their order).
type terms []Requirement

var everything Selector = terms{}

// Everything returns the selector with no terms, which matches all objects
// and prints as "".
func Everything() Selector { return everything }

// OneTermEqualSelector returns the selector "field=value". It does not check
// field.
func OneTermEqualSelector(field, value string) Selector {
	return terms{{Operator: Equals, Field: field, Value: value}}
}

// SelectorFromSet returns the selector requiring every field of s to have its
// value, terms sorted; a nil or empty s gives Everything(). It does not check
// the field names.
func SelectorFromSet(s Set) Selector {
	if len(s) == 0 {
		return everything
	}
	ts := make(terms, 0, len(s))
	for f, v := range s {
		ts = append(ts, Requirement{Operator: Equals, Field: f, Value: v})
	}
	ts.sort()
	return ts
}

func (ts terms) sort() {
	slices.SortStableFunc(ts, func(a, b Requirement) int { return strings.Compare(a.String(), b.String()) })
}

func (ts terms) Matches(f Fields) bool {
	for _, t := range ts {
		if !t.matches(f) {
			return false
		}
	}
	return true
}

func (ts terms) Empty() bool { return len(ts) == 0 }

func (ts terms) String() string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.String())
	}
	return b.String()
}

func (ts terms) Requirements() []Requirement { return slices.Clone([]Requirement(ts)) }

func (ts terms) RequiresExactMatch(field string) (string, bool) {
	for _, t := range ts {
		if t.Field == field && t.Operator != NotEquals {
			return t.Value, true
		}
	}
	return "", false
}

func (ts terms) Transform(fn TransformFunc) (Selector, error) {
	out := make(terms, 0, len(ts))
	for _, t := range ts {
		f, v, err := fn(t.Field, t.Value)
		if err != nil {
			return nil, fmt.Errorf("transform field selector term %q: %w", t.String(), err)
		}
		if f == "" && v == "" {
			continue
		}
		out = append(out, Requirement{Operator: t.Operator, Field: f, Value: v})
	}
	out.sort()
	return out, nil
}
