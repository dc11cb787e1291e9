package patch

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The examples of RFC 6902, Appendix A, with their results or errors.
func TestJSONPatchRFC6902(t *testing.T) {
	tests := []struct {
		name, doc, patch, want string
		wantErr                error
	}{
		{"A.1 adding an object member", `{"foo":"bar"}`,
			`[{"op":"add","path":"/baz","value":"qux"}]`,
			`{"baz":"qux","foo":"bar"}`, nil},
		{"A.2 adding an array element", `{"foo":["bar","baz"]}`,
			`[{"op":"add","path":"/foo/1","value":"qux"}]`,
			`{"foo":["bar","qux","baz"]}`, nil},
		{"A.3 removing an object member", `{"baz":"qux","foo":"bar"}`,
			`[{"op":"remove","path":"/baz"}]`,
			`{"foo":"bar"}`, nil},
		{"A.4 removing an array element", `{"foo":["bar","qux","baz"]}`,
			`[{"op":"remove","path":"/foo/1"}]`,
			`{"foo":["bar","baz"]}`, nil},
		{"A.5 replacing a value", `{"baz":"qux","foo":"bar"}`,
			`[{"op":"replace","path":"/baz","value":"boo"}]`,
			`{"baz":"boo","foo":"bar"}`, nil},
		{"A.6 moving a value", `{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}`,
			`[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]`,
			`{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}`, nil},
		{"A.7 moving an array element", `{"foo":["all","grass","cows","eat"]}`,
			`[{"op":"move","from":"/foo/1","path":"/foo/3"}]`,
			`{"foo":["all","cows","eat","grass"]}`, nil},
		{"A.8 testing a value: success", `{"baz":"qux","foo":["a",2,"c"]}`,
			`[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]`,
			`{"baz":"qux","foo":["a",2,"c"]}`, nil},
		{"A.9 testing a value: error", `{"baz":"qux"}`,
			`[{"op":"test","path":"/baz","value":"bar"}]`,
			``, ErrTestFailed},
		{"A.10 adding a nested member object", `{"foo":"bar"}`,
			`[{"op":"add","path":"/child","value":{"grandchild":{}}}]`,
			`{"foo":"bar","child":{"grandchild":{}}}`, nil},
		{"A.11 ignoring unrecognized elements", `{"foo":"bar"}`,
			`[{"op":"add","path":"/baz","value":"qux","xyz":123}]`,
			`{"foo":"bar","baz":"qux"}`, nil},
		{"A.12 adding to a nonexistent target", `{"foo":"bar"}`,
			`[{"op":"add","path":"/baz/bat","value":"qux"}]`,
			``, ErrPathNotFound},
		// A.13: the duplicate "op" is not detected; the last one wins, as
		// in Go and Kubernetes, and /baz does not exist to be removed.
		{"A.13 invalid JSON patch document", `{"foo":"bar"}`,
			`[{"op":"add","path":"/baz","value":"qux","op":"remove"}]`,
			``, ErrPathNotFound},
		{"A.14 ~ escape ordering", `{"/":9,"~1":10}`,
			`[{"op":"test","path":"/~01","value":10}]`,
			`{"/":9,"~1":10}`, nil},
		{"A.15 comparing strings and numbers", `{"/":9,"~1":10}`,
			`[{"op":"test","path":"/~01","value":"10"}]`,
			``, ErrTestFailed},
		{"A.16 adding an array value", `{"foo":["bar"]}`,
			`[{"op":"add","path":"/foo/-","value":["abc","def"]}]`,
			`{"foo":["bar",["abc","def"]]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JSONPatch([]byte(tt.doc), []byte(tt.patch))
			checkResult(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// The JSON pointer examples of RFC 6901, section 5, checked with test
// operations.
func TestJSONPatchPointerRFC6901(t *testing.T) {
	doc := `{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}`
	tests := []struct{ pointer, value string }{
		{``, doc},
		{`/foo`, `["bar","baz"]`},
		{`/foo/0`, `"bar"`},
		{`/`, `0`},
		{`/a~1b`, `1`},
		{`/c%d`, `2`},
		{`/e^f`, `3`},
		{`/g|h`, `4`},
		{`/i\\j`, `5`},
		{`/k\"l`, `6`},
		{`/ `, `7`},
		{`/m~0n`, `8`},
	}
	for _, tt := range tests {
		t.Run(tt.pointer, func(t *testing.T) {
			p := fmt.Sprintf(`[{"op":"test","path":"%s","value":%s}]`, tt.pointer, tt.value)
			got, err := JSONPatch([]byte(doc), []byte(p))
			checkResult(t, got, err, doc, nil)
		})
	}
}

func TestJSONPatch(t *testing.T) {
	tests := []struct {
		name, doc, patch, want string
	}{
		{"add replaces an existing member", `{"a":1}`, `[{"op":"add","path":"/a","value":2}]`, `{"a":2}`},
		{"add at the end index", `{"a":[1]}`, `[{"op":"add","path":"/a/1","value":2}]`, `{"a":[1,2]}`},
		{"add to an empty array", `{"a":[]}`, `[{"op":"add","path":"/a/-","value":1}]`, `{"a":[1]}`},
		{"add replaces the root", `{"a":1}`, `[{"op":"add","path":"","value":[1]}]`, `[1]`},
		{"replace the root", `{"a":1}`, `[{"op":"replace","path":"","value":null}]`, `null`},
		{"add null", `{}`, `[{"op":"add","path":"/a","value":null}]`, `{"a":null}`},
		{"empty member name", `{}`, `[{"op":"add","path":"/","value":1}]`, `{"":1}`},
		{"remove the last element", `{"a":[1,2,3]}`, `[{"op":"remove","path":"/a/2"}]`, `{"a":[1,2]}`},
		{"nested array ops", `{"a":[[1,2],[3]]}`, `[{"op":"remove","path":"/a/0/0"},{"op":"add","path":"/a/1/0","value":0}]`, `{"a":[[2],[0,3]]}`},
		{"move to the end", `{"a":[1,2,3]}`, `[{"op":"move","from":"/a/0","path":"/a/-"}]`, `{"a":[2,3,1]}`},
		{"move onto itself", `{"a":{"b":1}}`, `[{"op":"move","from":"/a","path":"/a"}]`, `{"a":{"b":1}}`},
		{"move replaces the target member", `{"a":1,"b":2}`, `[{"op":"move","from":"/a","path":"/b"}]`, `{"b":1}`},
		{"move between arrays", `{"a":[1,2],"b":[3]}`, `[{"op":"move","from":"/a/0","path":"/b/0"}]`, `{"a":[2],"b":[1,3]}`},
		{"copy is deep", `{"a":{"b":1}}`, `[{"op":"copy","from":"/a","path":"/c"},{"op":"replace","path":"/c/b","value":2}]`, `{"a":{"b":1},"c":{"b":2}}`},
		{"copy the root inside itself", `{"a":1}`, `[{"op":"copy","from":"","path":"/b"}]`, `{"a":1,"b":{"a":1}}`},
		{"test numbers by value", `{"a":1.0,"b":100}`, `[{"op":"test","path":"/a","value":1},{"op":"test","path":"/b","value":1e2}]`, `{"a":1.0,"b":100}`},
		{"test objects ignore member order", `{"a":{"x":1,"y":[true,null]}}`, `[{"op":"test","path":"/a","value":{"y":[true,null],"x":1}}]`, `{"a":{"x":1,"y":[true,null]}}`},
		{"test the whole document", `[1,"2"]`, `[{"op":"test","path":"","value":[1,"2"]}]`, `[1,"2"]`},
		{"empty patch", `{"a":1}`, `[]`, `{"a":1}`},
		{"operations apply in order", `{}`, `[{"op":"add","path":"/a","value":[]},{"op":"add","path":"/a/-","value":1},{"op":"add","path":"/a/0","value":0},{"op":"test","path":"/a","value":[0,1]}]`, `{"a":[0,1]}`},
		{"a document that is not an object", `[1,2]`, `[{"op":"replace","path":"/1","value":3}]`, `[1,3]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JSONPatch([]byte(tt.doc), []byte(tt.patch))
			checkResult(t, got, err, tt.want, nil)
		})
	}
}

func TestJSONPatchErrors(t *testing.T) {
	tests := []struct {
		name, doc, patch string
		want             error
		index            int // of the failing operation; -1 for none
	}{
		{"patch not JSON", `{}`, `[{"op":`, ErrInvalidPatch, -1},
		{"patch an object", `{}`, `{"op":"add","path":"/a","value":1}`, ErrInvalidPatch, -1},
		{"operation not an object", `{}`, `["add"]`, ErrInvalidPatch, 0},
		{"missing op", `{}`, `[{"path":"/a","value":1}]`, ErrInvalidPatch, 0},
		{"op not a string", `{}`, `[{"op":1,"path":"/a"}]`, ErrInvalidPatch, 0},
		{"unknown op", `{}`, `[{"op":"merge","path":"/a","value":1}]`, ErrInvalidPatch, 0},
		{"missing path", `{}`, `[{"op":"add","value":1}]`, ErrInvalidPatch, 0},
		{"path not a string", `{}`, `[{"op":"remove","path":["a"]}]`, ErrInvalidPatch, 0},
		{"path without a slash", `{"a":1}`, `[{"op":"remove","path":"a"}]`, ErrInvalidPatch, 0},
		{"bad escape", `{"a":1}`, `[{"op":"remove","path":"/~2"}]`, ErrInvalidPatch, 0},
		{"escape at the end", `{"a":1}`, `[{"op":"remove","path":"/a~"}]`, ErrInvalidPatch, 0},
		{"add without value", `{}`, `[{"op":"add","path":"/a"}]`, ErrInvalidPatch, 0},
		{"replace without value", `{"a":1}`, `[{"op":"replace","path":"/a"}]`, ErrInvalidPatch, 0},
		{"test without value", `{"a":1}`, `[{"op":"test","path":"/a"}]`, ErrInvalidPatch, 0},
		{"move without from", `{"a":1}`, `[{"op":"move","path":"/b"}]`, ErrInvalidPatch, 0},
		{"copy with a bad from", `{"a":1}`, `[{"op":"copy","from":"a","path":"/b"}]`, ErrInvalidPatch, 0},
		{"move into its own child", `{"a":{"b":1}}`, `[{"op":"move","from":"/a","path":"/a/b/c"}]`, ErrInvalidPatch, 0},
		{"remove the whole document", `{"a":1}`, `[{"op":"remove","path":""}]`, ErrInvalidPatch, 0},
		{"malformed after a failing one", `{}`, `[{"op":"remove","path":"/x"},{"op":"bad"}]`, ErrInvalidPatch, 1},
		{"remove a missing member", `{"a":1}`, `[{"op":"remove","path":"/b"}]`, ErrPathNotFound, 0},
		{"replace a missing member", `{"a":1}`, `[{"op":"replace","path":"/b","value":1}]`, ErrPathNotFound, 0},
		{"test a missing member", `{"a":1}`, `[{"op":"test","path":"/b","value":null}]`, ErrPathNotFound, 0},
		{"index out of range", `{"a":[1]}`, `[{"op":"remove","path":"/a/1"}]`, ErrPathNotFound, 0},
		{"add past the end", `{"a":[1]}`, `[{"op":"add","path":"/a/2","value":1}]`, ErrPathNotFound, 0},
		{"leading zero", `{"a":[1,2]}`, `[{"op":"remove","path":"/a/01"}]`, ErrPathNotFound, 0},
		{"negative index", `{"a":[1,2]}`, `[{"op":"remove","path":"/a/-1"}]`, ErrPathNotFound, 0},
		{"dash outside add", `{"a":[1,2]}`, `[{"op":"replace","path":"/a/-","value":1}]`, ErrPathNotFound, 0},
		{"huge index", `{"a":[1]}`, `[{"op":"test","path":"/a/99999999999999999999999","value":1}]`, ErrPathNotFound, 0},
		{"through a scalar", `{"a":"s"}`, `[{"op":"add","path":"/a/b","value":1}]`, ErrPathNotFound, 0},
		{"into a scalar", `{"a":"s"}`, `[{"op":"add","path":"/a/b/c","value":1}]`, ErrPathNotFound, 0},
		{"move from a missing member", `{}`, `[{"op":"move","from":"/a","path":"/b"}]`, ErrPathNotFound, 0},
		{"move onto a missing member", `{}`, `[{"op":"move","from":"/a","path":"/a"}]`, ErrPathNotFound, 0},
		{"copy into a missing parent", `{"a":1}`, `[{"op":"copy","from":"/a","path":"/x/y"}]`, ErrPathNotFound, 0},
		{"second operation fails", `{"a":1}`, `[{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":2}]`, ErrTestFailed, 1},
		{"test types differ", `{"a":1}`, `[{"op":"test","path":"/a","value":true}]`, ErrTestFailed, 0},
		{"test arrays of another length", `{"a":[1]}`, `[{"op":"test","path":"/a","value":[1,1]}]`, ErrTestFailed, 0},
		{"test objects with another member", `{"a":{"x":1}}`, `[{"op":"test","path":"/a","value":{"y":1}}]`, ErrTestFailed, 0},
		{"original not JSON", `{`, `[]`, ErrInvalidDocument, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JSONPatch([]byte(tt.doc), []byte(tt.patch))
			checkResult(t, got, err, "", tt.want)
			checkKind(t, err, tt.want)
			var oe *OperationError
			if isOp := errors.As(err, &oe); isOp != (tt.index >= 0) {
				t.Fatalf("error %v: *OperationError = %v, want %v", err, isOp, tt.index >= 0)
			}
			if oe != nil && oe.Index != tt.index {
				t.Errorf("OperationError.Index = %d, want %d", oe.Index, tt.index)
			}
		})
	}
}

func TestJSONPatchOperationError(t *testing.T) {
	_, err := JSONPatch([]byte(`{"a":{}}`), []byte(`[{"op":"test","path":"/a","value":{}},{"op":"remove","path":"/a/b~1c"}]`))
	var oe *OperationError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v is not an *OperationError", err)
	}
	want := OperationError{Index: 1, Op: "remove", Path: "/a/b~1c"}
	if diff := cmp.Diff(want, *oe, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Err" }, cmp.Ignore())); diff != "" {
		t.Errorf("OperationError mismatch (-want +got):\n%s", diff)
	}
	for _, part := range []string{`operation 1`, `"remove"`, `"/a/b~1c"`, `"b/c"`, `path not found`} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("message %q does not mention %s", err, part)
		}
	}
}

func TestJSONPatchLimits(t *testing.T) {
	op := `{"op":"test","path":"","value":{}}`
	ok := "[" + strings.Repeat(op+",", MaxOperations-1) + op + "]"
	if _, err := JSONPatch([]byte(`{}`), []byte(ok)); err != nil {
		t.Errorf("%d operations: %v", MaxOperations, err)
	}
	tooMany := "[" + strings.Repeat(op+",", MaxOperations) + op + "]"
	_, err := JSONPatch([]byte(`{}`), []byte(tooMany))
	checkKind(t, err, ErrTooLarge)

	// Each copy doubles the document: the copy limit stops it long before
	// memory runs out.
	doubling := "[" + strings.Repeat(`{"op":"copy","from":"/a","path":"/a/-"},`, 40) + `{"op":"test","path":"","value":0}]`
	_, err = JSONPatch([]byte(`{"a":["0123456789"]}`), []byte(doubling))
	checkKind(t, err, ErrTooLarge)
	var oe *OperationError
	if !errors.As(err, &oe) || oe.Op != "copy" {
		t.Errorf("copy limit error %v does not name the copy operation", err)
	}
}

func TestJSONPatchDoesNotModifyInputs(t *testing.T) {
	doc := []byte(`{"a":[1,2,3],"b":{"c":1}}`)
	patch := []byte(`[{"op":"remove","path":"/a/0"},{"op":"move","from":"/b","path":"/d"}]`)
	docCopy, patchCopy := string(doc), string(patch)
	if _, err := JSONPatch(doc, patch); err != nil {
		t.Fatal(err)
	}
	if string(doc) != docCopy || string(patch) != patchCopy {
		t.Error("JSONPatch modified its arguments")
	}
}
