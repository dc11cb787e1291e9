package mvcc

import (
	"context"
	"fmt"

	"github.com/rigging-dev/rigging/store"
)

// Compaction works in bounded steps so that neither readers nor writers
// stall behind it: the index is compacted compactBatchKeys keys at a time
// under the state lock, and the records those keys no longer need are
// removed compactBatchRecords at a time through the writer, each step one
// transaction that may share its commit with ordinary writes.
const (
	compactBatchKeys    = 1000
	compactBatchRecords = 10000
)

// Compact discards history before revision: reads and watches at earlier
// revisions then fail with ErrCompacted, and the records only they needed
// are removed from the index and the file. For every key the newest record
// before revision is kept (unless it is a deletion) together with all
// records from revision on, so that reads at revision and a watch from
// revision (with the previous value of a change at revision) still work.
// See store.Compactor for the errors.
//
// The new compaction revision is durable and in force (reads before it
// fail) before any record is removed; Compact then returns once every
// obsolete record is gone. If ctx ends first, Compact returns ctx's error
// and the removal goes on in the background; one interrupted by a crash is
// finished by the next Open. Compact does not reclaim file space; Defrag
// does.
func (s *Store) Compact(ctx context.Context, revision int64) error {
	if err := s.callErr(ctx); err != nil {
		return fmt.Errorf("compact at revision %d: %w", revision, err)
	}
	if err := store.CheckRevision(revision); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	s.mu.RLock()
	cur, c := s.rev, s.compactRev
	s.mu.RUnlock()
	if revision <= c {
		return fmt.Errorf("compact at revision %d: %w", revision, &store.CompactedError{Requested: revision, Compacted: c})
	}
	if revision > cur {
		return fmt.Errorf("compact at revision %d, current revision %d: %w", revision, cur, store.ErrFutureRevision)
	}
	done := make(chan error, 1)
	s.compactMu.Lock()
	res := s.submit(ctx, &request{kind: reqCompact, rev: revision})
	if res.err != nil {
		s.compactMu.Unlock()
		return fmt.Errorf("compact at revision %d: %w", revision, res.err)
	}
	started := s.spawn(func() {
		defer s.compactMu.Unlock()
		done <- s.removeCompacted(revision)
	})
	if !started {
		// Closed meanwhile: the next Open removes the records.
		s.compactMu.Unlock()
		return nil
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("compact at revision %d: removal of obsolete records goes on: %w", revision, ctx.Err())
	}
}

// removeCompacted walks the index in steps, dropping what compaction at
// rev made obsolete, and removes those records from the file. It stops
// early, without error, when the store closes; Open finishes the job.
func (s *Store) removeCompacted(rev int64) error {
	from := ""
	for {
		s.mu.Lock()
		dropped, next, done := s.idx.compact(from, compactBatchKeys, rev, nil)
		s.mu.Unlock()
		for len(dropped) > 0 {
			n := min(len(dropped), compactBatchRecords)
			res := s.submit(context.Background(), &request{kind: reqDrop, drops: dropped[:n]})
			if res.err != nil {
				if s.closed.Load() {
					return nil
				}
				return fmt.Errorf("compact at revision %d: %w", rev, res.err)
			}
			dropped = dropped[n:]
		}
		if done {
			return nil
		}
		from = next
	}
}
