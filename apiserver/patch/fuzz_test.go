package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// validJSON fails the test unless data is one JSON value.
func validJSON(t *testing.T, data []byte) any {
	t.Helper()
	v, err := decode(data)
	if err != nil {
		t.Fatalf("result %q is not JSON: %v", data, err)
	}
	return v
}

// hasNullMember reports whether an object inside v, not inside an array,
// has a null member.
func hasNullMember(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, e := range m {
		if e == nil || hasNullMember(e) {
			return true
		}
	}
	return false
}

func FuzzMergePatch(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":"b"}`, `{"a":"c"}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`},
		{`{"e":null}`, `{"a":1}`},
		{`[1,2]`, `{"a":"b","c":null}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`},
		{`{"n":1.5e3}`, `{"n":12345678901234567890}`},
		{`{`, `{}`},
		{`{}`, `[[[`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, original, patch []byte) {
		got, err := MergePatch(original, patch)
		if err != nil {
			checkKind(t, err, ErrInvalidPatch, ErrInvalidDocument, ErrTooLarge)
			return
		}
		result := validJSON(t, got)
		// A merge patch is idempotent.
		again, err := MergePatch(got, patch)
		if err != nil {
			t.Fatalf("reapplying the patch: %v", err)
		}
		if !equal(result, validJSON(t, again)) {
			t.Fatalf("not idempotent: %s then %s", got, again)
		}
		// CreateMergePatch recreates the change, when it can be expressed.
		if hasNullMember(result) {
			return
		}
		p, err := CreateMergePatch(original, got)
		if err != nil {
			t.Fatalf("CreateMergePatch: %v", err)
		}
		back, err := MergePatch(original, p)
		if err != nil {
			t.Fatalf("applying the created patch %s: %v", p, err)
		}
		if !equal(result, validJSON(t, back)) {
			t.Fatalf("created patch %s gives %s, want %s", p, back, got)
		}
	})
}

func FuzzJSONPatch(f *testing.F) {
	for _, s := range [][2]string{
		{`{"foo":"bar"}`, `[{"op":"add","path":"/baz","value":"qux"}]`},
		{`{"foo":["bar","baz"]}`, `[{"op":"add","path":"/foo/1","value":"qux"}]`},
		{`{"foo":["bar","qux","baz"]}`, `[{"op":"remove","path":"/foo/1"}]`},
		{`{"baz":"qux","foo":"bar"}`, `[{"op":"replace","path":"/baz","value":"boo"}]`},
		{`{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}`, `[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]`},
		{`{"foo":["all","grass","cows","eat"]}`, `[{"op":"move","from":"/foo/1","path":"/foo/3"}]`},
		{`{"baz":"qux","foo":["a",2,"c"]}`, `[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]`},
		{`{"/":9,"~1":10}`, `[{"op":"test","path":"/~01","value":10}]`},
		{`{"foo":["bar"]}`, `[{"op":"add","path":"/foo/-","value":["abc","def"]}]`},
		{`{"a":["x"]}`, `[{"op":"copy","from":"/a","path":"/a/-"},{"op":"copy","from":"/a","path":"/a/-"}]`},
		{`{"a":{"b":1}}`, `[{"op":"move","from":"/a","path":"/a/b"}]`},
		{`[]`, `[{"op":"remove","path":""}]`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, original, patch []byte) {
		got, err := JSONPatch(original, patch)
		if err != nil {
			checkKind(t, err, errorKinds...)
			var oe *OperationError
			if (errors.Is(err, ErrPathNotFound) || errors.Is(err, ErrTestFailed)) && !errors.As(err, &oe) {
				t.Fatalf("error %v does not name its operation", err)
			}
			return
		}
		validJSON(t, got)
	})
}

func FuzzStrategicMergePatch(f *testing.F) {
	for _, tc := range loadStrategicCases(f) {
		f.Add([]byte(tc.Original), []byte(tc.Patch))
	}
	f.Add([]byte(`{}`), []byte(`{"$patch":"delete"}`))
	f.Add([]byte(`{"spec":{"containers":[{"name":"a"}]}}`), []byte(`{"spec":{"containers":[{"name":"a","$retainKeys":["name"]},{"$patch":"merge"}]}}`))
	pod := SchemaOf[corev1.Pod]()
	f.Fuzz(func(t *testing.T, original, patch []byte) {
		for _, schema := range []Schema{pod, nil} {
			got, err := StrategicMergePatch(original, patch, schema)
			if err != nil {
				checkKind(t, err, ErrInvalidPatch, ErrInvalidDocument, ErrTooLarge)
				continue
			}
			result, ok := validJSON(t, got).(map[string]any)
			if !ok {
				t.Fatalf("result %s is not an object", got)
			}
			// Directives never reach the result unless the original had them.
			if !bytes.Contains(original, []byte("$")) && !bytes.Contains(original, []byte(`\u0024`)) {
				if k := findDirective(result); k != "" {
					t.Fatalf("result %s holds directive %q", got, k)
				}
			}
		}
	})
}

// findDirective returns a directive member name found anywhere in v.
func findDirective(v any) string {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if isDirective(k) {
				return k
			}
			if d := findDirective(e); d != "" {
				return d
			}
		}
	case []any:
		for _, e := range v {
			if d := findDirective(e); d != "" {
				return d
			}
		}
	}
	return ""
}

// The fuzz tests' helpers must accept what json.Marshal writes.
func TestFuzzHelpers(t *testing.T) {
	data, err := json.Marshal(map[string]any{"a": []any{nil, map[string]any{"b": nil}}})
	if err != nil {
		t.Fatal(err)
	}
	if hasNullMember(validJSON(t, data)) {
		t.Error("hasNullMember looked inside an array")
	}
	if !hasNullMember(validJSON(t, []byte(`{"a":{"b":null}}`))) {
		t.Error("hasNullMember missed a nested null member")
	}
	if findDirective(validJSON(t, []byte(`[{"a":{"$setElementOrder/x":[]}}]`))) == "" {
		t.Error("findDirective missed a nested directive")
	}
}
