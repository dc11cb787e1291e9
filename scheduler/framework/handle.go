package framework

import (
	"context"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/types"
)

// Handle is what the framework gives each plugin at construction: access to
// the cycle's snapshot, the nominated pods, the waiting pods, the plugin
// runner (for preemption's simulations), a Parallelizer, and the
// embedder-supplied hooks for evicting and activating pods. Its methods are
// safe for concurrent use.
type Handle interface {
	PodNominator
	PluginsRunner

	// SnapshotSharedLister returns the snapshot of the current cycle. It is
	// only valid during a scheduling cycle, and only for reading.
	SnapshotSharedLister() SharedLister

	// IterateOverWaitingPods calls fn for each pod waiting in Permit.
	IterateOverWaitingPods(fn func(WaitingPod))
	// GetWaitingPod returns the waiting pod with uid, or nil.
	GetWaitingPod(uid types.UID) WaitingPod
	// RejectWaitingPod rejects the waiting pod with uid and reports whether
	// there was one.
	RejectWaitingPod(uid types.UID) bool

	// Parallelizer runs work in parallel with the scheduler's parallelism.
	Parallelizer() Parallelizer

	// PodEvictor evicts pods for preemption. It is never nil; without an
	// embedder-supplied evictor, it fails every eviction.
	PodEvictor() PodEvictor
	// PodActivator moves pods back to the active queue. It is never nil.
	PodActivator() PodActivator
	// NamespaceLister returns namespace labels for namespace selectors. It
	// is never nil; without one from the embedder, it knows no namespace.
	NamespaceLister() NamespaceLister
	// PodBinder writes bindings for DefaultBinder. It is never nil;
	// without an embedder-supplied binder, it fails every bind.
	PodBinder() PodBinder
}

// PodBinder writes the binding of pod to nodeName: through the API server
// it is the pods/binding subresource; an embedder writes its own state.
// Bind must return promptly when ctx is cancelled and may be called from
// several goroutines at once (the scheduler binds asynchronously).
type PodBinder interface {
	Bind(ctx context.Context, pod *corev1.Pod, nodeName string) error
}

// PodBinderFunc adapts a function to PodBinder.
type PodBinderFunc func(ctx context.Context, pod *corev1.Pod, nodeName string) error

// Bind calls f.
func (f PodBinderFunc) Bind(ctx context.Context, pod *corev1.Pod, nodeName string) error {
	return f(ctx, pod, nodeName)
}

// PodNominator tracks the pods nominated to nodes by preemption: they are
// expected to land there once their victims are gone, so Filter counts them
// as if they were on the node (when they have equal or higher priority).
type PodNominator interface {
	// AddNominatedPod records pod as nominated to nominatingInfo's node, or
	// to pod.Status.NominatedNodeName when the mode is ModeNoop.
	AddNominatedPod(pod *PodInfo, nominatingInfo *NominatingInfo)
	// DeleteNominatedPodIfExists forgets pod's nomination.
	DeleteNominatedPodIfExists(pod *corev1.Pod)
	// UpdateNominatedPod replaces oldPod's nomination by newPodInfo's.
	UpdateNominatedPod(oldPod *corev1.Pod, newPodInfo *PodInfo)
	// NominatedPodsForNode returns the pods nominated to nodeName; the
	// caller must not modify them.
	NominatedPodsForNode(nodeName string) []*PodInfo
}

// PluginsRunner runs a profile's plugins on demand; preemption uses it to
// ask whether a pod would fit a node once victims are removed.
type PluginsRunner interface {
	// RunPreScorePlugins runs the PreScore plugins.
	RunPreScorePlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) *Status
	// RunScorePlugins scores nodes with every Score plugin, normalised and
	// weighted.
	RunScorePlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) ([]NodePluginScores, *Status)
	// RunFilterPlugins runs the Filter plugins on one node, stopping at
	// the first that does not return Success.
	RunFilterPlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeInfo *NodeInfo) *Status
	// RunFilterPluginsWithNominatedPods runs the Filter plugins on one
	// node as if the pods nominated to it with priority at least pod's
	// were running there.
	RunFilterPluginsWithNominatedPods(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeInfo *NodeInfo) *Status
	// RunPreFilterExtensionAddPod updates state for podInfoToAdd added to
	// nodeInfo.
	RunPreFilterExtensionAddPod(ctx context.Context, state *CycleState, podToSchedule *corev1.Pod, podInfoToAdd *PodInfo, nodeInfo *NodeInfo) *Status
	// RunPreFilterExtensionRemovePod updates state for podInfoToRemove
	// removed from nodeInfo.
	RunPreFilterExtensionRemovePod(ctx context.Context, state *CycleState, podToSchedule *corev1.Pod, podInfoToRemove *PodInfo, nodeInfo *NodeInfo) *Status
}

// WaitingPod is a pod parked by a Permit plugin's Wait.
type WaitingPod interface {
	// GetPod returns the pod.
	GetPod() *corev1.Pod
	// GetPendingPlugins returns the plugins that have not allowed it yet.
	GetPendingPlugins() []string
	// Allow records pluginName's approval; when every waiting plugin has
	// approved, the pod proceeds to binding.
	Allow(pluginName string)
	// Reject rejects the pod with msg; it goes back to the queue.
	Reject(pluginName, msg string)
}

// PodEvictor evicts a pod to make room for a preemptor. The embedder
// supplies it: through the API server it is the eviction (or delete) call;
// in a simulation it removes the pod from the embedder's own state. Evict
// must return promptly when ctx is cancelled and may be called from several
// goroutines at once.
type PodEvictor interface {
	Evict(ctx context.Context, victim *corev1.Pod, preemptor *corev1.Pod) error
}

// PodEvictorFunc adapts a function to PodEvictor.
type PodEvictorFunc func(ctx context.Context, victim *corev1.Pod, preemptor *corev1.Pod) error

// Evict calls f.
func (f PodEvictorFunc) Evict(ctx context.Context, victim, preemptor *corev1.Pod) error {
	return f(ctx, victim, preemptor)
}

// PodActivator moves pods from the backoff queue or the unschedulable set
// into the active queue, such as the other members of a pod group.
type PodActivator interface {
	// Activate moves the pods (by PodKey) to the active queue when they
	// are waiting in the scheduler's queue; others are ignored.
	Activate(pods map[string]*corev1.Pod)
}

// NamespaceLister returns the labels of a namespace, for the namespace
// selectors of pod affinity terms.
type NamespaceLister interface {
	// NamespaceLabels returns the labels of the namespace name, and false
	// when the namespace is unknown. Callers then assume the single label
	// kubernetes.io/metadata.name=name, as Kubernetes does.
	NamespaceLabels(name string) (map[string]string, bool)
}

// NamespaceLabels returns the labels of namespace name from l, or
// {"kubernetes.io/metadata.name": name} when l does not know it.
func NamespaceLabels(l NamespaceLister, name string) map[string]string {
	if l != nil {
		if m, ok := l.NamespaceLabels(name); ok {
			return m
		}
	}
	return map[string]string{corev1.LabelMetadataName: name}
}
