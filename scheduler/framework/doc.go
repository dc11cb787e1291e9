// Package framework is the scheduling framework: the extension points a
// scheduler plugin implements, and the types the scheduler hands to plugins.
//
// It mirrors the Kubernetes scheduling framework. Each extension point is one
// small interface (PreEnqueuePlugin, QueueSortPlugin, PreFilterPlugin,
// FilterPlugin, PostFilterPlugin, PreScorePlugin, ScorePlugin with its
// ScoreExtensions, ReservePlugin, PermitPlugin, PreBindPlugin, BindPlugin,
// PostBindPlugin); a plugin implements every interface for the points it
// joins, and the scheduler finds them by type assertion. EnqueueExtensions
// says which cluster events may make a pod that the plugin rejected
// schedulable again.
//
// Where to start: a plugin is built by a PluginFactory from its arguments and
// a Handle, registered in a Registry under its name, and enabled in a
// profile. During a scheduling cycle the plugin reads the cluster through the
// Handle's SnapshotSharedLister (a NodeInfo per node, with its pods and their
// requested resources), keeps per-cycle data in the CycleState, and answers
// with a *Status (nil means Success).
//
// A plugin whose PreFilter or PreScore visits every pod of every node can
// remember per-node results across cycles with a NodeMemo (and keep sums of
// them with NodeAggregate), recomputing only for nodes whose NodeInfo
// Generation changed.
//
// The scheduler itself (queue, cache, cycle) lives in package scheduler; the
// default plugins live under scheduler/plugins.
package framework
