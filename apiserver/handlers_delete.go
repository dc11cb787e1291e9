package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// readDeleteOptions reads DeleteOptions from a DELETE body, or, when there
// is none, from the query parameters gracePeriodSeconds,
// propagationPolicy, orphanDependents and dryRun.
func (s *Server) readDeleteOptions(r *http.Request) (*metav1.DeleteOptions, writeOptions, error) {
	var wo writeOptions
	body, err := s.readBody(r)
	if err != nil {
		return nil, wo, err
	}
	opts, err := decodeDeleteOptions(body)
	if err != nil {
		return nil, wo, err
	}
	q := r.URL.Query()
	if len(body) == 0 {
		if err := deleteOptionsFromQuery(q, opts); err != nil {
			return nil, wo, err
		}
	}
	dryRun := append(append([]string(nil), opts.DryRun...), q["dryRun"]...)
	for _, v := range dryRun {
		if v != "All" {
			return nil, wo, errBadRequest(fmt.Sprintf("unsupported dryRun value %q: supported values: \"All\"", v))
		}
		wo.dryRun = true
	}
	return opts, wo, nil
}

// deleteOptionsFromQuery fills opts from query parameters.
func deleteOptionsFromQuery(q url.Values, opts *metav1.DeleteOptions) error {
	if v := q.Get("gracePeriodSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %q: must be an integer", v))
		}
		opts.GracePeriodSeconds = &n
	}
	if v := q.Get("propagationPolicy"); v != "" {
		p := metav1.DeletionPropagation(v)
		opts.PropagationPolicy = &p
	}
	if v := q.Get("orphanDependents"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errBadRequest(fmt.Sprintf("invalid orphanDependents %q", v))
		}
		opts.OrphanDependents = &b
	}
	return nil
}

// handleDelete serves DELETE of an object: 200 with the object, deleted or
// held by a grace period or finalizers (202 when orphanDependents=false
// asked for cascading deletion and the object is not gone yet, as
// Kubernetes answers).
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	opts, wo, err := s.readDeleteOptions(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	obj, deleted, err := s.delete(r.Context(), ri.res, ri.namespace, ri.name, opts, wo)
	if err != nil {
		s.writeError(w, err)
		return
	}
	code := http.StatusOK
	if !deleted && opts.OrphanDependents != nil && !*opts.OrphanDependents {
		code = http.StatusAccepted
	}
	s.writeObject(w, code, obj)
}

// handleDeleteCollection serves DELETE of a collection: every object the
// label and field selectors select is deleted as by DELETE, and the answer
// is the list of them as deleted (or held).
func (s *Server) handleDeleteCollection(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	lr, err := parseListRequest(ri.res, ri.namespace, r.URL.Query(), false)
	if err != nil {
		s.writeError(w, err)
		return
	}
	lr.limit, lr.cont, lr.rv, lr.rvMatch = 0, "", "", ""
	opts, wo, err := s.readDeleteOptions(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	res, err := s.list(r.Context(), ri.res, lr)
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := &listResult{rev: res.rev, items: []*cachedObject{}}
	for _, it := range res.items {
		obj, _, err := s.delete(r.Context(), ri.res, it.fields.namespace, it.fields.name, opts, wo)
		if err != nil {
			if st := asStatus(err); st.Reason == metav1.StatusReasonNotFound {
				continue
			}
			s.writeError(w, err)
			return
		}
		co, err := ri.res.newCachedObjectFrom(it.key, obj)
		if err != nil {
			s.writeError(w, errInternal(err))
			return
		}
		out.items = append(out.items, co)
	}
	s.writeList(w, ri.res, out)
}
