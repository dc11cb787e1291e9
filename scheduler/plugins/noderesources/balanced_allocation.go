package noderesources

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

const balancedPreScoreStateKey framework.StateKey = "PreScore" + names.NodeResourcesBalancedAllocation

// BalancedAllocation is the NodeResourcesBalancedAllocation plugin.
type BalancedAllocation struct {
	scorer resourceAllocationScorer
}

var (
	_ framework.PreScorePlugin = (*BalancedAllocation)(nil)
	_ framework.ScorePlugin    = (*BalancedAllocation)(nil)
)

// NewBalancedAllocation is the plugin's factory; args may be nil,
// BalancedAllocationArgs or *BalancedAllocationArgs.
func NewBalancedAllocation(_ context.Context, args any, _ framework.Handle) (framework.Plugin, error) {
	var a BalancedAllocationArgs
	switch v := args.(type) {
	case nil:
	case BalancedAllocationArgs:
		a = v
	case *BalancedAllocationArgs:
		if v != nil {
			a = *v
		}
	default:
		return nil, fmt.Errorf("want args of type noderesources.BalancedAllocationArgs, got %T", args)
	}
	rs := resourcesOrDefault(a.Resources)
	if err := validateResources(rs); err != nil {
		return nil, err
	}
	return &BalancedAllocation{scorer: resourceAllocationScorer{resources: rs, scorer: balancedResourceScorer, useRequested: true}}, nil
}

// Name returns "NodeResourcesBalancedAllocation".
func (*BalancedAllocation) Name() string { return names.NodeResourcesBalancedAllocation }

// PreScore computes the pod's requests; Skip for a pod that requests none
// of the scored resources (a best-effort pod), which would otherwise
// always land on the same node.
func (ba *BalancedAllocation) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) *framework.Status {
	reqs := ba.scorer.podRequests(podInfoFrom(state, pod))
	best := true
	for _, r := range reqs {
		if r != 0 {
			best = false
			break
		}
	}
	if best {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(balancedPreScoreStateKey, &preScoreState{podRequests: reqs})
	return nil
}

// Score is 100 × (1 - the standard deviation of the node's utilisation
// fractions after placing the pod).
func (ba *BalancedAllocation) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	s, err := framework.ReadState[*preScoreState](state, balancedPreScoreStateKey)
	if err != nil {
		s = &preScoreState{podRequests: ba.scorer.podRequests(podInfoFrom(state, pod))}
	}
	return ba.scorer.score(ni, s.podRequests), nil
}

// ScoreExtensions returns nil.
func (*BalancedAllocation) ScoreExtensions() framework.ScoreExtensions { return nil }

var _ framework.NodeLocalPlugin = (*BalancedAllocation)(nil)

// NodeLocal marks the plugin as judging each node by that node alone (see
// framework.NodeLocalPlugin).
func (*BalancedAllocation) NodeLocal() {}
