// Package storetest is the conformance suite for implementations of
// [store.Store], as net/http/httptest and testing/fstest serve the standard
// library: an implementation calls [Run] from one of its own tests, and the
// suite checks, one subtest per guarantee, that the store keeps the contract
// written in the doc comments of package store (the semantics of etcd v3
// that an API server relies on).
//
// Start with [Run]:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := mystore.Open(t.TempDir(), mystore.Options{ProgressInterval: 100 * time.Millisecond})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The subtests are named Group/Case, so go test -run selects them, for
// example -run 'Conformance/Watch/' or -run 'Conformance/Lease/Expiry'. The
// groups are:
//
//   - KV: the global revision (1 for the first write of a fresh store, +1
//     for every write, unchanged by failed writes), CreateRevision,
//     ModRevision and Version across a key's life, PrevKV, reads at old and
//     future revisions.
//   - CAS: guarded Update and Delete, the [*store.ConflictError] they return,
//     and concurrent read-modify-write counters that lose no increment.
//   - List: prefixes, byte order, Limit/Continue pagination that stays on one
//     snapshot while writers change the prefix, Remaining, Count, CountOnly,
//     lists at old revisions and bad or foreign continue tokens.
//   - Watch: history replay, resumption from any revision, prefixes, order
//     and exactly-once delivery under concurrent writers, progress
//     notifications, compaction, cancellation, slow and many watchers; and,
//     when the store implements [store.ProgressRequester] (optional),
//     a requested progress notification at the current revision.
//   - Compact: reads before the compaction revision fail with
//     [store.ErrCompacted], reads at or after it and the latest state do not
//     change.
//   - Lease: grant, attach, time to live, keep-alive, revoke and expiry (each
//     deleting all of a lease's keys in one revision), unknown leases.
//   - Txn: comparisons, Then and Else, atomic multi-key writes, results, and
//     invalid transactions; run only when the store implements
//     [store.Transactor] (optional), skipped otherwise.
//   - Input: empty, oversized and negative arguments fail with
//     [store.ErrInvalid] or [store.ErrTooLarge] and change nothing; a
//     cancelled context ends every call promptly with its error.
//   - Close: watches end with [store.ErrClosed] and every later call fails
//     with it.
//
// Every comparison reports a go-cmp diff (-want +got). The suite waits on
// conditions, never on sleeps, except where the contract itself is about
// time: lease expiry and progress notifications, which it polls or awaits
// with deadlines. Its run time is dominated by the store's write latency
// (some 3,000 writes in all) and by one lease expiry.
package storetest
