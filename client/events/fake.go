package events

import (
	"fmt"
	"sync"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Recorded is one event a FakeRecorder was given.
type Recorded struct {
	// Object is the involved object's reference (its kind may be empty
	// when Reference could not tell it).
	Object corev1.ObjectReference
	// Type, Reason and Message are as recorded.
	Type, Reason, Message string
}

// String is "Type Reason Message", as client-go's FakeRecorder writes
// events to its channel.
func (r Recorded) String() string { return r.Type + " " + r.Reason + " " + r.Message }

// FakeRecorder is a Recorder that keeps every event in memory, with no
// filtering or aggregation, for tests. The zero value is ready; any
// goroutine may use it.
type FakeRecorder struct {
	mu     sync.Mutex // guards events
	events []Recorded
}

var _ Recorder = (*FakeRecorder)(nil)

// Event records an event.
func (f *FakeRecorder) Event(obj metav1.Object, eventType, reason, message string) {
	ref, err := Reference(obj)
	if err != nil && !isNil(obj) {
		m := obj.GetObjectMeta()
		ref = corev1.ObjectReference{Namespace: m.Namespace, Name: m.Name, UID: m.UID}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, Recorded{Object: ref, Type: eventType, Reason: reason, Message: message})
}

// Eventf records an event whose message is fmt.Sprintf(messageFmt, args...).
func (f *FakeRecorder) Eventf(obj metav1.Object, eventType, reason, messageFmt string, args ...any) {
	f.Event(obj, eventType, reason, fmt.Sprintf(messageFmt, args...))
}

// Events returns a copy of the events recorded so far, oldest first.
func (f *FakeRecorder) Events() []Recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Recorded(nil), f.events...)
}
