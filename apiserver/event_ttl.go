package apiserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// Objects of a resource whose Strategy has a TTL (the core/v1 events,
// with Options.EventTTL) are written with a store lease, so that the
// store deletes them once the TTL has passed since their last write, as
// Kubernetes' --event-ttl does. One lease serves every write within a
// short window, as Kubernetes' LeaseManager: granting a lease per write
// would cost a store write each and leave as many leases to expire.

// The lease reuse limits, Kubernetes' LeaseManager defaults.
const (
	// leaseReuseDuration caps how long one lease serves new writes: 60 s
	// (Kubernetes' leaseReuseDurationSeconds).
	leaseReuseDuration = 60 * time.Second
	// leaseReusePercent caps it to a share of the TTL, rounded down to
	// whole seconds, so that short TTLs are not stretched much: 5%
	// (Kubernetes' leaseReuseDurationPercent); a TTL under 20 s has no
	// reuse window.
	leaseReusePercent = 5
	// leaseMaxObjects is how many writes one lease serves at most: 1000
	// (Kubernetes' defaultLeaseMaxObjectCount).
	leaseMaxObjects = 1000
)

// leaseManager hands out the lease of a resource's writes: the one it
// granted last while that lease expires no earlier than TTL from now and
// no later than TTL plus the reuse window from now, else a new one of TTL
// plus the reuse window. So every object written lives at least TTL after
// its write and at most TTL plus the window (plus the store's rounding of
// a lease's TTL up to whole seconds). It is safe for concurrent use.
type leaseManager struct {
	// ttl is the resource's TTL; reuse the reuse window, the smaller of
	// leaseReuseDuration and leaseReusePercent of ttl in whole seconds.
	ttl, reuse time.Duration

	mu sync.Mutex // guards id, expiry, attached and granted
	// id is the lease granted last, or store.NoLease.
	id store.LeaseID
	// expiry is when id expires at the earliest, by the server's clock.
	expiry time.Time
	// attached counts the writes id was handed to.
	attached int
	// granted holds when each lease this manager granted expires at the
	// earliest, until grantedKeep after that.
	granted map[store.LeaseID]time.Time
}

// grantedKeep is how long a lease manager remembers a lease it granted
// after the lease expired: the store deletes the lease's objects soon
// after the expiry, and the watch cache sees them deleted soon after.
const grantedKeep = 10 * time.Minute

// newLeaseManager returns the lease manager of a resource with the given
// TTL (positive).
func newLeaseManager(ttl time.Duration) *leaseManager {
	reuse := min(leaseReuseDuration, (ttl * leaseReusePercent / 100).Truncate(time.Second))
	return &leaseManager{ttl: ttl, reuse: reuse}
}

// lease returns the lease to attach a write to at now, granting a new one
// from lessor when the last one cannot serve. A failed grant is returned
// naming the TTL; the manager then keeps no lease.
func (m *leaseManager) lease(ctx context.Context, lessor store.Lessor, now time.Time) (store.LeaseID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	earliest := now.Add(m.ttl)
	if m.id != store.NoLease && m.attached < leaseMaxObjects &&
		!m.expiry.Before(earliest) && !m.expiry.After(earliest.Add(m.reuse)) {
		m.attached++
		return m.id, nil
	}
	m.id, m.attached = store.NoLease, 0
	l, err := lessor.Grant(ctx, m.ttl+m.reuse)
	if err != nil {
		return store.NoLease, fmt.Errorf("grant a lease of %v: %w", m.ttl+m.reuse, err)
	}
	// The store counts the lease's TTL (rounded up to whole seconds) from
	// the grant, which is no earlier than now.
	m.id, m.expiry, m.attached = l.ID, now.Add(l.TTL), 1
	if m.granted == nil {
		m.granted = map[store.LeaseID]time.Time{}
	}
	for id, exp := range m.granted {
		if now.Sub(exp) > grantedKeep {
			delete(m.granted, id)
		}
	}
	m.granted[l.ID] = m.expiry
	return m.id, nil
}

// expired reports whether this manager granted lease id and, by now, the
// store may have expired it: then a deletion of an object attached to it
// that no delete request made is the lease's expiry, which this server,
// the lease's, releases (another server's would be a delete request).
func (m *leaseManager) expired(id store.LeaseID, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.granted[id]
	return ok && !now.Before(exp)
}

// forget drops id, which the store no longer knows (it was revoked), so
// that the next write gets a new lease.
func (m *leaseManager) forget(id store.LeaseID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.id == id {
		m.id, m.attached = store.NoLease, 0
	}
}

// writeLease returns the lease a write of ns/name of r is attached to:
// store.NoLease when r has no TTL. A failed grant is a Status naming the
// object.
func (s *Server) writeLease(ctx context.Context, r *resource, name string) (store.LeaseID, error) {
	if r.leases == nil {
		return store.NoLease, nil
	}
	id, err := r.leases.lease(ctx, s.store, s.opts.Now())
	if err != nil {
		err = fmt.Errorf("write %s %q with a TTL of %v: %w", r.qualifiedResource, name, r.leases.ttl, err)
		if errors.Is(err, store.ErrInvalid) {
			// The store refused the TTL: the server's configuration, not
			// the request, is at fault.
			return store.NoLease, errInternal(err)
		}
		return store.NoLease, storeError(r, name, err)
	}
	return id, nil
}

// retryLease reports whether a write attached to id failed because the
// store no longer knows the lease (it was revoked), and *retried is not
// yet set; the lease is then forgotten and *retried set, and the caller
// writes again, once, with a new lease.
func (r *resource) retryLease(id store.LeaseID, err error, retried *bool) bool {
	if *retried || r.leases == nil || id == store.NoLease || !errors.Is(err, store.ErrLeaseNotFound) {
		return false
	}
	r.leases.forget(id)
	*retried = true
	return true
}
