// Package mvcc is the durable single-node implementation of store.Store:
// every revision of every key in one bbolt file, served with the semantics
// of etcd v3 that an API server relies on. It is the store a Rigging
// cluster embeds by default.
//
// Start with [Open], which returns a [*Store]; close it with
// [Store.Close]. Beyond store.Store it implements store.Transactor (Txn)
// and offers [Store.Snapshot] and [Restore] for backups, [Store.Defrag] to
// reclaim file space after compaction, and [FakeClock] for tests of lease
// expiry and progress notifications.
//
// # How it works
//
// The design is etcd's own backend's. The file holds a records bucket
// keyed by revision (8-byte big-endian main revision, then the index of the
// change within that write), each value a Protocol Buffers mvccpb.Record
// (key, value, create and mod revision, version, lease, deletion flag and
// where the key's previous value is), and a meta bucket with the current
// and compaction revisions and the leases. An in-memory B-tree maps every
// key to the revisions of its records; it is rebuilt from the file on
// Open. A read finds the record in the index and reads it from one bbolt
// read transaction, so a read never waits for a write's fsync.
//
// All writes go through one goroutine that owns bbolt's write
// transaction (group commit): it takes every request waiting, up to
// Options.MaxBatch, applies them in order, giving consecutive revisions to
// those that change something, commits them with one fsync, and only then
// answers each. A write is therefore durable when its call returns, and a
// request that fails validation (an existing key for Create, a conflicting
// mod revision, an unknown lease) fails alone and takes no revision.
// Throughput grows with the number of concurrent writers, since one fsync
// serves them all.
//
// Watchers are fed after each commit, in revision order, without the
// writer ever waiting for one: see [Store.Watch]. Leases expire on the
// store's [Clock]; the keys of an expired or revoked lease are deleted in
// one write. [Store.Compact] drops history in bounded steps, so writers and
// readers are never stalled for long.
//
// # Durability and recovery
//
// A multi-key write (a transaction, a lease expiry) is one bbolt
// transaction: after a crash it is entirely there or entirely absent, and
// Open resumes from the last committed revision, with no gap. bbolt (and
// the write-ahead log below) must be on a file system that honours fsync.
//
// Under a replication layer (Options.Replicated, Store.ApplyReplicated)
// the log index of each command is committed with its effect, and with
// Options.SyncInterval the commit itself is deferred: commands are
// applied into one bbolt transaction that is committed on a timer (or at
// 10,000 requests, before a snapshot, a local write, Defrag or Close), so
// a write costs the replicated log's fsync alone. Reads and watches see a
// command as soon as it is applied (uncommitted records are served from
// memory); after a crash the file holds the commands up to
// Store.SyncedIndex and the layer replays its log from there. See
// deferred.go.
//
// A standalone store may keep its own log instead: with
// Options.WriteAheadLog, the writer applies each batch in memory, appends
// its effect (every bucket put and delete, not the requests) as one
// checksummed record to a sequential file next to the database (Path +
// ".wal." + the first record's sequence number), fdatasyncs it, and only
// then publishes and answers the batch: a write is durable when its call
// returns, at the cost of one append and one fdatasync per batch, where a
// bbolt commit costs two fdatasyncs and every dirty page. A second
// goroutine, the flusher, redoes the logged records in bbolt's write
// transaction as they come and commits it beside the writer, on the
// deferred schedule above (every SyncInterval, default 100 ms, at 10,000
// requests or 64 MiB, before Snapshot or Defrag, on Sync and Close); each
// commit names the last record it holds, and the log's segments it covers
// are then removed, so the log stays small and Close leaves none.
// Uncommitted records are served from memory meanwhile, as above.
//
// After a crash Open redoes, in one transaction, the logged records after
// the one the file names (whether or not WriteAheadLog is set on this
// Open), so the file holds exactly the acknowledged writes, and possibly
// writes that were logged but not yet answered, with their revisions,
// leases and history. Replay makes no decision of its own (no
// precondition, lease deadline or clock is consulted: the effects of a
// lease the local lessor expired are in the log like any write), so it
// always reproduces the original outcome. A last record cut short or
// failing its checksum, followed by nothing but zeros, is a write the
// crash tore before it was acknowledged and is dropped; any other damage
// (a bad record with more log after it, a missing or misnamed segment, a
// torn record before the last segment) fails Open with an error naming the
// segment, rather than losing writes silently. Restore refuses a path
// that has log segments next to it. See wal.go and flush.go.
package mvcc
