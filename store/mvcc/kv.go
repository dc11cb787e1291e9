package mvcc

import (
	"context"
	"fmt"

	"github.com/rigging-dev/rigging/store"
)

// checkWrite validates a write's key and value against the limits and
// copies the value, which the store keeps (in the event history, in
// responses) after the call returns. A nil value is stored as empty:
// only a deletion has a nil value.
func (s *Store) checkWrite(op, key string, value []byte) ([]byte, error) {
	v, err := s.checkOwnedWrite(op, key, value)
	if err != nil {
		return nil, err
	}
	return append(make([]byte, 0, len(v)), v...), nil
}

// checkOwnedWrite is checkWrite for a value the caller hands over: it is
// kept as it is (nil becomes empty), not copied.
func (s *Store) checkOwnedWrite(op, key string, value []byte) ([]byte, error) {
	if err := s.opts.Limits.CheckKey(key); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := s.opts.Limits.CheckValue(key, value); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if value == nil {
		value = []byte{}
	}
	return value, nil
}

// put runs one Create, Put or Update; with owned, value is the caller's
// to give (see CreateOwned) and is not copied.
func (s *Store) put(ctx context.Context, op string, mode putMode, key string, value []byte, lease store.LeaseID, expected int64, owned bool) (store.WriteResponse, error) {
	check := s.checkWrite
	if owned {
		check = s.checkOwnedWrite
	}
	v, err := check(op, key, value)
	if err != nil {
		return store.WriteResponse{}, err
	}
	if expected < 0 {
		return store.WriteResponse{}, fmt.Errorf("%s %q: %w: negative expected mod revision %d", op, key, store.ErrInvalid, expected)
	}
	if lease < 0 {
		return store.WriteResponse{}, fmt.Errorf("%s %q: attach to lease %d: %w", op, key, lease, store.ErrLeaseNotFound)
	}
	res := s.submit(ctx, &request{kind: reqPut, mode: mode, key: key, value: v, lease: lease, expected: expected, size: len(key) + len(v)})
	if res.err != nil {
		return store.WriteResponse{}, wrapOp(op, key, res.err)
	}
	return res.write, nil
}

// wrapOp adds the operation and key to errors that do not already name
// them (the writer's own errors say which key they are about).
func wrapOp(op, key string, err error) error {
	switch err.(type) {
	case *store.ConflictError:
		return err
	}
	return fmt.Errorf("%s %q: %w", op, key, err)
}

// Create writes key only if it does not exist (else ErrExists), as one
// revision, durable (fsync'd) when it returns; see store.Writer.
func (s *Store) Create(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	return s.put(ctx, "create", modeCreate, key, value, opts.Lease, 0, false)
}

// CreateOwned is Create for a caller that gives value to the store: the
// store keeps value itself instead of a copy of it (in its record cache
// and watch history, and in the responses and events that carry the new
// value), which saves copying every write's value. The caller must not
// modify value once CreateOwned is called, whatever its outcome; readers
// of the responses and events must not modify it either, as with any
// value the store returns. An API server that encodes each object into a
// new buffer and keeps it read-only uses it (found by type assertion).
func (s *Store) CreateOwned(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	return s.put(ctx, "create", modeCreate, key, value, opts.Lease, 0, true)
}

// Put writes key whether or not it exists, as one revision, durable when it
// returns.
func (s *Store) Put(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	return s.put(ctx, "put", modePut, key, value, opts.Lease, 0, false)
}

// Update writes key only if it exists (else ErrNotFound) and, with
// opts.ExpectedModRevision, only if unchanged since (else a
// *store.ConflictError carrying the current value). The key is attached to
// opts.Lease, which replaces any earlier lease (NoLease detaches it).
func (s *Store) Update(ctx context.Context, key string, value []byte, opts store.UpdateOptions) (store.WriteResponse, error) {
	return s.put(ctx, "update", modeUpdate, key, value, opts.Lease, opts.ExpectedModRevision, false)
}

// UpdateOwned is Update for a caller that gives value to the store, as
// CreateOwned does: value is kept without a copy, and the caller must not
// modify it once UpdateOwned is called.
func (s *Store) UpdateOwned(ctx context.Context, key string, value []byte, opts store.UpdateOptions) (store.WriteResponse, error) {
	return s.put(ctx, "update", modeUpdate, key, value, opts.Lease, opts.ExpectedModRevision, true)
}

// Delete removes key if it exists (else ErrNotFound) and, with
// opts.ExpectedModRevision, only if unchanged (else a *store.ConflictError),
// as one revision, durable when it returns.
func (s *Store) Delete(ctx context.Context, key string, opts store.DeleteOptions) (store.WriteResponse, error) {
	if err := s.opts.Limits.CheckKey(key); err != nil {
		return store.WriteResponse{}, fmt.Errorf("delete: %w", err)
	}
	if opts.ExpectedModRevision < 0 {
		return store.WriteResponse{}, fmt.Errorf("delete %q: %w: negative expected mod revision %d", key, store.ErrInvalid, opts.ExpectedModRevision)
	}
	res := s.submit(ctx, &request{kind: reqDelete, key: key, expected: opts.ExpectedModRevision, size: len(key)})
	if res.err != nil {
		return store.WriteResponse{}, wrapOp("delete", key, res.err)
	}
	return res.write, nil
}
