package v1_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
)

// TestJSON checks the wire form of the RBAC kinds both ways: what a Go
// value encodes to (required fields present even when empty, optional ones
// absent), and that decoding it gives the value back.
func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		obj  any
		want string
	}{
		{
			name: "role without rules encodes rules as null, as Kubernetes does",
			obj:  &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r"}},
			want: `{"metadata":{"name":"r"},"rules":null}`,
		},
		{
			name: "policy rule omits the empty optional lists",
			obj: &rbacv1.Role{Rules: []rbacv1.PolicyRule{{
				Verbs: []string{rbacv1.VerbAll}, APIGroups: []string{""}, Resources: []string{"pods"},
			}}},
			want: `{"rules":[{"verbs":["*"],"apiGroups":[""],"resources":["pods"]}]}`,
		},
		{
			name: "aggregated cluster role",
			obj: &rbacv1.ClusterRole{
				Rules: []rbacv1.PolicyRule{},
				AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
					{MatchLabels: map[string]string{"aggregate": "true"}},
				}},
			},
			want: `{"rules":[],"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"aggregate":"true"}}]}}`,
		},
		{
			name: "binding always carries roleRef",
			obj: &rbacv1.RoleBinding{
				Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "web", Namespace: "shop"}},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "r"},
			},
			want: `{"subjects":[{"kind":"ServiceAccount","name":"web","namespace":"shop"}],` +
				`"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"}}`,
		},
		{
			name: "cluster role binding without subjects",
			obj:  &rbacv1.ClusterRoleBinding{RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}},
			want: `{"roleRef":{"apiGroup":"","kind":"ClusterRole","name":"view"}}`,
		},
		{
			name: "list",
			obj:  &rbacv1.RoleList{ListMeta: metav1.ListMeta{ResourceVersion: "7"}, Items: []rbacv1.Role{}},
			want: `{"metadata":{"resourceVersion":"7"},"items":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.obj)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("encoded JSON (-want +got):\n%s", diff)
			}
			back := newLike(tt.obj)
			dec := json.NewDecoder(bytes.NewReader(got))
			dec.DisallowUnknownFields()
			if err := dec.Decode(back); err != nil {
				t.Fatalf("unmarshal %s: %v", got, err)
			}
			if diff := cmp.Diff(tt.obj, back); diff != "" {
				t.Errorf("decoded value (-want +got):\n%s", diff)
			}
		})
	}
}

// newLike returns a new zero value of the type obj points to.
func newLike(obj any) any { return reflect.New(reflect.TypeOf(obj).Elem()).Interface() }

// TestClusterRoleDeepCopy checks that a deep copy shares no memory with the
// original.
func TestClusterRoleDeepCopy(t *testing.T) {
	orig := &rbacv1.ClusterRole{
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, Resources: []string{"pods"}}},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{"a": "b"}},
		}},
	}
	want := orig.DeepCopy()
	cp := orig.DeepCopy()
	cp.Rules[0].Verbs[0] = "delete"
	cp.AggregationRule.ClusterRoleSelectors[0].MatchLabels["a"] = "c"
	if diff := cmp.Diff(want, orig); diff != "" {
		t.Errorf("mutating the copy changed the original (-want +got):\n%s", diff)
	}
}

// Granting read access to pods in one namespace to a service account.
func ExampleRoleBinding() {
	role := rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.GroupName + "/" + rbacv1.Version, Kind: "Role"},
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: "shop"},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""},
			Resources: []string{"pods"},
			Verbs:     []string{"get", "list", "watch"},
		}},
	}
	binding := rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.GroupName + "/" + rbacv1.Version, Kind: "RoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-reads-pods", Namespace: "shop"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "web", Namespace: "shop"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
	}
	for _, obj := range []any{role, binding} {
		out, err := json.Marshal(obj)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(string(out))
	}
	// Output:
	// {"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"pod-reader","namespace":"shop"},"rules":[{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["pods"]}]}
	// {"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"web-reads-pods","namespace":"shop"},"subjects":[{"kind":"ServiceAccount","name":"web","namespace":"shop"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"}}
}
