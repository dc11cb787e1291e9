package fields

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSelector(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		reqs []Requirement
	}{
		{in: "", want: "", reqs: []Requirement{}},
		{in: ",", want: "", reqs: []Requirement{}},
		{in: "=", want: "", reqs: []Requirement{}},
		{in: "!=", want: "", reqs: []Requirement{}},
		{in: "a=b", want: "a=b", reqs: []Requirement{{Equals, "a", "b"}}},
		{in: "a==b", want: "a=b", reqs: []Requirement{{Equals, "a", "b"}}},
		{in: "a!=b", want: "a!=b", reqs: []Requirement{{NotEquals, "a", "b"}}},
		{in: "a=", want: "a=", reqs: []Requirement{{Equals, "a", ""}}},
		{in: "=b", want: "=b", reqs: []Requirement{{Equals, "", "b"}}},
		{in: "metadata.name=web-0", want: "metadata.name=web-0", reqs: []Requirement{{Equals, "metadata.name", "web-0"}}},
		{in: "x=a,,y=b,", want: "x=a,y=b", reqs: []Requirement{{Equals, "x", "a"}, {Equals, "y", "b"}}},
		{in: "y=b,x!=a", want: "x!=a,y=b", reqs: []Requirement{{NotEquals, "x", "a"}, {Equals, "y", "b"}}},
		{in: "x=b,x=a", want: "x=a,x=b", reqs: []Requirement{{Equals, "x", "a"}, {Equals, "x", "b"}}},
		{in: "a =b", want: "a =b", reqs: []Requirement{{Equals, "a ", "b"}}}, // spaces are kept
		{in: "a= b", want: "a= b", reqs: []Requirement{{Equals, "a", " b"}}},
		{in: "a=!b", want: "a=!b", reqs: []Requirement{{Equals, "a", "!b"}}},
		{in: "a!=!b", want: "a!=!b", reqs: []Requirement{{NotEquals, "a", "!b"}}},
		{in: "a!b=c", want: "a!b=c", reqs: []Requirement{{Equals, "a!b", "c"}}},
		{in: `a=\=b`, want: `a=\=b`, reqs: []Requirement{{Equals, "a", "=b"}}},
		{in: `a!=\=b`, want: `a!=\=b`, reqs: []Requirement{{NotEquals, "a", "=b"}}},
		{in: `a=b\,c`, want: `a=b\,c`, reqs: []Requirement{{Equals, "a", "b,c"}}},
		{in: `a=b\\,c=d`, want: `a=b\\,c=d`, reqs: []Requirement{{Equals, "a", `b\`}, {Equals, "c", "d"}}},
		{in: `a=\\\,\=`, want: `a=\\\,\=`, reqs: []Requirement{{Equals, "a", `\,=`}}},
		{in: `a\=b`, want: `a\=b`, reqs: []Requirement{{Equals, `a\`, "b"}}}, // fields are not unescaped
		{in: "a=é,b=\xff", want: "a=é,b=\xff", reqs: []Requirement{{Equals, "a", "é"}, {Equals, "b", "\xff"}}},
	} {
		sel, err := ParseSelector(tc.in)
		if err != nil {
			t.Errorf("ParseSelector(%q): %v", tc.in, err)
			continue
		}
		if got := sel.String(); got != tc.want {
			t.Errorf("ParseSelector(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		if diff := cmp.Diff(tc.reqs, sel.Requirements()); diff != "" {
			t.Errorf("ParseSelector(%q).Requirements() (-want +got):\n%s", tc.in, diff)
		}
		if sel.Empty() != (len(tc.reqs) == 0) {
			t.Errorf("ParseSelector(%q).Empty() = %v", tc.in, sel.Empty())
		}
	}
}

func TestParseSelectorErrors(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    ParseError
		escaped bool
	}{
		{in: "a", want: ParseError{Term: "a", Offset: 0, Msg: "can't understand 'a'"}},
		{in: "x=y,a", want: ParseError{Term: "a", Offset: 4, Msg: "can't understand 'a'"}},
		{in: "x=y, ", want: ParseError{Term: " ", Offset: 4, Msg: "can't understand ' '"}},
		{in: "a!b", want: ParseError{Term: "a!b", Offset: 0, Msg: "can't understand 'a!b'"}},
		{in: "a=b=c", want: ParseError{Term: "a=b=c", Offset: 3, Msg: "unescaped character in value: '='"}, escaped: true},
		{in: "a!==b", want: ParseError{Term: "a!==b", Offset: 3, Msg: "unescaped character in value: '='"}, escaped: true},
		{in: "a===b", want: ParseError{Term: "a===b", Offset: 3, Msg: "unescaped character in value: '='"}, escaped: true},
		{in: `x=1,a=\x`, want: ParseError{Term: `a=\x`, Offset: 6, Msg: `invalid escape sequence: \x`}, escaped: true},
		{in: `a=\é`, want: ParseError{Term: `a=\é`, Offset: 2, Msg: `invalid escape sequence: \é`}, escaped: true},
		{in: `a=b\`, want: ParseError{Term: `a=b\`, Offset: 3, Msg: `invalid escape sequence: \`}, escaped: true},
		{in: `a=b\!`, want: ParseError{Term: `a=b\!`, Offset: 3, Msg: `invalid escape sequence: \!`}, escaped: true},
	} {
		sel, err := ParseSelector(tc.in)
		if err == nil {
			t.Errorf("ParseSelector(%q) = %q, want an error", tc.in, sel)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseSelector(%q) error %v is a %T, want a *ParseError", tc.in, err, err)
			continue
		}
		want := tc.want
		want.Selector = tc.in
		got := *pe
		got.Err = nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ParseSelector(%q) error (-want +got):\n%s", tc.in, diff)
		}
		var ee *EscapeError
		if errors.As(err, &ee) != tc.escaped {
			t.Errorf("ParseSelector(%q): errors.As(*EscapeError) = %v, want %v", tc.in, !tc.escaped, tc.escaped)
		}
	}
	_, err := ParseSelector("x=y,a")
	if want := `invalid field selector "x=y,a" at offset 4: can't understand 'a'`; err == nil || err.Error() != want {
		t.Errorf("error text = %v, want %s", err, want)
	}
}

func TestEscapeValue(t *testing.T) {
	for _, tc := range []struct{ raw, escaped string }{
		{"", ""},
		{"abc", "abc"},
		{`\`, `\\`},
		{",", `\,`},
		{"=", `\=`},
		{"!", "!"},
		{`a\,b=c`, `a\\\,b\=c`},
		{`\\`, `\\\\`},
	} {
		if got := EscapeValue(tc.raw); got != tc.escaped {
			t.Errorf("EscapeValue(%q) = %q, want %q", tc.raw, got, tc.escaped)
		}
		got, err := UnescapeValue(tc.escaped)
		if err != nil || got != tc.raw {
			t.Errorf("UnescapeValue(%q) = %q, %v; want %q", tc.escaped, got, err, tc.raw)
		}
	}
	for _, tc := range []struct {
		in   string
		want EscapeError
	}{
		{`\`, EscapeError{Offset: 0, Msg: `invalid escape sequence: \`}},
		{`ab\c`, EscapeError{Offset: 2, Msg: `invalid escape sequence: \c`}},
		{`a,b`, EscapeError{Offset: 1, Msg: `unescaped character in value: ','`}},
		{`\\=`, EscapeError{Offset: 2, Msg: `unescaped character in value: '='`}},
	} {
		_, err := UnescapeValue(tc.in)
		var ee *EscapeError
		if !errors.As(err, &ee) {
			t.Errorf("UnescapeValue(%q) error = %v, want an *EscapeError", tc.in, err)
			continue
		}
		tc.want.Value = tc.in
		if diff := cmp.Diff(&tc.want, ee); diff != "" {
			t.Errorf("UnescapeValue(%q) error (-want +got):\n%s", tc.in, diff)
		}
	}
}

// fieldsOnly is a Fields that is not a Set.
type fieldsOnly map[string]string

func (f fieldsOnly) Has(k string) bool   { _, ok := f[k]; return ok }
func (f fieldsOnly) Get(k string) string { return f[k] }

func TestMatches(t *testing.T) {
	pod := Set{"metadata.name": "web-0", "metadata.namespace": "shop", "spec.nodeName": "node-1", "status.phase": "Running"}
	for _, tc := range []struct {
		sel    string
		fields Set
		want   bool
	}{
		{"", pod, true},
		{"", nil, true},
		{"metadata.name=web-0", pod, true},
		{"metadata.name==web-0", pod, true},
		{"metadata.name=web-1", pod, false},
		{"metadata.name!=web-1", pod, true},
		{"metadata.name!=web-0", pod, false},
		{"spec.nodeName=node-1,status.phase!=Succeeded", pod, true},
		{"spec.nodeName=node-1,status.phase!=Running", pod, false},
		{"spec.nodeName=", pod, false},
		{"spec.nodeName=", Set{}, true}, // an absent field is ""
		{"spec.nodeName!=", Set{}, false},
		{"spec.nodeName!=node-1", Set{}, true},
		{"spec.nodeName=node-1", nil, false},
		{"spec.nodeName!=node-1", nil, true},
		{`metadata.name=a\,b`, Set{"metadata.name": "a,b"}, true},
	} {
		sel, err := ParseSelector(tc.sel)
		if err != nil {
			t.Fatalf("ParseSelector(%q): %v", tc.sel, err)
		}
		if got := sel.Matches(tc.fields); got != tc.want {
			t.Errorf("ParseSelector(%q).Matches(%v) = %v, want %v", tc.sel, tc.fields, got, tc.want)
		}
		if got := sel.Matches(fieldsOnly(tc.fields)); got != tc.want {
			t.Errorf("ParseSelector(%q).Matches(fieldsOnly %v) = %v, want %v", tc.sel, tc.fields, got, tc.want)
		}
	}
}

func TestRequiresExactMatch(t *testing.T) {
	for _, tc := range []struct {
		sel, field string
		value      string
		found      bool
	}{
		{"", "spec.nodeName", "", false},
		{"spec.nodeName=node-1", "spec.nodeName", "node-1", true},
		{"spec.nodeName==node-1", "spec.nodeName", "node-1", true},
		{"spec.nodeName=", "spec.nodeName", "", true},
		{"spec.nodeName!=node-1", "spec.nodeName", "", false},
		{"spec.nodeName!=node-1,spec.nodeName=node-2", "spec.nodeName", "node-2", true},
		{"metadata.name=a,spec.nodeName=n", "spec.nodeName", "n", true},
		{"metadata.name=a", "spec.nodeName", "", false},
	} {
		sel, err := ParseSelector(tc.sel)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := sel.RequiresExactMatch(tc.field)
		if v != tc.value || ok != tc.found {
			t.Errorf("ParseSelector(%q).RequiresExactMatch(%q) = %q, %v; want %q, %v", tc.sel, tc.field, v, ok, tc.value, tc.found)
		}
	}
	if v, ok := OneTermEqualSelector("spec.nodeName", "n1").RequiresExactMatch("spec.nodeName"); v != "n1" || !ok {
		t.Errorf("OneTermEqualSelector RequiresExactMatch = %q, %v", v, ok)
	}
}

func TestTransform(t *testing.T) {
	sel, err := ParseSelector("name=web,host=node-1,drop=me")
	if err != nil {
		t.Fatal(err)
	}
	got, err := sel.Transform(func(f, v string) (string, string, error) {
		switch f {
		case "name":
			return "metadata.name", v, nil
		case "host":
			return "spec.nodeName", strings.ToUpper(v), nil
		case "drop":
			return "", "", nil
		}
		return f, v, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "metadata.name=web,spec.nodeName=NODE-1"; got.String() != want {
		t.Errorf("Transform: %q, want %q", got.String(), want)
	}
	if want := "drop=me,host=node-1,name=web"; sel.String() != want {
		t.Errorf("Transform changed the receiver to %q, want %q", sel.String(), want)
	}

	bad := errors.New("field label not supported")
	_, err = sel.Transform(func(f, v string) (string, string, error) {
		if f == "host" {
			return "", "", bad
		}
		return f, v, nil
	})
	if !errors.Is(err, bad) {
		t.Fatalf("Transform error = %v, want it to wrap %v", err, bad)
	}
	if want := `transform field selector term "host=node-1": field label not supported`; err.Error() != want {
		t.Errorf("Transform error = %q, want %q", err, want)
	}
}

func TestSelectorFromSet(t *testing.T) {
	for _, tc := range []struct {
		set  Set
		want string
	}{
		{nil, ""},
		{Set{}, ""},
		{Set{"b": "2", "a": "x,y"}, `a=x\,y,b=2`},
	} {
		sel := SelectorFromSet(tc.set)
		if got := sel.String(); got != tc.want {
			t.Errorf("SelectorFromSet(%v).String() = %q, want %q", tc.set, got, tc.want)
		}
		if got := tc.set.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.set, got, tc.want)
		}
		if !sel.Matches(tc.set) {
			t.Errorf("SelectorFromSet(%v) does not match its set", tc.set)
		}
		if sel.Empty() != (len(tc.set) == 0) {
			t.Errorf("SelectorFromSet(%v).Empty() = %v", tc.set, sel.Empty())
		}
	}
	s := Set{"a": ""}
	if !s.Has("a") || s.Has("b") || s.Get("b") != "" {
		t.Error("Set.Has/Get wrong")
	}
	if !Everything().Empty() || Everything().String() != "" || len(Everything().Requirements()) != 0 {
		t.Error("Everything() is not empty")
	}
}

func TestRequirementsIsACopy(t *testing.T) {
	sel := OneTermEqualSelector("a", "b")
	reqs := sel.Requirements()
	reqs[0].Value = "changed"
	if sel.String() != "a=b" {
		t.Errorf("changing Requirements() changed the selector to %q", sel.String())
	}
}

// FuzzParseSelector checks that ParseSelector never panics and that what it
// accepts prints canonically: String re-parses to the same requirements.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{
		"", "a=b", "a==b", "a!=b", "a=b,c!=d", `a=\,\=\\`, `a\=b`, `a\!=b`, "a!!=b", "=", "=a",
		"a", "a=b=c", `a=\x`, `a=b\`, "x=a,,y=b,", " a = b ", "a=é", "a=\xff", `a\,b=c`, `a=b\\,c=d`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelector(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseSelector(%q) error %v is a %T, want a *ParseError", s, err, err)
			}
			if pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("ParseSelector(%q) error offset %d outside the input", s, pe.Offset)
			}
			return
		}
		printed := sel.String()
		again, err := ParseSelector(printed)
		if err != nil {
			t.Fatalf("ParseSelector(%q) printed %q, which does not parse: %v", s, printed, err)
		}
		if diff := cmp.Diff(sel.Requirements(), again.Requirements()); diff != "" {
			t.Fatalf("ParseSelector(%q) printed %q, which re-parses differently (-first +again):\n%s", s, printed, diff)
		}
		if got := again.String(); got != printed {
			t.Fatalf("ParseSelector(%q) printed %q, which re-parses and prints as %q", s, printed, got)
		}
		// Every "=" term makes its field an exact match.
		for _, r := range sel.Requirements() {
			if _, ok := sel.RequiresExactMatch(r.Field); r.Operator == Equals && !ok {
				t.Fatalf("ParseSelector(%q): no exact match reported for %q", s, r.Field)
			}
		}
	})
}
