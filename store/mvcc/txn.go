package mvcc

import (
	"bytes"
	"context"
	"fmt"

	"github.com/rigging-dev/rigging/store"
)

// Txn evaluates every comparison of txn.If against the current state and
// applies Then if all hold, else Else, atomically: all of the branch's puts
// and deletes are one write at one revision (none when the branch changes
// nothing: only gets, or deletes of missing keys). Results has one entry
// per op of the branch applied: for a get the key (Found false if absent);
// for a put the new key in KV and the previous one in PrevKV; for a delete
// Found, the previous key in PrevKV and the deletion (Key, ModRevision) in
// KV. Gets see the state before the transaction (a branch names each key
// once).
//
// A comparison of a missing key sees revisions and version 0 and a nil
// value, which compares as equal to an empty one (store.Compare's
// contract; etcd instead fails every value comparison on a missing key).
//
// Invalid input fails with ErrInvalid (unknown op type, target or
// relation, an empty key, a key repeated in a branch) or ErrTooLarge (a
// branch or If over MaxTxnOps, a key or value over its limit), an unknown
// lease with ErrLeaseNotFound; nothing is applied then. A transaction that
// writes nothing is served without the writer, at the latest revision.
func (s *Store) Txn(ctx context.Context, txn store.Txn) (store.TxnResponse, error) {
	if err := s.callErr(ctx); err != nil {
		return store.TxnResponse{}, fmt.Errorf("txn: %w", err)
	}
	t, writes, err := s.checkTxn(txn)
	if err != nil {
		return store.TxnResponse{}, fmt.Errorf("txn: %w", err)
	}
	if !writes {
		return s.readTxn(t)
	}
	size := 0
	for _, br := range [][]store.Op{t.Then, t.Else} {
		for _, op := range br {
			size += len(op.Key) + len(op.Value)
		}
	}
	res := s.submit(ctx, &request{kind: reqTxn, txn: t, size: size})
	if res.err != nil {
		return store.TxnResponse{}, fmt.Errorf("txn: %w", res.err)
	}
	return res.txn, nil
}

// checkTxn validates txn and returns a copy whose put values the store
// owns, and whether either branch has a put or delete.
func (s *Store) checkTxn(txn store.Txn) (*store.Txn, bool, error) {
	lim := s.opts.Limits
	if len(txn.If) > lim.MaxTxnOps {
		return nil, false, fmt.Errorf("%w: %d comparisons, over the limit of %d", store.ErrTooLarge, len(txn.If), lim.MaxTxnOps)
	}
	for i, c := range txn.If {
		if err := lim.CheckKey(c.Key); err != nil {
			return nil, false, fmt.Errorf("comparison %d: %w", i, err)
		}
		if c.Target < store.CompareModRevision || c.Target > store.CompareValue {
			return nil, false, fmt.Errorf("comparison %d of %q: %w: unknown target %d", i, c.Key, store.ErrInvalid, c.Target)
		}
		if c.Result < store.Equal || c.Result > store.Greater {
			return nil, false, fmt.Errorf("comparison %d of %q: %w: unknown relation %d", i, c.Key, store.ErrInvalid, c.Result)
		}
		if err := lim.CheckValue(c.Key, c.Value); err != nil {
			return nil, false, fmt.Errorf("comparison %d: %w", i, err)
		}
	}
	out := &store.Txn{If: txn.If}
	writes := false
	for bi, br := range [][]store.Op{txn.Then, txn.Else} {
		name := [...]string{"then", "else"}[bi]
		if len(br) > lim.MaxTxnOps {
			return nil, false, fmt.Errorf("%w: %d ops in %s, over the limit of %d", store.ErrTooLarge, len(br), name, lim.MaxTxnOps)
		}
		seen := make(map[string]struct{}, len(br))
		ops := make([]store.Op, len(br))
		for i, op := range br {
			if err := lim.CheckKey(op.Key); err != nil {
				return nil, false, fmt.Errorf("%s op %d: %w", name, i, err)
			}
			if _, dup := seen[op.Key]; dup {
				return nil, false, fmt.Errorf("%s op %d: %w: key %q appears twice in the branch", name, i, store.ErrInvalid, op.Key)
			}
			seen[op.Key] = struct{}{}
			switch op.Type {
			case store.OpGet:
				op.Value, op.Lease = nil, store.NoLease
			case store.OpPut:
				if err := lim.CheckValue(op.Key, op.Value); err != nil {
					return nil, false, fmt.Errorf("%s op %d: %w", name, i, err)
				}
				if op.Lease < 0 {
					return nil, false, fmt.Errorf("%s op %d: put %q: attach to lease %d: %w", name, i, op.Key, op.Lease, store.ErrLeaseNotFound)
				}
				op.Value = append(make([]byte, 0, len(op.Value)), op.Value...)
				writes = true
			case store.OpDelete:
				op.Value, op.Lease = nil, store.NoLease
				writes = true
			default:
				return nil, false, fmt.Errorf("%s op %d on %q: %w: unknown op type %d", name, i, op.Key, store.ErrInvalid, op.Type)
			}
			ops[i] = op
		}
		if bi == 0 {
			out.Then = ops
		} else {
			out.Else = ops
		}
	}
	return out, writes, nil
}

// compareHolds evaluates c against kv (nil: the key is missing).
func compareHolds(c store.Compare, kv *store.KeyValue) bool {
	var cmp int
	if c.Target == store.CompareValue {
		var v []byte
		if kv != nil {
			v = kv.Value
		}
		cmp = bytes.Compare(v, c.Value)
	} else {
		var have int64
		if kv != nil {
			switch c.Target {
			case store.CompareModRevision:
				have = kv.ModRevision
			case store.CompareCreateRevision:
				have = kv.CreateRevision
			case store.CompareVersion:
				have = kv.Version
			}
		}
		switch {
		case have < c.Revision:
			cmp = -1
		case have > c.Revision:
			cmp = 1
		}
	}
	switch c.Result {
	case store.Equal:
		return cmp == 0
	case store.NotEqual:
		return cmp != 0
	case store.Less:
		return cmp < 0
	case store.Greater:
		return cmp > 0
	}
	return false
}

// readTxn serves a transaction without puts or deletes at the latest
// revision.
func (s *Store) readTxn(t *store.Txn) (store.TxnResponse, error) {
	keys := make([]string, 0, len(t.If)+len(t.Then)+len(t.Else))
	for _, c := range t.If {
		keys = append(keys, c.Key)
	}
	for _, op := range t.Then {
		keys = append(keys, op.Key)
	}
	for _, op := range t.Else {
		keys = append(keys, op.Key)
	}
	revs := make([]revision, len(keys))
	found := make([]bool, len(keys))
	var pend *unsynced
	tx, at, err := s.view(0, func(ix *index, at int64) bool {
		for i, k := range keys {
			revs[i], found[i] = ix.get(k, at)
		}
		pend = s.pend
		return true
	})
	if err != nil {
		return store.TxnResponse{}, fmt.Errorf("txn: %w", err)
	}
	defer rollback(tx)
	b := tx.Bucket(recordsBucket)
	read := func(i int) (*store.KeyValue, error) {
		if !found[i] {
			return nil, nil
		}
		if rec, ok := s.cache.get(revs[i]); ok {
			return &rec.kv, nil
		}
		if rec, ok := pend.get(revs[i]); ok {
			return &rec.kv, nil
		}
		rec, err := readRecord(b, revs[i])
		if err != nil {
			return nil, fmt.Errorf("txn: read %q at revision %d: %w", keys[i], at, err)
		}
		return &rec.kv, nil
	}
	resp := store.TxnResponse{Succeeded: true, Revision: at}
	for i, c := range t.If {
		kv, err := read(i)
		if err != nil {
			return store.TxnResponse{}, err
		}
		if !compareHolds(c, kv) {
			resp.Succeeded = false
			break
		}
	}
	branch, off := t.Then, len(t.If)
	if !resp.Succeeded {
		branch, off = t.Else, len(t.If)+len(t.Then)
	}
	resp.Results = make([]store.OpResult, len(branch))
	for i := range branch {
		kv, err := read(off + i)
		if err != nil {
			return store.TxnResponse{}, err
		}
		if kv != nil {
			resp.Results[i] = store.OpResult{Found: true, KV: *kv}
		}
	}
	return resp, nil
}

// applyTxn evaluates and applies a transaction in the writer.
func (b *batch) applyTxn(t *store.Txn) response {
	resp := store.TxnResponse{Succeeded: true}
	for _, c := range t.If {
		kv, _, err := b.current(c.Key)
		if err != nil {
			return response{err: err}
		}
		if !compareHolds(c, kv) {
			resp.Succeeded = false
			break
		}
	}
	branch := t.Then
	if !resp.Succeeded {
		branch = t.Else
	}
	for _, op := range branch {
		if op.Type == store.OpPut {
			if err := b.checkLease(op.Key, op.Lease); err != nil {
				return response{err: fmt.Errorf("put %q: %w", op.Key, err)}
			}
		}
	}
	resp.Results = make([]store.OpResult, len(branch))
	var consumed bool
	sub := int64(0)
	for i, op := range branch {
		prev, prevRev, err := b.current(op.Key)
		if err != nil {
			return response{err: err}
		}
		switch op.Type {
		case store.OpGet:
			if prev != nil {
				resp.Results[i] = store.OpResult{Found: true, KV: *prev}
			}
		case store.OpPut:
			rev := revision{main: b.nextRevision(&consumed), sub: sub}
			sub++
			kv, err := b.writePut(rev, op.Key, op.Value, op.Lease, prev, prevRev)
			if err != nil {
				return response{err: err}
			}
			resp.Results[i] = store.OpResult{Found: true, KV: kv, PrevKV: prev}
		case store.OpDelete:
			if prev == nil {
				continue
			}
			rev := revision{main: b.nextRevision(&consumed), sub: sub}
			sub++
			kv, err := b.writeDelete(rev, op.Key, prev, prevRev)
			if err != nil {
				return response{err: err}
			}
			resp.Results[i] = store.OpResult{Found: true, KV: kv, PrevKV: prev}
		}
	}
	resp.Revision = b.rev
	return response{txn: resp}
}
