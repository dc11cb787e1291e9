// Package noderesources holds the NodeResourcesFit plugin (Filter: the
// pod's requests fit the node's free allocatable resources; Score: one of
// LeastAllocated, MostAllocated or RequestedToCapacityRatio) and the
// NodeResourcesBalancedAllocation plugin (Score: prefer nodes whose
// resources are used in balance), with Kubernetes' defaults and formulas.
package noderesources
