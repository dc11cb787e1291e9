package labels

import (
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t testing.TB, s string) Selector {
	t.Helper()
	sel, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return sel
}

// mapLabels is a Labels that is not a Set, to cover the Has-then-Get path.
type mapLabels map[string]string

func (m mapLabels) Has(k string) bool   { _, ok := m[k]; return ok }
func (m mapLabels) Get(k string) string { return m[k] }

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		sel    string
		labels Set
		want   bool
	}{
		{"", Set{}, true},
		{"", nil, true},
		{"", Set{"x": "y"}, true},
		{"x=y", Set{"x": "y"}, true},
		{"x=y", Set{"x": "z"}, false},
		{"x=y", Set{}, false},
		{"x==y", Set{"x": "y"}, true},
		{"x==y", Set{"x": "z"}, false},
		{"x=", Set{"x": ""}, true},
		{"x=", Set{}, false},
		{"x!=y", Set{"x": "z"}, true},
		{"x!=y", Set{"x": "y"}, false},
		{"x!=y", Set{}, true}, // != matches an absent key
		{"x!=", Set{}, true},
		{"x!=", Set{"x": ""}, false},
		{"x in (a,b)", Set{"x": "a"}, true},
		{"x in (a,b)", Set{"x": "b"}, true},
		{"x in (a,b)", Set{"x": "c"}, false},
		{"x in (a,b)", Set{}, false},
		{"x in (,a)", Set{"x": ""}, true},
		{"x notin (a,b)", Set{"x": "c"}, true},
		{"x notin (a,b)", Set{"x": "a"}, false},
		{"x notin (a,b)", Set{}, true}, // notin matches an absent key
		{"x", Set{"x": ""}, true},
		{"x", Set{"y": "x"}, false},
		{"!x", Set{"y": "x"}, true},
		{"!x", Set{"x": ""}, false},
		{"x>1", Set{"x": "2"}, true},
		{"x>1", Set{"x": "1"}, false},
		{"x>1", Set{"x": "0"}, false},
		{"x>1", Set{"x": "-5"}, false},
		{"x>1", Set{}, false}, // Gt needs the key
		{"x>1", Set{"x": "a"}, false},
		{"x>1", Set{"x": "2.5"}, false}, // integers only
		{"x>1", Set{"x": "99999999999999999999"}, false},
		{"x<1", Set{"x": "0"}, true},
		{"x<1", Set{"x": "-9223372036854775808"}, true},
		{"x<1", Set{"x": "1"}, false},
		{"x<1", Set{}, false},
		{"x=a,y=b", Set{"x": "a", "y": "b"}, true},
		{"x=a,y=b", Set{"x": "a"}, false},
		{"x=a,y!=b", Set{"x": "a"}, true},
		{"x,!y,z in (1,2),w notin (3)", Set{"x": "", "z": "2"}, true},
		{"x,!y,z in (1,2),w notin (3)", Set{"x": "", "z": "2", "w": "3"}, false},
		{"x,!y,z in (1,2),w notin (3)", Set{"x": "", "z": "2", "y": "0"}, false},
	} {
		sel := mustParse(t, tc.sel)
		if got := sel.Matches(tc.labels); got != tc.want {
			t.Errorf("Parse(%q).Matches(%v) = %v, want %v", tc.sel, tc.labels, got, tc.want)
		}
		if got := sel.Matches(mapLabels(tc.labels)); got != tc.want {
			t.Errorf("Parse(%q).Matches(mapLabels %v) = %v, want %v", tc.sel, tc.labels, got, tc.want)
		}
	}
}

func TestMatchesNilLabels(t *testing.T) {
	for sel, want := range map[string]bool{"": true, "x": false, "!x": true, "x!=a": true, "x=a": false, "x>1": false} {
		if got := mustParse(t, sel).Matches(nil); got != want {
			t.Errorf("Parse(%q).Matches(nil) = %v, want %v", sel, got, want)
		}
	}
}

func TestEverythingNothing(t *testing.T) {
	e, n := Everything(), Nothing()
	if !e.Empty() || n.Empty() {
		t.Errorf("Everything().Empty() = %v, Nothing().Empty() = %v; want true, false", e.Empty(), n.Empty())
	}
	if !e.Matches(Set{"a": "b"}) || !e.Matches(nil) {
		t.Error("Everything() does not match everything")
	}
	if n.Matches(Set{}) || n.Matches(Set{"a": "b"}) {
		t.Error("Nothing() matches something")
	}
	if e.String() != "" || n.String() != "" {
		t.Errorf("String() = %q, %q; want empty", e.String(), n.String())
	}
	if r, ok := e.Requirements(); !ok || len(r) != 0 {
		t.Errorf("Everything().Requirements() = %v, %v; want [], true", r, ok)
	}
	if r, ok := n.Requirements(); ok || r != nil {
		t.Errorf("Nothing().Requirements() = %v, %v; want nil, false", r, ok)
	}
	r, err := NewRequirement("a", Exists, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Add(*r); got.Matches(Set{"a": ""}) {
		t.Error("Nothing().Add(a) matches {a}")
	}
	if got := e.Add(*r).String(); got != "a" {
		t.Errorf("Everything().Add(a).String() = %q, want %q", got, "a")
	}
	if !e.Empty() {
		t.Error("Everything().Add changed Everything()")
	}
}

func TestAddKeepsReceiver(t *testing.T) {
	base := mustParse(t, "b=1,d=2")
	r1, _ := NewRequirement("c", In, []string{"z", "y"})
	r2, _ := NewRequirement("a", DoesNotExist, nil)
	got := base.Add(*r1, *r2)
	if want := "!a,b=1,c in (y,z),d=2"; got.String() != want {
		t.Errorf("Add: String() = %q, want %q", got.String(), want)
	}
	if want := "b=1,d=2"; base.String() != want {
		t.Errorf("Add changed the receiver to %q, want %q", base.String(), want)
	}
	// Requirements returns a copy sorted by key.
	reqs, ok := got.Requirements()
	if !ok {
		t.Fatal("Requirements() not selectable")
	}
	keys := []string{}
	for _, r := range reqs {
		keys = append(keys, r.Key())
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d"}, keys); diff != "" {
		t.Errorf("Requirements keys (-want +got):\n%s", diff)
	}
	reqs[0] = *r1
	if got.String() != "!a,b=1,c in (y,z),d=2" {
		t.Error("changing the result of Requirements changed the selector")
	}
}

func TestSelectorFromSet(t *testing.T) {
	for _, tc := range []struct {
		set  Set
		want string
	}{
		{nil, ""},
		{Set{}, ""},
		{Set{"b": "2", "a": "1", "c": ""}, "a=1,b=2,c="},
	} {
		sel := SelectorFromSet(tc.set)
		if got := sel.String(); got != tc.want {
			t.Errorf("SelectorFromSet(%v).String() = %q, want %q", tc.set, got, tc.want)
		}
		if !sel.Matches(tc.set) {
			t.Errorf("SelectorFromSet(%v) does not match its own set", tc.set)
		}
		if sel.Empty() != (len(tc.set) == 0) {
			t.Errorf("SelectorFromSet(%v).Empty() = %v", tc.set, sel.Empty())
		}
	}
	sel := SelectorFromSet(Set{"a": "1", "b": "2"})
	if sel.Matches(Set{"a": "1"}) || !sel.Matches(Set{"a": "1", "b": "2", "c": "3"}) {
		t.Error("SelectorFromSet does not require exactly its labels")
	}
}

func TestSetString(t *testing.T) {
	for _, tc := range []struct {
		set  Set
		want string
	}{
		{nil, ""},
		{Set{"a": "b"}, "a=b"},
		{Set{"z": "", "a": "1", "m": "x"}, "a=1,m=x,z="},
	} {
		if got := tc.set.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.set, got, tc.want)
		}
	}
	s := Set{"a": ""}
	if !s.Has("a") || s.Has("b") || s.Get("a") != "" || s.Get("b") != "" {
		t.Error("Set.Has/Get wrong")
	}
}

func TestNewRequirement(t *testing.T) {
	for _, tc := range []struct {
		key    string
		op     Operator
		values []string
		want   string   // String() when valid
		errs   []string // ValidationError.Problems when not
	}{
		{key: "a", op: Equals, values: []string{"b"}, want: "a=b"},
		{key: "a", op: DoubleEquals, values: []string{""}, want: "a=="},
		{key: "a", op: NotEquals, values: []string{"b"}, want: "a!=b"},
		{key: "a", op: In, values: []string{"c", "b", "c"}, want: "a in (b,c,c)"},
		{key: "a", op: NotIn, values: []string{""}, want: "a notin ()"},
		{key: "a", op: Exists, want: "a"},
		{key: "a", op: DoesNotExist, values: []string{}, want: "!a"},
		{key: "a", op: GreaterThan, values: []string{"0"}, want: "a>0"},
		{key: "a", op: LessThan, values: []string{"10"}, want: "a<10"},
		{key: "a", op: In, errs: []string{"values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"}},
		{key: "a", op: NotIn, values: []string{}, errs: []string{"values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"}},
		{key: "a", op: Equals, values: []string{"b", "c"}, errs: []string{`values: Invalid value: []string{"b", "c"}: exact-match compatibility requires one single value`}},
		{key: "a", op: NotEquals, errs: []string{"values: Invalid value: []string(nil): exact-match compatibility requires one single value"}},
		{key: "a", op: Exists, values: []string{"b"}, errs: []string{`values: Invalid value: []string{"b"}: values set must be empty for exists and does not exist`}},
		{key: "a", op: GreaterThan, values: []string{"1", "2"}, errs: []string{`values: Invalid value: []string{"1", "2"}: for 'Gt', 'Lt' operators, exactly one value is required`}},
		{key: "a", op: LessThan, values: []string{"x"}, errs: []string{`values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`}},
		{key: "a", op: "~", values: []string{"b"}, errs: []string{`operator: Unsupported value: "~": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"`}},
		{key: "", op: Exists, errs: []string{
			`key: Invalid value: "": name part must be non-empty; name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
		}},
		{key: "/a", op: In, values: []string{"x y", "-"}, errs: []string{
			`key: Invalid value: "/a": prefix part must be non-empty`,
			`values[0][/a]: Invalid value: "x y": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
			`values[1][/a]: Invalid value: "-": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
		}},
	} {
		r, err := NewRequirement(tc.key, tc.op, tc.values)
		if tc.errs == nil {
			if err != nil {
				t.Errorf("NewRequirement(%q, %q, %q): %v", tc.key, tc.op, tc.values, err)
				continue
			}
			if got := r.String(); got != tc.want {
				t.Errorf("NewRequirement(%q, %q, %q).String() = %q, want %q", tc.key, tc.op, tc.values, got, tc.want)
			}
			if r.Key() != tc.key || r.Operator() != tc.op || len(r.Values()) != len(tc.values) {
				t.Errorf("NewRequirement(%q, %q, %q) accessors = %q, %q, %q", tc.key, tc.op, tc.values, r.Key(), r.Operator(), r.Values())
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("NewRequirement(%q, %q, %q) error = %v, want a *ValidationError", tc.key, tc.op, tc.values, err)
			continue
		}
		if diff := cmp.Diff(tc.errs, ve.Problems); diff != "" {
			t.Errorf("NewRequirement(%q, %q, %q) problems (-want +got):\n%s", tc.key, tc.op, tc.values, diff)
		}
	}
}

func TestNewRequirementCopiesValues(t *testing.T) {
	vals := []string{"a", "b"}
	r, err := NewRequirement("k", In, vals)
	if err != nil {
		t.Fatal(err)
	}
	vals[0] = "z"
	got := r.Values()
	got[1] = "z"
	if diff := cmp.Diff([]string{"a", "b"}, r.Values()); diff != "" {
		t.Errorf("requirement values changed through caller's slices (-want +got):\n%s", diff)
	}
}

func TestValidationErrorMessage(t *testing.T) {
	one := &ValidationError{Problems: []string{"a: Forbidden"}}
	two := &ValidationError{Problems: []string{"a: Forbidden", "b: Required value"}}
	if one.Error() != "a: Forbidden" || two.Error() != "[a: Forbidden, b: Required value]" {
		t.Errorf("Error() = %q, %q", one.Error(), two.Error())
	}
}

func TestRequirementEqual(t *testing.T) {
	a := mustParse(t, "x in (a,b),y")
	b := mustParse(t, "y,x in (b,a,a)")
	ra, _ := a.Requirements()
	rb, _ := b.Requirements()
	if diff := cmp.Diff(ra, rb); diff != "" {
		t.Errorf("requirements differ (-a +b):\n%s", diff)
	}
	if ra[0].Equal(ra[1]) {
		t.Error("different requirements are Equal")
	}
}

func BenchmarkMatches(b *testing.B) {
	sel, err := Parse("app=web,tier in (frontend,backend),!canary,environment!=dev,replicas>2")
	if err != nil {
		b.Fatal(err)
	}
	set := Set{"app": "web", "tier": "backend", "environment": "prod", "replicas": "5", "pod-template-hash": "6d4cf56db6"}
	for i := range 20 {
		set["extra-"+strconv.Itoa(i)] = "v"
	}
	b.ReportAllocs()
	for b.Loop() {
		if !sel.Matches(set) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("app=web,tier in (frontend,backend),!canary,environment!=dev"); err != nil {
			b.Fatal(err)
		}
	}
}
