package validation_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/resource"
)

// Kubernetes' messages for malformed names, which many expected errors
// end with.
const (
	msgLabel = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
	msgSub   = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	msg1035  = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
	msgQName = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
	msgValue = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
	msgCMKey = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
	msgRange = "must be between 1 and 65535, inclusive"
)

func ptr[T any](v T) *T { return &v }

// messages returns the errors as Kubernetes prints them.
func messages(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// checkErrors compares the printed errors with want.
func checkErrors(t *testing.T, want []string, got field.ErrorList) {
	t.Helper()
	if diff := cmp.Diff(want, messages(got)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// mutation is a table case: a change to a valid object and the errors
// validation must report for the result.
type mutation[T any] struct {
	name   string
	mutate func(*T)
	want   []string
}

// runMutations applies each case to a fresh valid object and checks the
// errors of validate.
func runMutations[T any](t *testing.T, valid func() *T, validate func(*T) field.ErrorList, cases []mutation[T]) {
	t.Helper()
	t.Run("valid", func(t *testing.T) { checkErrors(t, nil, validate(valid())) })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := valid()
			tc.mutate(obj)
			checkErrors(t, tc.want, validate(obj))
		})
	}
}

func mustParse(s string) resource.Quantity { return resource.MustParse(s) }
