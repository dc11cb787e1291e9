package mvcc

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-logr/logr"
	bolt "go.etcd.io/bbolt"

	"github.com/rigging-dev/rigging/store"
)

var (
	_ store.Store      = (*Store)(nil)
	_ store.Transactor = (*Store)(nil)
)

// Store is the durable single-node MVCC store: every revision of every key
// in one bbolt file, an in-memory index over it, group-committed writes,
// watches, leases and compaction. Open one with Open; all its methods are
// safe for concurrent use; Close releases it.
type Store struct {
	opts Options
	log  logr.Logger

	// mu guards the state readers see. The writer takes it exclusively
	// for a moment after each commit; Defrag holds it while swapping the
	// file. Never take it while holding a bbolt transaction.
	mu sync.RWMutex
	// db is the open file; nil after Close.
	db *bolt.DB
	// idx is every key's history still on disk.
	idx *index
	// rev is the last committed revision.
	rev int64
	// compactRev is the compaction revision: reads before it fail.
	compactRev int64
	// pend is the set of records applied but not yet committed to the
	// file (Options.SyncInterval); nil when the store commits every
	// batch. The pointer is guarded by mu (see unsynced).
	pend *unsynced

	// wal is the write-ahead log (Options.WriteAheadLog), nil without
	// one; the writer appends to it, the flusher removes what the file
	// holds (flush.go).
	wal *wal
	// flushQ hands logged records to the flusher; nil without the log.
	flushQ *flushQueue

	// cache holds recent records, decoded; nil when off.
	cache *recordCache

	// leaseSeq is the last lease ID granted; owned by the writer.
	leaseSeq int64

	lessor *lessor
	hub    *hub

	reqs       chan *request
	stop       chan struct{} // closed by Close
	writerDone chan struct{} // closed when the writer has exited
	closed     atomic.Bool
	closeOnce  sync.Once
	// failed is the storage error that stopped writes, if any.
	failed atomic.Pointer[error]
	// commits counts write transactions committed (for tests: group
	// commit shares one among many writes).
	commits atomic.Int64
	// applied is the last replicated log index applied (see
	// ApplyReplicated); 0 for a store never fed by replication.
	applied atomic.Uint64
	// synced is the replicated log index the file holds durably (behind
	// applied only with Options.SyncInterval).
	synced atomic.Uint64
	// compactMu serializes Compact calls.
	compactMu sync.Mutex

	// goMu guards stopping against spawn: no goroutine starts once Close
	// has begun waiting.
	goMu     sync.Mutex
	stopping bool
	wg       sync.WaitGroup // every goroutine but the watchers'
}

// spawn runs f on a goroutine that Close waits for; it reports false, and
// runs nothing, once Close has begun.
func (s *Store) spawn(f func()) bool {
	s.goMu.Lock()
	defer s.goMu.Unlock()
	if s.stopping {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// Open opens the store in the file opts names, creating it when missing,
// and recovers its last committed state: the revision, every key's
// history, the compaction revision (finishing a compaction that a crash
// interrupted) and the leases, each restarted with its full TTL from now
// (as etcd does on restart: a lease never expires early because the store
// was down). Before that it replays the write-ahead log (segments Path +
// ".wal.*") into the file if one is there, whether or not Options.WriteAheadLog is
// set: see wal.go. ctx bounds the wait for another process's lock on the
// file.
func Open(ctx context.Context, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	db, err := openBolt(ctx, opts.Path, opts.InitialMmapSize, opts.PageSize)
	if err != nil {
		return nil, err
	}
	var w *wal
	err = initBuckets(db)
	if err == nil {
		w, err = recoverWAL(db, opts)
	}
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s, err := start(db, opts, w)
	if err != nil {
		if w != nil {
			_ = w.close()
		}
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// recoverWAL replays the write-ahead log into db and then, with
// Options.WriteAheadLog, returns a new one open for appending.
func recoverWAL(db *bolt.DB, opts Options) (*wal, error) {
	held, err := replayWAL(db, opts.Path)
	if err != nil || !opts.WriteAheadLog {
		return nil, err
	}
	return openWAL(opts.Path, held)
}

// start recovers the state of an open file and starts the goroutines.
func start(db *bolt.DB, opts Options, w *wal) (*Store, error) {
	if err := initBuckets(db); err != nil {
		return nil, err
	}
	rc, err := recoverState(db)
	if err != nil {
		return nil, err
	}
	s := &Store{
		opts:       opts,
		log:        opts.Logger.WithValues("path", opts.Path),
		db:         db,
		wal:        w,
		idx:        rc.idx,
		rev:        rc.rev,
		compactRev: rc.compactRev,
		leaseSeq:   rc.leaseSeq,
		lessor:     newLessor(opts.Clock),
		cache:      newRecordCache(int64(opts.CacheBytes)),
		reqs:       make(chan *request, opts.MaxBatch),
		stop:       make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	if rc.compactRev > 0 {
		// Finish a compaction the last run may not have: records it made
		// obsolete that are still on disk.
		dropped, _, _ := s.idx.compact("", -1, rc.compactRev, nil)
		if len(dropped) > 0 {
			s.log.Info("finishing interrupted compaction", "revision", rc.compactRev, "records", len(dropped))
			if err := deleteRecords(db, dropped, compactBatchRecords); err != nil {
				return nil, err
			}
		}
	}
	if orphans := s.lessor.restore(rc.leaseTTL, rc.keyLease); len(orphans) > 0 {
		s.log.Info("keys attached to leases that no longer exist", "keys", orphans)
	}
	s.hub = newHub(s.rev, opts.WatchBufferSize, s.readEvents)
	if err := s.loadApplied(); err != nil {
		return nil, err
	}
	s.synced.Store(s.applied.Load())
	if s.deferring() {
		s.pend = newUnsynced(s.rev)
	}
	progress := opts.Clock.NewTicker(opts.ProgressInterval)
	if w != nil {
		s.flushQ = newFlushQueue()
		s.spawn(s.runFlusher)
	}
	s.spawn(s.runWriter)
	if !opts.Replicated {
		expiry := opts.Clock.NewTicker(leaseCheckInterval)
		s.spawn(func() { s.runExpiry(expiry) })
	}
	s.spawn(func() { s.runProgress(progress) })
	return s, nil
}

// Close stops the store: writes still queued fail with ErrClosed, every
// watch ends with a final ErrClosed response, the goroutines exit and the
// file is closed, after any read in progress ends. Close waits for all of
// it. Every later call fails with ErrClosed, and so does a second Close.
func (s *Store) Close() error {
	err := errClosed()
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		s.goMu.Lock()
		s.stopping = true
		s.goMu.Unlock()
		s.wg.Wait()
		s.hub.close()
		s.mu.Lock()
		db := s.db
		s.db = nil
		s.mu.Unlock()
		err = nil
		if cerr := db.Close(); cerr != nil {
			err = fmt.Errorf("mvcc: close %s: %w", s.opts.Path, cerr)
		}
		if s.wal != nil {
			if cerr := s.wal.close(); err == nil {
				err = cerr
			}
		}
	})
	return err
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.opts.Path }

// Revision returns the current revision: that of the last committed write.
func (s *Store) Revision() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rev
}

// CompactRevision returns the compaction revision: the oldest revision
// still readable (0 before any compaction).
func (s *Store) CompactRevision() int64 { return s.compactRevision() }

func (s *Store) compactRevision() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.compactRev
}

// callErr returns the error a call fails with before it starts: its
// context's, or ErrClosed.
func (s *Store) callErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return errClosed()
	}
	return nil
}

// view resolves rev (0: the current revision), checks it against the
// compaction and current revisions and runs lookup on the index at it.
// When lookup reports that it needs records from the file, view returns a
// read transaction that holds every record lookup may name; otherwise the
// transaction is nil. The transaction is begun under the state lock: it
// sees every commit the index shows, and no compaction that removes what
// lookup found, since records are removed only after the compaction
// revision moves past rev (which this lock excludes). The caller must roll
// it back.
func (s *Store) view(rev int64, lookup func(ix *index, at int64) (needTx bool)) (*bolt.Tx, int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return nil, 0, errClosed()
	}
	at := rev
	if at == 0 {
		at = s.rev
	}
	if at > s.rev {
		return nil, at, fmt.Errorf("revision %d, current revision %d: %w", at, s.rev, store.ErrFutureRevision)
	}
	if at < s.compactRev {
		return nil, at, &store.CompactedError{Requested: at, Compacted: s.compactRev}
	}
	if lookup != nil && !lookup(s.idx, at) {
		return nil, at, nil
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, at, fmt.Errorf("mvcc: begin read transaction: %w", err)
	}
	return tx, at, nil
}

// rollback ends a read transaction view returned, if any.
func rollback(tx *bolt.Tx) {
	if tx != nil {
		_ = tx.Rollback()
	}
}

// readRecord reads and decodes the record at r.
func readRecord(b *bolt.Bucket, r revision) (record, error) {
	var k [revKeySize]byte
	data := b.Get(r.appendKey(k[:0]))
	if data == nil {
		return record{}, fmt.Errorf("mvcc: record %d.%d is missing from the file", r.main, r.sub)
	}
	return unmarshalRecord(data)
}

// Get returns key as of opts.Revision (0: the latest), with the revision
// the read was served at. ErrNotFound when the key does not exist then,
// ErrCompacted (a *store.CompactedError) for a compacted revision,
// ErrFutureRevision for one not yet written. It costs one index lookup and
// one record read; no disk write, no lock held while decoding.
func (s *Store) Get(ctx context.Context, key string, opts store.ReadOptions) (store.GetResponse, error) {
	if err := s.callErr(ctx); err != nil {
		return store.GetResponse{}, fmt.Errorf("get %q: %w", key, err)
	}
	if err := s.opts.Limits.CheckKey(key); err != nil {
		return store.GetResponse{}, fmt.Errorf("get: %w", err)
	}
	if err := store.CheckRevision(opts.Revision); err != nil {
		return store.GetResponse{}, fmt.Errorf("get %q: %w", key, err)
	}
	var (
		r      revision
		found  bool
		rec    record
		cached bool
	)
	tx, at, err := s.view(opts.Revision, func(ix *index, at int64) bool {
		if r, found = ix.get(key, at); found {
			if rec, cached = s.cache.get(r); !cached {
				rec, cached = s.pend.get(r)
			}
		}
		return found && !cached
	})
	if err != nil {
		return store.GetResponse{}, fmt.Errorf("get %q: %w", key, err)
	}
	defer rollback(tx)
	if !found {
		return store.GetResponse{Revision: at}, fmt.Errorf("get %q at revision %d: %w", key, at, store.ErrNotFound)
	}
	if !cached {
		if rec, err = readRecord(tx.Bucket(recordsBucket), r); err != nil {
			return store.GetResponse{}, fmt.Errorf("get %q at revision %d: %w", key, at, err)
		}
		s.cache.put(r, rec)
	}
	return store.GetResponse{KV: rec.kv, Revision: at}, nil
}

// List returns the keys starting with prefix, in byte order, all read at
// one revision; see store.Reader and store.ListOptions. Every page of a
// paginated list is read at the first page's revision. Count walks the
// whole prefix in the index on every page (no record is read for it).
func (s *Store) List(ctx context.Context, prefix string, opts store.ListOptions) (store.ListResponse, error) {
	if err := s.callErr(ctx); err != nil {
		return store.ListResponse{}, fmt.Errorf("list %q: %w", prefix, err)
	}
	if err := store.CheckRevision(opts.Revision); err != nil {
		return store.ListResponse{}, fmt.Errorf("list %q: %w", prefix, err)
	}
	if opts.Limit < 0 {
		return store.ListResponse{}, fmt.Errorf("list %q: %w: negative limit %d", prefix, store.ErrInvalid, opts.Limit)
	}
	if len(prefix) > s.opts.Limits.MaxKeySize {
		return store.ListResponse{}, fmt.Errorf("list: %w: prefix of %d bytes exceeds the key limit of %d", store.ErrTooLarge, len(prefix), s.opts.Limits.MaxKeySize)
	}
	rev, from := opts.Revision, prefix
	if opts.Continue != "" {
		tok, err := decodeContinue(opts.Continue)
		if err != nil {
			return store.ListResponse{}, fmt.Errorf("list %q: %w", prefix, err)
		}
		if tok.prefix != prefix {
			return store.ListResponse{}, fmt.Errorf("list %q: %w: continue token is for prefix %q", prefix, store.ErrInvalid, tok.prefix)
		}
		if rev != 0 && rev != tok.rev {
			return store.ListResponse{}, fmt.Errorf("list %q at revision %d: %w: continue token is for revision %d", prefix, rev, store.ErrInvalid, tok.rev)
		}
		rev, from = tok.rev, tok.next
	}
	var (
		page      []revision
		keys      []string
		kvs       []store.KeyValue
		count     int64
		remaining int64
	)
	tx, at, err := s.view(rev, func(ix *index, at int64) bool {
		ix.ascend(prefix, prefix, at, func(key string, r revision) bool {
			count++
			if opts.CountOnly || key < from {
				return true
			}
			if opts.Limit == 0 || int64(len(page)) < opts.Limit {
				page = append(page, r)
				keys = append(keys, key)
			} else {
				remaining++
			}
			return true
		})
		// Take what the cache has; read the rest from the file.
		if len(page) == 0 {
			return false
		}
		kvs = make([]store.KeyValue, len(page))
		miss := false
		for i, r := range page {
			if rec, ok := s.cache.get(r); ok {
				kvs[i] = rec.kv
			} else if rec, ok := s.pend.get(r); ok {
				kvs[i] = rec.kv
			} else {
				miss = true
			}
		}
		return miss
	})
	if err != nil {
		return store.ListResponse{}, fmt.Errorf("list %q: %w", prefix, err)
	}
	defer rollback(tx)
	resp := store.ListResponse{KVs: kvs, Revision: at, Count: count, Remaining: remaining}
	if tx != nil {
		b := tx.Bucket(recordsBucket)
		for i, r := range page {
			if kvs[i].Key != "" {
				continue
			}
			rec, err := readRecord(b, r)
			if err != nil {
				return store.ListResponse{}, fmt.Errorf("list %q at revision %d, key %q: %w", prefix, at, keys[i], err)
			}
			kvs[i] = rec.kv
		}
	}
	if remaining > 0 {
		resp.Continue = continueToken{rev: at, prefix: prefix, next: keys[len(keys)-1] + "\x00"}.encode()
	}
	return resp, nil
}

// readEvents reads from the file the events of keys with prefix in
// revisions [from, to], stopping at a revision boundary once it has limit
// events or has scanned catchUpScanRecords records. It returns the events
// and the first revision not read. It is the unsynced watchers' catch-up
// path, used when the in-memory history no longer reaches back to from.
func (s *Store) readEvents(prefix string, from, to int64, limit int) ([]store.Event, int64, error) {
	s.mu.RLock()
	if s.db == nil {
		s.mu.RUnlock()
		return nil, 0, errClosed()
	}
	if from < s.compactRev {
		err := &store.CompactedError{Requested: from, Compacted: s.compactRev}
		s.mu.RUnlock()
		return nil, 0, fmt.Errorf("watch %q from revision %d: %w", prefix, from, err)
	}
	tx, err := s.db.Begin(false)
	pend := s.pend
	s.mu.RUnlock()
	if err != nil {
		return nil, 0, fmt.Errorf("mvcc: begin read transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	b := tx.Bucket(recordsBucket)
	c := b.Cursor()
	var (
		out     []store.Event
		scanned int
		last    int64
	)
	// The file's records up to the unsynced set's base, then the set's.
	fileTo := to
	if pend != nil {
		fileTo = min(to, pend.base)
	}
	var pendRevs []revision
	if pend != nil && to > pend.base {
		pendRevs = pend.from(from)
	}
	// next yields the records in revision order: the file's, then the
	// unsynced set's (marshalled, as the file's are).
	k, fv := c.Seek(revision{main: from}.key())
	next := func() (revision, []byte, bool, error) {
		if k != nil {
			r, err := parseRevKey(k)
			if err != nil {
				return revision{}, nil, false, err
			}
			if r.main <= fileTo {
				v := fv
				k, fv = c.Next()
				return r, v, true, nil
			}
			k = nil
		}
		if len(pendRevs) == 0 {
			return revision{}, nil, false, nil
		}
		r := pendRevs[0]
		pendRevs = pendRevs[1:]
		rec, ok := pend.get(r)
		if !ok {
			return revision{}, nil, false, fmt.Errorf("mvcc: unsynced record %d.%d is missing", r.main, r.sub)
		}
		v, err := marshalRecord(&rec)
		return r, v, err == nil, err
	}
	for {
		r, v, ok, err := next()
		if err != nil {
			return nil, 0, err
		}
		if !ok || r.main > to {
			break
		}
		if r.main != last {
			if len(out) >= limit || scanned >= catchUpScanRecords {
				return out, r.main, nil
			}
			last = r.main
		}
		scanned++
		h, err := parseRecordHeader(v)
		if err != nil {
			return nil, 0, fmt.Errorf("record %d.%d: %w", r.main, r.sub, err)
		}
		if !strings.HasPrefix(string(h.key), prefix) {
			continue
		}
		rec, err := unmarshalRecord(v)
		if err != nil {
			return nil, 0, fmt.Errorf("record %d.%d: %w", r.main, r.sub, err)
		}
		ev := store.Event{Type: store.EventPut, KV: rec.kv}
		if rec.tombstone {
			ev.Type = store.EventDelete
			ev.KV = store.KeyValue{Key: rec.kv.Key, ModRevision: rec.kv.ModRevision}
		}
		if !rec.prev.isZero() {
			prev, ok := pend.get(rec.prev)
			if !ok {
				prev, err = readRecord(b, rec.prev)
			}
			if err != nil {
				return nil, 0, fmt.Errorf("previous value of record %d.%d: %w", r.main, r.sub, err)
			}
			ev.PrevKV = &prev.kv
		}
		out = append(out, ev)
	}
	return out, to + 1, nil
}

// catchUpScanRecords bounds the records one catch-up read transaction
// scans, so that a watcher far behind does not hold a transaction open for
// long.
const catchUpScanRecords = 10000
