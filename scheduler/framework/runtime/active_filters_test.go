package runtime_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
)

// skipper is a PreFilter and Filter plugin whose PreFilter returns Skip.
type skipper struct{ fake }

func (s *skipper) PreFilter(context.Context, *framework.CycleState, *corev1.Pod, []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	return nil, framework.NewStatus(framework.Skip)
}
func (s *skipper) PreFilterExtensions() framework.PreFilterExtensions { return nil }

// The Filter plugins a cycle runs follow state.SkipFilterPlugins: the
// plugins whose PreFilter skipped, unless the set was replaced (as a
// cloned CycleState's is) after PreFilter.
func TestFilterFollowsSkipSet(t *testing.T) {
	var calls []string
	a := &fake{name: "A", calls: &calls}
	s := &skipper{fake{name: "S", calls: &calls}}
	reg := registry(a)
	reg["S"] = func(context.Context, any, framework.Handle) (framework.Plugin, error) { return s, nil }
	f, snap := ft.Framework(t.Context(), t.Fatal, reg, []runtime.PluginConfig{{Name: "S"}, {Name: "A"}}, nodes("n1"), nil)
	ni, _ := snap.Get("n1")
	pod := ft.Pod("p")
	tests := []struct {
		name  string
		state func() *framework.CycleState
		want  []string
	}{
		{"after PreFilter", func() *framework.CycleState {
			st := framework.NewCycleState()
			if _, s := f.RunPreFilterPlugins(t.Context(), st, pod); !s.IsSuccess() {
				t.Fatal(s)
			}
			return st
		}, []string{"A@n1"}},
		{"cloned after PreFilter", func() *framework.CycleState {
			st := framework.NewCycleState()
			_, _ = f.RunPreFilterPlugins(t.Context(), st, pod)
			return st.Clone()
		}, []string{"A@n1"}},
		{"skip set replaced after PreFilter", func() *framework.CycleState {
			st := framework.NewCycleState()
			_, _ = f.RunPreFilterPlugins(t.Context(), st, pod)
			st.SkipFilterPlugins = map[string]struct{}{"A": {}}
			return st
		}, []string{"S@n1"}},
		{"without PreFilter", framework.NewCycleState, []string{"S@n1", "A@n1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.state()
			calls = nil
			if got := f.RunFilterPlugins(t.Context(), st, pod, ni); !got.IsSuccess() {
				t.Fatalf("RunFilterPlugins = %v", got)
			}
			if diff := cmp.Diff(tc.want, calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}
