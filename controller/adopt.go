package controller

import (
	"context"
	"fmt"
	"strings"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// RecheckOwner reads owner from the server, not from a cache, before a
// controller adopts orphans for it: adopting is only right while the owner
// exists with the same UID and is not being deleted (Kubernetes' controller
// ref manager does the same). r must be the owner's resource; the error
// says which check failed.
func RecheckOwner[T any, PT client.Object[T]](ctx context.Context, r *client.Resource[T], owner PT) error {
	m := owner.GetObjectMeta()
	kind := strings.ToLower(r.Info().Kind)
	fresh, err := r.Namespace(m.Namespace).Get(ctx, m.Name, client.GetOptions{})
	if err != nil {
		return fmt.Errorf("recheck %s %s/%s before adopting: %w", kind, m.Namespace, m.Name, err)
	}
	fm := PT(fresh).GetObjectMeta()
	if fm.UID != m.UID {
		return fmt.Errorf("%s %s/%s: UID %s in cache, %s on the server: not adopting", kind, m.Namespace, m.Name, m.UID, fm.UID)
	}
	if fm.DeletionTimestamp != nil {
		return fmt.Errorf("%s %s/%s is being deleted: not adopting", kind, m.Namespace, m.Name)
	}
	return nil
}

// ControllerRef is the owner reference a controller sets on the objects it
// manages: controller and blockOwnerDeletion true, as Kubernetes' workload
// controllers set them.
func ControllerRef(apiVersion, kind string, owner *metav1.ObjectMeta) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{
		APIVersion: apiVersion, Kind: kind, Name: owner.Name, UID: owner.UID,
		Controller: &yes, BlockOwnerDeletion: &yes,
	}
}
