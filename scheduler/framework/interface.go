package framework

import (
	"context"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// The score range of Score plugins after normalisation, as in Kubernetes.
const (
	MaxNodeScore int64 = 100
	MinNodeScore int64 = 0
	// MaxTotalScore bounds the weighted sum of all plugins' scores.
	MaxTotalScore int64 = 1<<63 - 1
)

// Plugin is what every plugin implements: its name, unique in a profile.
type Plugin interface {
	Name() string
}

// PreEnqueuePlugin is called before a pod enters the active queue. A
// non-Success status keeps the pod out of scheduling (gated) until an event
// the plugin registered in EnqueueExtensions lets it be tried again. It runs
// on every add and update of the pod, so it must be cheap.
type PreEnqueuePlugin interface {
	Plugin
	PreEnqueue(ctx context.Context, pod *corev1.Pod) *Status
}

// QueueSortPlugin orders the active queue. Less reports whether a is
// scheduled before b. A profile has exactly one; all profiles of one
// scheduler must use the same.
type QueueSortPlugin interface {
	Plugin
	Less(a, b *QueuedPodInfo) bool
}

// PreFilterPlugin runs once per pod and cycle before Filter, to check the pod
// or precompute state for Filter (writing it to the CycleState). nodes are
// every node of the snapshot.
//
// A result with NodeNames narrows the nodes the cycle evaluates (nil means
// all). Unschedulable or UnschedulableAndUnresolvable rejects the pod on
// every node; Skip means the plugin's Filter need not run for this pod.
type PreFilterPlugin interface {
	Plugin
	PreFilter(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) (*PreFilterResult, *Status)
	// PreFilterExtensions returns the hooks that keep the precomputed state
	// right when pods are added to or removed from a node in simulation
	// (nominated pods, preemption), or nil when the state does not depend
	// on other pods.
	PreFilterExtensions() PreFilterExtensions
}

// PreFilterExtensions updates a PreFilter plugin's CycleState for a pod
// added to or removed from nodeInfo, so that its Filter sees the change.
// The framework calls them on a cloned CycleState and a copy of the node.
type PreFilterExtensions interface {
	AddPod(ctx context.Context, state *CycleState, podToSchedule *corev1.Pod, podInfoToAdd *PodInfo, nodeInfo *NodeInfo) *Status
	RemovePod(ctx context.Context, state *CycleState, podToSchedule *corev1.Pod, podInfoToRemove *PodInfo, nodeInfo *NodeInfo) *Status
}

// FilterPlugin decides whether pod may run on one node. It is called
// concurrently for different nodes of one cycle, so it must only read
// shared state. Success keeps the node; Unschedulable or
// UnschedulableAndUnresolvable drops it, with reasons shown to the user;
// Error aborts the cycle. nodeInfo may carry nominated pods added by the
// framework; the plugin must not modify it.
type FilterPlugin interface {
	Plugin
	Filter(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeInfo *NodeInfo) *Status
}

// PostFilterPlugin runs when no node passed Filter, typically to make room
// by preemption. It returns a node to nominate in the result on Success;
// Unschedulable when it cannot help. The plugins run in order until one
// succeeds.
type PostFilterPlugin interface {
	Plugin
	PostFilter(ctx context.Context, state *CycleState, pod *corev1.Pod, filteredNodeStatusMap NodeToStatusReader) (*PostFilterResult, *Status)
}

// PreScorePlugin runs once per pod and cycle before Score with the nodes
// that passed Filter, to precompute state for Score. Skip means the
// plugin's Score need not run for this pod.
type PreScorePlugin interface {
	Plugin
	PreScore(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) *Status
}

// ScorePlugin ranks the nodes that passed Filter. It is called
// concurrently for different nodes. The score is any integer unless
// ScoreExtensions normalises it; after normalisation it must lie in
// [MinNodeScore, MaxNodeScore], and the framework multiplies it by the
// plugin's weight.
type ScorePlugin interface {
	Plugin
	Score(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeInfo *NodeInfo) (int64, *Status)
	// ScoreExtensions returns the normalisation hook, or nil when the
	// scores already lie in [MinNodeScore, MaxNodeScore].
	ScoreExtensions() ScoreExtensions
}

// ScoreExtensions normalises a Score plugin's scores over all nodes, in
// place, into [MinNodeScore, MaxNodeScore].
type ScoreExtensions interface {
	NormalizeScore(ctx context.Context, state *CycleState, pod *corev1.Pod, scores NodeScoreList) *Status
}

// ReservePlugin is told when the scheduler reserves resources for pod on
// nodeName (before binding) and when it gives them back. Reserve failing
// stops the cycle and Unreserve is called on every Reserve plugin, in
// reverse order. Unreserve must be idempotent and must not fail.
type ReservePlugin interface {
	Plugin
	Reserve(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) *Status
	Unreserve(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string)
}

// PermitPlugin approves, rejects or delays the binding of pod to nodeName.
// Returning Wait with a timeout parks the pod (see WaitingPod) until every
// waiting plugin allows it, one rejects it, or the timeout passes (which
// rejects it). Gang scheduling is built on it.
type PermitPlugin interface {
	Plugin
	Permit(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) (*Status, time.Duration)
}

// PreBindPlugin runs before Bind, in the binding goroutine, for work that
// must be done first (such as provisioning volumes). A failure unreserves
// the pod and sends it back to the queue.
type PreBindPlugin interface {
	Plugin
	PreBind(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) *Status
}

// BindPlugin binds pod to nodeName. The Bind plugins run in order until one
// does not return Skip.
type BindPlugin interface {
	Plugin
	Bind(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) *Status
}

// PostBindPlugin is told that pod was bound, for clean-up; it cannot fail.
type PostBindPlugin interface {
	Plugin
	PostBind(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string)
}

// EnqueueExtensions is implemented by plugins that can reject pods, to name
// the cluster events after which a rejected pod may be schedulable again.
// The queue moves a pod out of the unschedulable set only on an event some
// rejecting plugin registered whose hint (when given) says Queue. A plugin
// that rejects pods and does not implement it is treated as interested in
// every event.
type EnqueueExtensions interface {
	Plugin
	EventsToRegister(ctx context.Context) ([]ClusterEventWithHint, error)
}

// NodeScore is a node's score from one plugin, or the total.
type NodeScore struct {
	Name  string
	Score int64
}

// NodeScoreList is the scores of all nodes, in the order of the nodes
// given to the Score plugins.
type NodeScoreList []NodeScore

// PluginScore is one plugin's weighted score of a node.
type PluginScore struct {
	Name  string
	Score int64
}

// NodePluginScores is the score of one node: each plugin's weighted score
// and their total.
type NodePluginScores struct {
	Name       string
	Scores     []PluginScore
	TotalScore int64
}

// PreFilterResult narrows the nodes a cycle evaluates.
type PreFilterResult struct {
	// NodeNames are the only nodes that can pass; nil means every node.
	NodeNames map[string]struct{}
}

// AllNodes reports whether the result keeps every node.
func (p *PreFilterResult) AllNodes() bool { return p == nil || p.NodeNames == nil }

// Merge intersects two results; nil (every node) is the identity.
func (p *PreFilterResult) Merge(in *PreFilterResult) *PreFilterResult {
	if p.AllNodes() && in.AllNodes() {
		return nil
	}
	if p.AllNodes() {
		return &PreFilterResult{NodeNames: cloneSet(in.NodeNames)}
	}
	if in.AllNodes() {
		return &PreFilterResult{NodeNames: cloneSet(p.NodeNames)}
	}
	out := make(map[string]struct{})
	for n := range p.NodeNames {
		if _, ok := in.NodeNames[n]; ok {
			out[n] = struct{}{}
		}
	}
	return &PreFilterResult{NodeNames: out}
}

// NominatingMode says what the scheduler does with a PostFilter's
// nomination.
type NominatingMode int

// The nominating modes.
const (
	// ModeNoop leaves the pod's nominated node as it is.
	ModeNoop NominatingMode = iota
	// ModeOverride sets the pod's nominated node to NominatedNodeName
	// (clearing it when that is "").
	ModeOverride
)

// NominatingInfo is a node nominated for a pod.
type NominatingInfo struct {
	NominatedNodeName string
	NominatingMode    NominatingMode
}

// Mode returns the nominating mode; ModeNoop for nil.
func (n *NominatingInfo) Mode() NominatingMode {
	if n == nil {
		return ModeNoop
	}
	return n.NominatingMode
}

// PostFilterResult is what a PostFilter plugin found: a node nominated for
// the pod once the pods it evicted are gone.
type PostFilterResult struct {
	*NominatingInfo
}

// NewPostFilterResultWithNominatedNode returns a result that nominates
// name.
func NewPostFilterResultWithNominatedNode(name string) *PostFilterResult {
	return &PostFilterResult{NominatingInfo: &NominatingInfo{NominatedNodeName: name, NominatingMode: ModeOverride}}
}
