package kubelet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/cni"
)

// retryDelay is how long a worker waits (on the clock) before retrying a
// step that failed (a sandbox, a status write).
const retryDelay = 2 * time.Second

// podWorker drives one pod: the goroutine run owns every field below mu's
// group; update and poke may be called from any goroutine.
type podWorker struct {
	k    *Kubelet
	uid  string
	wake chan struct{} // capacity 1: a pending nudge

	mu   sync.Mutex // guards pod, gone and poked
	pod  *corev1.Pod
	gone bool
	// poked is set by poke: something other than a change of the pod
	// (a probe result, a volume source, the worker itself) asks for a
	// sync.
	poked bool

	// Owned by run.
	seenAt         time.Time // clock time the worker started
	startTime      time.Time // the pod's startTime
	sandboxID      string
	sandboxCfg     *PodSandboxConfig
	sandboxAttempt uint32
	logs           logLayout // of the current sandbox
	counted        bool      // counted in running_pods
	net            *cni.Attachment
	podIPs         []string
	volumes        map[string]string
	backoff        *crashBackOff
	termMessages   map[string]string           // container ID -> message taken from its log
	exitSeen       map[string]time.Time        // container ID -> clock time its exit was seen
	startSeen      map[string]time.Time        // container ID -> clock time it was seen started
	probes         map[string]*containerProbes // container ID -> its probes
	lastAttempt    map[string]uint32           // container name -> last attempt made
	waiting        map[string]corev1.ContainerStateWaiting
	lastWritten    *corev1.PodStatus
	lastPod        *corev1.Pod // the pod as our last status write returned it
	// lastFingerprint is the runtime state the last reconcile saw.
	lastFingerprint string
	final           *corev1.PodStatus // set once the pod is terminal
	startObserved   bool
	initialized     bool // every init container completed (sidecars started), once
	termDeadline    time.Time
	// steady is set by a reconcile that left nothing to do but wait for a
	// change: its status written, every container started (or finished),
	// no error, no back-off. The informer's echo of that status write
	// then needs no sync (see echoOnly).
	steady bool
}

func newPodWorker(k *Kubelet, p *corev1.Pod) *podWorker {
	return &podWorker{k: k, uid: string(p.UID), wake: make(chan struct{}, 1), pod: p,
		seenAt: k.clock.Now(), backoff: newCrashBackOff(), exitSeen: map[string]time.Time{},
		startSeen: map[string]time.Time{}, termMessages: map[string]string{}, probes: map[string]*containerProbes{},
		lastAttempt: map[string]uint32{}, waiting: map[string]corev1.ContainerStateWaiting{}}
}

// update records the pod's latest state and nudges the worker.
func (w *podWorker) update(p *corev1.Pod, deleted bool) {
	w.mu.Lock()
	w.pod = p
	if deleted {
		w.gone = true
	}
	w.mu.Unlock()
	w.nudge()
}

// poke asks the worker for a sync, whatever the pod's state. Any
// goroutine may call it.
func (w *podWorker) poke() {
	w.mu.Lock()
	w.poked = true
	w.mu.Unlock()
	w.nudge()
}

func (w *podWorker) nudge() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// echoOnly reports whether the pending nudge is only the informer
// returning the pod as the worker's last status write stored it, after a
// reconcile that left nothing to do (steady): a sync would find nothing
// new, so the worker's status is Running as soon as it is written, with no
// second pass over the runtime per pod. A runtime change is found by the
// relist, a probe result or volume source change pokes, a timer fires; a
// change of the pod by anyone else has another resourceVersion. It
// consumes a pending poke.
func (w *podWorker) echoOnly() bool {
	w.mu.Lock()
	poked, pod, gone := w.poked, w.pod, w.gone
	w.poked = false
	w.mu.Unlock()
	return !poked && !gone && w.steady && w.lastPod != nil &&
		pod.UID == w.lastPod.UID && pod.ResourceVersion == w.lastPod.ResourceVersion
}

func (w *podWorker) latest() (*corev1.Pod, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod, w.gone
}

// run syncs the pod whenever it changes, a timer it asked for fires, or
// every RelistPeriod, until the pod is finished or ctx ends.
func (w *podWorker) run(ctx context.Context) {
	defer w.k.workerDone(w)
	defer w.stopAllProbes()
	defer w.k.volSources.release(w.uid)
	relist := time.NewTicker(w.k.cfg.RelistPeriod)
	defer relist.Stop()
	for {
		next, finished := w.sync(ctx)
		if finished || ctx.Err() != nil {
			return
		}
		var timerC <-chan time.Time
		var t interface{ Stop() bool }
		if !next.IsZero() {
			tm := w.k.clock.NewTimer(next.Sub(w.k.clock.Now()))
			timerC, t = tm.C(), tm
		}
	wait:
		for {
			select {
			case <-ctx.Done():
			case <-w.wake:
				if w.echoOnly() {
					continue wait
				}
			case <-timerC:
			case <-relist.C:
				// A relist syncs only when the runtime's view of the
				// pod changed (a container exited, say): most ticks of
				// most pods find nothing to do.
				if w.runtimeUnchanged(ctx) {
					continue wait
				}
			}
			break
		}
		if t != nil {
			t.Stop()
		}
	}
}

// fingerprint summarises the pod's containers as the runtime reports
// them: IDs, attempts and states ("<name>/<id>/<attempt>/<state>;" each,
// by name).
func fingerprint(insts map[string][]*instance) string {
	names := make([]string, 0, len(insts))
	for n := range insts {
		names = append(names, n)
	}
	slices.Sort(names)
	b := make([]byte, 0, 128)
	for _, n := range names {
		for _, c := range insts[n] {
			b = append(b, n...)
			b = append(b, '/')
			b = append(b, c.ID...)
			b = append(b, '/')
			b = strconv.AppendUint(b, uint64(c.Metadata.Attempt), 10)
			b = append(b, '/')
			b = strconv.AppendInt(b, int64(c.State), 10)
			b = append(b, ';')
		}
	}
	return string(b)
}

// runtimeUnchanged reports whether the pod's sandbox and containers are
// as the last sync saw them. A finished pod never changes; a pod with no
// sandbox, or a failed check, counts as changed.
func (w *podWorker) runtimeUnchanged(ctx context.Context) bool {
	if w.final != nil {
		return true
	}
	if w.sandboxID == "" || w.lastFingerprint == "" {
		return false
	}
	st, err := w.k.cfg.Runtime.PodSandboxStatus(ctx, w.sandboxID)
	if err != nil || st.State != SandboxReady {
		return false
	}
	insts, err := w.podContainers(ctx)
	return err == nil && fingerprint(insts) == w.lastFingerprint
}

func (w *podWorker) stopAllProbes() {
	for id, p := range w.probes {
		p.stop()
		delete(w.probes, id)
	}
}

// instance is one container of the pod in the runtime.
type instance = ContainerStatus

// podContainers lists the sandbox's containers by name, newest attempt
// first.
func (w *podWorker) podContainers(ctx context.Context) (map[string][]*instance, error) {
	out := map[string][]*instance{}
	if w.sandboxID == "" {
		return out, nil
	}
	list, err := w.k.cfg.Runtime.ListContainers(ctx, &ContainerFilter{SandboxID: w.sandboxID})
	if err != nil {
		return nil, w.k.runtimeErr("list_containers", err)
	}
	for _, c := range list {
		name := c.Labels[LabelContainerName]
		if name == "" {
			name = c.Metadata.Name
		}
		out[name] = append(out[name], c)
		if c.Metadata.Attempt > w.lastAttempt[name] {
			w.lastAttempt[name] = c.Metadata.Attempt
		}
	}
	for _, l := range out {
		slices.SortFunc(l, func(a, b *instance) int { return int(b.Metadata.Attempt) - int(a.Metadata.Attempt) })
	}
	return out, nil
}

// sync is one reconcile step. It returns when to be called again at the
// latest (zero: on the next change or relist) and whether the worker is
// done.
func (w *podWorker) sync(ctx context.Context) (time.Time, bool) {
	k := w.k
	w.steady = false
	pod, gone := w.latest()
	if gone || pod.Spec.NodeName != k.cfg.NodeName {
		if err := w.teardown(ctx, pod, true); err != nil {
			return k.clock.Now().Add(retryDelay), false
		}
		return time.Time{}, true
	}
	now := k.clock.Now()
	if w.startTime.IsZero() {
		if pod.Status.StartTime != nil && !pod.Status.StartTime.IsZero() {
			w.startTime = pod.Status.StartTime.Time
		} else {
			w.startTime = now
		}
	}
	if pod.DeletionTimestamp != nil {
		return w.terminate(ctx, pod)
	}
	if w.final == nil && (pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed) {
		// Terminal already (this kubelet restarted, or another wrote it).
		st := pod.Status.DeepCopy()
		w.final = st
		w.lastWritten = st
		w.teardown(ctx, pod, false)
	}
	if w.final != nil {
		if err := w.writeStatus(ctx, pod, w.final); err != nil {
			return now.Add(retryDelay), false
		}
		if err := w.retryCSITeardown(ctx, pod); err != nil {
			return now.Add(retryDelay), false
		}
		return time.Time{}, false
	}
	if ads := pod.Spec.ActiveDeadlineSeconds; ads != nil {
		deadline := w.startTime.Add(time.Duration(*ads) * time.Second)
		if !now.Before(deadline) {
			return w.deadlineExceeded(ctx, pod)
		}
	}
	next, err := w.reconcile(ctx, pod)
	if err != nil {
		k.log.Error(err, "sync pod", "pod", pod.Namespace+"/"+pod.Name)
		next = earliest(next, now.Add(retryDelay))
	}
	if ads := pod.Spec.ActiveDeadlineSeconds; ads != nil {
		next = earliest(next, w.startTime.Add(time.Duration(*ads)*time.Second))
	}
	return next, false
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// reconcile makes the runtime match the pod and writes its status.
func (w *podWorker) reconcile(ctx context.Context, pod *corev1.Pod) (time.Time, error) {
	k := w.k
	now := k.clock.Now()
	var next time.Time
	src := newEnvSource(ctx, k.cfg.Client, pod.Namespace)
	made, sandboxErr := w.ensureSandbox(ctx, pod, src)
	insts := map[string][]*instance{} // a sandbox just made has no containers
	if !made {
		var err error
		if insts, err = w.podContainers(ctx); err != nil {
			return next, err
		}
	}
	initDone, initFailed := w.initialized, false
	if sandboxErr == nil {
		w.refreshVolumes(ctx, pod)
		if !initDone {
			initDone, initFailed, next = w.runInitContainers(ctx, pod, insts, src)
			w.initialized = initDone
		}
		if initDone {
			// Sidecars (restartable init containers) keep running beside
			// the containers, restarted whatever the pod's policy.
			for i := range pod.Spec.InitContainers {
				if c := &pod.Spec.InitContainers[i]; isSidecar(c) {
					next = earliest(next, w.driveContainer(ctx, pod, c, insts[c.Name], src, corev1.RestartPolicyAlways))
				}
			}
			for i := range pod.Spec.Containers {
				c := &pod.Spec.Containers[i]
				next = earliest(next, w.driveContainer(ctx, pod, c, insts[c.Name], src, pod.Spec.RestartPolicy))
			}
		}
		// Re-list: starts and kills above changed the runtime's state.
		var err error
		if insts, err = w.podContainers(ctx); err != nil {
			return next, err
		}
		// Probe the containers that run now, from their start, rather
		// than from the next sync.
		w.startProbes(ctx, pod, insts)
	}
	w.lastFingerprint = fingerprint(insts)
	status := w.computeStatus(pod, insts, initDone, initFailed, sandboxErr)
	if status.Phase == corev1.PodSucceeded || status.Phase == corev1.PodFailed {
		w.final = status
		w.teardown(ctx, pod, false)
	}
	if status.Phase == corev1.PodRunning && !w.startObserved && allRunning(status) {
		w.startObserved = true
		k.metrics.podStart.Observe(now.Sub(w.seenAt).Seconds())
	}
	if err := w.writeStatus(ctx, pod, status); err != nil {
		return earliest(next, now.Add(retryDelay)), err
	}
	if sandboxErr != nil {
		return earliest(next, now.Add(retryDelay)), sandboxErr
	}
	w.steady = initDone && !initFailed && w.final == nil && len(w.waiting) == 0 && settled(pod, insts)
	return next, nil
}

// settled reports whether every container and sidecar of pod has an
// instance that runs, or that exited and is not to be restarted: a sync
// would start nothing.
func settled(pod *corev1.Pod, insts map[string][]*instance) bool {
	done := func(c *corev1.Container, policy corev1.RestartPolicy) bool {
		l := insts[c.Name]
		if len(l) == 0 {
			return false
		}
		switch cur := l[0]; cur.State {
		case ContainerRunning:
			return true
		case ContainerExited:
			return !shouldRestart(policy, cur.ExitCode)
		}
		return false
	}
	for i := range pod.Spec.InitContainers {
		if c := &pod.Spec.InitContainers[i]; isSidecar(c) && !done(c, corev1.RestartPolicyAlways) {
			return false
		}
	}
	for i := range pod.Spec.Containers {
		if !done(&pod.Spec.Containers[i], pod.Spec.RestartPolicy) {
			return false
		}
	}
	return true
}

// startProbes starts the probes of the containers and sidecars whose
// newest instance runs and has none yet.
func (w *podWorker) startProbes(ctx context.Context, pod *corev1.Pod, insts map[string][]*instance) {
	start := func(c *corev1.Container) {
		if l := insts[c.Name]; len(l) > 0 && l[0].State == ContainerRunning {
			w.ensureProbes(ctx, pod, c, l[0])
		}
	}
	for i := range pod.Spec.InitContainers {
		if c := &pod.Spec.InitContainers[i]; isSidecar(c) {
			start(c)
		}
	}
	for i := range pod.Spec.Containers {
		start(&pod.Spec.Containers[i])
	}
}

func allRunning(st *corev1.PodStatus) bool {
	for _, c := range st.ContainerStatuses {
		if c.State.Running == nil {
			return false
		}
	}
	return true
}

// isSidecar reports whether an init container is a sidecar: a
// restartable init container (restartPolicy Always), which starts in
// order with the init containers and then runs beside the containers.
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// runInitContainers advances the init containers, in order: each runs to
// completion (a sidecar only until it has started) before the next
// starts. It reports whether all are done, whether one failed for good
// (restartPolicy Never), and when a back-off ends.
func (w *podWorker) runInitContainers(ctx context.Context, pod *corev1.Pod, insts map[string][]*instance, src *envSource) (done, failed bool, next time.Time) {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		l := insts[c.Name]
		if len(l) == 0 {
			w.startContainer(ctx, pod, c, src, w.firstAttempt(c.Name))
			return false, false, next
		}
		cur := l[0]
		if isSidecar(c) {
			next = earliest(next, w.driveContainer(ctx, pod, c, l, src, corev1.RestartPolicyAlways))
			if cur.State == ContainerRunning {
				if p := w.probes[cur.ID]; p == nil || p.hasStarted() {
					continue
				}
			}
			return false, false, next
		}
		if cur.State == ContainerExited && cur.ExitCode == 0 {
			continue
		}
		switch cur.State {
		case ContainerExited:
			if pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
				return false, true, next
			}
			next = earliest(next, w.restartIfDue(ctx, pod, c, cur, src))
		case ContainerCreated:
			w.startCreated(ctx, cur)
		}
		return false, false, next
	}
	return true, false, next
}

// firstAttempt is the attempt of a container's first instance in the
// current sandbox: 0 for a container never started by this worker, else
// one past its last attempt, as Kubernetes counts restarts across a
// replaced sandbox (so the new instance's restartCount and log file
// follow the old ones instead of reusing attempt 0).
func (w *podWorker) firstAttempt(name string) uint32 {
	if a, ok := w.lastAttempt[name]; ok {
		return a + 1
	}
	return 0
}

// driveContainer keeps a long-running container (a container or a
// sidecar) as its restart policy wants: starts it, restarts it after
// failed liveness or startup probes, and restarts it after it exits, with
// back-off. It returns when a back-off ends (zero: nothing to wait for).
func (w *podWorker) driveContainer(ctx context.Context, pod *corev1.Pod, c *corev1.Container, l []*instance, src *envSource, policy corev1.RestartPolicy) time.Time {
	k := w.k
	if len(l) == 0 {
		w.startContainer(ctx, pod, c, src, w.firstAttempt(c.Name))
		return time.Time{}
	}
	cur := l[0]
	switch cur.State {
	case ContainerCreated:
		w.startCreated(ctx, cur)
	case ContainerRunning:
		w.ensureProbes(ctx, pod, c, cur)
		if p := w.probes[cur.ID]; p != nil && (p.result(liveness) == probeFailure || p.result(startup) == probeFailure) {
			which := "liveness"
			if p.result(startup) == probeFailure {
				which = "startup"
			}
			k.log.Info("container failed its probe; restarting", "pod", pod.Namespace+"/"+pod.Name, "container", c.Name, "probe", which)
			w.stopProbes(cur.ID)
			k.containerEventf(pod, c, corev1.EventTypeNormal, eventKilling, "Container %s failed %s probe, will be restarted", c.Name, which)
			w.killContainer(ctx, pod, c, cur, w.probeGrace(pod, c, which))
			w.poke()
		}
	case ContainerExited:
		w.stopProbes(cur.ID)
		if shouldRestart(policy, cur.ExitCode) {
			return w.restartIfDue(ctx, pod, c, cur, src)
		}
	}
	return time.Time{}
}

// shouldRestart applies a restart policy to an exited container.
func shouldRestart(policy corev1.RestartPolicy, exitCode int32) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	}
	return true
}

// restartIfDue restarts an exited container unless it is in crash-loop
// back-off; it returns when the back-off ends (zero: restarted or
// failed).
func (w *podWorker) restartIfDue(ctx context.Context, pod *corev1.Pod, c *corev1.Container, cur *instance, src *envSource) time.Time {
	now := w.k.clock.Now()
	// As Kubernetes, count the back-off from the container's finish time
	// (the runtime's), or from when the exit was seen if it has none.
	exited, ok := w.exitSeen[cur.ID]
	if !ok {
		exited = now
		if !cur.FinishedAt.IsZero() && !cur.FinishedAt.After(now) {
			exited = cur.FinishedAt
		}
		w.exitSeen[cur.ID] = exited
	}
	if in, until, delay := w.backoff.inBackOff(c.Name, exited, now); in {
		w.waiting[c.Name] = corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, c.Name, pod.Name, pod.Namespace, pod.UID)}
		w.k.containerEventf(pod, c, corev1.EventTypeWarning, eventBackOff, "%s", backOffMessage(pod, c))
		return until
	}
	w.backoff.next(c.Name, now)
	w.startContainer(ctx, pod, c, src, w.lastAttempt[c.Name]+1)
	return time.Time{}
}

// writeStatus writes status through the status subresource when it
// differs from what was last written and from the pod's.
func (w *podWorker) writeStatus(ctx context.Context, pod *corev1.Pod, status *corev1.PodStatus) error {
	if w.lastWritten != nil && jsonEqual(status, w.lastWritten) {
		return nil
	}
	if jsonEqual(status, &pod.Status) {
		w.lastWritten = status
		return nil
	}
	k := w.k
	pods := k.pods.Namespace(pod.Namespace)
	cur := pod
	// The informer may not have seen our last write yet: start from the
	// newer of the two, to avoid a needless conflict.
	if w.lastPod != nil && newerRV(w.lastPod.ResourceVersion, pod.ResourceVersion) {
		cur = w.lastPod
	}
	for attempt := 0; ; attempt++ {
		// A shallow copy: UpdateStatus only encodes it, and neither the
		// informer's pod nor status is changed after this.
		upd := *cur
		upd.Status = *status
		out, err := pods.UpdateStatus(ctx, &upd, client.UpdateOptions{})
		if err == nil {
			w.lastWritten = status
			w.lastPod = out
			return nil
		}
		if !client.IsConflict(err) || attempt >= 3 {
			if !client.IsNotFound(err) && ctx.Err() == nil {
				k.log.Error(err, "update pod status", "pod", pod.Namespace+"/"+pod.Name)
			}
			return err
		}
		fresh, gerr := pods.Get(ctx, pod.Name, client.GetOptions{})
		if gerr != nil {
			return gerr
		}
		if fresh.UID != pod.UID {
			return errors.New("the pod was replaced")
		}
		cur = fresh
	}
}

// newerRV reports whether resourceVersion a is newer than b. Rigging's
// resourceVersions are store revisions (decimal integers); anything else
// counts as not newer.
func newerRV(a, b string) bool {
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	return err1 == nil && err2 == nil && x > y
}
