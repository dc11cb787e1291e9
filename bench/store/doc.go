// Package store holds side-by-side benchmarks of Rigging's store/mvcc
// engine and etcd, run on one machine in one process with fsync on and
// 1 KiB values. It has no API: everything is in its _test.go files.
//
// Start with BenchmarkStore in store_bench_test.go. It runs every workload
// (puts at 1, 16 and 256 concurrent writers, or those -store.writers
// names; gets with 16 readers; a list of
// 10,000 keys in one request and in pages of 500; a watch fan-out to 1,000
// watchers) against four targets, each started fresh in a temporary
// directory and removed afterwards:
//
//   - mvcc: store/mvcc opened in-process and used through store.Store (no
//     network hop: the engine has no network service yet);
//   - mvcc-wal: the same with mvcc.Options.WriteAheadLog (each batch one
//     log append and fdatasync, the bbolt commit beside the writer);
//   - etcd-adapter: a single-member etcd server embedded from
//     go.etcd.io/etcd/server/v3/embed, listening on free 127.0.0.1 ports,
//     reached through Rigging's store/etcd adapter over clientv3;
//   - etcd-raw: the same kind of server reached through clientv3 directly,
//     with the cheapest call that does each row's job (no previous values).
//
// After the benchmarks, TestMain prints a markdown table of every figure,
// one column per target. bench/README.md gives the command and the flags
// that size the run.
package store
