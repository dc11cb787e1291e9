package labels

import (
	"sort"
	"strings"
)

// Labels is read access to the labels of one object, however they are
// stored.
type Labels interface {
	// Has reports whether the label is present (with any value, even "").
	Has(label string) bool
	// Get returns the label's value, or "" when it is absent.
	Get(label string) string
}

// Set is a plain map of labels. It implements Labels; selectors look a key up
// in a Set once per requirement, and in other Labels with Has then Get.
type Set map[string]string

var _ Labels = Set(nil)

// String returns the labels as "key=value" pairs sorted and joined by commas,
// which is the selector syntax that Parse reads ("" for an empty Set).
func (s Set) String() string {
	pairs := make([]string, 0, len(s))
	for k, v := range s {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// Has reports whether the label is present in s.
func (s Set) Has(label string) bool {
	_, ok := s[label]
	return ok
}

// Get returns the value of the label, or "" when it is absent.
func (s Set) Get(label string) string {
	return s[label]
}

// lookup returns the value of key in ls and whether it is present, with one
// map access when ls is a Set. A nil ls has no labels.
func lookup(ls Labels, key string) (string, bool) {
	if ls == nil {
		return "", false
	}
	if s, ok := ls.(Set); ok {
		v, ok := s[key]
		return v, ok
	}
	if !ls.Has(key) {
		return "", false
	}
	return ls.Get(key), true
}
