// Package etcd implements store.Store and store.Transactor on an existing
// etcd v3 cluster, through go.etcd.io/etcd/client/v3, for users who already
// run etcd or need more than store/mvcc and store/raftstore give.
//
// Start with [Dial], which connects and checks that etcd answers, or [New],
// which wraps a *clientv3.Client the caller already has. [Options] sets a
// key prefix, so that several Rigging clusters can share one etcd, and the
// limits checked before a request is sent.
//
// Every operation is one etcd request with etcd's own semantics: reads are
// linearizable Ranges; Create, Update and Delete are transactions guarded
// by the key's create or mod revision (the Else branch of Update and
// Delete reads the key, so that a failure can say whether it conflicted or
// was missing); watches carry previous values and progress notifications;
// leases and compaction are etcd's. Two calls make one extra request: a
// Watch first reads one key to check its revision (and, from revision 0,
// to learn the current one), and a Txn whose value comparison must hold
// for a missing key first reads which of those keys exist (see
// [Store.Txn]). And since no etcd read reports the compaction revision, an
// error for a compacted revision is built after a short watch from below
// it, which etcd cancels at once with that revision.
//
// Where etcd differs from the letter of the store contract, this package
// reports etcd's facts rather than disguising them:
//
//   - Revisions are etcd's, verbatim. A fresh etcd is at revision 1, so the
//     first write through a Store on a fresh etcd is revision 2, not 1.
//   - etcd has one revision for the whole cluster. With Options.Prefix,
//     writes outside the prefix advance it too: revisions seen through the
//     Store stay monotonic and consistent, but may skip numbers. Leases,
//     compaction and the compaction revision are cluster-wide as well.
//   - etcd limits whole requests (--max-request-bytes, default 1.5 MiB) and
//     the comparisons and ops of a transaction (--max-txn-ops, default
//     128); requests over them fail with store.ErrTooLarge. A value of the
//     store's default limit, 1.5 MiB, plus its key does not fit etcd's
//     default request limit: raise --max-request-bytes (the tests run etcd
//     with 4 MiB) or lower Options.Limits.MaxValueSize.
//   - Lease TTLs are whole seconds, and etcd raises a TTL below its minimum
//     (2 s with its default election timeout).
//
// The package is tested against a real etcd server (Debian's etcd-server,
// /usr/bin/etcd) with the conformance suite in store/storetest.
package etcd
