package mvcc

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rigging-dev/rigging/store"
)

// reqKind is what a write request asks the writer to do.
type reqKind uint8

const (
	reqPut     reqKind = iota + 1 // Create, Put, Update (see putMode)
	reqDelete                     // Delete
	reqTxn                        // Txn with at least one Put or Delete
	reqGrant                      // Grant: persist a lease, no revision
	reqRevoke                     // Revoke: delete a lease's keys in one revision
	reqExpire                     // as reqRevoke, for the expiry loop; a lease already gone is no error
	reqCompact                    // persist a new compaction revision
	reqDrop                       // remove compacted records
	reqDefrag                     // rewrite the file; runs alone
	reqSync                       // commit deferred writes (Options.SyncInterval); runs alone
)

// putMode is the guard of a reqPut.
type putMode uint8

const (
	modePut    putMode = iota + 1 // unconditional
	modeCreate                    // only if absent
	modeUpdate                    // only if present (and unchanged, with expected)
)

// request is one call waiting for the writer goroutine. The caller fills it
// in, sends it on Store.reqs and waits on done, which the writer sends
// exactly one response on.
type request struct {
	ctx  context.Context
	kind reqKind
	mode putMode

	key      string
	value    []byte
	lease    store.LeaseID
	expected int64 // expected mod revision; 0 for none

	txn *store.Txn

	ttlSeconds int64      // reqGrant
	rev        int64      // reqCompact
	drops      []revision // reqDrop

	// index is the replicated log index of the command, 0 for a local
	// write; the batch persists the highest one in the same transaction.
	index uint64

	// size is the bytes of keys and values, for the batch byte limit.
	size int

	done chan response
}

// response is the writer's answer to a request.
type response struct {
	write store.WriteResponse
	txn   store.TxnResponse
	lease store.Lease
	err   error
}

// submit hands r to the writer and waits for its response. When ctx ends
// first, submit returns ctx's error; the write may or may not have been
// applied (as with any store whose caller stops waiting).
func (s *Store) submit(ctx context.Context, r *request) response {
	if err := s.send(ctx, r); err != nil {
		return response{err: err}
	}
	return s.wait(ctx, r)
}

// doneChans holds requests' answer channels for reuse. The writer answers
// a request exactly once, so a channel whose answer was received is empty
// and no longer the writer's; one whose waiter gave up is never reused.
var doneChans = sync.Pool{New: func() any { return make(chan response, 1) }}

// send queues r for the writer.
func (s *Store) send(ctx context.Context, r *request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.writeErr(); err != nil {
		return err
	}
	r.ctx = ctx
	r.done = doneChans.Get().(chan response)
	select {
	case s.reqs <- r:
		return nil
	case <-s.stop:
		doneChans.Put(r.done)
		return errClosed()
	case <-ctx.Done():
		doneChans.Put(r.done)
		return ctx.Err()
	}
}

// wait waits for the response to a request that send queued.
func (s *Store) wait(ctx context.Context, r *request) response {
	select {
	case res := <-r.done:
		doneChans.Put(r.done)
		return res
	case <-ctx.Done():
		return response{err: ctx.Err()}
	case <-s.writerDone:
		select {
		case res := <-r.done:
			doneChans.Put(r.done)
			return res
		default:
			return response{err: errClosed()}
		}
	}
}

// writeErr returns the error every write fails with once a commit has
// failed, or ErrClosed after Close.
func (s *Store) writeErr() error {
	if s.closed.Load() {
		return errClosed()
	}
	if p := s.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// errClosed is ErrClosed with the package's context.
func errClosed() error { return fmt.Errorf("mvcc: %w", store.ErrClosed) }

// runWriter is the single goroutine that owns bbolt's write transaction.
// It takes every request waiting (up to MaxBatch and maxBatchBytes),
// applies them in arrival order in one transaction, assigning consecutive
// revisions to those that change something, commits once (one fsync for
// the whole batch), publishes the new state to readers and watchers, and
// only then answers each request.
func (s *Store) runWriter() {
	defer close(s.writerDone)
	b := &batch{s: s, overlay: make(map[string]pending), revoked: make(map[store.LeaseID]bool)}
	var tick <-chan time.Time
	if s.deferring() {
		t := s.opts.Clock.NewTicker(s.opts.SyncInterval)
		defer t.Stop()
		tick = t.C()
	}
	var carry *request
	for {
		first := carry
		carry = nil
		if first == nil {
			select {
			case first = <-s.reqs:
			case <-tick:
				if s.wal != nil {
					if b.openReqs > 0 {
						_ = s.cutWAL(b, false)
					}
				} else if b.open {
					_ = s.commitOpen(b)
				}
				continue
			case <-s.stop:
				if s.wal != nil {
					_ = s.cutWAL(b, true)
					s.flushQ.close()
				} else if b.open {
					_ = s.commitOpen(b)
				}
				s.drainRequests()
				return
			}
		}
		switch first.kind {
		case reqDefrag:
			var err error
			if s.wal != nil {
				err = s.cutWAL(b, true)
			} else {
				err = s.commitOpen(b)
			}
			if err == nil {
				err = s.defrag(first.ctx)
			}
			first.done <- response{err: err}
			continue
		case reqSync:
			if s.wal != nil {
				first.done <- response{err: s.cutWAL(b, true)}
				continue
			}
			first.done <- response{err: s.commitOpen(b)}
			continue
		}
		reqs := append(b.reqs[:0], first)
		size := first.size
	collect:
		for len(reqs) < s.opts.MaxBatch && size < maxBatchBytes {
			select {
			case r := <-s.reqs:
				if r.kind == reqDefrag || r.kind == reqSync {
					carry = r
					break collect
				}
				reqs = append(reqs, r)
				size += r.size
			default:
				break collect
			}
		}
		b.reqs = reqs
		s.applyBatch(b)
	}
}

// drainRequests answers every request still queued with ErrClosed.
func (s *Store) drainRequests() {
	for {
		select {
		case r := <-s.reqs:
			r.done <- response{err: errClosed()}
		default:
			return
		}
	}
}

// pending is a key's state as changed earlier in the current batch.
type pending struct {
	kv   store.KeyValue
	live bool
	rev  revision // the record holding this state
}

// indexChange is one entry to add to the index after commit.
type indexChange struct {
	key   string
	entry indexEntry
}

// batch is the writer's working state for one transaction. Everything in it
// is owned by the writer goroutine.
type batch struct {
	s    *Store
	reqs []*request
	resp []response

	tx      *bolt.Tx
	records *bolt.Bucket

	startRev int64 // committed revision before the batch
	rev      int64 // revision after the requests applied so far
	// overlay is the state of the keys this batch changed.
	overlay map[string]pending
	changes []indexChange
	events  []store.Event

	granted    []grantedLease
	revoked    map[store.LeaseID]bool
	leaseSeq   int64
	compactRev int64 // new compaction revision, 0 if none
	metaDirty  bool
	applied    uint64 // highest replicated index in the batch, 0 if none

	// Deferred sync (Options.SyncInterval): open means tx is kept open
	// across batches with uncommitted changes, of openReqs requests and
	// openBytes bytes; openApplied is the highest applied index written in
	// tx; written are the records this batch wrote, for Store.pend.
	open        bool
	openReqs    int
	openBytes   int
	openApplied uint64
	written     []pendingRecord

	// With the write-ahead log (Options.WriteAheadLog) the batch has no
	// bbolt transaction: walRec is its record, every bucket put and
	// delete it made, in order; pend is the unsynced set as the batch
	// began, and rtx a read transaction begun after, for the records
	// that set lacks (the file holds them).
	walRec []byte
	pend   *unsynced
	rtx    *bolt.Tx

	// recBuf holds the bucket keys and encodings of the records written
	// since the last transaction ended, one after another: bbolt keeps
	// the slices it is given until the transaction commits or rolls
	// back, so the buffer is reused (from its start) only by a batch that
	// begins without an open transaction. When it grows, the slices
	// already handed out keep the old array.
	recBuf []byte
}

// maxKeptRecBuf is the largest record buffer a batch keeps for the next
// one: 4 MiB.
const maxKeptRecBuf = 4 << 20

// grantedLease is a lease granted in this batch.
type grantedLease struct {
	id  store.LeaseID
	ttl int64
}

// errBatch marks an error of the storage itself (not of one request's
// input): it fails the whole batch.
type errBatch struct{ err error }

func (e errBatch) Error() string { return e.err.Error() }
func (e errBatch) Unwrap() error { return e.err }

// applyBatch applies b.reqs in one bbolt transaction and answers them.
func (s *Store) applyBatch(b *batch) {
	b.resp = b.resp[:0]
	clear(b.overlay)
	clear(b.revoked)
	b.changes = b.changes[:0]
	b.events = nil // published to watchers: never reused
	b.granted = b.granted[:0]
	b.compactRev = 0
	b.metaDirty = false
	b.applied = 0
	b.written = b.written[:0]
	if b.tx == nil {
		// No transaction holds the records of earlier batches (with the
		// write-ahead log, b.put copied them into the log record).
		if cap(b.recBuf) > maxKeptRecBuf {
			b.recBuf = nil
		}
		b.recBuf = b.recBuf[:0]
	}
	if s.wal != nil {
		// Room for every key and value and the records' other fields,
		// so that the record rarely grows.
		est := walHeaderSize + 8 + 64
		for _, r := range b.reqs {
			est += 2*r.size + 96
		}
		b.walRec = walBegin(make([]byte, 0, est))
	}
	s.mu.RLock()
	b.startRev = s.rev
	db := s.db
	b.pend = s.pend
	s.mu.RUnlock()
	b.rev = b.startRev
	b.leaseSeq = s.leaseSeq

	fail := func(err error) {
		s.fail(err)
		for _, r := range b.reqs {
			r.done <- response{err: err}
		}
	}
	// abort rolls back the transaction, and with it any deferred writes
	// before the batch: the store has failed (reads go on serving them
	// from the unsynced set), and reopening it replays them from the
	// replicated log.
	abort := func(err error) {
		if b.tx == nil { // the write-ahead log's batch
			b.endRead()
			fail(err)
			return
		}
		_ = b.tx.Rollback()
		b.tx, b.records, b.open = nil, nil, false
		b.openReqs, b.openBytes = 0, 0
		fail(err)
	}
	if s.wal != nil {
		// After a failure the open transaction may have been rolled back
		// under writes already acknowledged from the log: nothing more
		// may be built on it (reopening replays the log).
		if p := s.failed.Load(); p != nil {
			for _, r := range b.reqs {
				r.done <- response{err: *p}
			}
			return
		}
	}
	if b.tx == nil && s.wal == nil {
		tx, err := db.Begin(true)
		if err != nil {
			fail(fmt.Errorf("mvcc: begin write transaction: %w", err))
			return
		}
		b.tx = tx
		b.records = tx.Bucket(recordsBucket)
		b.records.FillPercent = recordsFillPercent
	}
	tx := b.tx

	size := 0
	for _, r := range b.reqs {
		var res response
		if err := r.ctx.Err(); err != nil {
			res.err = err
		} else {
			res = b.apply(r)
		}
		var be errBatch
		if errors.As(res.err, &be) {
			abort(be.err)
			return
		}
		b.resp = append(b.resp, res)
		size += r.size
	}

	if err := b.persistApplied(); err != nil {
		abort(err)
		return
	}
	if b.rev != b.startRev {
		if err := b.put(walMeta, metaRevision, uint64Bytes(uint64(b.rev))); err != nil {
			abort(fmt.Errorf("mvcc: write revision %d: %w", b.rev, err))
			return
		}
	}
	if s.wal != nil {
		s.finishLogged(b, size)
		return
	}
	committed := false
	switch {
	case !b.dirty() && !b.open:
		// Nothing to commit: every request failed validation or only read.
		_ = tx.Rollback()
		b.tx, b.records = nil, nil
	case !b.dirty():
		// Deferred writes before the batch stay open.
	case s.deferring() && b.deferrable() && b.openReqs+len(b.reqs) < syncMaxRequests && b.openBytes+size < syncMaxBytes:
		b.open = true
		b.openReqs += len(b.reqs)
		b.openBytes += size
		b.openApplied = max(b.openApplied, b.applied)
	default:
		b.tx, b.records, b.open = nil, nil, false
		b.openReqs, b.openBytes = 0, 0
		b.openApplied = max(b.openApplied, b.applied)
		if err := tx.Commit(); err != nil {
			fail(fmt.Errorf("mvcc: commit revisions %d to %d: %w", b.startRev+1, b.rev, err))
			return
		}
		s.commits.Add(1)
		s.synced.Store(b.openApplied)
		committed = true
	}
	s.publish(b, committed)
	for i, r := range b.reqs {
		r.done <- b.resp[i]
	}
	// Let the callers just answered run before the next batch is taken:
	// those that write again at once then join it instead of waiting a
	// whole commit for the one after (without this, N closed-loop writers
	// settle into two alternating batches of N/2).
	runtime.Gosched()
}

// finishLogged ends a batch of a store with the write-ahead log: it logs
// the batch's effect (one append, one fdatasync), publishes it, hands it to
// the flusher and answers the requests. Past syncMaxRequests or
// syncMaxBytes since the last cut, it cuts.
func (s *Store) finishLogged(b *batch, size int) {
	b.endRead()
	if b.dirty() {
		if err := s.wal.append(b.walRec); err != nil {
			s.fail(err)
			for _, r := range b.reqs {
				r.done <- response{err: err}
			}
			return
		}
	}
	s.publish(b, false)
	if b.dirty() {
		s.flushQ.push(flushItem{seq: s.wal.seq, rev: b.rev, ops: b.walRec[walHeaderSize+8:]})
		b.walRec = nil // the flusher's now
		b.openReqs += len(b.reqs)
		b.openBytes += size
	}
	for i, r := range b.reqs {
		r.done <- b.resp[i]
	}
	if b.openReqs >= syncMaxRequests || b.openBytes >= syncMaxBytes {
		_ = s.cutWAL(b, false)
	}
	runtime.Gosched()
}

// endRead ends the batch's read transaction, if any.
func (b *batch) endRead() {
	if b.rtx != nil {
		_ = b.rtx.Rollback()
		b.rtx = nil
	}
}

// readRecord reads the record at r from the file: within the batch's
// transaction or, with the write-ahead log, from the unsynced set as the
// batch began or else from a read transaction begun after that.
func (b *batch) readRecord(r revision) (record, error) {
	if b.records != nil {
		return readRecord(b.records, r)
	}
	if rec, ok := b.pend.get(r); ok {
		return rec, nil
	}
	if b.rtx == nil {
		b.s.mu.RLock()
		tx, err := b.s.db.Begin(false)
		b.s.mu.RUnlock()
		if err != nil {
			return record{}, fmt.Errorf("mvcc: begin read transaction: %w", err)
		}
		b.rtx = tx
	}
	return readRecord(b.rtx.Bucket(recordsBucket), r)
}

// dirty reports whether the batch changed the file.
func (b *batch) dirty() bool { return b.rev != b.startRev || b.metaDirty }

// publish makes a committed batch visible: the index and revision to
// readers, the lease table, then the events to watchers. It runs before
// any request of the batch is answered, so a caller that saw its write
// acknowledged reads it back and watchers started after it begin past it.
//
// With deferred sync, the records the batch wrote join the unsynced set
// in the same critical section as the index names them, or, when the
// batch committed (committed), the set is replaced by an empty one.
func (s *Store) publish(b *batch, committed bool) {
	if !b.dirty() {
		return
	}
	// Cache the new values: a key just written is likely read next (the
	// read of a read-modify-write). changes and events are in step.
	for i, c := range b.changes {
		if !c.entry.tombstone {
			s.cache.put(c.entry.rev, record{kv: b.events[i].KV})
		}
	}
	s.mu.Lock()
	for _, c := range b.changes {
		s.idx.add(c.key, c.entry)
	}
	s.rev = b.rev
	if b.compactRev > 0 {
		s.compactRev = b.compactRev
	}
	if s.pend != nil {
		if committed {
			s.pend = newUnsynced(b.rev)
		} else {
			s.pend.add(b.written)
		}
	}
	s.mu.Unlock()
	s.leaseSeq = b.leaseSeq
	if b.applied > 0 {
		s.applied.Store(b.applied)
	}
	s.lessor.apply(b.events, b.granted, b.revoked)
	if len(b.events) > 0 {
		s.hub.publish(b.events, b.rev)
	}
}

// fail puts the store in the failed state after a storage error: bbolt
// rolled the transaction back, but what reached the disk is no longer
// known, so every later write fails with err (reads go on serving the last
// committed state). Reopening the store recovers.
func (s *Store) fail(err error) {
	if s.failed.CompareAndSwap(nil, &err) {
		s.log.Error(err, "store failed; writes are refused until it is reopened")
	}
}

// apply applies one request to the batch. Errors of the request's input
// (conflicts, missing keys, unknown leases) fail that request only and
// consume no revision; an errBatch fails the batch.
func (b *batch) apply(r *request) response {
	switch r.kind {
	case reqPut:
		return b.applyPut(r)
	case reqDelete:
		return b.applyDelete(r)
	case reqTxn:
		return b.applyTxn(r.txn)
	case reqGrant:
		return b.applyGrant(r.ttlSeconds)
	case reqRevoke, reqExpire:
		return b.applyRevoke(r.lease, r.kind == reqExpire)
	case reqCompact:
		return b.applyCompact(r.rev)
	case reqDrop:
		return b.applyDrop(r.drops)
	}
	return response{err: errBatch{fmt.Errorf("mvcc: unknown request kind %d", r.kind)}}
}

// current returns key's state as of the requests applied so far: the
// batch's own change if any, else the committed record.
func (b *batch) current(key string) (kv *store.KeyValue, rev revision, err error) {
	if p, ok := b.overlay[key]; ok {
		if !p.live {
			return nil, revision{}, nil
		}
		c := p.kv
		return &c, p.rev, nil
	}
	b.s.mu.RLock()
	e, ok := b.s.idx.latest(key)
	b.s.mu.RUnlock()
	if !ok || e.tombstone {
		return nil, revision{}, nil
	}
	if rec, ok := b.s.cache.get(e.rev); ok {
		return &rec.kv, e.rev, nil
	}
	rec, err := b.readRecord(e.rev)
	if err != nil {
		return nil, revision{}, errBatch{fmt.Errorf("mvcc: key %q: %w", key, err)}
	}
	b.s.cache.put(e.rev, rec)
	return &rec.kv, e.rev, nil
}

// nextRevision returns the revision a change of the current request gets,
// consuming it on the request's first change.
func (b *batch) nextRevision(consumed *bool) int64 {
	if !*consumed {
		b.rev++
		*consumed = true
	}
	return b.rev
}

// writePut writes key's new value at revision rev.sub and records the
// event; prev is the key's state before (nil when absent).
func (b *batch) writePut(rev revision, key string, value []byte, lease store.LeaseID, prev *store.KeyValue, prevRev revision) (store.KeyValue, error) {
	kv := store.KeyValue{Key: key, Value: value, CreateRevision: rev.main, ModRevision: rev.main, Version: 1, Lease: lease}
	if prev != nil {
		kv.CreateRevision = prev.CreateRevision
		kv.Version = prev.Version + 1
	}
	if err := b.writeRecord(&record{kv: kv, prev: prevRev}, rev); err != nil {
		return kv, err
	}
	b.overlay[key] = pending{kv: kv, live: true, rev: rev}
	b.changes = append(b.changes, indexChange{key: key, entry: indexEntry{rev: rev}})
	b.events = append(b.events, store.Event{Type: store.EventPut, KV: kv, PrevKV: prev})
	return kv, nil
}

// writeDelete writes key's deletion at revision rev.sub; prev is its live
// state before.
func (b *batch) writeDelete(rev revision, key string, prev *store.KeyValue, prevRev revision) (store.KeyValue, error) {
	kv := store.KeyValue{Key: key, ModRevision: rev.main}
	if err := b.writeRecord(&record{kv: kv, tombstone: true, prev: prevRev}, rev); err != nil {
		return kv, err
	}
	b.overlay[key] = pending{kv: kv, rev: rev}
	b.changes = append(b.changes, indexChange{key: key, entry: indexEntry{rev: rev, tombstone: true}})
	b.events = append(b.events, store.Event{Type: store.EventDelete, KV: kv, PrevKV: prev})
	return kv, nil
}

// writeRecord puts one record into the transaction. Its bucket key and
// encoding are appended to b.recBuf (see there).
func (b *batch) writeRecord(rec *record, rev revision) error {
	start := len(b.recBuf)
	b.recBuf = rev.appendKey(slices.Grow(b.recBuf, revKeySize+recordSize(rec)))
	b.recBuf = appendRecord(b.recBuf, rec)
	key := b.recBuf[start : start+revKeySize : start+revKeySize]
	data := b.recBuf[start+revKeySize : len(b.recBuf) : len(b.recBuf)]
	if err := b.put(walRecords, key, data); err != nil {
		return errBatch{fmt.Errorf("mvcc: write record of key %q at revision %d: %w", rec.kv.Key, rev.main, err)}
	}
	if b.s.deferring() {
		b.written = append(b.written, pendingRecord{rev: rev, rec: *rec})
	}
	return nil
}

func (b *batch) applyPut(r *request) response {
	prev, prevRev, err := b.current(r.key)
	if err != nil {
		return response{err: err}
	}
	switch r.mode {
	case modeCreate:
		if prev != nil {
			return response{err: store.ErrExists}
		}
	case modeUpdate:
		if err := b.checkExpected(r.key, r.expected, prev); err != nil {
			return response{err: err}
		}
	}
	if err := b.checkLease(r.key, r.lease); err != nil {
		return response{err: err}
	}
	var consumed bool
	rev := revision{main: b.nextRevision(&consumed)}
	kv, err := b.writePut(rev, r.key, r.value, r.lease, prev, prevRev)
	if err != nil {
		return response{err: err}
	}
	return response{write: store.WriteResponse{KV: kv, PrevKV: prev, Revision: b.rev}}
}

func (b *batch) applyDelete(r *request) response {
	prev, prevRev, err := b.current(r.key)
	if err != nil {
		return response{err: err}
	}
	if err := b.checkExpected(r.key, r.expected, prev); err != nil {
		return response{err: err}
	}
	var consumed bool
	rev := revision{main: b.nextRevision(&consumed)}
	kv, err := b.writeDelete(rev, r.key, prev, prevRev)
	if err != nil {
		return response{err: err}
	}
	return response{write: store.WriteResponse{KV: kv, PrevKV: prev, Revision: b.rev}}
}

// checkExpected is the guard of Update and Delete: the key must exist
// (else ErrNotFound) and, when expected is set, have that mod revision. A
// guarded write of a missing key is a conflict with Current nil, as an etcd
// transaction comparing the mod revision would fail.
func (b *batch) checkExpected(key string, expected int64, cur *store.KeyValue) error {
	switch {
	case expected != 0 && (cur == nil || cur.ModRevision != expected):
		return &store.ConflictError{Key: key, Expected: expected, Current: cur, Revision: b.rev}
	case cur == nil:
		return store.ErrNotFound
	}
	return nil
}

// checkLease fails when a key would be attached to a lease that does not
// exist, has expired or was revoked earlier in this batch.
func (b *batch) checkLease(key string, id store.LeaseID) error {
	if id == store.NoLease {
		return nil
	}
	if b.revoked[id] || !b.s.leaseUsable(id) {
		return fmt.Errorf("attach to lease %d: %w", id, store.ErrLeaseNotFound)
	}
	return nil
}

func (b *batch) applyGrant(ttlSeconds int64) response {
	b.leaseSeq++
	id := store.LeaseID(b.leaseSeq)
	data, err := marshalLease(id, ttlSeconds)
	if err != nil {
		return response{err: errBatch{err}}
	}
	if err := b.put(walLeases, uint64Bytes(uint64(id)), data); err != nil {
		return response{err: errBatch{fmt.Errorf("mvcc: write lease %d: %w", id, err)}}
	}
	if err := b.put(walMeta, metaLeaseSeq, uint64Bytes(uint64(b.leaseSeq))); err != nil {
		return response{err: errBatch{fmt.Errorf("mvcc: write lease sequence: %w", err)}}
	}
	b.metaDirty = true
	b.granted = append(b.granted, grantedLease{id: id, ttl: ttlSeconds})
	return response{lease: store.Lease{ID: id, TTL: secondsToDuration(ttlSeconds)}}
}

// applyRevoke deletes every key attached to lease id in one revision (none
// when it has no keys) and removes the lease.
func (b *batch) applyRevoke(id store.LeaseID, expiry bool) response {
	if b.revoked[id] || !b.s.lessor.exists(id) {
		if expiry {
			return response{}
		}
		return response{err: store.ErrLeaseNotFound}
	}
	// The keys attached as committed, plus those this batch attached;
	// keep those whose current state is attached to id.
	cand := b.s.lessor.keys(id)
	for k, p := range b.overlay {
		if p.live && p.kv.Lease == id {
			cand = append(cand, k)
		}
	}
	sort.Strings(cand)
	var consumed bool
	sub := int64(0)
	for i, key := range cand {
		if i > 0 && cand[i-1] == key {
			continue
		}
		prev, prevRev, err := b.current(key)
		if err != nil {
			return response{err: err}
		}
		if prev == nil || prev.Lease != id {
			continue
		}
		rev := revision{main: b.nextRevision(&consumed), sub: sub}
		sub++
		if _, err := b.writeDelete(rev, key, prev, prevRev); err != nil {
			return response{err: err}
		}
	}
	if err := b.delete(walLeases, uint64Bytes(uint64(id))); err != nil {
		return response{err: errBatch{fmt.Errorf("mvcc: remove lease %d: %w", id, err)}}
	}
	b.metaDirty = true
	b.revoked[id] = true
	return response{}
}

// applyCompact persists a new compaction revision.
func (b *batch) applyCompact(rev int64) response {
	cur := b.s.compactRevision()
	if b.compactRev > cur {
		cur = b.compactRev
	}
	if rev <= cur {
		return response{err: &store.CompactedError{Requested: rev, Compacted: cur}}
	}
	if rev > b.rev {
		return response{err: fmt.Errorf("current revision %d: %w", b.rev, store.ErrFutureRevision)}
	}
	if err := b.put(walMeta, metaCompact, uint64Bytes(uint64(rev))); err != nil {
		return response{err: errBatch{fmt.Errorf("mvcc: write compaction revision %d: %w", rev, err)}}
	}
	b.compactRev = rev
	b.metaDirty = true
	return response{}
}

// applyDrop removes compacted records.
func (b *batch) applyDrop(revs []revision) response {
	var k [revKeySize]byte
	for _, r := range revs {
		if err := b.delete(walRecords, r.appendKey(k[:0])); err != nil {
			return response{err: errBatch{fmt.Errorf("mvcc: remove compacted record %d.%d: %w", r.main, r.sub, err)}}
		}
	}
	if len(revs) > 0 {
		b.metaDirty = true
	}
	return response{}
}

// put writes key in one of the file's buckets within the batch's
// transaction or, with the write-ahead log, adds it to the batch's record
// for the flusher to write. key and value must not change until the
// transaction ends.
func (b *batch) put(bucket walBucket, key, value []byte) error {
	if b.s.wal != nil {
		b.walRec = walAppendOp(b.walRec, walPut, bucket, key, value)
		return nil
	}
	return b.bucket(bucket).Put(key, value)
}

// delete removes key from one of the file's buckets, as put writes it.
func (b *batch) delete(bucket walBucket, key []byte) error {
	if b.s.wal != nil {
		b.walRec = walAppendOp(b.walRec, walDelete, bucket, key, nil)
		return nil
	}
	return b.bucket(bucket).Delete(key)
}

func (b *batch) bucket(w walBucket) *bolt.Bucket {
	if w == walRecords {
		return b.records
	}
	return b.tx.Bucket(walBucketNames[w])
}
