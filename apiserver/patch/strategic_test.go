package patch

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// testSchemas are the schemas the test cases in testdata refer to by name.
var testSchemas = map[string]Schema{
	"":           nil,
	"Pod":        SchemaOf[corev1.Pod](),
	"Deployment": SchemaOf[appsv1.Deployment](),
	"Node":       SchemaOf[corev1.Node](),
	"Service":    SchemaOf[corev1.Service](),
}

// strategicCase is a strategic merge patch test case of
// testdata/strategic.json.
type strategicCase struct {
	Name     string          `json:"name"`
	Schema   string          `json:"schema"`
	Original json.RawMessage `json:"original"`
	Patch    json.RawMessage `json:"patch"`
	Want     json.RawMessage `json:"want"`
	// Error is the text of the sentinel the error must wrap, such as
	// "invalid patch".
	Error string `json:"error"`
}

func loadStrategicCases(t testing.TB) []strategicCase {
	t.Helper()
	data, err := os.ReadFile("testdata/strategic.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []strategicCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("testdata/strategic.json: %v", err)
	}
	return cases
}

// sentinelNamed returns the sentinel whose message ends with text.
func sentinelNamed(t *testing.T, text string) error {
	t.Helper()
	for _, k := range errorKinds {
		if strings.HasSuffix(k.Error(), ": "+text) {
			return k
		}
	}
	t.Fatalf("no sentinel %q", text)
	return nil
}

// TestStrategicMergePatch runs the cases of testdata/strategic.json: the
// semantics of Kubernetes' strategic merge patch documentation, on
// Rigging's Pod, Deployment, Node and Service schemas.
func TestStrategicMergePatch(t *testing.T) {
	for _, tc := range loadStrategicCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			schema, ok := testSchemas[tc.Schema]
			if !ok {
				t.Fatalf("unknown schema %q", tc.Schema)
			}
			got, err := StrategicMergePatch(tc.Original, tc.Patch, schema)
			var wantErr error
			if tc.Error != "" {
				wantErr = sentinelNamed(t, tc.Error)
			}
			checkResult(t, got, err, string(tc.Want), wantErr)
			if err != nil {
				checkKind(t, err, wantErr)
			}
		})
	}
}

func TestStrategicMergePatchErrors(t *testing.T) {
	pod := SchemaOf[corev1.Pod]()
	tests := []struct {
		name, original, patch string
		want                  error
	}{
		{"patch not JSON", `{}`, `{"a"`, ErrInvalidPatch},
		{"patch an array", `{}`, `[]`, ErrInvalidPatch},
		{"patch null", `{}`, `null`, ErrInvalidPatch},
		{"original not JSON", `{`, `{}`, ErrInvalidDocument},
		{"original an array", `[]`, `{}`, ErrInvalidDocument},
		{"patch too deep", `{}`, `{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StrategicMergePatch([]byte(tt.original), []byte(tt.patch), pod)
			checkResult(t, got, err, "", tt.want)
			checkKind(t, err, tt.want)
		})
	}
}

func TestStrategicMergePatchErrorNamesThePlace(t *testing.T) {
	_, err := StrategicMergePatch(
		[]byte(`{"spec":{"containers":[{"name":"a"}]}}`),
		[]byte(`{"spec":{"containers":[{"name":"a"},{"name":"a","env":[{"value":"x"}]}]}}`),
		SchemaOf[corev1.Pod]())
	if !errors.Is(err, ErrInvalidPatch) {
		t.Fatalf("error = %v, want ErrInvalidPatch", err)
	}
	for _, part := range []string{`spec.containers[1].env[0]`, `merge key "name"`} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("message %q does not mention %s", err, part)
		}
	}
}

// A "$patch": "merge" list element merges a list its schema replaces; in an
// object it changes nothing.
func TestStrategicMergePatchMergeDirective(t *testing.T) {
	pod := SchemaOf[corev1.Pod]()
	got, err := StrategicMergePatch(
		[]byte(`{"spec":{"containers":[{"name":"a","args":["x","y"]}]}}`),
		[]byte(`{"spec":{"containers":[{"name":"a","args":["z","x",{"$patch":"merge"}]}]},"metadata":{"$patch":"merge","labels":{"l":"1"}}}`),
		pod)
	checkResult(t, got, err, `{"metadata":{"labels":{"l":"1"}},"spec":{"containers":[{"name":"a","args":["z","x","y"]}]}}`, nil)

	_, err = StrategicMergePatch([]byte(`{"spec":{}}`), []byte(`{"spec":{"tolerations":[{"key":"a"},{"$patch":"merge"}]}}`), pod)
	checkKind(t, err, ErrInvalidPatch)
}

func TestStrategicMergePatchDoesNotModifyInputs(t *testing.T) {
	original := []byte(`{"spec":{"containers":[{"name":"a","env":[{"name":"x"}]}]}}`)
	patch := []byte(`{"spec":{"containers":[{"name":"a","env":[{"name":"x","$patch":"delete"}]}]}}`)
	o, p := string(original), string(patch)
	if _, err := StrategicMergePatch(original, patch, SchemaOf[corev1.Pod]()); err != nil {
		t.Fatal(err)
	}
	if string(original) != o || string(patch) != p {
		t.Error("StrategicMergePatch modified its arguments")
	}
}
