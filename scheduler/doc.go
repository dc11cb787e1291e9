// Package scheduler places pods on nodes, in the manner and with the
// plugins of the Kubernetes scheduler, and works with or without an API
// server.
//
// Where to start:
//
//   - Place answers "which node would this pod go to?" for the caller's own
//     nodes and pods, in one call; a Placer does the same repeatedly on a
//     cache.Snapshot, and WhatIf places a batch of pods on a copy of a
//     snapshot without binding anything.
//   - New builds a Scheduler: feed it nodes and pods with AddNode, AddPod
//     and friends (from informers or from the embedder's own state), give
//     it a Binder in Options, and call Run. Binding runs on its own
//     goroutine per pod, so the next scheduling cycle does not wait for it;
//     a failed bind unreserves the pod and requeues it.
//
// The pieces live in sub-packages: framework (the plugin interfaces and the
// types plugins see), framework/runtime (runs a profile's plugins), queue
// (active, backoff and unschedulable pods), cache (nodes, pods, assumed pods
// and snapshots), plugins (the in-tree plugins and their registry) and clock
// (real and fake time).
//
// # Scheduling cycle
//
// Each cycle pops the highest-priority pod, brings the snapshot up to date
// (copying only changed nodes), runs PreFilter, then Filter over the nodes
// starting where the previous cycle stopped until enough feasible nodes are
// found (all nodes below 100, else Kubernetes' adaptive percentage: 50%
// minus 1% per 125 nodes, at least 5% and at least 100 nodes), then
// PreScore, Score, NormalizeScore and the profile's weights, and picks the
// best node, breaking ties at random. It then assumes the pod onto the
// node, runs Reserve and Permit, and hands the pod to the binding cycle
// (WaitOnPermit, PreBind, Bind, PostBind). When no node fits, PostFilter
// (preemption) may nominate a node, and the pod goes back to the queue.
//
// Filter results are read in node order, in chunks evaluated in parallel,
// so the nodes a cycle considers do not depend on goroutine timing.
//
// # Batching of identical pods
//
// Pods with the same scheduling-relevant spec (profile, namespace, labels,
// requests, ports, images, node selector, affinity, tolerations, spread
// constraints, priority, ...) form an equivalence class. For each class the
// scheduler remembers every node's Filter verdict and raw Score values, and
// reuses them for the next pod of the class as long as the node has not
// changed (its NodeInfo generation), the snapshot's node set has not
// changed, and no nomination changed. A cycle uses the memo only when every
// Filter (respectively Score) plugin that runs for the pod is a
// framework.NodeLocalPlugin, whose verdict on a node depends on that node
// alone; plugins that read other nodes (InterPodAffinity,
// PodTopologySpread) disable it for the cycles where they run, and simply
// skipping pods that do not use them keeps it on. Normalisation, weighting
// and node selection always run over the cycle's own nodes. Placement is
// therefore exactly what it would be without batching; Options.
// DisableBatching turns it off.
package scheduler
