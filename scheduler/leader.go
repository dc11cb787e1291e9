package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// Leader election defaults, Kubernetes' figures.
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// LeaderElection configures the Lease-based election Run uses when
// several schedulers run: one holds the lease and schedules, the others
// wait to take it over.
type LeaderElection struct {
	// Disable runs without election (a single scheduler).
	Disable bool
	// Namespace and Name name the Lease; "" means "kube-system" and
	// "kube-scheduler".
	Namespace, Name string
	// Identity names this candidate; "" means a random one.
	Identity string
	// LeaseDuration is how long others wait after the last renewal before
	// taking over; 0 means 15 s. RenewDeadline is how long the leader keeps
	// trying to renew before it gives up; 0 means 10 s. RetryPeriod is the
	// interval between attempts; 0 means 2 s.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

func (le *LeaderElection) defaults() {
	if le.Namespace == "" {
		le.Namespace = "kube-system"
	}
	if le.Name == "" {
		le.Name = "kube-scheduler"
	}
	if le.Identity == "" {
		le.Identity = fmt.Sprintf("rigging-scheduler-%d", time.Now().UnixNano())
	}
	if le.LeaseDuration <= 0 {
		le.LeaseDuration = DefaultLeaseDuration
	}
	if le.RenewDeadline <= 0 {
		le.RenewDeadline = DefaultRenewDeadline
	}
	if le.RetryPeriod <= 0 {
		le.RetryPeriod = DefaultRetryPeriod
	}
}

// elector acquires and renews one Lease.
type elector struct {
	cfg    LeaderElection
	leases *client.Resource[coordinationv1.Lease]
	now    func() time.Time
}

// tryAcquireOrRenew takes the lease when it is free, expired or already
// ours, and reports whether we hold it now.
func (e *elector) tryAcquireOrRenew(ctx context.Context) (bool, error) {
	now := metav1.NewMicroTime(e.now())
	dur := int32(e.cfg.LeaseDuration / time.Second)
	l, err := e.leases.Get(ctx, e.cfg.Name, client.GetOptions{})
	if client.IsNotFound(err) {
		one := int32(0)
		_, err := e.leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: e.cfg.Name, Namespace: e.cfg.Namespace},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &e.cfg.Identity, LeaseDurationSeconds: &dur, AcquireTime: &now, RenewTime: &now, LeaseTransitions: &one},
		}, client.CreateOptions{})
		if client.IsAlreadyExists(err) {
			return false, nil
		}
		return err == nil, err
	}
	if err != nil {
		return false, err
	}
	holder := ""
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	if holder != "" && holder != e.cfg.Identity && l.Spec.RenewTime != nil {
		d := e.cfg.LeaseDuration
		if l.Spec.LeaseDurationSeconds != nil {
			d = time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second
		}
		if l.Spec.RenewTime.Time.Add(d).After(now.Time) {
			return false, nil // held by another, not expired
		}
	}
	if holder != e.cfg.Identity {
		trans := int32(0)
		if l.Spec.LeaseTransitions != nil {
			trans = *l.Spec.LeaseTransitions
		}
		trans++
		l.Spec.LeaseTransitions = &trans
		l.Spec.AcquireTime = &now
		l.Spec.HolderIdentity = &e.cfg.Identity
	}
	l.Spec.RenewTime = &now
	l.Spec.LeaseDurationSeconds = &dur
	if _, err := e.leases.Update(ctx, l, client.UpdateOptions{}); err != nil {
		if client.IsConflict(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// acquire blocks until the lease is ours or ctx ends.
func (e *elector) acquire(ctx context.Context) error {
	for {
		ok, _ := e.tryAcquireOrRenew(ctx)
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(e.cfg.RetryPeriod):
		}
	}
}

// errLostLease ends leadership.
var errLostLease = errors.New("leader election: lost the lease")

// renew keeps the lease until ctx ends (nil) or a renewal has failed for
// RenewDeadline (errLostLease).
func (e *elector) renew(ctx context.Context) error {
	last := e.now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(e.cfg.RetryPeriod):
		}
		rctx, cancel := context.WithTimeout(ctx, e.cfg.RenewDeadline)
		ok, _ := e.tryAcquireOrRenew(rctx)
		cancel()
		if ok {
			last = e.now()
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if e.now().Sub(last) >= e.cfg.RenewDeadline {
			return errLostLease
		}
	}
}

// release gives the lease up, so a standby takes over at once.
func (e *elector) release(ctx context.Context) {
	l, err := e.leases.Get(ctx, e.cfg.Name, client.GetOptions{})
	if err != nil || l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != e.cfg.Identity {
		return
	}
	empty := ""
	l.Spec.HolderIdentity = &empty
	one := int32(1)
	l.Spec.LeaseDurationSeconds = &one
	_, _ = e.leases.Update(ctx, l, client.UpdateOptions{})
}
