package kubelet

// How a pod worker ends a pod: graceful deletion and the active deadline.

import (
	"context"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// terminate runs a graceful deletion: kill the containers within the
// grace period, write the final status, release the sandbox, then delete
// the pod object with grace period 0 so it disappears.
func (w *podWorker) terminate(ctx context.Context, pod *corev1.Pod) (time.Time, bool) {
	k := w.k
	grace := podGrace(pod)
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		grace = time.Duration(max(*g, 0)) * time.Second
	}
	if w.termDeadline.IsZero() {
		w.termDeadline = k.clock.Now().Add(grace)
		k.log.Info("terminating pod", "pod", pod.Namespace+"/"+pod.Name, "gracePeriod", grace)
	}
	remaining := max(w.termDeadline.Sub(k.clock.Now()), 0)
	if w.sandboxID == "" {
		if err := w.adoptSandbox(ctx, pod); err != nil {
			return k.clock.Now().Add(retryDelay), false
		}
	}
	hadSandbox := w.sandboxID != ""
	w.killAll(ctx, pod, remaining)
	if ctx.Err() != nil {
		return time.Time{}, true
	}
	// Report the containers' final states, unless there is nothing to
	// report (the pod never got a sandbox, or another worker already
	// finished it).
	if w.final == nil && hadSandbox {
		insts, err := w.podContainers(ctx)
		if err == nil {
			st := w.computeStatus(pod, insts, true, false, nil)
			st.Phase = terminatedPhase(st)
			setReadyFalse(st, k.clock.Now())
			_ = w.writeStatus(ctx, pod, st)
		}
	}
	if err := w.teardown(ctx, pod, false); err != nil {
		// A volume is still published: keep the pod until it is not.
		return k.clock.Now().Add(retryDelay), false
	}
	err := k.pods.Namespace(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: new(int64(0)),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !client.IsNotFound(err) && !client.IsConflict(err) {
		k.log.Error(err, "delete pod", "pod", pod.Namespace+"/"+pod.Name)
		return k.clock.Now().Add(retryDelay), false
	}
	return time.Time{}, true
}

// terminatedPhase is the phase of a pod whose containers were all
// stopped because it is deleted: Succeeded if every one exited 0.
func terminatedPhase(st *corev1.PodStatus) corev1.PodPhase {
	for _, c := range st.ContainerStatuses {
		t := c.State.Terminated
		if t == nil && c.LastTerminationState.Terminated != nil {
			t = c.LastTerminationState.Terminated
		}
		if t == nil || t.ExitCode != 0 {
			return corev1.PodFailed
		}
	}
	return corev1.PodSucceeded
}

// deadlineExceeded fails a pod that ran past activeDeadlineSeconds.
func (w *podWorker) deadlineExceeded(ctx context.Context, pod *corev1.Pod) (time.Time, bool) {
	k := w.k
	k.log.Info("pod exceeded its active deadline", "pod", pod.Namespace+"/"+pod.Name)
	w.killAll(ctx, pod, podGrace(pod))
	if ctx.Err() != nil {
		return time.Time{}, true
	}
	insts, _ := w.podContainers(ctx)
	st := w.computeStatus(pod, insts, true, false, nil)
	st.Phase = corev1.PodFailed
	st.Reason = "DeadlineExceeded"
	st.Message = "Pod was active on the node longer than the specified deadline"
	setReadyFalse(st, k.clock.Now())
	w.final = st
	w.teardown(ctx, pod, false)
	if err := w.writeStatus(ctx, pod, st); err != nil {
		return k.clock.Now().Add(retryDelay), false
	}
	return time.Time{}, false
}
