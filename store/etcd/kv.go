package etcd

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/rigging-dev/rigging/store"
)

// Get returns key as of opts.Revision (0: the latest), with a linearizable
// read of one etcd Range. It fails with store.ErrNotFound when the key does
// not exist at that revision, store.ErrInvalid for an empty key or a
// negative revision, a *store.CompactedError for a compacted revision and
// store.ErrFutureRevision for one beyond etcd's current revision.
// GetResponse.Revision is opts.Revision when set, else etcd's current
// revision.
func (s *Store) Get(ctx context.Context, key string, opts store.ReadOptions) (store.GetResponse, error) {
	what := fmt.Sprintf("get %q", key)
	if err := s.checkRead(what, key, opts.Revision); err != nil {
		return store.GetResponse{}, err
	}
	resp, err := s.client.Get(ctx, s.full(key), clientv3.WithRev(opts.Revision))
	if err != nil {
		return store.GetResponse{}, s.readError(ctx, what, opts.Revision, err)
	}
	rev := readRevision(opts.Revision, resp.Header.Revision)
	if len(resp.Kvs) == 0 {
		return store.GetResponse{}, fmt.Errorf("store/etcd: %s at revision %d: %w", what, rev, store.ErrNotFound)
	}
	return store.GetResponse{KV: s.keyValue(resp.Kvs[0]), Revision: rev}, nil
}

// List returns the keys starting with prefix, in byte order, all read at one
// revision with one linearizable etcd Range per page. Limit, Count and
// Continue follow etcd's limit, count and more; the continue token is
// opaque, carries the page's revision and the list's prefix, and fails with
// store.ErrInvalid when it is malformed, was made for another prefix or is
// combined with a different non-zero Revision.
func (s *Store) List(ctx context.Context, prefix string, opts store.ListOptions) (store.ListResponse, error) {
	what := fmt.Sprintf("list %q", prefix)
	if err := s.checkOpen(what); err != nil {
		return store.ListResponse{}, err
	}
	if err := store.CheckRevision(opts.Revision); err != nil {
		return store.ListResponse{}, fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	if opts.Limit < 0 {
		return store.ListResponse{}, fmt.Errorf("store/etcd: %s: %w: negative limit %d", what, store.ErrInvalid, opts.Limit)
	}
	key, end := s.rangeOf(prefix)
	rev := opts.Revision
	var seen int64
	if opts.Continue != "" {
		tok, err := decodeContinue(opts.Continue)
		if err != nil {
			return store.ListResponse{}, fmt.Errorf("store/etcd: %s: %w", what, err)
		}
		if tok.Prefix != prefix {
			return store.ListResponse{}, fmt.Errorf("store/etcd: %s: %w: continue token is for prefix %q", what, store.ErrInvalid, tok.Prefix)
		}
		if rev != 0 && rev != tok.Revision {
			return store.ListResponse{}, fmt.Errorf("store/etcd: %s: %w: continue token is for revision %d, not %d", what, store.ErrInvalid, tok.Revision, rev)
		}
		rev, seen, key = tok.Revision, tok.Seen, s.full(tok.Next)
	}
	ops := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithRev(rev)}
	switch {
	case opts.CountOnly:
		ops = append(ops, clientv3.WithCountOnly())
	case opts.Limit > 0:
		ops = append(ops, clientv3.WithLimit(opts.Limit))
	}
	resp, err := s.client.Get(ctx, key, ops...)
	if err != nil {
		return store.ListResponse{}, s.readError(ctx, what, rev, err)
	}
	out := store.ListResponse{
		Revision: readRevision(rev, resp.Header.Revision),
		Count:    seen + resp.Count,
	}
	if opts.CountOnly {
		return out, nil
	}
	out.KVs = make([]store.KeyValue, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		out.KVs[i] = s.keyValue(kv)
	}
	if resp.More && len(out.KVs) > 0 {
		n := int64(len(out.KVs))
		out.Remaining = resp.Count - n
		out.Continue = encodeContinue(continueToken{
			Revision: out.Revision,
			Prefix:   prefix,
			Next:     out.KVs[n-1].Key + "\x00",
			Seen:     seen + n,
		})
	}
	return out, nil
}

// Create writes key only if it does not exist, as one etcd transaction:
// If CreateRevision(key) == 0 Then Put. It fails with store.ErrExists when
// the key exists and store.ErrLeaseNotFound when opts.Lease does not.
func (s *Store) Create(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	what := fmt.Sprintf("create %q", key)
	if err := s.checkWrite(what, key, value); err != nil {
		return store.WriteResponse{}, err
	}
	k := s.full(key)
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).
		Then(clientv3.OpPut(k, string(value), leaseOpts(opts.Lease)...)).
		Commit()
	if err != nil {
		return store.WriteResponse{}, s.mapError(what, err)
	}
	if !resp.Succeeded {
		return store.WriteResponse{}, fmt.Errorf("store/etcd: %s: %w", what, store.ErrExists)
	}
	rev := resp.Header.Revision
	return store.WriteResponse{KV: putKeyValue(key, value, opts.Lease, rev, nil), Revision: rev}, nil
}

// Put writes key whether or not it exists, as one etcd Put with the
// previous value. It fails with store.ErrLeaseNotFound when opts.Lease does
// not exist.
func (s *Store) Put(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	what := fmt.Sprintf("put %q", key)
	if err := s.checkWrite(what, key, value); err != nil {
		return store.WriteResponse{}, err
	}
	resp, err := s.client.Put(ctx, s.full(key), string(value), append(leaseOpts(opts.Lease), clientv3.WithPrevKV())...)
	if err != nil {
		return store.WriteResponse{}, s.mapError(what, err)
	}
	rev := resp.Header.Revision
	prev := s.prevKeyValue(resp.PrevKv)
	return store.WriteResponse{KV: putKeyValue(key, value, opts.Lease, rev, prev), PrevKV: prev, Revision: rev}, nil
}

// Update writes key only if it exists, as one etcd transaction: If
// CreateRevision(key) > 0 (or, with opts.ExpectedModRevision, If
// ModRevision(key) == expected) Then Put with the previous value, Else Get.
// Without an expected revision it fails with store.ErrNotFound when the
// key does not exist; with one, any other mod revision (the key's, or 0
// when it no longer exists) fails with a *store.ConflictError carrying the
// key as read in the same transaction (Current nil when it is gone).
func (s *Store) Update(ctx context.Context, key string, value []byte, opts store.UpdateOptions) (store.WriteResponse, error) {
	what := fmt.Sprintf("update %q", key)
	if err := s.checkWrite(what, key, value); err != nil {
		return store.WriteResponse{}, err
	}
	if err := checkExpected(opts.ExpectedModRevision); err != nil {
		return store.WriteResponse{}, fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	k := s.full(key)
	op := clientv3.OpPut(k, string(value), append(leaseOpts(opts.Lease), clientv3.WithPrevKV())...)
	resp, err := s.guarded(ctx, k, opts.ExpectedModRevision, op)
	if err != nil {
		return store.WriteResponse{}, s.mapError(what, err)
	}
	if !resp.Succeeded {
		return store.WriteResponse{}, s.guardFailed(what, key, opts.ExpectedModRevision, resp)
	}
	rev := resp.Header.Revision
	prev := s.prevKeyValue(resp.Responses[0].GetResponsePut().GetPrevKv())
	return store.WriteResponse{KV: putKeyValue(key, value, opts.Lease, rev, prev), PrevKV: prev, Revision: rev}, nil
}

// Delete removes key if it exists, as one etcd transaction shaped like
// Update's with a DeleteRange of the one key. It fails with
// store.ErrNotFound or a *store.ConflictError as Update does.
func (s *Store) Delete(ctx context.Context, key string, opts store.DeleteOptions) (store.WriteResponse, error) {
	what := fmt.Sprintf("delete %q", key)
	if err := s.checkOpen(what); err != nil {
		return store.WriteResponse{}, err
	}
	if err := s.limits.CheckKey(key); err != nil {
		return store.WriteResponse{}, fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	if err := checkExpected(opts.ExpectedModRevision); err != nil {
		return store.WriteResponse{}, fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	k := s.full(key)
	resp, err := s.guarded(ctx, k, opts.ExpectedModRevision, clientv3.OpDelete(k, clientv3.WithPrevKV()))
	if err != nil {
		return store.WriteResponse{}, s.mapError(what, err)
	}
	if !resp.Succeeded {
		return store.WriteResponse{}, s.guardFailed(what, key, opts.ExpectedModRevision, resp)
	}
	rev := resp.Header.Revision
	var prev *store.KeyValue
	if kvs := resp.Responses[0].GetResponseDeleteRange().GetPrevKvs(); len(kvs) > 0 {
		prev = s.prevKeyValue(kvs[0])
	}
	return store.WriteResponse{KV: store.KeyValue{Key: key, ModRevision: rev}, PrevKV: prev, Revision: rev}, nil
}

// guarded runs op on the etcd key k in a transaction that requires k to
// exist and, when expected is non-zero, to have that mod revision; its Else
// branch reads k so that a failure can tell a conflict from a missing key.
func (s *Store) guarded(ctx context.Context, k string, expected int64, op clientv3.Op) (*clientv3.TxnResponse, error) {
	cmp := clientv3.Compare(clientv3.CreateRevision(k), ">", 0)
	if expected != 0 {
		cmp = clientv3.Compare(clientv3.ModRevision(k), "=", expected)
	}
	return s.client.Txn(ctx).If(cmp).Then(op).Else(clientv3.OpGet(k)).Commit()
}

// guardFailed turns the Else branch of a guarded transaction into an
// error: without an expected revision the key was missing
// (store.ErrNotFound); with one, the mod-revision comparison failed, which
// is a *store.ConflictError carrying the key as the Else branch read it,
// or nil when it no longer exists (as the failed comparison of an etcd
// transaction would report).
func (s *Store) guardFailed(what, key string, expected int64, resp *clientv3.TxnResponse) error {
	rev := resp.Header.Revision
	kvs := resp.Responses[0].GetResponseRange().GetKvs()
	if expected == 0 {
		return fmt.Errorf("store/etcd: %s at revision %d: %w", what, rev, store.ErrNotFound)
	}
	var cur *store.KeyValue
	if len(kvs) > 0 {
		cur = s.prevKeyValue(kvs[0])
	}
	return fmt.Errorf("store/etcd: %s: %w", what, &store.ConflictError{
		Key:      key,
		Expected: expected,
		Current:  cur,
		Revision: rev,
	})
}

// checkRead validates the arguments of a single-key read.
func (s *Store) checkRead(what, key string, rev int64) error {
	if err := s.checkOpen(what); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("store/etcd: %s: %w: empty key", what, store.ErrInvalid)
	}
	if err := store.CheckRevision(rev); err != nil {
		return fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	return nil
}

// checkWrite validates the arguments of a single-key write.
func (s *Store) checkWrite(what, key string, value []byte) error {
	if err := s.checkOpen(what); err != nil {
		return err
	}
	if err := s.limits.CheckKey(key); err != nil {
		return fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	if err := s.limits.CheckValue(key, value); err != nil {
		return fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	return nil
}

// checkExpected rejects a negative expected mod revision.
func checkExpected(rev int64) error {
	if rev < 0 {
		return fmt.Errorf("%w: negative expected mod revision %d", store.ErrInvalid, rev)
	}
	return nil
}

// readError maps the error of a read at revision rev.
func (s *Store) readError(ctx context.Context, what string, rev int64, err error) error {
	if isCompacted(err) {
		// etcd refuses a read below its compaction revision, so rev itself
		// is a revision from which a probe finds it.
		return s.compactedError(ctx, what, rev, rev)
	}
	return s.mapError(what, err)
}

// isCompacted reports etcd's refusal of a compacted revision.
func isCompacted(err error) bool { return errors.Is(err, rpctypes.ErrCompacted) }

// readRevision is the revision a read was served at: the one asked for, or
// etcd's current revision for a read of the latest.
func readRevision(asked, current int64) int64 {
	if asked != 0 {
		return asked
	}
	return current
}

// leaseOpts returns the etcd option attaching a put to lease, if any.
func leaseOpts(lease store.LeaseID) []clientv3.OpOption {
	if lease == store.NoLease {
		return nil
	}
	return []clientv3.OpOption{clientv3.WithLease(clientv3.LeaseID(lease))}
}

// putKeyValue is the key as a put at revision rev left it, given the key
// before (nil when the put created it). etcd's put response carries only
// the previous key, and the put was atomic, so this is exact.
func putKeyValue(key string, value []byte, lease store.LeaseID, rev int64, prev *store.KeyValue) store.KeyValue {
	kv := store.KeyValue{Key: key, Value: value, CreateRevision: rev, ModRevision: rev, Version: 1, Lease: lease}
	if prev != nil {
		kv.CreateRevision = prev.CreateRevision
		kv.Version = prev.Version + 1
	}
	return kv
}
