package nodename

import (
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

func TestFilter(t *testing.T) {
	named := func(n string) *corev1.Pod { p := ft.Pod("p"); p.Spec.NodeName = n; return p }
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{name: "no node name", pod: ft.Pod("p"), want: "Success"},
		{name: "this node", pod: named("n1"), want: "Success"},
		{name: "another node", pod: named("n2"), want: "UnschedulableAndUnresolvable: " + ErrReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ni := framework.NewNodeInfo()
			ni.SetNode(ft.Node("n1", nil, nil))
			if got := (NodeName{}).Filter(t.Context(), nil, tt.pod, ni).String(); got != tt.want {
				t.Errorf("Filter = %q, want %q", got, tt.want)
			}
		})
	}
}
