package nodeports

import (
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

func podWithPorts(ports ...corev1.ContainerPort) *corev1.Pod {
	p := ft.Pod("p")
	p.Spec.Containers[0].Ports = ports
	return p
}

func hp(ip string, proto corev1.Protocol, port int32) corev1.ContainerPort {
	return corev1.ContainerPort{HostIP: ip, Protocol: proto, HostPort: port, ContainerPort: port}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name     string
		pod      *corev1.Pod
		existing *corev1.Pod
		want     string
	}{
		{name: "no ports skips", pod: ft.Pod("p"), existing: podWithPorts(hp("", "", 80)), want: "Skip: "},
		{name: "free port", pod: podWithPorts(hp("", "", 8080)), existing: podWithPorts(hp("", "", 80)), want: "Success"},
		{name: "same port", pod: podWithPorts(hp("", "TCP", 80)), existing: podWithPorts(hp("", "", 80)), want: "Unschedulable: " + ErrReason},
		{name: "other protocol", pod: podWithPorts(hp("", "UDP", 80)), existing: podWithPorts(hp("", "TCP", 80)), want: "Success"},
		{name: "different specific IPs", pod: podWithPorts(hp("127.0.0.1", "TCP", 80)), existing: podWithPorts(hp("127.0.0.2", "TCP", 80)), want: "Success"},
		{name: "0.0.0.0 conflicts with a specific IP", pod: podWithPorts(hp("0.0.0.0", "TCP", 80)), existing: podWithPorts(hp("127.0.0.1", "TCP", 80)), want: "Unschedulable: " + ErrReason},
		{name: "a specific IP conflicts with 0.0.0.0", pod: podWithPorts(hp("127.0.0.1", "TCP", 80)), existing: podWithPorts(hp("", "TCP", 80)), want: "Unschedulable: " + ErrReason},
		{name: "container port without host port", pod: podWithPorts(corev1.ContainerPort{ContainerPort: 80}), existing: podWithPorts(hp("", "", 80)), want: "Skip: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ni := framework.NewNodeInfo(tt.existing)
			ni.SetNode(ft.Node("n", ft.Resources("pods", "10"), nil))
			state := framework.NewCycleState()
			_, s := NodePorts{}.PreFilter(t.Context(), state, tt.pod, nil)
			if s.IsSuccess() {
				s = NodePorts{}.Filter(t.Context(), state, tt.pod, ni)
			}
			if s.String() != tt.want {
				t.Errorf("status = %q, want %q", s.String(), tt.want)
			}
		})
	}
}
