package v1

import "encoding/json"

// EventType is the type of a watch event.
type EventType string

// The watch event types. Bookmark carries only a resourceVersion, telling an
// idle watcher how far the stream has progressed.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	Bookmark EventType = "BOOKMARK"
	Error    EventType = "ERROR"
)

// WatchEvent is one frame of a watch stream: Kubernetes sends them as
// newline-delimited JSON objects {"type": ..., "object": ...}. For ERROR
// events the object is a Status.
type WatchEvent struct {
	Type   EventType       `json:"type"`
	Object json.RawMessage `json:"object"`
}
