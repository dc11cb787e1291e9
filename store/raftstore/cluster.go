package raftstore

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
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

// Cluster returns the membership, leader and this replica's progress.
func (s *Store) Cluster(ctx context.Context) (ClusterStatus, error) {
	if s.closed() {
		return ClusterStatus{}, fmt.Errorf("raftstore: cluster status: %w", store.ErrClosed)
	}
	f := s.raft.GetConfiguration()
	if err := f.Error(); err != nil {
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

// AddVoter adds (or promotes) a voting member; it must be called on the
// leader.
func (s *Store) AddVoter(ctx context.Context, id, addr string) error {
	if err := s.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, s.timeout(ctx)).Error(); err != nil {
		return fmt.Errorf("raftstore: add voter %s at %s: %w", id, addr, err)
	}
	return nil
}

// AddNonvoter adds a non-voting member (a learner that replicates without
// voting); it must be called on the leader.
func (s *Store) AddNonvoter(ctx context.Context, id, addr string) error {
	if err := s.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(addr), 0, s.timeout(ctx)).Error(); err != nil {
		return fmt.Errorf("raftstore: add non-voter %s at %s: %w", id, addr, err)
	}
	return nil
}

// RemoveMember removes a member; it must be called on the leader.
func (s *Store) RemoveMember(ctx context.Context, id string) error {
	if err := s.raft.RemoveServer(raft.ServerID(id), 0, s.timeout(ctx)).Error(); err != nil {
		return fmt.Errorf("raftstore: remove member %s: %w", id, err)
	}
	return nil
}

// TransferLeadership hands leadership to the member id (any up-to-date
// voter when id is empty); it must be called on the leader.
func (s *Store) TransferLeadership(ctx context.Context, id string) error {
	var f raft.Future
	if id == "" {
		f = s.raft.LeadershipTransfer()
	} else {
		var addr raft.ServerAddress
		cf := s.raft.GetConfiguration()
		if err := cf.Error(); err != nil {
			return fmt.Errorf("raftstore: transfer leadership to %s: %w", id, err)
		}
		for _, m := range cf.Configuration().Servers {
			if string(m.ID) == id {
				addr = m.Address
			}
		}
		if addr == "" {
			return fmt.Errorf("raftstore: transfer leadership to %s: %w: not a member", id, store.ErrInvalid)
		}
		f = s.raft.LeadershipTransferToServer(raft.ServerID(id), addr)
	}
	if err := f.Error(); err != nil {
		return fmt.Errorf("raftstore: transfer leadership to %q: %w", id, err)
	}
	return nil
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
