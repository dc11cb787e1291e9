package gang

import (
	"testing"

	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

func TestGroupAndPreFilter(t *testing.T) {
	tests := []struct {
		name      string
		labels    map[string]string
		wantGroup string
		wantMin   int
		wantIn    bool
		preFilter string
	}{
		{name: "no group", labels: nil, preFilter: "Skip: "},
		{name: "member", labels: map[string]string{LabelPodGroup: "g", LabelMinAvailable: "3"}, wantGroup: "g", wantMin: 3, wantIn: true, preFilter: "Success"},
		{name: "bad minimum", labels: map[string]string{LabelPodGroup: "g", LabelMinAvailable: "zero"}, wantGroup: "g", wantIn: true,
			preFilter: `UnschedulableAndUnresolvable: pod default/p: label pod-group.scheduling.sigs.k8s.io/min-available="zero": must be a positive integer`},
		{name: "minimum below one", labels: map[string]string{LabelPodGroup: "g", LabelMinAvailable: "0"}, wantGroup: "g", wantIn: true,
			preFilter: `UnschedulableAndUnresolvable: pod default/p: label pod-group.scheduling.sigs.k8s.io/min-available="0": must be a positive integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ft.Pod("p")
			p.Labels = tt.labels
			g, m, in, _ := Group(p)
			if g != tt.wantGroup || m != tt.wantMin || in != tt.wantIn {
				t.Errorf("Group = %q, %d, %v; want %q, %d, %v", g, m, in, tt.wantGroup, tt.wantMin, tt.wantIn)
			}
			pl, _ := New(t.Context(), nil, nil)
			if _, s := pl.(*Gang).PreFilter(t.Context(), nil, p, nil); s.String() != tt.preFilter {
				t.Errorf("PreFilter = %q, want %q", s.String(), tt.preFilter)
			}
		})
	}
	if _, err := New(t.Context(), Args{Timeout: -1}, nil); err == nil {
		t.Error("a negative timeout was accepted")
	}
}
