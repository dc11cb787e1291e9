package raftstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/raftstore/raftpb"
)

// watchLeadership follows this replica's leadership. On gaining it, the
// replica commits a barrier (an entry of its own term, so its commit index
// is current and every earlier entry is applied here), restarts every
// lease's TTL in full (keep-alives went to the old leader), and only then
// serves leader reads and lease calls, in that term only.
func (s *Store) watchLeadership() {
	ch := s.raft.LeaderCh()
	for {
		select {
		case <-s.stop:
			return
		case <-ch:
		}
		s.ready.clear()
		for s.raft.State() == raft.Leader && !s.closed() {
			term := s.raft.CurrentTerm()
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
			err := s.futureErr(ctx, s.raft.Barrier(s.cfg.RequestTimeout))
			cancel()
			// A barrier that committed after leadership was lost and
			// regained belongs to the later term: commit one that is
			// known to be of the term readiness is granted for.
			if err == nil && s.raft.State() == raft.Leader && s.raft.CurrentTerm() == term {
				s.engine().RenewLeases()
				s.ready.set(term)
				break
			}
		}
	}
}

// readiness is the term in which this replica became a ready leader. A
// replica that loses leadership and wins it again before watchLeadership
// sees the change must not serve as ready in the new term on the strength
// of the old term's barrier: entries committed by another leader in
// between may not be applied here yet. So readiness names its term, and is
// only good while the replica's current term is that term.
type readiness struct {
	mu   sync.Mutex
	term uint64        // 0: not ready
	ch   chan struct{} // closed when term is set; replaced by clear
}

// set marks the replica ready in term.
func (r *readiness) set(term uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch == nil {
		r.ch = make(chan struct{})
	}
	r.term = term
	select {
	case <-r.ch:
	default:
		close(r.ch)
	}
}

// clear marks the replica not ready.
func (r *readiness) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.term = 0
	if r.ch == nil {
		r.ch = make(chan struct{})
		return
	}
	select {
	case <-r.ch:
		r.ch = make(chan struct{})
	default:
	}
}

// state returns the term the replica is ready in (0 for none) and a
// channel closed once it is ready in some term.
func (r *readiness) state() (uint64, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch == nil {
		r.ch = make(chan struct{})
	}
	return r.term, r.ch
}

// readyIn reports whether the replica is ready in term.
func (r *readiness) readyIn(term uint64) bool {
	t, _ := r.state()
	return t != 0 && t == term
}

// waitReady waits until this replica serves as a ready leader; it fails
// with errRetry if leadership is lost meanwhile.
func (s *Store) waitReady(ctx context.Context) error {
	for {
		term, ch := s.ready.state()
		if s.raft.State() != raft.Leader {
			return errRetry
		}
		if term != 0 && term == s.raft.CurrentTerm() {
			return nil
		}
		if term != 0 {
			// Ready in an earlier term: watchLeadership has not yet seen
			// this one begin. It clears readiness when it does.
			ch = nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%w: leader not ready: %w", ErrNoLeader, ctx.Err())
		case <-s.stop:
			return fmt.Errorf("raftstore: %w", store.ErrClosed)
		case <-time.After(50 * time.Millisecond):
			// Re-check leadership and term: readiness is never signalled
			// if leadership was lost before the barrier committed.
		}
	}
}

// expireLeases is the leader's expiry loop: leases past their deadline on
// the leader are replicated as expire commands (ordinary deletes of their
// keys in one revision on every replica).
func (s *Store) expireLeases() {
	t := time.NewTicker(leaseCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if !s.isReadyLeader() {
			continue
		}
		for _, id := range s.engine().ExpiredLeases() {
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
			r, err := s.propose(ctx, &raftpb.Command{Kind: raftpb.Kind_KIND_EXPIRE, Lease: int64(id)})
			cancel()
			if err == nil {
				err = r.Err
			}
			if err != nil && !s.closed() {
				s.log.Error(err, "expire lease", "lease", int64(id))
			}
		}
	}
}

func (s *Store) isReadyLeader() bool {
	return s.raft.State() == raft.Leader && s.ready.readyIn(s.raft.CurrentTerm())
}

// Grant grants a lease, replicated; see store.Lessor.
func (s *Store) Grant(ctx context.Context, ttl time.Duration) (store.Lease, error) {
	r, err := s.propose(ctx, &raftpb.Command{Kind: raftpb.Kind_KIND_GRANT, TtlNanos: int64(ttl)})
	if err != nil {
		return store.Lease{}, fmt.Errorf("grant lease: %w", err)
	}
	return r.Lease, r.Err
}

// Revoke revokes a lease and deletes its keys in one revision; see
// store.Lessor.
func (s *Store) Revoke(ctx context.Context, id store.LeaseID) error {
	if id == store.NoLease {
		return fmt.Errorf("revoke lease %d: %w", id, store.ErrLeaseNotFound)
	}
	r, err := s.propose(ctx, &raftpb.Command{Kind: raftpb.Kind_KIND_REVOKE, Lease: int64(id)})
	if err != nil {
		return fmt.Errorf("revoke lease %d: %w", id, err)
	}
	return r.Err
}

// KeepAlive restarts a lease's TTL on the leader, which alone decides
// expiry; see store.Lessor.
func (s *Store) KeepAlive(ctx context.Context, id store.LeaseID) (time.Duration, error) {
	var ttl time.Duration
	err := s.onLeader(ctx, func(ctx context.Context) error {
		d, err := s.engine().KeepAlive(ctx, id)
		ttl = d
		return err
	}, func(ctx context.Context, c raftpb.ForwardClient) error {
		r, err := c.KeepAlive(ctx, &raftpb.LeaseRequest{Id: int64(id)})
		if err != nil {
			return err
		}
		ttl = time.Duration(r.TtlNanos)
		return nil
	})
	if err != nil {
		return 0, leaseErr("keep lease %d alive", id, err)
	}
	return ttl, nil
}

// TimeToLive reports a lease's status as the leader sees it; see
// store.Lessor.
func (s *Store) TimeToLive(ctx context.Context, id store.LeaseID) (store.LeaseStatus, error) {
	var st store.LeaseStatus
	err := s.onLeader(ctx, func(ctx context.Context) error {
		r, err := s.engine().TimeToLive(ctx, id)
		st = r
		return err
	}, func(ctx context.Context, c raftpb.ForwardClient) error {
		r, err := c.TimeToLive(ctx, &raftpb.LeaseRequest{Id: int64(id)})
		if err != nil {
			return err
		}
		st = store.LeaseStatus{ID: id, TTL: time.Duration(r.TtlNanos), Remaining: time.Duration(r.RemainingNanos), Keys: make([]string, 0, len(r.Keys))}
		for _, k := range r.Keys {
			st.Keys = append(st.Keys, string(k))
		}
		return nil
	})
	if err != nil {
		return store.LeaseStatus{}, leaseErr("lease %d time to live", id, err)
	}
	return st, nil
}

// leaseErr maps a forwarded lease error back to the store's errors.
func leaseErr(format string, id store.LeaseID, err error) error {
	if status.Code(err) == codes.NotFound {
		return fmt.Errorf(format+": %w", id, store.ErrLeaseNotFound)
	}
	if errors.Is(err, store.ErrLeaseNotFound) {
		return err
	}
	return fmt.Errorf(format+": %w", id, err)
}

// onLeader runs local on this replica when it is the ready leader, or
// remote against the leader, retrying while there is none.
func (s *Store) onLeader(ctx context.Context, local func(context.Context) error, remote func(context.Context, raftpb.ForwardClient) error) error {
	if err := s.callErr(ctx); err != nil {
		return err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		addr, id := s.raft.LeaderWithID()
		switch {
		case string(id) == s.cfg.ID:
			err := s.waitReady(ctx)
			if err == nil {
				return local(ctx)
			}
			if !errors.Is(err, errRetry) {
				return err
			}
		case addr != "":
			c, err := s.client(string(addr))
			if err != nil {
				return err
			}
			err = remote(ctx, c)
			if err == nil || (status.Code(err) != codes.FailedPrecondition && status.Code(err) != codes.Unavailable) {
				return err
			}
		}
		if err := s.retryWait(ctx, attempt); err != nil {
			return err
		}
	}
}

// forwardServer serves the forwarding service: only the leader answers.
type forwardServer struct {
	raftpb.UnimplementedForwardServer
	s *Store
}

var errNotLeader = status.Error(codes.FailedPrecondition, "raftstore: not the leader")

// leadershipLostMsg is the message of the Aborted status Propose answers
// when the leader appended the command and then lost leadership (so it
// may still commit); other failures to apply are Aborted with other
// messages.
const leadershipLostMsg = "raftstore: leadership lost before the command committed"

// isLeadershipLost reports whether a forwarded Propose failed with
// leadershipLostMsg.
func isLeadershipLost(err error) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.Aborted && st.Message() == leadershipLostMsg
}

func (f *forwardServer) Propose(ctx context.Context, req *raftpb.ProposeRequest) (*raftpb.ProposeResponse, error) {
	s := f.s
	if s.raft.State() != raft.Leader {
		return nil, errNotLeader
	}
	data, err := proto.Marshal(req.Command)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "raftstore: encode command: %v", err)
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	idx, err := s.applyAsLeader(ctx, data)
	if err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipTransferInProgress) {
			return nil, errNotLeader
		}
		if errors.Is(err, raft.ErrLeadershipLost) {
			return nil, status.Error(codes.Aborted, leadershipLostMsg)
		}
		return nil, status.Errorf(codes.Aborted, "raftstore: apply: %v", err)
	}
	return &raftpb.ProposeResponse{Index: idx}, nil
}

func (f *forwardServer) ReadIndex(ctx context.Context, _ *raftpb.ReadIndexRequest) (*raftpb.ReadIndexResponse, error) {
	s := f.s
	if s.raft.State() != raft.Leader {
		return nil, errNotLeader
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	idx, err := s.leaderReadIndex(ctx)
	if errors.Is(err, errRetry) {
		return nil, errNotLeader
	}
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "%v", err)
	}
	return &raftpb.ReadIndexResponse{Index: idx}, nil
}

func (f *forwardServer) ready(ctx context.Context) error {
	s := f.s
	if s.raft.State() != raft.Leader {
		return errNotLeader
	}
	if err := s.waitReady(ctx); err != nil {
		return errNotLeader
	}
	return nil
}

func (f *forwardServer) KeepAlive(ctx context.Context, req *raftpb.LeaseRequest) (*raftpb.KeepAliveResponse, error) {
	if err := f.ready(ctx); err != nil {
		return nil, err
	}
	ttl, err := f.s.engine().KeepAlive(ctx, store.LeaseID(req.Id))
	if err != nil {
		return nil, grpcErr(err)
	}
	return &raftpb.KeepAliveResponse{TtlNanos: int64(ttl)}, nil
}

func (f *forwardServer) TimeToLive(ctx context.Context, req *raftpb.LeaseRequest) (*raftpb.TimeToLiveResponse, error) {
	if err := f.ready(ctx); err != nil {
		return nil, err
	}
	st, err := f.s.engine().TimeToLive(ctx, store.LeaseID(req.Id))
	if err != nil {
		return nil, grpcErr(err)
	}
	out := &raftpb.TimeToLiveResponse{TtlNanos: int64(st.TTL), RemainingNanos: int64(st.Remaining)}
	for _, k := range st.Keys {
		out.Keys = append(out.Keys, []byte(k))
	}
	return out, nil
}

func (f *forwardServer) ChangeMembership(ctx context.Context, req *raftpb.MembershipRequest) (*raftpb.MembershipResponse, error) {
	s := f.s
	if s.raft.State() != raft.Leader {
		return nil, errNotLeader
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	err := s.applyMembership(ctx, req)
	switch {
	case err == nil:
		return &raftpb.MembershipResponse{}, nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return nil, errNotLeader
	case errors.Is(err, store.ErrInvalid):
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return nil, status.Errorf(codes.Aborted, "raftstore: %v", err)
}

func grpcErr(err error) error {
	if errors.Is(err, store.ErrLeaseNotFound) {
		return status.Error(codes.NotFound, err.Error())
	}
	return status.Error(codes.Unknown, err.Error())
}
