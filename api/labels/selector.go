package labels

import (
	"slices"
	"strings"
)

// Selector is a label selector: a set of requirements that are ANDed.
//
// The implementations in this package are immutable and safe for concurrent
// use.
type Selector interface {
	// Matches reports whether ls satisfies every requirement.
	Matches(ls Labels) bool
	// Empty reports whether the selector has no requirements and so
	// matches everything. Nothing() is not empty.
	Empty() bool
	// String returns the selector in the syntax Parse reads, with the
	// requirements sorted by key as Kubernetes prints them: the same
	// selector always prints the same way. Everything() and Nothing()
	// both print "".
	String() string
	// Add returns a new selector with the requirements added, leaving the
	// receiver unchanged. Adding to Nothing() returns Nothing().
	Add(r ...Requirement) Selector
	// Requirements returns a copy of the requirements, sorted by key, and
	// true; or nil and false when the selector matches nothing.
	Requirements() ([]Requirement, bool)
}

// selector is a list of requirements sorted by key (stably, so requirements
// on one key keep the order in which they were added).
type selector []Requirement

var (
	everything Selector = selector{}
	nothing    Selector = nothingSelector{}
)

// Everything returns the selector that matches all labels: it is empty and
// prints as "".
func Everything() Selector { return everything }

// Nothing returns the selector that matches no labels, not even an empty
// set. Its Requirements reports false, and it prints as "".
func Nothing() Selector { return nothing }

// SelectorFromSet returns the selector that requires each label of s with its
// value ("k1=v1,k2=v2"). A nil or empty s gives Everything(). It does not
// validate s: a key or value that is not valid gives a selector whose String
// Parse rejects; the API server rejects such a selector too.
func SelectorFromSet(s Set) Selector {
	if len(s) == 0 {
		return everything
	}
	reqs := make(selector, 0, len(s))
	for k, v := range s {
		reqs = append(reqs, Requirement{key: k, operator: Equals, values: []string{v}})
	}
	sortByKey(reqs)
	return reqs
}

func sortByKey(reqs []Requirement) {
	slices.SortStableFunc(reqs, func(a, b Requirement) int { return strings.Compare(a.key, b.key) })
}

func (s selector) Matches(ls Labels) bool {
	for i := range s {
		if !s[i].Matches(ls) {
			return false
		}
	}
	return true
}

func (s selector) Empty() bool { return len(s) == 0 }

func (s selector) String() string {
	var b strings.Builder
	for i := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i].String())
	}
	return b.String()
}

func (s selector) Add(reqs ...Requirement) Selector {
	out := make(selector, 0, len(s)+len(reqs))
	out = append(out, s...)
	out = append(out, reqs...)
	sortByKey(out)
	return out
}

func (s selector) Requirements() ([]Requirement, bool) {
	return slices.Clone([]Requirement(s)), true
}

// nothingSelector matches nothing.
type nothingSelector struct{}

func (nothingSelector) Matches(Labels) bool                 { return false }
func (nothingSelector) Empty() bool                         { return false }
func (nothingSelector) String() string                      { return "" }
func (n nothingSelector) Add(...Requirement) Selector       { return n }
func (nothingSelector) Requirements() ([]Requirement, bool) { return nil, false }
