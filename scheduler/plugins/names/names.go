// Package names holds the names of the in-tree scheduler plugins, as
// Kubernetes spells them, for profiles and registries.
package names

// The plugin names.
const (
	PrioritySort                    = "PrioritySort"
	SchedulingGates                 = "SchedulingGates"
	NodeName                        = "NodeName"
	NodeUnschedulable               = "NodeUnschedulable"
	NodeResourcesFit                = "NodeResourcesFit"
	NodeResourcesBalancedAllocation = "NodeResourcesBalancedAllocation"
	NodeAffinity                    = "NodeAffinity"
	TaintToleration                 = "TaintToleration"
	NodePorts                       = "NodePorts"
	ImageLocality                   = "ImageLocality"
	VolumeBinding                   = "VolumeBinding"
	InterPodAffinity                = "InterPodAffinity"
	PodTopologySpread               = "PodTopologySpread"
	DefaultPreemption               = "DefaultPreemption"
	DefaultBinder                   = "DefaultBinder"
	// Gang is Rigging's gang-scheduling (coscheduling) Permit plugin; it
	// is not in Kubernetes' default set.
	Gang = "Gang"
)
