package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store"
)

// Every error a client sees is a *metav1.Status with Kubernetes' reason,
// code and message text. The functions below build them; storeError maps
// the store's errors onto them in one place, and writeError sends them.

// newStatus returns a failure Status.
func newStatus(code int32, reason metav1.StatusReason, msg string, details *metav1.StatusDetails) *metav1.Status {
	return &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   reason,
		Details:  details,
		Code:     code,
	}
}

// errNotFound: `pods "web" not found`.
func errNotFound(r *resource, name string) *metav1.Status {
	return newStatus(http.StatusNotFound, metav1.StatusReasonNotFound,
		fmt.Sprintf("%s %q not found", r.qualifiedResource, name),
		&metav1.StatusDetails{Name: name, Group: r.info.Group, Kind: r.info.Plural})
}

// errAlreadyExists: `pods "web" already exists`.
func errAlreadyExists(r *resource, name string) *metav1.Status {
	return newStatus(http.StatusConflict, metav1.StatusReasonAlreadyExists,
		fmt.Sprintf("%s %q already exists", r.qualifiedResource, name),
		&metav1.StatusDetails{Name: name, Group: r.info.Group, Kind: r.info.Plural})
}

// conflictModified is Kubernetes' text for a stale resourceVersion.
const conflictModified = "the object has been modified; please apply your changes to the latest version and try again"

// errConflict: `Operation cannot be fulfilled on pods "web": <why>`.
func errConflict(r *resource, name, why string) *metav1.Status {
	return newStatus(http.StatusConflict, metav1.StatusReasonConflict,
		fmt.Sprintf("Operation cannot be fulfilled on %s %q: %s", r.qualifiedResource, name, why),
		&metav1.StatusDetails{Name: name, Group: r.info.Group, Kind: r.info.Plural})
}

// errInvalid: `Pod "web" is invalid: spec.containers[0].image: Required
// value`, with one cause per field error.
func errInvalid(qualifiedKind, group, kind, name string, errs field.ErrorList) *metav1.Status {
	causes := make([]metav1.StatusCause, 0, len(errs))
	for _, e := range errs {
		causes = append(causes, metav1.StatusCause{
			Type:    metav1.CauseType(e.Type),
			Message: e.ErrorBody(),
			Field:   e.Field,
		})
	}
	msg := fmt.Sprintf("%s %q is invalid", qualifiedKind, name)
	if agg := errs.ToAggregate(); agg != nil {
		msg += ": " + agg.Error()
	}
	return newStatus(http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, msg,
		&metav1.StatusDetails{Name: name, Group: group, Kind: kind, Causes: causes})
}

// errInvalidObject is errInvalid for an object of r.
func errInvalidObject(r *resource, name string, errs field.ErrorList) *metav1.Status {
	return errInvalid(r.qualifiedKind, r.info.Group, r.info.Kind, name, errs)
}

// errInvalidOptions reports bad list or watch parameters as Kubernetes
// does: `ListOptions.meta.k8s.io "" is invalid: ...`.
func errInvalidOptions(errs field.ErrorList) *metav1.Status {
	return errInvalid("ListOptions.meta.k8s.io", "meta.k8s.io", "ListOptions", "", errs)
}

// errBadRequest is a 400 with msg.
func errBadRequest(msg string) *metav1.Status {
	return newStatus(http.StatusBadRequest, metav1.StatusReasonBadRequest, msg, nil)
}

// errMethodNotAllowed is a 405.
func errMethodNotAllowed(method string) *metav1.Status {
	return newStatus(http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
		fmt.Sprintf("the server does not allow this method on the requested resource (%s)", method), nil)
}

// errPathNotFound is the 404 of a path that names nothing.
func errPathNotFound() *metav1.Status {
	return newStatus(http.StatusNotFound, metav1.StatusReasonNotFound,
		"the server could not find the requested resource", &metav1.StatusDetails{})
}

// errUnsupportedMediaType is a 415.
func errUnsupportedMediaType(msg string) *metav1.Status {
	return newStatus(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType, msg, nil)
}

// errNotAcceptable is a 406.
func errNotAcceptable(accept string) *metav1.Status {
	return newStatus(http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable,
		fmt.Sprintf("only the following media types are accepted: application/json (Accept: %q)", accept), nil)
}

// errTooManyRequests is the 429 of max-in-flight; the caller sets
// Retry-After.
func errTooManyRequests() *metav1.Status {
	return newStatus(http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests,
		"Too many requests, please try again later.", &metav1.StatusDetails{RetryAfterSeconds: 1})
}

// errEntityTooLarge is a 413.
func errEntityTooLarge(limit int64) *metav1.Status {
	return newStatus(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
		"Request entity too large: limit is "+strconv.FormatInt(limit, 10), nil)
}

// errExpired is a 410 Gone with reason Expired.
func errExpired(msg string) *metav1.Status {
	return newStatus(http.StatusGone, metav1.StatusReasonExpired, msg, nil)
}

// errTooOldResourceVersion is the 410 of a watch or exact read from a
// revision no longer available; oldest is the oldest one that is.
func errTooOldResourceVersion(requested, oldest int64) *metav1.Status {
	return errExpired(fmt.Sprintf("too old resource version: %d (%d)", requested, oldest))
}

// errForbidden: `pods "web" is forbidden: <err>`.
func errForbidden(r *resource, name string, err error) *metav1.Status {
	return newStatus(http.StatusForbidden, metav1.StatusReasonForbidden,
		fmt.Sprintf("%s %q is forbidden: %v", r.qualifiedResource, name, err),
		&metav1.StatusDetails{Name: name, Group: r.info.Group, Kind: r.info.Plural})
}

// errInternal is a 500 for a fault that is not the client's.
func errInternal(err error) *metav1.Status {
	return newStatus(http.StatusInternalServerError, metav1.StatusReasonInternalError,
		fmt.Sprintf("Internal error occurred: %v", err),
		&metav1.StatusDetails{Causes: []metav1.StatusCause{{Message: err.Error()}}})
}

// errTimeout is the 504 of a request that ran out of time.
func errTimeout() *metav1.Status {
	return newStatus(http.StatusGatewayTimeout, metav1.StatusReasonTimeout,
		"Timeout: request did not complete within the allotted timeout", &metav1.StatusDetails{RetryAfterSeconds: 1})
}

// errServiceUnavailable is a 503.
func errServiceUnavailable(msg string) *metav1.Status {
	return newStatus(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, msg, nil)
}

// errContinueExpired is the 410 of a continue token whose revision was
// compacted.
func errContinueExpired() *metav1.Status {
	return errExpired("The provided continue parameter is too old to display a consistent list result. " +
		"You can start a new list without the continue parameter.")
}

// storeError maps an error of the store (or of the request's context) to
// the Status a client gets, for an operation on the object name of r. It is
// the one place where store errors become HTTP codes:
//
//	ErrNotFound -> 404 NotFound      ErrExists    -> 409 AlreadyExists
//	ErrConflict -> 409 Conflict      ErrCompacted -> 410 Expired
//	ErrTooLarge -> 413               ErrInvalid   -> 400 BadRequest
//	ErrFutureRevision -> 504 Timeout (Kubernetes' "Too large resource version")
//	ErrClosed   -> 503               context deadline -> 504 Timeout
//
// A *metav1.Status passes through unchanged; anything else is a 500.
func storeError(r *resource, name string, err error) error {
	var st *metav1.Status
	var ce *store.CompactedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &st):
		return st
	case errors.Is(err, store.ErrNotFound):
		return errNotFound(r, name)
	case errors.Is(err, store.ErrExists):
		return errAlreadyExists(r, name)
	case errors.Is(err, store.ErrConflict):
		return errConflict(r, name, conflictModified)
	case errors.As(err, &ce):
		return errTooOldResourceVersion(ce.Requested, ce.Compacted)
	case errors.Is(err, store.ErrCompacted):
		return errExpired("The resourceVersion for the provided list is too old.")
	case errors.Is(err, store.ErrTooLarge):
		return newStatus(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
			fmt.Sprintf("Request entity too large: %v", err), nil)
	case errors.Is(err, store.ErrInvalid):
		return errBadRequest(err.Error())
	case errors.Is(err, store.ErrFutureRevision):
		st := errTimeout()
		st.Message = "Too large resource version"
		st.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeResourceVersionTooLarge, Message: err.Error()}}
		return st
	case errors.Is(err, store.ErrClosed):
		return errServiceUnavailable("the storage is shutting down")
	case errors.Is(err, context.DeadlineExceeded):
		return errTimeout()
	case errors.Is(err, context.Canceled):
		return errTimeout()
	}
	return errInternal(err)
}

// asStatus returns err as a Status: itself when it is one, else a 500.
func asStatus(err error) *metav1.Status {
	var st *metav1.Status
	if errors.As(err, &st) {
		return st
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return errTimeout()
	}
	return errInternal(err)
}
