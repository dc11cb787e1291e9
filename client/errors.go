package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// APIError is a failure the API server reported: the metav1.Status it sent
// (or, when the body was not a Status, one synthesized from the HTTP code, as
// client-go does), with the request that failed. Test for particular failures
// with IsNotFound, IsConflict and the other Is functions, which see through
// wrapping with errors.As.
type APIError struct {
	// Status is the server's Status object. Code is always set; Reason is
	// empty when the server gave none and the HTTP code maps to none.
	Status metav1.Status
	// Method and Path name the request ("GET",
	// "/api/v1/namespaces/default/pods/web"); empty for errors that arrived
	// as watch ERROR events.
	Method, Path string
}

// Error reports the request and the server's message, like
// `GET /api/v1/namespaces/default/pods/web: pods "web" not found (NotFound, 404)`.
func (e *APIError) Error() string {
	var b strings.Builder
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	msg := e.Status.Message
	if msg == "" {
		msg = "the server reported an error"
	}
	b.WriteString(msg)
	reason := string(e.Status.Reason)
	if reason == "" {
		reason = "Unknown"
	}
	fmt.Fprintf(&b, " (%s, %d)", reason, e.Status.Code)
	return b.String()
}

// newAPIError builds the error for a failed response with the given code and
// body. A body that decodes as a Status is used as is;
// anything else becomes a Status with the reason and message that
// Kubernetes' clients synthesize for the code, carrying up to 256 bytes of
// the body in the message.
func newAPIError(method, path string, code int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path}
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err == nil && isStatus(st) {
		e.Status = st
		if e.Status.Code == 0 {
			e.Status.Code = int32(code)
		}
		if e.Status.Status == "" {
			e.Status.Status = metav1.StatusFailure
		}
		return e
	}
	reason, msg := reasonForCode(code)
	if text := strings.TrimSpace(string(body)); text != "" {
		if len(text) > 256 {
			text = text[:256] + "..."
		}
		msg = fmt.Sprintf("%s: %s", msg, text)
	}
	e.Status = metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Code:     int32(code),
		Reason:   reason,
		Message:  msg,
	}
	return e
}

// isStatus reports whether a decoded body is a Status: of kind Status, or
// without a kind but with a Status' fields.
func isStatus(st metav1.Status) bool {
	if st.Kind != "" {
		return st.Kind == "Status"
	}
	return st.Status == metav1.StatusFailure && (st.Code != 0 || st.Reason != "" || st.Message != "")
}

// reasonForCode is the reason and message client-go gives a response whose
// body is not a Status.
func reasonForCode(code int) (metav1.StatusReason, string) {
	switch code {
	case http.StatusConflict:
		return metav1.StatusReasonConflict, "the server reported a conflict"
	case http.StatusNotFound:
		return metav1.StatusReasonNotFound, "the server could not find the requested resource"
	case http.StatusBadRequest:
		return metav1.StatusReasonBadRequest, "the server rejected our request for an unknown reason"
	case http.StatusUnauthorized:
		return metav1.StatusReasonUnauthorized, "the server has asked for the client to provide credentials"
	case http.StatusForbidden:
		return metav1.StatusReasonForbidden, "the server does not allow access to the requested resource"
	case http.StatusNotAcceptable:
		return metav1.StatusReasonNotAcceptable, "the server was unable to respond with a content type that the client supports"
	case http.StatusUnsupportedMediaType:
		return metav1.StatusReasonUnsupportedMediaType, "the server was unable to respond with a content type that the client supports"
	case http.StatusMethodNotAllowed:
		return metav1.StatusReasonMethodNotAllowed, "the server does not allow this method on the requested resource"
	case http.StatusGone:
		return metav1.StatusReasonGone, "the server no longer has the requested resource"
	case http.StatusUnprocessableEntity:
		return metav1.StatusReasonInvalid, "the server rejected our request due to an error in our request"
	case http.StatusServiceUnavailable:
		return metav1.StatusReasonServiceUnavailable, "the server is currently unable to handle the request"
	case http.StatusGatewayTimeout:
		return metav1.StatusReasonTimeout, "the server was unable to return a response in the time allotted, but may still be processing the request"
	case http.StatusTooManyRequests:
		return metav1.StatusReasonTooManyRequests, "the server has received too many requests and has asked us to try again later"
	case http.StatusRequestEntityTooLarge:
		return metav1.StatusReasonRequestEntityTooLarge, "the server has rejected the request because it is too large"
	}
	if code >= 500 {
		return metav1.StatusReasonInternalError, fmt.Sprintf("an error on the server has prevented the request from succeeding (HTTP %d)", code)
	}
	return metav1.StatusReasonUnknown, fmt.Sprintf("the server responded with the status code %d but did not return more information", code)
}

// reasonAndCode returns the reason and code of the *APIError in err's chain,
// or "" and 0.
func reasonAndCode(err error) (metav1.StatusReason, int32) {
	var e *APIError
	if errors.As(err, &e) {
		return e.Status.Reason, e.Status.Code
	}
	return metav1.StatusReasonUnknown, 0
}

// ReasonForError returns the Status reason of the *APIError in err's chain:
// StatusReasonUnknown ("") for nil, for other errors and for Status objects
// without a reason.
func ReasonForError(err error) metav1.StatusReason {
	r, _ := reasonAndCode(err)
	return r
}

// StatusCode returns the HTTP status code of the *APIError in err's chain,
// or 0 when there is none.
func StatusCode(err error) int {
	_, c := reasonAndCode(err)
	return int(c)
}

// is reports whether err's reason is reason, or, when the server gave no
// reason, whether its code is code (the rule of Kubernetes' apierrors).
func is(err error, reason metav1.StatusReason, code int32) bool {
	r, c := reasonAndCode(err)
	if r == reason {
		return reason != metav1.StatusReasonUnknown || c != 0
	}
	return r == metav1.StatusReasonUnknown && c == code && c != 0
}

// IsNotFound reports whether err says the object or resource does not
// exist (reason NotFound, or code 404 without a reason).
func IsNotFound(err error) bool { return is(err, metav1.StatusReasonNotFound, http.StatusNotFound) }

// IsAlreadyExists reports whether err says a create found the name taken
// (reason AlreadyExists).
func IsAlreadyExists(err error) bool {
	return ReasonForError(err) == metav1.StatusReasonAlreadyExists
}

// IsConflict reports whether err says a write lost an optimistic-concurrency
// race (reason Conflict, or code 409 without a reason): re-read and retry.
func IsConflict(err error) bool { return is(err, metav1.StatusReasonConflict, http.StatusConflict) }

// IsGone reports whether err has reason Gone, or code 410 without a reason.
func IsGone(err error) bool { return is(err, metav1.StatusReasonGone, http.StatusGone) }

// IsResourceExpired reports whether err says the resourceVersion or continue
// token asked for is older than the server keeps (reason Expired): the
// caller must list afresh.
func IsResourceExpired(err error) bool {
	return ReasonForError(err) == metav1.StatusReasonExpired
}

// IsInvalid reports whether err says the object failed validation (reason
// Invalid, or code 422 without a reason); the Status details list the
// offending fields.
func IsInvalid(err error) bool {
	return is(err, metav1.StatusReasonInvalid, http.StatusUnprocessableEntity)
}

// IsTooManyRequests reports whether err says the server is throttling the
// client or, for an eviction, that a disruption budget forbids it now
// (reason TooManyRequests, or code 429 without a reason).
func IsTooManyRequests(err error) bool {
	return is(err, metav1.StatusReasonTooManyRequests, http.StatusTooManyRequests)
}

// IsForbidden reports whether err says the caller may not do this (reason
// Forbidden, or code 403 without a reason).
func IsForbidden(err error) bool { return is(err, metav1.StatusReasonForbidden, http.StatusForbidden) }

// IsUnauthorized reports whether err says the caller was not authenticated
// (reason Unauthorized, or code 401 without a reason).
func IsUnauthorized(err error) bool {
	return is(err, metav1.StatusReasonUnauthorized, http.StatusUnauthorized)
}

// IsBadRequest reports whether err has reason BadRequest, or code 400
// without a reason.
func IsBadRequest(err error) bool {
	return is(err, metav1.StatusReasonBadRequest, http.StatusBadRequest)
}

// IsMethodNotSupported reports whether err has reason MethodNotAllowed, or
// code 405 without a reason.
func IsMethodNotSupported(err error) bool {
	return is(err, metav1.StatusReasonMethodNotAllowed, http.StatusMethodNotAllowed)
}

// IsInternalError reports whether err has reason InternalError, or code 500
// without a reason.
func IsInternalError(err error) bool {
	return is(err, metav1.StatusReasonInternalError, http.StatusInternalServerError)
}

// IsServiceUnavailable reports whether err has reason ServiceUnavailable, or
// code 503 without a reason.
func IsServiceUnavailable(err error) bool {
	return is(err, metav1.StatusReasonServiceUnavailable, http.StatusServiceUnavailable)
}

// isExpiredOrGone reports whether err means "the revision asked for is no
// longer available" in either of the forms servers send: reason Expired or
// Gone, or any 410.
func isExpiredOrGone(err error) bool {
	r, c := reasonAndCode(err)
	return r == metav1.StatusReasonExpired || r == metav1.StatusReasonGone || c == http.StatusGone
}

// SuggestsClientDelay returns the retryAfterSeconds the server put in err's
// Status details, and whether it put one there.
func SuggestsClientDelay(err error) (seconds int, ok bool) {
	var e *APIError
	if errors.As(err, &e) && e.Status.Details != nil && e.Status.Details.RetryAfterSeconds > 0 {
		return int(e.Status.Details.RetryAfterSeconds), true
	}
	return 0, false
}
