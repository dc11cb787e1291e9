// Package interpodaffinity is the InterPodAffinity scheduler plugin: it
// places a pod near (pod affinity) or away from (pod anti-affinity) other
// pods, per topology domain (a node label such as the host name or the
// zone), with Kubernetes' rules.
//
// Start with New, the plugin's framework.PluginFactory, registered under
// Name:
//
//	registry.Register(interpodaffinity.Name, interpodaffinity.New)
//
// # Filtering (requiredDuringSchedulingIgnoredDuringExecution)
//
// PreFilter counts, per domain, the existing pods that match all of the
// incoming pod's required affinity terms, the existing pods each required
// anti-affinity term selects, and the existing pods whose own required
// anti-affinity selects the incoming pod (the symmetric rule). Filter then
// rejects a node:
//
//   - that lacks a required affinity term's topology key, or whose domain
//     runs no pod matching all the terms: UnschedulableAndUnresolvable,
//     ErrReasonAffinityRulesNotMatch. The exception is the first pod of a
//     group with affinity to itself: when no pod anywhere matches the
//     terms and the pod matches them itself, every node with the keys
//     passes;
//   - whose domain runs a pod the incoming pod's anti-affinity selects:
//     Unschedulable, ErrReasonAntiAffinityRulesNotMatch;
//   - whose domain runs a pod whose anti-affinity selects the incoming pod:
//     Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch.
//
// A term selects pods by its label selector (plus matchLabelKeys and
// mismatchLabelKeys) in its namespaces: those it lists and those its
// namespace selector selects (an empty selector selects every namespace);
// the pod's own namespace when it names none. Namespace labels come from
// the Handle's NamespaceLister.
//
// # Scoring (preferredDuringSchedulingIgnoredDuringExecution)
//
// Score sums, for the node's domains, the weights of the incoming pod's
// preferred affinity terms that existing pods there match (minus those of
// its preferred anti-affinity terms), and of the existing pods' preferred
// terms that the incoming pod matches, plus Args.HardPodAffinityWeight
// (default 1) for each existing pod's required affinity term that the
// incoming pod matches. NormalizeScore maps the sums onto [0, 100].
//
// # Cost
//
// PreFilter and PreScore visit every pod of every node, as Kubernetes'
// plugin does, but remember each node's counts (framework.NodeMemo) keyed
// by what they depend on besides the node: the incoming pod's terms, or
// its namespace, namespace labels and labels. The next pod with the same
// key (the next replica of a workload) only visits the nodes whose
// NodeInfo changed since, and sums per domain are kept up to date by
// adding and taking away those nodes' counts. The results are the same as
// without the memo. Terms whose namespace selector needs namespace labels
// are not memoised.
package interpodaffinity
