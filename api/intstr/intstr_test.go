package intstr

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSON(t *testing.T) {
	type holder struct {
		Port IntOrString `json:"port"`
	}
	tests := []struct {
		in   string
		want IntOrString
	}{
		{`{"port":8080}`, FromInt32(8080)},
		{`{"port":"http"}`, FromString("http")},
		{`{"port":"25%"}`, FromString("25%")},
		{`{"port":"8080"}`, FromString("8080")},
		{`{"port":-1}`, FromInt32(-1)},
		{`{"port":2147483647}`, FromInt32(2147483647)},
	}
	for _, tt := range tests {
		var h holder
		if err := json.Unmarshal([]byte(tt.in), &h); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, h.Port); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.in, diff)
		}
		out, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tt.in {
			t.Errorf("re-encoded %s as %s", tt.in, out)
		}
	}
}

func TestJSONErrors(t *testing.T) {
	for _, in := range []string{`1.5`, `2147483648`, `true`, `{}`, `[]`, `1e3`} {
		var v IntOrString
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("%s: expected an error, got %v", in, v)
		}
	}
	if _, err := json.Marshal(IntOrString{Type: 7}); err == nil {
		t.Error("invalid type must not marshal")
	}
}

func TestParse(t *testing.T) {
	if got := Parse("80"); got != FromInt32(80) {
		t.Errorf("Parse(80) = %v", got)
	}
	if got := Parse("http"); got != FromString("http") {
		t.Errorf("Parse(http) = %v", got)
	}
	if got := Parse("99999999999"); got != FromString("99999999999") {
		t.Errorf("Parse overflow = %v", got)
	}
}

func TestScaledValue(t *testing.T) {
	tests := []struct {
		v       IntOrString
		total   int
		roundUp bool
		want    int
		wantErr error
	}{
		{FromInt32(3), 10, false, 3, nil},
		{FromString("25%"), 10, true, 3, nil},
		{FromString("25%"), 10, false, 2, nil},
		{FromString("25%"), 4, true, 1, nil},
		{FromString("100%"), 7, false, 7, nil},
		{FromString("0%"), 7, true, 0, nil},
		{FromString("33%"), 3, true, 1, nil},
		{FromString("abc"), 3, true, 0, ErrNotPercent},
		{FromString("x%"), 3, true, 0, ErrNotPercent},
	}
	for _, tt := range tests {
		got, err := ScaledValue(&tt.v, tt.total, tt.roundUp)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("ScaledValue(%s, %d, %v) = %d, %v; want %d, %v", tt.v.String(), tt.total, tt.roundUp, got, err, tt.want, tt.wantErr)
		}
	}
	if _, err := ScaledValue(nil, 1, true); err == nil {
		t.Error("nil must fail")
	}
	neg := FromString("-5%")
	if _, err := ScaledValue(&neg, 10, true); err == nil {
		t.Error("negative percentage must fail")
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`1`, `"a"`, `-1`, `"25%"`, `null`, `1e9`, `"\u0000"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v IntOrString
		if err := json.Unmarshal(b, &v); err != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decoded %q but cannot encode: %v", b, err)
		}
		var w IntOrString
		if err := json.Unmarshal(out, &w); err != nil || w != v {
			t.Fatalf("round trip of %q: %v -> %s -> %v (%v)", b, v, out, w, err)
		}
	})
}

func ExampleScaledValue() {
	maxSurge := FromString("25%")
	n, _ := ScaledValue(&maxSurge, 10, true)
	fmt.Println(n)
	// Output: 3
}
