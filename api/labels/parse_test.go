package labels

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", ""},
		{"   ", ""},
		{"x=a", "x=a"},
		{"x==a", "x==a"},
		{"x!=a", "x!=a"},
		{"x=", "x="},
		{"x= ", "x="},
		{"x=,z= ", "x=,z="},
		{"x==", "x=="},
		{"x!=", "x!="},
		{"x", "x"},
		{"!x", "!x"},
		{" ! x ", "!x"},
		{"x>1", "x>1"},
		{"x<1", "x<1"},
		{"x in (a)", "x in (a)"},
		{"x in (b,a)", "x in (a,b)"},
		{"x in (a,a,b,a)", "x in (a,b)"},
		{"x notin (b, a)", "x notin (a,b)"},
		{"x in ()", "x in ()"},
		{"x in (,)", "x in ()"},
		{"x in (,a)", "x in (,a)"},
		{"x in (a,)", "x in (,a)"},
		{"x in (a,,b)", "x in (,a,b)"},
		{"x in (in)", "x in (in)"},
		{"in in (notin)", "in in (notin)"},
		{"notin", "notin"},
		{"!in", "!in"},
		{"x=in", "x=in"},
		{"z=b,x=a,y=c", "x=a,y=c,z=b"},
		{"w,!z,x in (foo,,baz),y,z notin ()", "w,x in (,baz,foo),y,!z,z notin ()"},
		{"x=a,x!=b,x", "x=a,x!=b,x"}, // one key: kept in input order
		{"x,x=a", "x,x=a"},
		{" x = a , y in ( b , c ) ", "x=a,y in (b,c)"},
		{"x=a\t,\ny\r=\nb", "x=a,y=b"},
		{"example.com/app=web", "example.com/app=web"},
		{"a.b-c.d/E.F-G_H=I.J-K_L", "a.b-c.d/E.F-G_H=I.J-K_L"},
		{"environment in (production, qa),tier notin (frontend),partition,!canary",
			"!canary,environment in (production,qa),partition,tier notin (frontend)"},
	} {
		sel, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := sel.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		if got, want := sel.Empty(), tc.want == ""; got != want {
			t.Errorf("Parse(%q).Empty() = %v, want %v", tc.in, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const (
		keyMsg   = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
		valueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
	)
	for _, tc := range []struct {
		in         string
		offset     int
		msg        string
		validation bool // Err is a *ValidationError
	}{
		{"x=a,", 4, "found '', expected: identifier after ','", false},
		{"x=a,,y", 4, "found ',', expected: identifier after ','", false},
		{",x", 0, "found ',', expected: !, identifier, or 'end of string'", false},
		{"=a", 0, "found '=', expected: !, identifier, or 'end of string'", false},
		{"(x)", 0, "found '(', expected: !, identifier, or 'end of string'", false},
		{"x y", 2, "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt", false},
		{"x=a y", 4, "found 'y', expected: ',' or 'end of string'", false},
		{"x=a=b", 3, "found '=', expected: ',' or 'end of string'", false},
		{"!x=a", 2, "found '=', expected: ',' or 'end of string'", false},
		{"!", 1, "unable to parse requirement: found '', expected: identifier", false},
		{"!!x", 1, "unable to parse requirement: found '!', expected: identifier", false},
		{"x (a)", 2, "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt", false},
		{"x>=1", 2, "unable to parse requirement: found '=', expected: identifier", false},
		{"x=!a", 2, "unable to parse requirement: found '!', expected: identifier", false},
		{"x in a", 5, "unable to parse requirement: found 'a' expected: '('", false},
		{"x in (", 6, "unable to parse requirement: found '', expected: ',', ')' or identifier", false},
		{"x in (a", 7, "unable to parse requirement: found '', expected: ',' or ')'", false},
		{"x in (a b)", 8, "unable to parse requirement: found 'b', expected: ',' or ')'", false},
		{"x in (a,=)", 8, "unable to parse requirement: found '=', expected: ',', or identifier", false},
		{"x in ((a))", 6, "unable to parse requirement: found '(', expected: ',', ')' or identifier", false},
		{"x notin", 7, "unable to parse requirement: found '' expected: '('", false},
		{"x>a", 0, `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`, true},
		{"x>", 0, `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`, true},
		{"x>-1", 0, `unable to parse requirement: values[0][x]: Invalid value: "-1": ` + valueMsg, true},
		{"x<99999999999999999999", 0, `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`, true},
		{"y,x=a b", 6, "found 'b', expected: ',' or 'end of string'", false},
		{"y, A/B/C=d", 3, `unable to parse requirement: key: Invalid value: "A/B/C": a qualified name ` + keyMsg + ` with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`, true},
		{"x_=a", 0, `unable to parse requirement: key: Invalid value: "x_": name part ` + keyMsg, true},
		{"x=a@b", 0, `unable to parse requirement: values[0][x]: Invalid value: "a@b": ` + valueMsg, true},
		{"x in (a,-b)", 0, `unable to parse requirement: values[0][x]: Invalid value: "-b": ` + valueMsg, true},
		{"x\x00=a", 0, `unable to parse requirement: key: Invalid value: "x\x00": name part ` + keyMsg, true},
		{strings.Repeat("a", 64), 0, `unable to parse requirement: key: Invalid value: "` + strings.Repeat("a", 64) + `": name part must be no more than 63 characters`, true},
	} {
		sel, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %q, want an error", tc.in, sel)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error %v is a %T, want a *ParseError", tc.in, err, err)
			continue
		}
		want := &ParseError{Selector: tc.in, Offset: tc.offset, Msg: tc.msg}
		if diff := cmp.Diff(want, pe, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())); diff != "" {
			t.Errorf("Parse(%q) error (-want +got):\n%s", tc.in, diff)
		}
		var ve *ValidationError
		if got := errors.As(err, &ve); got != tc.validation {
			t.Errorf("Parse(%q): errors.As(*ValidationError) = %v, want %v", tc.in, got, tc.validation)
		}
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Parse("x=a,,y")
	const want = `parse label selector "x=a,,y" at offset 4: found ',', expected: identifier after ','`
	if err == nil || err.Error() != want {
		t.Errorf("Parse error = %v, want %s", err, want)
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts
// prints canonically: String re-parses to a selector that prints the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "x", "!x", "x=a", "x==a", "x!=a", "x>1", "x<-1", "x in (a,b)", "x notin ()",
		"x in (,a,,b,)", "in in (in)", "a=b,c!=d,e in (f,g),h notin (i),j,!k",
		"example.com/app=web", "x=a,,", "x in (a", "!", "x>=1", "x=", "x= ,y",
		"\tx\n=\ra", "x\x00", "é=a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %v is a %T, want a *ParseError", s, err, err)
			}
			if pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("Parse(%q) error offset %d outside the input", s, pe.Offset)
			}
			return
		}
		printed := sel.String()
		again, err := Parse(printed)
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which does not parse: %v", s, printed, err)
		}
		if got := again.String(); got != printed {
			t.Fatalf("Parse(%q) printed %q, which re-parses and prints as %q", s, printed, got)
		}
		r1, _ := sel.Requirements()
		r2, _ := again.Requirements()
		if len(r1) != len(r2) {
			t.Fatalf("Parse(%q): %d requirements, re-parsed %d", s, len(r1), len(r2))
		}
		if sel.Empty() != (printed == "") {
			t.Fatalf("Parse(%q).Empty() = %v but String() = %q", s, sel.Empty(), printed)
		}
	})
}
