package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/cache"
	"github.com/rigging-dev/rigging/scheduler/clock"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
	"github.com/rigging-dev/rigging/scheduler/plugins"
	"github.com/rigging-dev/rigging/scheduler/queue"
)

// Scheduler places pods on nodes: a queue of pending pods, a cache of nodes
// and their pods, and one framework per profile. Feed it nodes and pods
// with the Add/Update/Delete methods (from an informer, or from the
// embedder's own state), then call Run, or ScheduleOne step by step.
//
// Each scheduling cycle runs on the goroutine that calls Run or
// ScheduleOne; binding runs on its own goroutine per pod, so the next cycle
// does not wait for it. The event methods may be called from any goroutine
// at any time.
type Scheduler struct {
	opts      Options
	clock     clock.Clock
	cache     *cache.Cache
	queue     *queue.PriorityQueue
	nominator *runtime.Nominator
	waiting   *runtime.WaitingPods
	profiles  map[string]*runtime.Framework

	// algo and its snapshot belong to the scheduling goroutine.
	algoMu sync.Mutex // held for a whole cycle, so ScheduleOne calls do not overlap
	algo   *algorithm

	bindings sync.WaitGroup // binding goroutines
	// stop cancels binding goroutines; stopBindings is its cancel func.
	stop         context.Context
	stopBindings context.CancelFunc

	mu      sync.Mutex          // guards deleted
	deleted map[string]struct{} // keys of pods deleted while in flight
}

// New builds a Scheduler: it validates the options, builds every profile's
// plugins, and returns an error naming the option or plugin at fault.
func New(ctx context.Context, opts Options) (*Scheduler, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("scheduler options: %w", err)
	}
	if len(opts.Profiles) == 0 {
		opts.Profiles = []Profile{DefaultProfile()}
	}
	if opts.Registry == nil {
		opts.Registry = plugins.NewInTreeRegistry()
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Binder == nil {
		opts.Binder = noopBinder{}
	}
	s := &Scheduler{
		opts:      opts,
		clock:     opts.Clock,
		cache:     cache.New(),
		nominator: runtime.NewNominator(),
		waiting:   runtime.NewWaitingPods(),
		profiles:  make(map[string]*runtime.Framework),
		deleted:   make(map[string]struct{}),
	}
	s.stop, s.stopBindings = context.WithCancel(context.Background())
	evictor := opts.Evictor
	if evictor == nil {
		evictor = framework.PodEvictorFunc(s.evictLocally)
	}
	snap := cache.NewEmptySnapshot()
	fopts := []runtime.Option{
		runtime.WithSnapshotSharedLister(snap),
		runtime.WithPodNominator(s.nominator),
		runtime.WithParallelism(opts.Parallelism),
		runtime.WithPodEvictor(evictor),
		runtime.WithPodActivator(activator{s}),
		runtime.WithNamespaceLister(opts.NamespaceLister),
		runtime.WithPodBinder(opts.Binder),
		runtime.WithClock(opts.Clock),
		runtime.WithWaitingPods(s.waiting),
	}
	var less func(a, b *framework.QueuedPodInfo) bool
	events := make(map[string][]framework.ClusterEventWithHint)
	for _, p := range opts.Profiles {
		fwk, err := runtime.NewFramework(ctx, opts.Registry, p, fopts...)
		if err != nil {
			return nil, err
		}
		if fwk.QueueSortFunc() == nil {
			return nil, fmt.Errorf("profile %q: no QueueSort plugin is enabled", fwk.ProfileName())
		}
		if less == nil {
			less = fwk.QueueSortFunc()
		}
		s.profiles[fwk.ProfileName()] = fwk
		for _, ext := range fwk.EnqueueExtensions() {
			evs, err := ext.EventsToRegister(ctx)
			if err != nil {
				return nil, fmt.Errorf("profile %q: plugin %q: events to register: %w", fwk.ProfileName(), ext.Name(), err)
			}
			if _, ok := events[ext.Name()]; !ok {
				events[ext.Name()] = evs
			}
		}
	}
	s.queue = queue.New(queue.Options{
		Clock:          opts.Clock,
		InitialBackoff: opts.InitialBackoff,
		MaxBackoff:     opts.MaxBackoff,
		Less:           less,
		Events:         events,
		PreEnqueue: func(ctx context.Context, pod *corev1.Pod) *framework.Status {
			if fwk := s.profileFor(pod); fwk != nil {
				return fwk.RunPreEnqueuePlugins(ctx, pod)
			}
			return nil
		},
	})
	s.algo = &algorithm{
		snapshot:                 snap,
		percentageOfNodesToScore: opts.PercentageOfNodesToScore,
		rng:                      newRand(opts.Seed),
		nominator:                s.nominator,
	}
	if !opts.DisableBatching {
		s.algo.memo = newMemoTable()
	}
	return s, nil
}

type activator struct{ s *Scheduler }

func (a activator) Activate(pods map[string]*corev1.Pod) { a.s.queue.Activate(pods) }

func (s *Scheduler) profileFor(pod *corev1.Pod) *runtime.Framework {
	name := pod.Spec.SchedulerName
	if name == "" {
		name = corev1.DefaultSchedulerName
	}
	return s.profiles[name]
}

// Framework returns the framework of the profile named name, or nil.
func (s *Scheduler) Framework(name string) *runtime.Framework { return s.profiles[name] }

// Queue returns the scheduling queue, for inspection.
func (s *Scheduler) Queue() *queue.PriorityQueue { return s.queue }

// Cache returns the cache, for inspection.
func (s *Scheduler) Cache() *cache.Cache { return s.cache }

// Responsible reports whether pod names one of the scheduler's profiles.
func (s *Scheduler) Responsible(pod *corev1.Pod) bool { return s.profileFor(pod) != nil }

// --- events ---

// AddNode adds a node, and retries the pending pods it may help.
func (s *Scheduler) AddNode(node *corev1.Node) {
	s.cache.AddNode(node)
	s.queue.MoveAllToActiveOrBackoffQueue(framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add, Label: "NodeAdd"}, nil, node, nil)
}

// UpdateNode replaces a node, and retries the pending pods the change may
// help.
func (s *Scheduler) UpdateNode(oldNode, newNode *corev1.Node) {
	s.cache.UpdateNode(oldNode, newNode)
	if a := nodeUpdateActions(oldNode, newNode); a != 0 {
		s.queue.MoveAllToActiveOrBackoffQueue(framework.ClusterEvent{Resource: framework.Node, ActionType: a, Label: "NodeUpdate"}, oldNode, newNode, nil)
	}
}

// DeleteNode removes a node.
func (s *Scheduler) DeleteNode(node *corev1.Node) error { return s.cache.RemoveNode(node) }

// nodeUpdateActions classifies a node change as Kubernetes does.
func nodeUpdateActions(o, n *corev1.Node) framework.ActionType {
	var a framework.ActionType
	if !resourceListEqual(o.Status.Allocatable, n.Status.Allocatable) {
		a |= framework.UpdateNodeAllocatable
	}
	if !stringMapEqual(o.Labels, n.Labels) {
		a |= framework.UpdateNodeLabel
	}
	if o.Spec.Unschedulable != n.Spec.Unschedulable || !taintsEqual(o.Spec.Taints, n.Spec.Taints) {
		a |= framework.UpdateNodeTaint
	}
	if !conditionsEqual(o.Status.Conditions, n.Status.Conditions) {
		a |= framework.UpdateNodeCondition
	}
	if !stringMapEqual(o.Annotations, n.Annotations) {
		a |= framework.UpdateNodeAnnotation
	}
	return a
}

func resourceListEqual(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}

func stringMapEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func taintsEqual(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect {
			return false
		}
	}
	return true
}

func conditionsEqual(a, b []corev1.NodeCondition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Status != b[i].Status {
			return false
		}
	}
	return true
}

// AddPod adds a pod. A bound pod (spec.nodeName set) enters the cache,
// confirming it if the scheduler assumed it; a pending pod whose scheduler
// name has a profile is queued; other pods are ignored.
func (s *Scheduler) AddPod(pod *corev1.Pod) error {
	if pod.Spec.NodeName != "" {
		wasAssumed := s.cache.IsAssumedPod(pod)
		if err := s.cache.AddPod(pod); err != nil {
			return err
		}
		s.nominator.DeleteNominatedPodIfExists(pod)
		if !wasAssumed {
			s.queue.MoveAllToActiveOrBackoffQueue(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Add, Label: "AssignedPodAdd"}, nil, pod, nil)
		}
		return nil
	}
	if !s.Responsible(pod) {
		return nil
	}
	if pod.Status.NominatedNodeName != "" {
		pi, _ := framework.NewPodInfo(pod)
		s.nominator.AddNominatedPod(pi, nil)
	}
	s.queue.Add(pod)
	s.queue.MoveAllToActiveOrBackoffQueue(framework.ClusterEvent{Resource: framework.UnscheduledPod, ActionType: framework.Add, Label: "UnscheduledPodAdd"}, nil, pod, nil)
	return nil
}

// UpdatePod replaces a pod: a pending pod in the queue, a bound pod in the
// cache. A pod that became bound leaves the queue and enters the cache
// (confirming the scheduler's assumption when it placed it).
func (s *Scheduler) UpdatePod(oldPod, newPod *corev1.Pod) error {
	if newPod.Spec.NodeName != "" {
		if _, err := s.cache.GetPod(oldPod); err != nil || s.cache.IsAssumedPod(oldPod) {
			s.queue.Delete(oldPod)
			return s.AddPod(newPod)
		}
		if err := s.cache.UpdatePod(oldPod, newPod); err != nil {
			return err
		}
		s.queue.MoveAllToActiveOrBackoffQueue(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Update, Label: "AssignedPodUpdate"}, oldPod, newPod, nil)
		return nil
	}
	if !s.Responsible(newPod) {
		return nil
	}
	pi, _ := framework.NewPodInfo(newPod)
	s.nominator.UpdateNominatedPod(oldPod, pi)
	s.queue.Update(oldPod, newPod)
	return nil
}

// DeletePod removes a pod: from the queue, the nominations, the waiting
// pods and the cache; the pods its departure may help are retried.
func (s *Scheduler) DeletePod(pod *corev1.Pod) error {
	s.queue.Delete(pod)
	s.nominator.DeleteNominatedPodIfExists(pod)
	if fwk := s.profileFor(pod); fwk != nil && pod.UID != "" {
		fwk.RejectWaitingPod(pod.UID)
	}
	if s.queue.Where(pod) == "inflight" {
		s.mu.Lock()
		s.deleted[framework.PodKey(pod)] = struct{}{}
		s.mu.Unlock()
	}
	cached, err := s.cache.GetPod(pod)
	if err != nil {
		return nil
	}
	if err := s.cache.RemovePod(cached); err != nil {
		return err
	}
	s.queue.MoveAllToActiveOrBackoffQueue(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete, Label: "AssignedPodDelete"}, cached, nil, nil)
	return nil
}

func (s *Scheduler) takeDeleted(pod *corev1.Pod) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := framework.PodKey(pod)
	_, ok := s.deleted[k]
	delete(s.deleted, k)
	return ok
}

// evictLocally is the default PodEvictor: it removes the victim from the
// scheduler's state and tells OnEvicted.
func (s *Scheduler) evictLocally(_ context.Context, victim, preemptor *corev1.Pod) error {
	if err := s.DeletePod(victim); err != nil {
		return fmt.Errorf("evict pod %s/%s: %w", victim.Namespace, victim.Name, err)
	}
	if s.opts.OnEvicted != nil {
		s.opts.OnEvicted(victim, preemptor)
	}
	return nil
}

// --- the loop ---

// Run schedules pods until ctx ends, then waits for the binding goroutines
// and returns nil. The queue's periodic flushes run alongside.
func (s *Scheduler) Run(ctx context.Context) error {
	qctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.queue.Run(qctx)
	}()
	for {
		err := s.ScheduleOne(ctx)
		if err != nil && (ctx.Err() != nil || errors.Is(err, queue.ErrClosed)) {
			break
		}
	}
	cancel()
	<-done
	s.Close()
	return nil
}

// Close cancels the binding cycles in flight (pods waiting in Permit are
// rejected) and waits for them to end. The scheduler must not be used
// afterwards. Run calls it when it returns.
func (s *Scheduler) Close() {
	s.stopBindings()
	s.bindings.Wait()
}

// WaitForBindings blocks until every binding started so far has ended.
func (s *Scheduler) WaitForBindings() { s.bindings.Wait() }

// ScheduleOne pops the next pod (blocking until there is one), runs its
// scheduling cycle, and starts its binding cycle on a new goroutine. It
// returns the queue's error (ctx's, or queue.ErrClosed); failures to
// schedule the pod are handled (the pod is requeued) and reported to
// OnOutcome, not returned. The binding cycle carries ctx's values but
// outlives ctx: only Close (or the end of Run) cancels it.
func (s *Scheduler) ScheduleOne(ctx context.Context) error {
	qpi, err := s.queue.Pop(ctx)
	if err != nil {
		return err
	}
	s.algoMu.Lock()
	defer s.algoMu.Unlock()
	s.scheduleOneLocked(ctx, qpi)
	return nil
}

func (s *Scheduler) scheduleOneLocked(ctx context.Context, qpi *framework.QueuedPodInfo) {
	start := s.clock.Now()
	pod := qpi.Pod
	fwk := s.profileFor(pod)
	if fwk == nil {
		s.queue.Done(pod)
		return
	}
	if s.takeDeleted(pod) || s.cache.IsAssumedPod(pod) {
		s.queue.Done(pod)
		return
	}
	state := framework.NewCycleState()
	if err := s.cache.UpdateSnapshot(s.algo.snapshot); err != nil {
		s.handleFailure(ctx, fwk, qpi, framework.AsStatus(err), nil, start)
		return
	}
	var class *memoClass
	if s.algo.memo != nil {
		if key := equivalenceKey(fwk.ProfileName(), pod); key != "" {
			class = s.algo.memo.class(key)
		}
	}
	result, err := s.algo.schedulePod(ctx, fwk, state, pod, class)
	if err != nil {
		s.handleScheduleError(ctx, fwk, state, qpi, err, start)
		return
	}
	// A shallow copy: pods are never modified once built, so the assumed
	// pod may share everything but its node name with the queued one.
	shallow := *pod
	assumed := &shallow
	assumed.Spec.NodeName = result.SuggestedHost
	api, _ := framework.NewPodInfo(assumed)
	if err := s.cache.AssumePod(api); err != nil {
		s.handleFailure(ctx, fwk, qpi, framework.AsStatus(err), nil, start)
		return
	}
	s.nominator.DeleteNominatedPodIfExists(pod)
	host := result.SuggestedHost
	if st := fwk.RunReservePluginsReserve(ctx, state, assumed, host); !st.IsSuccess() {
		fwk.RunReservePluginsUnreserve(ctx, state, assumed, host)
		_ = s.cache.ForgetPod(assumed)
		s.handleFailure(ctx, fwk, qpi, rejection(st, pod, 1), &framework.NominatingInfo{NominatingMode: framework.ModeOverride}, start)
		return
	}
	if st := fwk.RunPermitPlugins(ctx, state, assumed, host); !st.IsSuccess() && !st.IsWait() {
		fwk.RunReservePluginsUnreserve(ctx, state, assumed, host)
		_ = s.cache.ForgetPod(assumed)
		s.handleFailure(ctx, fwk, qpi, rejection(st, pod, 1), &framework.NominatingInfo{NominatingMode: framework.ModeOverride}, start)
		return
	}
	s.queue.Done(pod)
	s.bindings.Add(1)
	go func() {
		defer s.bindings.Done()
		bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		stop := context.AfterFunc(s.stop, cancel)
		defer stop()
		s.bindingCycle(bctx, fwk, state, qpi, assumed, host, start)
	}()
}

// rejection turns a Reserve or Permit rejection into a status carrying a
// FitError, so the pod is requeued by that plugin's events.
func rejection(st *framework.Status, pod *corev1.Pod, numNodes int) *framework.Status {
	if !st.IsRejected() {
		return st
	}
	d := framework.Diagnosis{NodeToStatus: framework.NewNodeToStatus(nil, st)}
	d.AddPluginStatus(st)
	return framework.NewStatus(st.Code(), st.Reasons()...).WithPlugin(st.Plugin()).WithError(&framework.FitError{Pod: pod, NumAllNodes: numNodes, Diagnosis: d})
}

func (s *Scheduler) handleScheduleError(ctx context.Context, fwk *runtime.Framework, state *framework.CycleState, qpi *framework.QueuedPodInfo, err error, start time.Time) {
	pod := qpi.Pod
	if errors.Is(err, framework.ErrNoNodesAvailable) {
		fe := &framework.FitError{Pod: pod, NumAllNodes: 0, Diagnosis: framework.Diagnosis{NodeToStatus: framework.NewDefaultNodeToStatus()}}
		s.handleFailure(ctx, fwk, qpi, framework.NewStatus(framework.UnschedulableAndUnresolvable).WithError(fe), nil, start)
		return
	}
	var fe *framework.FitError
	if !errors.As(err, &fe) {
		s.handleFailure(ctx, fwk, qpi, framework.AsStatus(err), nil, start)
		return
	}
	var ni *framework.NominatingInfo
	if fwk.HasPostFilterPlugins() {
		res, st := fwk.RunPostFilterPlugins(ctx, state, pod, fe.Diagnosis.NodeToStatus)
		fe.Diagnosis.PostFilterMsg = st.Message()
		if res != nil {
			ni = res.NominatingInfo
		}
	}
	s.handleFailure(ctx, fwk, qpi, framework.NewStatus(framework.Unschedulable).WithError(fe), ni, start)
}

// handleFailure requeues a pod whose attempt failed, records its
// nomination, and reports the outcome.
func (s *Scheduler) handleFailure(_ context.Context, _ *runtime.Framework, qpi *framework.QueuedPodInfo, st *framework.Status, ni *framework.NominatingInfo, start time.Time) {
	pod := qpi.Pod
	var fe *framework.FitError
	if errors.As(st.Err(), &fe) {
		qpi.UnschedulablePlugins = fe.Diagnosis.UnschedulablePlugins
		qpi.PendingPlugins = fe.Diagnosis.PendingPlugins
	} else {
		qpi.UnschedulablePlugins, qpi.PendingPlugins = nil, nil
	}
	nominated := pod.Status.NominatedNodeName
	if ni.Mode() == framework.ModeOverride {
		nominated = ni.NominatedNodeName
		if nominated != pod.Status.NominatedNodeName {
			p := pod.DeepCopy()
			p.Status.NominatedNodeName = nominated
			pi, _ := framework.NewPodInfo(p)
			qpi.PodInfo = pi
			pod = p
		}
	}
	deleted := s.takeDeleted(pod)
	if deleted {
		s.queue.Done(pod)
	} else {
		_ = s.queue.AddUnschedulableIfNotPresent(qpi)
		if nominated != "" {
			s.nominator.AddNominatedPod(qpi.PodInfo, &framework.NominatingInfo{NominatedNodeName: nominated, NominatingMode: framework.ModeOverride})
		} else {
			s.nominator.DeleteNominatedPodIfExists(pod)
		}
	}
	err := st.AsError()
	if err == nil {
		err = errors.New(st.String())
	}
	s.report(Outcome{Pod: pod, Err: err, NominatedNodeName: nominated, Attempts: qpi.Attempts, Start: start, End: s.clock.Now()})
}

func (s *Scheduler) report(o Outcome) {
	if s.opts.OnOutcome != nil {
		s.opts.OnOutcome(o)
	}
}

// bindingCycle waits on Permit, then runs PreBind, Bind and PostBind. On
// failure the pod is unreserved, forgotten and requeued.
func (s *Scheduler) bindingCycle(ctx context.Context, fwk *runtime.Framework, state *framework.CycleState, qpi *framework.QueuedPodInfo, assumed *corev1.Pod, host string, start time.Time) {
	fail := func(st *framework.Status) {
		fwk.RunReservePluginsUnreserve(ctx, state, assumed, host)
		if err := s.cache.ForgetPod(assumed); err == nil {
			s.queue.MoveAllToActiveOrBackoffQueue(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete, Label: "AssignedPodDelete"}, assumed, nil, nil)
		}
		s.handleFailure(ctx, fwk, qpi, rejection(st, qpi.Pod, 1), nil, start)
	}
	if st := fwk.WaitOnPermit(ctx, assumed); !st.IsSuccess() {
		fail(st)
		return
	}
	if st := fwk.RunPreBindPlugins(ctx, state, assumed, host); !st.IsSuccess() {
		fail(st)
		return
	}
	if st := fwk.RunBindPlugins(ctx, state, assumed, host); !st.IsSuccess() {
		fail(st)
		return
	}
	confirmed := !s.cache.IsAssumedPod(assumed)
	_ = s.cache.FinishBinding(assumed)
	fwk.RunPostBindPlugins(ctx, state, assumed, host)
	if !confirmed {
		s.queue.MoveAllToActiveOrBackoffQueue(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Add, Label: "AssignedPodAdd"}, nil, assumed, nil)
	}
	s.report(Outcome{Pod: assumed, NodeName: host, Attempts: qpi.Attempts, Start: start, End: s.clock.Now()})
}
