package apiserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// dispatch sends a parsed request to its handler.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	switch ri.endpoint {
	case epVersion:
		s.serveVersion(w)
		return
	case epHealth:
		s.serveHealth(w, ri)
		return
	case epMetrics:
		promhttp.HandlerFor(s.opts.Metrics, promhttp.HandlerOpts{}).ServeHTTP(w, r)
		return
	case epOpenAPI:
		s.serveOpenAPI(w, r, ri.openapi)
		return
	}
	accept := r.Header.Get("Accept")
	if !acceptsJSON(accept) && !(ri.endpoint == epResource && (ri.verb == "get" || ri.verb == "list") && ri.subresource == "" && tableVersion(accept) != "") {
		s.writeError(w, errNotAcceptable(accept))
		return
	}
	switch ri.endpoint {
	case epAPIVersions, epAPIGroupList, epAPIGroup, epResourceList:
		if r.Method != http.MethodGet {
			s.writeError(w, errMethodNotAllowed(r.Method))
			return
		}
	}
	switch ri.endpoint {
	case epAPIVersions:
		s.serveAPIVersions(w, r)
	case epAPIGroupList:
		s.serveAPIGroupList(w)
	case epAPIGroup:
		s.serveAPIGroup(w, ri.group)
	case epResourceList:
		s.serveResourceList(w, ri.gv)
	case epResource:
		if !s.ready.Load() {
			s.writeError(w, errServiceUnavailable("the server is not ready: it is starting or shutting down"))
			return
		}
		s.serveResource(w, r, ri)
	default:
		s.writeError(w, errPathNotFound())
	}
}

// serveResource serves the verbs of resources and subresources.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	switch ri.subresource {
	case "":
		switch ri.verb {
		case "get":
			s.handleGet(w, r, ri)
		case "list":
			s.handleList(w, r, ri)
		case "watch":
			s.handleWatch(w, r, ri)
		case "create":
			s.handleCreate(w, r, ri)
		case "update":
			s.handleUpdate(w, r, ri)
		case "patch":
			s.handlePatch(w, r, ri)
		case "delete":
			s.handleDelete(w, r, ri)
		case "deletecollection":
			s.handleDeleteCollection(w, r, ri)
		}
	case "status":
		switch ri.verb {
		case "get":
			s.handleGet(w, r, ri)
		case "update":
			s.handleUpdate(w, r, ri)
		case "patch":
			s.handlePatch(w, r, ri)
		}
	case "scale":
		if ri.verb == "patch" {
			s.handlePatch(w, r, ri)
			return
		}
		s.handleScale(w, r, ri)
	case "binding":
		s.handleBinding(w, r, ri)
	case "eviction":
		s.handleEviction(w, r, ri)
	case "log":
		s.handleLog(w, r, ri)
	case "finalize":
		s.handleFinalize(w, r, ri)
	}
}

// writeObject answers with an object.
func (s *Server) writeObject(w http.ResponseWriter, code int, obj metav1.Object) {
	b, err := marshalObject(obj)
	if err != nil {
		s.writeError(w, errInternal(err))
		return
	}
	writeRaw(w, code, b)
}

// parseWriteOptions reads dryRun and fieldValidation.
func parseWriteOptions(q url.Values) (writeOptions, bool, error) {
	var wo writeOptions
	for _, v := range q["dryRun"] {
		if v != "All" {
			return wo, false, errInvalid("CreateOptions.meta.k8s.io", "meta.k8s.io", "CreateOptions", "", field.ErrorList{
				field.NotSupported(field.NewPath("dryRun"), v, []string{"All"})})
		}
		wo.dryRun = true
	}
	strict := false
	switch v := q.Get("fieldValidation"); v {
	case "", "Ignore", "Warn":
	case "Strict":
		strict = true
	default:
		return wo, false, errInvalid("CreateOptions.meta.k8s.io", "meta.k8s.io", "CreateOptions", "", field.ErrorList{
			field.NotSupported(field.NewPath("fieldValidation"), v, []string{"Ignore", "Warn", "Strict"})})
	}
	return wo, strict, nil
}

// handleGet serves GET of an object or of its status.
func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	obj, err := s.get(r.Context(), ri.res, ri.namespace, ri.name, queryOf(r).Get("resourceVersion"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	if v := tableVersion(r.Header.Get("Accept")); v != "" && ri.subresource == "" {
		s.writeTable(w, r, v, ri.res, []metav1.Object{obj}, metav1.ListMeta{ResourceVersion: obj.GetObjectMeta().ResourceVersion})
		return
	}
	s.writeObject(w, http.StatusOK, obj)
}

// handleList serves GET of a collection.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	lr, err := parseListRequest(ri.res, ri.namespace, queryOf(r), false)
	if err != nil {
		s.writeError(w, err)
		return
	}
	res, err := s.list(r.Context(), ri.res, lr)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if v := tableVersion(r.Header.Get("Accept")); v != "" {
		s.writeTableItems(w, r, v, ri.res, res.items, metav1.ListMeta{ResourceVersion: formatRV(res.rev), Continue: res.cont, RemainingItemCount: res.remaining})
		return
	}
	s.writeList(w, ri.res, res)
}

// writeList answers with a list kind ("PodList") holding res.
func (s *Server) writeList(w http.ResponseWriter, r *resource, res *listResult) {
	meta := metav1.ListMeta{ResourceVersion: formatRV(res.rev), Continue: res.cont, RemainingItemCount: res.remaining}
	mb, err := json.Marshal(meta)
	if err != nil {
		s.writeError(w, errInternal(err))
		return
	}
	// Each item's JSON is the cache's, encoded once and shared; it is
	// copied into the response, not encoded again.
	raws := make([]splicedJSON, len(res.items))
	size := 128 + len(mb)
	for i, it := range res.items {
		if raws[i], err = it.encoded(); err != nil {
			s.writeError(w, errInternal(err))
			return
		}
		size += raws[i].len() + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"kind":"`...)
	b = append(b, r.info.Kind+"List"...)
	b = append(b, `","apiVersion":"`...)
	b = append(b, r.info.APIVersion()...)
	b = append(b, `","metadata":`...)
	b = append(b, mb...)
	b = append(b, `,"items":[`...)
	for i, raw := range raws {
		if i > 0 {
			b = append(b, ',')
		}
		b = raw.appendTo(b)
	}
	b = append(b, "]}"...)
	writeRaw(w, http.StatusOK, b)
}

// handleCreate serves POST of a collection.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	wo, strict, err := parseWriteOptions(queryOf(r))
	if err != nil {
		s.writeError(w, err)
		return
	}
	bp := getBodyBuf()
	defer putBodyBuf(bp)
	obj, body, err := s.readObjectBodyTo(*bp, r, ri.res, strict)
	keepBodyBuf(bp, body)
	if err != nil {
		s.writeError(w, err)
		return
	}
	out, raw, err := s.createEncoded(r.Context(), ri.res, ri.namespace, obj, wo)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if raw.valid() {
		writeSpliced(w, http.StatusCreated, raw)
		return
	}
	s.writeObject(w, http.StatusCreated, out)
}

// readObject reads and decodes a JSON body as an object of res.
func (s *Server) readObject(r *http.Request, res *resource, strict bool) (metav1.Object, error) {
	obj, _, err := s.readObjectBody(r, res, strict)
	return obj, err
}

// readObjectBody is readObject that also returns the body.
func (s *Server) readObjectBody(r *http.Request, res *resource, strict bool) (metav1.Object, []byte, error) {
	return s.readObjectBodyTo(nil, r, res, strict)
}

// readObjectBodyTo is readObjectBody that reads the body into buf's
// memory when it fits (see readAllTo).
func (s *Server) readObjectBodyTo(buf []byte, r *http.Request, res *resource, strict bool) (metav1.Object, []byte, error) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, nil, err
	}
	body, err := s.readBodyTo(buf, r)
	if err != nil {
		return nil, nil, err
	}
	obj, err := res.decodeBody(body, strict)
	return obj, body, err
}

// bodyBufs holds the buffers that creates and updates read their bodies
// into, of at most maxPooledBody bytes. A body is done with when its
// handler returns: nothing keeps it once the object is decoded (decoding
// copies what it keeps, as encoding/json requires of UnmarshalJSON
// methods too).
var bodyBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody is the largest body buffer kept for reuse: 64 KiB.
const maxPooledBody = 64 << 10

// getBodyBuf returns a buffer from bodyBufs.
func getBodyBuf() *[]byte { return bodyBufs.Get().(*[]byte) }

// keepBodyBuf makes body's memory bp's when the body did not fit bp.
func keepBodyBuf(bp *[]byte, body []byte) {
	if cap(body) > cap(*bp) {
		*bp = body[:0]
	}
}

// putBodyBuf gives bp back to bodyBufs, unless it is too large to keep.
func putBodyBuf(bp *[]byte) {
	if cap(*bp) <= maxPooledBody {
		bodyBufs.Put(bp)
	}
}

// handleUpdate serves PUT of an object or of its status.
func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	wo, strict, err := parseWriteOptions(queryOf(r))
	if err != nil {
		s.writeError(w, err)
		return
	}
	bp := getBodyBuf()
	defer putBodyBuf(bp)
	obj, body, err := s.readObjectBodyTo(*bp, r, ri.res, strict)
	keepBodyBuf(bp, body)
	if err != nil {
		s.writeError(w, err)
		return
	}
	// After a conflict, the update starts again from the body.
	again := func() (metav1.Object, error) { return ri.res.decodeBody(body, strict) }
	out, raw, err := s.update(r.Context(), ri.res, ri.namespace, ri.name, ri.subresource, obj, again, wo)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if raw.valid() {
		writeSpliced(w, http.StatusOK, raw)
		return
	}
	s.writeObject(w, http.StatusOK, out)
}
