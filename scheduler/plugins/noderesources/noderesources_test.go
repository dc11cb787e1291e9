package noderesources

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

var rl = ft.Resources

func statusText(s *framework.Status) string { return s.String() }

func TestFitFilter(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	withInit := func(p *corev1.Pod, sidecar bool, reqs ...corev1.ResourceList) *corev1.Pod {
		for _, r := range reqs {
			c := corev1.Container{Name: "init", Resources: corev1.ResourceRequirements{Requests: r}}
			if sidecar {
				c.RestartPolicy = &always
			}
			p.Spec.InitContainers = append(p.Spec.InitContainers, c)
		}
		return p
	}
	withOverhead := func(p *corev1.Pod, o corev1.ResourceList) *corev1.Pod { p.Spec.Overhead = o; return p }
	node := ft.Node("n", rl("cpu", "2", "memory", "2Gi", "pods", "10", "example.com/gpu", "1"), nil)
	tests := []struct {
		name     string
		args     *FitArgs
		pod      *corev1.Pod
		existing []*corev1.Pod
		want     string
	}{
		{name: "fits", pod: ft.Pod("p", rl("cpu", "1", "memory", "1Gi")), want: "Success"},
		{name: "insufficient cpu", pod: ft.Pod("p", rl("cpu", "1")), existing: []*corev1.Pod{ft.Pod("e", rl("cpu", "1500m"))}, want: "Unschedulable: Insufficient cpu"},
		{name: "insufficient cpu and memory", pod: ft.Pod("p", rl("cpu", "1", "memory", "1Gi")), existing: []*corev1.Pod{ft.Pod("e", rl("cpu", "1500m", "memory", "1500Mi"))}, want: "Unschedulable: Insufficient cpu, Insufficient memory"},
		{name: "request above allocatable is unresolvable", pod: ft.Pod("p", rl("cpu", "3")), want: "UnschedulableAndUnresolvable: Insufficient cpu"},
		{name: "too many pods even without requests", pod: ft.Pod("p"), existing: func() []*corev1.Pod {
			var out []*corev1.Pod
			for i := 0; i < 10; i++ {
				out = append(out, ft.Pod(string(rune('a'+i))))
			}
			return out
		}(), want: "Unschedulable: Too many pods"},
		{name: "largest init container counts", pod: withInit(ft.Pod("p", rl("cpu", "1")), false, rl("cpu", "3")), want: "UnschedulableAndUnresolvable: Insufficient cpu"},
		{name: "init container below the containers' sum", pod: withInit(ft.Pod("p", rl("cpu", "1"), rl("cpu", "1")), false, rl("cpu", "1500m")), want: "Success"},
		{name: "sidecar adds to the containers", pod: withInit(ft.Pod("p", rl("cpu", "1")), true, rl("cpu", "1")), existing: []*corev1.Pod{ft.Pod("e", rl("cpu", "500m"))}, want: "Unschedulable: Insufficient cpu"},
		{name: "overhead adds", pod: withOverhead(ft.Pod("p", rl("cpu", "1")), rl("cpu", "500m")), existing: []*corev1.Pod{ft.Pod("e", rl("cpu", "600m"))}, want: "Unschedulable: Insufficient cpu"},
		{name: "extended resource short", pod: ft.Pod("p", rl("example.com/gpu", "2")), want: "UnschedulableAndUnresolvable: Insufficient example.com/gpu"},
		{name: "extended resource ignored", args: &FitArgs{IgnoredResources: []string{"example.com/gpu"}}, pod: ft.Pod("p", rl("example.com/gpu", "2")), want: "Success"},
		{name: "extended resource group ignored", args: &FitArgs{IgnoredResourceGroups: []string{"example.com"}}, pod: ft.Pod("p", rl("example.com/gpu", "2")), want: "Success"},
		{name: "unknown extended resource", pod: ft.Pod("p", rl("example.com/fpga", "1")), want: "UnschedulableAndUnresolvable: Insufficient example.com/fpga"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var existing []*corev1.Pod
			for _, e := range tt.existing {
				existing = append(existing, ft.On(e, "n"))
			}
			var args any
			if tt.args != nil {
				args = tt.args
			}
			f, snap := ft.Framework(t.Context(), t.Fatal, framework.Registry{names.NodeResourcesFit: NewFit}, []runtime.PluginConfig{{Name: names.NodeResourcesFit, Args: args}}, []*corev1.Node{node}, existing)
			state := framework.NewCycleState()
			if _, s := f.RunPreFilterPlugins(t.Context(), state, tt.pod); !s.IsSuccess() {
				t.Fatal(s)
			}
			ni, _ := snap.Get("n")
			got := f.RunFilterPlugins(t.Context(), state, tt.pod, ni)
			if diff := cmp.Diff(tt.want, statusText(got)); diff != "" {
				t.Errorf("Filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFitScore(t *testing.T) {
	// Two empty nodes of different sizes and a pod requesting 3 CPUs and
	// 5000 bytes: Kubernetes' "differently sized nodes" cases.
	nodes := []*corev1.Node{
		ft.Node("n1", rl("cpu", "4", "memory", "10000", "pods", "110"), nil),
		ft.Node("n2", rl("cpu", "6", "memory", "10000", "pods", "110"), nil),
	}
	pod := ft.Pod("p", rl("cpu", "3", "memory", "5000"))
	shape := []UtilizationShapePoint{{Utilization: 0, Score: 10}, {Utilization: 100, Score: 0}}
	tests := []struct {
		name string
		args any
		pod  *corev1.Pod
		want []int64
	}{
		{name: "LeastAllocated (default)", pod: pod, want: []int64{37, 50}},
		{name: "MostAllocated", args: &FitArgs{ScoringStrategy: &ScoringStrategy{Type: MostAllocated}}, pod: pod, want: []int64{62, 50}},
		{name: "RequestedToCapacityRatio", args: &FitArgs{ScoringStrategy: &ScoringStrategy{Type: RequestedToCapacityRatio, Shape: shape}}, pod: pod, want: []int64{38, 50}},
		{name: "LeastAllocated weighted towards cpu", args: &FitArgs{ScoringStrategy: &ScoringStrategy{Resources: []ResourceSpec{{Name: "cpu", Weight: 3}, {Name: "memory", Weight: 1}}}}, pod: pod, want: []int64{31, 50}},
		// No requests: 100m and 200Mi are assumed; memory 10000 bytes is
		// then over-requested and scores 0.
		{name: "LeastAllocated with non-zero defaults", pod: ft.Pod("empty"), want: []int64{48, 49}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := ft.Framework(t.Context(), t.Fatal, framework.Registry{names.NodeResourcesFit: NewFit}, []runtime.PluginConfig{{Name: names.NodeResourcesFit, Args: tt.args}}, nodes, nil)
			got := scores(t, f, tt.pod)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
		})
	}
}

func scores(t *testing.T, f *runtime.Framework, pod *corev1.Pod) []int64 {
	t.Helper()
	ctx := context.Background()
	state := framework.NewCycleState()
	if _, s := f.RunPreFilterPlugins(ctx, state, pod); !s.IsSuccess() {
		t.Fatal(s)
	}
	nodes, _ := f.SnapshotSharedLister().NodeInfos().List()
	if s := f.RunPreScorePlugins(ctx, state, pod, nodes); !s.IsSuccess() {
		t.Fatal(s)
	}
	res, s := f.RunScorePlugins(ctx, state, pod, nodes)
	if !s.IsSuccess() {
		t.Fatal(s)
	}
	out := make([]int64, len(res))
	for i, r := range res {
		out[i] = r.TotalScore
	}
	return out
}

func TestBalancedAllocation(t *testing.T) {
	nodes := []*corev1.Node{
		ft.Node("n1", rl("cpu", "4", "memory", "10000", "pods", "110"), nil),
		ft.Node("n2", rl("cpu", "6", "memory", "10000", "pods", "110"), nil),
	}
	tests := []struct {
		name     string
		pod      *corev1.Pod
		existing []*corev1.Pod
		want     []int64
	}{
		// n1: cpu 3/4, memory 1/2: std 0.125 -> 87; n2: 1/2 and 1/2 -> 100.
		{name: "differently sized nodes", pod: ft.Pod("p", rl("cpu", "3", "memory", "5000")), want: []int64{87, 100}},
		// Existing requests count: n1 cpu 4/4 (capped), memory 6000/10000.
		{name: "existing pods", pod: ft.Pod("p", rl("cpu", "1", "memory", "1000")), existing: []*corev1.Pod{ft.On(ft.Pod("e", rl("cpu", "3", "memory", "5000")), "n1")}, want: []int64{80, 96}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := ft.Framework(t.Context(), t.Fatal, framework.Registry{names.NodeResourcesBalancedAllocation: NewBalancedAllocation}, []runtime.PluginConfig{{Name: names.NodeResourcesBalancedAllocation}}, nodes, tt.existing)
			if diff := cmp.Diff(tt.want, scores(t, f, tt.pod)); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("best-effort pod skips", func(t *testing.T) {
		f, _ := ft.Framework(t.Context(), t.Fatal, framework.Registry{names.NodeResourcesBalancedAllocation: NewBalancedAllocation}, []runtime.PluginConfig{{Name: names.NodeResourcesBalancedAllocation}}, nodes, nil)
		state := framework.NewCycleState()
		all, _ := f.SnapshotSharedLister().NodeInfos().List()
		if s := f.RunPreScorePlugins(t.Context(), state, ft.Pod("p"), all); !s.IsSuccess() {
			t.Fatal(s)
		}
		if _, ok := state.SkipScorePlugins[names.NodeResourcesBalancedAllocation]; !ok {
			t.Error("PreScore did not skip a best-effort pod")
		}
	})
}

func TestFitArgsValidation(t *testing.T) {
	tests := []struct {
		name string
		args any
		want string
	}{
		{name: "unknown strategy", args: &FitArgs{ScoringStrategy: &ScoringStrategy{Type: "Sideways"}}, want: `scoringStrategy.type: Unsupported value: "Sideways": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"`},
		{name: "weight out of range", args: &FitArgs{ScoringStrategy: &ScoringStrategy{Resources: []ResourceSpec{{Name: "cpu", Weight: 0}}}}, want: "scoringStrategy.resources[0].weight: Invalid value: 0: resource weight of cpu should be in range [1, 100]"},
		{name: "missing shape", args: &FitArgs{ScoringStrategy: &ScoringStrategy{Type: RequestedToCapacityRatio}}, want: "scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified"},
		{name: "unsorted shape", args: &FitArgs{ScoringStrategy: &ScoringStrategy{Type: RequestedToCapacityRatio, Shape: []UtilizationShapePoint{{50, 1}, {10, 2}}}}, want: "scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 10: utilization values must be sorted in increasing order"},
		{name: "wrong type", args: 42, want: "want args of type noderesources.FitArgs, got int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFit(t.Context(), tt.args, nil)
			if err == nil || err.Error() != tt.want {
				t.Errorf("NewFit error = %v, want %q", err, tt.want)
			}
		})
	}
}
