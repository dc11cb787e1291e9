// Package podtopologyspread is the PodTopologySpread scheduler plugin: it
// spreads matching pods across topology domains (nodes, zones, regions)
// as a pod's spec.topologySpreadConstraints ask, with Kubernetes' rules.
//
// Start with New, the plugin's framework.PluginFactory, registered under
// Name:
//
//	registry.Register(podtopologyspread.Name, podtopologyspread.New)
//
// # Filtering (whenUnsatisfiable: DoNotSchedule)
//
// PreFilter counts, for each constraint, the pods of the incoming pod's
// namespace that the constraint's selector (plus its matchLabelKeys)
// selects, per domain, over the eligible nodes: those that carry every
// constraint's topology key and pass the constraint's node inclusion
// policies (nodeAffinityPolicy, default Honor: the pod's nodeSelector and
// required node affinity; nodeTaintsPolicy, default Ignore: when Honor,
// nodes with a NoSchedule or NoExecute taint the pod does not tolerate are
// left out). Terminating pods are not counted.
//
// Filter then places the pod on a node only if, for every constraint,
//
//	count(node's domain) + (1 if the pod matches itself) − global minimum ≤ maxSkew
//
// where the global minimum is the smallest count over the eligible domains,
// or 0 when fewer than minDomains domains are eligible. A node without a
// constraint's topology key is rejected as UnschedulableAndUnresolvable
// with ErrReasonNodeLabelNotMatch; a skew too large is Unschedulable with
// ErrReasonConstraintsNotMatch, which preemption may resolve (AddPod and
// RemovePod keep the counts right while it simulates).
//
// # Scoring (whenUnsatisfiable: ScheduleAnyway)
//
// Score sums, over the constraints, count × log(number of domains + 2) +
// maxSkew − 1, and NormalizeScore inverts it into [0, 100], so that the
// nodes in the emptiest domains score highest.
//
// # Default constraints
//
// A pod with no constraints of its own gets the default constraints: by
// default (DefaultingType System) Kubernetes' system defaults,
// SystemDefaultConstraints (host name maxSkew 3, zone maxSkew 5, both
// ScheduleAnyway); with DefaultingType List, Args.DefaultConstraints. A
// default constraint counts the pods of the same Services, ReplicaSet or
// StatefulSet as the pod, and applies only to pods that belong to one.
// The plugin learns which through a WorkloadLister (Args.Workloads, or the
// Handle when it implements one); without one, default constraints never
// apply.
//
// # Cost
//
// PreFilter counts, per node, the pods each hard constraint's selector
// selects, as Kubernetes' plugin does, but remembers those counts
// (framework.NodeMemo) keyed by the pod's namespace and the constraints'
// selectors: the next pod with the same ones only visits the pods of the
// nodes whose NodeInfo changed since. Node eligibility (topology keys,
// node inclusion policies) is checked for every node in every cycle, so
// the counts are the same as without the memo.
package podtopologyspread
