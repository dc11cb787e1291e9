// Package defaultpreemption is the DefaultPreemption scheduler plugin: when
// no node passes Filter for a pod, it looks for a node where evicting pods
// of lower priority would let the pod run, evicts the fewest and least
// important of them, and nominates that node for the pod, with
// Kubernetes' rules (see DefaultPreemption.PostFilter).
//
// Start with New, the plugin's framework.PluginFactory, registered under
// Name and enabled at PostFilter:
//
//	registry.Register(defaultpreemption.Name, defaultpreemption.New)
//
// What the embedder supplies:
//
//   - the framework.Handle's PodEvictor, which evicts a victim (through
//     the API server: set the DisruptionTarget condition, then delete or
//     evict the pod; a victim already gone should count as evicted). An
//     eviction error fails the preemption with an Error status;
//   - optionally, a DisruptionBudgetLister (Args.DisruptionBudgets, or the
//     Handle implementing it): preemption then prefers victims, and
//     nodes, that violate no disruption budget, as Kubernetes does with
//     PodDisruptionBudgets;
//   - optionally, a Handle that implements NominationClearer, to clear in
//     the API the nominations of lower-priority pods nominated to the
//     chosen node.
//
// The dry run simulates on copies: each node's NodeInfo is copied with
// NodeInfo.Snapshot and the CycleState with Clone; pods are removed and
// added back through the PreFilter plugins' AddPod and RemovePod, and the
// Filter plugins are re-run with the Handle's
// RunFilterPluginsWithNominatedPods. Nodes are dry-run in parallel with the
// Handle's Parallelizer.
//
// Preemption runs synchronously within PostFilter (Kubernetes' asynchronous
// preemption is not implemented), and preemption extenders are not
// consulted.
package defaultpreemption
