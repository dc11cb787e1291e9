package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// rebased shows a Store on a fresh etcd to the conformance suite with
// revisions counted from 0 instead of etcd's 1: it subtracts base (the
// fresh server's revision, 1) from every revision coming out and adds it to
// every revision going in. Revision 0 (no revision, "latest", "missing
// key") is never shifted; since every key a fresh etcd holds was written
// after base, comparisons against shifted revisions keep their truth.
// Nothing but revisions is translated.
//
// It exists only because storetest requires a fresh store to be at
// revision 0, which etcd never is; see the report in TestConformance.
type rebased struct {
	s    *Store
	base int64
}

var (
	_ store.Store      = (*rebased)(nil)
	_ store.Transactor = (*rebased)(nil)
)

// in shifts a revision the caller gave.
func (r *rebased) in(rev int64) int64 {
	if rev > 0 {
		return rev + r.base
	}
	return rev
}

// out shifts a revision the Store returned.
func (r *rebased) out(rev int64) int64 {
	if rev > 0 {
		return rev - r.base
	}
	return rev
}

func (r *rebased) kv(kv store.KeyValue) store.KeyValue {
	kv.CreateRevision = r.out(kv.CreateRevision)
	kv.ModRevision = r.out(kv.ModRevision)
	return kv
}

func (r *rebased) kvp(kv *store.KeyValue) *store.KeyValue {
	if kv == nil {
		return nil
	}
	v := r.kv(*kv)
	return &v
}

// err shifts the revisions of a *store.ConflictError or
// *store.CompactedError in err, keeping err in the chain.
func (r *rebased) err(err error) error {
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		shifted := &store.ConflictError{Key: ce.Key, Expected: r.out(ce.Expected), Current: r.kvp(ce.Current), Revision: r.out(ce.Revision)}
		return fmt.Errorf("%w (etcd revisions: %w)", shifted, err)
	}
	var cpe *store.CompactedError
	if errors.As(err, &cpe) {
		shifted := &store.CompactedError{Requested: r.out(cpe.Requested), Compacted: r.out(cpe.Compacted)}
		return fmt.Errorf("%w (etcd revisions: %w)", shifted, err)
	}
	return err
}

func (r *rebased) write(w store.WriteResponse, err error) (store.WriteResponse, error) {
	if err != nil {
		return w, r.err(err)
	}
	return store.WriteResponse{KV: r.kv(w.KV), PrevKV: r.kvp(w.PrevKV), Revision: r.out(w.Revision)}, nil
}

func (r *rebased) Get(ctx context.Context, key string, opts store.ReadOptions) (store.GetResponse, error) {
	opts.Revision = r.in(opts.Revision)
	g, err := r.s.Get(ctx, key, opts)
	if err != nil {
		return g, r.err(err)
	}
	return store.GetResponse{KV: r.kv(g.KV), Revision: r.out(g.Revision)}, nil
}

func (r *rebased) List(ctx context.Context, prefix string, opts store.ListOptions) (store.ListResponse, error) {
	opts.Revision = r.in(opts.Revision)
	l, err := r.s.List(ctx, prefix, opts)
	if err != nil {
		return l, r.err(err)
	}
	for i, kv := range l.KVs {
		l.KVs[i] = r.kv(kv)
	}
	l.Revision = r.out(l.Revision)
	return l, nil
}

func (r *rebased) Create(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	return r.write(r.s.Create(ctx, key, value, opts))
}

func (r *rebased) Put(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	return r.write(r.s.Put(ctx, key, value, opts))
}

func (r *rebased) Update(ctx context.Context, key string, value []byte, opts store.UpdateOptions) (store.WriteResponse, error) {
	opts.ExpectedModRevision = r.in(opts.ExpectedModRevision)
	return r.write(r.s.Update(ctx, key, value, opts))
}

func (r *rebased) Delete(ctx context.Context, key string, opts store.DeleteOptions) (store.WriteResponse, error) {
	opts.ExpectedModRevision = r.in(opts.ExpectedModRevision)
	return r.write(r.s.Delete(ctx, key, opts))
}

func (r *rebased) Watch(ctx context.Context, prefix string, opts store.WatchOptions) (<-chan store.WatchResponse, error) {
	opts.Revision = r.in(opts.Revision)
	in, err := r.s.Watch(ctx, prefix, opts)
	if err != nil {
		return nil, r.err(err)
	}
	out := make(chan store.WatchResponse)
	go func() {
		defer close(out)
		for resp := range in {
			for i, e := range resp.Events {
				resp.Events[i] = store.Event{Type: e.Type, KV: r.kv(e.KV), PrevKV: r.kvp(e.PrevKV)}
			}
			resp.Revision = r.out(resp.Revision)
			resp.CompactRevision = r.out(resp.CompactRevision)
			if resp.Err != nil {
				resp.Err = r.err(resp.Err)
			}
			select {
			case out <- resp:
			case <-ctx.Done():
				// The Store closes in once ctx is done; drain it.
				for range in {
				}
				return
			}
		}
	}()
	return out, nil
}

func (r *rebased) Grant(ctx context.Context, ttl time.Duration) (store.Lease, error) {
	return r.s.Grant(ctx, ttl)
}

func (r *rebased) KeepAlive(ctx context.Context, id store.LeaseID) (time.Duration, error) {
	return r.s.KeepAlive(ctx, id)
}

func (r *rebased) Revoke(ctx context.Context, id store.LeaseID) error { return r.s.Revoke(ctx, id) }

func (r *rebased) TimeToLive(ctx context.Context, id store.LeaseID) (store.LeaseStatus, error) {
	return r.s.TimeToLive(ctx, id)
}

func (r *rebased) Compact(ctx context.Context, revision int64) error {
	err := r.s.Compact(ctx, r.in(revision))
	if err != nil {
		// The Store's message names etcd's revision; name the caller's.
		return fmt.Errorf("compact at revision %d: %w", revision, r.err(err))
	}
	return nil
}

func (r *rebased) Close() error { return r.s.Close() }

func (r *rebased) Txn(ctx context.Context, txn store.Txn) (store.TxnResponse, error) {
	txn.If = append([]store.Compare(nil), txn.If...)
	for i, c := range txn.If {
		if c.Target == store.CompareModRevision || c.Target == store.CompareCreateRevision {
			txn.If[i].Revision = r.in(c.Revision)
		}
	}
	resp, err := r.s.Txn(ctx, txn)
	if err != nil {
		return resp, r.err(err)
	}
	for i, res := range resp.Results {
		resp.Results[i] = store.OpResult{Found: res.Found, KV: r.kv(res.KV), PrevKV: r.kvp(res.PrevKV)}
	}
	resp.Revision = r.out(resp.Revision)
	return resp, nil
}
