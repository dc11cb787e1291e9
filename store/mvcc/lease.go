package mvcc

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// maxLeaseTTL is the longest lease granted, etcd's limit: 9,000,000,000 s
// (about 285 years, just under time.Duration's range).
const maxLeaseTTL = 9_000_000_000 * time.Second

// leaseCheckInterval is how often the expiry loop looks for expired leases:
// 500 ms, as etcd's lessor.
const leaseCheckInterval = 500 * time.Millisecond

// lessor is the in-memory lease table: each live lease's TTL, deadline and
// attached keys. Its persistent half (the leases bucket) is written by the
// writer goroutine; the writer also applies every change to the table, so
// the table always matches the committed state, except deadlines, which
// only live here (KeepAlive is not persisted; see Store.KeepAlive).
type lessor struct {
	clock Clock

	mu sync.Mutex // guards leases
	// leases holds every granted, unrevoked lease, expired or not.
	leases map[store.LeaseID]*leaseState
}

// leaseState is one lease.
type leaseState struct {
	ttl      time.Duration
	deadline time.Time
	keys     map[string]struct{}
}

func newLessor(clock Clock) *lessor {
	return &lessor{clock: clock, leases: make(map[store.LeaseID]*leaseState)}
}

// secondsToDuration converts a persisted TTL.
func secondsToDuration(s int64) time.Duration { return time.Duration(s) * time.Second }

// restore loads the leases read from the file, each with its full TTL from
// now, and attaches the keys.
func (l *lessor) restore(ttls map[store.LeaseID]int64, keyLease map[string]store.LeaseID) (orphans []string) {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, ttl := range ttls {
		d := secondsToDuration(ttl)
		l.leases[id] = &leaseState{ttl: d, deadline: now.Add(d), keys: make(map[string]struct{})}
	}
	for key, id := range keyLease {
		le := l.leases[id]
		if le == nil {
			orphans = append(orphans, key)
			continue
		}
		le.keys[key] = struct{}{}
	}
	sort.Strings(orphans)
	return orphans
}

// alive reports whether id exists and has not expired.
func (l *lessor) alive(id store.LeaseID) bool {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	le := l.leases[id]
	return le != nil && now.Before(le.deadline)
}

// exists reports whether id exists, expired or not.
func (l *lessor) exists(id store.LeaseID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.leases[id] != nil
}

// keys returns the keys attached to id, unsorted.
func (l *lessor) keys(id store.LeaseID) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	le := l.leases[id]
	if le == nil {
		return nil
	}
	out := make([]string, 0, len(le.keys))
	for k := range le.keys {
		out = append(out, k)
	}
	return out
}

// apply brings the table up to a committed batch: new leases, attachments
// and detachments from the events in order, and revoked leases.
func (l *lessor) apply(events []store.Event, granted []grantedLease, revoked map[store.LeaseID]bool) {
	if len(granted) == 0 && len(revoked) == 0 && !anyLease(events) {
		return
	}
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, g := range granted {
		d := secondsToDuration(g.ttl)
		l.leases[g.id] = &leaseState{ttl: d, deadline: now.Add(d), keys: make(map[string]struct{})}
	}
	for i := range events {
		ev := &events[i]
		if ev.PrevKV != nil && ev.PrevKV.Lease != store.NoLease {
			if le := l.leases[ev.PrevKV.Lease]; le != nil {
				delete(le.keys, ev.KV.Key)
			}
		}
		if ev.Type == store.EventPut && ev.KV.Lease != store.NoLease {
			if le := l.leases[ev.KV.Lease]; le != nil {
				le.keys[ev.KV.Key] = struct{}{}
			}
		}
	}
	for id := range revoked {
		delete(l.leases, id)
	}
}

// anyLease reports whether an event involves a lease.
func anyLease(events []store.Event) bool {
	for i := range events {
		if events[i].KV.Lease != store.NoLease || (events[i].PrevKV != nil && events[i].PrevKV.Lease != store.NoLease) {
			return true
		}
	}
	return false
}

// keepAlive restarts id's full TTL.
func (l *lessor) keepAlive(id store.LeaseID) (time.Duration, bool) {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	le := l.leases[id]
	if le == nil || !now.Before(le.deadline) {
		return 0, false
	}
	le.deadline = now.Add(le.ttl)
	return le.ttl, true
}

// status describes id.
func (l *lessor) status(id store.LeaseID) (store.LeaseStatus, bool) {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	le := l.leases[id]
	if le == nil || !now.Before(le.deadline) {
		return store.LeaseStatus{}, false
	}
	st := store.LeaseStatus{ID: id, TTL: le.ttl, Remaining: le.deadline.Sub(now), Keys: make([]string, 0, len(le.keys))}
	for k := range le.keys {
		st.Keys = append(st.Keys, k)
	}
	sort.Strings(st.Keys)
	return st, true
}

// expired returns the leases whose deadline has passed, in ID order.
func (l *lessor) expired() []store.LeaseID {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []store.LeaseID
	for id, le := range l.leases {
		if !now.Before(le.deadline) {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// runExpiry is the goroutine that revokes expired leases, each in one
// write, checking every leaseCheckInterval of the store's Clock.
func (s *Store) runExpiry(t Ticker) {
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C():
		}
		ids := s.lessor.expired()
		if len(ids) == 0 {
			continue
		}
		// Queue them all before waiting, so they share one commit.
		ctx := context.Background()
		var sent []*request
		for _, id := range ids {
			r := &request{kind: reqExpire, lease: id}
			if err := s.send(ctx, r); err != nil {
				break // closed or failed: nothing more to do
			}
			sent = append(sent, r)
		}
		for _, r := range sent {
			if res := s.wait(ctx, r); res.err != nil && !s.closed.Load() {
				s.log.Error(res.err, "revoke expired lease", "lease", int64(r.lease))
			}
		}
	}
}

// Grant creates a lease. ttl is rounded up to whole seconds; it must be
// positive and at most 9,000,000,000 s (etcd's limit), else ErrInvalid. The
// lease is durable when Grant returns. It consumes no revision.
func (s *Store) Grant(ctx context.Context, ttl time.Duration) (store.Lease, error) {
	if ttl <= 0 || ttl > maxLeaseTTL {
		return store.Lease{}, fmt.Errorf("grant lease with TTL %v: %w: want more than 0 and at most %v", ttl, store.ErrInvalid, maxLeaseTTL)
	}
	secs := int64((ttl + time.Second - 1) / time.Second)
	res := s.submit(ctx, &request{kind: reqGrant, ttlSeconds: secs})
	if res.err != nil {
		return store.Lease{}, fmt.Errorf("grant lease: %w", res.err)
	}
	return res.lease, nil
}

// KeepAlive restarts the lease's full TTL and returns it; ErrLeaseNotFound
// when the lease is unknown, revoked or already past its deadline. A
// keep-alive lives in memory only (no disk write), as in etcd: after a
// restart every lease starts over with its full TTL anyway.
func (s *Store) KeepAlive(ctx context.Context, id store.LeaseID) (time.Duration, error) {
	if err := s.callErr(ctx); err != nil {
		return 0, fmt.Errorf("keep lease %d alive: %w", id, err)
	}
	ttl, ok := s.lessor.keepAlive(id)
	if !ok {
		return 0, fmt.Errorf("keep lease %d alive: %w", id, store.ErrLeaseNotFound)
	}
	return ttl, nil
}

// Revoke deletes every key attached to the lease in one write (one
// revision; none if it has no keys) and ends the lease; ErrLeaseNotFound
// when it is unknown, revoked or past its deadline (its keys are then being
// deleted by expiry).
func (s *Store) Revoke(ctx context.Context, id store.LeaseID) error {
	if id == store.NoLease {
		return fmt.Errorf("revoke lease %d: %w", id, store.ErrLeaseNotFound)
	}
	if err := s.callErr(ctx); err != nil {
		return fmt.Errorf("revoke lease %d: %w", id, err)
	}
	if !s.lessor.alive(id) {
		return fmt.Errorf("revoke lease %d: %w", id, store.ErrLeaseNotFound)
	}
	res := s.submit(ctx, &request{kind: reqRevoke, lease: id})
	if res.err != nil {
		return fmt.Errorf("revoke lease %d: %w", id, res.err)
	}
	return nil
}

// TimeToLive describes a live lease: its TTL, the time left and its keys
// in byte order; ErrLeaseNotFound when it is unknown, revoked or past its
// deadline.
func (s *Store) TimeToLive(ctx context.Context, id store.LeaseID) (store.LeaseStatus, error) {
	if err := s.callErr(ctx); err != nil {
		return store.LeaseStatus{}, fmt.Errorf("lease %d time to live: %w", id, err)
	}
	st, ok := s.lessor.status(id)
	if !ok {
		return store.LeaseStatus{}, fmt.Errorf("lease %d time to live: %w", id, store.ErrLeaseNotFound)
	}
	return st, nil
}
