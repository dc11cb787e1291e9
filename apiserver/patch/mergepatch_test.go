package patch

import (
	"strings"
	"testing"
)

// The examples of RFC 7386, Appendix A, and its section 3.
func TestMergePatchRFC7386(t *testing.T) {
	tests := []struct {
		original, patch, want string
	}{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		// Section 3.
		{
			`{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}`,
			`{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}`,
			`{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}`,
		},
		// Nulls inside a replacing array are kept.
		{`{}`, `{"a":[null,{"b":null}]}`, `{"a":[null,{"b":null}]}`},
		// Large integers keep every digit.
		{`{"n":1}`, `{"n":123456789012345678901234567890}`, `{"n":123456789012345678901234567890}`},
	}
	for _, tt := range tests {
		t.Run(tt.original+"+"+tt.patch, func(t *testing.T) {
			got, err := MergePatch([]byte(tt.original), []byte(tt.patch))
			checkResult(t, got, err, tt.want, nil)
		})
	}
}

func TestMergePatchKeepsDigits(t *testing.T) {
	got, err := MergePatch([]byte(`{"n":1}`), []byte(`{"n":123456789012345678901234567890,"f":1.50}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"f":1.50,"n":123456789012345678901234567890}`; string(got) != want {
		t.Errorf("MergePatch = %s, want %s", got, want)
	}
}

func TestMergePatchErrors(t *testing.T) {
	tests := []struct {
		name, original, patch string
		want                  error
	}{
		{"patch not JSON", `{}`, `{"a":`, ErrInvalidPatch},
		{"empty patch", `{}`, ``, ErrInvalidPatch},
		{"trailing data in patch", `{}`, `{} {}`, ErrInvalidPatch},
		{"original not JSON", `{"a"}`, `{}`, ErrInvalidDocument},
		{"empty original", ` `, `{}`, ErrInvalidDocument},
		{"patch too deep", `{}`, strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), ErrTooLarge},
		{"original too deep", strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1), `{}`, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MergePatch([]byte(tt.original), []byte(tt.patch))
			checkResult(t, got, err, "", tt.want)
			checkKind(t, err, tt.want)
		})
	}
}

func TestMergePatchAtDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	got, err := MergePatch([]byte(`{}`), []byte(`{"a":`+deep[1:len(deep)-1]+`}`))
	if err != nil {
		t.Fatalf("MergePatch at depth %d: %v", MaxDepth, err)
	}
	if len(got) != len(deep)-2+len(`{"a":}`) {
		t.Errorf("result has %d bytes, want %d", len(got), len(deep)-2+len(`{"a":}`))
	}
	// Brackets inside strings do not count.
	if _, err := MergePatch([]byte(`{}`), []byte(`{"a":"`+strings.Repeat("[", MaxDepth+1)+`\"["}`)); err != nil {
		t.Errorf("brackets in a string counted as nesting: %v", err)
	}
}

func TestCreateMergePatch(t *testing.T) {
	tests := []struct {
		name, original, modified, want string
	}{
		{"equal", `{"a":1,"b":{"c":[1,2]}}`, `{"b":{"c":[1,2]},"a":1}`, `{}`},
		{"add change delete", `{"a":1,"b":2}`, `{"a":3,"c":4}`, `{"a":3,"b":null,"c":4}`},
		{"nested objects", `{"m":{"x":1,"y":2,"z":{"k":true}}}`, `{"m":{"x":1,"y":3,"z":{}}}`, `{"m":{"y":3,"z":{"k":null}}}`},
		{"arrays replace whole", `{"a":[1,2,3]}`, `{"a":[1,2]}`, `{"a":[1,2]}`},
		{"object to scalar", `{"a":{"b":1}}`, `{"a":"s"}`, `{"a":"s"}`},
		{"scalar to object", `{"a":"s"}`, `{"a":{"b":1}}`, `{"a":{"b":1}}`},
		{"numbers by value", `{"a":1.0}`, `{"a":1}`, `{}`},
		{"null in modified is absent", `{"a":1,"b":2}`, `{"a":null,"b":2}`, `{"a":null}`},
		{"null member in modified sub-object only", `{"m":{"x":1}}`, `{"m":{"x":1,"y":null}}`, `{}`},
		{"modified not an object", `{"a":1}`, `[1]`, `[1]`},
		{"original not an object", `[1]`, `{"a":1}`, `{"a":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := CreateMergePatch([]byte(tt.original), []byte(tt.modified))
			checkResult(t, p, err, tt.want, nil)
		})
	}
}

func TestCreateMergePatchRoundTrip(t *testing.T) {
	docs := []string{
		`{}`, `{"a":1}`, `{"a":{"b":{"c":"d"}},"e":[1,{"f":null}]}`, `{"a":{"b":2},"x":"y"}`,
		`{"a":[],"b":{},"c":false,"d":0}`, `[1,2]`, `"s"`, `null`,
	}
	for _, o := range docs {
		for _, m := range docs {
			p, err := CreateMergePatch([]byte(o), []byte(m))
			if err != nil {
				t.Fatalf("CreateMergePatch(%s, %s): %v", o, m, err)
			}
			got, err := MergePatch([]byte(o), p)
			if err != nil {
				t.Fatalf("MergePatch(%s, %s): %v", o, p, err)
			}
			checkResult(t, got, nil, m, nil)
		}
	}
}

func TestCreateMergePatchErrors(t *testing.T) {
	if _, err := CreateMergePatch([]byte(`{`), []byte(`{}`)); err == nil {
		t.Error("CreateMergePatch accepted a malformed original")
	} else {
		checkKind(t, err, ErrInvalidDocument)
	}
	if _, err := CreateMergePatch([]byte(`{}`), []byte(`nope`)); err == nil {
		t.Error("CreateMergePatch accepted a malformed modified document")
	} else {
		checkKind(t, err, ErrInvalidDocument)
	}
}
