package mvcc

import (
	"context"
	"fmt"
	"sync"
)

// This file is the deferred sync of a replicated store
// (Options.SyncInterval): replicated commands are applied into one bbolt
// write transaction that stays open across batches and is committed (one
// fsync) on a timer, once it carries syncMaxRequests requests, before a
// snapshot or defragmentation, before any local write, and at Close. The
// replication layer's log is the durable record meanwhile: the applied
// index is written in the same transaction as the commands' effects, so
// after a crash the file holds a prefix of the log and the layer replays
// the rest (as etcd does with its backend's consistent index).
//
// Readers see applied commands at once: the index is published after each
// batch as usual, and the records not yet committed are served from an
// in-memory set (unsynced) until the commit that makes them part of the
// file, when the set is replaced by an empty one.

// syncMaxRequests commits the open transaction once it carries this many
// requests (etcd's backend batch limit).
const syncMaxRequests = 10000

// syncMaxBytes commits the open transaction once it carries this many bytes
// of keys and values.
const syncMaxBytes = 64 << 20

// unsynced is the set of records written by the open transaction, which
// bbolt read transactions do not see. The set a reader took under
// Store.mu holds every record its bbolt read transaction (begun under the
// same lock) may lack: records are added to the current set before the
// index names them, and the set is replaced only after the commit that
// put them in the file. A replaced set is never changed again.
type unsynced struct {
	// base is the revision the file held when the set began: every record
	// of a later main revision is in the set (until it is replaced).
	base int64

	// mu guards recs and revs; the writer adds, readers look up.
	mu   sync.RWMutex
	recs map[revision]record
	revs []revision // increasing
}

func newUnsynced(base int64) *unsynced {
	return &unsynced{base: base, recs: make(map[revision]record)}
}

// pendingRecord is one record written by a batch in deferred mode.
type pendingRecord struct {
	rev revision
	rec record
}

func (u *unsynced) add(recs []pendingRecord) {
	if u == nil || len(recs) == 0 {
		return
	}
	u.mu.Lock()
	for _, p := range recs {
		u.recs[p.rev] = p.rec
		u.revs = append(u.revs, p.rev)
	}
	u.mu.Unlock()
}

// get returns the record at r if the set holds it.
func (u *unsynced) get(r revision) (record, bool) {
	if u == nil {
		return record{}, false
	}
	u.mu.RLock()
	defer u.mu.RUnlock()
	rec, ok := u.recs[r]
	return rec, ok
}

// carry returns a new set of base base holding this set's records of
// later main revisions: those the commit up to base did not put in the
// file. Called with Store.mu held, so that no record is added meanwhile.
func (u *unsynced) carry(base int64) *unsynced {
	n := newUnsynced(base)
	u.mu.RLock()
	defer u.mu.RUnlock()
	for _, r := range u.revs {
		if r.main > base {
			n.recs[r] = u.recs[r]
			n.revs = append(n.revs, r)
		}
	}
	return n
}

// from returns the set's revisions from main revision from on, in order.
func (u *unsynced) from(from int64) []revision {
	if u == nil {
		return nil
	}
	u.mu.RLock()
	defer u.mu.RUnlock()
	i := 0
	for i < len(u.revs) && u.revs[i].main < from {
		i++
	}
	return append([]revision(nil), u.revs[i:]...)
}

// deferring reports whether the store defers the sync of replicated
// commands.
func (s *Store) deferring() bool { return s.opts.SyncInterval > 0 }

// deferrable reports whether the batch may stay uncommitted: every request
// is a replicated command (its log is the durable record) or the removal
// of compacted records (which Open redoes). A local write commits at once,
// with everything before it.
func (b *batch) deferrable() bool {
	for _, r := range b.reqs {
		if r.index == 0 && r.kind != reqDrop {
			return false
		}
	}
	return true
}

// commitOpen commits the open transaction, if any (one fsync), and
// replaces the unsynced set. Called by the writer goroutine only.
func (s *Store) commitOpen(b *batch) error {
	if b.tx == nil {
		return nil
	}
	tx := b.tx
	b.tx, b.records, b.open = nil, nil, false
	b.openReqs, b.openBytes = 0, 0
	if err := tx.Commit(); err != nil {
		// The unsynced set stays: reads go on serving what was applied.
		err = fmt.Errorf("mvcc: commit deferred writes up to revision %d: %w", s.Revision(), err)
		s.fail(err)
		return err
	}
	s.commits.Add(1)
	s.synced.Store(b.openApplied)
	s.mu.Lock()
	s.pend = newUnsynced(s.rev)
	s.mu.Unlock()
	return nil
}

// Sync commits and fsyncs every write applied so far into the database
// file. It is needed only with Options.SyncInterval, where replicated
// commands are committed on a timer, or Options.WriteAheadLog, where it
// also removes the log segments the commit covers; otherwise every write
// is already in the file and Sync returns at once.
func (s *Store) Sync(ctx context.Context) error {
	if err := s.callErr(ctx); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if !s.deferring() {
		return nil
	}
	if res := s.submit(ctx, &request{kind: reqSync}); res.err != nil {
		return fmt.Errorf("sync: %w", res.err)
	}
	return nil
}

// SyncedIndex returns the highest replicated log index that the file holds
// durably: AppliedIndex once the applied commands are committed, possibly
// less with Options.SyncInterval. After a crash, Open resumes from it.
func (s *Store) SyncedIndex() uint64 { return s.synced.Load() }
