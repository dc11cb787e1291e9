package patch

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parseJSON decodes s for comparison, failing the test when it is not JSON.
func parseJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("test JSON %q: %v", s, err)
	}
	return v
}

// checkResult compares a patch function's result with the wanted JSON or
// the wanted error kind (want is ignored then).
func checkResult(t *testing.T, got []byte, err error, want string, wantErr error) {
	t.Helper()
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("error = %v, want one wrapping %v (result %s)", err, wantErr, got)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if diff := cmp.Diff(parseJSON(t, want), parseJSON(t, string(got))); diff != "" {
		t.Errorf("result mismatch (-want +got):\n%s\ngot: %s", diff, got)
	}
}

// errorKinds are the sentinels; every error must wrap exactly one.
var errorKinds = []error{ErrInvalidPatch, ErrInvalidDocument, ErrTooLarge, ErrPathNotFound, ErrTestFailed}

// checkKind fails unless err wraps exactly one sentinel and it is among
// allowed.
func checkKind(t *testing.T, err error, allowed ...error) {
	t.Helper()
	var matched []error
	for _, k := range errorKinds {
		if errors.Is(err, k) {
			matched = append(matched, k)
		}
	}
	if len(matched) != 1 {
		t.Fatalf("error %q wraps %d sentinels, want exactly 1", err, len(matched))
	}
	for _, a := range allowed {
		if matched[0] == a {
			return
		}
	}
	t.Fatalf("error %q is of kind %v, want one of %v", err, matched[0], allowed)
}
