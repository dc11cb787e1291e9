package envtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// Options configure New. The zero value works: a store in a new temporary
// directory and an apiserver with its default options.
type Options struct {
	// Dir is the store's directory. Default: a new temporary directory,
	// removed by Close.
	Dir string
	// Server are the apiserver's options. Default: the zero Options.
	Server apiserver.Options
	// Store are the store's options (mvcc.Options.WriteAheadLog, for
	// one). New opens the store in Dir unless Store.Path or Store.Dir is
	// set. Default: the zero Options.
	Store mvcc.Options
}

// Env is a running API server with clients for it. Its fields are read-only;
// Client and the server may be used from any goroutine.
type Env struct {
	// Client calls the server in-process, with no socket.
	Client *client.Client
	// URL is the server's loopback HTTP address (http://127.0.0.1:port)
	// for clients that need a network endpoint.
	URL string
	// Server is the started apiserver.
	Server *apiserver.Server
	// Store is the store under the server.
	Store *mvcc.Store

	ts     *httptest.Server
	tmpDir string // removed by Close when New made it
}

// Start starts an Env for a test and stops it with t.Cleanup. It fails the
// test (t.Fatal) when the server cannot start.
func Start(t testing.TB) *Env {
	t.Helper()
	env, err := New(context.Background(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("envtest: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("envtest: %v", err)
		}
	})
	return env
}

// New opens a store, starts an apiserver on it and serves it on a loopback
// port. ctx bounds the start only. The caller must Close the Env.
func New(ctx context.Context, opts Options) (*Env, error) {
	env := &Env{}
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "rigging-envtest-")
		if err != nil {
			return nil, fmt.Errorf("create store directory: %w", err)
		}
		dir, env.tmpDir = d, d
	}
	so := opts.Store
	if so.Path == "" && so.Dir == "" {
		so.Dir = dir
	}
	st, err := mvcc.Open(ctx, so)
	if err != nil {
		env.removeTmp()
		return nil, fmt.Errorf("open store in %s: %w", cmp.Or(so.Path, so.Dir), err)
	}
	env.Store = st
	srv, err := apiserver.New(st, opts.Server)
	if err != nil {
		_ = st.Close()
		env.removeTmp()
		return nil, fmt.Errorf("create apiserver: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		_ = srv.Close()
		_ = st.Close()
		env.removeTmp()
		return nil, fmt.Errorf("start apiserver: %w", err)
	}
	env.Server = srv
	env.ts = httptest.NewServer(srv)
	env.URL = env.ts.URL
	env.Client = client.NewInProcess(srv)
	return env, nil
}

// Close stops the HTTP listener, the apiserver (ending every watch) and the
// store, and removes the store's directory if New created it. Call it once.
func (e *Env) Close() error {
	// The apiserver first: it ends watches, which the HTTP server's Close
	// would otherwise wait for.
	errSrv := e.Server.Close()
	e.ts.Close()
	errSt := e.Store.Close()
	e.removeTmp()
	if err := errors.Join(errSrv, errSt); err != nil {
		return fmt.Errorf("close env: %w", err)
	}
	return nil
}

func (e *Env) removeTmp() {
	if e.tmpDir != "" {
		_ = os.RemoveAll(e.tmpDir)
	}
}
