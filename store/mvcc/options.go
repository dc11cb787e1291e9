package mvcc

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"

	"github.com/rigging-dev/rigging/store"
)

// The defaults a zero Options field stands for.
const (
	// DefaultFileName is the database file's name inside Options.Dir.
	DefaultFileName = "rigging.db"
	// DefaultProgressInterval is how long a watcher with ProgressNotify may
	// be idle before it gets a progress notification: 10 s, so an API
	// server can send watch bookmarks well within its usual one minute.
	DefaultProgressInterval = 10 * time.Second
	// DefaultWatchBufferSize is how many events a watcher may have queued
	// and not yet received before it falls back to catching up from the
	// event history and the file: 1024, etcd's per-watcher channel size.
	DefaultWatchBufferSize = 1024
	// DefaultMaxBatch is the most write requests one commit (one fsync)
	// carries: 512.
	DefaultMaxBatch = 512
	// DefaultCacheBytes is the memory of decoded records kept for reads:
	// 64 MiB.
	DefaultCacheBytes = 64 << 20
	// DefaultWALSyncInterval is how often a store with WriteAheadLog
	// commits its logged writes to the database file and empties the log:
	// 100 ms.
	DefaultWALSyncInterval = 100 * time.Millisecond
	// DefaultInitialMmapSize is the size bbolt first maps the file with:
	// 1 GiB of address space (not memory), so that a long read, such as a
	// Snapshot, does not stall writers while the file grows below it.
	DefaultInitialMmapSize = 1 << 30
)

// Options configure Open. The zero value opens or creates rigging.db in the
// current directory with the defaults stated on each field.
type Options struct {
	// Path is the database file. Default: DefaultFileName ("rigging.db")
	// inside Dir.
	Path string
	// Dir is the directory the file is created in when Path is empty,
	// created (0700) when missing. Default: the current directory.
	Dir string
	// Limits bound keys, values and transactions; zero fields take
	// store.DefaultLimits (3072-byte keys, 1.5 MiB values, 128 ops).
	Limits store.Limits
	// ProgressInterval is how long a watcher that asked for progress
	// notifications may be idle before it gets one. Default 10 s.
	ProgressInterval time.Duration
	// WatchBufferSize is how many events may wait for one watcher's reader
	// before that watcher stops being fed by the writer and catches up on
	// its own, from the recent-event history or from the file. Default
	// 1024.
	WatchBufferSize int
	// MaxBatch is the most write requests committed together in one bbolt
	// transaction and one fsync (group commit). A batch also closes once it
	// carries 16 MiB of keys and values. Default 512; at most 65536.
	MaxBatch int
	// CacheBytes bounds the cache of recently written and read records,
	// kept decoded so that reads of hot keys skip the file (values over
	// 1 MiB are never cached). Default 64 MiB; -1 turns the cache off.
	CacheBytes int
	// InitialMmapSize is bbolt's initial memory map size in bytes. Default
	// 1 GiB.
	InitialMmapSize int
	// PageSize is the bbolt page size, in bytes, of a file that Open
	// creates: a power of two from 4096 to 65536. Default: the operating
	// system's page size (4096 on x86-64 Linux). A file that exists keeps
	// the page size it was created with whatever PageSize says, and
	// Defrag keeps the file's.
	//
	// bbolt puts at least two keys in a leaf page, so a record of more
	// than about half a page takes as much room as two do: each costs a
	// whole page of writes and of memory at commit. An API server's pods
	// (some 2.3 KB of JSON each) take two 4 KiB pages for every two; with
	// 8192, three of a batch fit one page (records written one commit at a
	// time still take a page for every two). Measured with 100 concurrent
	// creates of 2,300-byte values: page writes 4.4 -> 3.2 KB and store
	// CPU 30-37 -> 25-29 µs per create.
	PageSize int
	// Clock drives lease expiry and progress notifications. Default: the
	// real clock. Tests pass a *FakeClock.
	Clock Clock
	// Logger receives the store's rare notices (recovery, compaction,
	// failures). Default: discard.
	Logger logr.Logger

	// Replicated puts the store under a replication layer (package
	// store/raftstore) that feeds it writes through ApplyReplicated: the
	// local lease-expiry goroutine is off (the replication leader decides
	// expiry and replicates it as an expire command), and attaching a key
	// to a lease checks only that the lease exists, not its local deadline,
	// so that every replica decides alike. See replicated.go.
	Replicated bool
	// WriteAheadLog makes a standalone store log each batch of writes to
	// a sequential file next to the database (segments named Path +
	// ".wal." + 16 hex digits) and fdatasync that, one append and one
	// fdatasync per batch, instead of committing the bbolt transaction
	// (two fdatasyncs and every dirty page) before answering. A write is
	// durable when its call returns, as without the log. The bbolt commit
	// runs on a goroutine of its own, beside the writer, every
	// SyncInterval (default 100 ms with the log), at 10,000 requests or 64
	// MiB, before Snapshot and Defrag, on Sync and on Close; the log
	// segments it covers are then removed, and Close leaves none. It costs
	// memory for the records not yet committed (served from memory) and
	// some CPU per write (the record is built, then redone into bbolt).
	// Open replays a log left by a crash whether or not this field is
	// set. It cannot be combined with Replicated, whose log is the
	// replication layer's. Default false. See doc.go, "Durability and
	// recovery".
	WriteAheadLog bool
	// SyncInterval, with Replicated, defers the commit (and fsync) of
	// replicated commands: they are applied into one bbolt transaction
	// that is committed every SyncInterval (on Clock), once it carries 10,000
	// requests or 64 MiB of keys and values, before a snapshot
	// (BeginSnapshot, Snapshot) or Defrag, before any local write, on
	// Sync and on Close. Readers and watchers see each command as soon as
	// ApplyReplicated returns; a crash loses at most the commands applied
	// since the last commit, which the replication layer replays from its
	// durable log, starting after SyncedIndex as persisted (etcd's backend
	// batch interval works the same way). Default 0: every batch is
	// committed and fsynced before ApplyReplicated returns. raftstore
	// sets 100 ms (raftstore.DefaultEngineSyncInterval). With
	// WriteAheadLog it is the interval of the bbolt commits behind the
	// log, default DefaultWALSyncInterval (100 ms); without either field
	// it must be 0.
	SyncInterval time.Duration
}

// maxMaxBatch is the largest MaxBatch accepted.
const maxMaxBatch = 1 << 16

// maxBatchBytes closes a batch once it carries this many bytes of keys and
// values.
const maxBatchBytes = 16 << 20

// The page sizes Options.PageSize allows.
const (
	minPageSize = 4 << 10
	maxPageSize = 64 << 10
)

// withDefaults validates o and fills in its zero fields.
func (o Options) withDefaults() (Options, error) {
	if o.ProgressInterval < 0 {
		return o, fmt.Errorf("mvcc: negative ProgressInterval %v", o.ProgressInterval)
	}
	if o.WatchBufferSize < 0 {
		return o, fmt.Errorf("mvcc: negative WatchBufferSize %d", o.WatchBufferSize)
	}
	if o.MaxBatch < 0 || o.MaxBatch > maxMaxBatch {
		return o, fmt.Errorf("mvcc: MaxBatch %d out of range [0, %d]", o.MaxBatch, maxMaxBatch)
	}
	if o.CacheBytes < -1 {
		return o, fmt.Errorf("mvcc: CacheBytes %d: want -1 (off), 0 (default) or a size", o.CacheBytes)
	}
	if o.SyncInterval < 0 {
		return o, fmt.Errorf("mvcc: negative SyncInterval %v", o.SyncInterval)
	}
	if o.WriteAheadLog && o.Replicated {
		return o, fmt.Errorf("mvcc: WriteAheadLog with Replicated: a replicated store's log is the replication layer's")
	}
	if o.SyncInterval > 0 && !o.Replicated && !o.WriteAheadLog {
		return o, fmt.Errorf("mvcc: SyncInterval %v needs Replicated or WriteAheadLog: local writes are durable when they return", o.SyncInterval)
	}
	if o.WriteAheadLog && o.SyncInterval == 0 {
		o.SyncInterval = DefaultWALSyncInterval
	}
	if o.InitialMmapSize < 0 {
		return o, fmt.Errorf("mvcc: negative InitialMmapSize %d", o.InitialMmapSize)
	}
	if p := o.PageSize; p != 0 && (p < minPageSize || p > maxPageSize || p&(p-1) != 0) {
		return o, fmt.Errorf("mvcc: PageSize %d: want 0 (the system's) or a power of two from %d to %d", p, minPageSize, maxPageSize)
	}
	l := o.Limits
	if l.MaxKeySize < 0 || l.MaxValueSize < 0 || l.MaxTxnOps < 0 {
		return o, fmt.Errorf("mvcc: negative limit in %+v", l)
	}
	o.Limits = l.WithDefaults()
	if o.Path == "" {
		o.Path = filepath.Join(o.Dir, DefaultFileName)
	}
	if o.ProgressInterval == 0 {
		o.ProgressInterval = DefaultProgressInterval
	}
	if o.WatchBufferSize == 0 {
		o.WatchBufferSize = DefaultWatchBufferSize
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	if o.InitialMmapSize == 0 {
		o.InitialMmapSize = DefaultInitialMmapSize
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	return o, nil
}
