package nodelifecycle

import (
	"slices"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// The NoExecute taints the controller puts on nodes that are not ready
// (Ready False) or unreachable (Ready Unknown); their timeAdded is set
// when they are added.
var (
	UnreachableTaint = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	NotReadyTaint    = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
)

// noScheduleKeys are the keys of the NoSchedule taints the controller
// manages from node conditions (TaintNodesByCondition).
var noScheduleKeys = []string{
	corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable, corev1.TaintNodeUnschedulable,
	corev1.TaintNodeMemoryPressure, corev1.TaintNodeDiskPressure, corev1.TaintNodePIDPressure,
	corev1.TaintNodeNetworkUnavailable,
}

// ConditionTaints returns the NoSchedule taints node's conditions call
// for, as Kubernetes' TaintNodesByCondition: not-ready for Ready False,
// unreachable for Ready Unknown, memory-pressure, disk-pressure,
// pid-pressure and network-unavailable for those conditions True, and
// unschedulable for spec.unschedulable; in that order, without timeAdded.
func ConditionTaints(node *corev1.Node) []corev1.Taint {
	var out []corev1.Taint
	add := func(key string) {
		out = append(out, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
	}
	if c := nodeCondition(&node.Status, corev1.NodeReady); c != nil {
		switch c.Status {
		case corev1.ConditionFalse:
			add(corev1.TaintNodeNotReady)
		case corev1.ConditionUnknown:
			add(corev1.TaintNodeUnreachable)
		}
	}
	for _, m := range []struct {
		t   corev1.NodeConditionType
		key string
	}{
		{corev1.NodeMemoryPressure, corev1.TaintNodeMemoryPressure},
		{corev1.NodeDiskPressure, corev1.TaintNodeDiskPressure},
		{corev1.NodePIDPressure, corev1.TaintNodePIDPressure},
		{corev1.NodeNetworkUnavailable, corev1.TaintNodeNetworkUnavailable},
	} {
		if c := nodeCondition(&node.Status, m.t); c != nil && c.Status == corev1.ConditionTrue {
			add(m.key)
		}
	}
	if node.Spec.Unschedulable {
		add(corev1.TaintNodeUnschedulable)
	}
	return out
}

// sameTaint reports whether a and b have the same key and effect (the
// identity of a taint on a node).
func sameTaint(a, b corev1.Taint) bool { return a.Key == b.Key && a.Effect == b.Effect }

func hasTaint(taints []corev1.Taint, t corev1.Taint) bool {
	return slices.ContainsFunc(taints, func(x corev1.Taint) bool { return sameTaint(x, t) })
}

// withNoScheduleTaints returns taints with the managed NoSchedule taints
// replaced by want: managed ones not in want removed, missing ones
// appended. Other taints are kept in place. It returns a new slice.
func withNoScheduleTaints(taints, want []corev1.Taint) []corev1.Taint {
	out := slices.DeleteFunc(slices.Clone(taints), func(t corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoSchedule && slices.Contains(noScheduleKeys, t.Key) && !hasTaint(want, t)
	})
	for _, w := range want {
		if !hasTaint(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// withoutTaint returns taints without t (by key and effect), as a new
// slice.
func withoutTaint(taints []corev1.Taint, t corev1.Taint) []corev1.Taint {
	return slices.DeleteFunc(slices.Clone(taints), func(x corev1.Taint) bool { return sameTaint(x, t) })
}

// taintsEqual compares taint lists in order, timeAdded included.
func taintsEqual(a, b []corev1.Taint) bool {
	return slices.EqualFunc(a, b, func(x, y corev1.Taint) bool {
		if !sameTaint(x, y) || x.Value != y.Value || (x.TimeAdded == nil) != (y.TimeAdded == nil) {
			return false
		}
		return x.TimeAdded == nil || x.TimeAdded.Time.Equal(y.TimeAdded.Time)
	})
}

// Tolerates reports whether tol tolerates taint, as Kubernetes matches
// them: the effects match (an empty toleration effect matches all), the
// keys match (an empty key with operator Exists matches every key), and
// for operator Equal (or empty) the values are equal.
func Tolerates(tol corev1.Toleration, taint corev1.Taint) bool {
	if tol.Effect != "" && tol.Effect != taint.Effect {
		return false
	}
	if tol.Key != taint.Key && !(tol.Key == "" && tol.Operator == corev1.TolerationOpExists) {
		return false
	}
	switch tol.Operator {
	case corev1.TolerationOpExists:
		return true
	case corev1.TolerationOpEqual, "":
		return tol.Value == taint.Value
	}
	return false
}

// EvictionTime returns when a pod with tolerations must be evicted from
// a node with the NoExecute taints noExecute, and ok false when it
// tolerates them all for ever. For each taint the first toleration that
// tolerates it decides: none means at once (the zero time), nil
// tolerationSeconds means never, otherwise added(taint) plus the seconds
// (at least 0). The earliest time over the taints wins. added returns
// when a taint was put on the node (its timeAdded).
func EvictionTime(tolerations []corev1.Toleration, noExecute []corev1.Taint, added func(corev1.Taint) time.Time) (at time.Time, ok bool) {
	for _, taint := range noExecute {
		i := slices.IndexFunc(tolerations, func(tol corev1.Toleration) bool { return Tolerates(tol, taint) })
		if i < 0 {
			return time.Time{}, true
		}
		secs := tolerations[i].TolerationSeconds
		if secs == nil {
			continue
		}
		t := added(taint).Add(time.Duration(max(*secs, 0)) * time.Second)
		if !ok || t.Before(at) {
			at, ok = t, true
		}
	}
	return at, ok
}
