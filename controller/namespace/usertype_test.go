package namespace_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/namespace"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// Gadget is a user's own kind, registered with the API server, which the
// controller finds through discovery.
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

// startWithGadgets starts an API server serving Gadgets (envtest starts
// its server before a kind could be registered) and the namespace
// controller, and returns a client of it.
func startWithGadgets(t *testing.T) *client.Client {
	t.Helper()
	st, err := mvcc.Open(t.Context(), mvcc.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := apiserver.New(st, apiserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := apiserver.Register(srv, apiserver.Resource{Group: "toys.example.com", Version: "v1alpha1", Kind: "Gadget", Plural: "gadgets", Namespaced: true}, apiserver.Strategy[*Gadget]{}); err != nil {
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
	c := client.NewInProcess(srv)

	mgr, err := controller.NewManager(controller.ManagerOptions{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := namespace.Add(mgr, c, controller.Options{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("manager Start: %v", err)
		}
	})
	return c
}

// TestDeletesUserKindsAndWaitsForFinalizers deletes a namespace holding
// Gadgets, one of them with a finalizer: the controller deletes both,
// reports the finalizer in NamespaceFinalizersRemaining, and releases the
// namespace once the finalizer's owner (the test) removes it.
func TestDeletesUserKindsAndWaitsForFinalizers(t *testing.T) {
	c := startWithGadgets(t)
	f := &fixture{t: t, ctx: t.Context(), nss: resourceFor[corev1.Namespace](t, c)}
	gadgets := client.NewResource[Gadget](c, gadgetInfo).Namespace("toys")
	ctx := t.Context()
	if _, err := f.nss.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "toys"}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Gadget{
		{ObjectMeta: metav1.ObjectMeta{Name: "plain"}, Spec: GadgetSpec{Color: "red"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"toys.example.com/hold"}}, Spec: GadgetSpec{Color: "blue"}},
	} {
		if _, err := gadgets.Create(ctx, g, client.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.nss.Delete(ctx, "toys", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	f.waitFor("NamespaceFinalizersRemaining to name the finalizer", func() (bool, string) {
		n, err := f.nss.Get(ctx, "toys", client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NamespaceFinalizersRemaining && c.Status == corev1.ConditionTrue && strings.Contains(c.Message, "toys.example.com/hold in 1 resource instances") {
				return true, ""
			}
		}
		return false, fmt.Sprintf("conditions %+v", n.Status.Conditions)
	})
	list, err := gadgets.List(ctx, client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, g := range list.Items {
		left = append(left, g.Name)
		if g.DeletionTimestamp == nil {
			t.Errorf("gadget %s has no deletionTimestamp", g.Name)
		}
	}
	if diff := cmp.Diff([]string{"held"}, left); diff != "" {
		t.Fatalf("gadgets while the finalizer holds (-want +got):\n%s", diff)
	}

	held := list.Items[0]
	held.Finalizers = nil
	if _, err := gadgets.Update(ctx, &held, client.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitFor("namespace toys to be gone", func() (bool, string) {
		_, err := f.nss.Get(ctx, "toys", client.GetOptions{})
		return client.IsNotFound(err), fmt.Sprint(err)
	})
	if _, err := gadgets.Get(ctx, "held", client.GetOptions{}); !client.IsNotFound(err) {
		t.Errorf("gadget held after the namespace went: err %v, want not found", err)
	}
}
