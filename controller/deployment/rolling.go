package deployment

import (
	"context"
	"fmt"
	"slices"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
)

// rolloutRolling is Kubernetes' rolloutRolling: scale the new ReplicaSet
// up within maxSurge, or else the old ones down within maxUnavailable,
// then clean up history once complete, and write status.
func (s *syncer) rolloutRolling(ctx context.Context, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := s.getAll(ctx, rsList, true)
	if err != nil {
		return err
	}
	allRSs := all(newRS, oldRSs)
	scaledUp, err := s.reconcileNewRS(ctx, allRSs, newRS)
	if err != nil {
		return err
	}
	if scaledUp {
		return s.syncRolloutStatus(ctx, allRSs, newRS)
	}
	scaledDown, err := s.reconcileOldRSs(ctx, allRSs, activeRSs(oldRSs), newRS)
	if err != nil {
		return err
	}
	if scaledDown {
		return s.syncRolloutStatus(ctx, allRSs, newRS)
	}
	if deploymentComplete(s.d, &s.d.Status) {
		if err := s.cleanup(ctx, oldRSs); err != nil {
			return err
		}
	}
	return s.syncRolloutStatus(ctx, allRSs, newRS)
}

// reconcileNewRS is Kubernetes' reconcileNewReplicaSet: the new
// ReplicaSet grows by newRSReplicas, or shrinks to d's replicas.
func (s *syncer) reconcileNewRS(ctx context.Context, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (bool, error) {
	if newRS == nil {
		return false, nil
	}
	want := replicas(s.d)
	switch {
	case rsReplicas(newRS) == want:
		return false, nil
	case rsReplicas(newRS) > want:
		scaled, _, err := s.scaleRS(ctx, newRS, want)
		return scaled, err
	}
	n, err := newRSReplicas(s.d, allRSs, newRS)
	if err != nil {
		return false, err
	}
	scaled, _, err := s.scaleRS(ctx, newRS, n)
	return scaled, err
}

// reconcileOldRSs is Kubernetes' reconcileOldReplicaSets: of the pods
// above minAvailable (replicas - maxUnavailable) that the new ReplicaSet's
// unavailable pods leave, remove old unhealthy ones first, then old
// available ones while more than minAvailable are available.
func (s *syncer) reconcileOldRSs(ctx context.Context, allRSs, oldRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (bool, error) {
	if specSum(oldRSs) == 0 {
		return false, nil
	}
	mu, err := maxUnavailable(s.d)
	if err != nil {
		return false, err
	}
	minAvailable := replicas(s.d) - mu
	newUnavailable := rsReplicas(newRS) - available(newRS)
	maxScaledDown := specSum(allRSs) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false, nil
	}
	oldRSs, cleaned, err := s.cleanupUnhealthy(ctx, oldRSs, maxScaledDown)
	if err != nil {
		return false, err
	}
	scaled, err := s.scaleDownOldForRollingUpdate(ctx, all(newRS, oldRSs), oldRSs, minAvailable)
	if err != nil {
		return false, err
	}
	return cleaned+scaled > 0, nil
}

// cleanupUnhealthy is Kubernetes' cleanupUnhealthyReplicas: scale old
// ReplicaSets down by their unavailable pods, oldest first, at most
// maxCleanup in all. It returns the ReplicaSets as they now are.
func (s *syncer) cleanupUnhealthy(ctx context.Context, oldRSs []*appsv1.ReplicaSet, maxCleanup int32) ([]*appsv1.ReplicaSet, int32, error) {
	oldRSs = slices.Clone(oldRSs)
	slices.SortFunc(oldRSs, byCreation)
	var total int32
	for i, rs := range oldRSs {
		if total >= maxCleanup {
			break
		}
		unhealthy := rsReplicas(rs) - available(rs)
		if rsReplicas(rs) == 0 || unhealthy == 0 {
			continue
		}
		down := min(maxCleanup-total, unhealthy)
		n := rsReplicas(rs) - down
		if n > rsReplicas(rs) {
			return nil, 0, fmt.Errorf("cleaning up unhealthy replicas of %s/%s: would scale from %d up to %d", rs.Namespace, rs.Name, rsReplicas(rs), n)
		}
		_, upd, err := s.scaleRS(ctx, rs, n)
		if err != nil {
			return nil, total, err
		}
		total += down
		oldRSs[i] = upd
	}
	return oldRSs, total, nil
}

// scaleDownOldForRollingUpdate is Kubernetes'
// scaleDownOldReplicaSetsForRollingUpdate: scale old ReplicaSets down,
// oldest first, by as many pods as are available above minAvailable.
func (s *syncer) scaleDownOldForRollingUpdate(ctx context.Context, allRSs, oldRSs []*appsv1.ReplicaSet, minAvailable int32) (int32, error) {
	avail := availableSum(allRSs)
	if avail <= minAvailable {
		return 0, nil
	}
	toScale := avail - minAvailable
	oldRSs = slices.Clone(oldRSs)
	slices.SortFunc(oldRSs, byCreation)
	var total int32
	for _, rs := range oldRSs {
		if total >= toScale {
			break
		}
		if rsReplicas(rs) == 0 {
			continue
		}
		down := min(rsReplicas(rs), toScale-total)
		if _, _, err := s.scaleRS(ctx, rs, rsReplicas(rs)-down); err != nil {
			return total, err
		}
		total += down
	}
	return total, nil
}
