package schedulinggates

import (
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

func TestPreEnqueue(t *testing.T) {
	gated := ft.Pod("p")
	gated.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "a"}, {Name: "b"}}
	if got, want := (SchedulingGates{}).PreEnqueue(t.Context(), gated).String(), "UnschedulableAndUnresolvable: waiting for scheduling gates: [a b]"; got != want {
		t.Errorf("PreEnqueue = %q, want %q", got, want)
	}
	if s := (SchedulingGates{}).PreEnqueue(t.Context(), ft.Pod("p")); !s.IsSuccess() {
		t.Errorf("PreEnqueue of an ungated pod = %v, want Success", s)
	}
}
