package tainttoleration

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

func taintedNode(name string, taints ...corev1.Taint) *corev1.Node {
	n := ft.Node(name, ft.Resources("pods", "10"), nil)
	n.Spec.Taints = taints
	return n
}

func podWith(tols ...corev1.Toleration) *corev1.Pod {
	p := ft.Pod("p")
	p.Spec.Tolerations = tols
	return p
}

func TestFilter(t *testing.T) {
	dedicated := corev1.Taint{Key: "dedicated", Value: "user1", Effect: corev1.TaintEffectNoSchedule}
	tests := []struct {
		name string
		pod  *corev1.Pod
		node *corev1.Node
		want string
	}{
		{name: "no taints", pod: podWith(), node: taintedNode("n"), want: "Success"},
		{name: "untolerated NoSchedule", pod: podWith(), node: taintedNode("n", dedicated), want: "UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: user1}"},
		{name: "tolerated with Equal", pod: podWith(corev1.Toleration{Key: "dedicated", Value: "user1", Effect: corev1.TaintEffectNoSchedule}), node: taintedNode("n", dedicated), want: "Success"},
		{name: "operator omitted means Equal", pod: podWith(corev1.Toleration{Key: "dedicated", Value: "user2"}), node: taintedNode("n", dedicated), want: "UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: user1}"},
		{name: "Exists ignores the value", pod: podWith(corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpExists}), node: taintedNode("n", dedicated), want: "Success"},
		{name: "empty key with Exists tolerates everything", pod: podWith(corev1.Toleration{Operator: corev1.TolerationOpExists}), node: taintedNode("n", dedicated, corev1.Taint{Key: "x", Effect: corev1.TaintEffectNoExecute}), want: "Success"},
		{name: "effect must match", pod: podWith(corev1.Toleration{Key: "dedicated", Value: "user1", Effect: corev1.TaintEffectNoExecute}), node: taintedNode("n", dedicated), want: "UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: user1}"},
		{name: "NoExecute filters too", pod: podWith(), node: taintedNode("n", corev1.Taint{Key: "k", Value: "v", Effect: corev1.TaintEffectNoExecute}), want: "UnschedulableAndUnresolvable: node(s) had untolerated taint {k: v}"},
		{name: "PreferNoSchedule does not filter", pod: podWith(), node: taintedNode("n", corev1.Taint{Key: "k", Effect: corev1.TaintEffectPreferNoSchedule}), want: "Success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ni := framework.NewNodeInfo()
			ni.SetNode(tt.node)
			got := TaintToleration{}.Filter(t.Context(), framework.NewCycleState(), tt.pod, ni)
			if diff := cmp.Diff(tt.want, got.String()); diff != "" {
				t.Errorf("Filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScore(t *testing.T) {
	prefer := func(k, v string) corev1.Taint {
		return corev1.Taint{Key: k, Value: v, Effect: corev1.TaintEffectPreferNoSchedule}
	}
	tests := []struct {
		name  string
		pod   *corev1.Pod
		nodes []*corev1.Node
		want  []int64
	}{
		{
			// Kubernetes: the node with the most intolerable
			// PreferNoSchedule taints scores 0, one with none 100.
			name:  "counts of intolerable taints",
			pod:   podWith(corev1.Toleration{Key: "cpu-type", Value: "arm64", Effect: corev1.TaintEffectPreferNoSchedule}),
			nodes: []*corev1.Node{taintedNode("a"), taintedNode("b", prefer("cpu-type", "arm64")), taintedNode("c", prefer("foo", "bar")), taintedNode("d", prefer("foo", "bar"), prefer("x", "y"))},
			want:  []int64{100, 100, 50, 0},
		},
		{
			name:  "toleration without effect applies",
			pod:   podWith(corev1.Toleration{Key: "foo", Operator: corev1.TolerationOpExists}),
			nodes: []*corev1.Node{taintedNode("a", prefer("foo", "bar")), taintedNode("b", prefer("x", "y"))},
			want:  []int64{100, 0},
		},
		{
			name:  "NoSchedule toleration does not help PreferNoSchedule",
			pod:   podWith(corev1.Toleration{Key: "foo", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}),
			nodes: []*corev1.Node{taintedNode("a", prefer("foo", "bar")), taintedNode("b")},
			want:  []int64{0, 100},
		},
		{name: "no taints anywhere", pod: podWith(), nodes: []*corev1.Node{taintedNode("a"), taintedNode("b")}, want: []int64{100, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := ft.Framework(t.Context(), t.Fatal, framework.Registry{names.TaintToleration: New}, []runtime.PluginConfig{{Name: names.TaintToleration}}, tt.nodes, nil)
			ctx := context.Background()
			state := framework.NewCycleState()
			all, _ := f.SnapshotSharedLister().NodeInfos().List()
			if s := f.RunPreScorePlugins(ctx, state, tt.pod, all); !s.IsSuccess() {
				t.Fatal(s)
			}
			res, s := f.RunScorePlugins(ctx, state, tt.pod, all)
			if !s.IsSuccess() {
				t.Fatal(s)
			}
			var got []int64
			for _, r := range res {
				got = append(got, r.TotalScore)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
		})
	}
}
