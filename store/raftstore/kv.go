package raftstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
	"github.com/rigging-dev/rigging/store/raftstore/raftpb"
)

var (
	// ErrNoLeader is returned when no leader could be reached before the
	// call's deadline; a write that fails with it was not applied.
	ErrNoLeader = errors.New("raftstore: no leader")
	// ErrIndeterminate is returned when a write was handed to raft but its
	// outcome could not be learned, as with any store whose caller stops
	// waiting: the call's deadline passed, the store closed, or the
	// connection to the leader broke before it answered. A write whose
	// leader lost leadership after appending it is not answered with it
	// unless the outcome stays unknown: the replica learns from the next
	// leader whether it was applied, and makes it again if not.
	ErrIndeterminate = errors.New("raftstore: outcome of write unknown")
)

// serializableKey marks a context for serializable reads.
type serializableKey struct{}

// WithSerializable returns a context under which reads (Get, List,
// read-only Txn) are served from this replica's engine as it stands,
// without confirming with the leader: faster, possibly stale (a follower
// may lag), never reading uncommitted data. Without it, reads are
// linearizable: they see every write acknowledged anywhere before they
// began.
func WithSerializable(ctx context.Context) context.Context {
	return context.WithValue(ctx, serializableKey{}, true)
}

func isSerializable(ctx context.Context) bool {
	v, _ := ctx.Value(serializableKey{}).(bool)
	return v
}

// callErr is the error a call fails with before doing anything: the
// store is closed or ctx is done.
func (s *Store) callErr(ctx context.Context) error {
	if s.closed() {
		return fmt.Errorf("raftstore: %w", store.ErrClosed)
	}
	return ctx.Err()
}

// withTimeout gives ctx the default deadline when it has none.
func (s *Store) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.cfg.RequestTimeout)
}

// retryWait waits before retrying a call that found no leader.
func (s *Store) retryWait(ctx context.Context, attempt int) error {
	d := min(time.Duration(1<<min(attempt, 6))*time.Millisecond, 100*time.Millisecond)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.stop:
		return fmt.Errorf("raftstore: %w", store.ErrClosed)
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrNoLeader, ctx.Err())
	}
}

// propose replicates cmd and returns the result of applying it on this
// replica (so the caller reads its own write here). A command whose leader
// lost leadership after appending it (so it may or may not commit) has its
// outcome learned from the next leader (see resolve), and is proposed
// again if it was not applied.
func (s *Store) propose(ctx context.Context, cmd *raftpb.Command) (mvcc.CommandResult, error) {
	if err := s.callErr(ctx); err != nil {
		return mvcc.CommandResult{}, err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	cmd.Origin = s.cfg.ID
	for {
		r, err := s.proposeOnce(ctx, cmd)
		if !errors.Is(err, errNotApplied) {
			return r, err
		}
	}
}

// errNotApplied marks a proposal that lost its leader and is known never
// to be applied: it is made again.
var errNotApplied = errors.New("raftstore: not applied")

// errLeadershipLost marks a proposal the leader appended to its log and
// then lost leadership before it committed: it commits if the next leader
// holds it, and never otherwise.
var errLeadershipLost = errors.New("raftstore: leadership lost")

// proposeOnce is one attempt of propose, under a new request ID.
func (s *Store) proposeOnce(ctx context.Context, cmd *raftpb.Command) (mvcc.CommandResult, error) {
	cmd.RequestId = s.reqSeq.Add(1)
	ch := s.fsm.register(cmd.RequestId)
	defer s.fsm.unregister(cmd.RequestId)
	data, err := proto.Marshal(cmd)
	if err != nil {
		return mvcc.CommandResult{}, fmt.Errorf("raftstore: encode command: %w", err)
	}
	restores := s.fsm.restores.Load()
	if err := s.submit(ctx, data, cmd); err != nil {
		if errors.Is(err, errLeadershipLost) {
			return s.resolve(ctx, ch, restores, err)
		}
		return mvcc.CommandResult{}, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return mvcc.CommandResult{}, fmt.Errorf("%w: committed, not yet applied here: %w", ErrIndeterminate, ctx.Err())
	case <-s.stop:
		return mvcc.CommandResult{}, fmt.Errorf("%w: %w", ErrIndeterminate, store.ErrClosed)
	}
}

// resolve learns the outcome of a proposal whose leader lost leadership
// after appending it (cause). It waits until this replica has applied
// everything a ready leader of a later term has committed: that leader
// committed an entry of its own term first, which commits the proposal
// along with it if its log holds it; if it does not, the proposal can
// never commit (a log never holds an entry of an older term after one of
// a newer term). So the result is here by then, or it never comes
// (errNotApplied). A snapshot installed meanwhile could have carried the
// proposal without its result reaching this replica's caller: then, and
// when no leader answers in time, the outcome stays unknown (cause).
func (s *Store) resolve(ctx context.Context, ch <-chan mvcc.CommandResult, restores uint64, cause error) (mvcc.CommandResult, error) {
	if err := s.catchUp(ctx); err != nil {
		return mvcc.CommandResult{}, fmt.Errorf("%w; learning its outcome: %w", cause, err)
	}
	select {
	case r := <-ch:
		s.log.V(1).Info("a write whose leader lost leadership was applied")
		return r, nil
	default:
	}
	if s.fsm.restores.Load() != restores {
		return mvcc.CommandResult{}, fmt.Errorf("%w; a snapshot was installed meanwhile", cause)
	}
	s.log.V(1).Info("a write whose leader lost leadership was not applied; making it again")
	return mvcc.CommandResult{}, errNotApplied
}

// submit appends data to the log through the leader, retrying while
// there is none or it moved (when the command certainly was not appended).
func (s *Store) submit(ctx context.Context, data []byte, cmd *raftpb.Command) error {
	for attempt := 0; ; attempt++ {
		if s.closed() {
			return fmt.Errorf("raftstore: %w", store.ErrClosed)
		}
		addr, id := s.raft.LeaderWithID()
		switch {
		case string(id) == s.cfg.ID:
			_, err := s.applyAsLeader(ctx, data)
			switch {
			case err == nil:
				return nil
			case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
			case errors.Is(err, raft.ErrRaftShutdown):
				return fmt.Errorf("raftstore: %w", store.ErrClosed)
			case errors.Is(err, raft.ErrLeadershipLost):
				return fmt.Errorf("%w: %w: %w", ErrIndeterminate, errLeadershipLost, err)
			default:
				return fmt.Errorf("%w: %w", ErrIndeterminate, err)
			}
		case addr != "":
			c, err := s.client(string(addr))
			if err != nil {
				return err
			}
			_, err = c.Propose(ctx, &raftpb.ProposeRequest{Command: cmd})
			switch {
			case err == nil:
				return nil
			case status.Code(err) == codes.FailedPrecondition:
			case status.Code(err) == codes.Unavailable && isDialFailure(err):
			case isLeadershipLost(err):
				return fmt.Errorf("%w: %w: leader %s at %s", ErrIndeterminate, errLeadershipLost, id, addr)
			default:
				return fmt.Errorf("%w: forward to leader %s at %s: %w", ErrIndeterminate, id, addr, err)
			}
		}
		if err := s.retryWait(ctx, attempt); err != nil {
			return err
		}
	}
}

// applyAsLeader appends data to the log of this replica, the leader, and
// waits until it commits; it returns the entry's index.
func (s *Store) applyAsLeader(ctx context.Context, data []byte) (uint64, error) {
	if h := s.testHookApply.Load(); h != nil {
		return (*h)(ctx, data)
	}
	fut := s.raft.Apply(data, time.Until(deadline(ctx)))
	if err := s.futureErr(ctx, fut); err != nil {
		return 0, err
	}
	return fut.Index(), nil
}

// futureErr waits for f's result, or for ctx to end or the store to
// close first. Raft futures cannot be cancelled: one still pending is left
// to its goroutine, which ends when raft answers or shuts down.
func (s *Store) futureErr(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return fmt.Errorf("raftstore: %w", store.ErrClosed)
	}
}

// isDialFailure reports whether a gRPC error says the connection could
// not be made (so the request was never sent).
func isDialFailure(err error) bool {
	st, _ := status.FromError(err)
	return st != nil && st.Code() == codes.Unavailable && containsAny(st.Message(), "connection refused", "partitioned", "error while dialing")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if len(sub) <= len(s) {
			for i := 0; i+len(sub) <= len(s); i++ {
				if s[i:i+len(sub)] == sub {
					return true
				}
			}
		}
	}
	return false
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// linearize waits until this replica has applied every write committed
// before the call: the leader confirms its leadership and hands out its
// commit index (a ReadIndex), and this replica waits to apply up to it. It
// does nothing under WithSerializable.
func (s *Store) linearize(ctx context.Context) error {
	if err := s.callErr(ctx); err != nil {
		return err
	}
	if isSerializable(ctx) {
		return nil
	}
	return s.catchUp(ctx)
}

// catchUp is linearize whatever ctx says: it waits until this replica has
// applied every write committed before the call.
func (s *Store) catchUp(ctx context.Context) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		idx, err := s.readIndex(ctx)
		if err == nil {
			return s.fsm.waitApplied(ctx, idx)
		}
		if !errors.Is(err, errRetry) {
			return err
		}
		if err := s.retryWait(ctx, attempt); err != nil {
			return err
		}
	}
}

// errRetry marks a read index attempt that found no (current) leader.
var errRetry = errors.New("raftstore: retry")

// readIndex obtains a read index from the leader, this replica or another.
func (s *Store) readIndex(ctx context.Context) (uint64, error) {
	addr, id := s.raft.LeaderWithID()
	switch {
	case string(id) == s.cfg.ID:
		return s.leaderReadIndex(ctx)
	case addr != "":
		c, err := s.client(string(addr))
		if err != nil {
			return 0, err
		}
		r, err := c.ReadIndex(ctx, &raftpb.ReadIndexRequest{})
		if err == nil {
			return r.Index, nil
		}
		if status.Code(err) == codes.FailedPrecondition || status.Code(err) == codes.Unavailable {
			return 0, errRetry
		}
		return 0, fmt.Errorf("raftstore: read index from leader %s: %w", id, err)
	}
	return 0, errRetry
}

// leaderReadIndex is ReadIndex on the leader: once the leader has
// committed an entry of its term, its commit index at the start of the
// read, confirmed by a quorum heartbeat, covers every acknowledged write.
func (s *Store) leaderReadIndex(ctx context.Context) (uint64, error) {
	if err := s.waitReady(ctx); err != nil {
		return 0, err
	}
	idx := s.raft.CommitIndex()
	if err := s.futureErr(ctx, s.raft.VerifyLeader()); err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%w: verify leadership: %w", ErrNoLeader, err)
		}
		return 0, errRetry
	}
	return s.stateIndex(idx), nil
}

// stateIndex returns the index of the last entry at or before idx that
// raft hands to the state machine (a command or configuration change):
// raft never passes its no-op and barrier entries to the FSM, so the
// applied index the FSM sees stops short of them. Entries already removed
// from the log (covered by a snapshot) end the walk.
func (s *Store) stateIndex(idx uint64) uint64 {
	var l raft.Log
	for i := idx; i > 0; i-- {
		if err := s.logs.GetLog(i, &l); err != nil {
			return i
		}
		if l.Type == raft.LogCommand || l.Type == raft.LogConfiguration {
			return i
		}
	}
	return 0
}

// Get reads key (linearizably unless WithSerializable); see store.Reader.
func (s *Store) Get(ctx context.Context, key string, opts store.ReadOptions) (store.GetResponse, error) {
	if err := s.linearize(ctx); err != nil {
		return store.GetResponse{}, fmt.Errorf("get %q: %w", key, err)
	}
	return s.engine().Get(ctx, key, opts)
}

// List reads keys under prefix (linearizably unless WithSerializable); see
// store.Reader.
func (s *Store) List(ctx context.Context, prefix string, opts store.ListOptions) (store.ListResponse, error) {
	if err := s.linearize(ctx); err != nil {
		return store.ListResponse{}, fmt.Errorf("list %q: %w", prefix, err)
	}
	return s.engine().List(ctx, prefix, opts)
}

// engine returns the engine, or a closed placeholder error path.
func (s *Store) engine() *mvcc.Store { return s.fsm.store() }

func (s *Store) write(ctx context.Context, cmd *raftpb.Command) (store.WriteResponse, error) {
	// Check the limits before replicating (the engine checks again when
	// applying): an oversized command is refused without touching the log.
	lim := s.cfg.Engine.Limits.WithDefaults()
	if err := lim.CheckKey(string(cmd.Key)); err != nil {
		return store.WriteResponse{}, fmt.Errorf("%s: %w", opName(cmd.Kind), err)
	}
	if cmd.Kind != raftpb.Kind_KIND_DELETE {
		if err := lim.CheckValue(string(cmd.Key), cmd.Value); err != nil {
			return store.WriteResponse{}, fmt.Errorf("%s: %w", opName(cmd.Kind), err)
		}
	}
	r, err := s.propose(ctx, cmd)
	if err != nil {
		return store.WriteResponse{}, fmt.Errorf("%s %q: %w", opName(cmd.Kind), cmd.Key, err)
	}
	return r.Write, r.Err
}

func opName(k raftpb.Kind) string {
	switch k {
	case raftpb.Kind_KIND_CREATE:
		return "create"
	case raftpb.Kind_KIND_PUT:
		return "put"
	case raftpb.Kind_KIND_UPDATE:
		return "update"
	case raftpb.Kind_KIND_DELETE:
		return "delete"
	}
	return k.String()
}

// Create writes key only if absent; see store.Writer.
func (s *Store) Create(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	return s.write(ctx, &raftpb.Command{Kind: raftpb.Kind_KIND_CREATE, Key: []byte(key), Value: value, Lease: int64(opts.Lease)})
}

// Put writes key; see store.Writer.
func (s *Store) Put(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	return s.write(ctx, &raftpb.Command{Kind: raftpb.Kind_KIND_PUT, Key: []byte(key), Value: value, Lease: int64(opts.Lease)})
}

// Update writes key only if present (and unchanged with
// ExpectedModRevision); see store.Writer.
func (s *Store) Update(ctx context.Context, key string, value []byte, opts store.UpdateOptions) (store.WriteResponse, error) {
	return s.write(ctx, &raftpb.Command{Kind: raftpb.Kind_KIND_UPDATE, Key: []byte(key), Value: value, Lease: int64(opts.Lease), ExpectedModRevision: opts.ExpectedModRevision})
}

// Delete removes key; see store.Writer.
func (s *Store) Delete(ctx context.Context, key string, opts store.DeleteOptions) (store.WriteResponse, error) {
	return s.write(ctx, &raftpb.Command{Kind: raftpb.Kind_KIND_DELETE, Key: []byte(key), ExpectedModRevision: opts.ExpectedModRevision})
}

// Txn applies a transaction: one with a put or delete goes through the
// log; a read-only one is a read (linearizable unless WithSerializable).
func (s *Store) Txn(ctx context.Context, txn store.Txn) (store.TxnResponse, error) {
	writes := false
	for _, br := range [][]store.Op{txn.Then, txn.Else} {
		for _, op := range br {
			if op.Type == store.OpPut || op.Type == store.OpDelete {
				writes = true
			}
		}
	}
	if !writes {
		if err := s.linearize(ctx); err != nil {
			return store.TxnResponse{}, fmt.Errorf("txn: %w", err)
		}
		return s.engine().Txn(ctx, txn)
	}
	lim := s.cfg.Engine.Limits.WithDefaults()
	for _, br := range [][]store.Op{txn.Then, txn.Else} {
		for _, op := range br {
			if op.Type == store.OpPut {
				if err := lim.CheckValue(op.Key, op.Value); err != nil {
					return store.TxnResponse{}, fmt.Errorf("txn: %w", err)
				}
			}
		}
	}
	r, err := s.propose(ctx, &raftpb.Command{Kind: raftpb.Kind_KIND_TXN, Txn: txnToPB(txn)})
	if err != nil {
		return store.TxnResponse{}, fmt.Errorf("txn: %w", err)
	}
	return r.Txn, r.Err
}

// Watch watches prefix on this replica's engine; see store.Watcher. A
// watch ends (with an error response) if this replica installs a snapshot
// from the leader, which replaces its engine.
func (s *Store) Watch(ctx context.Context, prefix string, opts store.WatchOptions) (<-chan store.WatchResponse, error) {
	if err := s.callErr(ctx); err != nil {
		return nil, fmt.Errorf("watch %q: %w", prefix, err)
	}
	return s.engine().Watch(ctx, prefix, opts)
}

var _ store.ProgressRequester = (*Store)(nil)

// RequestProgress asks this replica's engine for a progress notification
// on every watch that asked for them (watches are served by the replica
// they were opened on); see store.ProgressRequester. Revisions read from
// this replica with a linearizable read are never ahead of its engine, so
// the notification's revision is no older than such a read.
func (s *Store) RequestProgress(ctx context.Context) error {
	if err := s.callErr(ctx); err != nil {
		return fmt.Errorf("request progress: %w", err)
	}
	return s.engine().RequestProgress(ctx)
}

// Compact compacts every replica at revision; see store.Compactor.
func (s *Store) Compact(ctx context.Context, revision int64) error {
	r, err := s.propose(ctx, &raftpb.Command{Kind: raftpb.Kind_KIND_COMPACT, Revision: revision})
	if err != nil {
		return fmt.Errorf("compact at revision %d: %w", revision, err)
	}
	return r.Err
}
