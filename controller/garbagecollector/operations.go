package garbagecollector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
)

// ReasonOwnerRefInvalidNamespace is the reason of the Warning Event the
// collector records on a cluster-scoped object that names a namespaced
// owner, a reference that cannot resolve, as Kubernetes does.
const ReasonOwnerRefInvalidNamespace = "OwnerRefInvalidNamespace"

// maxPatchAttempts bounds the read-modify-write retries of one patch on
// conflicts before the item is requeued.
const maxPatchAttempts = 5

// errInvalidOwnerRef marks an object whose owner references cannot
// resolve: retrying does not help.
var errInvalidOwnerRef = errors.New("a cluster-scoped object refers to a namespaced owner")

// client returns the client of id's resource, or nil when the collector
// does not watch its kind.
func (gc *GarbageCollector) clientFor(id objectID) *client.Resource[object] {
	rc, ok := gc.resources[groupKind{id.Group, id.Kind}]
	if !ok {
		return nil
	}
	if rc.info.Namespaced {
		return rc.r.Namespace(id.Namespace)
	}
	return rc.r
}

// get reads the object id names live from the server (not from the
// cache), and reports false when it does not exist or has another uid.
func (gc *GarbageCollector) get(ctx context.Context, id objectID) (*object, bool, error) {
	r := gc.clientFor(id)
	if r == nil {
		return nil, false, fmt.Errorf("get %s: kind not watched by the garbage collector", id)
	}
	obj, err := r.Get(ctx, id.Name, client.GetOptions{})
	switch {
	case client.IsNotFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("get %s: %w", id, err)
	case obj.UID != id.UID:
		return nil, false, nil
	}
	return obj, true, nil
}

// attemptToDeleteItem looks at the object of uid: an absent virtual node
// is dropped (its dependents then looked at); an owner deleting its
// dependents in the foreground has them deleted, then loses
// FinalizerForeground; an object whose owners are all gone is deleted.
func (gc *GarbageCollector) attemptToDeleteItem(ctx context.Context, uid types.UID) error {
	n, ok := gc.graph.state(uid)
	if !ok {
		return nil
	}
	latest, exists, err := gc.get(ctx, n.id)
	if err != nil {
		return err
	}
	if !exists {
		if !n.observed {
			// An owner named by dependents that does not exist: drop it
			// and look at them, as Kubernetes' virtual delete event.
			gc.absent.add(n.id)
			a, _ := gc.graph.removeVirtual(uid)
			gc.enqueue(a)
		}
		// An observed object that is gone: its informer will say so.
		return nil
	}
	if !n.observed {
		// It exists, but the informer has not reported it yet: wait
		// for it rather than act on a lagging cache.
		return errRequeue
	}
	if n.deletingDependents {
		return gc.processDeletingDependents(ctx, n)
	}
	if len(latest.OwnerReferences) == 0 {
		return nil
	}
	solid, dangling, waiting, err := gc.classifyReferences(ctx, n.id, latest.OwnerReferences)
	if errors.Is(err, errInvalidOwnerRef) {
		return nil // recorded; retrying does not help
	}
	if err != nil {
		return err
	}
	log := gc.log.WithValues("object", n.id.String())
	switch {
	case len(solid) != 0:
		if len(dangling) == 0 && len(waiting) == 0 {
			return nil
		}
		// Drop the references to owners that are gone or waiting for
		// their dependents, which would otherwise wait for ever.
		drop := map[types.UID]bool{}
		for _, ref := range append(dangling, waiting...) {
			drop[ref.UID] = true
		}
		log.V(1).Info("removing owner references to owners gone or being deleted", "owners", len(drop))
		return gc.patchOwnerReferences(ctx, n.id, func(refs []metav1.OwnerReference) []metav1.OwnerReference {
			return slices.DeleteFunc(refs, func(r metav1.OwnerReference) bool { return drop[r.UID] })
		})
	case len(waiting) != 0 && len(n.dependents) != 0:
		for _, dep := range n.dependents {
			if dep.deletingDependents {
				// A cycle may be forming: stop this object from
				// blocking its owners, so that each can go.
				log.V(1).Info("unblocking owner references to break a possible cycle")
				err := gc.patchOwnerReferences(ctx, n.id, func(refs []metav1.OwnerReference) []metav1.OwnerReference {
					for i := range refs {
						if refs[i].BlockOwnerDeletion != nil && *refs[i].BlockOwnerDeletion {
							refs[i].BlockOwnerDeletion = new(bool)
						}
					}
					return refs
				})
				if err != nil {
					return err
				}
				break
			}
		}
		log.V(1).Info("deleting in the foreground: an owner waits for its dependents and this object has dependents")
		return gc.deleteObject(ctx, n.id, metav1.DeletePropagationForeground)
	default:
		policy := metav1.DeletePropagationBackground
		switch {
		case slices.Contains(latest.Finalizers, FinalizerOrphan):
			policy = metav1.DeletePropagationOrphan
		case slices.Contains(latest.Finalizers, FinalizerForeground):
			policy = metav1.DeletePropagationForeground
		}
		log.V(1).Info("deleting: no owner remains", "propagationPolicy", policy)
		return gc.deleteObject(ctx, n.id, policy)
	}
}

// classifyReferences sorts an object's owner references into owners that
// exist (solid), owners that do not (dangling: confirmed with a live GET,
// or known gone) and owners being deleted in the foreground (waiting).
// References to kinds the collector does not watch count as solid: it
// cannot confirm their absence.
func (gc *GarbageCollector) classifyReferences(ctx context.Context, dep objectID, refs []metav1.OwnerReference) (solid, dangling, waiting []metav1.OwnerReference, err error) {
	for _, ref := range refs {
		oid, kind := gc.graph.resolveOwner(dep, ref)
		switch kind {
		case refInvalid:
			gc.reportInvalidNamespace(ctx, dep, ref)
			return nil, nil, nil, errInvalidOwnerRef
		case refUnknown:
			gc.log.V(1).Info("owner of a kind not watched; treating it as present", "object", dep.String(), "owner", oid.String())
			solid = append(solid, ref)
			continue
		}
		if gc.absent.has(oid) {
			dangling = append(dangling, ref)
			continue
		}
		owner, exists, err := gc.get(ctx, oid)
		if err != nil {
			return nil, nil, nil, err
		}
		switch {
		case !exists:
			gc.absent.add(oid)
			dangling = append(dangling, ref)
		case owner.DeletionTimestamp != nil && slices.Contains(owner.Finalizers, FinalizerForeground):
			waiting = append(waiting, ref)
		default:
			solid = append(solid, ref)
		}
	}
	return solid, dangling, waiting, nil
}

// processDeletingDependents removes FinalizerForeground from an owner
// once no dependent blocks it, and otherwise has its blocking dependents
// looked at.
func (gc *GarbageCollector) processDeletingDependents(ctx context.Context, n nodeState) error {
	blocked := false
	for _, dep := range n.dependents {
		if !dep.blocking {
			continue
		}
		blocked = true
		if !dep.deletingDependents {
			gc.attemptToDelete.Add(dep.id.UID)
		}
	}
	if blocked {
		return nil
	}
	gc.log.V(1).Info("no dependent blocks the owner any more; removing finalizer", "object", n.id.String(), "finalizer", FinalizerForeground)
	return gc.removeFinalizer(ctx, n.id, FinalizerForeground)
}

// attemptToOrphanItem orphans the dependents of an owner deleted with
// propagationPolicy Orphan: it removes their references to it, then the
// owner's FinalizerOrphan.
func (gc *GarbageCollector) attemptToOrphanItem(ctx context.Context, uid types.UID) error {
	n, ok := gc.graph.state(uid)
	if !ok {
		return nil
	}
	owner, exists, err := gc.get(ctx, n.id)
	if err != nil {
		return err
	}
	if !exists || owner.DeletionTimestamp == nil || !slices.Contains(owner.Finalizers, FinalizerOrphan) {
		return nil
	}
	var errs []error
	for _, dep := range n.dependents {
		err := gc.patchOwnerReferences(ctx, dep.id, func(refs []metav1.OwnerReference) []metav1.OwnerReference {
			return slices.DeleteFunc(refs, func(r metav1.OwnerReference) bool { return r.UID == uid })
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		gc.metrics.orphaned.Inc()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("orphan dependents of %s: %w", n.id, err)
	}
	gc.log.V(1).Info("dependents orphaned; removing finalizer", "object", n.id.String(), "dependents", len(n.dependents), "finalizer", FinalizerOrphan)
	return gc.removeFinalizer(ctx, n.id, FinalizerOrphan)
}

// deleteObject deletes the object id names, provided it still has id's
// uid, with the given propagation policy.
func (gc *GarbageCollector) deleteObject(ctx context.Context, id objectID, policy metav1.DeletionPropagation) error {
	uid := id.UID
	err := gc.clientFor(id).Delete(ctx, id.Name, metav1.DeleteOptions{
		Preconditions:     &metav1.Preconditions{UID: &uid},
		PropagationPolicy: &policy,
	})
	switch {
	case client.IsNotFound(err), client.IsConflict(err):
		// Gone, or replaced by another object of that name.
		return nil
	case err != nil:
		return fmt.Errorf("delete %s: %w", id, err)
	}
	gc.metrics.deleted.WithLabelValues(id.Group, id.Kind).Inc()
	return nil
}

// metadataPatch is a JSON merge patch of an object's metadata, guarded by
// its uid and resourceVersion.
type metadataPatch struct {
	Metadata struct {
		UID             types.UID                `json:"uid"`
		ResourceVersion string                   `json:"resourceVersion"`
		OwnerReferences *[]metav1.OwnerReference `json:"ownerReferences,omitempty"`
		Finalizers      *[]string                `json:"finalizers,omitempty"`
	} `json:"metadata"`
}

// patchMetadata reads the object id names and writes what change makes
// of its metadata (change returns false for no change), with a merge
// patch guarded by the resourceVersion read, retrying on conflicts. An
// object gone, or replaced, is left alone.
func (gc *GarbageCollector) patchMetadata(ctx context.Context, id objectID, change func(latest *object, p *metadataPatch) bool) error {
	r := gc.clientFor(id)
	for range maxPatchAttempts {
		latest, exists, err := gc.get(ctx, id)
		if err != nil || !exists {
			return err
		}
		var p metadataPatch
		p.Metadata.UID, p.Metadata.ResourceVersion = latest.UID, latest.ResourceVersion
		if !change(latest, &p) {
			return nil
		}
		body, err := json.Marshal(&p)
		if err != nil {
			return fmt.Errorf("patch %s: encode: %w", id, err)
		}
		_, err = r.Patch(ctx, id.Name, client.MergePatchType, body, client.PatchOptions{})
		switch {
		case client.IsConflict(err):
			continue
		case client.IsNotFound(err):
			return nil
		case err != nil:
			return fmt.Errorf("patch %s: %w", id, err)
		}
		return nil
	}
	return fmt.Errorf("patch %s: %d conflicts in a row: %w", id, maxPatchAttempts, errRequeue)
}

// patchOwnerReferences replaces the object's owner references with what
// change makes of them (a copy it may modify).
func (gc *GarbageCollector) patchOwnerReferences(ctx context.Context, id objectID, change func([]metav1.OwnerReference) []metav1.OwnerReference) error {
	return gc.patchMetadata(ctx, id, func(latest *object, p *metadataPatch) bool {
		refs := change(slices.Clone(latest.OwnerReferences))
		if slices.EqualFunc(refs, latest.OwnerReferences, ownerRefEqual) {
			return false
		}
		if refs == nil {
			refs = []metav1.OwnerReference{}
		}
		p.Metadata.OwnerReferences = &refs
		return true
	})
}

func ownerRefEqual(a, b metav1.OwnerReference) bool {
	return a.APIVersion == b.APIVersion && a.Kind == b.Kind && a.Name == b.Name && a.UID == b.UID &&
		boolEqual(a.Controller, b.Controller) && boolEqual(a.BlockOwnerDeletion, b.BlockOwnerDeletion) &&
		(a.BlockOwnerDeletion == nil) == (b.BlockOwnerDeletion == nil)
}

// removeFinalizer removes finalizer from the object; the API server then
// deletes it when it was the last.
func (gc *GarbageCollector) removeFinalizer(ctx context.Context, id objectID, finalizer string) error {
	return gc.patchMetadata(ctx, id, func(latest *object, p *metadataPatch) bool {
		if !slices.Contains(latest.Finalizers, finalizer) {
			return false
		}
		rest := slices.DeleteFunc(slices.Clone(latest.Finalizers), func(f string) bool { return f == finalizer })
		if rest == nil {
			rest = []string{}
		}
		p.Metadata.Finalizers = &rest
		return true
	})
}

// reportInvalidNamespace logs and records, as a Warning Event on the
// dependent, that a cluster-scoped object names a namespaced owner.
func (gc *GarbageCollector) reportInvalidNamespace(ctx context.Context, dep objectID, ref metav1.OwnerReference) {
	if _, seen := gc.reported.LoadOrStore(dep.UID, true); seen {
		return
	}
	msg := fmt.Sprintf("ownerRef [%s/%s, namespace: %s, name: %s, uid: %s] does not exist in namespace %q",
		ref.APIVersion, ref.Kind, dep.Namespace, ref.Name, ref.UID, dep.Namespace)
	gc.log.Info("cluster-scoped object refers to a namespaced owner; it is not collected", "object", dep.String(), "owner", ref.Name, "ownerKind", ref.Kind)
	events, err := client.For[corev1.Event](gc.c)
	if err != nil {
		return
	}
	apiVersion := "v1"
	if rc, ok := gc.resources[groupKind{dep.Group, dep.Kind}]; ok {
		apiVersion = rc.info.APIVersion()
	}
	now := metav1.NewTime(gc.opts.Clock.Now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: dep.Name + ".", Namespace: corev1.NamespaceDefault},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: apiVersion, Kind: dep.Kind, Name: dep.Name, UID: dep.UID,
		},
		Reason:         ReasonOwnerRefInvalidNamespace,
		Message:        msg,
		Type:           corev1.EventTypeWarning,
		Source:         corev1.EventSource{Component: "garbage-collector-controller"},
		FirstTimestamp: now,
		LastTimestamp:  now,
		Count:          1,
	}
	if _, err := events.Create(ctx, ev, client.CreateOptions{}); err != nil {
		gc.log.Error(err, "record event", "reason", ReasonOwnerRefInvalidNamespace, "object", dep.String())
	}
}
