package defaultpreemption

import (
	"fmt"
	"time"

	"github.com/rigging-dev/rigging/api/field"
)

// The defaults of Args, as in Kubernetes' DefaultPreemptionArgs.
const (
	// DefaultMinCandidateNodesPercentage is the share of the nodes where
	// preemption may help that are dry-run at least, in percent.
	DefaultMinCandidateNodesPercentage int32 = 10
	// DefaultMinCandidateNodesAbsolute is the number of such nodes that are
	// dry-run at least.
	DefaultMinCandidateNodesAbsolute int32 = 100
)

// Args configures the plugin, as Kubernetes' DefaultPreemptionArgs plus the
// hooks an embedder supplies. The zero Args is valid and gives Kubernetes'
// defaults.
//
// Preemption dry-runs the nodes where it may help, starting at a random
// one, until it has found max(MinCandidateNodesPercentage% of them,
// MinCandidateNodesAbsolute) candidates (at least one of them without
// disruption budget violations), or has tried them all.
type Args struct {
	// MinCandidateNodesPercentage is in [0, 100]; nil means
	// DefaultMinCandidateNodesPercentage (10).
	MinCandidateNodesPercentage *int32
	// MinCandidateNodesAbsolute is at least 0; nil means
	// DefaultMinCandidateNodesAbsolute (100). It and
	// MinCandidateNodesPercentage cannot both be 0.
	MinCandidateNodesAbsolute *int32
	// DisruptionBudgets lists the disruption budgets preemption tries not
	// to violate. nil means the Handle, when it implements
	// DisruptionBudgetLister; otherwise budgets are not considered.
	DisruptionBudgets DisruptionBudgetLister
	// Now is the clock, used for pods that have not started: they count as
	// starting now when victims are ordered. nil means time.Now.
	Now func() time.Time
}

// Validate checks a as Kubernetes' ValidateDefaultPreemptionArgs does and
// returns every problem in one error, or nil.
func (a *Args) Validate() error {
	pct, abs := a.percentage(), a.absolute()
	pctPath, absPath := field.NewPath("minCandidateNodesPercentage"), field.NewPath("minCandidateNodesAbsolute")
	var errs field.ErrorList
	if pct < 0 || pct > 100 {
		errs = append(errs, field.Invalid(pctPath, pct, "not in valid range [0, 100]"))
	}
	if abs < 0 {
		errs = append(errs, field.Invalid(absPath, abs, "not in valid range [0, inf)"))
	}
	if pct == 0 && abs == 0 {
		errs = append(errs,
			field.Invalid(pctPath, pct, "cannot be zero at the same time as minCandidateNodesAbsolute"),
			field.Invalid(absPath, abs, "cannot be zero at the same time as minCandidateNodesPercentage"))
	}
	if err := errs.ToAggregate(); err != nil {
		return fmt.Errorf("defaultpreemption args: %w", err)
	}
	return nil
}

func (a *Args) percentage() int32 {
	if a.MinCandidateNodesPercentage == nil {
		return DefaultMinCandidateNodesPercentage
	}
	return *a.MinCandidateNodesPercentage
}

func (a *Args) absolute() int32 {
	if a.MinCandidateNodesAbsolute == nil {
		return DefaultMinCandidateNodesAbsolute
	}
	return *a.MinCandidateNodesAbsolute
}

// argsFrom returns the Args in args: nil, an Args or a *Args.
func argsFrom(args any) (Args, error) {
	switch a := args.(type) {
	case nil:
		return Args{}, nil
	case Args:
		return a, nil
	case *Args:
		if a == nil {
			return Args{}, nil
		}
		return *a, nil
	}
	return Args{}, fmt.Errorf("defaultpreemption: args of type %T, want defaultpreemption.Args or *defaultpreemption.Args", args)
}
