package apiserver

import (
	"context"
	"fmt"
	"sync/atomic"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/fields"
	"github.com/rigging-dev/rigging/api/labels"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
)

// priorityAdmission is Kubernetes' Priority plugin. A new pod's
// spec.priorityClassName is resolved to spec.priority and
// spec.preemptionPolicy from the PriorityClass of that name (403 "no
// PriorityClass with name x was found" when there is none); a pod that
// names no class gets the global default class (the one with the lowest
// value when several are marked), or priority 0 and PreemptLowerPriority
// when there is none. A pod that sets a priority or preemption policy
// other than its class's is refused (403). At most one PriorityClass may
// be the global default (403 on a second one).
type priorityAdmission struct {
	s *Server
	// def is the global default class as of a revision of the
	// PriorityClass cache, so that pod creates do not look through every
	// class each time.
	def atomic.Pointer[defaultClass]
}

// defaultClass is the global default class (nil when there is none) of
// the PriorityClass cache c at revision rev.
type defaultClass struct {
	c   *watchCache
	rev int64
	pc  *schedulingv1.PriorityClass
}

// classes returns every PriorityClass, from the watch cache.
func (p *priorityAdmission) classes() []*schedulingv1.PriorityClass {
	r := p.s.lookup(schedulingv1.GroupName, "priorityclasses")
	if r == nil || r.cache == nil {
		return nil
	}
	items, _ := r.cache.list(watchRequest{label: labels.Everything(), field: fields.Everything()})
	out := make([]*schedulingv1.PriorityClass, 0, len(items))
	for _, it := range items {
		if obj, err := it.object(r); err == nil {
			out = append(out, obj.(*schedulingv1.PriorityClass))
		}
	}
	return out
}

// globalDefault returns the global default class, or nil. It looks
// through the classes only when the cache changed since it last did.
func (p *priorityAdmission) globalDefault() *schedulingv1.PriorityClass {
	r := p.s.lookup(schedulingv1.GroupName, "priorityclasses")
	if r == nil || r.cache == nil {
		return nil
	}
	if d := p.def.Load(); d != nil && d.c == r.cache && d.rev == r.cache.curRev.Load() {
		return d.pc
	}
	items, rev := r.cache.list(watchRequest{label: labels.Everything(), field: fields.Everything()})
	var def *schedulingv1.PriorityClass
	for _, it := range items {
		obj, err := it.object(r)
		if err != nil {
			continue
		}
		pc := obj.(*schedulingv1.PriorityClass)
		if pc.GlobalDefault && (def == nil || pc.Value < def.Value) {
			def = pc
		}
	}
	p.def.Store(&defaultClass{c: r.cache, rev: rev, pc: def})
	return def
}

// Admit resolves a new pod's priority.
func (p *priorityAdmission) Admit(ctx context.Context, a *Attributes) error {
	pod, ok := isPodCreate(a)
	if !ok {
		return nil
	}
	lowerPriority := corev1.PreemptLowerPriority
	var priority int32
	var policy *corev1.PreemptionPolicy
	if pod.Spec.PriorityClassName == "" {
		if def := p.globalDefault(); def != nil {
			pod.Spec.PriorityClassName, priority, policy = def.Name, def.Value, def.PreemptionPolicy
		} else {
			priority, policy = schedulingv1.DefaultPriorityWhenNoDefaultClassExists, &lowerPriority
		}
	} else {
		r := p.s.lookup(schedulingv1.GroupName, "priorityclasses")
		if r == nil {
			return fmt.Errorf("no PriorityClass with name %v was found", pod.Spec.PriorityClassName)
		}
		obj, err := p.s.lookupObject(ctx, r, "", pod.Spec.PriorityClassName)
		if err != nil {
			return err
		}
		if obj == nil {
			return fmt.Errorf("no PriorityClass with name %v was found", pod.Spec.PriorityClassName)
		}
		pc := obj.(*schedulingv1.PriorityClass)
		priority, policy = pc.Value, pc.PreemptionPolicy
	}
	if pod.Spec.Priority != nil && *pod.Spec.Priority != priority {
		return fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name",
			*pod.Spec.Priority, priority)
	}
	pod.Spec.Priority = &priority
	if pod.Spec.PreemptionPolicy != nil && policy != nil && *pod.Spec.PreemptionPolicy != *policy {
		return fmt.Errorf("the string value of PreemptionPolicy (%s) must not be provided in pod spec; priority admission controller computed %s from the given PriorityClass name",
			*pod.Spec.PreemptionPolicy, *policy)
	}
	if policy != nil {
		v := *policy
		pod.Spec.PreemptionPolicy = &v
	}
	return nil
}

// validate refuses a second global default PriorityClass.
func (p *priorityAdmission) validate(_ context.Context, a *Attributes) error {
	if (a.Operation != Create && a.Operation != Update) || a.Group != schedulingv1.GroupName || a.Resource != "priorityclasses" || a.Subresource != "" {
		return nil
	}
	pc, ok := a.Object.(*schedulingv1.PriorityClass)
	if !ok || !pc.GlobalDefault {
		return nil
	}
	for _, other := range p.classes() {
		if other.GlobalDefault && other.Name != pc.Name {
			return fmt.Errorf("PriorityClass %v is already marked as default. Only one default can exist", other.Name)
		}
	}
	return nil
}
