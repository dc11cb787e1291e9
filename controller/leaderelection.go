package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// Defaults of LeaderElectionOptions, as client-go's and controller-runtime's.
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// LeaderElectionOptions configure NewLeaderElector.
type LeaderElectionOptions struct {
	// Client reaches the API server holding the Lease. Required.
	Client *client.Client
	// Namespace and Name name the coordination/v1 Lease. Required.
	Namespace, Name string
	// Identity names this candidate in the Lease's holderIdentity;
	// unique among candidates. Required.
	Identity string
	// LeaseDuration is how long other candidates wait, after they last saw
	// the Lease change, before taking it over. Default 15 s.
	LeaseDuration time.Duration
	// RenewDeadline is how long the leader keeps trying to renew before it
	// steps down; less than LeaseDuration. Default 10 s.
	RenewDeadline time.Duration
	// RetryPeriod is the wait between tries to acquire or renew. Default 2 s.
	RetryPeriod time.Duration
	// Clock times everything. Default RealClock.
	Clock Clock
	// OnStartedLeading runs, on a goroutine of its own, when this
	// candidate becomes leader; its ctx is cancelled when leadership ends,
	// and leadership is not given up (released) until it returns.
	OnStartedLeading func(ctx context.Context)
	// OnStoppedLeading runs when leadership ends, after OnStartedLeading
	// returned.
	OnStoppedLeading func()
	// Logger receives acquisitions, losses and failed tries. Default: discard.
	Logger logr.Logger
}

// ErrLeaderElectionLost is returned by LeaderElector.Run when the leader
// could not renew its Lease within RenewDeadline.
var ErrLeaderElectionLost = errors.New("leader election lost")

// LeaderElector campaigns for a Lease and keeps it while leader, as
// client-go's leaderelection: a candidate takes the Lease when nobody holds
// it or when it has not changed for LeaseDuration on the candidate's own
// clock; the leader renews it every RetryPeriod with a compare-and-swap on
// its resourceVersion, steps down when it could not for RenewDeadline, and
// releases it (clears holderIdentity) when its context ends.
type LeaderElector struct {
	opts   LeaderElectionOptions
	leases *client.Resource[coordinationv1.Lease]
	log    logr.Logger

	// beforeUpdate, when set (by tests), runs before each write of the
	// Lease; an error makes the write fail.
	beforeUpdate func() error

	mu           sync.Mutex // guards the fields below
	observed     coordinationv1.LeaseSpec
	observedRV   string
	observedTime time.Time
	leader       bool
}

// NewLeaderElector checks opts and returns an elector; Run campaigns.
func NewLeaderElector(opts LeaderElectionOptions) (*LeaderElector, error) {
	switch {
	case opts.Client == nil:
		return nil, errors.New("leader election: nil Client")
	case opts.Name == "" || opts.Namespace == "":
		return nil, fmt.Errorf("leader election: lease %q in namespace %q: both must be set", opts.Name, opts.Namespace)
	case opts.Identity == "":
		return nil, errors.New("leader election: empty Identity")
	}
	if opts.LeaseDuration == 0 {
		opts.LeaseDuration = DefaultLeaseDuration
	}
	if opts.RenewDeadline == 0 {
		opts.RenewDeadline = DefaultRenewDeadline
	}
	if opts.RetryPeriod == 0 {
		opts.RetryPeriod = DefaultRetryPeriod
	}
	if opts.LeaseDuration <= opts.RenewDeadline {
		return nil, fmt.Errorf("leader election: LeaseDuration %v must exceed RenewDeadline %v", opts.LeaseDuration, opts.RenewDeadline)
	}
	if opts.RenewDeadline <= opts.RetryPeriod || opts.RetryPeriod <= 0 {
		return nil, fmt.Errorf("leader election: RenewDeadline %v must exceed RetryPeriod %v > 0", opts.RenewDeadline, opts.RetryPeriod)
	}
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	leases := client.NewResource[coordinationv1.Lease](opts.Client, client.Leases).Namespace(opts.Namespace)
	return &LeaderElector{opts: opts, leases: leases,
		log: opts.Logger.WithValues("lease", opts.Namespace+"/"+opts.Name, "identity", opts.Identity)}, nil
}

// IsLeader reports whether this candidate holds the Lease now.
func (le *LeaderElector) IsLeader() bool {
	le.mu.Lock()
	defer le.mu.Unlock()
	return le.leader
}

// Run campaigns until it leads, leads until ctx ends or renewal fails,
// then stops leading (cancels OnStartedLeading's context and waits for it),
// releases the Lease if ctx ended, and calls OnStoppedLeading. It returns
// ctx's error, or ErrLeaderElectionLost.
func (le *LeaderElector) Run(ctx context.Context) error {
	if !le.acquire(ctx) {
		return ctx.Err()
	}
	le.setLeader(true)
	le.log.Info("became leader")
	leadCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if le.opts.OnStartedLeading != nil {
			le.opts.OnStartedLeading(leadCtx)
		}
	}()
	err := le.renew(ctx)
	cancel()
	<-done
	le.setLeader(false)
	if errors.Is(err, ErrLeaderElectionLost) {
		le.log.Info("lost leadership")
	} else {
		le.release()
	}
	if le.opts.OnStoppedLeading != nil {
		le.opts.OnStoppedLeading()
	}
	return err
}

func (le *LeaderElector) setLeader(v bool) {
	le.mu.Lock()
	defer le.mu.Unlock()
	le.leader = v
}

// wait waits d on the clock; false when ctx ended first.
func (le *LeaderElector) wait(ctx context.Context, d time.Duration) bool {
	t := le.opts.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

func (le *LeaderElector) acquire(ctx context.Context) bool {
	for {
		if le.tryAcquireOrRenew(ctx) {
			return true
		}
		if !le.wait(ctx, le.opts.RetryPeriod) {
			return false
		}
	}
}

// renew renews every RetryPeriod until ctx ends (returns ctx.Err()) or no
// renewal succeeded for RenewDeadline (returns ErrLeaderElectionLost).
func (le *LeaderElector) renew(ctx context.Context) error {
	last := le.opts.Clock.Now()
	for {
		if !le.wait(ctx, le.opts.RetryPeriod) {
			return ctx.Err()
		}
		rctx, cancel := context.WithTimeout(ctx, le.opts.RenewDeadline)
		ok := le.tryAcquireOrRenew(rctx)
		cancel()
		now := le.opts.Clock.Now()
		if ok {
			last = now
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if now.Sub(last) >= le.opts.RenewDeadline {
			return fmt.Errorf("lease %s/%s: no renewal for %v: %w", le.opts.Namespace, le.opts.Name, now.Sub(last), ErrLeaderElectionLost)
		}
	}
}

// tryAcquireOrRenew takes or renews the Lease once; true when this
// candidate holds it afterwards.
func (le *LeaderElector) tryAcquireOrRenew(ctx context.Context) bool {
	now := le.opts.Clock.Now()
	id := le.opts.Identity
	durSec := int32(le.opts.LeaseDuration / time.Second)
	if durSec < 1 {
		durSec = 1
	}
	mt := metav1.NewMicroTime(now)
	lease, err := le.leases.Get(ctx, le.opts.Name, client.GetOptions{})
	if client.IsNotFound(err) {
		if le.beforeUpdate != nil {
			if err := le.beforeUpdate(); err != nil {
				return false
			}
		}
		zero := int32(0)
		created, err := le.leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: le.opts.Name, Namespace: le.opts.Namespace},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &id, LeaseDurationSeconds: &durSec,
				AcquireTime: &mt, RenewTime: &mt, LeaseTransitions: &zero},
		}, client.CreateOptions{})
		if err != nil {
			le.log.V(1).Info("create lease failed", "err", err.Error())
			return false
		}
		le.observe(created, now)
		return true
	}
	if err != nil {
		le.log.V(1).Info("get lease failed", "err", err.Error())
		return false
	}
	holder := ""
	if lease.Spec.HolderIdentity != nil {
		holder = *lease.Spec.HolderIdentity
	}
	le.mu.Lock()
	if lease.ResourceVersion != le.observedRV {
		le.observed, le.observedRV, le.observedTime = *lease.Spec.DeepCopy(), lease.ResourceVersion, now
	}
	observedTime := le.observedTime
	le.mu.Unlock()
	leaseDur := le.opts.LeaseDuration
	if lease.Spec.LeaseDurationSeconds != nil && *lease.Spec.LeaseDurationSeconds > 0 {
		leaseDur = time.Duration(*lease.Spec.LeaseDurationSeconds) * time.Second
	}
	if holder != "" && holder != id && observedTime.Add(leaseDur).After(now) {
		return false // held by another, not expired
	}
	if le.beforeUpdate != nil {
		if err := le.beforeUpdate(); err != nil {
			return false
		}
	}
	next := lease.DeepCopy()
	if holder != id {
		transitions := int32(0)
		if next.Spec.LeaseTransitions != nil {
			transitions = *next.Spec.LeaseTransitions
		}
		if holder != "" {
			transitions++
		}
		next.Spec.HolderIdentity = &id
		next.Spec.AcquireTime = &mt
		next.Spec.LeaseTransitions = &transitions
	}
	next.Spec.LeaseDurationSeconds = &durSec
	next.Spec.RenewTime = &mt
	updated, err := le.leases.Update(ctx, next, client.UpdateOptions{}) // CAS on resourceVersion
	if err != nil {
		le.log.V(1).Info("update lease failed", "err", err.Error())
		return false
	}
	le.observe(updated, now)
	return true
}

func (le *LeaderElector) observe(l *coordinationv1.Lease, now time.Time) {
	le.mu.Lock()
	defer le.mu.Unlock()
	le.observed, le.observedRV, le.observedTime = *l.Spec.DeepCopy(), l.ResourceVersion, now
}

// release clears holderIdentity if this candidate still holds the Lease,
// so that another may take it at once.
func (le *LeaderElector) release() {
	ctx, cancel := context.WithTimeout(context.Background(), le.opts.RenewDeadline)
	defer cancel()
	lease, err := le.leases.Get(ctx, le.opts.Name, client.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != le.opts.Identity {
		return
	}
	lease.Spec.HolderIdentity = nil
	if _, err := le.leases.Update(ctx, lease, client.UpdateOptions{}); err != nil {
		le.log.Error(err, "release lease")
	}
}
