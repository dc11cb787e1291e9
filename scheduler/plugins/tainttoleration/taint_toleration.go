// Package tainttoleration is the TaintToleration plugin: Filter keeps pods
// off nodes with NoSchedule and NoExecute taints they do not tolerate, and
// Score prefers nodes with fewer untolerated PreferNoSchedule taints.
package tainttoleration

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// TaintToleration filters and scores nodes by taints and tolerations.
type TaintToleration struct{}

var (
	_ framework.FilterPlugin      = TaintToleration{}
	_ framework.PreScorePlugin    = TaintToleration{}
	_ framework.ScorePlugin       = TaintToleration{}
	_ framework.EnqueueExtensions = TaintToleration{}
)

const preScoreStateKey framework.StateKey = "PreScore" + names.TaintToleration

// Name returns "TaintToleration".
func (TaintToleration) Name() string { return names.TaintToleration }

// ToleratesTaint reports whether t tolerates taint: the effects match (an
// empty toleration effect matches all), the keys match (an empty key
// matches all), and, for operator Equal (or ""), the values are equal;
// Exists matches any value. Other operators tolerate nothing.
func ToleratesTaint(t *corev1.Toleration, taint *corev1.Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key != "" && t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case "", corev1.TolerationOpEqual:
		return t.Value == taint.Value
	case corev1.TolerationOpExists:
		return true
	}
	return false
}

// TolerationsTolerateTaint reports whether any of tolerations tolerates
// taint.
func TolerationsTolerateTaint(tolerations []corev1.Toleration, taint *corev1.Taint) bool {
	for i := range tolerations {
		if ToleratesTaint(&tolerations[i], taint) {
			return true
		}
	}
	return false
}

// FindMatchingUntoleratedTaint returns the first taint that passes
// inclusion (nil includes all) and that no toleration tolerates.
func FindMatchingUntoleratedTaint(taints []corev1.Taint, tolerations []corev1.Toleration, inclusion func(*corev1.Taint) bool) (corev1.Taint, bool) {
	for i := range taints {
		if inclusion != nil && !inclusion(&taints[i]) {
			continue
		}
		if !TolerationsTolerateTaint(tolerations, &taints[i]) {
			return taints[i], true
		}
	}
	return corev1.Taint{}, false
}

// DoNotScheduleTaints includes the taints Filter honours: NoSchedule and
// NoExecute.
func DoNotScheduleTaints(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}

// Filter rejects, UnschedulableAndUnresolvable, a node with a NoSchedule
// or NoExecute taint the pod does not tolerate, with the reason
// "node(s) had untolerated taint {key: value}".
func (TaintToleration) Filter(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	node := ni.Node()
	if node == nil {
		return framework.NewStatus(framework.Error, "node not found")
	}
	taint, untolerated := FindMatchingUntoleratedTaint(node.Spec.Taints, pod.Spec.Tolerations, DoNotScheduleTaints)
	if !untolerated {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("node(s) had untolerated taint {%s: %s}", taint.Key, taint.Value))
}

type preScoreState struct {
	tolerationsPreferNoSchedule []corev1.Toleration
}

func (s *preScoreState) Clone() framework.StateData { return s }

// PreScore keeps the pod's tolerations that apply to PreferNoSchedule
// (those with that effect or none).
func (TaintToleration) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) *framework.Status {
	var tols []corev1.Toleration
	for _, t := range pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == corev1.TaintEffectPreferNoSchedule {
			tols = append(tols, t)
		}
	}
	state.Write(preScoreStateKey, &preScoreState{tolerationsPreferNoSchedule: tols})
	return nil
}

// Score counts the node's PreferNoSchedule taints the pod does not
// tolerate; NormalizeScore turns fewer into higher.
func (TaintToleration) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	s, err := framework.ReadState[*preScoreState](state, preScoreStateKey)
	if err != nil {
		return 0, framework.AsStatus(err)
	}
	var n int64
	for i := range ni.Node().Spec.Taints {
		t := &ni.Node().Spec.Taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule && !TolerationsTolerateTaint(s.tolerationsPreferNoSchedule, t) {
			n++
		}
	}
	return n, nil
}

// ScoreExtensions returns the plugin: it normalises its scores.
func (p TaintToleration) ScoreExtensions() framework.ScoreExtensions { return p }

// NormalizeScore maps counts to [0, 100] in reverse: the node with the most
// untolerated taints gets 0, a node with none 100.
func (TaintToleration) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, scores framework.NodeScoreList) *framework.Status {
	return framework.DefaultNormalizeScore(framework.MaxNodeScore, true, scores)
}

// EventsToRegister: nodes added or their taints changed, and the pod's
// tolerations changed.
func (TaintToleration) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeTaint}, QueueingHintFn: nodeHint},
		{Event: framework.ClusterEvent{Resource: framework.UnscheduledPod, ActionType: framework.UpdatePodToleration}},
	}, nil
}

func nodeHint(pod *corev1.Pod, _, newObj any) (framework.QueueingHint, error) {
	n, ok := newObj.(*corev1.Node)
	if !ok {
		return framework.Queue, nil
	}
	if _, untolerated := FindMatchingUntoleratedTaint(n.Spec.Taints, pod.Spec.Tolerations, DoNotScheduleTaints); untolerated {
		return framework.QueueSkip, nil
	}
	return framework.Queue, nil
}

// New is the plugin's factory; it takes no arguments.
func New(context.Context, any, framework.Handle) (framework.Plugin, error) {
	return TaintToleration{}, nil
}

var _ framework.NodeLocalPlugin = TaintToleration{}

// NodeLocal marks the plugin as judging each node by that node alone (see
// framework.NodeLocalPlugin).
func (TaintToleration) NodeLocal() {}
