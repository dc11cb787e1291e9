package interpodaffinity

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/labels"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// Name is the plugin's name in a Registry and a profile.
const Name = names.InterPodAffinity

// DefaultHardPodAffinityWeight is the score weight of an existing pod's
// required affinity term that the incoming pod matches, when
// Args.HardPodAffinityWeight is nil (Kubernetes' default).
const DefaultHardPodAffinityWeight int32 = 1

// Args configures the plugin, as Kubernetes' InterPodAffinityArgs. The zero
// Args is valid and gives Kubernetes' defaults.
type Args struct {
	// HardPodAffinityWeight is the weight Score gives to an existing
	// pod's required affinity term that the incoming pod matches (the
	// symmetric preference of pods that want to be near the incoming
	// one). nil means DefaultHardPodAffinityWeight (1); 0 turns it off;
	// it must lie in [0, 100].
	HardPodAffinityWeight *int32
	// IgnorePreferredTermsOfExistingPods makes PreScore skip scoring
	// entirely when the incoming pod has no preferred (anti-)affinity
	// terms of its own, ignoring those of existing pods (a speed-up for
	// large clusters).
	IgnorePreferredTermsOfExistingPods bool
}

// Validate checks a as Kubernetes' ValidateInterPodAffinityArgs does.
func (a *Args) Validate() error {
	if w := a.HardPodAffinityWeight; w != nil && (*w < 0 || *w > 100) {
		err := field.Invalid(field.NewPath("hardPodAffinityWeight"), *w, "not in valid range [0, 100]")
		return fmt.Errorf("interpodaffinity args: %w", err)
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
	return Args{}, fmt.Errorf("interpodaffinity: args of type %T, want interpodaffinity.Args or *interpodaffinity.Args", args)
}

// InterPodAffinity is the PreFilter, Filter, PreScore and Score plugin for
// pod affinity and anti-affinity, with Kubernetes' semantics. It is
// immutable after New (but for its internally synchronised memos of per-node
// counts, see framework.NodeMemo) and safe for concurrent use; per-cycle
// data lives in the CycleState.
type InterPodAffinity struct {
	handle                             framework.Handle
	hardPodAffinityWeight              int32
	ignorePreferredTermsOfExistingPods bool
	// memos keep per-node results across cycles; internally
	// synchronised.
	memos *memos
}

var (
	_ framework.PreFilterPlugin     = (*InterPodAffinity)(nil)
	_ framework.PreFilterExtensions = (*InterPodAffinity)(nil)
	_ framework.FilterPlugin        = (*InterPodAffinity)(nil)
	_ framework.PreScorePlugin      = (*InterPodAffinity)(nil)
	_ framework.ScorePlugin         = (*InterPodAffinity)(nil)
	_ framework.ScoreExtensions     = (*InterPodAffinity)(nil)
	_ framework.EnqueueExtensions   = (*InterPodAffinity)(nil)
)

// New is the plugin's framework.PluginFactory. args is nil (the defaults),
// an Args or a *Args; h must not be nil. Namespace selectors are resolved
// with h.NamespaceLister.
func New(_ context.Context, args any, h framework.Handle) (framework.Plugin, error) {
	if h == nil {
		return nil, errors.New("interpodaffinity: nil framework.Handle")
	}
	a, err := argsFrom(args)
	if err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	pl := &InterPodAffinity{
		handle:                             h,
		hardPodAffinityWeight:              DefaultHardPodAffinityWeight,
		ignorePreferredTermsOfExistingPods: a.IgnorePreferredTermsOfExistingPods,
		memos:                              newMemos(),
	}
	if a.HardPodAffinityWeight != nil {
		pl.hardPodAffinityWeight = *a.HardPodAffinityWeight
	}
	return pl, nil
}

// Name returns Name.
func (pl *InterPodAffinity) Name() string { return Name }

// EventsToRegister returns the events that may make a pod this plugin
// rejected schedulable, as Kubernetes registers them: a pod added,
// relabelled or deleted, and a node added, relabelled or retainted (taints
// because a node added while not ready may only be seen then); each with a
// hint that skips events that cannot change the verdict.
func (pl *InterPodAffinity) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{
			Event:          framework.ClusterEvent{Resource: framework.Pod, ActionType: framework.Add | framework.UpdatePodLabel | framework.Delete},
			QueueingHintFn: pl.isSchedulableAfterPodChange,
		},
		{
			Event:          framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeLabel | framework.UpdateNodeTaint},
			QueueingHintFn: pl.isSchedulableAfterNodeChange,
		},
	}, nil
}

// isSchedulableAfterPodChange follows Kubernetes: only bound pods matter;
// an added pod helps when it matches all of the target's affinity terms;
// an updated pod helps when it starts matching them, or stops matching an
// anti-affinity term; a deleted pod helps when it matched an anti-affinity
// term. Unlike Kubernetes (which checks only the target's own terms, and
// requires a match of all of them), a deleted or updated pod also helps
// when it matched any one anti-affinity term of the target, and a deleted
// pod when its own required anti-affinity selected the target (the
// symmetric rule), so that such pods are not left waiting for the periodic
// flush.
func (pl *InterPodAffinity) isSchedulableAfterPodChange(pod *corev1.Pod, oldObj, newObj any) (framework.QueueingHint, error) {
	oldPod, newPod, err := asPair[*corev1.Pod](oldObj, newObj)
	if err != nil {
		return framework.Queue, err
	}
	if (newPod != nil && newPod.Spec.NodeName == "") || (oldPod != nil && oldPod.Spec.NodeName == "") {
		return framework.QueueSkip, nil
	}
	pi, err := framework.NewPodInfo(pod)
	if err != nil {
		return framework.Queue, fmt.Errorf("interpodaffinity: %w", err)
	}
	ns := newNamespaceLabels(pl.handle)
	affinity, anti := wrapTerms(pi.RequiredAffinityTerms), wrapTerms(pi.RequiredAntiAffinityTerms)
	switch {
	case oldPod != nil && newPod != nil:
		if !matchesAll(affinity, oldPod, ns) && matchesAll(affinity, newPod, ns) {
			return framework.Queue, nil
		}
		if matchesAny(anti, oldPod, ns) && !matchesAny(anti, newPod, ns) {
			return framework.Queue, nil
		}
		return framework.QueueSkip, nil
	case newPod != nil:
		if matchesAll(affinity, newPod, ns) {
			return framework.Queue, nil
		}
		return framework.QueueSkip, nil
	default:
		if matchesAny(anti, oldPod, ns) {
			return framework.Queue, nil
		}
		old, _ := framework.NewPodInfo(oldPod)
		target := ns.get(pod.Namespace)
		for i := range old.RequiredAntiAffinityTerms {
			if old.RequiredAntiAffinityTerms[i].Matches(pod, target) {
				return framework.Queue, nil
			}
		}
		return framework.QueueSkip, nil
	}
}

// isSchedulableAfterNodeChange returns Queue when the added or updated
// node carries the topology key of one of the target's required terms.
func (pl *InterPodAffinity) isSchedulableAfterNodeChange(pod *corev1.Pod, oldObj, newObj any) (framework.QueueingHint, error) {
	_, newNode, err := asPair[*corev1.Node](oldObj, newObj)
	if err != nil {
		return framework.Queue, err
	}
	if newNode == nil {
		return framework.QueueSkip, nil
	}
	pi, err := framework.NewPodInfo(pod)
	if err != nil {
		return framework.Queue, fmt.Errorf("interpodaffinity: %w", err)
	}
	for _, terms := range [][]framework.AffinityTerm{pi.RequiredAffinityTerms, pi.RequiredAntiAffinityTerms} {
		for i := range terms {
			if _, ok := newNode.Labels[terms[i].TopologyKey]; ok {
				return framework.Queue, nil
			}
		}
	}
	return framework.QueueSkip, nil
}

// asPair asserts that the old and new objects of an event are Ts (either
// may be nil); it returns an error naming the types otherwise.
func asPair[T comparable](oldObj, newObj any) (T, T, error) {
	var oldT, newT, zero T
	if oldObj != nil {
		t, ok := oldObj.(T)
		if !ok {
			return zero, zero, fmt.Errorf("interpodaffinity: event's old object is %T, want %T", oldObj, zero)
		}
		oldT = t
	}
	if newObj != nil {
		t, ok := newObj.(T)
		if !ok {
			return zero, zero, fmt.Errorf("interpodaffinity: event's new object is %T, want %T", newObj, zero)
		}
		newT = t
	}
	if oldT == zero && newT == zero {
		return zero, zero, errors.New("interpodaffinity: event has neither an old nor a new object")
	}
	return oldT, newT, nil
}

// namespaceLabels caches namespace labels from the Handle's
// NamespaceLister for one cycle. Unknown namespaces get the single label
// kubernetes.io/metadata.name=<name> (see framework.NamespaceLabels). It is
// safe for concurrent use.
type namespaceLabels struct {
	lister framework.NamespaceLister
	mu     sync.Mutex
	m      map[string]labels.Set // guarded by mu
}

func newNamespaceLabels(h framework.Handle) *namespaceLabels {
	return &namespaceLabels{lister: h.NamespaceLister(), m: make(map[string]labels.Set)}
}

// get returns the labels of namespace ns; the caller must not modify them.
func (c *namespaceLabels) get(ns string) labels.Set {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.m[ns]; ok {
		return l
	}
	l := labels.Set(framework.NamespaceLabels(c.lister, ns))
	c.m[ns] = l
	return l
}

// term is a parsed affinity term of the incoming pod, with whether
// matching it against a pod needs that pod's namespace labels (the term
// has a namespace selector that is neither empty nor absent).
//
// Kubernetes resolves such a selector into namespace names once per cycle
// with a namespace lister; this plugin instead checks the selector against
// the labels of each candidate pod's namespace, which selects the same
// pods.
type term struct {
	*framework.AffinityTerm
	needsNamespaceLabels bool
}

func wrapTerms(ts []framework.AffinityTerm) []term {
	out := make([]term, len(ts))
	for i := range ts {
		out[i] = newTerm(&ts[i])
	}
	return out
}

func newTerm(t *framework.AffinityTerm) term {
	_, selects := t.NamespaceSelector.Requirements()
	return term{AffinityTerm: t, needsNamespaceLabels: selects && !t.NamespaceSelector.Empty()}
}

// matches reports whether the term selects p.
func (t term) matches(p *corev1.Pod, ns *namespaceLabels) bool {
	var l labels.Set
	if t.needsNamespaceLabels {
		if _, named := t.Namespaces[p.Namespace]; !named {
			l = ns.get(p.Namespace)
		}
	}
	return t.Matches(p, l)
}

// matchesAll reports whether p matches every term; false when there are
// none.
func matchesAll(ts []term, p *corev1.Pod, ns *namespaceLabels) bool {
	if len(ts) == 0 {
		return false
	}
	for _, t := range ts {
		if !t.matches(p, ns) {
			return false
		}
	}
	return true
}

// matchesAny reports whether p matches at least one term.
func matchesAny(ts []term, p *corev1.Pod, ns *namespaceLabels) bool {
	for _, t := range ts {
		if t.matches(p, ns) {
			return true
		}
	}
	return false
}
