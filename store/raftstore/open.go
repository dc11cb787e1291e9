package raftstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
	"github.com/rigging-dev/rigging/store/raftstore/raftpb"
)

// Defaults of Config.
const (
	// DefaultRequestTimeout bounds a call whose context has no deadline.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultSnapshotThreshold is raft's SnapshotThreshold: log entries
	// between snapshots.
	DefaultSnapshotThreshold = 8192
	// DefaultEngineSyncInterval is how often the engine commits (and
	// fsyncs) the commands applied since its last commit: 100 ms, etcd's
	// backend batch interval. The raft log, fsynced on every append, is
	// the durable record of a write meanwhile; see Config.EngineSyncInterval.
	DefaultEngineSyncInterval = 100 * time.Millisecond
	// logCacheEntries is how many of the latest log entries are kept in
	// memory in front of the log store (each one command, so 256 KiB of
	// entries with 1 KiB values).
	logCacheEntries = 256
	// leaseCheckInterval is how often the leader looks for expired leases.
	leaseCheckInterval = 250 * time.Millisecond
	// The files and directories under Config.Dir.
	engineFile   = "state.db"
	raftWALDir   = "raft-wal"
	raftLogFile  = "raft-log.db" // the bbolt log of replicas made before raft-wal became the default
	snapshotsDir = "snapshots"
	// maxMessage bounds a forwarded gRPC message (a transaction of
	// MaxTxnOps values at the value limit fits).
	maxMessage = 512 << 20
)

// Peer is a member of the initial configuration.
type Peer struct {
	// ID is the server's unique ID.
	ID string
	// Address is the host:port it listens on (Config.BindAddr).
	Address string
}

// Config configures one replica.
type Config struct {
	// ID is this replica's server ID, unique in the cluster and the same
	// across restarts. Required.
	ID string
	// Dir holds the replica's files: the mvcc engine (state.db), the raft
	// log and stable state (raft-wal/, github.com/hashicorp/raft-wal
	// segment files, one fsync per append; a Dir made with the older bbolt
	// log, raft-log.db, keeps it) and raft's snapshots (snapshots/).
	// Required.
	Dir string
	// BindAddr is the TCP host:port to listen on for both raft and the
	// forwarding service; port 0 picks a free port (see Store.Addr).
	// Required.
	BindAddr string
	// Bootstrap makes this replica bootstrap a new cluster of itself and
	// Peers. It is ignored (no error) when Dir already holds raft state.
	Bootstrap bool
	// Peers are the other members of the cluster being bootstrapped.
	Peers []Peer
	// TLS, when set, secures every connection between replicas (raft and
	// forwarding alike): the replica serves with it and dials with it.
	// For mutual TLS, which is what keeps a stranger out of the cluster,
	// set Certificates (this replica's, used both ways), RootCAs and
	// ClientCAs (the CA that signs the members' certificates) and
	// ClientAuth tls.RequireAndVerifyClientCert. When ServerName is empty a
	// dial verifies the peer's certificate against the host of the
	// address it dials, so each certificate must name its replica's
	// address (an IP SAN for an IP) and serve for both server and client
	// authentication. Nil means plain TCP.
	TLS *tls.Config
	// InMemoryLog keeps the raft log and stable state in memory (for
	// tests): the engine and snapshots stay in Dir, but a restart loses
	// the replica's vote and log.
	InMemoryLog bool
	// LogStore and StableStore, when set, hold the raft log and raft's
	// stable state (term, vote) instead of Dir/raft-wal: for example
	// raft-boltdb/v2's BoltStore, which is both (see bench/RESULTS.md for
	// the two measured side by side). Set both or
	// neither, and not with InMemoryLog. They must be durable for the
	// store to keep its guarantees across restarts. The caller opens them
	// before Open and closes them after Close; the store does not close
	// them.
	LogStore    raft.LogStore
	StableStore raft.StableStore
	// Raft overrides raft's settings when non-nil (LocalID, logger and
	// snapshot restore behaviour are always set by Open); nil means
	// DefaultRaftConfig(). Tests use short timeouts.
	Raft *raft.Config
	// SnapshotThreshold is raft's SnapshotThreshold; 0 means
	// DefaultSnapshotThreshold.
	SnapshotThreshold uint64
	// Engine configures the mvcc engine; Path, Dir, Replicated and
	// SyncInterval are set by Open.
	Engine mvcc.Options
	// EngineSyncInterval is the engine's mvcc.Options.SyncInterval: how
	// long applied commands may stay uncommitted in the engine's file, so
	// that each write costs one fsync (the raft log's) rather than two.
	// After a crash the engine resumes from the last index it committed
	// and raft replays the log after it; snapshots are taken only of
	// committed engine state (the engine commits first), so the log is
	// never truncated past what the engine holds durably. 0 means
	// DefaultEngineSyncInterval (100 ms); negative commits and fsyncs the
	// engine on every apply.
	EngineSyncInterval time.Duration
	// RequestTimeout bounds a call whose context has no deadline; 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Logger receives the replica's and raft's logs; the zero Logger
	// discards them.
	Logger logr.Logger
}

// Store is one replica of a Raft-replicated store.Store. Writes go through
// the Raft log (a follower forwards them to the leader) and are answered
// once applied on this replica, so a caller reads its own writes on the
// replica it wrote through. Reads are linearizable unless the context says
// otherwise (see WithSerializable). Watches are served by this replica's
// engine. Every method is safe for concurrent use.
type Store struct {
	cfg  Config
	log  logr.Logger
	addr string

	mux       *mux
	trans     *raft.NetworkTransport
	raft      *raft.Raft
	fsm       *fsm
	logStore  io.Closer // nil in memory
	logs      raft.LogStore
	grpc      *grpc.Server
	reqSeq    atomic.Uint64
	clientsMu sync.Mutex
	clients   map[string]*grpc.ClientConn

	// ready says in which term this replica, as leader, has committed its
	// first entry (and renewed leases); reads and lease calls served as
	// leader wait for it.
	ready readiness

	// testHookApply, when set, replaces applyAsLeader's append and wait
	// (tests make a leader report a lost leadership with it).
	testHookApply atomic.Pointer[func(ctx context.Context, data []byte) (uint64, error)]

	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

var (
	_ store.Store      = (*Store)(nil)
	_ store.Transactor = (*Store)(nil)
)

// Open starts a replica: it opens (or creates) the engine and raft state in
// cfg.Dir, listens on cfg.BindAddr, bootstraps a cluster when asked and Dir
// is new, and returns without waiting for a leader. ctx bounds opening the
// engine's file.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.ID == "" || cfg.Dir == "" || cfg.BindAddr == "" {
		return nil, fmt.Errorf("raftstore: open: %w: ID %q, Dir %q and BindAddr %q are all required", store.ErrInvalid, cfg.ID, cfg.Dir, cfg.BindAddr)
	}
	if (cfg.LogStore == nil) != (cfg.StableStore == nil) || (cfg.LogStore != nil && cfg.InMemoryLog) {
		return nil, fmt.Errorf("raftstore: open: %w: set both LogStore and StableStore or neither, and not with InMemoryLog", store.ErrInvalid)
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.SnapshotThreshold == 0 {
		cfg.SnapshotThreshold = DefaultSnapshotThreshold
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("raftstore: open: %w", err)
	}
	s := &Store{cfg: cfg, log: cfg.Logger.WithValues("replica", cfg.ID), clients: make(map[string]*grpc.ClientConn), stop: make(chan struct{})}
	s.reqSeq.Store(rand.Uint64() >> 1)
	var cleanup []func()
	fail := func(err error) (*Store, error) {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
		return nil, err
	}

	eo := cfg.Engine
	eo.Path = filepath.Join(cfg.Dir, engineFile)
	eo.Dir = ""
	eo.Replicated = true
	eo.Logger = s.log
	switch {
	case cfg.EngineSyncInterval == 0:
		eo.SyncInterval = DefaultEngineSyncInterval
	case cfg.EngineSyncInterval > 0:
		eo.SyncInterval = cfg.EngineSyncInterval
	default:
		eo.SyncInterval = 0
	}
	db, err := mvcc.Open(ctx, eo)
	if err != nil {
		return nil, fmt.Errorf("raftstore: open engine: %w", err)
	}
	s.fsm = newFSM(cfg.ID, eo, db)
	cleanup = append(cleanup, func() {
		if d := s.fsm.store(); d != nil {
			_ = d.Close()
		}
		s.fsm.waitRetired()
	})

	var logs raft.LogStore
	var stable raft.StableStore
	switch {
	case cfg.LogStore != nil:
		logs, stable = cfg.LogStore, cfg.StableStore
	case cfg.InMemoryLog:
		m := raft.NewInmemStore()
		logs, stable = m, m
	default:
		l, err := openLog(cfg.Dir)
		if err != nil {
			return fail(err)
		}
		logs, stable, s.logStore = l, l, l
		cleanup = append(cleanup, func() { _ = l.Close() })
	}
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft-" + cfg.ID, Level: hclog.Warn, Output: io.Discard})
	if cfg.Logger.GetSink() != nil {
		hlog = hclog.New(&hclog.LoggerOptions{Name: "raft-" + cfg.ID, Level: hclog.Info, Output: logrWriter{cfg.Logger}})
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(filepath.Join(cfg.Dir, snapshotsDir), 2, hlog)
	if err != nil {
		return fail(fmt.Errorf("raftstore: open snapshot store: %w", err))
	}

	ln, err := net.Listen("tcp", cfg.BindAddr)
	if err != nil {
		return fail(fmt.Errorf("raftstore: listen on %s: %w", cfg.BindAddr, err))
	}
	s.addr = ln.Addr().String()
	s.mux = newMux(ln, cfg.TLS)
	cleanup = append(cleanup, func() { _ = s.mux.Close() })
	s.trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  streamLayer{s.mux.raft},
		MaxPool: 8,
		Timeout: 10 * time.Second,
		Logger:  hlog,
	})
	cleanup = append(cleanup, func() { _ = s.trans.Close() })

	rc := DefaultRaftConfig()
	if cfg.Raft != nil {
		c := *cfg.Raft
		rc = &c
	}
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = hlog
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	// The engine is durable and knows its applied index: never replace it
	// with raft's last snapshot at start, replay only what it lacks.
	rc.NoSnapshotRestoreOnStart = true
	rc.ShutdownOnRemove = false

	if cfg.Bootstrap {
		has, err := raft.HasExistingState(logs, stable, snaps)
		if err != nil {
			return fail(fmt.Errorf("raftstore: open: %w", err))
		}
		if !has {
			conf := raft.Configuration{Servers: []raft.Server{{ID: raft.ServerID(cfg.ID), Address: raft.ServerAddress(s.addr), Suffrage: raft.Voter}}}
			for _, p := range cfg.Peers {
				conf.Servers = append(conf.Servers, raft.Server{ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Address), Suffrage: raft.Voter})
			}
			if err := raft.BootstrapCluster(rc, logs, stable, snaps, s.trans, conf); err != nil {
				return fail(fmt.Errorf("raftstore: bootstrap: %w", err))
			}
		}
	}
	if err := s.catchUpEngine(logs, snaps); err != nil {
		return fail(err)
	}
	// Followers read each entry back from the log to apply it, and the
	// leader to send it: the cache serves the recent ones from memory
	// (a tenth of the CPU time of 1-client puts went to those reads).
	if logs, err = raft.NewLogCache(logCacheEntries, logs); err != nil {
		return fail(fmt.Errorf("raftstore: open raft log cache: %w", err))
	}
	r, err := raft.NewRaft(rc, s.fsm, logs, stable, snaps, s.trans)
	if err != nil {
		return fail(fmt.Errorf("raftstore: start raft: %w", err))
	}
	s.raft = r
	s.logs = logs

	s.grpc = grpc.NewServer(grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage))
	raftpb.RegisterForwardServer(s.grpc, &forwardServer{s: s})
	s.wg.Add(3)
	go func() {
		defer s.wg.Done()
		_ = s.grpc.Serve(s.mux.grpc)
	}()
	go func() {
		defer s.wg.Done()
		s.watchLeadership()
	}()
	go func() {
		defer s.wg.Done()
		s.expireLeases()
	}()
	return s, nil
}

// catchUpEngine makes sure the engine holds at least the state of raft's
// latest snapshot. Raft starts applying after that snapshot's index
// (NoSnapshotRestoreOnStart leaves the engine in place), so a command at
// or below it that the engine lacks would never be applied. The engine
// commits before every snapshot, so this happens only if its file lost
// committed data; the log entries between the engine's applied index and
// the snapshot's are then checked, and if any is a command or is gone,
// the engine is restored from the snapshot.
func (s *Store) catchUpEngine(logs raft.LogStore, snaps raft.SnapshotStore) error {
	metas, err := snaps.List()
	if err != nil {
		return fmt.Errorf("raftstore: list snapshots: %w", err)
	}
	if len(metas) == 0 {
		return nil
	}
	snap := metas[0] // the newest
	applied := s.fsm.store().AppliedIndex()
	if applied >= snap.Index {
		return nil
	}
	lacks := false
	for i := applied + 1; i <= snap.Index && !lacks; i++ {
		var l raft.Log
		if err := logs.GetLog(i, &l); err != nil || l.Type == raft.LogCommand {
			lacks = true
		}
	}
	if !lacks {
		// Only entries that do not change the engine (no-ops,
		// configuration changes) lie between.
		return nil
	}
	s.log.Info("engine is behind raft's latest snapshot; restoring it from the snapshot", "applied", applied, "snapshot", snap.ID, "snapshotIndex", snap.Index)
	_, rc, err := snaps.Open(snap.ID)
	if err != nil {
		return fmt.Errorf("raftstore: open snapshot %s: %w", snap.ID, err)
	}
	if err := s.fsm.Restore(rc); err != nil {
		return err
	}
	if got := s.fsm.store().AppliedIndex(); got > snap.Index {
		return fmt.Errorf("raftstore: snapshot %s at index %d holds applied index %d", snap.ID, snap.Index, got)
	}
	return nil
}

// DefaultRaftConfig is the raft configuration a replica runs with when
// Config.Raft is nil: hashicorp/raft's defaults (heartbeat and election
// timeouts 1 s, leader lease 500 ms) except for three settings measured in
// bench/raftstore:
//
//   - CommitTimeout 5 ms (raft's default is 50 ms): an idle leader tells
//     its followers the new commit index within 5–10 ms instead of
//     50–100 ms. A write made through a follower returns once that
//     follower has applied it, so this bounds its latency when writes are
//     sparse. It costs an empty AppendEntries per follower every 5–10 ms.
//   - MaxAppendEntries 512 (raft's default is 64) and BatchApplyCh on:
//     up to 512 concurrent writes are appended, fsynced and replicated as
//     one batch.
//
// Each call returns a new Config the caller may modify.
func DefaultRaftConfig() *raft.Config {
	c := raft.DefaultConfig()
	c.CommitTimeout = 5 * time.Millisecond
	c.MaxAppendEntries = 512
	c.BatchApplyCh = true
	return c
}

// logStore is a raft log that is also raft's stable store.
type logStore interface {
	raft.LogStore
	raft.StableStore
	io.Closer
}

// openLog opens the replica's raft log in dir: the bbolt file if an older
// replica left one, otherwise raft-wal's segments (created when new).
func openLog(dir string) (logStore, error) {
	bolt := filepath.Join(dir, raftLogFile)
	if _, err := os.Stat(bolt); err == nil {
		b, err := raftboltdb.New(raftboltdb.Options{Path: bolt})
		if err != nil {
			return nil, fmt.Errorf("raftstore: open raft log %s: %w", bolt, err)
		}
		return b, nil
	}
	wdir := filepath.Join(dir, raftWALDir)
	if err := os.MkdirAll(wdir, 0o700); err != nil {
		return nil, fmt.Errorf("raftstore: open raft log: %w", err)
	}
	w, err := wal.Open(wdir)
	if err != nil {
		return nil, fmt.Errorf("raftstore: open raft log %s: %w", wdir, err)
	}
	return w, nil
}

// logrWriter adapts a logr.Logger to hclog's output.
type logrWriter struct{ l logr.Logger }

func (w logrWriter) Write(p []byte) (int, error) {
	w.l.V(1).Info(string(p))
	return len(p), nil
}

// Addr returns the address the replica listens on (BindAddr with port 0
// resolved): the address peers and Join use.
func (s *Store) Addr() string { return s.addr }

// ID returns the replica's server ID.
func (s *Store) ID() string { return s.cfg.ID }

// Engine returns the replica's current mvcc engine (replaced when a
// snapshot is installed); for tests and tools.
func (s *Store) Engine() *mvcc.Store { return s.fsm.store() }

// Close stops the replica: raft shuts down, connections close, every
// watch ends, and the files are closed. A second Close returns the first's
// result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		var errs []error
		shutdown := s.raft.Shutdown() // signals raft's goroutines to stop
		// The transport and every connection are closed before waiting
		// for them: one that is blocked on the network (a snapshot being
		// received, an RPC to a peer that stopped reading) or handing an
		// RPC to a main loop that has stopped returns now rather than
		// after the transport's timeout, or never.
		_ = s.mux.Close()
		s.mux.setPartitioned(true)
		_ = s.trans.Close()
		if err := shutdown.Error(); err != nil {
			errs = append(errs, fmt.Errorf("shut down raft: %w", err))
		}
		s.grpc.Stop()
		s.wg.Wait()
		s.clientsMu.Lock()
		for _, c := range s.clients {
			_ = c.Close()
		}
		s.clients = nil
		s.clientsMu.Unlock()
		if s.logStore != nil {
			if err := s.logStore.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close raft log: %w", err))
			}
		}
		if db := s.fsm.store(); db != nil {
			if err := db.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
				errs = append(errs, err)
			}
		}
		s.fsm.waitRetired() // raft, shut down, holds no snapshot view now
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("raftstore: close %s: %w", s.cfg.ID, err)
		}
	})
	return s.closeErr
}

// closed reports whether Close has begun.
func (s *Store) closed() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// client returns a forwarding client for the replica at addr.
func (s *Store) client(addr string) (raftpb.ForwardClient, error) {
	s.clientsMu.Lock()
	defer s.clientsMu.Unlock()
	if s.clients == nil {
		return nil, fmt.Errorf("raftstore: %w", store.ErrClosed)
	}
	if c := s.clients[addr]; c != nil {
		return raftpb.NewForwardClient(c), nil
	}
	c, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			return s.mux.dial(ctx, a, protoGRPC)
		}))
	if err != nil {
		return nil, fmt.Errorf("raftstore: connect to %s: %w", addr, err)
	}
	s.clients[addr] = c
	return raftpb.NewForwardClient(c), nil
}
