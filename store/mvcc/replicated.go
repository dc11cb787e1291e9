package mvcc

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rigging-dev/rigging/store"
)

// This file is the entry point for a replication layer (store/raftstore):
// it applies commands taken from a replicated log in log order, persisting
// the log index of each with its effect in the same bbolt transaction, so
// that after a crash the layer knows exactly which commands the file holds
// and never applies one twice.

// metaApplied is the meta key of the last replicated log index applied.
var metaApplied = []byte("applied")

// CommandKind is what a replicated command asks the store to do.
type CommandKind uint8

// The kinds of replicated command.
const (
	// CommandCreate writes Key only if absent, as Store.Create.
	CommandCreate CommandKind = iota + 1
	// CommandPut writes Key unconditionally, as Store.Put.
	CommandPut
	// CommandUpdate writes Key only if present (and at
	// ExpectedModRevision when set), as Store.Update.
	CommandUpdate
	// CommandDelete removes Key, as Store.Delete.
	CommandDelete
	// CommandTxn applies Txn, as Store.Txn (a read-only one too, at its
	// place in the log).
	CommandTxn
	// CommandGrant grants a lease of TTL, as Store.Grant.
	CommandGrant
	// CommandRevoke revokes Lease and deletes its keys, as Store.Revoke.
	CommandRevoke
	// CommandExpire is CommandRevoke decided by the replication leader's
	// expiry: a lease already gone is no error.
	CommandExpire
	// CommandCompact compacts at Revision, as Store.Compact; removal of
	// the obsolete records goes on in the background afterwards.
	CommandCompact
)

// Command is one replicated write. Index is its position in the
// replicated log: commands must be applied in increasing Index order.
type Command struct {
	Index               uint64
	Kind                CommandKind
	Key                 string
	Value               []byte
	Lease               store.LeaseID
	ExpectedModRevision int64
	Txn                 *store.Txn
	TTL                 time.Duration
	Revision            int64
}

// CommandResult is the outcome of one Command: the field matching its
// kind, or Err, an error of the same form the corresponding Store method
// returns (a rejected command consumes no revision; its index is recorded
// all the same).
type CommandResult struct {
	Write store.WriteResponse
	Txn   store.TxnResponse
	Lease store.Lease
	Err   error
}

// ApplyReplicated applies cmds in order through the writer, with group
// commit, and returns one result per command. Each result is durable when
// returned unless Options.SyncInterval defers the commit (see SyncedIndex). The highest Index of the
// commands in each committed transaction is persisted in it, so
// AppliedIndex never runs ahead of or behind what the file holds. The
// outcome of each command depends only on the store's state and the
// commands before it (leases are checked for existence, not local
// deadline, when Options.Replicated is set), so replicas fed the same log
// reach the same revisions. A storage failure fails the remaining
// commands with that error.
func (s *Store) ApplyReplicated(cmds []Command) []CommandResult {
	out := make([]CommandResult, len(cmds))
	reqs := make([]*request, len(cmds))
	ctx := context.Background()
	for i := range cmds {
		r, err := s.commandRequest(&cmds[i])
		if err != nil {
			out[i].Err = err
			continue
		}
		if err := s.send(ctx, r); err != nil {
			out[i].Err = err
			continue
		}
		reqs[i] = r
	}
	for i, r := range reqs {
		if r == nil {
			continue
		}
		res := s.wait(ctx, r)
		c := &cmds[i]
		out[i] = CommandResult{Write: res.write, Txn: res.txn, Lease: res.lease}
		if res.err != nil {
			out[i].Err = commandErr(c, res.err)
			continue
		}
		if c.Kind == CommandCompact {
			rev := c.Revision
			s.spawn(func() {
				s.compactMu.Lock()
				defer s.compactMu.Unlock()
				if err := s.removeCompacted(rev); err != nil {
					s.log.Error(err, "remove compacted records", "revision", rev)
				}
			})
		}
	}
	return out
}

// commandRequest validates c as the Store method of its kind does and
// builds its writer request.
func (s *Store) commandRequest(c *Command) (*request, error) {
	switch c.Kind {
	case CommandCreate, CommandPut, CommandUpdate:
		op, mode := "put", modePut
		switch c.Kind {
		case CommandCreate:
			op, mode = "create", modeCreate
		case CommandUpdate:
			op, mode = "update", modeUpdate
		}
		v, err := s.checkWrite(op, c.Key, c.Value)
		if err != nil {
			return nil, err
		}
		if c.ExpectedModRevision < 0 {
			return nil, fmt.Errorf("%s %q: %w: negative expected mod revision %d", op, c.Key, store.ErrInvalid, c.ExpectedModRevision)
		}
		if c.Lease < 0 {
			return nil, fmt.Errorf("%s %q: attach to lease %d: %w", op, c.Key, c.Lease, store.ErrLeaseNotFound)
		}
		return &request{kind: reqPut, mode: mode, key: c.Key, value: v, lease: c.Lease, expected: c.ExpectedModRevision, size: len(c.Key) + len(v), index: c.Index}, nil
	case CommandDelete:
		if err := s.opts.Limits.CheckKey(c.Key); err != nil {
			return nil, fmt.Errorf("delete: %w", err)
		}
		if c.ExpectedModRevision < 0 {
			return nil, fmt.Errorf("delete %q: %w: negative expected mod revision %d", c.Key, store.ErrInvalid, c.ExpectedModRevision)
		}
		return &request{kind: reqDelete, key: c.Key, expected: c.ExpectedModRevision, size: len(c.Key), index: c.Index}, nil
	case CommandTxn:
		if c.Txn == nil {
			return nil, fmt.Errorf("txn: %w: no transaction in command %d", store.ErrInvalid, c.Index)
		}
		t, _, err := s.checkTxn(*c.Txn)
		if err != nil {
			return nil, fmt.Errorf("txn: %w", err)
		}
		size := 0
		for _, br := range [][]store.Op{t.Then, t.Else} {
			for _, op := range br {
				size += len(op.Key) + len(op.Value)
			}
		}
		return &request{kind: reqTxn, txn: t, size: size, index: c.Index}, nil
	case CommandGrant:
		if c.TTL <= 0 || c.TTL > maxLeaseTTL {
			return nil, fmt.Errorf("grant lease with TTL %v: %w: want more than 0 and at most %v", c.TTL, store.ErrInvalid, maxLeaseTTL)
		}
		secs := int64((c.TTL + time.Second - 1) / time.Second)
		return &request{kind: reqGrant, ttlSeconds: secs, index: c.Index}, nil
	case CommandRevoke:
		if c.Lease == store.NoLease {
			return nil, fmt.Errorf("revoke lease %d: %w", c.Lease, store.ErrLeaseNotFound)
		}
		return &request{kind: reqRevoke, lease: c.Lease, index: c.Index}, nil
	case CommandExpire:
		return &request{kind: reqExpire, lease: c.Lease, index: c.Index}, nil
	case CommandCompact:
		if err := store.CheckRevision(c.Revision); err != nil {
			return nil, fmt.Errorf("compact: %w", err)
		}
		return &request{kind: reqCompact, rev: c.Revision, index: c.Index}, nil
	}
	return nil, fmt.Errorf("mvcc: %w: unknown command kind %d at index %d", store.ErrInvalid, c.Kind, c.Index)
}

// commandErr wraps a writer error as the Store method of c's kind does.
func commandErr(c *Command, err error) error {
	switch c.Kind {
	case CommandCreate:
		return wrapOp("create", c.Key, err)
	case CommandPut:
		return wrapOp("put", c.Key, err)
	case CommandUpdate:
		return wrapOp("update", c.Key, err)
	case CommandDelete:
		return wrapOp("delete", c.Key, err)
	case CommandTxn:
		return fmt.Errorf("txn: %w", err)
	case CommandGrant:
		return fmt.Errorf("grant lease: %w", err)
	case CommandRevoke, CommandExpire:
		return fmt.Errorf("revoke lease %d: %w", c.Lease, err)
	case CommandCompact:
		return fmt.Errorf("compact at revision %d: %w", c.Revision, err)
	}
	return err
}

// AppliedIndex returns the highest replicated log index whose command the
// file holds (0 for a store never fed by ApplyReplicated).
func (s *Store) AppliedIndex() uint64 { return s.applied.Load() }

// loadApplied reads the persisted applied index at open.
func (s *Store) loadApplied() error {
	return s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(metaBucket).Get(metaApplied)
		if v == nil {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("mvcc: %s: applied index of %d bytes, want 8", s.opts.Path, len(v))
		}
		s.applied.Store(binary.BigEndian.Uint64(v))
		return nil
	})
}

// persistApplied writes the batch's highest replicated index, if it
// advances the persisted one, in the batch's transaction.
func (b *batch) persistApplied() error {
	for _, r := range b.reqs {
		b.applied = max(b.applied, r.index)
	}
	if b.applied <= b.s.applied.Load() {
		b.applied = 0
		return nil
	}
	if err := b.put(walMeta, metaApplied, uint64Bytes(b.applied)); err != nil {
		return fmt.Errorf("mvcc: write applied index %d: %w", b.applied, err)
	}
	b.metaDirty = true
	return nil
}

// leaseUsable reports whether a key may be attached to lease id: it must
// exist and, unless the store is replicated, not have passed its local
// deadline.
func (s *Store) leaseUsable(id store.LeaseID) bool {
	if s.opts.Replicated {
		return s.lessor.exists(id)
	}
	return s.lessor.alive(id)
}

// ExpiredLeases returns the leases whose local deadline has passed, in
// increasing order; the replication leader turns them into CommandExpire.
func (s *Store) ExpiredLeases() []store.LeaseID { return s.lessor.expired() }

// RenewLeases restarts every lease's TTL in full from now: a new
// replication leader calls it so that no lease expires early because its
// keep-alives went to the old leader.
func (s *Store) RenewLeases() {
	now := s.lessor.clock.Now()
	s.lessor.mu.Lock()
	defer s.lessor.mu.Unlock()
	for _, le := range s.lessor.leases {
		le.deadline = now.Add(le.ttl)
	}
}

// SnapshotView is a consistent view of the whole file, begun by
// BeginSnapshot, that can be written out later while writes go on.
type SnapshotView struct {
	tx      *bolt.Tx
	applied uint64
}

// BeginSnapshot begins a view of the file as of now: everything applied so
// far and nothing after, provided no command is applied meanwhile (the
// replication layer calls it between applies). With Options.SyncInterval
// it first commits and fsyncs every command applied so far, so the
// replicated log may be truncated up to the view's AppliedIndex. The
// caller must Release it.
func (s *Store) BeginSnapshot() (*SnapshotView, error) {
	if err := s.Sync(context.Background()); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	tx, _, err := s.view(0, func(*index, int64) bool { return true })
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	v := &SnapshotView{tx: tx}
	if b := tx.Bucket(metaBucket).Get(metaApplied); len(b) == 8 {
		v.applied = binary.BigEndian.Uint64(b)
	}
	return v, nil
}

// AppliedIndex returns the replicated index the view holds.
func (v *SnapshotView) AppliedIndex() uint64 { return v.applied }

// WriteTo writes the view as a file Restore accepts.
func (v *SnapshotView) WriteTo(ctx context.Context, w io.Writer) error {
	if _, err := v.tx.WriteTo(ctxWriter{ctx: ctx, w: w}); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// Release ends the view. It is safe to call more than once.
func (v *SnapshotView) Release() {
	if v.tx != nil {
		rollback(v.tx)
		v.tx = nil
	}
}

// ResetAppliedIndex sets the persisted applied index to 0: a file restored
// from one cluster's backup that seeds a new cluster, whose log starts
// afresh. Call it before any command is applied.
func (s *Store) ResetAppliedIndex() error {
	if err := s.Sync(context.Background()); err != nil {
		return fmt.Errorf("mvcc: reset applied index: %w", err)
	}
	s.mu.RLock()
	db := s.db
	s.mu.RUnlock()
	if db == nil {
		return errClosed()
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(metaBucket).Delete(metaApplied) }); err != nil {
		return fmt.Errorf("mvcc: reset applied index: %w", err)
	}
	s.applied.Store(0)
	s.synced.Store(0)
	return nil
}
