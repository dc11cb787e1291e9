package kubelet

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// computeStatus derives the pod's status, as Kubernetes reports it, from
// the runtime's containers (insts, newest attempt first per name) and the
// worker's records.
func (w *podWorker) computeStatus(pod *corev1.Pod, insts map[string][]*instance, initDone, initFailed bool, sandboxErr error) *corev1.PodStatus {
	k := w.k
	now := k.clock.Now()
	prev := &pod.Status
	if w.lastWritten != nil {
		prev = w.lastWritten
	}
	st := &corev1.PodStatus{
		QOSClass: pod.Status.QOSClass,
		HostIP:   k.nodeIP,
		HostIPs:  []corev1.HostIP{{IP: k.nodeIP}},
	}
	start := metav1.NewTime(w.startTime)
	st.StartTime = &start
	if sandboxErr == nil {
		ips := w.podIPs
		if len(ips) == 0 {
			ips = []string{k.nodeIP}
		}
		st.PodIP = ips[0]
		for _, ip := range ips {
			st.PodIPs = append(st.PodIPs, corev1.PodIP{IP: ip})
		}
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs := w.containerStatus(pod, c, insts[c.Name], "PodInitializing", true)
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
	}
	waitingReason := "ContainerCreating"
	if !initDone && len(pod.Spec.InitContainers) > 0 {
		waitingReason = "PodInitializing"
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cs := w.containerStatus(pod, c, insts[c.Name], waitingReason, false)
		if sandboxErr != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "ContainerCreating" {
			cs.State.Waiting.Message = sandboxErr.Error()
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	st.Phase = podPhase(pod.Spec.RestartPolicy, st, initDone, initFailed)

	// Conditions.
	var incompleteInit, unready []string
	for i, cs := range st.InitContainerStatuses {
		if isSidecar(&pod.Spec.InitContainers[i]) {
			// A sidecar is initialized once started, and counts for
			// readiness like a container.
			if cs.Started == nil || !*cs.Started {
				incompleteInit = append(incompleteInit, cs.Name)
			}
			if !cs.Ready {
				unready = append(unready, cs.Name)
			}
			continue
		}
		if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			incompleteInit = append(incompleteInit, cs.Name)
		}
	}
	if initDone {
		incompleteInit = nil // sidecars restarting later do not undo it
	}
	for _, cs := range st.ContainerStatuses {
		if !cs.Ready {
			unready = append(unready, cs.Name)
		}
	}
	sched := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			sched = c
		}
	}
	sched.Status = corev1.ConditionTrue
	sched.Reason, sched.Message = "", ""
	sandboxReady := corev1.PodCondition{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue}
	if sandboxErr != nil || w.sandboxID == "" {
		sandboxReady.Status = corev1.ConditionFalse
	}
	initialized := corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}
	if len(incompleteInit) > 0 {
		initialized.Status, initialized.Reason = corev1.ConditionFalse, "ContainersNotInitialized"
		initialized.Message = fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incompleteInit, " "))
	}
	containersReady := corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue}
	ready := corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}
	switch {
	case st.Phase == corev1.PodSucceeded:
		containersReady.Status, containersReady.Reason = corev1.ConditionFalse, "PodCompleted"
		ready.Status, ready.Reason = corev1.ConditionFalse, "PodCompleted"
	case len(unready) > 0:
		msg := fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
		containersReady.Status, containersReady.Reason, containersReady.Message = corev1.ConditionFalse, "ContainersNotReady", msg
		ready.Status, ready.Reason, ready.Message = corev1.ConditionFalse, "ContainersNotReady", msg
	default:
		var missing []string
		for _, g := range pod.Spec.ReadinessGates {
			ok := false
			for _, c := range pod.Status.Conditions {
				if c.Type == g.ConditionType && c.Status == corev1.ConditionTrue {
					ok = true
				}
			}
			if !ok {
				missing = append(missing, string(g.ConditionType))
			}
		}
		if len(missing) > 0 {
			ready.Status, ready.Reason = corev1.ConditionFalse, "ReadinessGatesNotReady"
			ready.Message = fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", missing[0])
		}
	}
	st.Conditions = []corev1.PodCondition{sandboxReady, initialized, ready, containersReady, sched}
	// Keep the readiness gates' own conditions (written by others).
	for _, c := range pod.Status.Conditions {
		switch c.Type {
		case corev1.PodScheduled, corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady:
		default:
			st.Conditions = append(st.Conditions, c)
		}
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type == corev1.PodScheduled && !c.LastTransitionTime.IsZero() {
			continue
		}
		c.LastTransitionTime = metav1.NewTime(now)
		for _, p := range prev.Conditions {
			if p.Type == c.Type && p.Status == c.Status && !p.LastTransitionTime.IsZero() {
				c.LastTransitionTime = p.LastTransitionTime
			}
		}
	}
	return st
}

// containerStatus reports one container from its instances (newest
// first).
func (w *podWorker) containerStatus(pod *corev1.Pod, c *corev1.Container, l []*instance, waitingReason string, isInit bool) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Started: new(false)}
	if len(l) == 0 {
		wt := corev1.ContainerStateWaiting{Reason: waitingReason}
		if o, ok := w.waiting[c.Name]; ok {
			wt = o
		}
		cs.State.Waiting = &wt
		return cs
	}
	cur := l[0]
	cs.RestartCount = int32(cur.Metadata.Attempt)
	cs.ContainerID = w.k.containerID(cur.ID)
	cs.ImageID = cur.Image
	if cs.ImageID == "" {
		cs.ImageID = c.Image
	}
	if len(l) > 1 && l[1].State == ContainerExited {
		cs.LastTerminationState.Terminated = w.terminated(l[1])
		w.fallbackMessage(c, l[1], cs.LastTerminationState.Terminated)
	}
	switch cur.State {
	case ContainerCreated, ContainerUnknown:
		wt := corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
		if o, ok := w.waiting[c.Name]; ok {
			wt = o
		}
		cs.State.Waiting = &wt
	case ContainerRunning:
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(cur.StartedAt)}
		started, ready := true, true
		if p := w.probes[cur.ID]; p != nil {
			started = p.hasStarted()
			if c.ReadinessProbe != nil {
				ready = started && p.result(readiness) == probeSuccess
			}
		} else if c.StartupProbe != nil || c.ReadinessProbe != nil {
			started = c.StartupProbe == nil
			ready = false
		}
		cs.Started = new(started)
		cs.Ready = ready && started
	case ContainerExited:
		term := w.terminated(cur)
		w.fallbackMessage(c, cur, term)
		if o, ok := w.waiting[c.Name]; ok && o.Reason == "CrashLoopBackOff" && w.willRestart(pod, c, cur, isInit) {
			cs.State.Waiting = &o
			cs.LastTerminationState = corev1.ContainerState{Terminated: term}
		} else {
			cs.State.Terminated = term
			cs.Ready = isInit && !isSidecar(c) && term.ExitCode == 0
		}
	}
	return cs
}

// willRestart reports whether an exited container will be restarted.
func (w *podWorker) willRestart(pod *corev1.Pod, c *corev1.Container, cur *instance, isInit bool) bool {
	if isSidecar(c) {
		return true
	}
	if isInit {
		return cur.ExitCode != 0 && pod.Spec.RestartPolicy != corev1.RestartPolicyNever
	}
	return shouldRestart(pod.Spec.RestartPolicy, cur.ExitCode)
}

func (w *podWorker) terminated(inst *instance) *corev1.ContainerStateTerminated {
	reason := inst.Reason
	if reason == "" {
		reason = ReasonError
		if inst.ExitCode == 0 {
			reason = ReasonCompleted
		}
	}
	t := &corev1.ContainerStateTerminated{
		ExitCode:    inst.ExitCode,
		Reason:      reason,
		Message:     inst.Message,
		StartedAt:   metav1.NewTime(inst.StartedAt),
		FinishedAt:  metav1.NewTime(inst.FinishedAt),
		ContainerID: w.k.containerID(inst.ID),
	}
	if inst.ExitCode > 128 && inst.ExitCode < 128+65 {
		t.Signal = inst.ExitCode - 128
	}
	return t
}

// Limits of a termination message taken from the log, as Kubernetes'.
const (
	terminationMessageLogLines = 80
	terminationMessageMaxBytes = 2048
)

// fallbackMessage sets a failed container's message to the tail of its
// log (80 lines, 2 KiB at most) when its terminationMessagePolicy is
// FallbackToLogsOnError and the runtime gave no message. The tail is read
// once per container.
func (w *podWorker) fallbackMessage(c *corev1.Container, inst *instance, term *corev1.ContainerStateTerminated) {
	if c.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError || term.ExitCode == 0 || term.Message != "" {
		return
	}
	if msg, ok := w.termMessages[inst.ID]; ok {
		term.Message = msg
		return
	}
	// Where the runtime says it wrote the log, else where the sandbox's
	// layout put it.
	path := inst.LogPath
	if path == "" {
		path = filepath.Join(w.k.logDirectory(w.uid, w.logs), containerLogPath(w.logs, w.uid, c.Name, inst.Metadata.Attempt))
	}
	var buf bytes.Buffer
	if err := ReadLogs(context.Background(), path, LogOptions{TailLines: terminationMessageLogLines}, &buf); err != nil {
		return
	}
	b := buf.Bytes()
	if len(b) > terminationMessageMaxBytes {
		b = b[len(b)-terminationMessageMaxBytes:]
	}
	w.termMessages[inst.ID] = string(b)
	term.Message = string(b)
}

// containerID is the "<runtime>://<id>" form of a runtime ID.
func (k *Kubelet) containerID(id string) string { return k.runtimeName + "://" + id }

// podPhase is Kubernetes' getPhase.
func podPhase(policy corev1.RestartPolicy, st *corev1.PodStatus, initDone, initFailed bool) corev1.PodPhase {
	if initFailed {
		return corev1.PodFailed
	}
	if !initDone {
		return corev1.PodPending
	}
	var running, waiting, stopped, succeeded int
	for _, cs := range st.ContainerStatuses {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.State.Waiting != nil:
			if t := cs.LastTerminationState.Terminated; t != nil {
				stopped++
				if t.ExitCode == 0 {
					succeeded++
				}
			} else {
				waiting++
			}
		}
	}
	switch {
	case waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped > 0:
		if policy == corev1.RestartPolicyAlways {
			return corev1.PodRunning
		}
		if stopped == succeeded {
			return corev1.PodSucceeded
		}
		if policy == corev1.RestartPolicyNever {
			return corev1.PodFailed
		}
		return corev1.PodRunning
	}
	return corev1.PodPending
}

// setReadyFalse marks a finished pod not ready.
func setReadyFalse(st *corev1.PodStatus, now time.Time) {
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if (c.Type == corev1.PodReady || c.Type == corev1.ContainersReady) && c.Status == corev1.ConditionTrue {
			c.Status, c.Reason, c.Message = corev1.ConditionFalse, "PodCompleted", ""
			c.LastTransitionTime = metav1.NewTime(now)
		}
		if c.Type == corev1.PodReadyToStartContainers {
			c.Status = corev1.ConditionFalse
			c.LastTransitionTime = metav1.NewTime(now)
		}
	}
	for i := range st.ContainerStatuses {
		st.ContainerStatuses[i].Ready = false
	}
}
