package nodeaffinity

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

func req(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

func required(terms ...corev1.NodeSelectorTerm) *corev1.Pod {
	p := ft.Pod("p")
	p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms}}}
	return p
}

func TestFilter(t *testing.T) {
	labels := map[string]string{"zone": "a", "gen": "5", "disk": "ssd"}
	node := ft.Node("node-1", ft.Resources("pods", "10"), labels)
	withSelector := func(sel map[string]string) *corev1.Pod { p := ft.Pod("p"); p.Spec.NodeSelector = sel; return p }
	tests := []struct {
		name string
		args any
		pod  *corev1.Pod
		want string
	}{
		{name: "no constraints", pod: ft.Pod("p"), want: "Success"},
		{name: "nodeSelector matches", pod: withSelector(map[string]string{"zone": "a"}), want: "Success"},
		{name: "nodeSelector mismatch", pod: withSelector(map[string]string{"zone": "b"}), want: "UnschedulableAndUnresolvable: " + ErrReasonPod},
		{name: "In", pod: required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpIn, "a", "b")}}), want: "Success"},
		{name: "NotIn", pod: required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpNotIn, "a")}}), want: "UnschedulableAndUnresolvable: " + ErrReasonPod},
		{name: "Exists", pod: required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("disk", corev1.NodeSelectorOpExists)}}), want: "Success"},
		{name: "DoesNotExist", pod: required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("disk", corev1.NodeSelectorOpDoesNotExist)}}), want: "UnschedulableAndUnresolvable: " + ErrReasonPod},
		{name: "Gt", pod: required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("gen", corev1.NodeSelectorOpGt, "4")}}), want: "Success"},
		{name: "Lt", pod: required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("gen", corev1.NodeSelectorOpLt, "5")}}), want: "UnschedulableAndUnresolvable: " + ErrReasonPod},
		{name: "terms are ORed", pod: required(
			corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpIn, "b")}},
			corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("disk", corev1.NodeSelectorOpIn, "ssd")}},
		), want: "Success"},
		{name: "requirements are ANDed", pod: required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpIn, "a"), req("disk", corev1.NodeSelectorOpIn, "hdd")}}), want: "UnschedulableAndUnresolvable: " + ErrReasonPod},
		{name: "empty term matches nothing", pod: required(corev1.NodeSelectorTerm{}), want: "UnschedulableAndUnresolvable: " + ErrReasonPod},
		{name: "invalid term matches nothing", pod: required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("gen", corev1.NodeSelectorOpGt, "x")}}), want: "UnschedulableAndUnresolvable: " + ErrReasonPod},
		{name: "matchFields by name", pod: required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{req(ObjectNameField, corev1.NodeSelectorOpIn, "node-1")}}), want: "Success"},
		{name: "matchFields NotIn", pod: required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{req(ObjectNameField, corev1.NodeSelectorOpNotIn, "node-1")}}), want: "UnschedulableAndUnresolvable: " + ErrReasonPod},
		{name: "both selector and affinity must match", pod: func() *corev1.Pod {
			p := required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpIn, "a")}})
			p.Spec.NodeSelector = map[string]string{"disk": "hdd"}
			return p
		}(), want: "UnschedulableAndUnresolvable: " + ErrReasonPod},
		{name: "added affinity enforced", args: &Args{AddedAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpIn, "b")}}}}}}, pod: ft.Pod("p"), want: "UnschedulableAndUnresolvable: " + errReasonEnforced},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, snap := ft.Framework(t.Context(), t.Fatal, framework.Registry{names.NodeAffinity: New}, []runtime.PluginConfig{{Name: names.NodeAffinity, Args: tt.args}}, []*corev1.Node{node}, nil)
			state := framework.NewCycleState()
			_, s := f.RunPreFilterPlugins(t.Context(), state, tt.pod)
			if s.IsSuccess() {
				ni, _ := snap.Get("node-1")
				s = f.RunFilterPlugins(t.Context(), state, tt.pod, ni)
			}
			if diff := cmp.Diff(tt.want, s.String()); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPreFilterResult(t *testing.T) {
	names1 := func(v ...string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{req(ObjectNameField, corev1.NodeSelectorOpIn, v...)}}
	}
	tests := []struct {
		name       string
		pod        *corev1.Pod
		wantNodes  map[string]struct{}
		wantStatus string
	}{
		{name: "no affinity skips", pod: ft.Pod("p"), wantStatus: "Skip: "},
		{name: "one term with names", pod: required(names1("a", "b")), wantNodes: map[string]struct{}{"a": {}, "b": {}}, wantStatus: "Success"},
		{name: "terms union", pod: required(names1("a"), names1("b")), wantNodes: map[string]struct{}{"a": {}, "b": {}}, wantStatus: "Success"},
		{name: "a term without names allows all", pod: required(names1("a"), corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("x", corev1.NodeSelectorOpExists)}}), wantStatus: "Success"},
		{name: "requirements intersect", pod: required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{req(ObjectNameField, corev1.NodeSelectorOpIn, "a", "b"), req(ObjectNameField, corev1.NodeSelectorOpIn, "b", "c")}}), wantNodes: map[string]struct{}{"b": {}}, wantStatus: "Success"},
		{name: "conflict", pod: required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{req(ObjectNameField, corev1.NodeSelectorOpIn, "a"), req(ObjectNameField, corev1.NodeSelectorOpIn, "b")}}), wantStatus: "UnschedulableAndUnresolvable: " + errReasonConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, _ := New(t.Context(), nil, nil)
			res, s := pl.(*NodeAffinity).PreFilter(t.Context(), framework.NewCycleState(), tt.pod, nil)
			var got map[string]struct{}
			if res != nil {
				got = res.NodeNames
			}
			if diff := cmp.Diff(tt.wantNodes, got); diff != "" {
				t.Errorf("node names (-want +got):\n%s", diff)
			}
			if s.String() != tt.wantStatus {
				t.Errorf("status = %q, want %q", s.String(), tt.wantStatus)
			}
		})
	}
}

func TestScore(t *testing.T) {
	pod := ft.Pod("p")
	pod.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
		{Weight: 2, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("foo", corev1.NodeSelectorOpIn, "bar")}}},
		{Weight: 4, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("key", corev1.NodeSelectorOpIn, "value")}}},
		{Weight: 5, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("foo", corev1.NodeSelectorOpIn, "bar"), req("key", corev1.NodeSelectorOpIn, "value"), req("az", corev1.NodeSelectorOpIn, "az1")}}},
	}}}
	nodes := []*corev1.Node{
		ft.Node("n1", ft.Resources("pods", "10"), map[string]string{"foo": "bar"}),
		ft.Node("n2", ft.Resources("pods", "10"), map[string]string{"key": "value"}),
		ft.Node("n3", ft.Resources("pods", "10"), map[string]string{"foo": "bar", "key": "value", "az": "az1"}),
		ft.Node("n4", ft.Resources("pods", "10"), nil),
	}
	f, _ := ft.Framework(t.Context(), t.Fatal, framework.Registry{names.NodeAffinity: New}, []runtime.PluginConfig{{Name: names.NodeAffinity}}, nodes, nil)
	state := framework.NewCycleState()
	all, _ := f.SnapshotSharedLister().NodeInfos().List()
	if s := f.RunPreScorePlugins(t.Context(), state, pod, all); !s.IsSuccess() {
		t.Fatal(s)
	}
	res, s := f.RunScorePlugins(t.Context(), state, pod, all)
	if !s.IsSuccess() {
		t.Fatal(s)
	}
	var got []int64
	for _, r := range res {
		got = append(got, r.TotalScore)
	}
	// Raw 2, 4, 11, 0, normalised to the maximum: Kubernetes' case "all
	// machines matches the preferred scheduling requirements of pod but
	// with different priorities".
	if diff := cmp.Diff([]int64{18, 36, 100, 0}, got); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
}
