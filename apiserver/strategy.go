package apiserver

import (
	"time"

	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/fields"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Strategy is a kind's behaviour on writes: defaulting, what a client may
// change on create, update and status update, validation, which fields a
// field selector may use, graceful deletion and the scale subresource.
// Every field is optional: a nil function means the generic behaviour
// stated on it, so the zero Strategy serves a kind the way Kubernetes
// serves a custom resource with a status subresource.
//
// Whatever the strategy, the server itself owns the system metadata: on
// create it sets uid (a random UUID v4), creationTimestamp, generation 1
// and a generated name for generateName, and clears resourceVersion,
// deletionTimestamp and deletionGracePeriodSeconds; on update it keeps
// uid, creationTimestamp, deletionTimestamp and deletionGracePeriodSeconds
// from the stored object, and raises generation by one when anything but
// metadata and status changed. The functions are called with objects the
// request owns (never with objects shared with other requests) from the
// request's goroutine; they must not keep them.
type Strategy[PT any] struct {
	// Default fills in defaults; it runs on every create and update body
	// before anything else. Nil: defaults.Object, which knows every kind
	// of Rigging's api packages and leaves other kinds alone.
	Default func(obj PT)
	// PrepareForCreate clears or sets what a client may not choose on
	// create. Nil: the status is reset to its zero value.
	PrepareForCreate func(obj PT)
	// PrepareForUpdate makes obj (the client's new object) keep what an
	// update of the main resource may not change; old is the stored
	// object. Nil: obj's status is set to old's.
	PrepareForUpdate func(obj, old PT)
	// PrepareForStatusUpdate does the same for an update through the
	// status subresource. Nil: everything but the status is set to old's
	// (metadata included, apart from resourceVersion).
	PrepareForStatusUpdate func(obj, old PT)
	// Validate checks an object being created. Nil: validation.Object,
	// or, for a kind it does not know, the metadata rules alone (a name
	// that is a DNS subdomain, a namespace exactly when Namespaced).
	Validate func(obj PT) field.ErrorList
	// ValidateUpdate checks an update (of the main resource or of a
	// subresource) against the stored object. Nil: validation.ObjectUpdate,
	// or the metadata update rules for a kind it does not know.
	ValidateUpdate func(obj, old PT) field.ErrorList
	// Fields returns the fields of obj that a field selector may use
	// besides metadata.name and metadata.namespace, which every kind has.
	// It must return the same keys for every object, the zero one
	// included: those keys are the selectable fields, and a selector on
	// any other field is refused with 400. The server keeps the set
	// with its cached copy of obj and only reads it: return a new map
	// each call (or one that is never modified). Nil: none.
	Fields func(obj PT) fields.Set
	// GracePeriod returns the grace period of a delete, given the period
	// the client asked for (nil when it asked for none). A positive period
	// makes the delete graceful: the object gets a deletionTimestamp and
	// stays until a delete with period 0. Nil: every delete is immediate
	// (unless finalizers hold the object).
	GracePeriod func(obj PT, requested *int64) int64
	// Scale, when set, serves the autoscaling/v1 Scale subresource.
	Scale *ScaleStrategy[PT]
	// TTL, when positive, makes objects expire: every create and update
	// attaches the object to a store lease, and the store deletes it
	// (watchers see DELETED) once TTL has passed since its last write
	// without another write, as Kubernetes expires events after
	// --event-ttl. One lease serves the writes of a short window (60 s,
	// or 5% of TTL in whole seconds when that is less), and is granted
	// for TTL plus that window, so an object lives at least TTL and at
	// most TTL plus the window after its last write. A write costs a
	// lease grant (a store call) once per window. An object that expires
	// gives back its ResourceQuota usage as a deleted one does (the server
	// that granted its lease releases it). The built-in events use
	// Options.EventTTL. Zero: objects live until deleted; negative makes
	// Register fail.
	TTL time.Duration
}

// ScaleStrategy reads and writes the replica count behind a scale
// subresource.
type ScaleStrategy[PT any] struct {
	// Get returns the desired and observed replicas and the pod selector
	// in its query string form.
	Get func(obj PT) (specReplicas, statusReplicas int32, selector string)
	// Set sets the desired replicas.
	Set func(obj PT, replicas int32)
}

// erasedStrategy is a Strategy with the type parameter erased; nil
// functions keep the generic behaviour.
type erasedStrategy struct {
	defaults               func(metav1.Object)
	prepareForCreate       func(metav1.Object)
	prepareForUpdate       func(obj, old metav1.Object)
	prepareForStatusUpdate func(obj, old metav1.Object)
	validate               func(metav1.Object) field.ErrorList
	validateUpdate         func(obj, old metav1.Object) field.ErrorList
	fields                 func(metav1.Object) fields.Set
	gracePeriod            func(obj metav1.Object, requested *int64) int64
	scaleGet               func(obj metav1.Object) (int32, int32, string)
	scaleSet               func(obj metav1.Object, replicas int32)
}

// erase returns st with the type parameter erased.
func (st Strategy[PT]) erase() erasedStrategy {
	var e erasedStrategy
	if f := st.Default; f != nil {
		e.defaults = func(o metav1.Object) { f(o.(PT)) }
	}
	if f := st.PrepareForCreate; f != nil {
		e.prepareForCreate = func(o metav1.Object) { f(o.(PT)) }
	}
	if f := st.PrepareForUpdate; f != nil {
		e.prepareForUpdate = func(o, old metav1.Object) { f(o.(PT), old.(PT)) }
	}
	if f := st.PrepareForStatusUpdate; f != nil {
		e.prepareForStatusUpdate = func(o, old metav1.Object) { f(o.(PT), old.(PT)) }
	}
	if f := st.Validate; f != nil {
		e.validate = func(o metav1.Object) field.ErrorList { return f(o.(PT)) }
	}
	if f := st.ValidateUpdate; f != nil {
		e.validateUpdate = func(o, old metav1.Object) field.ErrorList { return f(o.(PT), old.(PT)) }
	}
	if f := st.Fields; f != nil {
		e.fields = func(o metav1.Object) fields.Set { return f(o.(PT)) }
	}
	if f := st.GracePeriod; f != nil {
		e.gracePeriod = func(o metav1.Object, req *int64) int64 { return f(o.(PT), req) }
	}
	if sc := st.Scale; sc != nil && sc.Get != nil && sc.Set != nil {
		get, set := sc.Get, sc.Set
		e.scaleGet = func(o metav1.Object) (int32, int32, string) { return get(o.(PT)) }
		e.scaleSet = func(o metav1.Object, n int32) { set(o.(PT), n) }
	}
	return e
}

// applyDefaults fills in obj's defaults.
func (r *resource) applyDefaults(obj metav1.Object) {
	if r.st.defaults != nil {
		r.st.defaults(obj)
		return
	}
	defaultObject(obj)
}

// prepareForCreate clears what a client may not set on create.
func (r *resource) prepareForCreate(obj metav1.Object) {
	if r.st.prepareForCreate != nil {
		r.st.prepareForCreate(obj)
		return
	}
	r.resetStatus(obj)
}

// prepareForUpdate keeps what an update of the main resource may not
// change.
func (r *resource) prepareForUpdate(obj, old metav1.Object) {
	if r.st.prepareForUpdate != nil {
		r.st.prepareForUpdate(obj, old)
		return
	}
	r.copyStatus(obj, old)
}

// prepareForStatusUpdate keeps what a status update may not change.
func (r *resource) prepareForStatusUpdate(obj, old metav1.Object) {
	if r.st.prepareForStatusUpdate != nil {
		r.st.prepareForStatusUpdate(obj, old)
		return
	}
	r.copySpec(obj, old)
	m := obj.GetObjectMeta()
	rv := m.ResourceVersion
	*m = *old.GetObjectMeta()
	m.ResourceVersion = rv
}

// validateCreate checks an object being created.
func (r *resource) validateCreate(obj metav1.Object) field.ErrorList {
	if r.st.validate != nil {
		return r.st.validate(obj)
	}
	if errs, known := validateObject(obj); known {
		return errs
	}
	return validateMeta(obj.GetObjectMeta(), r.info.Namespaced)
}

// validateUpdate checks an update against the stored object.
func (r *resource) validateUpdate(obj, old metav1.Object) field.ErrorList {
	if r.st.validateUpdate != nil {
		return r.st.validateUpdate(obj, old)
	}
	if errs, known := validateObjectUpdate(obj, old); known {
		return errs
	}
	return validateMetaUpdate(obj.GetObjectMeta(), old.GetObjectMeta())
}
