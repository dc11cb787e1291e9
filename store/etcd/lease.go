package etcd

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/rigging-dev/rigging/store"
)

// Grant creates an etcd lease with ttl rounded up to whole seconds. etcd
// raises a TTL below its minimum (1.5 election timeouts, rounded up to
// whole seconds: 2 s with etcd's default 1 s election timeout) to that
// minimum; the returned Lease.TTL is the TTL etcd granted. Leases are
// cluster-wide: Options.Prefix does not isolate them. A ttl of zero or
// less fails with store.ErrInvalid.
func (s *Store) Grant(ctx context.Context, ttl time.Duration) (store.Lease, error) {
	what := fmt.Sprintf("grant lease of %v", ttl)
	if err := s.checkOpen(what); err != nil {
		return store.Lease{}, err
	}
	if ttl <= 0 {
		return store.Lease{}, fmt.Errorf("store/etcd: %s: %w: time to live must be positive", what, store.ErrInvalid)
	}
	secs := int64((ttl + time.Second - 1) / time.Second)
	resp, err := s.client.Grant(ctx, secs)
	if err != nil {
		return store.Lease{}, s.mapError(what, err)
	}
	return store.Lease{ID: store.LeaseID(resp.ID), TTL: time.Duration(resp.TTL) * time.Second}, nil
}

// KeepAlive renews the lease once (clientv3's KeepAliveOnce) and returns
// the TTL etcd renewed it for, or store.ErrLeaseNotFound. While etcd is
// unreachable it retries until ctx ends.
func (s *Store) KeepAlive(ctx context.Context, id store.LeaseID) (time.Duration, error) {
	what := fmt.Sprintf("keep lease %d alive", id)
	if err := s.checkOpen(what); err != nil {
		return 0, err
	}
	resp, err := s.client.KeepAliveOnce(ctx, clientv3.LeaseID(id))
	if err != nil {
		return 0, s.mapError(what, err)
	}
	return time.Duration(resp.TTL) * time.Second, nil
}

// Revoke ends the lease and deletes its keys in one etcd write, or fails
// with store.ErrLeaseNotFound.
func (s *Store) Revoke(ctx context.Context, id store.LeaseID) error {
	what := fmt.Sprintf("revoke lease %d", id)
	if err := s.checkOpen(what); err != nil {
		return err
	}
	if _, err := s.client.Revoke(ctx, clientv3.LeaseID(id)); err != nil {
		return s.mapError(what, err)
	}
	return nil
}

// TimeToLive describes the lease with its attached keys, or fails with
// store.ErrLeaseNotFound. etcd reports times in whole seconds. Keys
// outside Options.Prefix (attached through another client) are left out;
// the others lose the prefix and come in byte order.
func (s *Store) TimeToLive(ctx context.Context, id store.LeaseID) (store.LeaseStatus, error) {
	what := fmt.Sprintf("time to live of lease %d", id)
	if err := s.checkOpen(what); err != nil {
		return store.LeaseStatus{}, err
	}
	resp, err := s.client.TimeToLive(ctx, clientv3.LeaseID(id), clientv3.WithAttachedKeys())
	if err != nil {
		return store.LeaseStatus{}, s.mapError(what, err)
	}
	if resp.TTL < 0 {
		// etcd answers a lease it does not know with TTL -1, not an error.
		return store.LeaseStatus{}, fmt.Errorf("store/etcd: %s: %w", what, store.ErrLeaseNotFound)
	}
	st := store.LeaseStatus{
		ID:        id,
		TTL:       time.Duration(resp.GrantedTTL) * time.Second,
		Remaining: time.Duration(resp.TTL) * time.Second,
	}
	for _, k := range resp.Keys {
		if strings.HasPrefix(string(k), s.prefix) {
			st.Keys = append(st.Keys, s.strip(k))
		}
	}
	sort.Strings(st.Keys)
	return st, nil
}

// Compact discards etcd's history before revision, for the whole etcd
// cluster (Options.Prefix does not limit it), and waits until etcd has
// removed it from its backend (clientv3.WithCompactPhysical). It fails with
// store.ErrInvalid for a revision below 1, a *store.CompactedError at or
// below etcd's compaction revision and store.ErrFutureRevision beyond its
// current revision.
func (s *Store) Compact(ctx context.Context, revision int64) error {
	what := fmt.Sprintf("compact at revision %d", revision)
	if err := s.checkOpen(what); err != nil {
		return err
	}
	if revision < 1 {
		return fmt.Errorf("store/etcd: %s: %w: revision must be positive", what, store.ErrInvalid)
	}
	if _, err := s.client.Compact(ctx, revision, clientv3.WithCompactPhysical()); err != nil {
		if isCompacted(err) {
			// etcd's compaction revision is at or above revision, so a
			// probe from the revision before finds it; compacting at 1
			// leaves nothing below to probe from.
			return s.compactedError(ctx, what, revision, revision-1)
		}
		return s.mapError(what, err)
	}
	return nil
}
