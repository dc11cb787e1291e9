package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/scheduler/clock"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// Framework is one profile's plugins, sorted by extension point, and the
// framework.Handle they were built with. Its Run* methods may be called
// from several goroutines at once (the scheduling cycle and binding
// goroutines), as long as each CycleState is used by one cycle.
type Framework struct {
	profileName              string
	percentageOfNodesToScore *int32
	opts                     options

	plugins           []framework.Plugin
	queueSort         framework.QueueSortPlugin
	preEnqueue        []framework.PreEnqueuePlugin
	preFilter         []framework.PreFilterPlugin
	filter            []framework.FilterPlugin
	postFilter        []framework.PostFilterPlugin
	preScore          []framework.PreScorePlugin
	score             []framework.ScorePlugin
	scoreWeight       map[string]int64
	reserve           []framework.ReservePlugin
	permit            []framework.PermitPlugin
	preBind           []framework.PreBindPlugin
	bind              []framework.BindPlugin
	postBind          []framework.PostBindPlugin
	enqueueExtensions []framework.EnqueueExtensions
}

var _ framework.Handle = (*Framework)(nil)

// NewFramework builds every plugin of profile with its factory from
// registry, in order, and sorts them by the extension points they
// implement. It returns an error naming the plugin when a name is not
// registered, is listed twice, a factory fails, a weight is negative, or
// more than one QueueSort plugin is enabled.
func NewFramework(ctx context.Context, registry framework.Registry, profile Profile, opts ...Option) (*Framework, error) {
	f := &Framework{
		profileName:              profile.SchedulerName,
		percentageOfNodesToScore: profile.PercentageOfNodesToScore,
		scoreWeight:              make(map[string]int64),
	}
	if f.profileName == "" {
		f.profileName = corev1.DefaultSchedulerName
	}
	for _, o := range opts {
		o(&f.opts)
	}
	if f.opts.nominator == nil {
		f.opts.nominator = NewNominator()
	}
	if f.opts.evictor == nil {
		f.opts.evictor = framework.PodEvictorFunc(func(_ context.Context, victim, _ *corev1.Pod) error {
			return fmt.Errorf("evict pod %s/%s: no PodEvictor configured", victim.Namespace, victim.Name)
		})
	}
	if f.opts.binder == nil {
		f.opts.binder = framework.PodBinderFunc(func(_ context.Context, pod *corev1.Pod, node string) error {
			return fmt.Errorf("bind pod %s/%s to %s: no PodBinder configured", pod.Namespace, pod.Name, node)
		})
	}
	if f.opts.activator == nil {
		f.opts.activator = noopActivator{}
	}
	if f.opts.namespaces == nil {
		f.opts.namespaces = noNamespaces{}
	}
	if f.opts.clock == nil {
		f.opts.clock = clock.Real{}
	}
	if f.opts.waitingPods == nil {
		f.opts.waitingPods = NewWaitingPods()
	}
	seen := make(map[string]bool)
	for _, pc := range profile.Plugins {
		if seen[pc.Name] {
			return nil, fmt.Errorf("profile %q: plugin %q is listed twice", f.profileName, pc.Name)
		}
		seen[pc.Name] = true
		factory, ok := registry[pc.Name]
		if !ok {
			return nil, fmt.Errorf("profile %q: plugin %q is not registered", f.profileName, pc.Name)
		}
		if pc.Weight < 0 {
			return nil, fmt.Errorf("profile %q: plugin %q has negative weight %d", f.profileName, pc.Name, pc.Weight)
		}
		p, err := factory(ctx, pc.Args, f)
		if err != nil {
			return nil, fmt.Errorf("profile %q: build plugin %q: %w", f.profileName, pc.Name, err)
		}
		points, err := enabledPoints(p, pc)
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", f.profileName, err)
		}
		if err := f.add(p, pc.Weight, points); err != nil {
			return nil, fmt.Errorf("profile %q: %w", f.profileName, err)
		}
	}
	return f, nil
}

// implements reports whether p implements the extension point e.
func implements(p framework.Plugin, e ExtensionPoint) bool {
	var ok bool
	switch e {
	case PreEnqueue:
		_, ok = p.(framework.PreEnqueuePlugin)
	case QueueSort:
		_, ok = p.(framework.QueueSortPlugin)
	case PreFilter:
		_, ok = p.(framework.PreFilterPlugin)
	case Filter:
		_, ok = p.(framework.FilterPlugin)
	case PostFilter:
		_, ok = p.(framework.PostFilterPlugin)
	case PreScore:
		_, ok = p.(framework.PreScorePlugin)
	case Score:
		_, ok = p.(framework.ScorePlugin)
	case Reserve:
		_, ok = p.(framework.ReservePlugin)
	case Permit:
		_, ok = p.(framework.PermitPlugin)
	case PreBind:
		_, ok = p.(framework.PreBindPlugin)
	case Bind:
		_, ok = p.(framework.BindPlugin)
	case PostBind:
		_, ok = p.(framework.PostBindPlugin)
	}
	return ok
}

// enabledPoints resolves a PluginConfig's Only and Disabled lists into the
// set of extension points at which p runs.
func enabledPoints(p framework.Plugin, pc PluginConfig) (map[ExtensionPoint]bool, error) {
	known := make(map[ExtensionPoint]bool, len(extensionPoints))
	for _, e := range extensionPoints {
		known[e] = true
	}
	on := make(map[ExtensionPoint]bool)
	if len(pc.Only) == 0 {
		for _, e := range extensionPoints {
			on[e] = implements(p, e)
		}
	}
	for _, e := range pc.Only {
		if !known[e] {
			return nil, fmt.Errorf("plugin %q: unknown extension point %q", pc.Name, e)
		}
		if !implements(p, e) {
			return nil, fmt.Errorf("plugin %q does not implement extension point %q", pc.Name, e)
		}
		on[e] = true
	}
	for _, e := range pc.Disabled {
		if !known[e] {
			return nil, fmt.Errorf("plugin %q: unknown extension point %q", pc.Name, e)
		}
		if e == QueueSort {
			return nil, fmt.Errorf("plugin %q: the queueSort extension point cannot be disabled", pc.Name)
		}
		on[e] = false
	}
	return on, nil
}

func (f *Framework) add(p framework.Plugin, weight int32, on map[ExtensionPoint]bool) error {
	f.plugins = append(f.plugins, p)
	if q, ok := p.(framework.QueueSortPlugin); ok && on[QueueSort] {
		if f.queueSort != nil {
			return fmt.Errorf("plugins %q and %q both sort the queue; enable one QueueSort plugin", f.queueSort.Name(), p.Name())
		}
		f.queueSort = q
	}
	if q, ok := p.(framework.PreEnqueuePlugin); ok && on[PreEnqueue] {
		f.preEnqueue = append(f.preEnqueue, q)
	}
	if q, ok := p.(framework.PreFilterPlugin); ok && on[PreFilter] {
		f.preFilter = append(f.preFilter, q)
	}
	if q, ok := p.(framework.FilterPlugin); ok && on[Filter] {
		f.filter = append(f.filter, q)
	}
	if q, ok := p.(framework.PostFilterPlugin); ok && on[PostFilter] {
		f.postFilter = append(f.postFilter, q)
	}
	if q, ok := p.(framework.PreScorePlugin); ok && on[PreScore] {
		f.preScore = append(f.preScore, q)
	}
	if q, ok := p.(framework.ScorePlugin); ok && on[Score] {
		f.score = append(f.score, q)
		f.scoreWeight[p.Name()] = int64(max(weight, 1))
	}
	if q, ok := p.(framework.ReservePlugin); ok && on[Reserve] {
		f.reserve = append(f.reserve, q)
	}
	if q, ok := p.(framework.PermitPlugin); ok && on[Permit] {
		f.permit = append(f.permit, q)
	}
	if q, ok := p.(framework.PreBindPlugin); ok && on[PreBind] {
		f.preBind = append(f.preBind, q)
	}
	if q, ok := p.(framework.BindPlugin); ok && on[Bind] {
		f.bind = append(f.bind, q)
	}
	if q, ok := p.(framework.PostBindPlugin); ok && on[PostBind] {
		f.postBind = append(f.postBind, q)
	}
	if q, ok := p.(framework.EnqueueExtensions); ok {
		f.enqueueExtensions = append(f.enqueueExtensions, q)
	}
	return nil
}

// ProfileName returns the profile's scheduler name.
func (f *Framework) ProfileName() string { return f.profileName }

// PercentageOfNodesToScore returns the profile's override, or nil.
func (f *Framework) PercentageOfNodesToScore() *int32 { return f.percentageOfNodesToScore }

// Plugins returns the plugins in profile order. The caller must not modify
// the result.
func (f *Framework) Plugins() []framework.Plugin { return f.plugins }

// QueueSortFunc returns the Less of the QueueSort plugin, or nil when the
// profile has none.
func (f *Framework) QueueSortFunc() func(a, b *framework.QueuedPodInfo) bool {
	if f.queueSort == nil {
		return nil
	}
	return f.queueSort.Less
}

// EnqueueExtensions returns the plugins that registered requeue events.
func (f *Framework) EnqueueExtensions() []framework.EnqueueExtensions { return f.enqueueExtensions }

// HasFilterPlugins reports whether the profile has Filter plugins.
func (f *Framework) HasFilterPlugins() bool { return len(f.filter) > 0 }

// HasScorePlugins reports whether the profile has Score plugins.
func (f *Framework) HasScorePlugins() bool { return len(f.score) > 0 }

// HasPostFilterPlugins reports whether the profile has PostFilter plugins.
func (f *Framework) HasPostFilterPlugins() bool { return len(f.postFilter) > 0 }

// HasPermitPlugins reports whether the profile has Permit plugins.
func (f *Framework) HasPermitPlugins() bool { return len(f.permit) > 0 }

// SetSnapshotSharedLister replaces the snapshot plugins read. Call it only
// between cycles.
func (f *Framework) SetSnapshotSharedLister(s framework.SharedLister) { f.opts.snapshot = s }

// --- framework.Handle ---

// SnapshotSharedLister returns the snapshot of the current cycle.
func (f *Framework) SnapshotSharedLister() framework.SharedLister { return f.opts.snapshot }

// AddNominatedPod implements framework.PodNominator.
func (f *Framework) AddNominatedPod(pi *framework.PodInfo, ni *framework.NominatingInfo) {
	f.opts.nominator.AddNominatedPod(pi, ni)
}

// DeleteNominatedPodIfExists implements framework.PodNominator.
func (f *Framework) DeleteNominatedPodIfExists(pod *corev1.Pod) {
	f.opts.nominator.DeleteNominatedPodIfExists(pod)
}

// UpdateNominatedPod implements framework.PodNominator.
func (f *Framework) UpdateNominatedPod(oldPod *corev1.Pod, newPodInfo *framework.PodInfo) {
	f.opts.nominator.UpdateNominatedPod(oldPod, newPodInfo)
}

// NominatedPodsForNode implements framework.PodNominator.
func (f *Framework) NominatedPodsForNode(nodeName string) []*framework.PodInfo {
	return f.opts.nominator.NominatedPodsForNode(nodeName)
}

// IterateOverWaitingPods calls fn for each pod waiting in Permit.
func (f *Framework) IterateOverWaitingPods(fn func(framework.WaitingPod)) {
	f.opts.waitingPods.iterate(fn)
}

// GetWaitingPod returns the waiting pod with uid, or nil.
func (f *Framework) GetWaitingPod(uid types.UID) framework.WaitingPod {
	if wp := f.opts.waitingPods.get(uid); wp != nil {
		return wp
	}
	return nil
}

// RejectWaitingPod rejects the waiting pod with uid.
func (f *Framework) RejectWaitingPod(uid types.UID) bool {
	if wp := f.opts.waitingPods.get(uid); wp != nil {
		wp.Reject("", "removed")
		return true
	}
	return false
}

// Parallelizer returns the parallelizer of Filter and Score.
func (f *Framework) Parallelizer() framework.Parallelizer { return f.opts.parallelizer }

// PodEvictor returns the evictor.
func (f *Framework) PodEvictor() framework.PodEvictor { return f.opts.evictor }

// PodActivator returns the activator.
func (f *Framework) PodActivator() framework.PodActivator { return f.opts.activator }

// NamespaceLister returns the namespace lister.
func (f *Framework) NamespaceLister() framework.NamespaceLister { return f.opts.namespaces }

// PodBinder returns the binder.
func (f *Framework) PodBinder() framework.PodBinder { return f.opts.binder }

type noopActivator struct{}

func (noopActivator) Activate(map[string]*corev1.Pod) {}

type noNamespaces struct{}

func (noNamespaces) NamespaceLabels(string) (map[string]string, bool) { return nil, false }

// --- extension points ---

// RunPreEnqueuePlugins runs the PreEnqueue plugins and returns the first
// non-Success status, with the plugin's name.
func (f *Framework) RunPreEnqueuePlugins(ctx context.Context, pod *corev1.Pod) *framework.Status {
	for _, pl := range f.preEnqueue {
		if s := pl.PreEnqueue(ctx, pod); !s.IsSuccess() {
			if !s.IsRejected() && s.Code() != framework.Error {
				s = framework.NewStatus(framework.UnschedulableAndUnresolvable, s.Reasons()...)
			}
			return s.WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunPreFilterPlugins runs the PreFilter plugins with every node of the
// snapshot, records the ones that skip in state.SkipFilterPlugins, and
// returns the intersection of their results. A rejection is returned with
// its plugin's name; another failure becomes an Error status; when the
// results leave no node, the status is UnschedulableAndUnresolvable.
func (f *Framework) RunPreFilterPlugins(ctx context.Context, state *framework.CycleState, pod *corev1.Pod) (*framework.PreFilterResult, *framework.Status) {
	nodes, err := f.opts.snapshot.NodeInfos().List()
	if err != nil {
		return nil, framework.AsStatus(fmt.Errorf("list nodes: %w", err))
	}
	var result *framework.PreFilterResult
	var withNodes []string
	var skip map[string]struct{}
	for _, pl := range f.preFilter {
		r, s := pl.PreFilter(ctx, state, pod, nodes)
		if s.IsSkip() {
			if skip == nil {
				skip = make(map[string]struct{})
			}
			skip[pl.Name()] = struct{}{}
			continue
		}
		if !s.IsSuccess() {
			if s.IsRejected() {
				return nil, s.WithPlugin(pl.Name())
			}
			return nil, framework.AsStatus(fmt.Errorf("running PreFilter plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
		if !r.AllNodes() {
			withNodes = append(withNodes, pl.Name())
		}
		result = result.Merge(r)
		if !result.AllNodes() && len(result.NodeNames) == 0 {
			msg := fmt.Sprintf("node(s) didn't satisfy plugin(s) %v simultaneously", withNodes)
			if len(withNodes) == 1 {
				msg = fmt.Sprintf("node(s) didn't satisfy plugin %v", withNodes[0])
			}
			return result, framework.NewStatus(framework.UnschedulableAndUnresolvable, msg).WithPlugin(withNodes[0])
		}
	}
	state.SkipFilterPlugins = skip
	f.recordActiveFilters(state)
	return result, nil
}

// RunPreFilterExtensionAddPod runs the PreFilter plugins' AddPod hooks.
func (f *Framework) RunPreFilterExtensionAddPod(ctx context.Context, state *framework.CycleState, podToSchedule *corev1.Pod, podInfoToAdd *framework.PodInfo, nodeInfo *framework.NodeInfo) *framework.Status {
	for _, pl := range f.preFilter {
		if _, skip := state.SkipFilterPlugins[pl.Name()]; skip {
			continue
		}
		ext := pl.PreFilterExtensions()
		if ext == nil {
			continue
		}
		if s := ext.AddPod(ctx, state, podToSchedule, podInfoToAdd, nodeInfo); !s.IsSuccess() {
			return framework.AsStatus(fmt.Errorf("running AddPod on PreFilter plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunPreFilterExtensionRemovePod runs the PreFilter plugins' RemovePod
// hooks.
func (f *Framework) RunPreFilterExtensionRemovePod(ctx context.Context, state *framework.CycleState, podToSchedule *corev1.Pod, podInfoToRemove *framework.PodInfo, nodeInfo *framework.NodeInfo) *framework.Status {
	for _, pl := range f.preFilter {
		if _, skip := state.SkipFilterPlugins[pl.Name()]; skip {
			continue
		}
		ext := pl.PreFilterExtensions()
		if ext == nil {
			continue
		}
		if s := ext.RemovePod(ctx, state, podToSchedule, podInfoToRemove, nodeInfo); !s.IsSuccess() {
			return framework.AsStatus(fmt.Errorf("running RemovePod on PreFilter plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunFilterPlugins runs the Filter plugins on one node, skipping those in
// state.SkipFilterPlugins, and returns the first non-Success status with
// its plugin's name (a non-rejection becomes an Error status).
func (f *Framework) RunFilterPlugins(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) *framework.Status {
	plugins, active := f.activeFilterPlugins(state)
	if !active {
		plugins = f.filter
	}
	for _, pl := range plugins {
		if !active && state.SkipFilterPlugins != nil {
			if _, skip := state.SkipFilterPlugins[pl.Name()]; skip {
				continue
			}
		}
		if s := pl.Filter(ctx, state, pod, nodeInfo); !s.IsSuccess() {
			if !s.IsRejected() {
				s = framework.AsStatus(fmt.Errorf("running %q filter plugin: %w", pl.Name(), s.AsError()))
			}
			return s.WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunFilterPluginsWithNominatedPods runs the Filter plugins on nodeInfo
// twice when pods of at least pod's priority are nominated to it: once as
// if they ran there (so pod does not take room they were promised) and,
// if that passes, once without them (so pod does not rely on them, for
// affinity). Otherwise it runs them once.
func (f *Framework) RunFilterPluginsWithNominatedPods(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) *framework.Status {
	added, stateWith, nodeWith, err := f.addNominatedPods(ctx, pod, state, nodeInfo)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := f.RunFilterPlugins(ctx, stateWith, pod, nodeWith)
	if !s.IsSuccess() || !added {
		return s
	}
	return f.RunFilterPlugins(ctx, state, pod, nodeInfo)
}

func (f *Framework) addNominatedPods(ctx context.Context, pod *corev1.Pod, state *framework.CycleState, nodeInfo *framework.NodeInfo) (bool, *framework.CycleState, *framework.NodeInfo, error) {
	if n, ok := f.opts.nominator.(*Nominator); ok && n.count.Load() == 0 {
		// Nothing is nominated: no need to read the node's name.
		return false, state, nodeInfo, nil
	}
	if nodeInfo.Node() == nil {
		return false, state, nodeInfo, nil
	}
	nominated := f.opts.nominator.NominatedPodsForNode(nodeInfo.NodeName())
	if len(nominated) == 0 {
		return false, state, nodeInfo, nil
	}
	var nodeOut *framework.NodeInfo
	var stateOut *framework.CycleState
	prio := PodPriority(pod)
	for _, pi := range nominated {
		if PodPriority(pi.Pod) < prio || pi.Pod.UID == pod.UID {
			continue
		}
		if nodeOut == nil {
			nodeOut = nodeInfo.Snapshot()
			stateOut = state.Clone()
		}
		nodeOut.AddPodInfo(pi)
		if s := f.RunPreFilterExtensionAddPod(ctx, stateOut, pod, pi, nodeOut); !s.IsSuccess() {
			return false, state, nodeInfo, s.AsError()
		}
	}
	if nodeOut == nil {
		return false, state, nodeInfo, nil
	}
	return true, stateOut, nodeOut, nil
}

// PodPriority returns the pod's priority, 0 when unset.
func PodPriority(pod *corev1.Pod) int32 {
	if pod.Spec.Priority != nil {
		return *pod.Spec.Priority
	}
	return 0
}

// RunPostFilterPlugins runs the PostFilter plugins in order until one
// succeeds (its result is returned) or returns
// UnschedulableAndUnresolvable. When all are Unschedulable, it returns
// Unschedulable with their reasons, and the last result that nominates.
func (f *Framework) RunPostFilterPlugins(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, m framework.NodeToStatusReader) (*framework.PostFilterResult, *framework.Status) {
	var result *framework.PostFilterResult
	var reasons []string
	rejector := ""
	for _, pl := range f.postFilter {
		r, s := pl.PostFilter(ctx, state, pod, m)
		switch {
		case s.IsSuccess():
			return r, s
		case s.Code() == framework.UnschedulableAndUnresolvable:
			return r, s.WithPlugin(pl.Name())
		case !s.IsRejected():
			return nil, framework.AsStatus(fmt.Errorf("running PostFilter plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
		if r != nil && r.Mode() != framework.ModeNoop {
			result = r
		}
		reasons = append(reasons, s.Reasons()...)
		if rejector == "" {
			rejector = pl.Name()
		}
	}
	return result, framework.NewStatus(framework.Unschedulable, reasons...).WithPlugin(rejector)
}

// RunPreScorePlugins runs the PreScore plugins and records the ones that
// skip in state.SkipScorePlugins.
func (f *Framework) RunPreScorePlugins(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) *framework.Status {
	var skip map[string]struct{}
	for _, pl := range f.preScore {
		s := pl.PreScore(ctx, state, pod, nodes)
		if s.IsSkip() {
			if skip == nil {
				skip = make(map[string]struct{})
			}
			skip[pl.Name()] = struct{}{}
			continue
		}
		if !s.IsSuccess() {
			return framework.AsStatus(fmt.Errorf("running PreScore plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
	}
	state.SkipScorePlugins = skip
	return nil
}

// RunScorePlugins scores nodes with each Score plugin not in
// state.SkipScorePlugins (in parallel over nodes), normalises each
// plugin's scores, checks they lie in [MinNodeScore, MaxNodeScore], and
// weights them. The result has one entry per node, in the order of nodes.
func (f *Framework) RunScorePlugins(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) ([]framework.NodePluginScores, *framework.Status) {
	return f.RunScorePluginsWithMemo(ctx, state, pod, nodes, nil)
}

// ScoreMemo holds raw (not yet normalised) scores of nodes for reuse by an
// identical pod. Get and Put are called concurrently for different i (the
// index of the node in the nodes given to RunScorePluginsWithMemo); raw
// has one score per active Score plugin, in ActiveScorePlugins order.
type ScoreMemo interface {
	Get(i int, ni *framework.NodeInfo) (raw []int64, ok bool)
	Put(i int, ni *framework.NodeInfo, raw []int64)
}

// ActiveScorePlugins returns the names of the Score plugins that run for
// the cycle of state (those PreScore did not skip), in order.
func (f *Framework) ActiveScorePlugins(state *framework.CycleState) []string {
	var out []string
	for _, pl := range f.score {
		if _, skip := state.SkipScorePlugins[pl.Name()]; !skip {
			out = append(out, pl.Name())
		}
	}
	return out
}

// RunScorePluginsWithMemo is RunScorePlugins taking raw scores from memo
// where it has them and storing those it computes; a nil memo computes
// all. Only normalisation and weighting run over the whole node list, so
// the result equals RunScorePlugins' whenever the memo's scores are those
// the plugins would return.
func (f *Framework) RunScorePluginsWithMemo(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo, memo ScoreMemo) ([]framework.NodePluginScores, *framework.Status) {
	return f.RunScorePluginsInto(ctx, state, pod, nodes, memo, &ScoreScratch{})
}

// ScoreScratch holds the buffers of RunScorePluginsInto, reused from call
// to call. The zero value is ready. It must not be shared by concurrent
// calls.
type ScoreScratch struct {
	// Names, when it has one entry per node, gives the nodes' names so
	// that the NodeInfos need not be read for them.
	Names []string
	// TotalsOnly leaves each result's Scores (the per-plugin breakdown)
	// nil; only Name and TotalScore are set.
	TotalsOnly bool

	out     []framework.NodePluginScores
	scores  []framework.PluginScore
	raw     []int64
	list    framework.NodeScoreList
	weights []int64
	pending []int
}

// RunScorePluginsInto is RunScorePluginsWithMemo using the buffers of
// scratch: the result is valid until the next call with the same scratch.
func (f *Framework) RunScorePluginsInto(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo, memo ScoreMemo, scratch *ScoreScratch) ([]framework.NodePluginScores, *framework.Status) {
	plugins := make([]framework.ScorePlugin, 0, len(f.score))
	for _, pl := range f.score {
		if _, skip := state.SkipScorePlugins[pl.Name()]; !skip {
			plugins = append(plugins, pl)
		}
	}
	n, k := len(nodes), len(plugins)
	out := grow(scratch.out, n)
	scratch.out = out
	var scores []framework.PluginScore
	if !scratch.TotalsOnly {
		scores = grow(scratch.scores, n*k)
		scratch.scores = scores
	}
	names := scratch.Names
	nameOf := func(i int) string {
		if len(names) == n {
			return names[i]
		}
		return nodes[i].NodeName()
	}
	for i := range out {
		o := &out[i]
		o.Name = nameOf(i)
		o.TotalScore = 0
		o.Scores = nil
		if scores != nil {
			o.Scores = scores[i*k : (i+1)*k : (i+1)*k]
		}
	}
	if k == 0 {
		return out, nil
	}
	// raw holds every plugin's score of every node, k per node: first as
	// the plugins return them, then normalised.
	raw := grow(scratch.raw, n*k)
	scratch.raw = raw
	pending := scratch.pending[:0]
	for i, ni := range nodes {
		if memo != nil {
			if r, ok := memo.Get(i, ni); ok && len(r) == k {
				copy(raw[i*k:(i+1)*k], r)
				continue
			}
		}
		pending = append(pending, i)
	}
	scratch.pending = pending
	if len(pending) > 0 {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var errs framework.ErrorChannel
		work := func(p int) {
			i := pending[p]
			ni := nodes[i]
			row := raw[i*k : (i+1)*k : (i+1)*k]
			for j, pl := range plugins {
				s, st := pl.Score(ctx, state, pod, ni)
				if !st.IsSuccess() {
					errs.SendErrorWithCancel(framework.AsStatus(fmt.Errorf("plugin %q failed with: %w", pl.Name(), st.AsError())), cancel)
					return
				}
				row[j] = s
			}
			if memo != nil {
				memo.Put(i, ni, slices.Clone(row))
			}
		}
		if len(pending) == 1 {
			work(0)
		} else {
			f.opts.parallelizer.Until(ctx, len(pending), work, "Score")
		}
		if s := errs.Status(); s != nil {
			return nil, framework.AsStatus(fmt.Errorf("running Score plugins: %w", s.AsError()))
		}
	}
	for j, pl := range plugins {
		ext := pl.ScoreExtensions()
		if ext == nil {
			continue
		}
		list := grow(scratch.list, n)
		scratch.list = list
		for i := range list {
			list[i] = framework.NodeScore{Name: out[i].Name, Score: raw[i*k+j]}
		}
		if st := ext.NormalizeScore(ctx, state, pod, list); !st.IsSuccess() {
			return nil, framework.AsStatus(fmt.Errorf("running Normalize on Score plugins: plugin %q failed with: %w", pl.Name(), st.AsError()))
		}
		for i := range list {
			raw[i*k+j] = list[i].Score
		}
	}
	weights := scratch.weights[:0]
	for _, pl := range plugins {
		weights = append(weights, f.scoreWeight[pl.Name()])
	}
	scratch.weights = weights
	for i := range out {
		row := raw[i*k : (i+1)*k]
		var total int64
		for j, s := range row {
			if s > framework.MaxNodeScore || s < framework.MinNodeScore {
				return nil, framework.AsStatus(fmt.Errorf("applying score defaultWeights on Score plugins: plugin %q returns an invalid score %v, it should in the range of [%v, %v] after normalizing", plugins[j].Name(), s, framework.MinNodeScore, framework.MaxNodeScore))
			}
			total += s * weights[j]
			if scores != nil {
				out[i].Scores[j] = framework.PluginScore{Name: plugins[j].Name(), Score: s * weights[j]}
			}
		}
		out[i].TotalScore = total
	}
	return out, nil
}

// grow returns s resized to n, reusing its array when large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// NodeLocalFilters reports whether every Filter plugin that runs for the
// cycle of state is a framework.NodeLocalPlugin.
func (f *Framework) NodeLocalFilters(state *framework.CycleState) bool {
	for _, pl := range f.filter {
		if _, skip := state.SkipFilterPlugins[pl.Name()]; skip {
			continue
		}
		if _, ok := pl.(framework.NodeLocalPlugin); !ok {
			return false
		}
	}
	return true
}

// NodeLocalScores reports whether every Score plugin that runs for the
// cycle of state is a framework.NodeLocalPlugin.
func (f *Framework) NodeLocalScores(state *framework.CycleState) bool {
	for _, pl := range f.score {
		if _, skip := state.SkipScorePlugins[pl.Name()]; skip {
			continue
		}
		if _, ok := pl.(framework.NodeLocalPlugin); !ok {
			return false
		}
	}
	return true
}

// RunReservePluginsReserve runs the Reserve plugins in order and returns
// the first failure with its plugin's name.
func (f *Framework) RunReservePluginsReserve(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodeName string) *framework.Status {
	for _, pl := range f.reserve {
		if s := pl.Reserve(ctx, state, pod, nodeName); !s.IsSuccess() {
			if !s.IsRejected() {
				s = framework.AsStatus(fmt.Errorf("running Reserve plugin %q: %w", pl.Name(), s.AsError()))
			}
			return s.WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunReservePluginsUnreserve runs the Unreserve of every Reserve plugin, in
// reverse order.
func (f *Framework) RunReservePluginsUnreserve(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodeName string) {
	for i := len(f.reserve) - 1; i >= 0; i-- {
		f.reserve[i].Unreserve(ctx, state, pod, nodeName)
	}
}

// RunPermitPlugins runs the Permit plugins. A rejection or error is
// returned at once. When some ask to wait (and none rejects), the pod is
// parked with each plugin's timeout (at most 15 minutes) and the status is
// Wait; call WaitOnPermit to learn the outcome.
func (f *Framework) RunPermitPlugins(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodeName string) *framework.Status {
	var waits map[string]time.Duration
	for _, pl := range f.permit {
		s, timeout := pl.Permit(ctx, state, pod, nodeName)
		switch {
		case s.IsSuccess():
		case s.IsRejected():
			return s.WithPlugin(pl.Name())
		case s.IsWait():
			if waits == nil {
				waits = make(map[string]time.Duration)
			}
			waits[pl.Name()] = min(timeout, maxPermitTimeout)
		default:
			return framework.AsStatus(fmt.Errorf("running Permit plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
	}
	if waits != nil {
		f.opts.waitingPods.add(newWaitingPod(pod, waits, f.opts.clock))
		return framework.NewStatus(framework.Wait, fmt.Sprintf("one or more plugins asked to wait and no plugin rejected pod %q", pod.Name))
	}
	return nil
}

// WaitOnPermit blocks until the waiting pod (if pod is waiting) is allowed
// (nil), rejected (its Unschedulable status) or ctx ends (an Error).
func (f *Framework) WaitOnPermit(ctx context.Context, pod *corev1.Pod) *framework.Status {
	wp := f.opts.waitingPods.get(pod.UID)
	if wp == nil {
		return nil
	}
	defer f.opts.waitingPods.remove(pod.UID)
	select {
	case s := <-wp.verdict:
		return s
	case <-ctx.Done():
		wp.Reject("", "scheduler stopped")
		return framework.AsStatus(fmt.Errorf("waiting on permit for pod %s/%s: %w", pod.Namespace, pod.Name, ctx.Err()))
	}
}

// RunPreBindPlugins runs the PreBind plugins and returns the first failure.
func (f *Framework) RunPreBindPlugins(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodeName string) *framework.Status {
	for _, pl := range f.preBind {
		if s := pl.PreBind(ctx, state, pod, nodeName); !s.IsSuccess() {
			if !s.IsRejected() {
				s = framework.AsStatus(fmt.Errorf("running PreBind plugin %q: %w", pl.Name(), s.AsError()))
			}
			return s.WithPlugin(pl.Name())
		}
	}
	return nil
}

// ErrNoBinder is returned (as an Error status) when every Bind plugin
// skipped the pod or the profile has none.
var ErrNoBinder = errors.New("no Bind plugin bound the pod")

// RunBindPlugins runs the Bind plugins until one does not skip.
func (f *Framework) RunBindPlugins(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodeName string) *framework.Status {
	for _, pl := range f.bind {
		s := pl.Bind(ctx, state, pod, nodeName)
		if s.IsSkip() {
			continue
		}
		if !s.IsSuccess() {
			if !s.IsRejected() {
				s = framework.AsStatus(fmt.Errorf("running Bind plugin %q: %w", pl.Name(), s.AsError()))
			}
			return s.WithPlugin(pl.Name())
		}
		return nil
	}
	return framework.AsStatus(fmt.Errorf("bind pod %s/%s to %s: %w", pod.Namespace, pod.Name, nodeName, ErrNoBinder))
}

// RunPostBindPlugins runs the PostBind plugins.
func (f *Framework) RunPostBindPlugins(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodeName string) {
	for _, pl := range f.postBind {
		pl.PostBind(ctx, state, pod, nodeName)
	}
}

// PluginNames returns the names of the enabled plugins, in order.
func (f *Framework) PluginNames() []string {
	out := make([]string, len(f.plugins))
	for i, p := range f.plugins {
		out[i] = p.Name()
	}
	return slices.Clip(out)
}
