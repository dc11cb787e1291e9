package raftstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
	"github.com/rigging-dev/rigging/store/raftstore/raftpb"
)

// Member is one server of the cluster's configuration.
type Member struct {
	ID      string
	Address string
	// Voter is false for a non-voter (it replicates, but neither votes nor
	// counts toward quorum).
	Voter bool
}

// ClusterStatus is the cluster as this replica sees it.
type ClusterStatus struct {
	// Members is the latest configuration, in its order.
	Members []Member
	// LeaderID and LeaderAddress name the leader; empty when unknown.
	LeaderID      string
	LeaderAddress string
	// Self is this replica's ID; IsLeader whether it leads.
	Self     string
	IsLeader bool
	// AppliedIndex is the last log index applied here; CommitIndex the
	// last known committed.
	AppliedIndex uint64
	CommitIndex  uint64
	// Revision is this replica's engine revision.
	Revision int64
}

// Cluster returns the membership, leader and this replica's progress; ctx
// bounds the wait for raft's configuration (the default request timeout
// when it has no deadline).
func (s *Store) Cluster(ctx context.Context) (ClusterStatus, error) {
	if s.closed() {
		return ClusterStatus{}, fmt.Errorf("raftstore: cluster status: %w", store.ErrClosed)
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	f := s.raft.GetConfiguration()
	if err := s.futureErr(ctx, f); err != nil {
		return ClusterStatus{}, fmt.Errorf("raftstore: cluster status: %w", err)
	}
	addr, id := s.raft.LeaderWithID()
	st := ClusterStatus{
		LeaderID:      string(id),
		LeaderAddress: string(addr),
		Self:          s.cfg.ID,
		IsLeader:      string(id) == s.cfg.ID,
		AppliedIndex:  s.fsm.applied.Load(),
		CommitIndex:   s.raft.CommitIndex(),
		Revision:      s.engine().Revision(),
	}
	for _, m := range f.Configuration().Servers {
		st.Members = append(st.Members, Member{ID: string(m.ID), Address: string(m.Address), Voter: m.Suffrage == raft.Voter})
	}
	return st, nil
}

// timeout returns ctx's remaining time, or the default.
func (s *Store) timeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return time.Until(d)
	}
	return s.cfg.RequestTimeout
}

// AddVoter adds (or promotes) a voting member. Called on a follower, it
// is forwarded to the leader; it returns once the new configuration is
// committed.
func (s *Store) AddVoter(ctx context.Context, id, addr string) error {
	return s.changeMembership(ctx, &raftpb.MembershipRequest{Change: raftpb.MembershipChange_MEMBERSHIP_CHANGE_ADD_VOTER, Id: id, Address: addr})
}

// AddNonvoter adds a non-voting member (a learner that replicates without
// voting). Called on a follower, it is forwarded to the leader.
func (s *Store) AddNonvoter(ctx context.Context, id, addr string) error {
	return s.changeMembership(ctx, &raftpb.MembershipRequest{Change: raftpb.MembershipChange_MEMBERSHIP_CHANGE_ADD_NONVOTER, Id: id, Address: addr})
}

// RemoveMember removes a member (the leader itself too: it then steps
// down). Called on a follower, it is forwarded to the leader.
func (s *Store) RemoveMember(ctx context.Context, id string) error {
	return s.changeMembership(ctx, &raftpb.MembershipRequest{Change: raftpb.MembershipChange_MEMBERSHIP_CHANGE_REMOVE, Id: id})
}

// TransferLeadership hands leadership to the member id (any up-to-date
// voter when id is empty). Called on a follower, it is forwarded to the
// leader; it returns once the leader has handed over.
func (s *Store) TransferLeadership(ctx context.Context, id string) error {
	return s.changeMembership(ctx, &raftpb.MembershipRequest{Change: raftpb.MembershipChange_MEMBERSHIP_CHANGE_TRANSFER_LEADERSHIP, Id: id})
}

// changeMembership runs req on the leader: here when this replica leads,
// otherwise over the forwarding service, retrying while there is no leader
// or it moved before taking the request.
func (s *Store) changeMembership(ctx context.Context, req *raftpb.MembershipRequest) error {
	if err := s.callErr(ctx); err != nil {
		return membershipErr(req, err)
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		addr, id := s.raft.LeaderWithID()
		switch {
		case string(id) == s.cfg.ID:
			err := s.applyMembership(ctx, req)
			if !errors.Is(err, raft.ErrNotLeader) && !errors.Is(err, raft.ErrLeadershipTransferInProgress) {
				return membershipErr(req, err)
			}
		case addr != "":
			c, err := s.client(string(addr))
			if err != nil {
				return membershipErr(req, err)
			}
			_, err = c.ChangeMembership(ctx, req)
			switch {
			case err == nil:
				return nil
			case status.Code(err) == codes.FailedPrecondition:
			case status.Code(err) == codes.Unavailable && isDialFailure(err):
			case status.Code(err) == codes.InvalidArgument:
				return membershipErr(req, fmt.Errorf("%w: %s", store.ErrInvalid, status.Convert(err).Message()))
			default:
				return membershipErr(req, fmt.Errorf("forwarded to leader %s at %s: %w", id, addr, err))
			}
		}
		if err := s.retryWait(ctx, attempt); err != nil {
			return membershipErr(req, err)
		}
	}
}

func membershipErr(req *raftpb.MembershipRequest, err error) error {
	if err == nil {
		return nil
	}
	switch req.Change {
	case raftpb.MembershipChange_MEMBERSHIP_CHANGE_ADD_VOTER:
		return fmt.Errorf("raftstore: add voter %s at %s: %w", req.Id, req.Address, err)
	case raftpb.MembershipChange_MEMBERSHIP_CHANGE_ADD_NONVOTER:
		return fmt.Errorf("raftstore: add non-voter %s at %s: %w", req.Id, req.Address, err)
	case raftpb.MembershipChange_MEMBERSHIP_CHANGE_REMOVE:
		return fmt.Errorf("raftstore: remove member %s: %w", req.Id, err)
	case raftpb.MembershipChange_MEMBERSHIP_CHANGE_TRANSFER_LEADERSHIP:
		return fmt.Errorf("raftstore: transfer leadership to %q: %w", req.Id, err)
	}
	return fmt.Errorf("raftstore: membership change %v: %w", req.Change, err)
}

// applyMembership makes the change on this replica's raft, which must
// lead (raft.ErrNotLeader otherwise).
func (s *Store) applyMembership(ctx context.Context, req *raftpb.MembershipRequest) error {
	timeout := time.Until(deadline(ctx))
	var f raft.Future
	switch req.Change {
	case raftpb.MembershipChange_MEMBERSHIP_CHANGE_ADD_VOTER:
		f = s.raft.AddVoter(raft.ServerID(req.Id), raft.ServerAddress(req.Address), 0, timeout)
	case raftpb.MembershipChange_MEMBERSHIP_CHANGE_ADD_NONVOTER:
		f = s.raft.AddNonvoter(raft.ServerID(req.Id), raft.ServerAddress(req.Address), 0, timeout)
	case raftpb.MembershipChange_MEMBERSHIP_CHANGE_REMOVE:
		f = s.raft.RemoveServer(raft.ServerID(req.Id), 0, timeout)
	case raftpb.MembershipChange_MEMBERSHIP_CHANGE_TRANSFER_LEADERSHIP:
		if req.Id == "" {
			f = s.raft.LeadershipTransfer()
			break
		}
		var addr raft.ServerAddress
		cf := s.raft.GetConfiguration()
		if err := s.futureErr(ctx, cf); err != nil {
			return err
		}
		for _, m := range cf.Configuration().Servers {
			if string(m.ID) == req.Id {
				addr = m.Address
			}
		}
		if addr == "" {
			return fmt.Errorf("%w: %s is not a member", store.ErrInvalid, req.Id)
		}
		f = s.raft.LeadershipTransferToServer(raft.ServerID(req.Id), addr)
	default:
		return fmt.Errorf("%w: unknown membership change %v", store.ErrInvalid, req.Change)
	}
	return s.futureErr(ctx, f)
}

// Backup writes a consistent copy of this replica's engine, as of a
// linearizable point (unless ctx is WithSerializable), to w. Seed turns it
// into the data directory of a new cluster's first replica.
func (s *Store) Backup(ctx context.Context, w io.Writer) error {
	if err := s.linearize(ctx); err != nil {
		return fmt.Errorf("raftstore: backup: %w", err)
	}
	v, err := s.engine().BeginSnapshot()
	if err != nil {
		return fmt.Errorf("raftstore: backup: %w", err)
	}
	defer v.Release()
	if err := v.WriteTo(ctx, w); err != nil {
		return fmt.Errorf("raftstore: backup: %w", err)
	}
	return nil
}

// Seed prepares dir, which must not hold a replica yet, from a backup made
// by Backup: Open with Bootstrap on that dir then starts a new cluster
// serving the backup's keys, revisions and leases (with full TTLs). The
// backup's applied index is reset: the new cluster's log starts afresh.
func Seed(backup io.Reader, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("raftstore: seed %s: %w", dir, err)
	}
	path := filepath.Join(dir, engineFile)
	if err := mvcc.Restore(backup, path); err != nil {
		return fmt.Errorf("raftstore: seed %s: %w", dir, err)
	}
	db, err := mvcc.Open(context.Background(), mvcc.Options{Path: path, Replicated: true})
	if err != nil {
		return fmt.Errorf("raftstore: seed %s: %w", dir, err)
	}
	err = db.ResetAppliedIndex()
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("raftstore: seed %s: %w", dir, err)
	}
	return nil
}
