// Package nodelifecycle is the node lifecycle controller: it watches
// Nodes and their heartbeat Leases (coordination.k8s.io/v1, namespace
// kube-node-lease, named after the node), judges nodes that stopped
// reporting, taints them, and evicts the pods that do not tolerate that,
// as Kubernetes' node lifecycle and taint eviction controllers do.
//
// # Where to start
//
// Register it with a Manager through Add; Options' zero value is
// Kubernetes' defaults:
//
//	_, err := nodelifecycle.Add(mgr, c, nodelifecycle.Options{})
//
// # What it does
//
// A node whose Lease renewTime and Ready condition heartbeat have not
// changed for NodeMonitorGracePeriod (40 s; NodeStartupGracePeriod, 60 s
// from creation, for a node that never posted Ready) gets its Ready,
// MemoryPressure, DiskPressure and PIDPressure conditions set to Unknown
// with reason NodeStatusUnknown and message "Kubelet stopped posting node
// status." (MarkUnknown), and its pods' Ready conditions set False.
//
// Taints follow the Ready condition: node.kubernetes.io/unreachable for
// Unknown, node.kubernetes.io/not-ready for False, each as NoSchedule
// (with the other condition taints, ConditionTaints) and as NoExecute
// with timeAdded. When the node reports Ready True again they are removed.
//
// Pods on a node with NoExecute taints (these or any other) are deleted
// as Kubernetes' taint eviction controller does (EvictionTime): at once
// when they do not tolerate a taint, after tolerationSeconds counted from
// the taint's timeAdded when they tolerate it for a while (the API
// server's DefaultTolerationSeconds admission gives every pod 300 s for
// not-ready and unreachable), never when they tolerate it for ever. Each
// eviction records a TaintManagerEviction event.
//
// # Rate limits and disruption
//
// As in Kubernetes, the rate limit is on tainting nodes NoExecute, which
// is what starts their pods' eviction: a token bucket of burst 1 per zone
// (topology.kubernetes.io/region and zone labels, ZoneOf), at
// EvictionRate (0.1 nodes/s) while the zone is in StateNormal or
// StateFullDisruption, at SecondaryEvictionRate (0.01 nodes/s) in
// StatePartialDisruption when the zone has more than
// LargeClusterSizeThreshold (50) nodes, else not at all
// (ComputeZoneState, UnhealthyZoneThreshold 0.55). When every zone is in
// full disruption, the controller assumes the fault is its own
// connectivity: it removes the NoExecute taints it placed and evicts
// nothing until a node is ready again, and then gives every node a fresh
// grace period. Swapping not-ready for unreachable (or back) on a node
// already tainted is not rate-limited.
//
// All timing uses Options.Clock, so that tests drive grace periods and
// toleration deadlines with a controller.FakeClock. Add registers two
// controllers: Name, which reconciles one node per request, and
// MonitorName, which queues every node again each NodeMonitorPeriod (5 s),
// so that deadlines pass although nothing about a node changes.
package nodelifecycle
