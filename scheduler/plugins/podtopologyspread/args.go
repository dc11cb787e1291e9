package podtopologyspread

import (
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/names"
)

// DefaultingType says where the default constraints come from.
type DefaultingType string

// The defaulting types, with Kubernetes' names.
const (
	// SystemDefaulting uses SystemDefaultConstraints.
	SystemDefaulting DefaultingType = "System"
	// ListDefaulting uses Args.DefaultConstraints (none when empty).
	ListDefaulting DefaultingType = "List"
)

// Args configures the plugin, as Kubernetes' PodTopologySpreadArgs. The
// zero Args is valid: system defaulting.
type Args struct {
	// DefaultConstraints are the constraints of pods that set none of
	// their own, when DefaultingType is List. They must not set
	// labelSelector: each pod's selector is derived from the Services,
	// ReplicaSet and StatefulSet it belongs to (see WorkloadLister).
	DefaultConstraints []corev1.TopologySpreadConstraint
	// DefaultingType is System (the default, also when empty) or List.
	// System requires DefaultConstraints to be empty.
	DefaultingType DefaultingType
	// Workloads finds the workloads a pod belongs to, for the default
	// constraints. nil means the Handle, when it implements
	// WorkloadLister; otherwise default constraints never apply.
	Workloads WorkloadLister
}

// SystemDefaultConstraints returns Kubernetes' system default constraints:
// spread by host name with maxSkew 3 and by zone with maxSkew 5, both
// ScheduleAnyway. The caller owns the result.
func SystemDefaultConstraints() []corev1.TopologySpreadConstraint {
	return []corev1.TopologySpreadConstraint{
		{TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 3},
		{TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 5},
	}
}

// Validate checks a as Kubernetes' ValidatePodTopologySpreadArgs does and
// returns every problem in one error, or nil. An empty DefaultingType is
// taken as System.
func (a *Args) Validate() error {
	var errs field.ErrorList
	dt := a.DefaultingType
	if dt == "" {
		dt = SystemDefaulting
	}
	switch {
	case dt != SystemDefaulting && dt != ListDefaulting:
		errs = append(errs, field.NotSupported(field.NewPath("defaultingType"), string(dt), []string{string(SystemDefaulting), string(ListDefaulting)}))
	case dt == SystemDefaulting && len(a.DefaultConstraints) > 0:
		errs = append(errs, field.Invalid(field.NewPath("defaultingType"), string(dt), "when .defaultConstraints are not empty"))
	}
	base := field.NewPath("defaultConstraints")
	for i := range a.DefaultConstraints {
		c := &a.DefaultConstraints[i]
		p := base.Index(i)
		if c.MaxSkew <= 0 {
			errs = append(errs, field.Invalid(p.Child("maxSkew"), c.MaxSkew, "not in valid range (0, inf)"))
		}
		if c.TopologyKey == "" {
			errs = append(errs, field.Required(p.Child("topologyKey"), "can not be empty"))
		} else {
			for _, msg := range names.IsQualifiedName(c.TopologyKey) {
				errs = append(errs, field.Invalid(p.Child("topologyKey"), c.TopologyKey, msg))
			}
		}
		switch c.WhenUnsatisfiable {
		case corev1.DoNotSchedule, corev1.ScheduleAnyway:
		case "":
			errs = append(errs, field.Required(p.Child("whenUnsatisfiable"), "can not be empty"))
		default:
			errs = append(errs, field.NotSupported(p.Child("whenUnsatisfiable"), string(c.WhenUnsatisfiable), []string{string(corev1.DoNotSchedule), string(corev1.ScheduleAnyway)}))
		}
		if c.LabelSelector != nil {
			errs = append(errs, field.Forbidden(p.Child("labelSelector"), "constraint must not define a selector, as they deduced for each pod"))
		}
		for j := range a.DefaultConstraints[:i] {
			o := &a.DefaultConstraints[j]
			if o.TopologyKey == c.TopologyKey && o.WhenUnsatisfiable == c.WhenUnsatisfiable {
				errs = append(errs, field.Duplicate(p, fmt.Sprintf("{%v, %v}", c.TopologyKey, c.WhenUnsatisfiable)))
				break
			}
		}
	}
	if err := errs.ToAggregate(); err != nil {
		return fmt.Errorf("podtopologyspread args: %w", err)
	}
	return nil
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
	return Args{}, fmt.Errorf("podtopologyspread: args of type %T, want podtopologyspread.Args or *podtopologyspread.Args", args)
}
