// Package raftstore benchmarks store/raftstore, a 3-replica cluster on
// loopback, side by side with a 3-member embedded etcd cluster (same
// machine, same process, fsync on, 1 KiB values): puts/s and p50/p99
// latency at 1, 16 and 256 concurrent clients, linearizable gets/s, and
// the time from killing the leader to the first write a new leader
// acknowledges. Run it once with
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 20m ./raftstore/
//
// from the bench module; README.md describes the rows and flags.
package raftstore
