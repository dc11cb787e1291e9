package defaultpreemption

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// DisruptionBudget is what preemption reads of a PodDisruptionBudget
// (policy/v1), which this module's API does not carry yet: which pods it
// covers and how many of them may still be disrupted.
type DisruptionBudget struct {
	// Namespace is the budget's namespace; it covers pods of that
	// namespace only.
	Namespace string
	// Name names the budget, for messages.
	Name string
	// Selector is spec.selector; nil or empty selects no pod (as
	// Kubernetes treats policy/v1 budgets in preemption).
	Selector *metav1.LabelSelector
	// DisruptionsAllowed is status.disruptionsAllowed: how many more pods
	// it covers may be disrupted now.
	DisruptionsAllowed int32
	// DisruptedPods is status.disruptedPods: the names of pods whose
	// eviction was already admitted and counted, which preemption does not
	// count again.
	DisruptedPods map[string]metav1.Time
}

// DisruptionBudgetLister lists the disruption budgets of the cluster. The
// embedder supplies it (typically from an informer's cache) in
// Args.DisruptionBudgets or by making its framework.Handle implement it. It
// is called once per preemption attempt and must be cheap; the plugin does
// not modify the budgets it returns.
type DisruptionBudgetLister interface {
	ListDisruptionBudgets() ([]*DisruptionBudget, error)
}

// DisruptionBudgetListerFunc adapts a function to DisruptionBudgetLister.
type DisruptionBudgetListerFunc func() ([]*DisruptionBudget, error)

// ListDisruptionBudgets calls f.
func (f DisruptionBudgetListerFunc) ListDisruptionBudgets() ([]*DisruptionBudget, error) { return f() }

// filterPodsWithPDBViolation splits pods, in order, into those whose
// eviction would violate a budget (taking the pods before them as evicted
// too) and the others, as Kubernetes does: each pod not yet in a covering
// budget's DisruptedPods uses one of its allowed disruptions, and a pod
// that takes a budget below zero violates it. Budgets with invalid or
// empty selectors cover nothing.
func filterPodsWithPDBViolation(pods []*framework.PodInfo, budgets []*DisruptionBudget) (violating, nonViolating []*framework.PodInfo) {
	allowed := make([]int32, len(budgets))
	selectors := make([]labels.Selector, len(budgets))
	for i, b := range budgets {
		allowed[i] = b.DisruptionsAllowed
		if sel, err := labels.LabelSelectorAsSelector(b.Selector); err == nil {
			selectors[i] = sel
		}
	}
	for _, pi := range pods {
		if podViolates(pi.Pod, budgets, selectors, allowed) {
			violating = append(violating, pi)
		} else {
			nonViolating = append(nonViolating, pi)
		}
	}
	return violating, nonViolating
}

func podViolates(p *corev1.Pod, budgets []*DisruptionBudget, selectors []labels.Selector, allowed []int32) bool {
	if len(p.Labels) == 0 {
		return false // a pod without labels matches no budget
	}
	violated := false
	for i, b := range budgets {
		sel := selectors[i]
		if b.Namespace != p.Namespace || sel == nil || sel.Empty() || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		if _, counted := b.DisruptedPods[p.Name]; counted {
			continue
		}
		allowed[i]--
		if allowed[i] < 0 {
			violated = true
		}
	}
	return violated
}
