// Package nodeaffinity is the NodeAffinity plugin: Filter enforces a pod's
// spec.nodeSelector and required node affinity, Score adds the weights of
// the preferred terms a node matches. It also exports the node selector
// matching other plugins use.
package nodeaffinity

import (
	"context"
	"errors"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// The Filter failure reasons, Kubernetes' texts.
const (
	ErrReasonPod      = "node(s) didn't match Pod's node affinity/selector"
	errReasonEnforced = "node(s) didn't match scheduler-enforced node affinity"
	errReasonConflict = "pod affinity terms conflict"
)

const (
	preFilterStateKey framework.StateKey = "PreFilter" + names.NodeAffinity
	preScoreStateKey  framework.StateKey = "PreScore" + names.NodeAffinity
)

// Args are the plugin's arguments.
type Args struct {
	// AddedAffinity is applied to every pod of the profile on top of its
	// own: its required terms must match too, and its preferred terms add
	// to the score.
	AddedAffinity *corev1.NodeAffinity
}

// NodeAffinity filters and scores nodes by node affinity.
type NodeAffinity struct {
	addedNodeSelector   *NodeSelector
	addedPrefSchedTerms *PreferredSchedulingTerms
}

var (
	_ framework.PreFilterPlugin   = (*NodeAffinity)(nil)
	_ framework.FilterPlugin      = (*NodeAffinity)(nil)
	_ framework.PreScorePlugin    = (*NodeAffinity)(nil)
	_ framework.ScorePlugin       = (*NodeAffinity)(nil)
	_ framework.EnqueueExtensions = (*NodeAffinity)(nil)
)

// New is the plugin's factory; args may be nil, Args or *Args. It fails
// when AddedAffinity does not parse.
func New(_ context.Context, args any, _ framework.Handle) (framework.Plugin, error) {
	var a Args
	switch v := args.(type) {
	case nil:
	case Args:
		a = v
	case *Args:
		if v != nil {
			a = *v
		}
	default:
		return nil, fmt.Errorf("want args of type nodeaffinity.Args, got %T", args)
	}
	pl := &NodeAffinity{}
	if a.AddedAffinity == nil {
		return pl, nil
	}
	if ns := a.AddedAffinity.RequiredDuringSchedulingIgnoredDuringExecution; ns != nil {
		sel, err := NewNodeSelector(ns)
		if err != nil {
			return nil, fmt.Errorf("addedAffinity.requiredDuringSchedulingIgnoredDuringExecution: %w", err)
		}
		pl.addedNodeSelector = sel
	}
	terms, err := NewPreferredSchedulingTerms(a.AddedAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
	if err != nil {
		return nil, fmt.Errorf("addedAffinity: %w", err)
	}
	pl.addedPrefSchedTerms = terms
	return pl, nil
}

// Name returns "NodeAffinity".
func (*NodeAffinity) Name() string { return names.NodeAffinity }

type preFilterState struct {
	required RequiredNodeAffinity
}

func (s *preFilterState) Clone() framework.StateData { return s }

// PreFilter parses the pod's required affinity once. It returns Skip when
// the pod has neither node selector nor required affinity (and the
// profile adds none); a result narrowing the nodes when every required
// term names nodes by metadata.name In; and UnschedulableAndUnresolvable
// when those names conflict.
func (pl *NodeAffinity) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	a := pod.Spec.Affinity
	noAffinity := a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil
	if noAffinity && pl.addedNodeSelector == nil && pod.Spec.NodeSelector == nil {
		return nil, framework.NewStatus(framework.Skip)
	}
	state.Write(preFilterStateKey, &preFilterState{required: GetRequiredNodeAffinity(pod)})
	if noAffinity || len(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms) == 0 {
		return nil, nil
	}
	var nodeNames map[string]struct{}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		var termNames map[string]struct{}
		for _, r := range t.MatchFields {
			if r.Key != ObjectNameField || r.Operator != corev1.NodeSelectorOpIn {
				continue
			}
			s := make(map[string]struct{}, len(r.Values))
			for _, v := range r.Values {
				if _, ok := termNames[v]; ok || termNames == nil {
					s[v] = struct{}{}
				}
			}
			termNames = s
		}
		if termNames == nil {
			return nil, nil // this term allows every node, and terms are ORed
		}
		if nodeNames == nil {
			nodeNames = make(map[string]struct{})
		}
		for n := range termNames {
			nodeNames[n] = struct{}{}
		}
	}
	if len(nodeNames) == 0 {
		return nil, framework.NewStatus(framework.UnschedulableAndUnresolvable, errReasonConflict)
	}
	return &framework.PreFilterResult{NodeNames: nodeNames}, nil
}

// PreFilterExtensions returns nil: the state does not depend on other
// pods.
func (*NodeAffinity) PreFilterExtensions() framework.PreFilterExtensions { return nil }

// Filter rejects, UnschedulableAndUnresolvable, a node that fails the
// profile's added affinity or the pod's node selector and required
// affinity.
func (pl *NodeAffinity) Filter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	node := ni.Node()
	if node == nil {
		return framework.NewStatus(framework.Error, "node not found")
	}
	if pl.addedNodeSelector != nil && !pl.addedNodeSelector.Match(node) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, errReasonEnforced)
	}
	s, err := framework.ReadState[*preFilterState](state, preFilterStateKey)
	if err != nil {
		s = &preFilterState{required: GetRequiredNodeAffinity(pod)}
	}
	if !s.required.Match(node) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonPod)
	}
	return nil
}

type preScoreState struct {
	preferred *PreferredSchedulingTerms
}

func (s *preScoreState) Clone() framework.StateData { return s }

func podPreferred(pod *corev1.Pod) (*PreferredSchedulingTerms, error) {
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution != nil {
		return NewPreferredSchedulingTerms(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	return nil, nil
}

// PreScore parses the pod's preferred terms; Skip when there are none (and
// the profile adds none). An unparsable term is an Error.
func (pl *NodeAffinity) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) *framework.Status {
	if len(nodes) == 0 {
		return nil
	}
	pref, err := podPreferred(pod)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("parse pod %s/%s preferred node affinity: %w", pod.Namespace, pod.Name, err))
	}
	if pref == nil && pl.addedPrefSchedTerms == nil {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(preScoreStateKey, &preScoreState{preferred: pref})
	return nil
}

// Score is the sum of the weights of the preferred terms (the pod's and
// the profile's) the node matches.
func (pl *NodeAffinity) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	node := ni.Node()
	var count int64
	if pl.addedPrefSchedTerms != nil {
		count += pl.addedPrefSchedTerms.Score(node)
	}
	s, err := framework.ReadState[*preScoreState](state, preScoreStateKey)
	if err != nil {
		pref, perr := podPreferred(pod)
		if perr != nil {
			return 0, framework.AsStatus(perr)
		}
		s = &preScoreState{preferred: pref}
	}
	if s.preferred != nil {
		count += s.preferred.Score(node)
	}
	return count, nil
}

// ScoreExtensions returns the plugin: it normalises its scores.
func (pl *NodeAffinity) ScoreExtensions() framework.ScoreExtensions { return pl }

// NormalizeScore scales the scores so the best node gets 100.
func (*NodeAffinity) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, scores framework.NodeScoreList) *framework.Status {
	return framework.DefaultNormalizeScore(framework.MaxNodeScore, false, scores)
}

// EventsToRegister: nodes added or relabelled, when the pod's required
// affinity matches the new node.
func (pl *NodeAffinity) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{{
		Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeLabel},
		QueueingHintFn: func(pod *corev1.Pod, _, newObj any) (framework.QueueingHint, error) {
			n, ok := newObj.(*corev1.Node)
			if !ok {
				return framework.Queue, nil
			}
			if pl.addedNodeSelector != nil && !pl.addedNodeSelector.Match(n) {
				return framework.QueueSkip, nil
			}
			if !GetRequiredNodeAffinity(pod).Match(n) {
				return framework.QueueSkip, nil
			}
			return framework.Queue, nil
		},
	}}, nil
}

func joinErrs(errs []error) error { return errors.Join(errs...) }

var _ framework.NodeLocalPlugin = (*NodeAffinity)(nil)

// NodeLocal marks the plugin as judging each node by that node alone (see
// framework.NodeLocalPlugin).
func (*NodeAffinity) NodeLocal() {}
