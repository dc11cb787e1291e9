package noderesources

import (
	"math"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// scorer turns per-resource requested and allocatable amounts into a node
// score; entries with allocatable 0 are not scored.
type scorer func(requested, allocatable []int64) int64

// resourceAllocationScorer is the part Fit's and BalancedAllocation's
// scores share: which amounts they read.
type resourceAllocationScorer struct {
	resources []ResourceSpec
	scorer    scorer
	// useRequested reads the real requests of node and pod; otherwise the
	// non-zero requests (defaults for containers without CPU or memory
	// requests).
	useRequested bool
}

// podRequests returns the pod's request of each scored resource.
func (r *resourceAllocationScorer) podRequests(pi *framework.PodInfo) []int64 {
	out := make([]int64, len(r.resources))
	req := pi.Requests()
	cpu0, mem0 := pi.NonZeroRequests()
	for i, rs := range r.resources {
		switch rs.Name {
		case corev1.ResourceCPU:
			out[i] = req.MilliCPU
			if !r.useRequested {
				out[i] = cpu0
			}
		case corev1.ResourceMemory:
			out[i] = req.Memory
			if !r.useRequested {
				out[i] = mem0
			}
		case corev1.ResourceEphemeralStorage:
			out[i] = req.EphemeralStorage
		default:
			out[i] = req.ScalarResources[rs.Name]
		}
	}
	return out
}

// score computes the node's score for a pod requesting podRequests.
func (r *resourceAllocationScorer) score(ni *framework.NodeInfo, podRequests []int64) int64 {
	var reqBuf, allocBuf [4]int64
	requested, allocatable := reqBuf[:0], allocBuf[:0]
	if len(r.resources) > len(reqBuf) {
		requested = make([]int64, 0, len(r.resources))
		allocatable = make([]int64, 0, len(r.resources))
	}
	for i, rs := range r.resources {
		alloc, req := r.allocatableAndRequested(ni, rs.Name, podRequests[i])
		if alloc == 0 {
			alloc, req = 0, 0
		}
		requested = append(requested, req)
		allocatable = append(allocatable, alloc)
	}
	return r.scorer(requested, allocatable)
}

func (r *resourceAllocationScorer) allocatableAndRequested(ni *framework.NodeInfo, name corev1.ResourceName, podRequest int64) (int64, int64) {
	requested := ni.NonZeroRequested
	if r.useRequested {
		requested = ni.Requested
	}
	if podRequest == 0 && framework.IsScalarResourceName(name) {
		return 0, 0
	}
	switch name {
	case corev1.ResourceCPU:
		return ni.Allocatable.MilliCPU, requested.MilliCPU + podRequest
	case corev1.ResourceMemory:
		return ni.Allocatable.Memory, requested.Memory + podRequest
	case corev1.ResourceEphemeralStorage:
		return ni.Allocatable.EphemeralStorage, ni.Requested.EphemeralStorage + podRequest
	}
	if alloc, ok := ni.Allocatable.ScalarResources[name]; ok {
		return alloc, ni.Requested.ScalarResources[name] + podRequest
	}
	return 0, 0
}

// weightedAverage applies per to each scored resource and averages by
// weight (integer division).
func weightedAverage(resources []ResourceSpec, per func(requested, capacity int64) int64) scorer {
	return func(requested, allocatable []int64) int64 {
		var score, weights int64
		for i := range requested {
			if allocatable[i] == 0 {
				continue
			}
			score += per(requested[i], allocatable[i]) * resources[i].Weight
			weights += resources[i].Weight
		}
		if weights == 0 {
			return 0
		}
		return score / weights
	}
}

func leastRequestedScore(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * framework.MaxNodeScore / capacity
}

func mostRequestedScore(requested, capacity int64) int64 {
	if capacity == 0 {
		return 0
	}
	requested = min(requested, capacity)
	return requested * framework.MaxNodeScore / capacity
}

// brokenLinear returns the piecewise linear function through shape (scores
// already scaled to 0-100): flat before the first and after the last
// point.
func brokenLinear(shape []UtilizationShapePoint) func(int64) int64 {
	type pt struct{ u, s int64 }
	pts := make([]pt, len(shape))
	for i, p := range shape {
		pts[i] = pt{int64(p.Utilization), int64(p.Score) * (framework.MaxNodeScore / maxCustomPriorityScore)}
	}
	return func(p int64) int64 {
		for i := range pts {
			if p <= pts[i].u {
				if i == 0 {
					return pts[0].s
				}
				return pts[i-1].s + (pts[i].s-pts[i-1].s)*(p-pts[i-1].u)/(pts[i].u-pts[i-1].u)
			}
		}
		return pts[len(pts)-1].s
	}
}

// requestedToCapacityRatioScorer scores each resource through the shape
// and averages by weight the resources whose score is above 0, rounding.
func requestedToCapacityRatioScorer(resources []ResourceSpec, shape []UtilizationShapePoint) scorer {
	f := brokenLinear(shape)
	per := func(requested, capacity int64) int64 {
		if capacity == 0 || requested > capacity {
			return f(maxUtilization)
		}
		return f(requested * maxUtilization / capacity)
	}
	return func(requested, allocatable []int64) int64 {
		var score, weights int64
		for i := range requested {
			if allocatable[i] == 0 {
				continue
			}
			if s := per(requested[i], allocatable[i]); s > 0 {
				score += s * resources[i].Weight
				weights += resources[i].Weight
			}
		}
		if weights == 0 {
			return 0
		}
		return int64(math.Round(float64(score) / float64(weights)))
	}
}

// balancedResourceScorer is 100 × (1 - the standard deviation of the
// resources' utilisation fractions, each capped at 1).
func balancedResourceScorer(requested, allocatable []int64) int64 {
	var fracBuf [4]float64
	fractions := fracBuf[:0]
	var total float64
	for i := range requested {
		if allocatable[i] == 0 {
			continue
		}
		f := min(float64(requested[i])/float64(allocatable[i]), 1)
		total += f
		fractions = append(fractions, f)
	}
	std := 0.0
	switch {
	case len(fractions) == 2:
		std = math.Abs((fractions[0] - fractions[1]) / 2)
	case len(fractions) > 2:
		mean := total / float64(len(fractions))
		var sum float64
		for _, f := range fractions {
			sum += (f - mean) * (f - mean)
		}
		std = math.Sqrt(sum / float64(len(fractions)))
	}
	return int64((1 - std) * float64(framework.MaxNodeScore))
}
