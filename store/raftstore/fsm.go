package raftstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// fsm is the replicated state machine: an mvcc.Store fed, in log order,
// through mvcc's ApplyReplicated. Each command's log index is persisted
// with its effect, so entries that raft replays after a restart (those
// after its last snapshot) and that the file already holds are skipped.
type fsm struct {
	id   string
	opts mvcc.Options // Path set, Replicated on

	// mu guards db against Restore swapping it.
	mu sync.RWMutex
	db *mvcc.Store

	// applied is the last log index applied (command or not).
	applied atomic.Uint64
	// advMu guards adv, closed and replaced each time applied advances.
	advMu sync.Mutex
	adv   chan struct{}

	// restores counts the snapshots installed (Restore).
	restores atomic.Uint64
	// retiring counts engines that Restore replaced and that are still
	// closing (see Restore).
	retiring sync.WaitGroup

	// waitMu guards waiters: results this replica's callers wait for, by
	// request ID of commands it proposed.
	waitMu  sync.Mutex
	waiters map[uint64]chan mvcc.CommandResult
}

var (
	_ raft.BatchingFSM = (*fsm)(nil)
)

func newFSM(id string, opts mvcc.Options, db *mvcc.Store) *fsm {
	f := &fsm{id: id, opts: opts, db: db, adv: make(chan struct{}), waiters: make(map[uint64]chan mvcc.CommandResult)}
	f.applied.Store(db.AppliedIndex())
	return f
}

// store returns the current engine.
func (f *fsm) store() *mvcc.Store {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.db
}

// register returns the channel the result of request id arrives on.
func (f *fsm) register(id uint64) chan mvcc.CommandResult {
	ch := make(chan mvcc.CommandResult, 1)
	f.waitMu.Lock()
	f.waiters[id] = ch
	f.waitMu.Unlock()
	return ch
}

func (f *fsm) unregister(id uint64) {
	f.waitMu.Lock()
	delete(f.waiters, id)
	f.waitMu.Unlock()
}

func (f *fsm) deliver(id uint64, res mvcc.CommandResult) {
	f.waitMu.Lock()
	ch := f.waiters[id]
	delete(f.waiters, id)
	f.waitMu.Unlock()
	if ch != nil {
		ch <- res
	}
}

// advanced returns a channel closed when applied next advances.
func (f *fsm) advanced() <-chan struct{} {
	f.advMu.Lock()
	defer f.advMu.Unlock()
	return f.adv
}

func (f *fsm) setApplied(index uint64) {
	f.advMu.Lock()
	if index > f.applied.Load() {
		f.applied.Store(index)
	}
	close(f.adv)
	f.adv = make(chan struct{})
	f.advMu.Unlock()
}

// waitApplied waits until applied ≥ index or ctx ends.
func (f *fsm) waitApplied(ctx context.Context, index uint64) error {
	for {
		ch := f.advanced()
		if f.applied.Load() >= index {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for log index %d to be applied (applied %d): %w", index, f.applied.Load(), ctx.Err())
		}
	}
}

// Apply applies one entry; raft calls ApplyBatch instead.
func (f *fsm) Apply(l *raft.Log) interface{} { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch applies committed entries in order. Commands whose index the
// engine already holds (replayed after a restart) are skipped. Results go
// to this replica's waiting callers by request ID.
func (f *fsm) ApplyBatch(logs []*raft.Log) []interface{} {
	out := make([]interface{}, len(logs))
	if len(logs) == 0 {
		return out
	}
	db := f.store()
	done := db.AppliedIndex()
	type origin struct {
		pos int
		req uint64
	}
	var cmds []mvcc.Command
	var who []origin
	for i, l := range logs {
		if l.Type != raft.LogCommand || l.Index <= done {
			continue
		}
		pb, c, err := decodeCommand(l.Index, l.Data)
		if err != nil {
			out[i] = err
			continue
		}
		cmds = append(cmds, c)
		o := origin{pos: i}
		if pb.Origin == f.id {
			o.req = pb.RequestId
		}
		who = append(who, o)
	}
	if len(cmds) > 0 {
		res := db.ApplyReplicated(cmds)
		for j, r := range res {
			if who[j].req != 0 {
				f.deliver(who[j].req, r)
			}
		}
	}
	f.setApplied(logs[len(logs)-1].Index)
	return out
}

// Snapshot begins a view of the engine as of the entries applied so far,
// after the engine has committed and fsynced them (mvcc BeginSnapshot), so
// raft never truncates its log past what the engine holds durably;
// Persist streams it while applying goes on.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	v, err := f.store().BeginSnapshot()
	if err != nil {
		return nil, err
	}
	return &fsmSnapshot{v: v}, nil
}

// Restore replaces the engine's file with the snapshot and opens it in
// place of the old engine. Watches on the old engine end (with
// ErrClosed); clients watch again.
//
// The old engine is closed in the background (retire): its file cannot
// close while a snapshot view of it is open, and raft may hold one in
// its snapshot goroutine while that goroutine waits for raft's main
// loop, which waits for this restore. Closing it here would deadlock a
// follower that installs the leader's snapshot while taking its own. The
// new file is renamed over the old one, which the old engine keeps open
// until it closes.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	tmp := f.opts.Path + ".restore"
	_ = os.Remove(tmp)
	if err := mvcc.Restore(rc, tmp); err != nil {
		return fmt.Errorf("raftstore: restore snapshot: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.db
	if err := os.Rename(tmp, f.opts.Path); err != nil {
		return fmt.Errorf("raftstore: restore snapshot: %w", err)
	}
	f.db = nil
	f.retire(old)
	db, err := mvcc.Open(context.Background(), f.opts)
	if err != nil {
		return fmt.Errorf("raftstore: restore snapshot: reopen: %w", err)
	}
	f.db = db
	f.restores.Add(1)
	f.setApplied(db.AppliedIndex())
	return nil
}

// retire closes an engine Restore replaced, once the snapshot views of it
// are released; waitRetired waits for every such close.
func (f *fsm) retire(db *mvcc.Store) {
	if db == nil {
		return
	}
	f.retiring.Add(1)
	go func() {
		defer f.retiring.Done()
		if err := db.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			f.opts.Logger.Error(err, "close the engine a snapshot replaced")
		}
	}()
}

// waitRetired waits until the engines Restore replaced are closed.
func (f *fsm) waitRetired() { f.retiring.Wait() }

// fsmSnapshot streams an mvcc snapshot view into raft's snapshot sink.
type fsmSnapshot struct{ v *mvcc.SnapshotView }

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := s.v.WriteTo(context.Background(), sink); err != nil {
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() { s.v.Release() }
