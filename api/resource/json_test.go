package resource

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestMarshalJSON(t *testing.T) {
	cases := []struct {
		q    Quantity
		want string
	}{
		{Quantity{}, `"0"`},
		{MustParse("0Ki"), `"0"`},
		{MustParse("1.5Gi"), `"1536Mi"`},
		{MustParse("0.5"), `"500m"`},
		{MustParse("+1"), `"1"`},
		{MustParse("-1e3"), `"-1e3"`},
		{MustParse("18446744073709551616"), `"18446744073709551616"`},
		{*NewMilliQuantity(5300, DecimalSI), `"5300m"`},
	}
	for _, tc := range cases {
		got, err := json.Marshal(tc.q)
		if err != nil {
			t.Errorf("Marshal(%s): %v", tc.q, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("Marshal(%s) = %s, want %s", tc.q, got, tc.want)
		}
	}
}

func TestUnmarshalJSON(t *testing.T) {
	cases := []struct {
		in     string
		want   string
		format Format
	}{
		{`"1Gi"`, "1Gi", BinarySI},
		{`"1.5Gi"`, "1536Mi", BinarySI},
		{`"500m"`, "500m", DecimalSI},
		// Bare numbers, as YAML `cpu: 2` becomes.
		{`2`, "2", DecimalSI},
		{`10`, "10", DecimalSI},
		{`-1`, "-1", DecimalSI},
		{`0.5`, "500m", DecimalSI},
		{`-0`, "0", DecimalSI},
		{`1e3`, "1e3", DecimalExponent},
		{`1E-3`, "1e-3", DecimalExponent},
		{`2.5e-3`, "2500e-6", DecimalExponent},
		// Whitespace, as Kubernetes' TestJSONWhitespace.
		{`" 1"`, "1", DecimalSI},
		{`"1 "`, "1", DecimalSI},
		{` 1`, "1", DecimalSI},
		{`1 `, "1", DecimalSI},
		{` -1`, "-1", DecimalSI},
		// JSON escapes in the string.
		{`"\u0031Gi"`, "1Gi", BinarySI},
		{`"1\u004di"`, "1Mi", BinarySI},
		// null is zero.
		{`null`, "0", ""},
		{` null `, "0", ""},
	}
	for _, tc := range cases {
		q := MustParse("7Ki") // a previous value, to see it replaced
		if err := q.UnmarshalJSON([]byte(tc.in)); err != nil {
			t.Errorf("UnmarshalJSON(%s): %v", tc.in, err)
			continue
		}
		if got := q.String(); got != tc.want || q.Format() != tc.format {
			t.Errorf("UnmarshalJSON(%s) = %s %q, want %s %q", tc.in, got, q.Format(), tc.want, tc.format)
		}
	}
}

func TestUnmarshalJSONErrors(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{`""`, ErrFormatWrong},
		{`"abc"`, ErrFormatWrong},
		{`"1 Gi"`, ErrFormatWrong},
		{`"1K"`, ErrSuffix},
		{`"1e999999999"`, ErrNumeric},
		{`1e999999999`, ErrNumeric},
		{`true`, ErrFormatWrong},
		{`{}`, ErrFormatWrong},
		{`[]`, ErrFormatWrong},
		{`"null"`, ErrFormatWrong},
	}
	for _, tc := range cases {
		q := MustParse("7Ki")
		err := q.UnmarshalJSON([]byte(tc.in))
		if !errors.Is(err, tc.want) {
			t.Errorf("UnmarshalJSON(%s) error = %v, want %v", tc.in, err, tc.want)
		}
		if q.String() != "7Ki" {
			t.Errorf("UnmarshalJSON(%s) changed the Quantity to %s on error", tc.in, q)
		}
	}
	var q Quantity
	if err := q.UnmarshalJSON([]byte(`"\u00zz"`)); err == nil {
		t.Error(`UnmarshalJSON("\u00zz") succeeded`)
	}
}

type resources struct {
	Requests map[string]Quantity `json:"requests,omitempty"`
	Limit    *Quantity           `json:"limit,omitempty"`
	Size     Quantity            `json:"size"`
}

func TestJSONInStructs(t *testing.T) {
	in := `{"requests":{"cpu":2,"memory":"1.5Gi","pods":"110"},"limit":"500m","size":null}`
	var got resources
	if err := json.Unmarshal([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	want := resources{
		Requests: map[string]Quantity{"cpu": MustParse("2"), "memory": MustParse("1536Mi"), "pods": MustParse("110")},
		Limit:    NewMilliQuantity(500, DecimalSI),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Unmarshal (-want +got):\n%s", diff)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"requests":{"cpu":"2","memory":"1536Mi","pods":"110"},"limit":"500m","size":"0"}`; string(out) != want {
		t.Errorf("Marshal = %s, want %s", out, want)
	}
}

func TestYAML(t *testing.T) {
	in := "requests:\n  cpu: 2\n  memory: 128Mi\n  example.com/gpu: 0.5\n  storage: 1e3\nlimit: 1.5\n"
	var got resources
	if err := yaml.Unmarshal([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	// YAML to JSON conversion writes the YAML float 1e3 as the JSON number
	// 1000, so it is a DecimalSI 1k, as in Kubernetes.
	for name, want := range map[string]string{"cpu": "2", "memory": "128Mi", "example.com/gpu": "500m", "storage": "1k"} {
		q := got.Requests[name]
		if s := q.String(); s != want {
			t.Errorf("requests.%s = %s, want %s", name, s, want)
		}
	}
	if got.Limit == nil || got.Limit.String() != "1500m" {
		t.Errorf("limit = %v, want 1500m", got.Limit)
	}
}

// TestJSONRoundTrip checks every parse case survives Marshal and
// Unmarshal with its value and canonical text.
func TestJSONRoundTrip(t *testing.T) {
	for _, tc := range parseCases {
		q := MustParse(tc.in)
		data, err := json.Marshal(q)
		if err != nil {
			t.Errorf("Marshal(%.40s): %v", tc.in, err)
			continue
		}
		var back Quantity
		if err := json.Unmarshal(data, &back); err != nil {
			t.Errorf("Unmarshal(%.40s): %v", data, err)
			continue
		}
		if !back.Equal(q) || back.String() != q.String() {
			t.Errorf("round trip of %.40s gave %.40s", tc.in, back)
		}
	}
}
