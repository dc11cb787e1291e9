// Package queue is the scheduling queue: an active queue ordered by the
// profile's QueueSort (priority, then age), a backoff queue for pods that
// failed recently (1 s doubling to 10 s by default), and a set of
// unschedulable pods that only a cluster event which may help them (a node
// added or changed, a pod deleted, ...) moves back, with a periodic flush
// for pods that waited too long.
//
// Where to start: New, then Add pods, Pop them for scheduling, and hand
// back failures with AddUnschedulableIfNotPresent; report cluster events
// with MoveAllToActiveOrBackoffQueue. Run drives the periodic flushes from
// the Options' clock, so tests drive time with a clock.Fake.
package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/clock"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// The defaults of Options, Kubernetes' figures.
const (
	DefaultInitialBackoff     = 1 * time.Second
	DefaultMaxBackoff         = 10 * time.Second
	DefaultMaxInUnschedulable = 5 * time.Minute
	// BackoffFlushInterval is how often Run moves pods whose backoff
	// ended to the active queue.
	BackoffFlushInterval = 1 * time.Second
	// UnschedulableFlushInterval is how often Run moves pods that stayed
	// unschedulable longer than MaxInUnschedulable.
	UnschedulableFlushInterval = 30 * time.Second
)

// ErrClosed is returned by Pop once the queue is closed.
var ErrClosed = errors.New("scheduling queue is closed")

// Options configure a PriorityQueue. The zero value works.
type Options struct {
	// Clock is the time source; nil means the real clock.
	Clock clock.Clock
	// InitialBackoff is the backoff after the first failed attempt; it
	// doubles per attempt up to MaxBackoff. 0 means 1 s.
	InitialBackoff time.Duration
	// MaxBackoff caps the backoff; 0 means 10 s.
	MaxBackoff time.Duration
	// MaxInUnschedulable is how long a pod stays unschedulable before the
	// periodic flush retries it anyway; 0 means 5 min.
	MaxInUnschedulable time.Duration
	// Less orders the active queue; nil means by priority, then by queue
	// timestamp (PrioritySort).
	Less func(a, b *framework.QueuedPodInfo) bool
	// PreEnqueue runs the PreEnqueue plugins of the pod's profile; a
	// non-Success status (with its plugin's name) holds the pod back. nil
	// admits every pod.
	PreEnqueue func(ctx context.Context, pod *corev1.Pod) *framework.Status
	// Events maps plugin names to the events they registered through
	// EnqueueExtensions. A rejecting plugin absent from the map is taken
	// to care about every event.
	Events map[string][]framework.ClusterEventWithHint
}

// PriorityQueue is the scheduling queue. It is safe for concurrent use.
type PriorityQueue struct {
	opts  Options
	clock clock.Clock

	mu   sync.Mutex // guards every field below
	cond *sync.Cond // signalled when activeQ gains a pod or the queue closes

	activeQ       *podHeap
	backoffQ      *podHeap
	unschedulable map[string]*framework.QueuedPodInfo
	// inFlight maps the pods popped and not yet done to the sequence
	// number of the first event they have not seen.
	inFlight map[string]int64
	// activateInFlight holds in-flight pods activated while in flight.
	activateInFlight map[string]struct{}
	// updatedInFlight holds the latest version of in-flight pods updated
	// while in flight, which replaces the version handed back.
	updatedInFlight map[string]*corev1.Pod
	events          []recordedEvent
	nextEventSeq    int64
	closed          bool
}

type recordedEvent struct {
	seq            int64
	event          framework.ClusterEvent
	oldObj, newObj any
}

// New returns an empty queue.
func New(opts Options) *PriorityQueue {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.InitialBackoff <= 0 {
		opts.InitialBackoff = DefaultInitialBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxInUnschedulable <= 0 {
		opts.MaxInUnschedulable = DefaultMaxInUnschedulable
	}
	if opts.Less == nil {
		opts.Less = prioritySort
	}
	q := &PriorityQueue{
		opts:             opts,
		clock:            opts.Clock,
		activeQ:          newPodHeap(opts.Less),
		unschedulable:    make(map[string]*framework.QueuedPodInfo),
		inFlight:         make(map[string]int64),
		activateInFlight: make(map[string]struct{}),
		updatedInFlight:  make(map[string]*corev1.Pod),
	}
	q.backoffQ = newPodHeap(func(a, b *framework.QueuedPodInfo) bool {
		return q.backoffExpiry(a).Before(q.backoffExpiry(b))
	})
	q.cond = sync.NewCond(&q.mu)
	return q
}

func prioritySort(a, b *framework.QueuedPodInfo) bool {
	var pa, pb int32
	if a.Pod.Spec.Priority != nil {
		pa = *a.Pod.Spec.Priority
	}
	if b.Pod.Spec.Priority != nil {
		pb = *b.Pod.Spec.Priority
	}
	return pa > pb || (pa == pb && a.Timestamp.Before(b.Timestamp))
}

// BackoffDuration returns the backoff after attempts failed attempts:
// InitialBackoff doubled attempts-1 times, at most MaxBackoff.
func (q *PriorityQueue) BackoffDuration(attempts int) time.Duration {
	d := q.opts.InitialBackoff
	for i := 1; i < attempts; i++ {
		if d > q.opts.MaxBackoff-d {
			return q.opts.MaxBackoff
		}
		d += d
	}
	return min(d, q.opts.MaxBackoff)
}

func (q *PriorityQueue) backoffExpiry(p *framework.QueuedPodInfo) time.Time {
	return p.Timestamp.Add(q.BackoffDuration(p.Attempts))
}

func (q *PriorityQueue) backingOff(p *framework.QueuedPodInfo, now time.Time) bool {
	return p.Attempts > 0 && q.backoffExpiry(p).After(now)
}

// preEnqueue runs the PreEnqueue hook; it returns the gating plugin's
// name, or "" when the pod may be scheduled.
func (q *PriorityQueue) preEnqueue(pod *corev1.Pod) string {
	if q.opts.PreEnqueue == nil {
		return ""
	}
	s := q.opts.PreEnqueue(context.Background(), pod)
	if s.IsSuccess() {
		return ""
	}
	if s.Plugin() == "" {
		return "PreEnqueue"
	}
	return s.Plugin()
}

// Add queues a new pod waiting to be scheduled; a pod already queued is
// updated instead. A pod that PreEnqueue holds back is parked as gated.
func (q *PriorityQueue) Add(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := framework.PodKey(pod)
	if old := q.getLocked(key); old != nil {
		q.updateLocked(old, pod)
		return
	}
	pi, _ := framework.NewPodInfo(pod)
	qpi := &framework.QueuedPodInfo{PodInfo: pi, Timestamp: q.clock.Now()}
	q.admitLocked(qpi)
}

// admitLocked puts a pod that is in no queue into activeQ, or into the
// unschedulable set as gated.
func (q *PriorityQueue) admitLocked(qpi *framework.QueuedPodInfo) {
	qpi.GatingPlugin = q.preEnqueue(qpi.Pod)
	if qpi.GatingPlugin != "" {
		q.unschedulable[framework.PodKey(qpi.Pod)] = qpi
		return
	}
	q.activeQ.AddOrUpdate(qpi)
	q.cond.Signal()
}

func (q *PriorityQueue) getLocked(key string) *framework.QueuedPodInfo {
	if p, ok := q.activeQ.Get(key); ok {
		return p
	}
	if p, ok := q.backoffQ.Get(key); ok {
		return p
	}
	return q.unschedulable[key]
}

// Update replaces a queued pod's spec, keeping its queue bookkeeping. A
// gated pod is re-checked by PreEnqueue; an unschedulable pod moves to the
// backoff or active queue when the change is one its rejecting plugins
// registered for. A pod not queued (nor in flight) is added.
func (q *PriorityQueue) Update(oldPod, newPod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := framework.PodKey(newPod)
	if old := q.getLocked(key); old != nil {
		q.updateLocked(old, newPod)
		return
	}
	if _, ok := q.inFlight[key]; ok {
		q.updatedInFlight[key] = newPod
		q.recordLocked(framework.ClusterEvent{Resource: framework.UnscheduledPod, ActionType: podUpdateActions(oldPod, newPod), Label: "UnscheduledPodUpdate"}, oldPod, newPod)
		return
	}
	pi, _ := framework.NewPodInfo(newPod)
	q.admitLocked(&framework.QueuedPodInfo{PodInfo: pi, Timestamp: q.clock.Now()})
}

func (q *PriorityQueue) updateLocked(old *framework.QueuedPodInfo, pod *corev1.Pod) {
	key := framework.PodKey(pod)
	oldPod := old.Pod
	pi, _ := framework.NewPodInfo(pod)
	updated := *old
	updated.PodInfo = pi
	if _, ok := q.activeQ.Get(key); ok {
		q.activeQ.AddOrUpdate(&updated)
		return
	}
	if _, ok := q.backoffQ.Get(key); ok {
		q.backoffQ.AddOrUpdate(&updated)
		return
	}
	// In the unschedulable set.
	if updated.GatingPlugin != "" {
		delete(q.unschedulable, key)
		q.admitLocked(&updated)
		return
	}
	ev := framework.ClusterEvent{Resource: framework.UnscheduledPod, ActionType: podUpdateActions(oldPod, pod), Label: "UnscheduledPodUpdate"}
	if q.worthRequeuing(&updated, ev, oldPod, pod) {
		delete(q.unschedulable, key)
		q.requeueLocked(&updated, q.clock.Now())
		return
	}
	q.unschedulable[key] = &updated
}

// podUpdateActions classifies what changed between two versions of a pod.
func podUpdateActions(oldPod, newPod *corev1.Pod) framework.ActionType {
	var a framework.ActionType
	if !mapsEqual(oldPod.Labels, newPod.Labels) {
		a |= framework.UpdatePodLabel
	}
	if len(oldPod.Spec.Tolerations) != len(newPod.Spec.Tolerations) {
		a |= framework.UpdatePodToleration
	} else {
		for i := range oldPod.Spec.Tolerations {
			if !tolerationEqual(&oldPod.Spec.Tolerations[i], &newPod.Spec.Tolerations[i]) {
				a |= framework.UpdatePodToleration
				break
			}
		}
	}
	if len(oldPod.Spec.SchedulingGates) > 0 && len(newPod.Spec.SchedulingGates) == 0 {
		a |= framework.UpdatePodSchedulingGatesEliminated
	}
	if a == 0 {
		a = framework.Update
	}
	return a
}

func tolerationEqual(a, b *corev1.Toleration) bool {
	if a.Key != b.Key || a.Operator != b.Operator || a.Value != b.Value || a.Effect != b.Effect {
		return false
	}
	if (a.TolerationSeconds == nil) != (b.TolerationSeconds == nil) {
		return false
	}
	return a.TolerationSeconds == nil || *a.TolerationSeconds == *b.TolerationSeconds
}

func mapsEqual(a, b map[string]string) bool {
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

// Delete removes a pod from the queue, wherever it is.
func (q *PriorityQueue) Delete(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := framework.PodKey(pod)
	q.activeQ.Delete(key)
	q.backoffQ.Delete(key)
	delete(q.unschedulable, key)
}

// Activate moves the given pods (keyed by PodKey) from the backoff queue or
// the unschedulable set to the active queue; a pod in flight goes to the
// active queue when its attempt fails. Gated pods and pods not queued are
// left alone.
func (q *PriorityQueue) Activate(pods map[string]*corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for key := range pods {
		if p, ok := q.backoffQ.Get(key); ok {
			q.backoffQ.Delete(key)
			q.activeQ.AddOrUpdate(p)
			q.cond.Signal()
			continue
		}
		if p, ok := q.unschedulable[key]; ok && p.GatingPlugin == "" {
			delete(q.unschedulable, key)
			q.activeQ.AddOrUpdate(p)
			q.cond.Signal()
			continue
		}
		if _, ok := q.inFlight[key]; ok {
			q.activateInFlight[key] = struct{}{}
		}
	}
}

// Pop blocks until the active queue has a pod and returns the first, with
// its attempt count incremented; the pod is then in flight until Done or
// AddUnschedulableIfNotPresent. It returns ctx's error when ctx ends first,
// or ErrClosed once the queue is closed.
func (q *PriorityQueue) Pop(ctx context.Context) (*framework.QueuedPodInfo, error) {
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		q.cond.Broadcast()
	})
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.activeQ.Len() == 0 {
		if q.closed {
			return nil, ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		q.cond.Wait()
	}
	p := q.activeQ.Pop()
	p.Attempts++
	if p.InitialAttemptTimestamp == nil {
		t := q.clock.Now()
		p.InitialAttemptTimestamp = &t
	}
	q.inFlight[framework.PodKey(p.Pod)] = q.nextEventSeq
	return p, nil
}

// Done ends a popped pod's flight: it was placed (or is handled
// elsewhere).
func (q *PriorityQueue) Done(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.doneLocked(framework.PodKey(pod))
}

func (q *PriorityQueue) doneLocked(key string) []recordedEvent {
	seq, ok := q.inFlight[key]
	if !ok {
		return nil
	}
	delete(q.inFlight, key)
	delete(q.activateInFlight, key)
	delete(q.updatedInFlight, key)
	var seen []recordedEvent
	for i := range q.events {
		if q.events[i].seq >= seq {
			seen = q.events[i:]
			break
		}
	}
	// Drop the events no pod in flight still needs.
	oldest := q.nextEventSeq
	for _, s := range q.inFlight {
		oldest = min(oldest, s)
	}
	drop := 0
	for drop < len(q.events) && q.events[drop].seq < oldest {
		drop++
	}
	if drop > 0 {
		seen = append([]recordedEvent(nil), seen...)
		q.events = append(q.events[:0:0], q.events[drop:]...)
	}
	return seen
}

// AddUnschedulableIfNotPresent hands back a pod whose attempt failed, with
// UnschedulablePlugins (and PendingPlugins) naming the plugins that
// rejected it (none for an error). It goes to the active queue when
// activated during its flight; to the backoff or active queue when it
// failed with an error or an event during its flight may have helped; and
// otherwise to the unschedulable set. A pod updated during its flight is
// requeued in its new version, as if it had failed with an error. It
// returns an error when the pod is already queued.
func (q *PriorityQueue) AddUnschedulableIfNotPresent(qpi *framework.QueuedPodInfo) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := framework.PodKey(qpi.Pod)
	if q.getLocked(key) != nil {
		q.doneLocked(key)
		return fmt.Errorf("requeue pod %s/%s: pod is already queued", qpi.Pod.Namespace, qpi.Pod.Name)
	}
	_, activated := q.activateInFlight[key]
	if p, ok := q.updatedInFlight[key]; ok {
		// The pod changed during its attempt: retry the new version.
		pi, _ := framework.NewPodInfo(p)
		qpi.PodInfo = pi
		qpi.UnschedulablePlugins, qpi.PendingPlugins = nil, nil
	}
	seen := q.doneLocked(key)
	now := q.clock.Now()
	qpi.Timestamp = now
	qpi.GatingPlugin = ""
	if activated {
		q.activeQ.AddOrUpdate(qpi)
		q.cond.Signal()
		return nil
	}
	if len(qpi.UnschedulablePlugins)+len(qpi.PendingPlugins) == 0 {
		q.requeueLocked(qpi, now)
		return nil
	}
	for _, e := range seen {
		if q.worthRequeuing(qpi, e.event, e.oldObj, e.newObj) {
			q.requeueLocked(qpi, now)
			return nil
		}
	}
	q.unschedulable[key] = qpi
	return nil
}

// requeueLocked puts a pod in the backoff queue while it backs off, else
// in the active queue.
func (q *PriorityQueue) requeueLocked(qpi *framework.QueuedPodInfo, now time.Time) {
	if q.backingOff(qpi, now) {
		q.backoffQ.AddOrUpdate(qpi)
		return
	}
	q.activeQ.AddOrUpdate(qpi)
	q.cond.Signal()
}

// worthRequeuing reports whether event may make the pod schedulable: it is
// the wildcard event, the pod has no rejecting plugins, or a rejecting
// plugin registered a matching event whose hint says Queue.
func (q *PriorityQueue) worthRequeuing(qpi *framework.QueuedPodInfo, event framework.ClusterEvent, oldObj, newObj any) bool {
	if event.IsWildCard() {
		return true
	}
	if len(qpi.UnschedulablePlugins)+len(qpi.PendingPlugins) == 0 {
		return true
	}
	check := func(plugins map[string]struct{}) bool {
		for name := range plugins {
			regs, ok := q.opts.Events[name]
			if !ok {
				return true
			}
			for _, r := range regs {
				if !r.Event.Match(event) {
					continue
				}
				if r.QueueingHintFn == nil {
					return true
				}
				if h, err := r.QueueingHintFn(qpi.Pod, oldObj, newObj); err != nil || h == framework.Queue {
					return true
				}
			}
		}
		return false
	}
	return check(qpi.UnschedulablePlugins) || check(qpi.PendingPlugins)
}

func (q *PriorityQueue) recordLocked(event framework.ClusterEvent, oldObj, newObj any) {
	if len(q.inFlight) == 0 {
		return
	}
	q.events = append(q.events, recordedEvent{seq: q.nextEventSeq, event: event, oldObj: oldObj, newObj: newObj})
	q.nextEventSeq++
}

// MoveAllToActiveOrBackoffQueue reports a cluster event (oldObj and newObj
// are the object before and after; nil for add or delete). Unschedulable
// pods that the event may help move to the backoff queue, or the active
// queue when their backoff has ended; gated pods whose gating plugin
// registered the event are re-checked by PreEnqueue. preCheck, when not
// nil, must also approve a pod. Pods in flight see the event when they are
// handed back.
func (q *PriorityQueue) MoveAllToActiveOrBackoffQueue(event framework.ClusterEvent, oldObj, newObj any, preCheck func(*corev1.Pod) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.recordLocked(event, oldObj, newObj)
	now := q.clock.Now()
	for key, p := range q.unschedulable {
		if p.GatingPlugin != "" {
			g := map[string]struct{}{p.GatingPlugin: {}}
			if !q.worthRequeuing(&framework.QueuedPodInfo{PodInfo: p.PodInfo, UnschedulablePlugins: g}, event, oldObj, newObj) {
				continue
			}
			if gate := q.preEnqueue(p.Pod); gate != "" {
				p.GatingPlugin = gate
				continue
			}
			p.GatingPlugin = ""
			delete(q.unschedulable, key)
			q.activeQ.AddOrUpdate(p)
			q.cond.Signal()
			continue
		}
		if preCheck != nil && !preCheck(p.Pod) {
			continue
		}
		if q.worthRequeuing(p, event, oldObj, newObj) {
			delete(q.unschedulable, key)
			q.requeueLocked(p, now)
		}
	}
}

// FlushBackoffQCompleted moves the pods whose backoff has ended to the
// active queue. Run calls it every second.
func (q *PriorityQueue) FlushBackoffQCompleted() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for {
		p := q.backoffQ.Peek()
		if p == nil || q.backingOff(p, now) {
			return
		}
		q.backoffQ.Pop()
		q.activeQ.AddOrUpdate(p)
		q.cond.Signal()
	}
}

// FlushUnschedulablePodsLeftover retries the non-gated pods that have been
// unschedulable longer than MaxInUnschedulable. Run calls it every 30
// seconds.
func (q *PriorityQueue) FlushUnschedulablePodsLeftover() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for key, p := range q.unschedulable {
		if p.GatingPlugin == "" && now.Sub(p.Timestamp) > q.opts.MaxInUnschedulable {
			delete(q.unschedulable, key)
			q.requeueLocked(p, now)
		}
	}
}

// Run flushes the backoff queue every second and the long-unschedulable
// pods every 30 seconds, on the Options' clock, until ctx ends; then it
// closes the queue.
func (q *PriorityQueue) Run(ctx context.Context) {
	var mu sync.Mutex // guards timers
	timers := map[string]clock.Timer{}
	var arm func(name string, d time.Duration, f func())
	arm = func(name string, d time.Duration, f func()) {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		timers[name] = q.clock.AfterFunc(d, func() {
			f()
			arm(name, d, f)
		})
	}
	arm("backoff", BackoffFlushInterval, q.FlushBackoffQCompleted)
	arm("unschedulable", UnschedulableFlushInterval, q.FlushUnschedulablePodsLeftover)
	<-ctx.Done()
	mu.Lock()
	for _, t := range timers {
		t.Stop()
	}
	mu.Unlock()
	q.Close()
}

// Close wakes every Pop with ErrClosed.
func (q *PriorityQueue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// Stats counts the pods in each part of the queue.
type Stats struct {
	Active, Backoff, Unschedulable, Gated, InFlight int
}

// Stats returns the current counts.
func (q *PriorityQueue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := Stats{Active: q.activeQ.Len(), Backoff: q.backoffQ.Len(), InFlight: len(q.inFlight)}
	for _, p := range q.unschedulable {
		if p.GatingPlugin != "" {
			s.Gated++
		} else {
			s.Unschedulable++
		}
	}
	return s
}

// PendingPods returns every queued pod (active, backoff, unschedulable and
// gated), in no particular order.
func (q *PriorityQueue) PendingPods() []*corev1.Pod {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*corev1.Pod
	for _, p := range q.activeQ.List() {
		out = append(out, p.Pod)
	}
	for _, p := range q.backoffQ.List() {
		out = append(out, p.Pod)
	}
	for _, p := range q.unschedulable {
		out = append(out, p.Pod)
	}
	return out
}

// Where returns the part of the queue holding pod: "active", "backoff",
// "unschedulable", "gated", "inflight" or "" when the queue does not know
// it. It is meant for tests and diagnostics.
func (q *PriorityQueue) Where(pod *corev1.Pod) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := framework.PodKey(pod)
	if _, ok := q.activeQ.Get(key); ok {
		return "active"
	}
	if _, ok := q.backoffQ.Get(key); ok {
		return "backoff"
	}
	if p, ok := q.unschedulable[key]; ok {
		if p.GatingPlugin != "" {
			return "gated"
		}
		return "unschedulable"
	}
	if _, ok := q.inFlight[key]; ok {
		return "inflight"
	}
	return ""
}
