// Package raftstore is the Raft-replicated implementation of store.Store:
// a cluster of replicas, each an mvcc.Store fed by a
// github.com/hashicorp/raft log, so that every replica applies the same
// commands in the same order and reaches the same revisions.
//
// Writes (Create, Put, Update, Delete, writing Txn, Grant, Revoke,
// Compact) are protobuf commands (package raftpb) appended to the log by
// the leader; a follower forwards them to the leader over a small gRPC
// service of its own. A call returns once the command is applied on the
// replica it was made on, so a caller reads its own writes there. Each
// command's log index is persisted with its effect in the engine's bbolt
// transaction (mvcc.Store.ApplyReplicated), so the entries raft replays
// after a restart are applied exactly once. As etcd does with its
// backend, the engine commits applied commands every
// Config.EngineSyncInterval (100 ms) rather than fsync each one, so a
// write costs one fsync (the raft log's) per replica: after a crash raft
// replays the log after the engine's last commit. Snapshots are taken of
// committed engine state only (the engine commits first), so the log is
// never truncated past what the engine holds, and Open restores the
// engine from raft's latest snapshot should it ever be behind it.
//
// Reads (Get, List, read-only Txn) are linearizable by default: the
// leader confirms its leadership with a quorum and hands out its commit
// index (ReadIndex; a follower asks the leader for it over the forwarding
// service), and the replica waits until it has applied that far.
// WithSerializable makes them local and possibly stale. Watches are served
// by the local replica's engine.
//
// Lease expiry is decided by the leader alone: the replicas' engines run
// with mvcc.Options.Replicated (no local expiry), the leader replicates an
// expire command for each lease past its deadline (its keys are deleted in
// one revision on every replica), keep-alives and TimeToLive go to the
// leader, and a new leader restarts every TTL in full rather than expire a
// lease early.
//
// Raft's snapshots are engine snapshots (mvcc.Store.BeginSnapshot); a
// replica that installs one from the leader replaces its engine's file and
// reopens it, ending the watches on the old one. Membership (AddVoter,
// AddNonvoter, RemoveMember, TransferLeadership) is changed on the leader;
// called on a follower, it is forwarded there like a write. Cluster
// reports it. Backup and Seed start a new cluster from a running one's
// data.
//
// The raft log is github.com/hashicorp/raft-wal (one fsync per append);
// Config.LogStore takes another, such as raft-boltdb/v2's. The two were
// measured side by side, with the whole store against a 3-member etcd, in
// bench/raftstore (figures in bench/RESULTS.md). DefaultRaftConfig
// states the raft settings a replica runs with and why.
//
// Each replica listens on one TCP address (Config.BindAddr) for both raft
// and forwarding; the first byte of a connection tells them apart, and
// Config.TLS secures both (mutual TLS keeps out a replica whose
// certificate another CA signed).
package raftstore
