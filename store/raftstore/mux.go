package raftstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// Each replica listens on one TCP address for both Raft's transport and
// the forwarding gRPC service: a connection's first byte says which.
const (
	protoRaft byte = 'R'
	protoGRPC byte = 'G'
)

// handshakeTimeout bounds the wait for a new connection's first byte.
const handshakeTimeout = 10 * time.Second

// errPartitioned is what a partitioned replica's dials fail with.
var errPartitioned = errors.New("raftstore: replica partitioned (fault injection)")

// mux splits one listener into Raft and gRPC listeners. It also carries
// the fault switch tests use to cut a replica off: while partitioned,
// every connection it has is closed, dials fail and accepted connections
// are dropped.
type mux struct {
	ln   net.Listener
	tls  *tls.Config
	raft *subListener
	grpc *subListener

	partitioned atomic.Bool
	connMu      sync.Mutex
	conns       map[*trackedConn]struct{}

	closeOnce sync.Once
	done      chan struct{}
}

func newMux(ln net.Listener, cfg *tls.Config) *mux {
	m := &mux{ln: ln, tls: cfg, conns: make(map[*trackedConn]struct{}), done: make(chan struct{})}
	m.raft = &subListener{m: m, ch: make(chan net.Conn)}
	m.grpc = &subListener{m: m, ch: make(chan net.Conn)}
	go m.serve()
	return m
}

func (m *mux) serve() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			m.Close()
			return
		}
		go m.route(c)
	}
}

func (m *mux) route(c net.Conn) {
	if m.partitioned.Load() {
		_ = c.Close()
		return
	}
	if m.tls != nil {
		c = tls.Server(c, m.tls)
	}
	_ = c.SetReadDeadline(time.Now().Add(handshakeTimeout))
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil {
		_ = c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	var l *subListener
	switch b[0] {
	case protoRaft:
		l = m.raft
	case protoGRPC:
		l = m.grpc
	default:
		_ = c.Close()
		return
	}
	tc := m.track(c)
	select {
	case l.ch <- tc:
	case <-m.done:
		_ = tc.Close()
	}
}

// dial connects to a replica's address for protocol p.
func (m *mux) dial(ctx context.Context, addr string, p byte) (net.Conn, error) {
	if m.partitioned.Load() {
		return nil, errPartitioned
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if m.tls != nil {
		cfg := m.tls
		if cfg.ServerName == "" {
			// Verify the peer's certificate against the address dialled.
			cfg = cfg.Clone()
			cfg.ServerName, _, _ = net.SplitHostPort(addr)
		}
		tc := tls.Client(c, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("raftstore: TLS handshake with %s: %w", addr, err)
		}
		c = tc
	}
	if _, err := c.Write([]byte{p}); err != nil {
		_ = c.Close()
		return nil, err
	}
	return m.track(c), nil
}

func (m *mux) track(c net.Conn) *trackedConn {
	tc := &trackedConn{Conn: c, m: m}
	m.connMu.Lock()
	m.conns[tc] = struct{}{}
	m.connMu.Unlock()
	if m.partitioned.Load() {
		_ = tc.Close()
	}
	return tc
}

// setPartitioned cuts the replica off (closing every connection) or
// reconnects it.
func (m *mux) setPartitioned(on bool) {
	m.partitioned.Store(on)
	if !on {
		return
	}
	m.connMu.Lock()
	conns := make([]*trackedConn, 0, len(m.conns))
	for c := range m.conns {
		conns = append(conns, c)
	}
	m.connMu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// Close stops accepting; connections already handed out stay open until
// their users close them.
func (m *mux) Close() error {
	m.closeOnce.Do(func() {
		close(m.done)
		_ = m.ln.Close()
	})
	return nil
}

// trackedConn removes itself from the mux's set when closed.
type trackedConn struct {
	net.Conn
	m    *mux
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.m.connMu.Lock()
		delete(c.m.conns, c)
		c.m.connMu.Unlock()
	})
	return c.Conn.Close()
}

// subListener is the accept side of one protocol.
type subListener struct {
	m  *mux
	ch chan net.Conn
}

func (l *subListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.m.done:
		return nil, net.ErrClosed
	}
}

func (l *subListener) Close() error   { return l.m.Close() }
func (l *subListener) Addr() net.Addr { return l.m.ln.Addr() }

// streamLayer is Raft's view of the mux.
type streamLayer struct{ *subListener }

var _ raft.StreamLayer = streamLayer{}

func (s streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.m.dial(ctx, string(addr), protoRaft)
}
