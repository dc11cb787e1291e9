package etcd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rigging-dev/rigging/store"
)

// Compile-time checks that Store implements the store contract.
var (
	_ store.Store      = (*Store)(nil)
	_ store.Transactor = (*Store)(nil)
)

// DefaultDialTimeout is the DialTimeout a zero Config stands for.
const DefaultDialTimeout = 5 * time.Second

// Options configure a Store. The zero value works: no key prefix, the
// default store.Limits, and progress notifications at etcd's own interval.
type Options struct {
	// Prefix is prepended to every key sent to etcd and stripped from every
	// key returned, so that several Rigging clusters (or other programs) can
	// share one etcd. It is usually a path such as "/rigging/prod/". Default
	// "": the whole etcd keyspace.
	//
	// A prefix isolates keys, not revisions: etcd has one revision for the
	// whole cluster, so writes outside the prefix also advance it. Revisions
	// seen through a prefixed Store are still monotonic and consistent, but
	// may have gaps. Leases and compaction are cluster-wide too.
	Prefix string

	// Limits bound what one write may carry; zero fields take the defaults
	// of store.DefaultLimits (3072-byte keys, 1.5 MiB values, 128 ops per
	// transaction branch). They are checked here, before a request is sent,
	// on the key without Prefix. etcd applies its own --max-request-bytes
	// (default 1.5 MiB) to the whole request, key and prefix included, and
	// --max-txn-ops (default 128); a request over those fails with
	// store.ErrTooLarge as well.
	Limits store.Limits

	// ProgressInterval, when positive, makes every watch opened with
	// WatchOptions.ProgressNotify ask etcd for a progress notification at
	// this interval (clientv3's RequestProgress, on a gRPC stream of the
	// watch's own), in addition to the ones etcd sends idle watchers by
	// itself every --experimental-watch-progress-notify-interval
	// (--watch-progress-notify-interval from etcd 3.6; default 10 minutes).
	// Default 0: only etcd's own notifications.
	//
	// Requested notifications are ordered with the watch's events only on
	// etcd servers that carry the fix for etcd-io/etcd#15220 (merged in
	// 2023 and backported to the 3.4 and 3.5 lines; Debian bookworm's
	// 3.4.23 predates it). On older servers a requested notification can
	// overtake events still queued for a watch that is catching up, so
	// leave this at 0 there and lower the server's interval instead.
	ProgressInterval time.Duration
}

// Config says how Dial reaches etcd.
type Config struct {
	// Endpoints are the client URLs of the etcd members, such as
	// "https://10.0.0.1:2379". At least one is required.
	Endpoints []string
	// DialTimeout bounds the first request Dial makes to check that etcd
	// answers, when ctx has no earlier deadline, and etcd's token fetches.
	// Default DefaultDialTimeout (5 s).
	DialTimeout time.Duration
	// TLS, when set, is used for every connection; nil connects in plain
	// text.
	TLS *tls.Config
	// Username and Password, when Username is set, authenticate with etcd's
	// own user store.
	Username string
	Password string
}

// Store is a store.Store (and store.Transactor) backed by etcd v3 through
// go.etcd.io/etcd/client/v3. Every read is linearizable. Its methods are safe
// for use by many goroutines at once.
//
// Revisions are etcd's own, reported verbatim: a fresh etcd starts at
// revision 1, so the first write through a Store on a fresh etcd is revision
// 2, and writes outside Options.Prefix advance the revision too.
//
// Store does not implement store.ProgressRequester: on etcd servers without
// the fix for etcd-io/etcd#15220 (Debian bookworm's 3.4.23 among them) a
// requested progress notification can overtake events still queued for a
// watch, and a watch cache trusting it would serve a read that misses
// them. An API server over this Store therefore serves consistent lists
// from etcd itself.
type Store struct {
	client     *clientv3.Client
	ownsClient bool
	prefix     string
	limits     store.Limits
	progress   time.Duration

	// done is closed by Close; watch goroutines and in-flight watches
	// select on it.
	done chan struct{}
	// mu guards closed and makes Close and the start of a watch mutually
	// exclusive, so that watches.Add never races with watches.Wait.
	mu     sync.Mutex
	closed bool
	// watches counts the watch goroutines still holding an etcd stream.
	watches sync.WaitGroup
}

// New returns a Store on client. The caller keeps ownership of client:
// Close ends the Store's watches but does not close client. New sends no
// request; the first call on the Store finds out whether etcd answers.
// It fails with an error wrapping store.ErrInvalid when client is nil or
// opts has a negative limit or interval.
func New(client *clientv3.Client, opts Options) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("store/etcd: new: %w: nil client", store.ErrInvalid)
	}
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("store/etcd: new: %w", err)
	}
	return &Store{
		client:   client,
		prefix:   opts.Prefix,
		limits:   opts.Limits.WithDefaults(),
		progress: opts.ProgressInterval,
		done:     make(chan struct{}),
	}, nil
}

func (o Options) validate() error {
	l := o.Limits
	if l.MaxKeySize < 0 || l.MaxValueSize < 0 || l.MaxTxnOps < 0 {
		return fmt.Errorf("%w: negative limit in %+v", store.ErrInvalid, l)
	}
	if o.ProgressInterval < 0 {
		return fmt.Errorf("%w: negative progress interval %v", store.ErrInvalid, o.ProgressInterval)
	}
	return nil
}

// Dial connects to etcd, checks that it answers by reading (a count of) the
// keys under opts.Prefix, and returns a Store that owns the connection:
// Close closes it. The check is bounded by ctx and by cfg.DialTimeout.
func Dial(ctx context.Context, cfg Config, opts Options) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, fmt.Errorf("store/etcd: dial: %w: no endpoints", store.ErrInvalid)
	}
	if cfg.DialTimeout < 0 {
		return nil, fmt.Errorf("store/etcd: dial %v: %w: negative dial timeout %v", cfg.Endpoints, store.ErrInvalid, cfg.DialTimeout)
	}
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("store/etcd: dial %v: %w", cfg.Endpoints, err)
	}
	timeout := cfg.DialTimeout
	if timeout == 0 {
		timeout = DefaultDialTimeout
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: timeout,
		TLS:         cfg.TLS,
		Username:    cfg.Username,
		Password:    cfg.Password,
	})
	if err != nil {
		return nil, fmt.Errorf("store/etcd: dial %v: %w", cfg.Endpoints, err)
	}
	s, err := New(client, opts)
	if err != nil {
		client.Close()
		return nil, err
	}
	s.ownsClient = true

	checkCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	key, end := s.rangeOf("")
	if _, err := client.Get(checkCtx, key, clientv3.WithRange(end), clientv3.WithCountOnly()); err != nil {
		client.Close()
		return nil, fmt.Errorf("store/etcd: dial %v: %w", cfg.Endpoints, err)
	}
	return s, nil
}

// Client returns the etcd client the Store uses. It is shared: do not close
// it while the Store is in use.
func (s *Store) Client() *clientv3.Client { return s.client }

// Close ends every open watch (each receives a final response with
// store.ErrClosed, once its reader takes it) and, for a Store made by Dial,
// closes the etcd client. It returns once every watch has released its etcd
// stream. Calls after Close fail with store.ErrClosed; Close itself is
// idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.watches.Wait()
	if s.ownsClient {
		if err := s.client.Close(); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("store/etcd: close: %w", err)
		}
	}
	return nil
}

// isClosed reports whether Close has been called.
func (s *Store) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// checkOpen returns an error wrapping store.ErrClosed after Close.
func (s *Store) checkOpen(op string) error {
	if s.isClosed() {
		return fmt.Errorf("store/etcd: %s: %w", op, store.ErrClosed)
	}
	return nil
}

// full returns the etcd key for the caller's key.
func (s *Store) full(key string) string { return s.prefix + key }

// strip returns the caller's key for an etcd key under the prefix.
func (s *Store) strip(key []byte) string { return strings.TrimPrefix(string(key), s.prefix) }

// rangeOf returns the etcd range [key, end) of the keys starting with the
// caller's prefix p.
func (s *Store) rangeOf(p string) (key, end string) {
	full := s.prefix + p
	if full == "" {
		// The whole keyspace: from the smallest key, "\x00", to no end.
		return "\x00", "\x00"
	}
	return full, clientv3.GetPrefixRangeEnd(full)
}

// keyValue converts an etcd key-value into the store's, stripping the
// prefix. The value is shared with the decoded response, which nothing
// else references.
func (s *Store) keyValue(kv *mvccpb.KeyValue) store.KeyValue {
	return store.KeyValue{
		Key:            s.strip(kv.Key),
		Value:          kv.Value,
		CreateRevision: kv.CreateRevision,
		ModRevision:    kv.ModRevision,
		Version:        kv.Version,
		Lease:          store.LeaseID(kv.Lease),
	}
}

// prevKeyValue is keyValue for an optional previous value.
func (s *Store) prevKeyValue(kv *mvccpb.KeyValue) *store.KeyValue {
	if kv == nil {
		return nil
	}
	v := s.keyValue(kv)
	return &v
}

// mapError translates an etcd client error into the store's vocabulary,
// keeping the original in the chain. what names the operation and its
// input, e.g. `get "a"`. Compaction errors are handled by the callers,
// which know the revision asked for.
func (s *Store) mapError(what string, err error) error {
	var sentinel error
	switch {
	case errors.Is(err, rpctypes.ErrFutureRev):
		sentinel = store.ErrFutureRevision
	case errors.Is(err, rpctypes.ErrLeaseNotFound):
		sentinel = store.ErrLeaseNotFound
	case errors.Is(err, rpctypes.ErrRequestTooLarge), errors.Is(err, rpctypes.ErrTooManyOps):
		sentinel = store.ErrTooLarge
	case errors.Is(err, rpctypes.ErrDuplicateKey), errors.Is(err, rpctypes.ErrEmptyKey),
		errors.Is(err, rpctypes.ErrLeaseTTLTooLarge):
		sentinel = store.ErrInvalid
	case errors.Is(err, rpctypes.ErrCompacted):
		sentinel = store.ErrCompacted
	case isMessageTooLarge(err):
		sentinel = store.ErrTooLarge
	case s.isClosed() && (errors.Is(err, context.Canceled) || clientv3.IsConnCanceled(err)):
		sentinel = store.ErrClosed
	}
	if sentinel == nil {
		return fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	return fmt.Errorf("store/etcd: %s: %w: %w", what, sentinel, err)
}

// isMessageTooLarge reports the gRPC client's own refusal to send or
// receive a message over its size limit.
func isMessageTooLarge(err error) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.ResourceExhausted && strings.Contains(st.Message(), "larger than max")
}

// compactedError builds the store's error for a request at revision
// requested that etcd reports compacted. probeFrom is a revision known to
// be below etcd's compaction revision (0 when none is known), from which
// compactRevision learns the compaction revision; without one, Compacted
// is set to requested, the best lower bound known.
func (s *Store) compactedError(ctx context.Context, what string, requested, probeFrom int64) error {
	compacted := requested
	if probeFrom > 0 {
		if rev, ok := s.compactRevision(ctx, probeFrom); ok {
			compacted = rev
		}
	}
	return fmt.Errorf("store/etcd: %s: %w", what, &store.CompactedError{
		Requested: requested,
		Compacted: compacted,
	})
}
