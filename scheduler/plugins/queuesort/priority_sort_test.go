package queuesort

import (
	"testing"
	"time"

	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

func TestLess(t *testing.T) {
	t0 := time.Unix(1000, 0)
	qpi := func(prio *int32, ts time.Time) *framework.QueuedPodInfo {
		p := ft.Pod("p")
		p.Spec.Priority = prio
		pi, _ := framework.NewPodInfo(p)
		return &framework.QueuedPodInfo{PodInfo: pi, Timestamp: ts}
	}
	lo, hi := int32(1), int32(10)
	tests := []struct {
		name string
		a, b *framework.QueuedPodInfo
		want bool
	}{
		{name: "higher priority first", a: qpi(&hi, t0.Add(time.Second)), b: qpi(&lo, t0), want: true},
		{name: "lower priority later", a: qpi(&lo, t0), b: qpi(&hi, t0), want: false},
		{name: "equal priority, older first", a: qpi(&lo, t0), b: qpi(&lo, t0.Add(time.Second)), want: true},
		{name: "nil priority is 0", a: qpi(nil, t0), b: qpi(&lo, t0.Add(time.Second)), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (PrioritySort{}).Less(tt.a, tt.b); got != tt.want {
				t.Errorf("Less = %v, want %v", got, tt.want)
			}
		})
	}
}
