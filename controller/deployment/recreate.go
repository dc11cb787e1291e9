package deployment

import (
	"context"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/types"
)

// rolloutRecreate is Kubernetes' rolloutRecreate: scale every old
// ReplicaSet to 0, wait until none of their pods is left (terminating
// pods count), then create and scale up the new ReplicaSet.
func (s *syncer) rolloutRecreate(ctx context.Context, rsList []*appsv1.ReplicaSet, pods map[types.UID][]*corev1.Pod) error {
	newRS, oldRSs, err := s.getAll(ctx, rsList, false)
	if err != nil {
		return err
	}
	allRSs := all(newRS, oldRSs)
	scaledDown := false
	for _, rs := range activeRSs(oldRSs) {
		scaled, _, err := s.scaleRS(ctx, rs, 0)
		if err != nil {
			return err
		}
		scaledDown = scaledDown || scaled
	}
	if scaledDown || oldPodsRunning(newRS, oldRSs, pods) {
		return s.syncRolloutStatus(ctx, allRSs, newRS)
	}
	if newRS == nil {
		newRS, oldRSs, err = s.getAll(ctx, rsList, true)
		if err != nil {
			return err
		}
		allRSs = all(newRS, oldRSs)
	}
	if _, err := s.reconcileNewRS(ctx, allRSs, newRS); err != nil {
		return err
	}
	if deploymentComplete(s.d, &s.d.Status) {
		if err := s.cleanup(ctx, oldRSs); err != nil {
			return err
		}
	}
	return s.syncRolloutStatus(ctx, allRSs, newRS)
}

// oldPodsRunning is Kubernetes' oldPodsRunning: an old ReplicaSet still
// reports pods, or a pod of one is in the cache and has not finished
// (Succeeded or Failed).
func oldPodsRunning(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet, pods map[types.UID][]*corev1.Pod) bool {
	if statusSum(oldRSs, func(rs *appsv1.ReplicaSet) int32 { return rs.Status.Replicas }) > 0 {
		return true
	}
	for uid, list := range pods {
		if newRS != nil && newRS.UID == uid {
			continue
		}
		for _, p := range list {
			if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
				return true
			}
		}
	}
	return false
}
