package framework

import (
	"errors"
	"fmt"
	"strings"
)

// Code is the outcome of running a plugin.
type Code int

// The status codes, with Kubernetes' names and meanings.
const (
	// Success: the plugin ran and the pod may proceed. A nil *Status also
	// means Success.
	Success Code = iota
	// Error: an internal error, not a verdict on the pod; the pod is
	// retried with backoff.
	Error
	// Unschedulable: the pod does not fit now, but preemption (PostFilter)
	// may make room, or a cluster event may change the verdict.
	Unschedulable
	// UnschedulableAndUnresolvable: the pod does not fit and preemption
	// cannot help on this node (for example a node selector that does not
	// match); PostFilter skips such nodes.
	UnschedulableAndUnresolvable
	// Wait: a Permit plugin holds the pod until it is allowed or rejected,
	// or its timeout passes.
	Wait
	// Skip: from PreFilter or PreScore, the plugin has nothing to do for
	// this pod and its Filter or Score is not run; from Bind, the plugin
	// leaves the pod to the next Bind plugin.
	Skip
	// Pending: the pod waits for something outside the scheduler (such as
	// a volume being provisioned); it is not rejected and goes back to the
	// queue without backoff when the awaited event comes.
	Pending
)

var codeNames = [...]string{"Success", "Error", "Unschedulable", "UnschedulableAndUnresolvable", "Wait", "Skip", "Pending"}

// String returns the code's name, such as "Unschedulable".
func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// Status is the answer of a plugin: a Code, human-readable reasons, an
// optional error for the Error code, and the name of the plugin that gave
// it. A nil *Status means Success, and every method accepts a nil receiver.
//
// A Status is not safe for concurrent modification; the framework builds a
// fresh one per answer.
type Status struct {
	code    Code
	reasons []string
	err     error
	plugin  string
}

// NewStatus returns a Status with the code and reasons. Plugins return nil
// rather than NewStatus(Success).
func NewStatus(code Code, reasons ...string) *Status {
	s := &Status{code: code, reasons: reasons}
	if code == Error && len(reasons) > 0 {
		s.err = errors.New(strings.Join(reasons, ", "))
	}
	return s
}

// AsStatus wraps err in a Status with code Error; a nil err gives nil
// (Success).
func AsStatus(err error) *Status {
	if err == nil {
		return nil
	}
	return &Status{code: Error, reasons: []string{err.Error()}, err: err}
}

// Code returns the code; Success for a nil Status.
func (s *Status) Code() Code {
	if s == nil {
		return Success
	}
	return s.code
}

// Reasons returns the reasons. The caller must not modify the result.
func (s *Status) Reasons() []string {
	if s == nil {
		return nil
	}
	if s.err != nil && len(s.reasons) == 0 {
		return []string{s.err.Error()}
	}
	return s.reasons
}

// Message returns the reasons joined by ", ".
func (s *Status) Message() string {
	return strings.Join(s.Reasons(), ", ")
}

// AppendReason adds a reason. It does nothing on a nil Status.
func (s *Status) AppendReason(reason string) {
	if s != nil {
		s.reasons = append(s.reasons, reason)
	}
}

// Plugin returns the name of the plugin that gave the status, set by the
// framework; "" for a nil Status.
func (s *Status) Plugin() string {
	if s == nil {
		return ""
	}
	return s.plugin
}

// WithPlugin sets the plugin name and returns s (nil stays nil).
func (s *Status) WithPlugin(name string) *Status {
	if s != nil {
		s.plugin = name
	}
	return s
}

// WithError sets the underlying error and returns s (nil stays nil).
func (s *Status) WithError(err error) *Status {
	if s != nil {
		s.err = err
	}
	return s
}

// IsSuccess reports whether the code is Success (true for nil).
func (s *Status) IsSuccess() bool { return s.Code() == Success }

// IsWait reports whether the code is Wait.
func (s *Status) IsWait() bool { return s.Code() == Wait }

// IsSkip reports whether the code is Skip.
func (s *Status) IsSkip() bool { return s.Code() == Skip }

// IsRejected reports whether the pod was rejected: the code is
// Unschedulable, UnschedulableAndUnresolvable or Pending.
func (s *Status) IsRejected() bool {
	c := s.Code()
	return c == Unschedulable || c == UnschedulableAndUnresolvable || c == Pending
}

// AsError returns nil for Success, Skip and Wait; otherwise an error whose
// text is the message, wrapping the underlying error when there is one.
func (s *Status) AsError() error {
	switch s.Code() {
	case Success, Skip, Wait:
		return nil
	}
	if s.err != nil {
		return s.err
	}
	return errors.New(s.Message())
}

// Err returns the underlying error given to AsStatus or WithError, or nil.
func (s *Status) Err() error {
	if s == nil {
		return nil
	}
	return s.err
}

// String returns "Code: message" (or "Success").
func (s *Status) String() string {
	if s.IsSuccess() {
		return "Success"
	}
	return s.Code().String() + ": " + s.Message()
}

// Equal reports whether s and o have the same code, reasons and plugin, and
// errors with the same text; it lets go-cmp compare statuses.
func (s *Status) Equal(o *Status) bool {
	if s == nil || o == nil {
		return s.IsSuccess() && o.IsSuccess() && s.Plugin() == o.Plugin()
	}
	if s.code != o.code || s.plugin != o.plugin || len(s.reasons) != len(o.reasons) {
		return false
	}
	for i := range s.reasons {
		if s.reasons[i] != o.reasons[i] {
			return false
		}
	}
	if (s.err == nil) != (o.err == nil) {
		return false
	}
	return s.err == nil || s.err.Error() == o.err.Error()
}
