// Package store defines the Store interface, the revisioned key-value
// contract that the API server keeps every object in, with the semantics an
// API server relies on from etcd v3.
//
// Start with [Store]. A store has one global revision, an int64 that every
// successful write increments by exactly one (a transaction or a lease
// expiry that deletes several keys is one write). Every key carries the
// revision that created it, the revision of its last change and a version
// counting its changes since creation. Reads of one call see one revision.
// Writes are guarded by the expected mod revision (compare-and-swap). A
// watch delivers every change at or after a revision, in revision order,
// exactly once, with the previous value, and fails with [ErrCompacted] when
// that revision has been compacted away.
//
// Implementations in this repository: store/mvcc (durable, embedded, on
// bbolt), store/raftstore (replicated with Raft) and store/etcd (an existing
// etcd cluster). Any implementation can check itself against the exported
// conformance suite in store/storetest.
//
// Errors are the sentinels below, wrapped with the key or revision they are
// about; test them with errors.Is. A conflict also carries the current value
// as a [*ConflictError], found with errors.As.
package store
