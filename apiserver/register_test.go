package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/fields"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Gadget is a user kind served through Register.
type Gadget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`
	Spec              GadgetSpec   `json:"spec,omitempty,omitzero"`
	Status            GadgetStatus `json:"status,omitempty,omitzero"`
}

// GadgetSpec is the desired state of a Gadget.
type GadgetSpec struct {
	Color string `json:"color,omitempty"`
}

// GadgetStatus is the observed state of a Gadget.
type GadgetStatus struct {
	Ready bool `json:"ready,omitempty"`
}

func TestRegisterUserKind(t *testing.T) {
	st := newEnvStoreOnly(t)
	s, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = Register(s, Resource{Group: "toys.example.com", Version: "v1alpha1", Kind: "Gadget", Plural: "gadgets",
		ShortNames: []string{"gd"}, Namespaced: true},
		Strategy[*Gadget]{
			Validate: func(g *Gadget) field.ErrorList {
				errs := validateMeta(&g.ObjectMeta, true)
				if g.Spec.Color == "" {
					errs = append(errs, field.Required(field.NewPath("spec", "color"), ""))
				}
				return errs
			},
			Fields: func(g *Gadget) fields.Set { return fields.Set{"spec.color": g.Spec.Color} },
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		r    Resource
		want string
	}{
		{"duplicate plural", Resource{Group: "toys.example.com", Version: "v1alpha1", Kind: "Other", Plural: "gadgets"}, "already registered"},
		{"duplicate kind", Resource{Group: "toys.example.com", Version: "v1alpha1", Kind: "Gadget", Plural: "others"}, "kind already registered"},
		{"no plural", Resource{Version: "v1", Kind: "X"}, "required"},
		{"bad plural", Resource{Version: "v1", Kind: "X", Plural: "Xs"}, "Xs"},
		{"bad group", Resource{Group: "-x", Version: "v1", Kind: "X", Plural: "xs"}, "group"},
	} {
		if err := Register(s, tc.r, Strategy[*Gadget]{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	type NoMeta struct{ Name string }
	if err := Register(s, Resource{Version: "v9", Kind: "NoMeta", Plural: "nometas"}, Strategy[*struct {
		NoMeta
		metav1.ObjectMeta
	}]{}); err == nil || !strings.Contains(err.Error(), "must embed metav1.TypeMeta") {
		t.Errorf("type without TypeMeta: %v", err)
	}
	e := startEnv(t, s, st)
	if err := Register(s, Resource{Version: "v1", Kind: "Late", Plural: "lates"}, Strategy[*Gadget]{}); err != errRegisterAfterStart {
		t.Errorf("Register after Start: %v", err)
	}

	path := "/apis/toys.example.com/v1alpha1/namespaces/default/gadgets"
	var g Gadget
	e.must(http.StatusCreated, "POST", path, `{"metadata":{"name":"g"},"spec":{"color":"red"},"status":{"ready":true}}`, &g)
	if g.Kind != "Gadget" || g.APIVersion != "toys.example.com/v1alpha1" || g.Status.Ready || g.Generation != 1 {
		t.Errorf("created gadget: %+v", g)
	}
	code, b := e.do("POST", path, `{"metadata":{"name":"h"}}`)
	if st := status(t, b); code != http.StatusUnprocessableEntity || st.Message != `Gadget.toys.example.com "h" is invalid: spec.color: Required value` {
		t.Errorf("invalid gadget: %d %s", code, b)
	}
	e.must(http.StatusOK, "PUT", path+"/g/status", `{"metadata":{"name":"g"},"spec":{"color":"blue"},"status":{"ready":true}}`, &g)
	if !g.Status.Ready || g.Spec.Color != "red" {
		t.Errorf("status update: %+v", g)
	}
	var list struct {
		Kind  string   `json:"kind"`
		Items []Gadget `json:"items"`
	}
	e.must(http.StatusOK, "GET", "/apis/toys.example.com/v1alpha1/gadgets?fieldSelector=spec.color%3Dred", nil, &list)
	if list.Kind != "GadgetList" || len(list.Items) != 1 {
		t.Errorf("list: %+v", list)
	}
	// An object over the store's value limit (1.5 MiB) but within the
	// body limit (3 MiB) is refused by the store: 413.
	code, b = e.do("POST", path, `{"metadata":{"name":"big"},"spec":{"color":"`+strings.Repeat("r", 2<<20)+`"}}`)
	if st := status(t, b); code != http.StatusRequestEntityTooLarge || st.Reason != metav1.StatusReasonRequestEntityTooLarge {
		t.Errorf("object too large for the store: %d %.300s", code, b)
	}
	var rl metav1.APIResourceList
	e.must(http.StatusOK, "GET", "/apis/toys.example.com/v1alpha1", nil, &rl)
	if len(rl.APIResources) != 2 || rl.APIResources[0].Name != "gadgets" || rl.APIResources[1].Name != "gadgets/status" {
		t.Errorf("discovery: %+v", rl.APIResources)
	}
	var grp metav1.APIGroup
	e.must(http.StatusOK, "GET", "/apis/toys.example.com", nil, &grp)
	if grp.PreferredVersion.Version != "v1alpha1" {
		t.Errorf("group: %+v", grp)
	}
}

func TestSortVersions(t *testing.T) {
	vs := []string{"v1alpha1", "v2beta1", "v1", "foo", "v2", "v1beta2", "v1beta1", "v10"}
	sortVersions(vs)
	want := "v10 v2 v1 v2beta1 v1beta2 v1beta1 v1alpha1 foo"
	if got := strings.Join(vs, " "); got != want {
		t.Errorf("sorted %q, want %q", got, want)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	st := newEnvStoreOnly(t)
	for _, opts := range []Options{
		{MaxRequestBodyBytes: -1},
		{RequestTimeout: -1},
		{WatchCacheSize: -1},
		{DisableAdmission: []string{"Nope"}},
		{GitVersion: "1.33"},
	} {
		if _, err := New(st, opts); err == nil {
			t.Errorf("New(%+v) accepted", opts)
		}
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil) accepted")
	}
}
