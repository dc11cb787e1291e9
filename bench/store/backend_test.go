package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	etcdstore "github.com/rigging-dev/rigging/store/etcd"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// The targets, in the order of the table's columns.
const (
	targetMVCC        = "mvcc"
	targetMVCCWAL     = "mvcc-wal"
	targetEtcdAdapter = "etcd-adapter"
	targetEtcdRaw     = "etcd-raw"
)

// targetNames lists every target, in column order.
var targetNames = []string{targetMVCC, targetMVCCWAL, targetEtcdAdapter, targetEtcdRaw}

// targetTitles are the column headings of the table.
var targetTitles = map[string]string{
	targetMVCC:        "mvcc (in-process, store.Store)",
	targetMVCCWAL:     "mvcc, write-ahead log (in-process)",
	targetEtcdAdapter: "etcd (loopback, store/etcd)",
	targetEtcdRaw:     "etcd (loopback, raw clientv3)",
}

// openTarget starts the named target on a new temporary directory and
// returns it with a function that stops it and removes the directory.
func openTarget(ctx context.Context, name string) (target, func() error, error) {
	dir, err := os.MkdirTemp("", "rigging-bench-"+name+"-")
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", name, err)
	}
	removeDir := func() error { return os.RemoveAll(dir) }
	switch name {
	case targetMVCC, targetMVCCWAL:
		s, err := mvcc.Open(ctx, mvcc.Options{Dir: dir, WriteAheadLog: name == targetMVCCWAL})
		if err != nil {
			return nil, nil, errors.Join(fmt.Errorf("open mvcc in %s: %w", dir, err), removeDir())
		}
		return storeTarget{s}, func() error { return errors.Join(s.Close(), removeDir()) }, nil
	case targetEtcdAdapter, targetEtcdRaw:
		srv, err := startEtcd(ctx, dir)
		if err != nil {
			return nil, nil, errors.Join(err, removeDir())
		}
		stopAll := func() error { return errors.Join(srv.stop(), removeDir()) }
		if name == targetEtcdRaw {
			return rawTarget{srv.client}, stopAll, nil
		}
		s, err := etcdstore.New(srv.client, etcdstore.Options{})
		if err != nil {
			return nil, nil, errors.Join(err, stopAll())
		}
		return storeTarget{s}, func() error { return errors.Join(s.Close(), stopAll()) }, nil
	}
	return nil, nil, errors.Join(fmt.Errorf("unknown target %q (want one of %v)", name, targetNames), removeDir())
}

// etcdServer is an embedded single-member etcd with a client on it.
type etcdServer struct {
	etcd   *embed.Etcd
	client *clientv3.Client
}

// startEtcd starts an embedded single-member etcd with its data in dir,
// on two loopback ports that were free a moment before. A port taken in
// between makes the start fail; it then tries again with other ports.
func startEtcd(ctx context.Context, dir string) (*etcdServer, error) {
	var errs []error
	for attempt := range 5 {
		s, err := tryStartEtcd(ctx, filepath.Join(dir, fmt.Sprintf("etcd-%d", attempt)))
		if err == nil {
			return s, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("start embedded etcd in %s: %w", dir, errors.Join(errs...))
}

func tryStartEtcd(ctx context.Context, dir string) (*etcdServer, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[0])}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[1])}

	cfg := embed.NewConfig()
	cfg.Name = "bench"
	cfg.Dir = dir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{filepath.Join(dir, "etcd.log")}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// Everything else keeps etcd's defaults, fsync included
	// (UnsafeNoFsync false).

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("etcd on %s: %w", clientURL.Host, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("etcd on %s: %w", clientURL.Host, err)
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("etcd on %s: not ready after 60 s", clientURL.Host)
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{clientURL.String()},
		DialTimeout: 10 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("client for etcd on %s: %w", clientURL.Host, err)
	}
	readyCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := client.Get(readyCtx, "ready"); err != nil {
		client.Close()
		e.Close()
		return nil, fmt.Errorf("etcd on %s did not answer: %w", clientURL.Host, err)
	}
	return &etcdServer{etcd: e, client: client}, nil
}

// stop closes the client and the server and waits for the server's
// goroutines to end.
func (s *etcdServer) stop() error {
	err := s.client.Close()
	s.etcd.Close()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
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
