package controller

import (
	"context"
	"time"

	"github.com/rigging-dev/rigging/api/types"
)

// Request names the object to reconcile.
type Request struct {
	types.NamespacedName
}

// Result tells the controller whether to reconcile the request again.
type Result struct {
	// Requeue reconciles the request again after its rate limiter's
	// backoff.
	Requeue bool
	// RequeueAfter, when positive, reconciles the request again after
	// this long (and resets its backoff); it takes precedence over
	// Requeue.
	RequeueAfter time.Duration
}

// Reconciler drives the object a Request names towards its desired state.
// It is called with each request by one worker at a time (never twice at
// once for one request), must be idempotent, and reads the current state
// itself: the request carries no object. A returned error reconciles the
// request again with exponential backoff, whatever the Result.
type Reconciler interface {
	Reconcile(ctx context.Context, req Request) (Result, error)
}

// ReconcilerFunc adapts a function to Reconciler.
type ReconcilerFunc func(ctx context.Context, req Request) (Result, error)

// Reconcile calls f.
func (f ReconcilerFunc) Reconcile(ctx context.Context, req Request) (Result, error) {
	return f(ctx, req)
}

var _ Reconciler = ReconcilerFunc(nil)
