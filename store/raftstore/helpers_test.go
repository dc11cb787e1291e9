package raftstore

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/hashicorp/raft"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// testRaftConfig has short timeouts so elections take well under a
// second even on a loaded machine. The leader lease is as long as raft
// allows (the heartbeat timeout): a leader steps down when no quorum
// answered it for that long, and under -race on a loaded 2-core machine
// 250 ms stalls happened, failing conformance writes as indeterminate.
func testRaftConfig() *raft.Config {
	c := raft.DefaultConfig()
	c.HeartbeatTimeout = 500 * time.Millisecond
	c.ElectionTimeout = 500 * time.Millisecond
	c.LeaderLeaseTimeout = 500 * time.Millisecond
	c.CommitTimeout = 5 * time.Millisecond
	return c
}

// cluster is an in-process cluster on loopback TCP.
type cluster struct {
	t    testing.TB
	opts clusterOptions
	// mu guards nodes for concurrent clients (see node); the test
	// goroutine alone starts and stops replicas.
	mu    sync.Mutex
	dirs  []string
	addrs []string
	nodes []*Store
	// logs holds the replicas' and raft's latest log lines, printed when
	// the test fails (elections and step-downs explain most failures).
	logs *logTail
}

// logTail keeps the last lines logged; safe for concurrent use.
type logTail struct {
	mu    sync.Mutex // guards lines and dropped
	lines []string
	// dropped counts the lines dropped from the front.
	dropped int
}

// logTailLines bounds a logTail (raft logs a few lines per election).
const logTailLines = 2000

func (l *logTail) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) == logTailLines {
		l.lines = append(l.lines[:0], l.lines[logTailLines/2:]...)
		l.dropped += logTailLines / 2
	}
	l.lines = append(l.lines, line)
}

// logf is a funcr output function: raft's lines (hclog's, carrying their
// own time) are added unquoted, the replicas' own lines with the time.
func (l *logTail) logf(prefix, args string) {
	if m, ok := strings.CutPrefix(args, `"level"=1 "msg"=`); ok {
		if u, err := strconv.Unquote(m); err == nil {
			l.add(strings.TrimSpace(u))
			return
		}
	}
	l.add(time.Now().UTC().Format("2006-01-02T15:04:05.000Z ") + prefix + " " + args)
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("(%d earlier lines dropped)\n%s", l.dropped, strings.Join(l.lines, "\n"))
}

func nodeID(i int) string { return fmt.Sprintf("n%d", i) }

// clusterOptions vary a test cluster.
type clusterOptions struct {
	// tls returns replica i's TLS configuration; nil means plain TCP.
	tls func(i int) *tls.Config
	// engineSync is Config.EngineSyncInterval (0: the default).
	engineSync time.Duration
	// progress is the engine's ProgressInterval (0: 100 ms).
	progress time.Duration
}

// newCluster starts n replicas: the first bootstraps alone, the others
// join it as voters.
func newCluster(t testing.TB, n int) *cluster {
	t.Helper()
	return newClusterOpts(t, n, clusterOptions{})
}

func newClusterOpts(t testing.TB, n int, o clusterOptions) *cluster {
	t.Helper()
	c := &cluster{t: t, opts: o, dirs: make([]string, n), addrs: make([]string, n), nodes: make([]*Store, n), logs: &logTail{}}
	base := t.TempDir()
	for i := range n {
		c.dirs[i] = filepath.Join(base, nodeID(i))
		c.addrs[i] = "127.0.0.1:0"
	}
	t.Cleanup(c.closeAll)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replica logs:\n%s", c.logs)
		}
	})
	c.start(0, true)
	lead := c.waitLeader()
	for i := 1; i < n; i++ {
		c.start(i, false)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := lead.AddVoter(ctx, nodeID(i), c.addrs[i]); err != nil {
			cancel()
			t.Fatal(err)
		}
		cancel()
	}
	c.waitConverged()
	return c
}

func (c *cluster) config(i int, bootstrap bool) Config {
	cfg := Config{
		ID: nodeID(i), Dir: c.dirs[i], BindAddr: c.addrs[i], Bootstrap: bootstrap,
		Raft:               testRaftConfig(),
		Engine:             mvcc.Options{ProgressInterval: cmp.Or(c.opts.progress, 100*time.Millisecond)},
		EngineSyncInterval: c.opts.engineSync,
		Logger:             funcr.New(c.logs.logf, funcr.Options{Verbosity: 1}),
	}
	if c.opts.tls != nil {
		cfg.TLS = c.opts.tls(i)
	}
	return cfg
}

// start opens replica i (again, on the same address after a restart).
func (c *cluster) start(i int, bootstrap bool) *Store {
	c.t.Helper()
	var s *Store
	var err error
	// The old port may briefly still be held by the closing listener.
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err = Open(context.Background(), c.config(i, bootstrap))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.nodes[i] = s
	c.mu.Unlock()
	c.addrs[i] = s.Addr()
	return s
}

// stop closes replica i.
func (c *cluster) stop(i int) {
	c.t.Helper()
	if c.nodes[i] == nil {
		return
	}
	s := c.nodes[i]
	c.mu.Lock()
	c.nodes[i] = nil
	c.mu.Unlock()
	if err := s.Close(); err != nil {
		c.t.Errorf("close %s: %v", nodeID(i), err)
	}
}

// node returns replica i, nil while it is stopped; safe for concurrent
// use.
func (c *cluster) node(i int) *Store {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

func (c *cluster) closeAll() {
	for i := range c.nodes {
		c.mu.Lock()
		s := c.nodes[i]
		c.nodes[i] = nil
		c.mu.Unlock()
		if s != nil {
			_ = s.Close()
		}
	}
}

// snapshotNow makes s take a raft snapshot, failing the test if it does
// not finish within 20 s (a raft future has no deadline of its own).
func snapshotNow(t testing.TB, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.futureErr(ctx, s.raft.Snapshot()); err != nil {
		t.Fatalf("snapshot on %s: %v", s.ID(), err)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// leaderIndex returns the index of the ready leader among running nodes,
// or -1.
func (c *cluster) leaderIndex() int {
	for i, s := range c.nodes {
		if s != nil && s.isReadyLeader() {
			return i
		}
	}
	return -1
}

// waitLeader waits for a ready leader and returns it.
func (c *cluster) waitLeader() *Store {
	c.t.Helper()
	waitFor(c.t, "a leader", 20*time.Second, func() bool { return c.leaderIndex() >= 0 })
	return c.nodes[c.leaderIndex()]
}

// follower returns the index of a running non-leader.
func (c *cluster) follower() int {
	l := c.leaderIndex()
	for i, s := range c.nodes {
		if s != nil && i != l {
			return i
		}
	}
	return -1
}

// waitConverged waits until every running replica has applied the
// leader's commit index and knows the leader.
func (c *cluster) waitConverged() {
	c.t.Helper()
	lead := c.waitLeader()
	want := lead.stateIndex(lead.raft.CommitIndex())
	waitFor(c.t, "replicas to converge", 20*time.Second, func() bool {
		for _, s := range c.nodes {
			if s == nil {
				continue
			}
			if _, id := s.raft.LeaderWithID(); id == "" || s.fsm.applied.Load() < want {
				return false
			}
		}
		return true
	})
}

// putResolved puts key=value through s like Put, and resolves an outcome
// Put could not learn. A write fails with ErrIndeterminate when leadership
// moves while it is in flight (a leader that no quorum answered for the
// lease timeout steps down: a stall of the whole process under -race on a
// loaded machine does that). value must be unique to this write, and
// nothing else may write key meanwhile: a linearizable read of key then
// tells whether it was applied (the read's leader has committed an entry
// of a later term, so an entry of the lost term that it does not hold can
// never commit). Applied, it is answered as Put would have (KV and
// Revision; PrevKV is not known); not applied, it is made again.
// ErrNoLeader means not applied: it is made again too.
func putResolved(ctx context.Context, t testing.TB, s *Store, key string, value []byte) (store.WriteResponse, error) {
	t.Helper()
	return writeResolved(ctx, t, s, key,
		func() (store.WriteResponse, error) { return s.Put(ctx, key, value, store.PutOptions{}) },
		func(g store.GetResponse, err error) (store.WriteResponse, bool, error) {
			switch {
			case err == nil && bytes.Equal(g.KV.Value, value):
				return store.WriteResponse{KV: g.KV, Revision: g.KV.ModRevision}, true, nil
			case err == nil, errors.Is(err, store.ErrNotFound):
				return store.WriteResponse{}, false, nil
			}
			return store.WriteResponse{}, false, err
		})
}

// deleteResolved deletes key through s like Delete, resolving an unknown
// outcome as putResolved does: key must exist, and nothing else may write
// it meanwhile, so finding it gone means the delete was applied. Then the
// store's revision, read with it, is the delete's (nothing else writes
// meanwhile either).
func deleteResolved(ctx context.Context, t testing.TB, s *Store, key string) (store.WriteResponse, error) {
	t.Helper()
	return writeResolved(ctx, t, s, key,
		func() (store.WriteResponse, error) { return s.Delete(ctx, key, store.DeleteOptions{}) },
		func(g store.GetResponse, err error) (store.WriteResponse, bool, error) {
			switch {
			case errors.Is(err, store.ErrNotFound):
				l, err := s.List(ctx, key, store.ListOptions{Limit: 1})
				if err != nil {
					return store.WriteResponse{}, false, err
				}
				return store.WriteResponse{KV: store.KeyValue{Key: key, ModRevision: l.Revision}, Revision: l.Revision}, true, nil
			case err == nil:
				return store.WriteResponse{}, false, nil
			}
			return store.WriteResponse{}, false, err
		})
}

// writeResolved makes a write with do until its outcome is known; applied
// says, from a linearizable Get of key, whether a write of unknown outcome
// was applied, and with which response. Each resolution is logged.
func writeResolved(ctx context.Context, t testing.TB, s *Store, key string, do func() (store.WriteResponse, error),
	applied func(store.GetResponse, error) (store.WriteResponse, bool, error)) (store.WriteResponse, error) {
	t.Helper()
	for {
		r, err := do()
		switch {
		case err == nil:
			return r, nil
		case errors.Is(err, ErrNoLeader) && ctx.Err() == nil:
			continue
		case !errors.Is(err, ErrIndeterminate) || ctx.Err() != nil:
			return r, err
		}
		r, ok, rerr := applied(s.Get(ctx, key, store.ReadOptions{}))
		if rerr != nil {
			return store.WriteResponse{}, fmt.Errorf("%w; then, learning its outcome: %w", err, rerr)
		}
		t.Logf("write of %q through %s: %v; read back: applied %v", key, s.ID(), err, ok)
		if ok {
			return r, nil
		}
	}
}
