package raftstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/raftstore"
)

// target is one way of reaching one member of a cluster. Its functions
// are safe for concurrent use.
type target struct {
	// put writes value at key and returns once the write is durable and
	// acknowledged.
	put func(ctx context.Context, key string, value []byte) error
	// get reads key linearizably.
	get func(ctx context.Context, key string) error
}

// cluster is a running 3-member cluster of one kind.
type cluster interface {
	// leader returns the index of the current leader, waiting for one.
	leader(ctx context.Context) (int, error)
	// target returns a client of member i.
	target(i int) target
	// kill stops member i abruptly: it takes no further part in Raft and
	// does not hand its leadership over.
	kill(i int) error
	// close stops every member left and removes nothing (the caller owns
	// the directory).
	close() error
}

// members is the size of every cluster.
const members = 3

// raftCluster is three raftstore replicas in this process.
type raftCluster struct {
	nodes []*raftstore.Store // nil once killed
	// logs are the replicas' bbolt logs (nil with raftstore's default
	// log), closed after their replicas.
	logs []*raftboltdb.BoltStore
}

// raftOptions are what a raftstore target varies.
type raftOptions struct {
	// bolt keeps each replica's raft log in raft-boltdb/v2 (a bbolt file,
	// raftstore's log before raft-wal) instead of raftstore's default
	// (github.com/hashicorp/raft-wal).
	bolt bool
}

// startRaft starts a 3-replica raftstore cluster in dir with every
// default: the first replica bootstraps alone, the others join it as
// voters.
func startRaft(ctx context.Context, dir string, o raftOptions) (*raftCluster, error) {
	c := &raftCluster{}
	open := func(i int, bootstrap bool) (*raftstore.Store, error) {
		cfg := raftstore.Config{
			ID:        fmt.Sprintf("r%d", i),
			Dir:       filepath.Join(dir, fmt.Sprintf("r%d", i)),
			BindAddr:  "127.0.0.1:0",
			Bootstrap: bootstrap,
		}
		var w *raftboltdb.BoltStore
		if o.bolt {
			if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
				return nil, err
			}
			var err error
			path := filepath.Join(cfg.Dir, "bolt-log.db")
			if w, err = raftboltdb.New(raftboltdb.Options{Path: path}); err != nil {
				return nil, fmt.Errorf("open raft-boltdb log %s: %w", path, err)
			}
			cfg.LogStore, cfg.StableStore = w, w
		}
		s, err := raftstore.Open(ctx, cfg)
		if err != nil {
			if w != nil {
				err = errors.Join(err, w.Close())
			}
			return nil, err
		}
		c.nodes = append(c.nodes, s)
		c.logs = append(c.logs, w)
		return s, nil
	}
	first, err := open(0, true)
	if err != nil {
		return nil, err
	}
	// A write succeeds once the lone replica leads.
	if _, err := first.Put(ctx, "bench/ready", []byte("x"), store.PutOptions{}); err != nil {
		return nil, errors.Join(fmt.Errorf("first raftstore replica: %w", err), c.close())
	}
	for i := 1; i < members; i++ {
		s, err := open(i, false)
		if err != nil {
			return nil, errors.Join(err, c.close())
		}
		if err := first.AddVoter(ctx, s.ID(), s.Addr()); err != nil {
			return nil, errors.Join(err, c.close())
		}
	}
	// Every replica has caught up and knows the leader once a
	// linearizable read through it succeeds.
	for _, s := range c.nodes {
		if _, err := s.Get(ctx, "bench/ready", store.ReadOptions{}); err != nil {
			return nil, errors.Join(fmt.Errorf("raftstore replica %s: %w", s.ID(), err), c.close())
		}
	}
	return c, nil
}

func (c *raftCluster) leader(ctx context.Context) (int, error) {
	for {
		for i, s := range c.nodes {
			if s == nil {
				continue
			}
			st, err := s.Cluster(ctx)
			if err != nil {
				return -1, err
			}
			if st.IsLeader {
				return i, nil
			}
		}
		if err := pause(ctx, 10*time.Millisecond); err != nil {
			return -1, fmt.Errorf("raftstore: no leader: %w", err)
		}
	}
}

func (c *raftCluster) target(i int) target {
	s := c.nodes[i]
	return target{
		put: func(ctx context.Context, key string, value []byte) error {
			_, err := s.Put(ctx, key, value, store.PutOptions{})
			return err
		},
		get: func(ctx context.Context, key string) error {
			_, err := s.Get(ctx, key, store.ReadOptions{})
			if errors.Is(err, store.ErrNotFound) {
				return nil // a key not written yet: etcd answers it alike
			}
			return err
		},
	}
}

func (c *raftCluster) kill(i int) error {
	s := c.nodes[i]
	c.nodes[i] = nil
	err := s.Close()
	if c.logs[i] != nil {
		err = errors.Join(err, c.logs[i].Close())
		c.logs[i] = nil
	}
	return err
}

func (c *raftCluster) close() error {
	var errs []error
	for i, s := range c.nodes {
		if s != nil {
			errs = append(errs, c.kill(i))
		}
	}
	return errors.Join(errs...)
}

// etcdCluster is three embedded etcd members in this process, each with a
// clientv3 client of its own that talks to it alone.
type etcdCluster struct {
	members   []*embed.Etcd
	endpoints []string
	clients   []*clientv3.Client
	killed    []bool
}

// startEtcd starts a 3-member etcd cluster in dir on loopback ports that
// were free a moment before (found by listening on 127.0.0.1:0); a start
// that loses a port to another process is tried again on other ports.
func startEtcd(ctx context.Context, dir string) (*etcdCluster, error) {
	var errs []error
	for attempt := range 5 {
		c, err := tryStartEtcd(ctx, filepath.Join(dir, fmt.Sprintf("attempt-%d", attempt)))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("start a 3-member etcd cluster in %s: %w", dir, errors.Join(errs...))
}

func tryStartEtcd(ctx context.Context, dir string) (*etcdCluster, error) {
	ports, err := freePorts(2 * members)
	if err != nil {
		return nil, err
	}
	var cfgs []*embed.Config
	var initial []string
	for i := range members {
		client := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i])}
		peer := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i+1])}
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("e%d", i)
		cfg.Dir = filepath.Join(dir, cfg.Name)
		cfg.ListenClientUrls = []url.URL{client}
		cfg.AdvertiseClientUrls = []url.URL{client}
		cfg.ListenPeerUrls = []url.URL{peer}
		cfg.AdvertisePeerUrls = []url.URL{peer}
		cfg.InitialClusterToken = "bench"
		cfg.ClusterState = embed.ClusterStateFlagNew
		cfg.LogLevel = "error"
		cfg.LogOutputs = []string{filepath.Join(dir, cfg.Name+".log")}
		// Everything else keeps etcd's defaults: fsync on (UnsafeNoFsync
		// false), heartbeat 100 ms, election timeout 1 s, pre-vote on.
		cfgs = append(cfgs, cfg)
		initial = append(initial, fmt.Sprintf("%s=%s", cfg.Name, peer.String()))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	c := &etcdCluster{killed: make([]bool, members)}
	for _, cfg := range cfgs {
		cfg.InitialCluster = strings.Join(initial, ",")
		e, err := embed.StartEtcd(cfg)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("etcd member %s: %w", cfg.Name, err), c.close())
		}
		c.members = append(c.members, e)
		c.endpoints = append(c.endpoints, cfg.ListenClientUrls[0].String())
	}
	for i, e := range c.members {
		select {
		case <-e.Server.ReadyNotify():
		case err := <-e.Err():
			return nil, errors.Join(fmt.Errorf("etcd member %d: %w", i, err), c.close())
		case <-time.After(60 * time.Second):
			return nil, errors.Join(fmt.Errorf("etcd member %d not ready after 60 s", i), c.close())
		case <-ctx.Done():
			return nil, errors.Join(ctx.Err(), c.close())
		}
	}
	for i, ep := range c.endpoints {
		cl, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, DialTimeout: 10 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			return nil, errors.Join(fmt.Errorf("client of etcd member %d: %w", i, err), c.close())
		}
		c.clients = append(c.clients, cl)
		if _, err := cl.Get(ctx, "bench/ready"); err != nil {
			return nil, errors.Join(fmt.Errorf("etcd member %d did not answer: %w", i, err), c.close())
		}
	}
	return c, nil
}

func (c *etcdCluster) leader(ctx context.Context) (int, error) {
	for {
		for i, cl := range c.clients {
			if c.killed[i] {
				continue
			}
			st, err := cl.Status(ctx, c.endpoints[i])
			if err == nil && st.Leader != 0 && st.Leader == st.Header.MemberId {
				return i, nil
			}
		}
		if err := pause(ctx, 10*time.Millisecond); err != nil {
			return -1, fmt.Errorf("etcd: no leader: %w", err)
		}
	}
}

func (c *etcdCluster) target(i int) target {
	cl := c.clients[i]
	return target{
		put: func(ctx context.Context, key string, value []byte) error {
			_, err := cl.Put(ctx, key, string(value))
			return err
		},
		get: func(ctx context.Context, key string) error {
			_, err := cl.Get(ctx, key) // linearizable by default
			return err
		},
	}
}

// kill stops member i's Raft node and peer transport at once
// (EtcdServer.HardStop: no leadership transfer, unlike Close), then
// closes the rest of it in the background; close waits for that.
func (c *etcdCluster) kill(i int) error {
	c.killed[i] = true
	c.members[i].Server.HardStop()
	return nil
}

func (c *etcdCluster) close() error {
	var errs []error
	for _, cl := range c.clients {
		if err := cl.Close(); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	c.clients = nil
	var wg sync.WaitGroup
	for _, e := range c.members {
		wg.Go(e.Close)
	}
	wg.Wait()
	c.members = nil
	return errors.Join(errs...)
}

// freePorts returns n loopback TCP ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free loopback port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// pause waits d or until ctx ends. It paces polling loops only.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
