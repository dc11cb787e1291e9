package noderesources

import (
	"fmt"
	"slices"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// ScoringStrategyType names a NodeResourcesFit scoring strategy.
type ScoringStrategyType string

// The scoring strategies.
const (
	// LeastAllocated prefers nodes with the most free resources (the
	// default): score = (allocatable - requested) × 100 / allocatable.
	LeastAllocated ScoringStrategyType = "LeastAllocated"
	// MostAllocated prefers the fullest nodes (bin packing):
	// score = requested × 100 / allocatable.
	MostAllocated ScoringStrategyType = "MostAllocated"
	// RequestedToCapacityRatio scores utilisation through a piecewise
	// linear Shape.
	RequestedToCapacityRatio ScoringStrategyType = "RequestedToCapacityRatio"
)

// ResourceSpec is a resource that scoring considers, with its weight.
type ResourceSpec struct {
	Name   corev1.ResourceName
	Weight int64
}

// UtilizationShapePoint is a point of the RequestedToCapacityRatio shape:
// Utilization in percent (0-100) and Score in 0-10 (scaled by 10 to the
// 0-100 node score).
type UtilizationShapePoint struct {
	Utilization int32
	Score       int32
}

// ScoringStrategy is how NodeResourcesFit scores.
type ScoringStrategy struct {
	// Type is the strategy; "" means LeastAllocated.
	Type ScoringStrategyType
	// Resources are the resources scored; empty means cpu and memory with
	// weight 1 each.
	Resources []ResourceSpec
	// Shape is the RequestedToCapacityRatio function, points in increasing
	// utilisation; required for that strategy.
	Shape []UtilizationShapePoint
}

// FitArgs are the arguments of NodeResourcesFit.
type FitArgs struct {
	// IgnoredResources are extended resources Filter does not check.
	IgnoredResources []string
	// IgnoredResourceGroups are extended-resource domains ("example.com")
	// Filter does not check.
	IgnoredResourceGroups []string
	// ScoringStrategy is the scoring; nil means LeastAllocated on cpu and
	// memory.
	ScoringStrategy *ScoringStrategy
}

// BalancedAllocationArgs are the arguments of
// NodeResourcesBalancedAllocation.
type BalancedAllocationArgs struct {
	// Resources are the resources balanced; empty means cpu and memory
	// with weight 1 each.
	Resources []ResourceSpec
}

// DefaultResources are cpu and memory with weight 1, Kubernetes' default.
func DefaultResources() []ResourceSpec {
	return []ResourceSpec{{Name: corev1.ResourceCPU, Weight: 1}, {Name: corev1.ResourceMemory, Weight: 1}}
}

const (
	maxCustomPriorityScore = 10
	maxUtilization         = 100
)

func validateResources(rs []ResourceSpec) error {
	for i, r := range rs {
		if r.Weight <= 0 || r.Weight > 100 {
			return fmt.Errorf("resources[%d].weight: Invalid value: %d: resource weight of %s should be in range [1, 100]", i, r.Weight, r.Name)
		}
	}
	return nil
}

func validateShape(shape []UtilizationShapePoint) error {
	if len(shape) == 0 {
		return fmt.Errorf("shape: Required value: at least one point must be specified")
	}
	for i, p := range shape {
		if p.Utilization < 0 || p.Utilization > maxUtilization {
			return fmt.Errorf("shape[%d].utilization: Invalid value: %d: not in valid range [0, 100]", i, p.Utilization)
		}
		if p.Score < 0 || p.Score > maxCustomPriorityScore {
			return fmt.Errorf("shape[%d].score: Invalid value: %d: not in valid range [0, 10]", i, p.Score)
		}
		if i > 0 && p.Utilization <= shape[i-1].Utilization {
			return fmt.Errorf("shape[%d].utilization: Invalid value: %d: utilization values must be sorted in increasing order", i, p.Utilization)
		}
	}
	return nil
}

func resourcesOrDefault(rs []ResourceSpec) []ResourceSpec {
	if len(rs) == 0 {
		return DefaultResources()
	}
	return slices.Clone(rs)
}
