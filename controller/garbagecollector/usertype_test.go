package garbagecollector_test

import (
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/garbagecollector"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// Gadget is a user's own kind, served with apiserver.Register.
type Gadget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`
	Spec              GadgetSpec `json:"spec,omitempty,omitzero"`
}

// GadgetSpec is the desired state of a Gadget.
type GadgetSpec struct {
	Color string `json:"color,omitempty"`
}

var gadgetInfo = client.ResourceInfo{
	GroupVersionResource: client.GroupVersionResource{Group: "toys.example.com", Version: "v1alpha1", Resource: "gadgets"},
	Kind:                 "Gadget",
	Namespaced:           true,
}

// serveGadgets starts an API server that serves Gadgets and returns a
// client of it.
func serveGadgets(t *testing.T) *client.Client {
	t.Helper()
	st, err := mvcc.Open(t.Context(), mvcc.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := apiserver.New(st, apiserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := apiserver.Register(srv, apiserver.Resource{Group: gadgetInfo.Group, Version: gadgetInfo.Version, Kind: "Gadget", Plural: "gadgets", Namespaced: true}, apiserver.Strategy[*Gadget]{}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return client.NewInProcess(srv)
}

// TestUserKind has a user's kind own, and be owned by, built-in kinds: a
// Gadget deleted in the foreground goes after the ConfigMap it owns, and a
// Gadget whose ConfigMap owner is deleted is collected.
func TestUserKind(t *testing.T) {
	f := startWith(t, serveGadgets(t), garbagecollector.Options{ExtraResources: []client.ResourceInfo{gadgetInfo}})
	gadgets := client.NewResource[Gadget](f.c, gadgetInfo).Namespace(ns)

	parent, err := gadgets.Create(f.ctx, &Gadget{ObjectMeta: metav1.ObjectMeta{Name: "parent"}, Spec: GadgetSpec{Color: "red"}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := f.cms.Create(f.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings",
		OwnerReferences: []metav1.OwnerReference{ref(gadgetInfo, &parent.ObjectMeta, true)}}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gadgets.Create(f.ctx, &Gadget{ObjectMeta: metav1.ObjectMeta{Name: "child",
		OwnerReferences: []metav1.OwnerReference{ref(client.ConfigMaps, &cm.ObjectMeta, true)}}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	log := f.watchDeletions(cm.ResourceVersion, gadgetInfo, client.ConfigMaps)
	if err := gadgets.Delete(f.ctx, "parent", policy(metav1.DeletePropagationForeground)); err != nil {
		t.Fatal(err)
	}
	revs := log.wait(f, "Gadget/parent", "ConfigMap/settings", "Gadget/child")
	if !(revs["Gadget/child"] < revs["ConfigMap/settings"] && revs["ConfigMap/settings"] < revs["Gadget/parent"]) {
		t.Errorf("deletion revisions %v: want child < settings < parent", revs)
	}
}
