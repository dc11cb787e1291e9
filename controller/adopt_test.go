package controller_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
)

func TestRecheckOwner(t *testing.T) {
	env := envtest.Start(t)
	cms, err := client.For[corev1.ConfigMap](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := cms.Namespace("default").Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner", Namespace: "default"}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := controller.RecheckOwner(t.Context(), cms, owner); err != nil {
		t.Fatalf("live owner: %v", err)
	}
	stale := owner.DeepCopy()
	stale.UID = "someone-else"
	if err := controller.RecheckOwner(t.Context(), cms, stale); err == nil || !strings.Contains(err.Error(), "UID someone-else in cache") {
		t.Errorf("stale UID: %v", err)
	}
	gone := owner.DeepCopy()
	gone.Name = "gone"
	if err := controller.RecheckOwner(t.Context(), cms, gone); !client.IsNotFound(err) {
		t.Errorf("missing owner: %v, want NotFound", err)
	}

	ref := controller.ControllerRef("v1", "ConfigMap", &owner.ObjectMeta)
	yes := true
	want := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: owner.UID, Controller: &yes, BlockOwnerDeletion: &yes}
	if diff := cmp.Diff(want, ref); diff != "" {
		t.Errorf("ControllerRef (-want +got):\n%s", diff)
	}
}
