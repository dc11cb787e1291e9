package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Event reports something that happened to an object (the InvolvedObject),
// for people and tools to read. Events are informational and short-lived;
// nothing may depend on them for correctness. Repeats of the same event
// are folded into one object by raising Count (or Series.Count).
type Event struct {
	metav1.TypeMeta `json:",inline"`
	// ObjectMeta is tagged without omitempty, as Kubernetes tags it: an
	// Event always has metadata.
	metav1.ObjectMeta `json:"metadata"`

	// InvolvedObject is the object the event is about.
	InvolvedObject ObjectReference `json:"involvedObject"`
	// Reason is a short CamelCase reason, such as "FailedScheduling".
	Reason string `json:"reason,omitempty"`
	// Message is a human-readable description.
	Message string `json:"message,omitempty"`
	// Source is the component that reported the event (older reporters).
	Source EventSource `json:"source,omitempty,omitzero"`
	// FirstTimestamp is when the event was first recorded.
	FirstTimestamp metav1.Time `json:"firstTimestamp,omitempty,omitzero"`
	// LastTimestamp is when the event was last recorded.
	LastTimestamp metav1.Time `json:"lastTimestamp,omitempty,omitzero"`
	// Count is how many times the event occurred.
	Count int32 `json:"count,omitempty"`
	// Type is EventTypeNormal or EventTypeWarning.
	Type string `json:"type,omitempty"`
	// EventTime is when the event first occurred, with microseconds
	// (newer reporters).
	EventTime metav1.MicroTime `json:"eventTime,omitempty,omitzero"`
	// Series is set for an event that repeats, instead of Count.
	Series *EventSeries `json:"series,omitempty"`
	// Action is what was done or failed, such as "Binding".
	Action string `json:"action,omitempty"`
	// Related is a second object involved, such as the node of a pod.
	Related *ObjectReference `json:"related,omitempty"`
	// ReportingController is the reporting controller's name, such as
	// "default-scheduler"; its JSON key is reportingComponent.
	ReportingController string `json:"reportingComponent"`
	// ReportingInstance is the reporting controller's instance, such as
	// its pod or host name.
	ReportingInstance string `json:"reportingInstance"`
}

// EventList is a list of events.
type EventList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []Event `json:"items"`
}

// The event types.
const (
	// EventTypeNormal is an informational event.
	EventTypeNormal = "Normal"
	// EventTypeWarning reports a possible problem.
	EventTypeWarning = "Warning"
)

// EventSource is the component and host that reported an event.
type EventSource struct {
	Component string `json:"component,omitempty"`
	Host      string `json:"host,omitempty"`
}

// EventSeries counts the repeats of an event and when the last was seen.
type EventSeries struct {
	Count            int32            `json:"count,omitempty"`
	LastObservedTime metav1.MicroTime `json:"lastObservedTime,omitempty,omitzero"`
}
