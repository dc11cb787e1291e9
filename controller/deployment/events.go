package deployment

import (
	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client/events"
)

// EventComponent is the source component of the controller's events, as
// Kubernetes names it.
const EventComponent = "deployment-controller"

// SetRecorder replaces the recorder of the reconciler's events; call it
// before the reconciler runs. The default, made by NewReconciler, is an
// events.APIRecorder writing through the reconciler's client with source
// EventComponent; its writer goroutine runs only while events wait to be
// written.
func (r *Reconciler) SetRecorder(rec events.Recorder) { r.events = rec }

// scalingEvent records Kubernetes' ScalingReplicaSet event on d:
// "Scaled up replica set web-5d4f from 1 to 3" (or down).
func (r *Reconciler) scalingEvent(d *appsv1.Deployment, rsName string, from, to int32) {
	dir := "up"
	if to < from {
		dir = "down"
	}
	r.events.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", dir, rsName, from, to)
}
