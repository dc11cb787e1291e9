package labels

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rigging-dev/rigging/api/names"
)

// Operator is the relation of a Requirement between a label and its values.
// The values are the words of the selector syntax.
type Operator string

// The operators.
const (
	Equals       Operator = "="     // key=value: present with this value
	DoubleEquals Operator = "=="    // key==value: the same as Equals
	NotEquals    Operator = "!="    // key!=value: absent, or another value
	In           Operator = "in"    // key in (a,b): present with one of the values
	NotIn        Operator = "notin" // key notin (a,b): absent, or none of the values
	Exists       Operator = "exists"
	DoesNotExist Operator = "!"
	GreaterThan  Operator = "gt" // key>5: present with an integer value above 5
	LessThan     Operator = "lt" // key<5: present with an integer value below 5
)

// supportedOperators lists the operators in the order Kubernetes lists them
// in its "supported values" message.
var supportedOperators = []Operator{In, NotIn, Equals, DoubleEquals, NotEquals, GreaterThan, LessThan, Exists, DoesNotExist}

// Requirement is one condition of a selector: a key, an operator and its
// values. Make one with NewRequirement; the zero Requirement is invalid. A
// Requirement is immutable, and copies share their values safely.
type Requirement struct {
	key      string
	operator Operator
	// values holds the values in the order given. Most requirements have
	// one, and a short slice is faster to search than a map.
	values []string
}

// ValidationError says why a requirement or a LabelSelector is invalid. Each
// problem reads as Kubernetes prints a field error: the path of the field
// within the requirement or selector, the kind of problem, the bad value and
// the detail, for example
//
//	values[0][app]: Invalid value: "a b": a valid label must be ...
type ValidationError struct {
	// Problems holds one message per problem, in the order found, without
	// duplicates; it is never empty.
	Problems []string
}

// Error returns the problem when there is one and all of them in brackets,
// joined by ", ", when there are several, as Kubernetes aggregates errors.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0]
	}
	return "[" + strings.Join(e.Problems, ", ") + "]"
}

// problems collects field-error messages under a path prefix.
type problems struct {
	prefix string // path of the enclosing field with a trailing "." or ""
	list   []string
}

func (p *problems) add(path, kind string, value any, detail string) {
	msg := p.prefix + path + ": " + kind
	switch v := value.(type) {
	case nil:
	case string:
		msg += ": " + strconv.Quote(v)
	default:
		msg += fmt.Sprintf(": %#v", v)
	}
	if detail != "" {
		msg += ": " + detail
	}
	if !slices.Contains(p.list, msg) {
		p.list = append(p.list, msg)
	}
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: p.list}
}

// NewRequirement returns the requirement that key relates to values by op,
// or a *ValidationError listing every rule broken:
//
//   - key must be a qualified name (names.IsQualifiedName);
//   - In and NotIn need at least one value;
//   - Equals, DoubleEquals and NotEquals need exactly one value;
//   - Exists and DoesNotExist take no values;
//   - GreaterThan and LessThan need exactly one value, a decimal int64;
//   - every value must be a label value (names.IsValidLabelValue);
//   - op must be one of the Operator constants.
//
// The empty string is a valid value. NewRequirement copies values.
func NewRequirement(key string, op Operator, values []string) (*Requirement, error) {
	var p problems
	checkRequirement(&p, key, op, values)
	if err := p.err(); err != nil {
		return nil, err
	}
	return &Requirement{key: key, operator: op, values: slices.Clone(values)}, nil
}

// checkRequirement adds the problems of a requirement to p, with the messages
// of Kubernetes' NewRequirement.
func checkRequirement(p *problems, key string, op Operator, values []string) {
	checkKey(p, key)
	switch op {
	case In, NotIn:
		if len(values) == 0 {
			p.add("values", "Invalid value", values, "for 'in', 'notin' operators, values set can't be empty")
		}
	case Equals, DoubleEquals, NotEquals:
		if len(values) != 1 {
			p.add("values", "Invalid value", values, "exact-match compatibility requires one single value")
		}
	case Exists, DoesNotExist:
		if len(values) != 0 {
			p.add("values", "Invalid value", values, "values set must be empty for exists and does not exist")
		}
	case GreaterThan, LessThan:
		if len(values) != 1 {
			p.add("values", "Invalid value", values, "for 'Gt', 'Lt' operators, exactly one value is required")
		}
		for i, v := range values {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				p.add(fmt.Sprintf("values[%d]", i), "Invalid value", v, "for 'Gt', 'Lt' operators, the value must be an integer")
			}
		}
	default:
		quoted := make([]string, len(supportedOperators))
		for i, o := range supportedOperators {
			quoted[i] = strconv.Quote(string(o))
		}
		p.add("operator", "Unsupported value", string(op), "supported values: "+strings.Join(quoted, ", "))
	}
	for i, v := range values {
		if msgs := names.IsValidLabelValue(v); len(msgs) != 0 {
			p.add(fmt.Sprintf("values[%d][%s]", i, key), "Invalid value", v, strings.Join(msgs, "; "))
		}
	}
}

// checkKey adds the problems of a label key to p.
func checkKey(p *problems, key string) {
	if msgs := names.IsQualifiedName(key); len(msgs) != 0 {
		p.add("key", "Invalid value", key, strings.Join(msgs, "; "))
	}
}

// Key returns the label key.
func (r *Requirement) Key() string { return r.key }

// Operator returns the operator.
func (r *Requirement) Operator() Operator { return r.operator }

// Values returns a copy of the values, in the order given to NewRequirement
// (sorted and without duplicates when the requirement came from Parse).
func (r *Requirement) Values() []string { return slices.Clone(r.values) }

// Equal reports whether r and o have the same key, operator and values in
// the same order.
func (r Requirement) Equal(o Requirement) bool {
	return r.key == o.key && r.operator == o.operator && slices.Equal(r.values, o.values)
}

func (r *Requirement) hasValue(v string) bool {
	return slices.Contains(r.values, v)
}

// Matches reports whether ls satisfies r:
//
//   - Equals, DoubleEquals, In: the key is present and its value is one of r's;
//   - NotEquals, NotIn: the key is absent, or its value is none of r's;
//   - Exists: the key is present; DoesNotExist: it is absent;
//   - GreaterThan, LessThan: the key is present, its value and r's value are
//     decimal int64s, and the label's is greater (less) than r's.
//
// A nil ls has no labels.
func (r *Requirement) Matches(ls Labels) bool {
	switch r.operator {
	case In, Equals, DoubleEquals:
		v, ok := lookup(ls, r.key)
		return ok && r.hasValue(v)
	case NotIn, NotEquals:
		v, ok := lookup(ls, r.key)
		return !ok || !r.hasValue(v)
	case Exists:
		_, ok := lookup(ls, r.key)
		return ok
	case DoesNotExist:
		_, ok := lookup(ls, r.key)
		return !ok
	case GreaterThan, LessThan:
		v, ok := lookup(ls, r.key)
		if !ok || len(r.values) != 1 {
			return false
		}
		have, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return false
		}
		want, err := strconv.ParseInt(r.values[0], 10, 64)
		if err != nil {
			return false
		}
		if r.operator == GreaterThan {
			return have > want
		}
		return have < want
	default:
		return false
	}
}

// String returns r in the selector syntax, as Kubernetes prints it:
// "key=v", "key==v", "key!=v", "key in (a,b)", "key notin (a,b)", "key",
// "!key", "key>v", "key<v". Several values are printed sorted. Parse reads
// the result back to an equal requirement (up to the order of values).
func (r *Requirement) String() string {
	var b strings.Builder
	if r.operator == DoesNotExist {
		b.WriteString("!")
	}
	b.WriteString(r.key)
	switch r.operator {
	case Equals:
		b.WriteString("=")
	case DoubleEquals:
		b.WriteString("==")
	case NotEquals:
		b.WriteString("!=")
	case In:
		b.WriteString(" in (")
	case NotIn:
		b.WriteString(" notin (")
	case GreaterThan:
		b.WriteString(">")
	case LessThan:
		b.WriteString("<")
	default: // Exists, DoesNotExist
		return b.String()
	}
	if len(r.values) == 1 {
		b.WriteString(r.values[0])
	} else {
		vals := r.values
		if !sort.StringsAreSorted(vals) {
			vals = slices.Clone(vals)
			sort.Strings(vals)
		}
		b.WriteString(strings.Join(vals, ","))
	}
	if r.operator == In || r.operator == NotIn {
		b.WriteString(")")
	}
	return b.String()
}
