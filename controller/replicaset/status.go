package replicaset

import (
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
)

// readyCondition returns pod's Ready condition, or nil.
func readyCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// IsPodReady reports whether pod's Ready condition is True.
func IsPodReady(pod *corev1.Pod) bool {
	c := readyCondition(pod)
	return c != nil && c.Status == corev1.ConditionTrue
}

// availableIn reports whether pod is available at now: ready for at least
// minReadySeconds by its Ready condition's lastTransitionTime. When it is
// ready but not yet available, wait is how long until it will be.
func availableIn(pod *corev1.Pod, minReadySeconds int32, now time.Time) (available bool, wait time.Duration) {
	c := readyCondition(pod)
	if c == nil || c.Status != corev1.ConditionTrue {
		return false, 0
	}
	if minReadySeconds <= 0 {
		return true, 0
	}
	at := c.LastTransitionTime.Add(time.Duration(minReadySeconds) * time.Second)
	if c.LastTransitionTime.IsZero() || !now.Before(at) {
		return true, 0
	}
	return false, at.Sub(now)
}

// computeStatus returns rs's status for its active pods at now, and the
// shortest wait until a ready pod becomes available (0 when none).
func computeStatus(rs *appsv1.ReplicaSet, active []*corev1.Pod, now time.Time) (appsv1.ReplicaSetStatus, time.Duration) {
	st := appsv1.ReplicaSetStatus{Replicas: int32(len(active)), ObservedGeneration: rs.Generation}
	tmpl := labels.SelectorFromSet(labels.Set(rs.Spec.Template.Labels))
	var wait time.Duration
	for _, p := range active {
		if tmpl.Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		if IsPodReady(p) {
			st.ReadyReplicas++
		}
		ok, w := availableIn(p, rs.Spec.MinReadySeconds, now)
		if ok {
			st.AvailableReplicas++
		} else if w > 0 && (wait == 0 || w < wait) {
			wait = w
		}
	}
	return st, wait
}

// statusEqual compares the fields computeStatus sets.
func statusEqual(a, b appsv1.ReplicaSetStatus) bool {
	return a.Replicas == b.Replicas && a.FullyLabeledReplicas == b.FullyLabeledReplicas &&
		a.ReadyReplicas == b.ReadyReplicas && a.AvailableReplicas == b.AvailableReplicas &&
		a.ObservedGeneration == b.ObservedGeneration
}

// PodLess reports whether pod a should be deleted before pod b when a
// ReplicaSet scales down. It is Kubernetes' ActivePods ordering,
// simplified: unscheduled (no spec.nodeName) before scheduled; then phase
// Pending before Unknown before Running; then not ready before ready; then
// more container restarts (the most of any container) before fewer; then
// newer (creationTimestamp) before older; then by name, for a stable order.
// Kubernetes' further rule (ready for a shorter time first) is left out.
func PodLess(a, b *corev1.Pod) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if pa, pb := phaseRank(a.Status.Phase), phaseRank(b.Status.Phase); pa != pb {
		return pa < pb
	}
	if ra, rb := IsPodReady(a), IsPodReady(b); ra != rb {
		return !ra
	}
	if ra, rb := maxRestarts(a), maxRestarts(b); ra != rb {
		return ra > rb
	}
	if ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time; !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.Name < b.Name
}

func phaseRank(p corev1.PodPhase) int {
	switch p {
	case corev1.PodPending:
		return 0
	case corev1.PodUnknown:
		return 1
	case corev1.PodRunning:
		return 2
	}
	return 0 // no phase yet: as Pending
}

func maxRestarts(p *corev1.Pod) int32 {
	var m int32
	for _, c := range p.Status.ContainerStatuses {
		m = max(m, c.RestartCount)
	}
	return m
}
