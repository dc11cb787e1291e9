package apiserver

import (
	"context"
	"errors"
	"slices"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Operation is what a request does to an object, as admission sees it.
type Operation string

// The operations.
const (
	Create  Operation = "CREATE"
	Update  Operation = "UPDATE"
	Delete  Operation = "DELETE"
	Connect Operation = "CONNECT"
)

// Attributes describe one write for admission plugins.
type Attributes struct {
	// Operation is CREATE, UPDATE or DELETE. Creates through a
	// subresource (pods/binding, pods/eviction) are CREATE with
	// Subresource set; a status or scale update is UPDATE.
	Operation Operation
	// Group, Version and Kind are the kind of Object (for a subresource,
	// of the main resource).
	Group, Version, Kind string
	// Resource is the plural resource name ("pods"); Subresource is
	// "status", "scale", "binding", "eviction", "finalize" or empty.
	Resource, Subresource string
	// Namespace and Name name the object; Name is set once the server
	// generated it (it is empty in mutating admission of a create that
	// uses generateName).
	Namespace, Name string
	// Object is the object being written: a pointer to the kind's Go type
	// (*corev1.Pod). Mutating plugins may modify it; validating ones must
	// not. Nil for DELETE.
	Object metav1.Object
	// OldObject is the stored object for UPDATE and DELETE, nil for
	// CREATE. Plugins must not modify it.
	OldObject metav1.Object
	// DryRun is true when the request will not be persisted: plugins must
	// not have side effects then.
	DryRun bool

	// quotaCharges is what quota admission charged, to give back when the
	// write fails.
	quotaCharges []quotaCharge
}

// MutatingAdmission may change an object before it is validated and
// stored. Admit is called from the request's goroutine; an error refuses
// the request: a *metav1.Status is sent as it is, any other error as 403
// Forbidden ("pods \"web\" is forbidden: <error>").
type MutatingAdmission interface {
	Admit(ctx context.Context, a *Attributes) error
}

// ValidatingAdmission accepts or refuses a write after it has been
// mutated and validated, just before it is stored. Errors are sent as for
// MutatingAdmission.
type ValidatingAdmission interface {
	Validate(ctx context.Context, a *Attributes) error
}

// MutatingAdmissionFunc adapts a function to MutatingAdmission.
type MutatingAdmissionFunc func(ctx context.Context, a *Attributes) error

// Admit calls f.
func (f MutatingAdmissionFunc) Admit(ctx context.Context, a *Attributes) error { return f(ctx, a) }

// ValidatingAdmissionFunc adapts a function to ValidatingAdmission.
type ValidatingAdmissionFunc func(ctx context.Context, a *Attributes) error

// Validate calls f.
func (f ValidatingAdmissionFunc) Validate(ctx context.Context, a *Attributes) error { return f(ctx, a) }

// builtinAdmission are the names of the built-in plugins, in the order
// they run.
var builtinAdmission = []string{"NamespaceLifecycle", "ServiceAccount", "DefaultTolerationSeconds", "Priority", "ResourceQuota"}

// isBuiltinAdmission reports whether name is a built-in plugin.
func isBuiltinAdmission(name string) bool { return slices.Contains(builtinAdmission, name) }

// admissionChain is the plugins of a server: mutating ones run in order,
// then validating ones.
type admissionChain struct {
	mutating   []MutatingAdmission
	validating []ValidatingAdmission
}

// newAdmissionChain builds the built-in plugins that are not disabled, then
// the user's.
func (s *Server) newAdmissionChain() admissionChain {
	var c admissionChain
	on := func(name string) bool { return !slices.Contains(s.opts.DisableAdmission, name) }
	if on("NamespaceLifecycle") {
		c.validating = append(c.validating, &namespaceLifecycle{s: s})
	}
	if on("ServiceAccount") {
		c.mutating = append(c.mutating, MutatingAdmissionFunc(admitServiceAccount))
	}
	if on("DefaultTolerationSeconds") {
		c.mutating = append(c.mutating, MutatingAdmissionFunc(admitDefaultTolerationSeconds))
	}
	if on("Priority") {
		p := &priorityAdmission{s: s}
		c.mutating = append(c.mutating, p)
		c.validating = append(c.validating, ValidatingAdmissionFunc(p.validate))
	}
	if on("ResourceQuota") {
		s.quota = &quotaAdmission{s: s}
		c.validating = append(c.validating, s.quota)
		if qr := s.lookup("", "resourcequotas"); qr != nil {
			qr.prepareHook = s.quota.prepareQuota
		}
	}
	c.mutating = append(c.mutating, s.opts.Mutating...)
	c.validating = append(c.validating, s.opts.Validating...)
	return c
}

// admit runs the mutating plugins.
func (s *Server) admit(ctx context.Context, r *resource, a *Attributes) error {
	for _, p := range s.admission.mutating {
		if err := p.Admit(ctx, a); err != nil {
			return admissionError(r, a.Name, err)
		}
	}
	return nil
}

// validateAdmission runs the validating plugins.
func (s *Server) validateAdmission(ctx context.Context, r *resource, a *Attributes) error {
	for _, p := range s.admission.validating {
		if err := p.Validate(ctx, a); err != nil {
			return admissionError(r, a.Name, err)
		}
	}
	return nil
}

// admissionError turns a plugin's error into a Status.
func admissionError(r *resource, name string, err error) error {
	var st *metav1.Status
	if errors.As(err, &st) {
		return st
	}
	return errForbidden(r, name, err)
}

// attributes returns the admission attributes of a write.
func attributes(op Operation, r *resource, sub, namespace, name string, obj, old metav1.Object, dryRun bool) *Attributes {
	return &Attributes{
		Operation: op, Group: r.info.Group, Version: r.info.Version, Kind: r.info.Kind,
		Resource: r.info.Plural, Subresource: sub, Namespace: namespace, Name: name,
		Object: obj, OldObject: old, DryRun: dryRun,
	}
}
