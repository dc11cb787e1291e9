package events_test

import (
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client/events"
)

// A component takes a Recorder; tests give it a FakeRecorder and read
// what it recorded.
func ExampleFakeRecorder() {
	var rec events.FakeRecorder
	var r events.Recorder = &rec
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}
	r.Eventf(pod, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, "node-1")
	for _, e := range rec.Events() {
		fmt.Println(e.Object.Kind, e.Object.Name+":", e)
	}
	// Output:
	// Pod web: Normal Scheduled Successfully assigned default/web to node-1
}
