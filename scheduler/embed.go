package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/cache"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
	"github.com/rigging-dev/rigging/scheduler/plugins"
)

// Placer runs scheduling cycles on snapshots the caller owns: no queue, no
// cache, no binding. It answers "where would this pod go?" with the same
// plugins, scores and sampling as the Scheduler. Its methods may be called
// from several goroutines; calls are serialised.
type Placer struct {
	mu        sync.Mutex // guards everything below; held for a whole call
	profiles  map[string]*runtime.Framework
	lister    *swappableLister
	algo      *algorithm
	batching  bool
	nominator *runtime.Nominator
}

// swappableLister lets one set of frameworks read the snapshot of the
// current call.
type swappableLister struct{ s *cache.Snapshot }

func (l *swappableLister) NodeInfos() framework.NodeInfoLister { return l.s }

// NewPlacer builds the profiles of opts (only Profiles, Registry,
// PercentageOfNodesToScore, Parallelism, NamespaceLister, Seed and
// DisableBatching matter; nothing is bound or evicted).
func NewPlacer(ctx context.Context, opts Options) (*Placer, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("placer options: %w", err)
	}
	if len(opts.Profiles) == 0 {
		opts.Profiles = []Profile{DefaultProfile()}
	}
	if opts.Registry == nil {
		opts.Registry = plugins.NewInTreeRegistry()
	}
	p := &Placer{profiles: make(map[string]*runtime.Framework), lister: &swappableLister{s: cache.NewEmptySnapshot()}, nominator: runtime.NewNominator(), batching: !opts.DisableBatching}
	for _, prof := range opts.Profiles {
		fwk, err := runtime.NewFramework(ctx, opts.Registry, prof,
			runtime.WithSnapshotSharedLister(p.lister),
			runtime.WithPodNominator(p.nominator),
			runtime.WithParallelism(opts.Parallelism),
			runtime.WithNamespaceLister(opts.NamespaceLister),
		)
		if err != nil {
			return nil, err
		}
		p.profiles[fwk.ProfileName()] = fwk
	}
	p.algo = &algorithm{percentageOfNodesToScore: opts.PercentageOfNodesToScore, rng: newRand(opts.Seed), nominator: p.nominator}
	return p, nil
}

func (p *Placer) profileFor(pod *corev1.Pod) (*runtime.Framework, error) {
	name := pod.Spec.SchedulerName
	if name == "" {
		name = corev1.DefaultSchedulerName
	}
	fwk, ok := p.profiles[name]
	if !ok {
		return nil, fmt.Errorf("place pod %s/%s: scheduler name %q: %w", pod.Namespace, pod.Name, name, errNoProfile)
	}
	return fwk, nil
}

// Place returns the node the scheduler would choose for pod on snap, or a
// *framework.FitError saying why no node fits. Neither snap nor pod is
// modified; PostFilter (preemption) is not run.
func (p *Placer) Place(ctx context.Context, snap *cache.Snapshot, pod *corev1.Pod) (ScheduleResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.algo.memo = nil
	return p.placeLocked(ctx, snap, pod)
}

func (p *Placer) placeLocked(ctx context.Context, snap *cache.Snapshot, pod *corev1.Pod) (ScheduleResult, error) {
	fwk, err := p.profileFor(pod)
	if err != nil {
		return ScheduleResult{}, err
	}
	p.lister.s = snap
	p.algo.snapshot = snap
	var class *memoClass
	if p.algo.memo != nil {
		if key := equivalenceKey(fwk.ProfileName(), pod); key != "" {
			class = p.algo.memo.class(key)
		}
	}
	return p.algo.schedulePod(ctx, fwk, framework.NewCycleState(), pod, class)
}

// Placement is the verdict on one pod of a WhatIf batch.
type Placement struct {
	Pod *corev1.Pod
	// NodeName is the chosen node; "" when the pod fits nowhere.
	NodeName string
	// Err is nil when placed; a *framework.FitError (or another error)
	// otherwise.
	Err error
}

// WhatIfResult is the outcome of a WhatIf batch.
type WhatIfResult struct {
	// Placements has one entry per pod, in the order they were tried
	// (priority, highest first; equal priorities in the order given).
	Placements []Placement
	// Placed and Unschedulable count the pods.
	Placed, Unschedulable int
	// Snapshot is the copy of the input snapshot with every placed pod
	// added.
	Snapshot *cache.Snapshot
}

// WhatIf places pods one after another on a copy of snap, each seeing the
// ones placed before it, and reports where each went, without binding or
// evicting anything; snap is not modified. Identical pods share Filter and
// Score work unless batching is disabled. It returns an error only when ctx
// ends or a pod has no profile.
func (p *Placer) WhatIf(ctx context.Context, snap *cache.Snapshot, pods []*corev1.Pod) (*WhatIfResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.algo.memo = nil
	if p.batching {
		p.algo.memo = newMemoTable()
	}
	defer func() { p.algo.memo = nil }()
	work := snap.Clone()
	order := slices.Clone(pods)
	slices.SortStableFunc(order, func(a, b *corev1.Pod) int {
		return int(runtime.PodPriority(b)) - int(runtime.PodPriority(a))
	})
	res := &WhatIfResult{Snapshot: work, Placements: make([]Placement, 0, len(order))}
	for _, pod := range order {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		r, err := p.placeLocked(ctx, work, pod)
		if err != nil {
			if errors.Is(err, errNoProfile) {
				return res, err
			}
			res.Placements = append(res.Placements, Placement{Pod: pod, Err: err})
			res.Unschedulable++
			continue
		}
		placed := pod.DeepCopy()
		placed.Spec.NodeName = r.SuggestedHost
		pi, _ := framework.NewPodInfo(placed)
		if err := work.AssumePod(pi); err != nil {
			return res, err
		}
		res.Placements = append(res.Placements, Placement{Pod: placed, NodeName: r.SuggestedHost})
		res.Placed++
	}
	return res, nil
}

// Place is the one-call form: it builds a Placer with the default profile
// and returns the node it would choose for pod among nodes, given the pods
// already bound to them (pods whose spec.nodeName is set). It returns a
// *framework.FitError when no node fits.
func Place(ctx context.Context, nodes []*corev1.Node, pods []*corev1.Pod, pod *corev1.Pod) (string, error) {
	p, err := NewPlacer(ctx, Options{})
	if err != nil {
		return "", err
	}
	r, err := p.Place(ctx, cache.NewSnapshot(pods, nodes), pod)
	return r.SuggestedHost, err
}
