package store

import (
	"context"
	"io"
	"time"
)

// KeyValue is one key at one revision.
type KeyValue struct {
	// Key is the key; never empty.
	Key string
	// Value is the value; nil for a deletion. Callers must not modify it:
	// implementations may share it between readers and watchers.
	Value []byte
	// CreateRevision is the revision of the write that created the key.
	CreateRevision int64
	// ModRevision is the revision of the write that last changed the key
	// (for a deletion event, the revision of the deletion).
	ModRevision int64
	// Version counts the writes to the key since its creation, starting at 1;
	// 0 in a deletion event.
	Version int64
	// Lease is the lease the key is attached to, or NoLease.
	Lease LeaseID
}

// ReadOptions select the revision a read is served at.
type ReadOptions struct {
	// Revision reads the state as of that revision; 0 reads the latest.
	// A compacted revision fails with ErrCompacted, a revision beyond the
	// current one with ErrFutureRevision.
	Revision int64
}

// GetResponse is the result of Get.
type GetResponse struct {
	// KV is the key as of Revision.
	KV KeyValue
	// Revision is the store revision the read was served at: the one asked
	// for in ReadOptions, or the current one.
	Revision int64
}

// ListOptions shape a List.
type ListOptions struct {
	// Revision lists the state as of that revision; 0 lists the latest.
	Revision int64
	// Limit caps the number of keys returned; 0 means no limit. When more
	// keys remain, the response carries a Continue token.
	Limit int64
	// Continue resumes a paginated list where the previous page ended, at
	// that page's revision. A token from another prefix, or combined with a
	// different non-zero Revision, fails with ErrInvalid; a token whose
	// revision has since been compacted fails with ErrCompacted.
	Continue string
	// CountOnly returns no keys, only Count.
	CountOnly bool
}

// ListResponse is one page of a List.
type ListResponse struct {
	// KVs holds the keys in byte order of Key.
	KVs []KeyValue
	// Revision is the revision every key of every page was read at.
	Revision int64
	// Continue is non-empty when more keys remain; pass it in ListOptions.
	Continue string
	// Remaining is the number of keys after this page (0 on the last page).
	Remaining int64
	// Count is the number of keys with the prefix at Revision, all pages
	// together, counting from the start of the listing.
	Count int64
}

// PutOptions apply to Create and Put.
type PutOptions struct {
	// Lease attaches the key to a lease: it is deleted when the lease
	// expires or is revoked. NoLease attaches none.
	Lease LeaseID
}

// UpdateOptions guard and shape an Update.
type UpdateOptions struct {
	// ExpectedModRevision, when non-zero, makes the update conditional: it
	// fails with a *ConflictError (errors.Is ErrConflict) unless the key's
	// current ModRevision equals it. Zero updates unconditionally.
	ExpectedModRevision int64
	// Lease attaches the key to a lease, replacing any earlier one; NoLease
	// detaches it, as an etcd put does.
	Lease LeaseID
}

// DeleteOptions guard a Delete.
type DeleteOptions struct {
	// ExpectedModRevision, when non-zero, makes the delete conditional, as
	// in UpdateOptions.
	ExpectedModRevision int64
}

// WriteResponse is the result of a write.
type WriteResponse struct {
	// KV is the key after the write. For a delete it is the deletion: Key,
	// ModRevision (the deletion's revision) and nothing else.
	KV KeyValue
	// PrevKV is the key before the write; nil for a Create or a Put of a
	// new key.
	PrevKV *KeyValue
	// Revision is the store revision after the write.
	Revision int64
}

// Reader reads keys at a consistent revision.
type Reader interface {
	// Get returns key as of opts.Revision, or ErrNotFound.
	Get(ctx context.Context, key string, opts ReadOptions) (GetResponse, error)
	// List returns the keys that start with prefix, in byte order, all read
	// at one revision. An empty prefix lists every key.
	List(ctx context.Context, prefix string, opts ListOptions) (ListResponse, error)
}

// Writer changes keys. Each successful call is one write: it increments the
// store revision by one and is durable when the call returns.
type Writer interface {
	// Create writes key only if it does not exist; else ErrExists.
	Create(ctx context.Context, key string, value []byte, opts PutOptions) (WriteResponse, error)
	// Put writes key whether or not it exists.
	Put(ctx context.Context, key string, value []byte, opts PutOptions) (WriteResponse, error)
	// Update writes key only if it exists and, when
	// opts.ExpectedModRevision is set, only if it is unchanged since then.
	// A missing key fails with ErrNotFound, or, when ExpectedModRevision is
	// set, with a *ConflictError whose Current is nil; a changed key with a
	// *ConflictError. A negative ExpectedModRevision is ErrInvalid.
	Update(ctx context.Context, key string, value []byte, opts UpdateOptions) (WriteResponse, error)
	// Delete removes key if it exists and, when opts.ExpectedModRevision is
	// set, only if unchanged; failures as for Update.
	Delete(ctx context.Context, key string, opts DeleteOptions) (WriteResponse, error)
}

// KV is a Reader and a Writer.
type KV interface {
	Reader
	Writer
}

// Watcher streams changes.
type Watcher interface {
	// Watch streams every change to keys starting with prefix from
	// opts.Revision on (0: changes after the current revision), in revision
	// order, each exactly once, with no gap.
	//
	// Argument errors (a negative revision, a revision already compacted)
	// are returned at once. Afterwards the stream ends by closing the
	// channel: when ctx is done (no error is sent), or after one final
	// response whose Err says why (ErrCompacted when the watcher fell so far
	// behind that the revisions it needs were compacted, ErrClosed when the
	// store closes, ErrWatchTooSlow when an implementation chose to end a
	// watcher that could not keep up). A slow reader never blocks writers or
	// other watchers.
	Watch(ctx context.Context, prefix string, opts WatchOptions) (<-chan WatchResponse, error)
}

// WatchOptions shape a Watch.
type WatchOptions struct {
	// Revision is the first revision to deliver; 0 means the next write.
	Revision int64
	// ProgressNotify asks for an empty response carrying the current
	// revision whenever the watcher has been idle for the implementation's
	// progress interval, so an idle watcher learns how far the store is.
	ProgressNotify bool
}

// ProgressRequester is an optional ability of a Store: asking, at once,
// for a progress notification on its open watches, as etcd's
// RequestProgress. An API server's watch cache uses it to serve consistent
// reads from memory: it reads the store's current revision, asks for
// progress, and serves the read once its watch has reached that revision.
type ProgressRequester interface {
	// RequestProgress makes every open watch that asked for progress
	// notifications (WatchOptions.ProgressNotify) and is not catching up
	// on history receive one, at a revision no older than the store's
	// revision when RequestProgress was called, once every change up to
	// that revision has been delivered to it. It does not wait for the
	// notifications to be delivered. A watch catching up on history may
	// get none; callers wait with a deadline.
	RequestProgress(ctx context.Context) error
}

// EventType says what happened to a key.
type EventType int

// The event types. A Put with KV.CreateRevision == KV.ModRevision created the
// key; any other Put modified it.
const (
	EventPut EventType = iota + 1
	EventDelete
)

// String returns "PUT" or "DELETE".
func (t EventType) String() string {
	switch t {
	case EventPut:
		return "PUT"
	case EventDelete:
		return "DELETE"
	}
	return "UNKNOWN"
}

// Event is one change.
type Event struct {
	Type EventType
	// KV is the key after the change (for a delete: Key and ModRevision).
	KV KeyValue
	// PrevKV is the key before the change; nil when the change created it.
	PrevKV *KeyValue
}

// IsCreate reports whether the event created its key.
func (e Event) IsCreate() bool {
	return e.Type == EventPut && e.KV.CreateRevision == e.KV.ModRevision
}

// WatchResponse is one batch of a watch stream.
type WatchResponse struct {
	// Events are in revision order; several may share one revision (a
	// transaction or lease expiry that changed several keys).
	Events []Event
	// Revision is the store revision when the response was sent; an empty
	// response is a progress notification: every change up to Revision has
	// been delivered.
	Revision int64
	// Err, when set, is the last response of the stream and says why it
	// ended.
	Err error
	// CompactRevision is set with ErrCompacted: the oldest revision still
	// available.
	CompactRevision int64
}

// IsProgressNotify reports whether r is a progress notification.
func (r WatchResponse) IsProgressNotify() bool { return len(r.Events) == 0 && r.Err == nil }

// LeaseID names a lease. NoLease (0) is no lease.
type LeaseID int64

// NoLease attaches a key to no lease.
const NoLease LeaseID = 0

// Lease is a granted lease.
type Lease struct {
	ID LeaseID
	// TTL is the time to live granted; a lease expires when TTL passes
	// without a keep-alive.
	TTL time.Duration
}

// LeaseStatus describes a live lease.
type LeaseStatus struct {
	ID LeaseID
	// TTL is the lease's granted time to live.
	TTL time.Duration
	// Remaining is the time left before expiry.
	Remaining time.Duration
	// Keys are the keys attached, in byte order.
	Keys []string
}

// Lessor grants leases: keys attached to a lease are deleted, in one write,
// when it expires or is revoked.
type Lessor interface {
	// Grant creates a lease with the given time to live (at least one
	// second; implementations round up to whole seconds).
	Grant(ctx context.Context, ttl time.Duration) (Lease, error)
	// KeepAlive renews the lease for its full TTL and returns the TTL, or
	// ErrLeaseNotFound if it has expired or was revoked.
	KeepAlive(ctx context.Context, id LeaseID) (time.Duration, error)
	// Revoke ends the lease now and deletes its keys in one write.
	Revoke(ctx context.Context, id LeaseID) error
	// TimeToLive describes the lease, or ErrLeaseNotFound.
	TimeToLive(ctx context.Context, id LeaseID) (LeaseStatus, error)
}

// Compactor discards history.
type Compactor interface {
	// Compact discards every revision older than revision, keeping each
	// key's state as of it: reads and watches before revision then fail with
	// ErrCompacted. Compacting at or below the current compaction revision
	// fails with ErrCompacted, beyond the current revision with
	// ErrFutureRevision.
	Compact(ctx context.Context, revision int64) error
}

// Store is the whole contract an API server needs: keys with revisions,
// watches, leases and compaction. A new, empty store is at revision 0, so its
// first write is revision 1. Granting a lease and compacting are not writes:
// they leave the revision unchanged. Implementations are safe for use by many
// goroutines at once. Close releases everything; calls after Close fail
// with ErrClosed and open watches end with ErrClosed.
type Store interface {
	KV
	Watcher
	Lessor
	Compactor
	io.Closer
}
