package labels

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

const valueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

func TestLabelSelectorAsSelector(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ps      *metav1.LabelSelector
		want    string
		nothing bool
		match   Set
		noMatch Set
	}{
		{name: "nil selects nothing", ps: nil, nothing: true, noMatch: Set{}},
		{name: "empty selects everything", ps: &metav1.LabelSelector{}, want: "", match: Set{"a": "b"}},
		{name: "empty maps select everything", ps: &metav1.LabelSelector{MatchLabels: map[string]string{}, MatchExpressions: []metav1.LabelSelectorRequirement{}}, want: "", match: Set{}},
		{
			name:    "matchLabels",
			ps:      &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "web", "app": "shop"}},
			want:    "app=shop,tier=web",
			match:   Set{"app": "shop", "tier": "web", "x": "y"},
			noMatch: Set{"app": "shop"},
		},
		{
			name: "matchExpressions",
			ps: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"qa", "prod"}},
				{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"db"}},
				{Key: "app", Operator: metav1.LabelSelectorOpExists},
				{Key: "canary", Operator: metav1.LabelSelectorOpDoesNotExist},
			}},
			want:    "app,!canary,env in (prod,qa),tier notin (db)",
			match:   Set{"app": "", "env": "qa"},
			noMatch: Set{"app": "", "env": "qa", "canary": "true"},
		},
		{
			name: "both, same key",
			ps: &metav1.LabelSelector{
				MatchLabels:      map[string]string{"app": "shop"},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"shop"}}},
			},
			want:    "app=shop,app notin (shop)",
			noMatch: Set{"app": "shop"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := LabelSelectorAsSelector(tc.ps)
			if err != nil {
				t.Fatalf("LabelSelectorAsSelector: %v", err)
			}
			if _, selectable := sel.Requirements(); selectable == tc.nothing {
				t.Errorf("Requirements() selectable = %v, want %v", selectable, !tc.nothing)
			}
			if got := sel.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if tc.match != nil && !sel.Matches(tc.match) {
				t.Errorf("does not match %v", tc.match)
			}
			if tc.noMatch != nil && sel.Matches(tc.noMatch) {
				t.Errorf("matches %v", tc.noMatch)
			}
			// The selector must not share the caller's slices.
			if tc.ps != nil {
				for i := range tc.ps.MatchExpressions {
					for j := range tc.ps.MatchExpressions[i].Values {
						tc.ps.MatchExpressions[i].Values[j] = "changed"
					}
				}
				if got := sel.String(); got != tc.want {
					t.Errorf("after changing the LabelSelector, String() = %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestLabelSelectorInvalid(t *testing.T) {
	keyMsg := "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
	for _, tc := range []struct {
		name string
		ps   *metav1.LabelSelector
		want []string
	}{
		{
			name: "In without values",
			ps:   &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpIn}}},
			want: []string{"matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"},
		},
		{
			name: "NotIn with empty values",
			ps: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "a", Operator: metav1.LabelSelectorOpExists},
				{Key: "b", Operator: metav1.LabelSelectorOpNotIn, Values: []string{}},
			}},
			want: []string{"matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"},
		},
		{
			name: "Exists with values",
			ps:   &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpExists, Values: []string{"x"}}}},
			want: []string{"matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"},
		},
		{
			name: "DoesNotExist with values",
			ps:   &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpDoesNotExist, Values: []string{""}}}},
			want: []string{"matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"},
		},
		{
			name: "unknown operator",
			ps:   &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Gt", Values: []string{"1"}}}},
			want: []string{`matchExpressions[0].operator: Invalid value: "Gt": not a valid selector operator`},
		},
		{
			name: "bad key and value in an expression",
			ps:   &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a_", Operator: metav1.LabelSelectorOpIn, Values: []string{"ok", "not ok"}}}},
			want: []string{
				`matchExpressions[0].key: Invalid value: "a_": ` + keyMsg,
				`matchExpressions[0].values[1]: Invalid value: "not ok": ` + valueMsg,
			},
		},
		{
			name: "bad matchLabels, sorted by key",
			ps:   &metav1.LabelSelector{MatchLabels: map[string]string{"z": "-", "b_": "ok"}},
			want: []string{
				`matchLabels: Invalid value: "b_": ` + keyMsg,
				`matchLabels: Invalid value: "-": ` + valueMsg,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verr := ValidateLabelSelector(tc.ps)
			sel, err := LabelSelectorAsSelector(tc.ps)
			if err == nil {
				t.Fatalf("LabelSelectorAsSelector = %q, want an error", sel)
			}
			if err.Error() != verr.Error() {
				t.Errorf("LabelSelectorAsSelector error %q differs from ValidateLabelSelector error %q", err, verr)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is a %T, want a *ValidationError", err, err)
			}
			if diff := cmp.Diff(tc.want, ve.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateLabelSelectorValid(t *testing.T) {
	for _, ps := range []*metav1.LabelSelector{
		nil,
		{},
		{MatchLabels: map[string]string{"example.com/app": "", "a": "b"}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpIn, Values: []string{""}}}},
	} {
		if err := ValidateLabelSelector(ps); err != nil {
			t.Errorf("ValidateLabelSelector(%+v): %v", ps, err)
		}
	}
}
