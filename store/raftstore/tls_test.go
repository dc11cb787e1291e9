package raftstore

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// config returns a mutual-TLS configuration for replica id: a
// certificate for 127.0.0.1 signed by ca, for server and client
// authentication, trusting ca alone both ways.
func (ca *testCA) config(t *testing.T, id string) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: id},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		RootCAs:      ca.pool,
		ClientCAs:    ca.pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS13,
	}
}

// TestTLS runs a 3-replica cluster with mutual TLS on every connection
// (raft and the forwarding service: writes and reads through a follower
// cross it), then shows that a replica whose certificate comes from
// another CA can neither reach the members nor be reached by them, so it
// never joins: added as a non-voter, it never hears from the leader.
func TestTLS(t *testing.T) {
	ctx := testCtx(t)
	ca := newTestCA(t, "cluster CA")
	c := newClusterOpts(t, 3, clusterOptions{tls: func(i int) *tls.Config { return ca.config(t, nodeID(i)) }})
	f := c.nodes[c.follower()]
	r, err := f.Put(ctx, "k", []byte("v"), store.PutOptions{})
	if err != nil {
		t.Fatalf("put through follower %s over TLS: %v", f.ID(), err)
	}
	for _, s := range c.nodes {
		g, err := s.Get(ctx, "k", store.ReadOptions{})
		if err != nil || g.KV.ModRevision != r.Revision {
			t.Errorf("Get(k) on %s = %+v, %v; want mod revision %d", s.ID(), g, err, r.Revision)
		}
	}

	other := newTestCA(t, "other CA")
	stranger, err := Open(ctx, Config{ID: "n3", Dir: filepath.Join(t.TempDir(), "n3"), BindAddr: "127.0.0.1:0", Raft: testRaftConfig(), TLS: other.config(t, "n3")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stranger.Close() })
	lead := c.waitLeader()
	if conn, err := stranger.mux.dial(ctx, lead.Addr(), protoRaft); err == nil {
		_ = conn.Close()
		t.Errorf("stranger dialled the leader over TLS: want a handshake failure")
	}
	if conn, err := lead.mux.dial(ctx, stranger.Addr(), protoRaft); err == nil {
		_ = conn.Close()
		t.Errorf("leader dialled the stranger over TLS: want a handshake failure")
	}
	// The three members commit the change; the stranger stays cut off.
	if err := lead.AddNonvoter(ctx, "n3", stranger.Addr()); err != nil {
		t.Fatal(err)
	}
	if _, err := lead.Put(ctx, "k2", []byte("v"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := stranger.Put(sctx, "k3", []byte("v"), store.PutOptions{}); !errors.Is(err, ErrNoLeader) {
		t.Errorf("Put on the stranger = %v, want ErrNoLeader", err)
	}
	if rev := stranger.Engine().Revision(); rev != 0 {
		t.Errorf("stranger replicated up to revision %d, want nothing", rev)
	}
	if err := lead.RemoveMember(ctx, "n3"); err != nil {
		t.Fatal(err)
	}
}
