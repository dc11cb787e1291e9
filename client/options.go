package client

import (
	"net/url"
	"strconv"
)

// GetOptions are the query parameters of a get.
type GetOptions struct {
	// ResourceVersion "" reads the latest state (a quorum read); "0" lets
	// the server answer from any state it has, which may be stale.
	ResourceVersion string
}

// ResourceVersionMatch says how a list's ResourceVersion is to be read.
type ResourceVersionMatch string

// The values of ResourceVersionMatch, as Kubernetes defines them.
const (
	// ResourceVersionMatchNotOlderThan returns data at least as new as
	// the given resourceVersion.
	ResourceVersionMatchNotOlderThan ResourceVersionMatch = "NotOlderThan"
	// ResourceVersionMatchExact returns data at exactly the given
	// resourceVersion; 410 Gone if it was compacted.
	ResourceVersionMatchExact ResourceVersionMatch = "Exact"
)

// ListOptions are the query parameters of a list. The zero value lists
// every object, consistently, in one response.
type ListOptions struct {
	// LabelSelector and FieldSelector filter the objects, in the syntax of
	// packages api/labels and api/fields ("app=web,tier!=db",
	// "spec.nodeName=node-1").
	LabelSelector string
	FieldSelector string
	// Limit caps the number of items in the response; when more remain,
	// the list's metadata.continue is set, to be passed as Continue for
	// the next page. 0 means no limit.
	Limit int64
	// Continue is the token of the page to read, from the previous page's
	// metadata.continue; the other options must be unchanged.
	Continue string
	// ResourceVersion and ResourceVersionMatch choose the state read:
	// "" is the latest (a quorum read); otherwise see
	// ResourceVersionMatch; "0" with no match means any state the server
	// has.
	ResourceVersion      string
	ResourceVersionMatch ResourceVersionMatch
	// TimeoutSeconds bounds the request on the server; 0 means none.
	TimeoutSeconds int64
}

func (o ListOptions) query() url.Values {
	var q url.Values
	setString(&q, "labelSelector", o.LabelSelector)
	setString(&q, "fieldSelector", o.FieldSelector)
	if o.Limit > 0 {
		setQuery(&q, "limit", strconv.FormatInt(o.Limit, 10))
	}
	setString(&q, "continue", o.Continue)
	setString(&q, "resourceVersion", o.ResourceVersion)
	setString(&q, "resourceVersionMatch", string(o.ResourceVersionMatch))
	if o.TimeoutSeconds > 0 {
		setQuery(&q, "timeoutSeconds", strconv.FormatInt(o.TimeoutSeconds, 10))
	}
	return q
}

// WatchOptions are the query parameters of a watch.
type WatchOptions struct {
	// LabelSelector and FieldSelector filter the objects, as in List. An
	// object that stops matching is reported as DELETED, one that starts
	// matching as ADDED.
	LabelSelector string
	FieldSelector string
	// ResourceVersion is where the watch starts: events for changes after
	// it (usually a list's metadata.resourceVersion). "" starts with
	// ADDED events for every current object, then changes; "0" the same
	// from any state the server has. A version the server no longer keeps
	// gets an ERROR event with a 410 Expired Status.
	ResourceVersion string
	// AllowWatchBookmarks asks for BOOKMARK events, which carry only a
	// newer resourceVersion, so that an idle watcher can resume from a
	// recent point. Servers may send them or not.
	AllowWatchBookmarks bool
	// TimeoutSeconds asks the server to end the watch after this long;
	// 0 leaves it to the server.
	TimeoutSeconds int64
}

func (o WatchOptions) query() url.Values {
	var q url.Values
	setQuery(&q, "watch", "true")
	setString(&q, "labelSelector", o.LabelSelector)
	setString(&q, "fieldSelector", o.FieldSelector)
	setString(&q, "resourceVersion", o.ResourceVersion)
	if o.AllowWatchBookmarks {
		setQuery(&q, "allowWatchBookmarks", "true")
	}
	if o.TimeoutSeconds > 0 {
		setQuery(&q, "timeoutSeconds", strconv.FormatInt(o.TimeoutSeconds, 10))
	}
	return q
}

// CreateOptions are the query parameters of a create.
type CreateOptions struct {
	// DryRun asks the server to validate and admit the request without
	// persisting it (dryRun=All).
	DryRun bool
	// FieldManager names the actor making the change, for managed fields.
	FieldManager string
}

// UpdateOptions are the query parameters of an update (PUT).
type UpdateOptions struct {
	// DryRun and FieldManager are as in CreateOptions.
	DryRun       bool
	FieldManager string
}

// PatchOptions are the query parameters of a patch.
type PatchOptions struct {
	// DryRun and FieldManager are as in CreateOptions; FieldManager is
	// required for ApplyPatchType.
	DryRun       bool
	FieldManager string
	// Force, for ApplyPatchType only, takes ownership of fields other
	// managers own instead of failing with a conflict.
	Force bool
}

func writeQuery(dryRun bool, fieldManager string, force bool) url.Values {
	var q url.Values
	if dryRun {
		setQuery(&q, "dryRun", "All")
	}
	setString(&q, "fieldManager", fieldManager)
	if force {
		setQuery(&q, "force", "true")
	}
	return q
}

// setString sets k to v in *q unless v is empty.
func setString(q *url.Values, k, v string) {
	if v != "" {
		setQuery(q, k, v)
	}
}

// setQuery sets k to v in *q, making *q first if it is nil: a request
// without parameters costs no map.
func setQuery(q *url.Values, k, v string) {
	if *q == nil {
		*q = make(url.Values, 4)
	}
	q.Set(k, v)
}

// PatchType is the content type of a patch body, which says how the server
// applies it.
type PatchType string

// The patch types Kubernetes' API server accepts.
const (
	// JSONPatchType is RFC 6902 JSON Patch: a list of operations.
	JSONPatchType PatchType = "application/json-patch+json"
	// MergePatchType is RFC 7386 JSON Merge Patch: a partial object whose
	// fields replace the object's; null deletes; lists are replaced.
	MergePatchType PatchType = "application/merge-patch+json"
	// StrategicMergePatchType is Kubernetes' merge patch that merges
	// lists by their merge keys (containers by name, say).
	StrategicMergePatchType PatchType = "application/strategic-merge-patch+json"
	// ApplyPatchType is server-side apply: the body is the fields the
	// manager wants to own (YAML or JSON); PatchOptions.FieldManager is
	// required.
	ApplyPatchType PatchType = "application/apply-patch+yaml"
)
