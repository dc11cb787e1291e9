package mvcc

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// This file is the flusher of a store with the write-ahead log
// (Options.WriteAheadLog). The writer goroutine applies each batch in
// memory only, logs its effect (wal.go), publishes it (its records join
// the unsynced set, as in deferred.go) and answers it; it then hands the
// logged record to the flusher, a goroutine that owns bbolt's write
// transaction: it redoes each record in its open transaction as it comes,
// and commits when the writer asks (a cut: on the SyncInterval timer, at
// syncMaxRequests or syncMaxBytes, on Sync, before Defrag and at Close).
// The writer closes the log's segment at each cut, so once the flusher
// has committed through the cut it removes the segments before it. The
// bbolt commit (two fsyncs and every dirty page) thus runs beside the
// writer, never in front of a write.
//
// At most maxCutsInFlight cuts may wait for their commit: a writer that
// gets that far ahead of the disk waits.

// maxCutsInFlight bounds the cuts the flusher has yet to commit.
const maxCutsInFlight = 2

// flushItem is one logged record for the flusher, or a cut.
type flushItem struct {
	seq uint64 // the record's sequence number, or the cut's last
	rev int64  // the revision after the record
	ops []byte // the record's ops; nil for a cut

	cut  bool
	done chan error // for a cut, answered once committed; may be nil
}

// flushQueue hands items from the writer to the flusher.
type flushQueue struct {
	mu sync.Mutex // guards items and closed
	// items are waiting for the flusher, in order.
	items  []flushItem
	closed bool
	// signal has a token when items or closed changed.
	signal chan struct{}
	// slots holds a token for every cut not yet committed.
	slots chan struct{}
}

func newFlushQueue() *flushQueue {
	return &flushQueue{signal: make(chan struct{}, 1), slots: make(chan struct{}, maxCutsInFlight)}
}

func (q *flushQueue) push(it flushItem) {
	q.mu.Lock()
	q.items = append(q.items, it)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// close tells the flusher to exit once it has taken every item.
func (q *flushQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// take waits for items and returns them all; done once closed and empty.
func (q *flushQueue) take() (items []flushItem, done bool) {
	for {
		q.mu.Lock()
		items, closed := q.items, q.closed
		q.items = nil
		q.mu.Unlock()
		if len(items) > 0 || closed {
			return items, len(items) == 0
		}
		<-q.signal
	}
}

// cutWAL asks the flusher to commit every record logged so far: it closes
// the log's segment and queues a cut, waiting while maxCutsInFlight are
// pending; with wait it also waits for the commit. Writer only.
func (s *Store) cutWAL(b *batch, wait bool) error {
	b.openReqs, b.openBytes = 0, 0
	if p := s.failed.Load(); p != nil {
		return *p
	}
	if err := s.wal.rotate(); err != nil {
		s.fail(err)
		return err
	}
	it := flushItem{seq: s.wal.seq, cut: true}
	if wait {
		it.done = make(chan error, 1)
	}
	s.flushQ.slots <- struct{}{} // released by the flusher
	s.flushQ.push(it)
	if !wait {
		return nil
	}
	return <-it.done
}

// runFlusher is the flusher goroutine: see the top of this file.
func (s *Store) runFlusher() {
	var (
		tx      *bolt.Tx
		lastSeq uint64
		lastRev int64
	)
	abandon := func(err error) {
		if tx != nil {
			_ = tx.Rollback()
			tx = nil
		}
		s.fail(err)
	}
	for {
		items, done := s.flushQ.take()
		if done {
			if tx != nil {
				_ = tx.Rollback() // Close cut with a wait first: only after a failure
			}
			return
		}
		for _, it := range items {
			if it.cut {
				var err error
				if p := s.failed.Load(); p != nil {
					err = *p
				} else if tx != nil {
					err = s.flushCommit(tx, lastSeq, lastRev)
					tx = nil
					if err != nil {
						abandon(err)
					}
				}
				if err == nil {
					if err = s.wal.removeThrough(it.seq); err != nil {
						s.fail(err)
					}
				}
				<-s.flushQ.slots
				if it.done != nil {
					it.done <- err
				}
				continue
			}
			if s.failed.Load() != nil {
				continue // the log holds it; reopening replays it
			}
			if tx == nil {
				s.mu.RLock()
				db := s.db
				s.mu.RUnlock()
				var err error
				if tx, err = db.Begin(true); err != nil {
					tx = nil
					abandon(fmt.Errorf("mvcc: begin write transaction: %w", err))
					continue
				}
			}
			if err := applyWALOps(tx, it.ops); err != nil {
				abandon(fmt.Errorf("mvcc: write logged record %d into %s: %w", it.seq, s.opts.Path, err))
				continue
			}
			lastSeq, lastRev = it.seq, it.rev
		}
	}
}

// flushCommit commits the flusher's transaction, which holds the logged
// records up to seq (revision rev), naming seq in it; the records it put
// in the file then leave the unsynced set.
func (s *Store) flushCommit(tx *bolt.Tx, seq uint64, rev int64) error {
	if err := tx.Bucket(metaBucket).Put(metaWAL, uint64Bytes(seq)); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("mvcc: write log position %d: %w", seq, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mvcc: commit logged writes up to revision %d: %w", rev, err)
	}
	s.commits.Add(1)
	s.mu.Lock()
	s.pend = s.pend.carry(rev)
	s.mu.Unlock()
	return nil
}
