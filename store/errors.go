package store

import (
	"errors"
	"fmt"
)

// The errors a Store returns, wrapped with the key or revision concerned.
var (
	// ErrNotFound: the key does not exist (at the revision read).
	ErrNotFound = errors.New("store: key not found")
	// ErrExists: Create of a key that exists.
	ErrExists = errors.New("store: key already exists")
	// ErrConflict: a guarded write found another mod revision; the error is
	// a *ConflictError carrying the current state.
	ErrConflict = errors.New("store: mod revision conflict")
	// ErrCompacted: the revision asked for has been compacted; the error is
	// a *CompactedError.
	ErrCompacted = errors.New("store: revision compacted")
	// ErrFutureRevision: the revision asked for is beyond the current one.
	ErrFutureRevision = errors.New("store: revision is in the future")
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("store: closed")
	// ErrTooLarge: a key, value or transaction exceeds the store's limits.
	ErrTooLarge = errors.New("store: too large")
	// ErrInvalid: an argument is malformed (empty key, negative revision,
	// foreign continue token...).
	ErrInvalid = errors.New("store: invalid argument")
	// ErrLeaseNotFound: the lease does not exist, has expired or was revoked.
	ErrLeaseNotFound = errors.New("store: lease not found")
	// ErrWatchTooSlow: the store ended a watcher that could not keep up.
	ErrWatchTooSlow = errors.New("store: watcher too slow")
)

// ConflictError is returned when a guarded write finds the key changed.
// errors.Is(err, ErrConflict) holds.
type ConflictError struct {
	Key string
	// Expected is the mod revision the caller expected.
	Expected int64
	// Current is the key's current state; nil when it no longer exists.
	Current *KeyValue
	// Revision is the store revision the check was made at.
	Revision int64
}

func (e *ConflictError) Error() string {
	cur := int64(0)
	if e.Current != nil {
		cur = e.Current.ModRevision
	}
	return fmt.Sprintf("store: key %q: expected mod revision %d, current %d", e.Key, e.Expected, cur)
}

// Is makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// CompactedError is returned when a revision is no longer available.
// errors.Is(err, ErrCompacted) holds.
type CompactedError struct {
	// Requested is the revision asked for.
	Requested int64
	// Compacted is the compaction revision: the oldest revision still
	// readable.
	Compacted int64
}

func (e *CompactedError) Error() string {
	return fmt.Sprintf("store: revision %d compacted (oldest available %d)", e.Requested, e.Compacted)
}

// Is makes errors.Is(err, ErrCompacted) hold.
func (e *CompactedError) Is(target error) bool { return target == ErrCompacted }
