package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/clock"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
)

// fake is a configurable plugin.
type fake struct {
	name      string
	filter    map[string]*framework.Status // node -> verdict
	score     map[string]int64
	normalize bool
	permit    *framework.Status
	wait      time.Duration
	calls     *[]string
}

func (f *fake) Name() string { return f.name }
func (f *fake) Filter(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	*f.calls = append(*f.calls, f.name+"@"+ni.NodeName())
	return f.filter[ni.NodeName()]
}
func (f *fake) Score(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	return f.score[ni.NodeName()], nil
}
func (f *fake) ScoreExtensions() framework.ScoreExtensions {
	if f.normalize {
		return f
	}
	return nil
}
func (f *fake) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, s framework.NodeScoreList) *framework.Status {
	return framework.DefaultNormalizeScore(framework.MaxNodeScore, false, s)
}
func (f *fake) Permit(context.Context, *framework.CycleState, *corev1.Pod, string) (*framework.Status, time.Duration) {
	return f.permit, f.wait
}

func registry(plugins ...*fake) framework.Registry {
	r := framework.Registry{}
	for _, p := range plugins {
		r[p.name] = func(context.Context, any, framework.Handle) (framework.Plugin, error) { return p, nil }
	}
	return r
}

func nodes(names ...string) []*corev1.Node {
	var out []*corev1.Node
	for _, n := range names {
		out = append(out, ft.Node(n, ft.Resources("pods", "10"), nil))
	}
	return out
}

func TestFilterOrderAndShortCircuit(t *testing.T) {
	var calls []string
	a := &fake{name: "A", calls: &calls, filter: map[string]*framework.Status{"n1": framework.NewStatus(framework.Unschedulable, "no")}}
	b := &fake{name: "B", calls: &calls}
	f, snap := ft.Framework(t.Context(), t.Fatal, registry(a, b), []runtime.PluginConfig{{Name: "A"}, {Name: "B"}}, nodes("n1", "n2"), nil)
	for _, n := range []string{"n1", "n2"} {
		ni, _ := snap.Get(n)
		_ = f.RunFilterPlugins(t.Context(), framework.NewCycleState(), ft.Pod("p"), ni)
	}
	if diff := cmp.Diff([]string{"A@n1", "A@n2", "B@n2"}, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	ni, _ := snap.Get("n1")
	if got := f.RunFilterPlugins(t.Context(), framework.NewCycleState(), ft.Pod("p"), ni); got.Plugin() != "A" || got.Code() != framework.Unschedulable {
		t.Errorf("status = %v from %q, want Unschedulable from A", got, got.Plugin())
	}
}

func TestScoreNormalizeAndWeights(t *testing.T) {
	a := &fake{name: "A", score: map[string]int64{"n1": 5, "n2": 10}, normalize: true}
	b := &fake{name: "B", score: map[string]int64{"n1": 100, "n2": 0}}
	f, snap := ft.Framework(t.Context(), t.Fatal, registry(a, b), []runtime.PluginConfig{{Name: "A", Weight: 2}, {Name: "B"}}, nodes("n1", "n2"), nil)
	all, _ := snap.List()
	got, s := f.RunScorePlugins(t.Context(), framework.NewCycleState(), ft.Pod("p"), all)
	if !s.IsSuccess() {
		t.Fatal(s)
	}
	want := []framework.NodePluginScores{
		{Name: "n1", Scores: []framework.PluginScore{{Name: "A", Score: 100}, {Name: "B", Score: 100}}, TotalScore: 200},
		{Name: "n2", Scores: []framework.PluginScore{{Name: "A", Score: 200}, {Name: "B", Score: 0}}, TotalScore: 200},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
	// A score outside [0, 100] after normalisation is an error.
	bad := &fake{name: "Bad", score: map[string]int64{"n1": 101}}
	f, snap = ft.Framework(t.Context(), t.Fatal, registry(bad), []runtime.PluginConfig{{Name: "Bad"}}, nodes("n1"), nil)
	all, _ = snap.List()
	if _, s := f.RunScorePlugins(t.Context(), framework.NewCycleState(), ft.Pod("p"), all); s.Code() != framework.Error {
		t.Errorf("out-of-range score: status %v, want Error", s)
	}
}

func TestPermitWaitAllowRejectTimeout(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	waiter := &fake{name: "W", permit: framework.NewStatus(framework.Wait), wait: 10 * time.Second}
	f, _ := ft.Framework(t.Context(), t.Fatal, registry(waiter), []runtime.PluginConfig{{Name: "W"}}, nodes("n"), nil, runtime.WithClock(clk))
	run := func(name string) (*corev1.Pod, chan *framework.Status) {
		pod := ft.Pod(name)
		if s := f.RunPermitPlugins(t.Context(), framework.NewCycleState(), pod, "n"); !s.IsWait() {
			t.Fatalf("Permit = %v, want Wait", s)
		}
		ch := make(chan *framework.Status, 1)
		go func() { ch <- f.WaitOnPermit(t.Context(), pod) }()
		return pod, ch
	}
	allowed, ch1 := run("allowed")
	f.GetWaitingPod(allowed.UID).Allow("W")
	if s := <-ch1; !s.IsSuccess() {
		t.Errorf("allowed pod: %v", s)
	}
	rejected, ch2 := run("rejected")
	f.GetWaitingPod(rejected.UID).Reject("W", "go away")
	if s := <-ch2; s.Code() != framework.Unschedulable || s.Message() != "go away" {
		t.Errorf("rejected pod: %v", s)
	}
	_, ch3 := run("late")
	clk.Step(10 * time.Second)
	if s := <-ch3; s.Code() != framework.Unschedulable || s.Message() != "rejected due to timeout after waiting 10s at plugin W" {
		t.Errorf("timed-out pod: %v", s)
	}
}

func TestNewFrameworkErrors(t *testing.T) {
	a := &fake{name: "A"}
	tests := []struct {
		name    string
		plugins []runtime.PluginConfig
		want    string
	}{
		{name: "unknown", plugins: []runtime.PluginConfig{{Name: "Z"}}, want: `profile "default-scheduler": plugin "Z" is not registered`},
		{name: "twice", plugins: []runtime.PluginConfig{{Name: "A"}, {Name: "A"}}, want: `profile "default-scheduler": plugin "A" is listed twice`},
		{name: "negative weight", plugins: []runtime.PluginConfig{{Name: "A", Weight: -1}}, want: `profile "default-scheduler": plugin "A" has negative weight -1`},
		{name: "unknown point", plugins: []runtime.PluginConfig{{Name: "A", Disabled: []runtime.ExtensionPoint{"scoring"}}}, want: `profile "default-scheduler": plugin "A": unknown extension point "scoring"`},
		{name: "only unimplemented", plugins: []runtime.PluginConfig{{Name: "A", Only: []runtime.ExtensionPoint{runtime.Bind}}}, want: `profile "default-scheduler": plugin "A" does not implement extension point "bind"`},
		{name: "disable queueSort", plugins: []runtime.PluginConfig{{Name: "A", Disabled: []runtime.ExtensionPoint{runtime.QueueSort}}}, want: `profile "default-scheduler": plugin "A": the queueSort extension point cannot be disabled`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runtime.NewFramework(t.Context(), registry(a), runtime.Profile{Plugins: tt.plugins})
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

// A plugin can be turned off at one extension point and kept at the others,
// as Kubernetes' per-extension-point enabled and disabled lists allow.
func TestPerExtensionPointEnablement(t *testing.T) {
	var calls []string
	mk := func() (*fake, *fake) {
		calls = nil
		a := &fake{name: "A", calls: &calls, score: map[string]int64{"n1": 100, "n2": 0}, filter: map[string]*framework.Status{"n2": framework.NewStatus(framework.Unschedulable, "no")}}
		b := &fake{name: "B", calls: &calls, score: map[string]int64{"n1": 0, "n2": 100}}
		return a, b
	}
	tests := []struct {
		name         string
		cfg          []runtime.PluginConfig
		wantFilterN2 framework.Code
		wantScoreN1  int64
		wantCalls    []string
	}{
		{name: "multiPoint", cfg: []runtime.PluginConfig{{Name: "A"}, {Name: "B"}}, wantFilterN2: framework.Unschedulable, wantScoreN1: 100, wantCalls: []string{"A@n2"}},
		{name: "A not scoring", cfg: []runtime.PluginConfig{{Name: "A", Disabled: []runtime.ExtensionPoint{runtime.Score}}, {Name: "B"}}, wantFilterN2: framework.Unschedulable, wantScoreN1: 0, wantCalls: []string{"A@n2"}},
		{name: "A only scoring", cfg: []runtime.PluginConfig{{Name: "A", Only: []runtime.ExtensionPoint{runtime.Score}}, {Name: "B"}}, wantFilterN2: framework.Success, wantScoreN1: 100, wantCalls: []string{"B@n2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mk()
			f, snap := ft.Framework(t.Context(), t.Fatal, registry(a, b), tt.cfg, nodes("n1", "n2"), nil)
			ni, _ := snap.Get("n2")
			if got := f.RunFilterPlugins(t.Context(), framework.NewCycleState(), ft.Pod("p"), ni); got.Code() != tt.wantFilterN2 {
				t.Errorf("filter n2 = %v, want code %v", got, tt.wantFilterN2)
			}
			if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("filter calls (-want +got):\n%s", diff)
			}
			all, _ := snap.List()
			scores, s := f.RunScorePlugins(t.Context(), framework.NewCycleState(), ft.Pod("p"), all)
			if !s.IsSuccess() {
				t.Fatal(s)
			}
			var n1 int64
			for _, ps := range scores[0].Scores {
				if ps.Name == "A" {
					n1 = ps.Score
				}
			}
			if n1 != tt.wantScoreN1 {
				t.Errorf("A's score of n1 = %d, want %d (scores %+v)", n1, tt.wantScoreN1, scores)
			}
		})
	}
}
