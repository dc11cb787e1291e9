package apiserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store"
)

// The operations on a resource's objects in the store, shared by the HTTP
// handlers, the subresources and the server's own writes. Each decodes
// what it reads into objects it owns and writes with compare-and-swap on
// the mod revision it read.

// writeOptions shape a write.
type writeOptions struct {
	// dryRun runs everything but the store write.
	dryRun bool
}

// maxGenerateNameAttempts is how many names a create with generateName
// tries before giving up with 409 AlreadyExists.
const maxGenerateNameAttempts = 5

// ownedWriter is an optional ability of a store.Store (store/mvcc has
// it): Create and Update that keep the caller's value itself, not a copy.
// The server uses them for the values encodeForStore returns, which are
// new buffers that nothing modifies afterwards (the watch cache, offers
// and responses only read them), so that one copy of each object's JSON
// serves the store, the watch cache and the response.
type ownedWriter interface {
	CreateOwned(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error)
	UpdateOwned(ctx context.Context, key string, value []byte, opts store.UpdateOptions) (store.WriteResponse, error)
}

// storeCreate creates key with value, a buffer from encodeForStore that
// nobody modifies afterwards: the store may keep it without a copy.
func (s *Server) storeCreate(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	if s.owned != nil {
		return s.owned.CreateOwned(ctx, key, value, opts)
	}
	return s.store.Create(ctx, key, value, opts)
}

// storeUpdate updates key to value, as storeCreate creates it.
func (s *Server) storeUpdate(ctx context.Context, key string, value []byte, opts store.UpdateOptions) (store.WriteResponse, error) {
	if s.owned != nil {
		return s.owned.UpdateOwned(ctx, key, value, opts)
	}
	return s.store.Update(ctx, key, value, opts)
}

// now returns the current time at the second, as timestamps are stored.
func (s *Server) now() time.Time { return s.opts.Now().Truncate(time.Second) }

// checkName refuses a name that cannot be one segment of a store key.
func checkName(r *resource, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/%") {
		return errInvalidObject(r, name, field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), name,
			"a name must be a non-empty path segment without '/' or '%'")})
	}
	return nil
}

// create stores obj, a new object of r in namespace ns (ignored for
// cluster-scoped kinds): defaults, mutating admission, the strategy's
// PrepareForCreate, system metadata, name generation, validation,
// validating admission, then the store (attached to the resource's lease
// when its Strategy has a TTL). obj is modified and returned with
// its resourceVersion; the watch cache shares it, so the caller must not
// modify it afterwards.
func (s *Server) create(ctx context.Context, r *resource, ns string, obj metav1.Object, wo writeOptions) (metav1.Object, error) {
	out, _, err := s.createEncoded(ctx, r, ns, obj, wo)
	return out, err
}

// createEncoded is create that also returns the object's JSON as written
// (not valid for a dry run): the response body, shared with the watch
// cache.
func (s *Server) createEncoded(ctx context.Context, r *resource, ns string, obj metav1.Object, wo writeOptions) (metav1.Object, splicedJSON, error) {
	m := obj.GetObjectMeta()
	if r.info.Namespaced {
		if m.Namespace == "" {
			m.Namespace = ns
		} else if ns != "" && m.Namespace != ns {
			return nil, splicedJSON{}, errBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	} else {
		m.Namespace = ""
	}
	r.applyDefaults(obj)
	a := attributes(Create, r, "", m.Namespace, m.Name, obj, nil, wo.dryRun)
	if err := s.admit(ctx, r, a); err != nil {
		return nil, splicedJSON{}, err
	}
	r.prepareForCreate(obj)
	m = obj.GetObjectMeta()
	m.UID = newUID()
	m.CreationTimestamp = metav1.NewTime(s.now())
	m.Generation = 1
	m.DeletionTimestamp, m.DeletionGracePeriodSeconds = nil, nil
	m.ResourceVersion = ""
	if r.prepareHook != nil {
		if err := r.prepareHook(ctx, obj, nil); err != nil {
			return nil, splicedJSON{}, asStatus(err)
		}
	}
	generated := m.Name == "" && m.GenerateName != ""
	if generated {
		m.Name = generateName(m.GenerateName)
	}
	if errs := r.validateCreate(obj); len(errs) > 0 {
		return nil, splicedJSON{}, errInvalidObject(r, m.Name, errs)
	}
	if err := checkName(r, m.Name); err != nil {
		return nil, splicedJSON{}, err
	}
	a.Name = m.Name
	if err := s.validateAdmission(ctx, r, a); err != nil {
		s.refundQuota(ctx, a)
		return nil, splicedJSON{}, err
	}
	commit, rollback := func() {}, func() {}
	if r.beginWrite != nil {
		var err error
		if commit, rollback, err = r.beginWrite(ctx, obj, nil, wo.dryRun); err != nil {
			s.refundQuota(ctx, a)
			return nil, splicedJSON{}, asStatus(err)
		}
	}
	if wo.dryRun {
		return obj, splicedJSON{}, nil
	}
	// leaseRetried is set once a write was retried because the store had
	// revoked the reused lease.
	leaseRetried := false
	for attempt := 1; ; attempt++ {
		raw, err := r.encodeForStore(obj)
		if err != nil {
			rollback()
			s.refundQuota(ctx, a)
			return nil, splicedJSON{}, errInternal(err)
		}
		key := r.key(m.Namespace, m.Name)
		lease, err := s.writeLease(ctx, r, m.Name)
		if err != nil {
			rollback()
			s.refundQuota(ctx, a)
			return nil, splicedJSON{}, err
		}
		h := r.cache.offer(key, raw, obj)
		resp, err := s.storeCreate(ctx, key, raw, store.PutOptions{Lease: lease})
		if err != nil && r.cache.settle(h, 0, splicedJSON{}) {
			// The cache took obj for another write's identical bytes:
			// go on with a copy of it.
			obj = r.shallowCopy(obj)
			m = obj.GetObjectMeta()
		}
		if r.retryLease(lease, err, &leaseRetried) {
			attempt--
			continue
		}
		if errors.Is(err, store.ErrExists) && generated && attempt < maxGenerateNameAttempts {
			m.Name = generateName(m.GenerateName)
			continue
		}
		if err != nil {
			rollback()
			s.refundQuota(ctx, a)
			return nil, splicedJSON{}, storeError(r, m.Name, err)
		}
		var out splicedJSON
		obj, out = s.settleWrite(r, h, obj, raw, resp.KV.ModRevision)
		commit()
		return obj, out, nil
	}
}

// settleWrite sets the resourceVersion of obj, just written at rev as
// stored with the offer h, encodes it (the response body: stored with the
// resourceVersion spliced in, or obj encoded again) and hands both to the
// watch cache. It returns obj at rev (obj, or a copy: see objectAt) and
// its JSON, not valid when obj cannot be encoded: writing the response
// then reports the error.
func (s *Server) settleWrite(r *resource, h *handoff, obj metav1.Object, stored []byte, rev int64) (metav1.Object, splicedJSON) {
	obj = r.cache.objectAt(r, h, obj, rev)
	sp, ok := r.splice(stored, obj)
	if !ok {
		if raw, err := marshalObject(obj); err == nil {
			sp = plainJSON(raw)
		}
	}
	r.cache.settle(h, rev, sp)
	r.noteWrite(rev)
	return obj, sp
}

// noteWrite records that this server wrote r at rev.
func (r *resource) noteWrite(rev int64) {
	for {
		cur := r.lastWrite.Load()
		if rev <= cur || r.lastWrite.CompareAndSwap(cur, rev) {
			return
		}
	}
}

// get returns the object ns/name of r as of rv: "" reads the latest from
// the store, "0" any version from the watch cache, N a version not older
// than N. A cached object is shared: callers must not modify it.
func (s *Server) get(ctx context.Context, r *resource, ns, name, rv string) (metav1.Object, error) {
	min, err := parseRV(rv)
	if err != nil {
		return nil, err
	}
	key := r.key(ns, name)
	if rv != "" && r.cache != nil {
		if co, crev := r.cache.get(key); crev >= min {
			if co == nil {
				return nil, errNotFound(r, name)
			}
			obj, err := co.object(r)
			if err != nil {
				return nil, errInternal(err)
			}
			return obj, nil
		}
	}
	resp, err := s.store.Get(ctx, key, store.ReadOptions{})
	if err != nil {
		return nil, storeError(r, name, err)
	}
	if resp.Revision < min {
		return nil, storeError(r, name, fmt.Errorf("%w: resource version %d", store.ErrFutureRevision, min))
	}
	obj, err := r.decode(resp.KV.Value, resp.KV.ModRevision)
	if err != nil {
		return nil, errInternal(err)
	}
	return obj, nil
}

// guaranteedUpdate reads ns/name of r, asks tryUpdate for the new object
// and writes it guarded by the mod revision read, reading again and
// retrying when another writer got there first; the write is attached to
// the resource's lease when its Strategy has a TTL (a write that changes
// nothing is not made, and so does not renew it). tryUpdate gets an object
// it owns; it refuses a stale client resourceVersion by returning a
// Conflict itself. A new object identical to the stored one is not
// written. When the new object has a deletionTimestamp, no finalizers and
// the stored one a grace period of 0, the object is deleted instead, as
// Kubernetes does when the last finalizer goes. It returns the object as
// written, and whether it was deleted. The watch cache shares the written
// object: the caller must not modify it.
func (s *Server) guaranteedUpdate(ctx context.Context, r *resource, ns, name string, wo writeOptions,
	tryUpdate func(cur metav1.Object) (metav1.Object, error)) (metav1.Object, bool, error) {
	out, _, deleted, err := s.guaranteedUpdateEncoded(ctx, r, ns, name, wo, false, tryUpdate)
	return out, deleted, err
}

// guaranteedUpdateEncoded is guaranteedUpdate that also returns the
// object's JSON as written, shared with the watch cache (not valid when
// nothing was written, or the object was deleted): the response body.
// With readOnlyCur, tryUpdate promises not to modify cur (nor to return
// it), which may then be the watch cache's shared object when the cache
// holds the version read from the store, instead of a decoded copy.
func (s *Server) guaranteedUpdateEncoded(ctx context.Context, r *resource, ns, name string, wo writeOptions, readOnlyCur bool,
	tryUpdate func(cur metav1.Object) (metav1.Object, error)) (metav1.Object, splicedJSON, bool, error) {
	key := r.key(ns, name)
	// leaseRetried is set once a write was retried because the store had
	// revoked the reused lease.
	leaseRetried := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, splicedJSON{}, false, storeError(r, name, err)
		}
		resp, err := s.store.Get(ctx, key, store.ReadOptions{})
		if err != nil {
			return nil, splicedJSON{}, false, storeError(r, name, err)
		}
		var cur metav1.Object
		if readOnlyCur {
			cur = r.cache.getAt(key, resp.KV.ModRevision)
		}
		if cur == nil {
			if cur, err = r.decode(resp.KV.Value, resp.KV.ModRevision); err != nil {
				return nil, splicedJSON{}, false, errInternal(err)
			}
		}
		curRV := cur.GetObjectMeta().ResourceVersion
		gracePeriod := cur.GetObjectMeta().DeletionGracePeriodSeconds
		next, err := tryUpdate(cur)
		if err != nil {
			return nil, splicedJSON{}, false, err
		}
		nm := next.GetObjectMeta()
		if nm.DeletionTimestamp != nil && !r.held(next) && gracePeriod != nil && *gracePeriod == 0 {
			if wo.dryRun {
				nm.ResourceVersion = curRV
				return next, splicedJSON{}, true, nil
			}
			dr, err := s.storeDelete(ctx, r, key, resp.KV.ModRevision)
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			if err != nil {
				return nil, splicedJSON{}, false, storeError(r, name, err)
			}
			r.noteWrite(dr.Revision)
			s.afterDelete(ctx, r, next)
			nm.ResourceVersion = formatRV(dr.KV.ModRevision)
			return next, splicedJSON{}, true, nil
		}
		commit, rollback := func() {}, func() {}
		if r.beginWrite != nil {
			if commit, rollback, err = r.beginWrite(ctx, next, cur, wo.dryRun); err != nil {
				return nil, splicedJSON{}, false, asStatus(err)
			}
		}
		raw, err := r.encodeForStore(next)
		if err != nil {
			rollback()
			return nil, splicedJSON{}, false, errInternal(err)
		}
		if bytes.Equal(raw, resp.KV.Value) || wo.dryRun {
			rollback()
			nm.ResourceVersion = curRV
			return next, splicedJSON{}, false, nil
		}
		lease, err := s.writeLease(ctx, r, name)
		if err != nil {
			rollback()
			return nil, splicedJSON{}, false, err
		}
		h := r.cache.offer(key, raw, next)
		wr, err := s.storeUpdate(ctx, key, raw, store.UpdateOptions{ExpectedModRevision: resp.KV.ModRevision, Lease: lease})
		if err != nil {
			r.cache.settle(h, 0, splicedJSON{})
		}
		if errors.Is(err, store.ErrConflict) || r.retryLease(lease, err, &leaseRetried) {
			rollback()
			continue
		}
		if err != nil {
			rollback()
			return nil, splicedJSON{}, false, storeError(r, name, err)
		}
		next, out := s.settleWrite(r, h, next, raw, wr.KV.ModRevision)
		commit()
		return next, out, false, nil
	}
}

// update replaces ns/name of r with obj (sub "" for the main resource,
// "status" for the status subresource). obj's resourceVersion, when set,
// must be the stored one (else 409); when empty the update is
// unconditional. update takes obj over: its first attempt prepares and
// writes obj itself, and an attempt after a conflict works on a new copy
// of the client's object as it was given, from again (which decodes it
// again from the request body). It returns the object as written and,
// when it was written, its JSON (shared with the watch cache; not valid
// otherwise).
func (s *Server) update(ctx context.Context, r *resource, ns, name, sub string, obj metav1.Object, again func() (metav1.Object, error), wo writeOptions) (metav1.Object, splicedJSON, error) {
	if err := checkObjectName(r, ns, name, obj); err != nil {
		return nil, splicedJSON{}, err
	}
	r.applyDefaults(obj)
	precondition := obj.GetObjectMeta().ResourceVersion
	if _, err := parseRV(precondition); err != nil {
		return nil, splicedJSON{}, err
	}
	first := obj
	out, raw, _, err := s.guaranteedUpdateEncoded(ctx, r, ns, name, wo, s.updateReadsOnlyOld(r), func(cur metav1.Object) (metav1.Object, error) {
		if precondition != "" && precondition != cur.GetObjectMeta().ResourceVersion {
			return nil, errConflict(r, name, conflictModified)
		}
		next := first
		first = nil
		if next == nil {
			var err error
			if next, err = again(); err != nil {
				return nil, errInternal(fmt.Errorf("copy %s: %w", r.info.Kind, err))
			}
			if err := checkObjectName(r, ns, name, next); err != nil {
				return nil, err
			}
			r.applyDefaults(next)
		}
		return s.prepareUpdate(ctx, r, sub, precondition, next, cur, wo)
	})
	return out, raw, err
}

// updateReadsOnlyOld reports whether an update of r through prepareUpdate
// leaves the stored object, and what the new object shares with it,
// alone: when r has none of the strategy functions and hooks that are
// handed them (the built-in generic behaviour and validation only read
// them; admission plugins must not modify the old object, and the
// built-in mutating ones change pods only on create), and the server has
// no mutating admission plugin of the user's, which could change in place
// a map or slice the new object shares with the old one.
func (s *Server) updateReadsOnlyOld(r *resource) bool {
	st := r.st
	return st.prepareForUpdate == nil && st.prepareForStatusUpdate == nil && st.validateUpdate == nil &&
		r.prepareHook == nil && r.beginWrite == nil && r.holdsDeletion == nil && r.onDeletion == nil &&
		len(s.opts.Mutating) == 0
}

// checkObjectName checks the name and namespace of an object in a body
// against the URL's, and fills them in when empty.
func checkObjectName(r *resource, ns, name string, obj metav1.Object) error {
	m := obj.GetObjectMeta()
	if m.Name == "" {
		m.Name = name
	} else if m.Name != name {
		return errBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.Name, name))
	}
	if r.info.Namespaced {
		if m.Namespace == "" {
			m.Namespace = ns
		} else if m.Namespace != ns {
			return errBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	} else {
		m.Namespace = ""
	}
	return nil
}

// prepareUpdate turns next, the client's new object, into what is stored
// over cur: the resourceVersion precondition, the strategy's
// PrepareForUpdate (or PrepareForStatusUpdate), the system metadata,
// generation, mutating admission, validation and validating admission.
func (s *Server) prepareUpdate(ctx context.Context, r *resource, sub, precondition string, next, cur metav1.Object, wo writeOptions) (metav1.Object, error) {
	cm := cur.GetObjectMeta()
	if precondition != "" && precondition != cm.ResourceVersion {
		return nil, errConflict(r, cm.Name, conflictModified)
	}
	nm := next.GetObjectMeta()
	if nm.UID != "" && nm.UID != cm.UID {
		return nil, errConflict(r, cm.Name, fmt.Sprintf("Precondition failed: UID in precondition: %v, UID in object meta: %v", nm.UID, cm.UID))
	}
	switch sub {
	case "status":
		r.prepareForStatusUpdate(next, cur)
	case "":
		r.prepareForUpdate(next, cur)
		if r.prepareHook != nil {
			if err := r.prepareHook(ctx, next, cur); err != nil {
				return nil, asStatus(err)
			}
		}
	default:
		// The other subresources build next from cur themselves.
	}
	nm = next.GetObjectMeta()
	nm.Name, nm.Namespace, nm.UID = cm.Name, cm.Namespace, cm.UID
	nm.CreationTimestamp = cm.CreationTimestamp
	nm.DeletionTimestamp, nm.DeletionGracePeriodSeconds = cm.DeletionTimestamp, cm.DeletionGracePeriodSeconds
	nm.ResourceVersion = cm.ResourceVersion
	nm.Generation = cm.Generation
	if !r.specEqual(next, cur) {
		nm.Generation++
	}
	a := attributes(Update, r, sub, cm.Namespace, cm.Name, next, cur, wo.dryRun)
	if err := s.admit(ctx, r, a); err != nil {
		return nil, err
	}
	if errs := r.validateUpdate(next, cur); len(errs) > 0 {
		return nil, errInvalidObject(r, cm.Name, errs)
	}
	if err := s.validateAdmission(ctx, r, a); err != nil {
		return nil, err
	}
	return next, nil
}

// Finalizers the server adds for the garbage collector on deletes with a
// propagation policy.
const (
	finalizerOrphan     = "orphan"
	finalizerForeground = "foregroundDeletion"
)

// delete deletes ns/name of r as DeleteOptions say: preconditions on uid
// and resourceVersion (409), admission, the propagation policy's finalizer
// (Foreground adds foregroundDeletion, Orphan adds orphan), graceful
// deletion when the strategy gives a positive grace period, and
// finalizers, which hold the object with a deletionTimestamp until they
// are removed. It returns the object (its last state when deleted) and
// whether it is gone.
func (s *Server) delete(ctx context.Context, r *resource, ns, name string, opts *metav1.DeleteOptions, wo writeOptions) (metav1.Object, bool, error) {
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	if opts.GracePeriodSeconds != nil && *opts.GracePeriodSeconds < 0 {
		return nil, false, errInvalid("DeleteOptions.meta.k8s.io", "meta.k8s.io", "DeleteOptions", "", field.ErrorList{
			field.Invalid(field.NewPath("gracePeriodSeconds"), *opts.GracePeriodSeconds, "must be greater than or equal to 0")})
	}
	var propagationFinalizer string
	if opts.PropagationPolicy != nil {
		switch *opts.PropagationPolicy {
		case metav1.DeletePropagationForeground:
			propagationFinalizer = finalizerForeground
		case metav1.DeletePropagationOrphan:
			propagationFinalizer = finalizerOrphan
		case metav1.DeletePropagationBackground:
		default:
			return nil, false, errInvalid("DeleteOptions.meta.k8s.io", "meta.k8s.io", "DeleteOptions", "", field.ErrorList{
				field.NotSupported(field.NewPath("propagationPolicy"), *opts.PropagationPolicy,
					[]metav1.DeletionPropagation{metav1.DeletePropagationForeground, metav1.DeletePropagationBackground, metav1.DeletePropagationOrphan})})
		}
		if opts.OrphanDependents != nil {
			return nil, false, errInvalid("DeleteOptions.meta.k8s.io", "meta.k8s.io", "DeleteOptions", "", field.ErrorList{
				field.Invalid(field.NewPath("propagationPolicy"), *opts.PropagationPolicy, "orphanDependents and deletionPropagation cannot be both set")})
		}
	} else if opts.OrphanDependents != nil && *opts.OrphanDependents {
		propagationFinalizer = finalizerOrphan
	}
	key := r.key(ns, name)
	// leaseRetried is set once a write was retried because the store had
	// revoked the reused lease.
	leaseRetried := false
	for {
		resp, err := s.store.Get(ctx, key, store.ReadOptions{})
		if err != nil {
			return nil, false, storeError(r, name, err)
		}
		cur, err := r.decode(resp.KV.Value, resp.KV.ModRevision)
		if err != nil {
			return nil, false, errInternal(err)
		}
		cm := cur.GetObjectMeta()
		if p := opts.Preconditions; p != nil {
			if p.UID != nil && *p.UID != cm.UID {
				return nil, false, errConflict(r, name, fmt.Sprintf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, cm.UID))
			}
			if p.ResourceVersion != nil && *p.ResourceVersion != cm.ResourceVersion {
				return nil, false, errConflict(r, name, fmt.Sprintf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, cm.ResourceVersion))
			}
		}
		a := attributes(Delete, r, "", cm.Namespace, cm.Name, nil, cur, wo.dryRun)
		if err := s.admit(ctx, r, a); err != nil {
			return nil, false, err
		}
		if err := s.validateAdmission(ctx, r, a); err != nil {
			return nil, false, err
		}

		next, err := r.copyObject(cur)
		if err != nil {
			return nil, false, errInternal(err)
		}
		nm := next.GetObjectMeta()
		changed := false
		if propagationFinalizer != "" && !slices.Contains(nm.Finalizers, propagationFinalizer) && cm.DeletionTimestamp == nil {
			nm.Finalizers = append(nm.Finalizers, propagationFinalizer)
			changed = true
		}
		period := int64(0)
		if r.st.gracePeriod != nil {
			period = r.st.gracePeriod(cur, opts.GracePeriodSeconds)
		}
		now := s.now()
		switch {
		case cm.DeletionTimestamp == nil:
			if period > 0 || r.held(next) {
				ts := metav1.NewTime(now.Add(time.Duration(period) * time.Second))
				nm.DeletionTimestamp, nm.DeletionGracePeriodSeconds = &ts, &period
				if nm.Generation > 0 {
					nm.Generation++
				}
				if r.onDeletion != nil {
					r.onDeletion(next)
				}
				changed = true
			}
		case cm.DeletionGracePeriodSeconds == nil || period < *cm.DeletionGracePeriodSeconds:
			// A shorter grace period moves the deletion earlier.
			requested := cm.DeletionTimestamp.Time
			if cm.DeletionGracePeriodSeconds != nil {
				requested = requested.Add(-time.Duration(*cm.DeletionGracePeriodSeconds) * time.Second)
			}
			ts := metav1.NewTime(requested.Add(time.Duration(period) * time.Second))
			nm.DeletionTimestamp, nm.DeletionGracePeriodSeconds = &ts, &period
			changed = true
		}
		if !r.held(next) && (nm.DeletionGracePeriodSeconds == nil || *nm.DeletionGracePeriodSeconds == 0) {
			if wo.dryRun {
				return cur, true, nil
			}
			dr, err := s.storeDelete(ctx, r, key, resp.KV.ModRevision)
			if err != nil {
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				return nil, false, storeError(r, name, err)
			}
			r.noteWrite(dr.Revision)
			s.afterDelete(ctx, r, cur)
			return cur, true, nil
		}
		if !changed || wo.dryRun {
			return next, false, nil
		}
		raw, err := r.encodeForStore(next)
		if err != nil {
			return nil, false, errInternal(err)
		}
		lease, err := s.writeLease(ctx, r, name)
		if err != nil {
			return nil, false, err
		}
		wr, err := s.storeUpdate(ctx, key, raw, store.UpdateOptions{ExpectedModRevision: resp.KV.ModRevision, Lease: lease})
		if errors.Is(err, store.ErrConflict) || r.retryLease(lease, err, &leaseRetried) {
			continue
		}
		if err != nil {
			return nil, false, storeError(r, name, err)
		}
		r.noteWrite(wr.KV.ModRevision)
		nm.ResourceVersion = formatRV(wr.KV.ModRevision)
		return next, false, nil
	}
}

// storeDelete deletes key of r from the store, guarded by its mod
// revision, recording the deletion in r's deletion ledger (when r has a
// TTL) so that the watch cache does not take it for a lease expiry. The
// ledger may hand back objects of key that the store expired meanwhile:
// they are released here.
func (s *Server) storeDelete(ctx context.Context, r *resource, key string, modRev int64) (store.WriteResponse, error) {
	r.deletes.begin(key)
	dr, err := s.store.Delete(ctx, key, store.DeleteOptions{ExpectedModRevision: modRev})
	rev := int64(0)
	if err == nil {
		rev = dr.KV.ModRevision
	}
	for _, obj := range r.deletes.end(key, rev) {
		s.afterDelete(ctx, r, obj)
	}
	return dr, err
}

// afterDelete runs what follows the removal of an object: what it held
// (a service's cluster IP and node ports) and the quota it used are
// released.
func (s *Server) afterDelete(ctx context.Context, r *resource, obj metav1.Object) {
	if r.releaseAll != nil {
		r.releaseAll(context.WithoutCancel(ctx), obj)
	}
	if s.quota != nil {
		s.quota.releaseObject(context.WithoutCancel(ctx), r, obj)
	}
}

// refundQuota gives back what quota admission charged for a write that
// then failed.
func (s *Server) refundQuota(ctx context.Context, a *Attributes) {
	if s.quota != nil {
		s.quota.refund(context.WithoutCancel(ctx), a)
	}
}
