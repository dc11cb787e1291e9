package envtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
)

// DefaultFakeNode is the node a FakeKubelet with no Nodes binds unbound
// pods to when FakeKubeletOptions.DefaultNode is empty.
const DefaultFakeNode = "fake-node"

// DefaultFakeKubeletWorkers is how many pods a FakeKubelet updates at once
// when FakeKubeletOptions.Workers is 0.
const DefaultFakeKubeletWorkers = 4

// FakeKubeletOptions configure a FakeKubelet. The zero value works: every
// pod in every namespace is bound to DefaultFakeNode if unbound, made
// Running and Ready at once, and removed as soon as it is deleted.
type FakeKubeletOptions struct {
	// Nodes, when not empty, restricts the kubelet to pods bound to these
	// node names; it then binds nothing. Empty means every pod, and pods
	// with no spec.nodeName are bound (pods/binding) to DefaultNode first.
	Nodes []string
	// DefaultNode is the node unbound pods are bound to when Nodes is
	// empty. Default DefaultFakeNode ("fake-node"). The node need not
	// exist.
	DefaultNode string
	// Namespace restricts the kubelet to one namespace. Default "": all.
	Namespace string
	// Ready reports whether a running pod should be ready now. Pods for
	// which it returns false are Running with Ready and ContainersReady
	// False, as when a readiness probe fails. It is called on the
	// kubelet's goroutines with the cached pod, which it must not modify;
	// when its answer changes for a reason other than a change to the pod,
	// call FakeKubelet.Resync. Default nil: every pod is ready.
	Ready func(pod *corev1.Pod) bool
	// ReadyDelay is how long, by Now, a pod runs before it may become
	// ready, counted from when the kubelet first started it. With the
	// default Now the kubelet re-examines the pod when the delay has
	// passed; with a Now of your own (a fake clock), call Resync after
	// moving it. Default 0: ready at once.
	ReadyDelay time.Duration
	// Remove reports whether a pod that has a deletionTimestamp is removed
	// now (deleted with grace period 0, as a kubelet does once its
	// containers stopped). Pods for which it returns false stay
	// terminating, their status unchanged, until a Resync finds it true.
	// Default nil: every terminating pod is removed at once.
	Remove func(pod *corev1.Pod) bool
	// Now is the time source of the timestamps the kubelet writes
	// (startTime, conditions' lastTransitionTime, containers' startedAt)
	// and of ReadyDelay. Default time.Now. A controller.FakeClock's Now
	// method fits.
	Now func() time.Time
	// Workers is how many pods are updated at once. Default
	// DefaultFakeKubeletWorkers (4).
	Workers int
	// Logger receives failed writes (which are retried). Default: discard.
	Logger logr.Logger
}

// FakeKubelet plays the node agent for controller tests: it watches pods
// and writes the status a kubelet would, with no containers behind it.
//
// For each pod it handles (see FakeKubeletOptions.Nodes) it binds the pod
// to a node if needed, then sets phase Running, startTime, conditions
// PodScheduled, Initialized, ContainersReady and Ready (the last two True
// when the pod is ready, see Ready and ReadyDelay, False otherwise) and one
// running, started containerStatus per container, ready as the pod is. A
// pod that gets a deletionTimestamp is deleted with grace period 0 (see
// Remove). Pods that are Succeeded or Failed are left alone. Status writes
// are skipped when nothing would change, and retried (the pod is
// re-examined) when they fail.
//
// Make one with NewFakeKubelet and Run it, or use Env.StartFakeKubelet in a
// test. Its methods may be called from any goroutine.
type FakeKubelet struct {
	pods *client.Resource[corev1.Pod]
	inf  *client.Informer[corev1.Pod]
	opts FakeKubeletOptions

	// mu guards everything below.
	mu       sync.Mutex
	cond     *sync.Cond
	queue    []string        // pod keys waiting, in order
	queued   map[string]bool // keys in queue
	active   map[string]bool // keys a worker holds
	again    map[string]bool // keys added while a worker held them
	started  map[types.UID]time.Time
	timers   map[string]*time.Timer // delayed re-examinations by key
	stopping bool
	running  bool
}

// NewFakeKubelet returns a FakeKubelet over c. It fails when c is nil or an
// option is invalid (negative ReadyDelay or Workers, empty node names).
func NewFakeKubelet(c *client.Client, opts FakeKubeletOptions) (*FakeKubelet, error) {
	if c == nil {
		return nil, errors.New("new fake kubelet: nil client")
	}
	if opts.ReadyDelay < 0 {
		return nil, fmt.Errorf("new fake kubelet: negative ReadyDelay %v", opts.ReadyDelay)
	}
	if opts.Workers < 0 {
		return nil, fmt.Errorf("new fake kubelet: negative Workers %d", opts.Workers)
	}
	if slices.Contains(opts.Nodes, "") {
		return nil, errors.New("new fake kubelet: empty name in Nodes")
	}
	if opts.DefaultNode == "" {
		opts.DefaultNode = DefaultFakeNode
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Workers == 0 {
		opts.Workers = DefaultFakeKubeletWorkers
	}
	opts.Nodes = slices.Clone(opts.Nodes)
	pods, err := client.For[corev1.Pod](c)
	if err != nil {
		return nil, fmt.Errorf("new fake kubelet: %w", err)
	}
	if opts.Namespace != "" {
		pods = pods.Namespace(opts.Namespace)
	}
	k := &FakeKubelet{
		pods:    pods,
		inf:     client.NewInformer(pods, client.InformerOptions{}),
		opts:    opts,
		queued:  map[string]bool{},
		active:  map[string]bool{},
		again:   map[string]bool{},
		started: map[types.UID]time.Time{},
		timers:  map[string]*time.Timer{},
	}
	k.cond = sync.NewCond(&k.mu)
	return k, nil
}

// Synced returns a channel closed once the kubelet's pod cache holds every
// pod that existed when Run started.
func (k *FakeKubelet) Synced() <-chan struct{} { return k.inf.Synced() }

// Resync re-examines every pod in the kubelet's cache: call it when the
// answers of Ready or Remove, or the time of Now, changed.
func (k *FakeKubelet) Resync() {
	for _, key := range k.inf.Store().ListKeys() {
		k.add(key)
	}
}

// Run handles pods until ctx is done, then stops its goroutines and
// returns ctx's error. A FakeKubelet runs once: a second Run fails.
func (k *FakeKubelet) Run(ctx context.Context) error {
	k.mu.Lock()
	if k.running {
		k.mu.Unlock()
		return errors.New("fake kubelet: already run")
	}
	k.running = true
	k.mu.Unlock()

	enqueue := func(p *corev1.Pod) { k.add(client.Key(p.Namespace, p.Name)) }
	if _, err := k.inf.AddEventHandler(client.HandlerFuncs[corev1.Pod]{
		AddFunc:    func(p *corev1.Pod, _ bool) { enqueue(p) },
		UpdateFunc: func(_, p *corev1.Pod) { enqueue(p) },
		DeleteFunc: func(p *corev1.Pod, _ bool) {
			k.mu.Lock()
			delete(k.started, p.UID)
			k.mu.Unlock()
		},
	}); err != nil {
		return fmt.Errorf("fake kubelet: %w", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { _ = k.inf.Run(ctx) })
	for range k.opts.Workers {
		wg.Go(func() { k.work(ctx) })
	}
	<-ctx.Done()
	k.mu.Lock()
	k.stopping = true
	for key, t := range k.timers {
		t.Stop()
		delete(k.timers, key)
	}
	k.cond.Broadcast()
	k.mu.Unlock()
	wg.Wait()
	return ctx.Err()
}

// add queues key unless it waits already; a key a worker holds is queued
// again when the worker is done.
func (k *FakeKubelet) add(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case k.stopping, k.queued[key]:
	case k.active[key]:
		k.again[key] = true
	default:
		k.queued[key] = true
		k.queue = append(k.queue, key)
		k.cond.Signal()
	}
}

// addAfter re-examines key after d of real time.
func (k *FakeKubelet) addAfter(key string, d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopping {
		return
	}
	if t := k.timers[key]; t != nil {
		t.Stop()
	}
	k.timers[key] = time.AfterFunc(d, func() {
		k.mu.Lock()
		delete(k.timers, key)
		k.mu.Unlock()
		k.add(key)
	})
}

func (k *FakeKubelet) work(ctx context.Context) {
	for {
		k.mu.Lock()
		for len(k.queue) == 0 && !k.stopping {
			k.cond.Wait()
		}
		if k.stopping {
			k.mu.Unlock()
			return
		}
		key := k.queue[0]
		k.queue = k.queue[1:]
		delete(k.queued, key)
		k.active[key] = true
		k.mu.Unlock()

		retry, err := k.sync(ctx, key)
		if err != nil && ctx.Err() == nil {
			k.opts.Logger.Error(err, "fake kubelet: sync pod", "pod", key)
		}

		k.mu.Lock()
		delete(k.active, key)
		requeue := k.again[key]
		delete(k.again, key)
		k.mu.Unlock()
		switch {
		case requeue:
			k.add(key)
		case err != nil:
			k.addAfter(key, 20*time.Millisecond)
		case retry > 0:
			k.addAfter(key, retry)
		}
	}
}

// mine reports whether the kubelet handles pod.
func (k *FakeKubelet) mine(pod *corev1.Pod) bool {
	if len(k.opts.Nodes) == 0 {
		return true
	}
	return pod.Spec.NodeName != "" && slices.Contains(k.opts.Nodes, pod.Spec.NodeName)
}

// sync brings the pod key names one step towards what a kubelet would
// make of it. It returns a positive wait when the pod should be examined
// again later (ReadyDelay).
func (k *FakeKubelet) sync(ctx context.Context, key string) (time.Duration, error) {
	pod, ok := k.inf.Store().GetByKey(key)
	if !ok {
		return 0, nil
	}
	if !k.mine(pod) {
		return 0, nil
	}
	pods := k.pods.Namespace(pod.Namespace)
	if pod.DeletionTimestamp != nil {
		if k.opts.Remove != nil && !k.opts.Remove(pod) {
			return 0, nil
		}
		uid := pod.UID
		err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: new(int64(0)),
			Preconditions:      &metav1.Preconditions{UID: &uid},
		})
		if err != nil && !client.IsNotFound(err) && !client.IsConflict(err) {
			return 0, fmt.Errorf("remove pod %s: %w", key, err)
		}
		k.mu.Lock()
		delete(k.started, uid)
		k.mu.Unlock()
		return 0, nil
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0, nil
	}
	if pod.Spec.NodeName == "" {
		err := pods.Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: k.opts.DefaultNode},
		}, client.CreateOptions{})
		if err != nil && !client.IsConflict(err) && !client.IsNotFound(err) {
			return 0, fmt.Errorf("bind pod %s to %s: %w", key, k.opts.DefaultNode, err)
		}
		return 0, nil // the bound pod's event brings it back
	}

	now := k.opts.Now()
	k.mu.Lock()
	start, seen := k.started[pod.UID]
	if !seen {
		start = now
		if pod.Status.StartTime != nil {
			start = pod.Status.StartTime.Time
		}
		k.started[pod.UID] = start
	}
	k.mu.Unlock()

	var wait time.Duration
	ready := k.opts.Ready == nil || k.opts.Ready(pod)
	if ready && k.opts.ReadyDelay > 0 {
		if left := start.Add(k.opts.ReadyDelay).Sub(now); left > 0 {
			ready, wait = false, left
		}
	}
	st := runningStatus(pod, ready, start, now)
	if statusMatches(pod.Status, st) {
		return wait, nil
	}
	upd := pod.DeepCopy()
	upd.Status = st
	if _, err := pods.UpdateStatus(ctx, upd, client.UpdateOptions{}); err != nil {
		if client.IsNotFound(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("update status of pod %s: %w", key, err)
	}
	return wait, nil
}

// runningStatus is pod's status as a kubelet running all its containers
// would write it, ready or not. Conditions whose status does not change
// keep their lastTransitionTime.
func runningStatus(pod *corev1.Pod, ready bool, start, now time.Time) corev1.PodStatus {
	st := *pod.Status.DeepCopy()
	st.Phase = corev1.PodRunning
	if st.StartTime == nil {
		st.StartTime = new(metav1.NewTime(start))
	}
	readyStatus := corev1.ConditionFalse
	if ready {
		readyStatus = corev1.ConditionTrue
	}
	setCondition(&st, corev1.PodScheduled, corev1.ConditionTrue, now)
	setCondition(&st, corev1.PodInitialized, corev1.ConditionTrue, now)
	setCondition(&st, corev1.ContainersReady, readyStatus, now)
	setCondition(&st, corev1.PodReady, readyStatus, now)

	old := st.ContainerStatuses
	st.ContainerStatuses = make([]corev1.ContainerStatus, 0, len(pod.Spec.Containers))
	for _, c := range pod.Spec.Containers {
		cs := corev1.ContainerStatus{
			Name:        c.Name,
			Image:       c.Image,
			ImageID:     "fake://" + c.Image,
			ContainerID: "fake://" + string(pod.UID) + "/" + c.Name,
			State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(start)}},
			Started:     new(true),
			Ready:       ready,
		}
		if i := slices.IndexFunc(old, func(o corev1.ContainerStatus) bool { return o.Name == c.Name }); i >= 0 {
			cs.RestartCount = old[i].RestartCount
			if old[i].State.Running != nil {
				cs.State = old[i].State
			}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	return st
}

// setCondition sets condition typ to status, keeping its
// lastTransitionTime when the status is unchanged.
func setCondition(st *corev1.PodStatus, typ corev1.PodConditionType, status corev1.ConditionStatus, now time.Time) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == typ {
			if st.Conditions[i].Status != status {
				st.Conditions[i].Status = status
				st.Conditions[i].LastTransitionTime = metav1.NewTime(now)
				st.Conditions[i].Reason, st.Conditions[i].Message = "", ""
			}
			return
		}
	}
	st.Conditions = append(st.Conditions, corev1.PodCondition{Type: typ, Status: status, LastTransitionTime: metav1.NewTime(now)})
}

// statusMatches reports whether have already says what want says about
// the phase, the conditions' statuses and the containers' readiness.
func statusMatches(have, want corev1.PodStatus) bool {
	if have.Phase != want.Phase || have.StartTime == nil || len(have.ContainerStatuses) != len(want.ContainerStatuses) {
		return false
	}
	for _, w := range want.Conditions {
		i := slices.IndexFunc(have.Conditions, func(c corev1.PodCondition) bool { return c.Type == w.Type })
		if i < 0 || have.Conditions[i].Status != w.Status {
			return false
		}
	}
	for i, w := range want.ContainerStatuses {
		h := have.ContainerStatuses[i]
		if h.Name != w.Name || h.Image != w.Image || h.Ready != w.Ready || h.State.Running == nil {
			return false
		}
	}
	return true
}

// StartFakeKubelet runs a FakeKubelet on e's server for the rest of the
// test: it fails the test when opts are invalid, returns once the
// kubelet's cache has synced (failing the test after 30 s), and stops the kubelet (waiting for its
// goroutines) in t.Cleanup.
func (e *Env) StartFakeKubelet(t testing.TB, opts FakeKubeletOptions) *FakeKubelet {
	t.Helper()
	k, err := NewFakeKubelet(e.Client, opts)
	if err != nil {
		t.Fatalf("envtest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = k.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case <-k.Synced():
	case <-done:
		t.Fatal("envtest: fake kubelet stopped before its cache synced")
	case <-timeout.C:
		t.Fatal("envtest: fake kubelet's cache did not sync within 30 s")
	}
	return k
}

// RunFakeKubelet runs a FakeKubelet with opts on e's server until ctx is
// done, and returns ctx's error; it fails at once when opts are invalid.
// It is NewFakeKubelet and Run in one call, for programs and examples; in
// tests StartFakeKubelet is shorter.
func (e *Env) RunFakeKubelet(ctx context.Context, opts FakeKubeletOptions) error {
	k, err := NewFakeKubelet(e.Client, opts)
	if err != nil {
		return err
	}
	return k.Run(ctx)
}
