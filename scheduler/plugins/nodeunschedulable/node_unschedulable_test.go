package nodeunschedulable

import (
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

func TestFilter(t *testing.T) {
	tolerating := ft.Pod("p")
	tolerating.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	tests := []struct {
		name          string
		unschedulable bool
		pod           *corev1.Pod
		want          string
	}{
		{name: "schedulable node", pod: ft.Pod("p"), want: "Success"},
		{name: "cordoned node", unschedulable: true, pod: ft.Pod("p"), want: "UnschedulableAndUnresolvable: " + ErrReasonUnschedulable},
		{name: "cordoned node, tolerated", unschedulable: true, pod: tolerating, want: "Success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := ft.Node("n", nil, nil)
			n.Spec.Unschedulable = tt.unschedulable
			ni := framework.NewNodeInfo()
			ni.SetNode(n)
			if got := (NodeUnschedulable{}).Filter(t.Context(), nil, tt.pod, ni).String(); got != tt.want {
				t.Errorf("Filter = %q, want %q", got, tt.want)
			}
		})
	}
}
