package scheduler

// The scheduler's Events, as kube-scheduler records them: Scheduled when
// a pod is bound, FailedScheduling with the fit error when it fits no
// node.

import (
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/client/events"
)

// EventComponent is the source component of the scheduler's events.
const EventComponent = "default-scheduler"

// newEventRecorder returns the recorder Run writes the scheduler's events
// with; runLeader closes it when it returns.
func newEventRecorder(c *client.Client) (*events.APIRecorder, error) {
	rec, err := events.New(c, events.Options{Component: EventComponent})
	if err != nil {
		return nil, fmt.Errorf("scheduler: events: %w", err)
	}
	return rec, nil
}

// recordOutcome records the event of a scheduling attempt: Normal
// Scheduled "Successfully assigned <ns>/<pod> to <node>", or Warning
// FailedScheduling with the error (a FitError's "0/3 nodes are
// available: ..."). It never blocks.
func recordOutcome(rec events.Recorder, o Outcome) {
	switch {
	case o.Pod == nil:
	case o.Err == nil && o.NodeName != "":
		rec.Eventf(o.Pod, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", o.Pod.Namespace, o.Pod.Name, o.NodeName)
	case o.Err != nil:
		rec.Event(o.Pod, corev1.EventTypeWarning, "FailedScheduling", o.Err.Error())
	}
}
