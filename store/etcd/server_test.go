package etcd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/rigging-dev/rigging/store"
)

// The tests run against real etcd servers: Debian's etcd-server package
// installs /usr/bin/etcd. $ETCD_BIN overrides the path. Without a binary
// the tests that need one skip, and fail when CI=true.

// shared is the server most tests use, each test under a key prefix of its
// own; nil when no etcd binary was found.
var shared *etcdServer

// etcdMissing says why there is no shared server.
var etcdMissing error

func TestMain(m *testing.M) {
	code := func() int {
		bin, err := etcdBinary()
		if err != nil {
			etcdMissing = err
			return m.Run()
		}
		shared, err = startEtcd(bin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "store/etcd tests: start the shared etcd: %v\n", err)
			return 1
		}
		defer shared.stop()
		return m.Run()
	}()
	os.Exit(code)
}

// etcdBinary finds the etcd server binary.
func etcdBinary() (string, error) {
	if p := os.Getenv("ETCD_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$ETCD_BIN: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("etcd"); err == nil {
		return p, nil
	}
	const deb = "/usr/bin/etcd"
	if _, err := os.Stat(deb); err != nil {
		return "", fmt.Errorf("no etcd binary on $PATH or at %s (apt-get install etcd-server): %w", deb, err)
	}
	return deb, nil
}

// needEtcd skips t when there is no etcd binary, or fails it under CI.
func needEtcd(t testing.TB) {
	t.Helper()
	if shared != nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("etcd is required in CI: %v", etcdMissing)
	}
	t.Skipf("skipping: %v", etcdMissing)
}

// etcdServer is one etcd process serving on loopback, with its client.
type etcdServer struct {
	dir      string
	endpoint string
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited
	client   *clientv3.Client
}

// startEtcd starts a single-member etcd in a new temporary directory on
// free loopback ports and waits until it serves a linearizable read. A
// port taken between choosing and binding makes etcd exit; it then tries
// again with other ports.
// extra flags follow the defaults, and so override them.
func startEtcd(bin string, extra ...string) (*etcdServer, error) {
	var errs []error
	for range 5 {
		s, err := tryStartEtcd(bin, extra)
		if err == nil {
			return s, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func tryStartEtcd(bin string, extra []string) (*etcdServer, error) {
	dir, err := os.MkdirTemp("", "rigging-etcd-")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	logf, err := os.Create(filepath.Join(dir, "etcd.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logf.Close()
	args := []string{
		"--name", "test",
		"--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", "test=" + peer,
		"--initial-cluster-state", "new",
		// A single member: short raft timers make it leader within tens of
		// milliseconds and make etcd's minimum lease TTL one second.
		"--heartbeat-interval", "10",
		"--election-timeout", "100",
		// Idle watchers get a progress notification every 100 ms.
		"--experimental-watch-progress-notify-interval", "100ms",
		// Room for a value of exactly store.DefaultLimits' 1.5 MiB plus
		// its key and the request's framing.
		"--max-request-bytes", "4194304",
		"--logger", "zap",
		"--log-outputs", "stderr",
		"--log-level", "warn",
	}
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &etcdServer{dir: dir, endpoint: client, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()

	c, err := clientv3.New(clientv3.Config{
		Endpoints: []string{client},
		Logger:    zap.NewNop(),
		// etcd listens some 50 ms after it starts; gRPC's default
		// reconnect backoff of 1 s would make every start take a second.
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, MaxDelay: 200 * time.Millisecond},
			MinConnectTimeout: time.Second,
		})},
	})
	if err != nil {
		s.stop()
		return nil, err
	}
	s.client = c
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		select {
		case <-s.exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	if _, err := c.Get(ctx, "ready"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "etcd.log"))
		s.stop()
		return nil, fmt.Errorf("etcd on %s did not answer: %w; its log:\n%s", client, err, lastLines(string(log), 20))
	}
	return s, nil
}

// stop ends the process, closes the client and removes the directory.
func (s *etcdServer) stop() {
	if s.client != nil {
		s.client.Close()
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	os.RemoveAll(s.dir)
}

// freePorts returns n loopback TCP ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freshEtcd starts a server of t's own, with extra flags, stopped at the
// end of t, for tests that need etcd's state from new or other flags.
func freshEtcd(t testing.TB, extra ...string) *etcdServer {
	t.Helper()
	needEtcd(t)
	bin, err := etcdBinary()
	if err != nil {
		t.Fatal(err)
	}
	s, err := startEtcd(bin, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	return s
}

// prefixes numbers the key prefixes handed out on the shared server.
var prefixes atomic.Int64

// newTestStore returns a Store on srv (the shared server when nil) under a
// key prefix no other test uses, closed at the end of t.
func newTestStore(t testing.TB, srv *etcdServer, opts Options) *Store {
	t.Helper()
	needEtcd(t)
	if srv == nil {
		srv = shared
	}
	if opts.Prefix == "" {
		opts.Prefix = fmt.Sprintf("/test/%d/", prefixes.Add(1))
	}
	s, err := New(srv.client, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// recv returns the next watch response, failing t if none comes within
// 10 s or the channel is closed.
func recv(t testing.TB, ch <-chan store.WatchResponse) store.WatchResponse {
	t.Helper()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case r, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return r
	case <-timer.C:
		t.Fatal("no watch response within 10 s")
	}
	return store.WatchResponse{}
}
