package apiserver

import (
	"context"
	"slices"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// The small mutating plugins for new pods.

// isPodCreate reports whether a is the create of a pod (not of one of its
// subresources), and returns the pod.
func isPodCreate(a *Attributes) (*corev1.Pod, bool) {
	if a.Operation != Create || a.Group != "" || a.Resource != "pods" || a.Subresource != "" {
		return nil, false
	}
	pod, ok := a.Object.(*corev1.Pod)
	return pod, ok && pod != nil
}

// admitServiceAccount is Kubernetes' ServiceAccount plugin, reduced: a new
// pod without serviceAccountName gets "default". The service account is
// not required to exist and no token volume is projected yet.
func admitServiceAccount(_ context.Context, a *Attributes) error {
	pod, ok := isPodCreate(a)
	if !ok {
		return nil
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	return nil
}

// defaultTolerationSeconds is how long a pod tolerates its node being not
// ready or unreachable before it is evicted: 300 s.
const defaultTolerationSeconds = int64(300)

// admitDefaultTolerationSeconds is Kubernetes' DefaultTolerationSeconds
// plugin: a new pod that does not tolerate the NoExecute taints
// node.kubernetes.io/not-ready and node.kubernetes.io/unreachable gets a
// toleration of each for 300 s.
func admitDefaultTolerationSeconds(_ context.Context, a *Attributes) error {
	pod, ok := isPodCreate(a)
	if !ok {
		return nil
	}
	notReady, unreachable := false, false
	for _, t := range pod.Spec.Tolerations {
		if t.Effect != corev1.TaintEffectNoExecute && t.Effect != "" {
			continue
		}
		if t.Key == corev1.TaintNodeNotReady || t.Key == "" {
			notReady = true
		}
		if t.Key == corev1.TaintNodeUnreachable || t.Key == "" {
			unreachable = true
		}
	}
	need := 0
	for _, missing := range [2]bool{!notReady, !unreachable} {
		if missing {
			need++
		}
	}
	if need == 0 {
		return nil
	}
	// One allocation for the seconds and at most one for the slice.
	secs := make([]int64, need)
	pod.Spec.Tolerations = slices.Grow(pod.Spec.Tolerations, need)
	add := func(key string) {
		i := need - 1
		need--
		secs[i] = defaultTolerationSeconds
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{
			Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs[i],
		})
	}
	if !notReady {
		add(corev1.TaintNodeNotReady)
	}
	if !unreachable {
		add(corev1.TaintNodeUnreachable)
	}
	return nil
}
