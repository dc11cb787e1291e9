package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/fields"
	"github.com/rigging-dev/rigging/api/labels"
	"github.com/rigging-dev/rigging/store"
)

// listRequest is the query of a list, watch or deletecollection.
type listRequest struct {
	namespace         string
	label             labels.Selector
	field             fields.Selector
	rv                string
	rvMatch           string
	limit             int64
	cont              string
	bookmarks         bool
	timeoutSeconds    *int64
	sendInitialEvents *bool
}

// The values of resourceVersionMatch.
const (
	matchExact        = "Exact"
	matchNotOlderThan = "NotOlderThan"
)

// parseListRequest reads the query parameters of a list (or, with watch,
// a watch) of r in namespace ns and checks them as Kubernetes does:
// malformed selectors and numbers are 400, selectors on fields the kind
// does not support are 400, inconsistent resourceVersion parameters are
// 422.
func parseListRequest(r *resource, ns string, q url.Values, watch bool) (*listRequest, error) {
	lr := &listRequest{
		namespace: ns,
		rv:        q.Get("resourceVersion"),
		rvMatch:   q.Get("resourceVersionMatch"),
		cont:      q.Get("continue"),
		label:     labels.Everything(),
		field:     fields.Everything(),
	}
	var err error
	if s := q.Get("labelSelector"); s != "" {
		if lr.label, err = labels.Parse(s); err != nil {
			return nil, errBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
		}
	}
	if s := q.Get("fieldSelector"); s != "" {
		if lr.field, err = fields.ParseSelector(s); err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid field selector %q: %v", s, err))
		}
		for _, req := range lr.field.Requirements() {
			if !slices.Contains(r.fieldKeys, req.Field) {
				return nil, errBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
			}
		}
	}
	if s := q.Get("limit"); s != "" {
		if lr.limit, err = strconv.ParseInt(s, 10, 64); err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid limit %q: must be an integer", s))
		}
		lr.limit = max(lr.limit, 0)
	}
	if s := q.Get("timeoutSeconds"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return nil, errBadRequest(fmt.Sprintf("invalid timeoutSeconds %q: must be a non-negative integer", s))
		}
		lr.timeoutSeconds = &n
	}
	if s := q.Get("allowWatchBookmarks"); s != "" {
		if lr.bookmarks, err = strconv.ParseBool(s); err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid allowWatchBookmarks %q", s))
		}
	}
	if s := q.Get("sendInitialEvents"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid sendInitialEvents %q", s))
		}
		lr.sendInitialEvents = &b
	}
	if _, err := parseRV(lr.rv); err != nil {
		return nil, err
	}
	if errs := lr.validate(watch); len(errs) > 0 {
		return nil, errInvalidOptions(errs)
	}
	if lr.cont != "" && lr.rv != "" {
		return nil, errBadRequest("specifying resource version is not allowed when using continue")
	}
	return lr, nil
}

// validate applies Kubernetes' ListOptions rules.
func (lr *listRequest) validate(watch bool) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("resourceVersionMatch")
	if watch {
		if lr.sendInitialEvents != nil && lr.rvMatch != matchNotOlderThan {
			errs = append(errs, field.Forbidden(path, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
		}
		if lr.rvMatch != "" {
			if lr.sendInitialEvents == nil {
				errs = append(errs, field.Forbidden(path, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
			}
			if lr.rvMatch != matchNotOlderThan {
				errs = append(errs, field.NotSupported(path, lr.rvMatch, []string{matchNotOlderThan}))
			}
			if lr.cont != "" {
				errs = append(errs, field.Forbidden(path, "resourceVersionMatch is forbidden when continue is provided"))
			}
		}
		return errs
	}
	if lr.rvMatch != "" {
		if lr.rv == "" {
			errs = append(errs, field.Forbidden(path, "resourceVersionMatch is forbidden unless resourceVersion is provided"))
		}
		if lr.cont != "" {
			errs = append(errs, field.Forbidden(path, "resourceVersionMatch is forbidden when continue is provided"))
		}
		if lr.rvMatch != matchExact && lr.rvMatch != matchNotOlderThan {
			errs = append(errs, field.NotSupported(path, lr.rvMatch, []string{matchExact, matchNotOlderThan, ""}))
		}
		if lr.rvMatch == matchExact && lr.rv == "0" {
			errs = append(errs, field.Forbidden(path, `resourceVersionMatch "exact" is forbidden for resourceVersion "0"`))
		}
	}
	if lr.sendInitialEvents != nil {
		errs = append(errs, field.Forbidden(field.NewPath("sendInitialEvents"), "sendInitialEvents is forbidden for list"))
	}
	return errs
}

// matches reports whether an object is selected by the request.
func (lr *listRequest) matches(o *cachedObject) bool {
	return lr.label.Matches(o.labelSet()) && lr.field.Matches(&o.fields)
}

// listResult is one page of a list.
type listResult struct {
	items     []*cachedObject
	rev       int64
	cont      string
	remaining *int64
}

// list serves a list with Kubernetes' resourceVersion semantics:
//
//   - continue set: the next page at the first page's revision: from the
//     watch cache's snapshot at that revision when the token is the
//     cache's and the revision is still within its window, else from the
//     store (410 when the revision was compacted);
//   - resourceVersion unset: the latest state (consistent): from the
//     watch cache once it has caught up with the store's current revision
//     (see listConsistent), else from the store;
//   - resourceVersionMatch=Exact, or a resourceVersion other than "0"
//     with a limit and no match: the state at exactly that revision, from
//     the watch cache when the revision is within its window, else from
//     the store (410 when compacted);
//   - resourceVersion "0", or N with NotOlderThan (or no match and no
//     limit): from the watch cache when it is at N or later, else from the
//     store.
//
// A limit is honoured on every path: a page from the cache is cut from a
// snapshot at its revision, and its continue token (Kubernetes' format,
// see cacheContinue) resumes from that snapshot; a page from the store
// carries the store's token.
func (s *Server) list(ctx context.Context, r *resource, lr *listRequest) (*listResult, error) {
	rv, err := parseRV(lr.rv)
	if err != nil {
		return nil, err
	}
	switch {
	case lr.cont != "":
		if tok, ok := decodeCacheContinue(lr.cont); ok {
			return s.listContinue(ctx, r, lr, tok)
		}
		return s.listStore(ctx, r, lr, 0)
	case lr.rv == "":
		if res, ok := s.listConsistent(ctx, r, lr); ok {
			return res, nil
		}
		return s.listStore(ctx, r, lr, 0)
	case lr.rvMatch == matchExact, lr.rvMatch == "" && lr.limit > 0 && rv > 0:
		if r.cache != nil {
			if sn, ok := r.cache.snapshot(rv); ok {
				if err := s.checkServable(ctx, r, rv); err != nil {
					return nil, storeError(r, "", err)
				}
				return sn.page(r, lr, ""), nil
			}
		}
		return s.listStore(ctx, r, lr, rv)
	}
	if r.cache != nil && r.cache.ready() && r.cache.revision() >= rv {
		if lr.limit > 0 {
			if sn, ok := r.cache.snapshot(0); ok && sn.rev >= rv {
				return sn.page(r, lr, ""), nil
			}
		} else {
			req := watchRequest{namespace: lr.namespace, label: lr.label, field: lr.field}
			items, rev := r.cache.list(req)
			if items == nil {
				items = []*cachedObject{}
			}
			return &listResult{items: items, rev: rev}, nil
		}
	}
	res, err := s.listStore(ctx, r, lr, 0)
	if err == nil && res.rev < rv {
		return nil, storeError(r, "", fmt.Errorf("%w: resource version %d", store.ErrFutureRevision, rv))
	}
	return res, err
}

// listContinue serves the page after a page of the watch cache: from the
// cache's snapshot at the token's revision when it has one (or can make
// one, the revision being within its window) and the store has not
// compacted that revision, else from the store at that revision, skipping
// the keys before the token's start (410 when compacted, as on the store
// path).
func (s *Server) listContinue(ctx context.Context, r *resource, lr *listRequest, tok cacheContinue) (*listResult, error) {
	from := r.prefix + tok.Start
	if !strings.HasPrefix(from, r.listPrefix(lr.namespace)) {
		return nil, errBadRequest(fmt.Sprintf("invalid continue token: key %q is outside %q", from, r.listPrefix(lr.namespace)))
	}
	if r.cache != nil {
		if sn, ok := r.cache.snapshot(tok.Rev); ok {
			if err := s.checkServable(ctx, r, tok.Rev); err != nil {
				if errors.Is(err, store.ErrCompacted) {
					return nil, errContinueExpired()
				}
				return nil, storeError(r, "", err)
			}
			return sn.page(r, lr, from), nil
		}
	}
	fromStore := *lr
	fromStore.cont = ""
	return s.listStoreFrom(ctx, r, &fromStore, tok.Rev, from)
}

// checkServable fails with an error wrapping store.ErrCompacted when the
// store has compacted rev, so that a read of the cache at rev answers as
// the store would: one Get of a key that never exists, at rev.
func (s *Server) checkServable(ctx context.Context, r *resource, rev int64) error {
	_, err := s.store.Get(ctx, r.prefix, store.ReadOptions{Revision: rev})
	if err == nil || errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// consistentReadWait bounds how long a consistent list waits for the watch
// cache to catch up before reading the store instead (Kubernetes waits 3 s).
const consistentReadWait = 3 * time.Second

// listConsistent serves a list without resourceVersion or continue from
// the watch cache, as Kubernetes' consistent reads from cache do: it reads
// the store's current revision (a quorum read for a replicated store),
// asks the store for a progress notification when the cache is behind it,
// waits until the cache has caught up with that revision and lists from
// the cache; with a limit, the first page is cut from a snapshot at the
// cache's revision, which the later pages read. It reports false, and the
// caller reads the store, when the cache is not loaded, the store cannot
// be asked for progress and the cache is behind, or the cache does not
// catch up in consistentReadWait.
func (s *Server) listConsistent(ctx context.Context, r *resource, lr *listRequest) (*listResult, bool) {
	if r.cache == nil || !r.cache.ready() {
		return nil, false
	}
	resp, err := s.store.List(ctx, r.listPrefix(lr.namespace), store.ListOptions{CountOnly: true})
	if err != nil {
		return nil, false
	}
	if r.cache.revision() < resp.Revision {
		pr, ok := s.store.(store.ProgressRequester)
		if !ok || pr.RequestProgress(ctx) != nil {
			return nil, false
		}
		wctx, cancel := context.WithTimeout(ctx, consistentReadWait)
		err := r.cache.waitRev(wctx, resp.Revision)
		cancel()
		if err != nil {
			return nil, false
		}
	}
	if lr.limit > 0 {
		sn, ok := r.cache.snapshot(0)
		if !ok || sn.rev < resp.Revision {
			return nil, false
		}
		return sn.page(r, lr, ""), true
	}
	items, rev := r.cache.list(watchRequest{namespace: lr.namespace, label: lr.label, field: lr.field})
	if items == nil {
		items = []*cachedObject{}
	}
	return &listResult{items: items, rev: rev}, true
}

// listStore lists from the store at rev (0: latest); see listStoreFrom.
func (s *Server) listStore(ctx context.Context, r *resource, lr *listRequest, rev int64) (*listResult, error) {
	return s.listStoreFrom(ctx, r, lr, rev, "")
}

// listStoreFrom lists from the store at rev (0: latest), a page of lr.limit
// matching objects when lr.limit is set. Each store page asks for exactly
// the number of objects still needed, so that the store's continue token
// resumes right after the last object returned. Keys before from are
// skipped (to resume a page of the cache's from the store: it reads the
// skipped keys in pages of lr.limit, which costs their number).
func (s *Server) listStoreFrom(ctx context.Context, r *resource, lr *listRequest, rev int64, from string) (*listResult, error) {
	prefix := r.listPrefix(lr.namespace)
	res := &listResult{items: []*cachedObject{}}
	opts := store.ListOptions{Revision: rev, Continue: lr.cont}
	filtered := !lr.label.Empty() || !lr.field.Empty()
	for {
		if lr.limit > 0 {
			opts.Limit = lr.limit - int64(len(res.items))
		}
		resp, err := s.store.List(ctx, prefix, opts)
		if err != nil {
			if (opts.Continue != "" || from != "") && errors.Is(err, store.ErrCompacted) {
				return nil, errContinueExpired()
			}
			if opts.Continue != "" && errors.Is(err, store.ErrInvalid) {
				return nil, errBadRequest(fmt.Sprintf("invalid continue token: %v", err))
			}
			return nil, storeError(r, "", err)
		}
		res.rev = resp.Revision
		for _, kv := range resp.KVs {
			if kv.Key < from {
				continue
			}
			obj, err := r.decode(kv.Value, kv.ModRevision)
			if err != nil {
				return nil, errInternal(err)
			}
			co, err := r.newCachedObjectFrom(kv.Key, obj)
			if err != nil {
				return nil, errInternal(err)
			}
			if lr.matches(co) {
				res.items = append(res.items, co)
			}
		}
		if resp.Continue == "" {
			return res, nil
		}
		if lr.limit > 0 && int64(len(res.items)) >= lr.limit {
			res.cont = resp.Continue
			if !filtered {
				n := resp.Remaining
				res.remaining = &n
			}
			return res, nil
		}
		opts = store.ListOptions{Continue: resp.Continue}
	}
}
