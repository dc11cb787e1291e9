package v1

import (
	"github.com/rigging-dev/rigging/api/types"
)

// Status is the API's error object and the result of operations that return
// no object, with Kubernetes' JSON shape: kind "Status", apiVersion "v1".
type Status struct {
	TypeMeta `json:",inline"`
	ListMeta `json:"metadata,omitempty,omitzero"`
	// Status is "Success" or "Failure".
	Status string `json:"status,omitempty"`
	// Message is a human-readable description of the failure.
	Message string `json:"message,omitempty"`
	// Reason is a machine-readable cause; empty means none is known.
	Reason StatusReason `json:"reason,omitempty"`
	// Details carries reason-specific data: the object named and causes.
	Details *StatusDetails `json:"details,omitempty"`
	// Code is the HTTP status code of the response.
	Code int32 `json:"code,omitempty"`
}

// Error makes a *Status usable as an error; it returns the Message.
func (s *Status) Error() string { return s.Message }

// The values of Status.Status.
const (
	StatusSuccess = "Success"
	StatusFailure = "Failure"
)

// StatusDetails names the object an error is about and lists its causes.
type StatusDetails struct {
	Name              string        `json:"name,omitempty"`
	Group             string        `json:"group,omitempty"`
	Kind              string        `json:"kind,omitempty"`
	UID               types.UID     `json:"uid,omitempty"`
	Causes            []StatusCause `json:"causes,omitempty"`
	RetryAfterSeconds int32         `json:"retryAfterSeconds,omitempty"`
}

// StatusCause is one cause of a failure, usually a field error.
type StatusCause struct {
	Type    CauseType `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
	Field   string    `json:"field,omitempty"`
}

// CauseType is the machine-readable kind of a StatusCause.
type CauseType string

// The cause types Kubernetes defines.
const (
	CauseTypeFieldValueNotFound       CauseType = "FieldValueNotFound"
	CauseTypeFieldValueRequired       CauseType = "FieldValueRequired"
	CauseTypeFieldValueDuplicate      CauseType = "FieldValueDuplicate"
	CauseTypeFieldValueInvalid        CauseType = "FieldValueInvalid"
	CauseTypeFieldValueNotSupported   CauseType = "FieldValueNotSupported"
	CauseTypeFieldValueForbidden      CauseType = "FieldValueForbidden"
	CauseTypeFieldValueTooLong        CauseType = "FieldValueTooLong"
	CauseTypeFieldValueTooMany        CauseType = "FieldValueTooMany"
	CauseTypeInternal                 CauseType = "InternalError"
	CauseTypeTypeInvalid              CauseType = "FieldValueTypeInvalid"
	CauseTypeUnexpectedServerResponse CauseType = "UnexpectedServerResponse"
	CauseTypeFieldManagerConflict     CauseType = "FieldManagerConflict"
	CauseTypeResourceVersionTooLarge  CauseType = "ResourceVersionTooLarge"
)

// StatusReason is the machine-readable reason of a failure; each maps to one
// HTTP status code, as listed beside it.
type StatusReason string

// The status reasons Kubernetes defines, with their HTTP codes.
const (
	StatusReasonUnknown               StatusReason = ""                      // 500
	StatusReasonUnauthorized          StatusReason = "Unauthorized"          // 401
	StatusReasonForbidden             StatusReason = "Forbidden"             // 403
	StatusReasonNotFound              StatusReason = "NotFound"              // 404
	StatusReasonAlreadyExists         StatusReason = "AlreadyExists"         // 409
	StatusReasonConflict              StatusReason = "Conflict"              // 409
	StatusReasonGone                  StatusReason = "Gone"                  // 410
	StatusReasonInvalid               StatusReason = "Invalid"               // 422
	StatusReasonServerTimeout         StatusReason = "ServerTimeout"         // 500
	StatusReasonStoreReadError        StatusReason = "StorageReadError"      // 500
	StatusReasonTimeout               StatusReason = "Timeout"               // 504
	StatusReasonTooManyRequests       StatusReason = "TooManyRequests"       // 429
	StatusReasonBadRequest            StatusReason = "BadRequest"            // 400
	StatusReasonMethodNotAllowed      StatusReason = "MethodNotAllowed"      // 405
	StatusReasonNotAcceptable         StatusReason = "NotAcceptable"         // 406
	StatusReasonRequestEntityTooLarge StatusReason = "RequestEntityTooLarge" // 413
	StatusReasonUnsupportedMediaType  StatusReason = "UnsupportedMediaType"  // 415
	StatusReasonInternalError         StatusReason = "InternalError"         // 500
	StatusReasonExpired               StatusReason = "Expired"               // 410
	StatusReasonServiceUnavailable    StatusReason = "ServiceUnavailable"    // 503
)
