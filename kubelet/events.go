package kubelet

// The kubelet's Events: what `kubectl describe pod` and `kubectl describe
// node` show, with Kubernetes' reasons and wording.

import (
	"fmt"
	"math"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client/events"
)

// The reasons of the kubelet's events, as Kubernetes' kubelet names them.
const (
	eventCreated     = "Created"     // Normal: "Created container: <name>"
	eventStarted     = "Started"     // Normal: "Started container <name>"
	eventKilling     = "Killing"     // Normal: "Stopping container <name>", or a failed probe's
	eventBackOff     = "BackOff"     // Warning: "Back-off restarting failed container <name> in pod <pod>"
	eventUnhealthy   = "Unhealthy"   // Warning: "<Liveness|Readiness|Startup> probe failed: <output>"
	eventFailed      = "Failed"      // Warning: "Error: <error>" (a container that cannot be created or started)
	eventFailedMount = "FailedMount" // Warning: "MountVolume.SetUp failed for volume <name> : <error>"
	eventStarting    = "Starting"    // Normal, on the node: "Starting kubelet."
)

// ownedRecorder marks the recorder New made (Config.Recorder was nil):
// the Kubelet closes it when Run returns. A Recorder the user passed is
// theirs to stop.
type ownedRecorder struct{ *events.APIRecorder }

// setDefaultRecorder sets cfg.Recorder, when it is nil, to the documented
// default: an events.APIRecorder on cfg.Client with source "kubelet" on
// the node, stamped by cfg.Clock, writing at most cfg.EventRecordQPS
// Events a second in bursts of cfg.EventBurst (their defaults filled in).
func setDefaultRecorder(cfg *Config) error {
	if cfg.Recorder != nil {
		return nil
	}
	if math.IsNaN(cfg.EventRecordQPS) || math.IsInf(cfg.EventRecordQPS, 0) {
		return fmt.Errorf("kubelet: EventRecordQPS must be a number, got %v", cfg.EventRecordQPS)
	}
	if cfg.EventBurst < 0 {
		return fmt.Errorf("kubelet: EventBurst must not be negative, got %d", cfg.EventBurst)
	}
	qps, burst := cfg.EventRecordQPS, cfg.EventBurst
	switch {
	case qps == 0:
		qps = DefaultEventRecordQPS
	case qps < 0:
		qps, burst = 0, 0 // no limit
	}
	if qps > 0 && burst == 0 {
		burst = DefaultEventBurst
	}
	rec, err := events.New(cfg.Client, events.Options{Component: "kubelet", Host: cfg.NodeName, Clock: cfg.Clock,
		Logger: cfg.Logger, WriteQPS: qps, WriteBurst: burst})
	if err != nil {
		return fmt.Errorf("kubelet: events: %w", err)
	}
	cfg.Recorder = ownedRecorder{rec}
	return nil
}

// startEvents records the node's Starting event and returns what stops
// the recorder the Kubelet owns, for Run to defer.
func (k *Kubelet) startEvents() func() {
	k.cfg.Recorder.Event(k.nodeRef(), corev1.EventTypeNormal, eventStarting, "Starting kubelet.")
	return func() {
		if o, ok := k.cfg.Recorder.(ownedRecorder); ok {
			o.Close()
		}
	}
}

// nodeRef is the node as events refer to it: Kubernetes' kubelet uses the
// node name as its uid.
func (k *Kubelet) nodeRef() *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, UID: types.UID(k.cfg.NodeName)}}
}

// eventf records an event about pod. It never blocks.
func (k *Kubelet) eventf(pod *corev1.Pod, eventType, reason, format string, args ...any) {
	if pod == nil {
		return
	}
	k.cfg.Recorder.Eventf(pod, eventType, reason, format, args...)
}

// containerEventf records an event about container c of pod, with
// involvedObject.fieldPath naming the container as Kubernetes does
// ("spec.containers{app}").
func (k *Kubelet) containerEventf(pod *corev1.Pod, c *corev1.Container, eventType, reason, format string, args ...any) {
	if pod == nil {
		return
	}
	if c == nil {
		k.cfg.Recorder.Eventf(pod, eventType, reason, format, args...)
		return
	}
	k.cfg.Recorder.Eventf(events.WithFieldPath(pod, containerFieldPath(pod, c)), eventType, reason, format, args...)
}

// containerEventf records an event about the worker's pod's container
// name, as the pod is now.
func (w *podWorker) containerEventf(name, eventType, reason, format string, args ...any) {
	pod, _ := w.latest()
	w.k.containerEventf(pod, findContainer(pod, name), eventType, reason, format, args...)
}

// containerFieldPath is "spec.containers{name}", or
// "spec.initContainers{name}" for an init container.
func containerFieldPath(pod *corev1.Pod, c *corev1.Container) string {
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == c.Name {
			return "spec.initContainers{" + c.Name + "}"
		}
	}
	return "spec.containers{" + c.Name + "}"
}

// failedMount records a FailedMount event for volume name of pod and
// returns err, so a volume error can be both reported and returned.
func (k *Kubelet) failedMount(pod *corev1.Pod, name string, err error) error {
	k.eventf(pod, corev1.EventTypeWarning, eventFailedMount, "MountVolume.SetUp failed for volume %q : %v", name, err)
	return fmt.Errorf("volume %q: %w", name, err)
}

// backOffMessage is Kubernetes' BackOff event message.
func backOffMessage(pod *corev1.Pod, c *corev1.Container) string {
	return fmt.Sprintf("Back-off restarting failed container %s in pod %s_%s(%s)", c.Name, pod.Name, pod.Namespace, pod.UID)
}
