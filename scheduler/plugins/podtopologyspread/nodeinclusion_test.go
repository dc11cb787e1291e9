package podtopologyspread

import (
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestRequiredNodeAffinity(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"zone": "z1", "cores": "8"}}}
	req := func(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
		return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	podWith := func(selector map[string]string, terms ...corev1.NodeSelectorTerm) *corev1.Pod {
		p := &corev1.Pod{Spec: corev1.PodSpec{NodeSelector: selector}}
		if terms != nil {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
			}}
		}
		return p
	}
	exprs := func(rs ...corev1.NodeSelectorRequirement) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: rs}
	}
	fields := func(rs ...corev1.NodeSelectorRequirement) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchFields: rs}
	}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{"nothing required", podWith(nil), true},
		{"node selector matches", podWith(map[string]string{"zone": "z1"}), true},
		{"node selector does not match", podWith(map[string]string{"zone": "z2"}), false},
		{"In", podWith(nil, exprs(req("zone", corev1.NodeSelectorOpIn, "z1", "z2"))), true},
		{"NotIn", podWith(nil, exprs(req("zone", corev1.NodeSelectorOpNotIn, "z1"))), false},
		{"Exists", podWith(nil, exprs(req("zone", corev1.NodeSelectorOpExists))), true},
		{"DoesNotExist", podWith(nil, exprs(req("gpu", corev1.NodeSelectorOpDoesNotExist))), true},
		{"Gt", podWith(nil, exprs(req("cores", corev1.NodeSelectorOpGt, "4"))), true},
		{"Lt", podWith(nil, exprs(req("cores", corev1.NodeSelectorOpLt, "4"))), false},
		{"terms are ORed", podWith(nil, exprs(req("zone", corev1.NodeSelectorOpIn, "z9")), exprs(req("cores", corev1.NodeSelectorOpExists))), true},
		{"requirements are ANDed", podWith(nil, exprs(req("zone", corev1.NodeSelectorOpIn, "z1"), req("cores", corev1.NodeSelectorOpLt, "4"))), false},
		{"an empty term matches nothing", podWith(nil, corev1.NodeSelectorTerm{}), false},
		{"an invalid term is dropped", podWith(nil, exprs(req("zone", corev1.NodeSelectorOpIn)), exprs(req("cores", corev1.NodeSelectorOpExists))), true},
		{"an invalid operator drops the term", podWith(nil, exprs(req("zone", "Near", "z1"))), false},
		{"matchFields In the name", podWith(nil, fields(req("metadata.name", corev1.NodeSelectorOpIn, "n1"))), true},
		{"matchFields NotIn the name", podWith(nil, fields(req("metadata.name", corev1.NodeSelectorOpNotIn, "n1"))), false},
		{"matchFields with two values is invalid", podWith(nil, fields(req("metadata.name", corev1.NodeSelectorOpIn, "n1", "n2"))), false},
		{"matchFields and expressions both apply", podWith(nil, corev1.NodeSelectorTerm{
			MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpIn, "z1")},
			MatchFields:      []corev1.NodeSelectorRequirement{req("metadata.name", corev1.NodeSelectorOpIn, "n2")},
		}), false},
		{"node selector and affinity both apply", podWith(map[string]string{"zone": "z2"}, exprs(req("cores", corev1.NodeSelectorOpExists))), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := newRequiredNodeAffinity(tc.pod).match(node); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUntoleratedTaint(t *testing.T) {
	taint := func(key, value string, effect corev1.TaintEffect) corev1.Taint {
		return corev1.Taint{Key: key, Value: value, Effect: effect}
	}
	tests := []struct {
		name        string
		taints      []corev1.Taint
		tolerations []corev1.Toleration
		want        bool
	}{
		{"no taints", nil, nil, false},
		{"NoSchedule untolerated", []corev1.Taint{taint("k", "v", corev1.TaintEffectNoSchedule)}, nil, true},
		{"NoExecute untolerated", []corev1.Taint{taint("k", "v", corev1.TaintEffectNoExecute)}, nil, true},
		{"PreferNoSchedule is ignored", []corev1.Taint{taint("k", "v", corev1.TaintEffectPreferNoSchedule)}, nil, false},
		{"Equal tolerates the same value", []corev1.Taint{taint("k", "v", corev1.TaintEffectNoSchedule)},
			[]corev1.Toleration{{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}}, false},
		{"Equal does not tolerate another value", []corev1.Taint{taint("k", "v", corev1.TaintEffectNoSchedule)},
			[]corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpEqual, Value: "w"}}, true},
		{"another effect is not tolerated", []corev1.Taint{taint("k", "v", corev1.TaintEffectNoSchedule)},
			[]corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}, true},
		{"an empty key with Exists tolerates everything", []corev1.Taint{taint("k", "v", corev1.TaintEffectNoSchedule), taint("j", "", corev1.TaintEffectNoExecute)},
			[]corev1.Toleration{{Operator: corev1.TolerationOpExists}}, false},
		{"an unknown operator tolerates nothing", []corev1.Taint{taint("k", "v", corev1.TaintEffectNoSchedule)},
			[]corev1.Toleration{{Key: "k", Operator: "Gt", Value: "v"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hasUntoleratedNoScheduleTaint(tc.taints, tc.tolerations); got != tc.want {
				t.Errorf("hasUntoleratedNoScheduleTaint = %v, want %v", got, tc.want)
			}
		})
	}
}
