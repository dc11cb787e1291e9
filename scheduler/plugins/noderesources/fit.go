package noderesources

import (
	"context"
	"fmt"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

const (
	preFilterStateKey framework.StateKey = "PreFilter" + names.NodeResourcesFit
	preScoreStateKey  framework.StateKey = "PreScore" + names.NodeResourcesFit
)

// Fit is the NodeResourcesFit plugin.
type Fit struct {
	ignoredResources      map[string]struct{}
	ignoredResourceGroups map[string]struct{}
	strategy              ScoringStrategyType
	scorer                resourceAllocationScorer
}

var (
	_ framework.PreFilterPlugin   = (*Fit)(nil)
	_ framework.FilterPlugin      = (*Fit)(nil)
	_ framework.PreScorePlugin    = (*Fit)(nil)
	_ framework.ScorePlugin       = (*Fit)(nil)
	_ framework.EnqueueExtensions = (*Fit)(nil)
)

// NewFit is the factory of NodeResourcesFit; args may be nil, FitArgs or
// *FitArgs. It fails on an unknown strategy, a weight outside [1, 100] or
// a missing or invalid shape for RequestedToCapacityRatio.
func NewFit(_ context.Context, args any, _ framework.Handle) (framework.Plugin, error) {
	var a FitArgs
	switch v := args.(type) {
	case nil:
	case FitArgs:
		a = v
	case *FitArgs:
		if v != nil {
			a = *v
		}
	default:
		return nil, fmt.Errorf("want args of type noderesources.FitArgs, got %T", args)
	}
	st := ScoringStrategy{Type: LeastAllocated}
	if a.ScoringStrategy != nil {
		st = *a.ScoringStrategy
		if st.Type == "" {
			st.Type = LeastAllocated
		}
	}
	st.Resources = resourcesOrDefault(st.Resources)
	if err := validateResources(st.Resources); err != nil {
		return nil, fmt.Errorf("scoringStrategy.%w", err)
	}
	f := &Fit{
		ignoredResources:      toSet(a.IgnoredResources),
		ignoredResourceGroups: toSet(a.IgnoredResourceGroups),
		strategy:              st.Type,
		scorer:                resourceAllocationScorer{resources: st.Resources},
	}
	switch st.Type {
	case LeastAllocated:
		f.scorer.scorer = weightedAverage(st.Resources, leastRequestedScore)
	case MostAllocated:
		f.scorer.scorer = weightedAverage(st.Resources, mostRequestedScore)
	case RequestedToCapacityRatio:
		if err := validateShape(st.Shape); err != nil {
			return nil, fmt.Errorf("scoringStrategy.requestedToCapacityRatio.%w", err)
		}
		f.scorer.scorer = requestedToCapacityRatioScorer(st.Resources, st.Shape)
	default:
		return nil, fmt.Errorf("scoringStrategy.type: Unsupported value: %q: supported values: %q, %q, %q", st.Type, LeastAllocated, MostAllocated, RequestedToCapacityRatio)
	}
	return f, nil
}

func toSet(s []string) map[string]struct{} {
	m := make(map[string]struct{}, len(s))
	for _, v := range s {
		m[v] = struct{}{}
	}
	return m
}

// Name returns "NodeResourcesFit".
func (*Fit) Name() string { return names.NodeResourcesFit }

type preFilterState struct {
	pi *framework.PodInfo
}

func (s *preFilterState) Clone() framework.StateData { return s }

// PreFilter computes the pod's requests once per cycle.
func (f *Fit) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	pi, _ := framework.NewPodInfo(pod)
	state.Write(preFilterStateKey, &preFilterState{pi: pi})
	return nil, nil
}

// PreFilterExtensions returns nil.
func (*Fit) PreFilterExtensions() framework.PreFilterExtensions { return nil }

// Filter rejects a node that lacks room for the pod, with one reason per
// short resource ("Insufficient cpu", "Too many pods", ...). The status is
// UnschedulableAndUnresolvable when the pod requests more of a resource
// than the node can ever offer (so preemption cannot help), else
// Unschedulable.
func (f *Fit) Filter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	s, err := framework.ReadState[*preFilterState](state, preFilterStateKey)
	if err != nil {
		pi, _ := framework.NewPodInfo(pod)
		s = &preFilterState{pi: pi}
	}
	insufficient := FitsRequest(s.pi.Requests(), ni, f.ignoredResources, f.ignoredResourceGroups)
	if len(insufficient) == 0 {
		return nil
	}
	code := framework.Unschedulable
	reasons := make([]string, 0, len(insufficient))
	for _, r := range insufficient {
		reasons = append(reasons, r.Reason)
		if r.Unresolvable {
			code = framework.UnschedulableAndUnresolvable
		}
	}
	return framework.NewStatus(code, reasons...)
}

// InsufficientResource is a resource the node is short of for a pod.
type InsufficientResource struct {
	ResourceName corev1.ResourceName
	// Reason is the failure text, such as "Insufficient cpu".
	Reason    string
	Requested int64
	Used      int64
	Capacity  int64
	// Unresolvable is set when the request exceeds the node's allocatable
	// amount, so evicting pods cannot make room.
	Unresolvable bool
}

// FitsRequest returns the resources the node lacks for a pod requesting
// req: the pod count, then cpu, memory, ephemeral storage and each scalar
// resource (except ignored extended resources and resource groups).
func FitsRequest(req *framework.Resource, ni *framework.NodeInfo, ignored, ignoredGroups map[string]struct{}) []InsufficientResource {
	var out []InsufficientResource
	if allowed := ni.Allocatable.AllowedPodNumber; len(ni.Pods)+1 > allowed {
		out = append(out, InsufficientResource{ResourceName: corev1.ResourcePods, Reason: "Too many pods", Requested: 1, Used: int64(len(ni.Pods)), Capacity: int64(allowed)})
	}
	if req.MilliCPU == 0 && req.Memory == 0 && req.EphemeralStorage == 0 && len(req.ScalarResources) == 0 {
		return out
	}
	alloc, used := ni.Allocatable, ni.Requested
	if req.MilliCPU > 0 && req.MilliCPU > alloc.MilliCPU-used.MilliCPU {
		out = append(out, InsufficientResource{ResourceName: corev1.ResourceCPU, Reason: "Insufficient cpu", Requested: req.MilliCPU, Used: used.MilliCPU, Capacity: alloc.MilliCPU, Unresolvable: req.MilliCPU > alloc.MilliCPU})
	}
	if req.Memory > 0 && req.Memory > alloc.Memory-used.Memory {
		out = append(out, InsufficientResource{ResourceName: corev1.ResourceMemory, Reason: "Insufficient memory", Requested: req.Memory, Used: used.Memory, Capacity: alloc.Memory, Unresolvable: req.Memory > alloc.Memory})
	}
	if req.EphemeralStorage > 0 && req.EphemeralStorage > alloc.EphemeralStorage-used.EphemeralStorage {
		out = append(out, InsufficientResource{ResourceName: corev1.ResourceEphemeralStorage, Reason: "Insufficient ephemeral-storage", Requested: req.EphemeralStorage, Used: used.EphemeralStorage, Capacity: alloc.EphemeralStorage, Unresolvable: req.EphemeralStorage > alloc.EphemeralStorage})
	}
	for _, name := range sortedScalars(req.ScalarResources) {
		q := req.ScalarResources[name]
		if q == 0 {
			continue
		}
		if framework.IsExtendedResourceName(name) {
			if _, ok := ignored[string(name)]; ok {
				continue
			}
			prefix, _, _ := strings.Cut(string(name), "/")
			if _, ok := ignoredGroups[prefix]; ok {
				continue
			}
		}
		a, u := alloc.ScalarResources[name], used.ScalarResources[name]
		if q > a-u {
			out = append(out, InsufficientResource{ResourceName: name, Reason: fmt.Sprintf("Insufficient %v", name), Requested: q, Used: u, Capacity: a, Unresolvable: q > a})
		}
	}
	return out
}

func sortedScalars(m map[corev1.ResourceName]int64) []corev1.ResourceName {
	if len(m) == 0 {
		return nil
	}
	out := make([]corev1.ResourceName, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

type preScoreState struct {
	podRequests []int64
}

func (s *preScoreState) Clone() framework.StateData { return s }

// PreScore computes the pod's request of each scored resource.
func (f *Fit) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) *framework.Status {
	pi := podInfoFrom(state, pod)
	state.Write(preScoreStateKey, &preScoreState{podRequests: f.scorer.podRequests(pi)})
	return nil
}

func podInfoFrom(state *framework.CycleState, pod *corev1.Pod) *framework.PodInfo {
	if s, err := framework.ReadState[*preFilterState](state, preFilterStateKey); err == nil {
		return s.pi
	}
	pi, _ := framework.NewPodInfo(pod)
	return pi
}

// Score is the node's score under the scoring strategy, in [0, 100].
func (f *Fit) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	s, err := framework.ReadState[*preScoreState](state, preScoreStateKey)
	if err != nil {
		s = &preScoreState{podRequests: f.scorer.podRequests(podInfoFrom(state, pod))}
	}
	return f.scorer.score(ni, s.podRequests), nil
}

// ScoreExtensions returns nil: scores are already in [0, 100].
func (*Fit) ScoreExtensions() framework.ScoreExtensions { return nil }

// EventsToRegister: an assigned pod deleted or scaled down, a node added
// or its allocatable changed.
func (f *Fit) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{Event: framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete | framework.UpdatePodScaleDown}},
		{Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeAllocatable}, QueueingHintFn: func(pod *corev1.Pod, _, newObj any) (framework.QueueingHint, error) {
			n, ok := newObj.(*corev1.Node)
			if !ok {
				return framework.Queue, nil
			}
			pi, _ := framework.NewPodInfo(pod)
			ni := framework.NewNodeInfo()
			ni.SetNode(n)
			for _, r := range FitsRequest(pi.Requests(), ni, f.ignoredResources, f.ignoredResourceGroups) {
				if r.ResourceName != corev1.ResourcePods || ni.Allocatable.AllowedPodNumber == 0 {
					return framework.QueueSkip, nil
				}
			}
			return framework.Queue, nil
		}},
	}, nil
}

var _ framework.NodeLocalPlugin = (*Fit)(nil)

// NodeLocal marks the plugin as judging each node by that node alone (see
// framework.NodeLocalPlugin).
func (*Fit) NodeLocal() {}
