package etcd

import (
	"bytes"
	"context"
	"fmt"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/rigging-dev/rigging/store"
)

// maxTxnAttempts bounds how often Txn retries when the keys it had to read
// first changed existence before its transaction ran.
const maxTxnAttempts = 16

// Txn applies txn as one etcd transaction: each Compare becomes the etcd
// compare of the same target and relation, each Op an etcd Range, Put (with
// the previous value) or DeleteRange (with the previous value) of one key.
//
// The store contract gives a missing key a nil value, so comparing its
// value can hold (nil equals an empty value, differs from and is less than
// a non-empty one); etcd instead fails every value comparison on a missing
// key. Where that differs, which is only for a value comparison whose
// relation holds for nil (Equal to empty, NotEqual or Less than non-empty),
// Txn first reads whether those keys exist and then sends a nested
// transaction: the outer one checks that their existence is unchanged, the
// inner one is txn with each such comparison on a missing key dropped
// (it holds). If their existence changed in between, it reads and tries
// again, up to 16 times, and then fails.
//
// Txn fails with store.ErrInvalid for an unknown target, relation or op
// type, an empty key or an op repeating a key within a branch, and with
// store.ErrTooLarge when If or a branch has more than Limits.MaxTxnOps
// entries or a key or value exceeds the limits.
func (s *Store) Txn(ctx context.Context, txn store.Txn) (store.TxnResponse, error) {
	const what = "txn"
	if err := s.checkOpen(what); err != nil {
		return store.TxnResponse{}, err
	}
	if err := s.checkTxn(txn); err != nil {
		return store.TxnResponse{}, fmt.Errorf("store/etcd: %s: %w", what, err)
	}
	thenOps, elseOps := s.ops(txn.Then), s.ops(txn.Else)

	var pinned []string // keys whose value comparisons hold when missing
	seen := map[string]bool{}
	for _, c := range txn.If {
		if c.Target == store.CompareValue && nilHolds(c) && !seen[c.Key] {
			seen[c.Key] = true
			pinned = append(pinned, c.Key)
		}
	}
	if len(pinned) == 0 {
		resp, err := s.client.Txn(ctx).If(s.compares(txn.If, nil)...).Then(thenOps...).Else(elseOps...).Commit()
		if err != nil {
			return store.TxnResponse{}, s.mapError(what, err)
		}
		return s.txnResponse(txn, resp.Header.Revision, resp.Succeeded, resp.Responses), nil
	}

	for range maxTxnAttempts {
		exists, pins, err := s.existence(ctx, pinned)
		if err != nil {
			return store.TxnResponse{}, s.mapError(what, err)
		}
		inner := clientv3.OpTxn(s.compares(txn.If, exists), thenOps, elseOps)
		resp, err := s.client.Txn(ctx).If(pins...).Then(inner).Commit()
		if err != nil {
			return store.TxnResponse{}, s.mapError(what, err)
		}
		if !resp.Succeeded {
			continue
		}
		in := resp.Responses[0].GetResponseTxn()
		return s.txnResponse(txn, resp.Header.Revision, in.Succeeded, in.Responses), nil
	}
	return store.TxnResponse{}, fmt.Errorf("store/etcd: %s: the existence of keys %q kept changing over %d attempts", what, pinned, maxTxnAttempts)
}

// nilHolds reports whether c, a value comparison, holds for a missing key's
// nil value.
func nilHolds(c store.Compare) bool {
	r := bytes.Compare(nil, c.Value)
	switch c.Result {
	case store.Equal:
		return r == 0
	case store.NotEqual:
		return r != 0
	case store.Less:
		return r < 0
	}
	return false
}

// existence reads, in one read-only transaction, the create revision of
// each key (0 when missing), and returns which exist and the comparisons
// that pin those create revisions.
func (s *Store) existence(ctx context.Context, keys []string) (map[string]bool, []clientv3.Cmp, error) {
	gets := make([]clientv3.Op, len(keys))
	for i, k := range keys {
		gets[i] = clientv3.OpGet(s.full(k), clientv3.WithKeysOnly())
	}
	resp, err := s.client.Txn(ctx).Then(gets...).Commit()
	if err != nil {
		return nil, nil, err
	}
	exists := make(map[string]bool, len(keys))
	pins := make([]clientv3.Cmp, len(keys))
	for i, k := range keys {
		var created int64
		if kvs := resp.Responses[i].GetResponseRange().GetKvs(); len(kvs) > 0 {
			created = kvs[0].CreateRevision
			exists[k] = true
		}
		pins[i] = clientv3.Compare(clientv3.CreateRevision(s.full(k)), "=", created)
	}
	return exists, pins, nil
}

// checkTxn validates txn against the contract and the limits.
func (s *Store) checkTxn(txn store.Txn) error {
	if n := len(txn.If); n > s.limits.MaxTxnOps {
		return fmt.Errorf("%w: %d comparisons, over the limit of %d", store.ErrTooLarge, n, s.limits.MaxTxnOps)
	}
	for i, c := range txn.If {
		if err := s.limits.CheckKey(c.Key); err != nil {
			return fmt.Errorf("comparison %d: %w", i, err)
		}
		if c.Target < store.CompareModRevision || c.Target > store.CompareValue {
			return fmt.Errorf("comparison %d on key %q: %w: unknown target %d", i, c.Key, store.ErrInvalid, c.Target)
		}
		if c.Result < store.Equal || c.Result > store.Greater {
			return fmt.Errorf("comparison %d on key %q: %w: unknown relation %d", i, c.Key, store.ErrInvalid, c.Result)
		}
		if c.Target == store.CompareValue {
			if err := s.limits.CheckValue(c.Key, c.Value); err != nil {
				return fmt.Errorf("comparison %d: %w", i, err)
			}
		}
	}
	for _, b := range []struct {
		name string
		ops  []store.Op
	}{{"then", txn.Then}, {"else", txn.Else}} {
		if n := len(b.ops); n > s.limits.MaxTxnOps {
			return fmt.Errorf("%w: %s branch has %d ops, over the limit of %d", store.ErrTooLarge, b.name, n, s.limits.MaxTxnOps)
		}
		keys := make(map[string]bool, len(b.ops))
		for i, op := range b.ops {
			if err := s.limits.CheckKey(op.Key); err != nil {
				return fmt.Errorf("%s op %d: %w", b.name, i, err)
			}
			switch op.Type {
			case store.OpGet, store.OpDelete:
			case store.OpPut:
				if err := s.limits.CheckValue(op.Key, op.Value); err != nil {
					return fmt.Errorf("%s op %d: %w", b.name, i, err)
				}
			default:
				return fmt.Errorf("%s op %d on key %q: %w: unknown op type %d", b.name, i, op.Key, store.ErrInvalid, op.Type)
			}
			if keys[op.Key] {
				return fmt.Errorf("%s op %d: %w: key %q repeats within the branch", b.name, i, store.ErrInvalid, op.Key)
			}
			keys[op.Key] = true
		}
	}
	return nil
}

// compares converts the comparisons of If. A value comparison that holds
// for nil on a key that exists[key] says is missing is dropped; exists nil
// keeps every comparison.
func (s *Store) compares(cs []store.Compare, exists map[string]bool) []clientv3.Cmp {
	out := make([]clientv3.Cmp, 0, len(cs))
	for _, c := range cs {
		k := s.full(c.Key)
		var target clientv3.Cmp
		var operand any = c.Revision
		switch c.Target {
		case store.CompareModRevision:
			target = clientv3.ModRevision(k)
		case store.CompareCreateRevision:
			target = clientv3.CreateRevision(k)
		case store.CompareVersion:
			target = clientv3.Version(k)
		case store.CompareValue:
			if exists != nil && !exists[c.Key] && nilHolds(c) {
				continue
			}
			target, operand = clientv3.Value(k), string(c.Value)
		}
		out = append(out, clientv3.Compare(target, relations[c.Result], operand))
	}
	return out
}

// relations are etcd's spellings of the store's relations.
var relations = map[store.CompareResult]string{
	store.Equal:    "=",
	store.NotEqual: "!=",
	store.Less:     "<",
	store.Greater:  ">",
}

// ops converts the ops of a branch.
func (s *Store) ops(ops []store.Op) []clientv3.Op {
	out := make([]clientv3.Op, len(ops))
	for i, op := range ops {
		k := s.full(op.Key)
		switch op.Type {
		case store.OpGet:
			out[i] = clientv3.OpGet(k)
		case store.OpPut:
			out[i] = clientv3.OpPut(k, string(op.Value), append(leaseOpts(op.Lease), clientv3.WithPrevKV())...)
		case store.OpDelete:
			out[i] = clientv3.OpDelete(k, clientv3.WithPrevKV())
		}
	}
	return out
}

// txnResponse converts the responses of the branch applied.
func (s *Store) txnResponse(txn store.Txn, rev int64, succeeded bool, resps []*pb.ResponseOp) store.TxnResponse {
	ops := txn.Else
	if succeeded {
		ops = txn.Then
	}
	out := store.TxnResponse{Succeeded: succeeded, Revision: rev, Results: make([]store.OpResult, len(ops))}
	for i, op := range ops {
		var r store.OpResult
		switch op.Type {
		case store.OpGet:
			if kvs := resps[i].GetResponseRange().GetKvs(); len(kvs) > 0 {
				r = store.OpResult{Found: true, KV: s.keyValue(kvs[0])}
			}
		case store.OpPut:
			prev := s.prevKeyValue(resps[i].GetResponsePut().GetPrevKv())
			r = store.OpResult{Found: true, KV: putKeyValue(op.Key, op.Value, op.Lease, rev, prev), PrevKV: prev}
		case store.OpDelete:
			if kvs := resps[i].GetResponseDeleteRange().GetPrevKvs(); len(kvs) > 0 {
				r = store.OpResult{Found: true, KV: store.KeyValue{Key: op.Key, ModRevision: rev}, PrevKV: s.prevKeyValue(kvs[0])}
			}
		}
		out.Results[i] = r
	}
	return out
}
