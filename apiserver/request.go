package apiserver

import (
	"net/http"
	"strings"
)

// endpoint is what a request path names.
type endpoint int

const (
	epNotFound     endpoint = iota
	epAPIVersions           // /api
	epAPIGroupList          // /apis
	epAPIGroup              // /apis/{group}
	epResourceList          // /api/v1, /apis/{group}/{version}
	epVersion               // /version
	epHealth                // /healthz, /livez, /readyz and their checks
	epMetrics               // /metrics
	epOpenAPI               // /openapi/v3 and its group versions
	epResource              // a resource, object or subresource
)

// requestInfo is what a request asks for, parsed from its method, path and
// query before any handler runs: the filters use it for in-flight limits
// and metrics, the handlers for dispatch.
type requestInfo struct {
	endpoint endpoint
	// verb is Kubernetes' verb: get, list, watch, create, update, patch,
	// delete, deletecollection; for other endpoints, "get".
	verb string
	// group is the group of epAPIGroup; gv the group version of
	// epResourceList.
	group string
	gv    *groupVersion
	// res, namespace, name and subresource locate an epResource.
	res         *resource
	namespace   string
	name        string
	subresource string
	// health is "healthz", "livez" or "readyz".
	health string
	// openapi is the path after /openapi/v3/ ("" for the discovery).
	openapi string
}

// longRunning reports whether the request is a watch or a pods/log
// stream (as in Kubernetes, where log is a long-running subresource), exempt
// from the in-flight limits and the request timeout.
func (ri *requestInfo) longRunning() bool { return ri.verb == "watch" || ri.subresource == "log" }

// mutating reports whether the request writes.
func (ri *requestInfo) mutating() bool {
	switch ri.verb {
	case "create", "update", "patch", "delete", "deletecollection":
		return true
	}
	return false
}

// subresourceVerbs are the verbs of each subresource, by name.
var subresourceVerbs = map[string]map[string]string{
	"status":   {http.MethodGet: "get", http.MethodPut: "update", http.MethodPatch: "patch"},
	"scale":    {http.MethodGet: "get", http.MethodPut: "update", http.MethodPatch: "patch"},
	"binding":  {http.MethodPost: "create"},
	"eviction": {http.MethodPost: "create"},
	"finalize": {http.MethodPut: "update"},
	"log":      {http.MethodGet: "get"},
}

// hasSubresource reports whether r serves the named subresource.
func (s *Server) hasSubresource(r *resource, sub string) bool {
	switch sub {
	case "status":
		return r.hasStatus()
	case "scale":
		return r.st.scaleGet != nil
	case "binding", "eviction", "log":
		return r.info.Group == "" && r.info.Plural == "pods"
	case "finalize":
		return r.info.Group == "" && r.info.Plural == "namespaces"
	}
	return false
}

// parseRequest finds what r asks for and returns it in ri, which it
// fills. It returns an error Status (404 or 405) for paths and methods
// that name nothing served.
func (s *Server) parseRequest(r *http.Request, ri *requestInfo) (*requestInfo, error) {
	*ri = requestInfo{verb: "get"}
	path := strings.TrimSuffix(r.URL.Path, "/")
	var buf [8]string
	segs := splitPath(strings.TrimPrefix(path, "/"), buf[:0])
	switch segs[0] {
	case "version":
		if len(segs) == 1 {
			ri.endpoint = epVersion
			return ri, nil
		}
	case "healthz", "livez", "readyz":
		ri.endpoint, ri.health = epHealth, segs[0]
		return ri, nil
	case "metrics":
		if len(segs) == 1 {
			ri.endpoint = epMetrics
			return ri, nil
		}
	case "openapi":
		if len(segs) >= 2 && segs[1] == "v3" {
			ri.endpoint, ri.openapi = epOpenAPI, strings.Join(segs[2:], "/")
			return ri, nil
		}
	case "api":
		if len(segs) == 1 {
			ri.endpoint = epAPIVersions
			return ri, nil
		}
		return s.parseResourcePath(r, ri, "", segs[1], segs[2:])
	case "apis":
		switch len(segs) {
		case 1:
			ri.endpoint = epAPIGroupList
			return ri, nil
		case 2:
			if s.groupServed(segs[1]) {
				ri.endpoint, ri.group = epAPIGroup, segs[1]
				return ri, nil
			}
		default:
			if segs[1] != "" {
				return s.parseResourcePath(r, ri, segs[1], segs[2], segs[3:])
			}
		}
	}
	return nil, errPathNotFound()
}

// splitPath appends to dst the segments of p between slashes, as
// strings.Split(p, "/") returns them.
func splitPath(p string, dst []string) []string {
	for {
		i := strings.IndexByte(p, '/')
		if i < 0 {
			return append(dst, p)
		}
		dst = append(dst, p[:i])
		p = p[i+1:]
	}
}

// groupServed reports whether a named group has any resource.
func (s *Server) groupServed(group string) bool {
	for _, gv := range s.groupVersions {
		if gv.group == group && group != "" {
			return true
		}
	}
	return false
}

// parseResourcePath parses the part of a path after the group version.
func (s *Server) parseResourcePath(r *http.Request, ri *requestInfo, group, version string, segs []string) (*requestInfo, error) {
	key := version
	if group != "" {
		key = group + "/" + version
	}
	gv := s.groupVersions[key]
	if gv == nil || gv.group != group {
		return nil, errPathNotFound()
	}
	if len(segs) == 0 {
		ri.endpoint, ri.gv = epResourceList, gv
		return ri, nil
	}
	for _, seg := range segs {
		if seg == "" {
			return nil, errPathNotFound()
		}
	}
	// /namespaces/{ns}/{plural}... addresses a namespaced resource, unless
	// it is a subresource of the namespace itself (/namespaces/{ns}/status).
	if segs[0] == "namespaces" && len(segs) >= 3 {
		nsRes := gv.byPlural["namespaces"]
		if !(len(segs) == 3 && nsRes != nil && !nsRes.info.Namespaced && s.hasSubresource(nsRes, segs[2])) {
			ri.namespace = segs[1]
			segs = segs[2:]
			res := gv.byPlural[segs[0]]
			if res == nil || !res.info.Namespaced {
				return nil, errPathNotFound()
			}
			ri.res = res
		}
	}
	if ri.res == nil {
		res := gv.byPlural[segs[0]]
		if res == nil {
			return nil, errPathNotFound()
		}
		// A namespaced kind is addressed without a namespace only to list
		// or watch it across all namespaces.
		if res.info.Namespaced && len(segs) > 1 {
			return nil, errPathNotFound()
		}
		ri.res = res
	}
	ri.endpoint = epResource
	q := queryOf(r)
	switch len(segs) {
	case 1:
		switch r.Method {
		case http.MethodGet:
			ri.verb = "list"
			if w := q.Get("watch"); w == "true" || w == "1" {
				ri.verb = "watch"
			}
		case http.MethodPost:
			ri.verb = "create"
		case http.MethodDelete:
			ri.verb = "deletecollection"
		default:
			return nil, errMethodNotAllowed(r.Method)
		}
		if ri.res.info.Namespaced && ri.namespace == "" && ri.verb != "list" && ri.verb != "watch" {
			return nil, errMethodNotAllowed(r.Method)
		}
		if ri.verb == "deletecollection" && ri.res.info.Group == "" && ri.res.info.Plural == "namespaces" {
			return nil, errMethodNotAllowed(r.Method)
		}
	case 2:
		ri.name = segs[1]
		switch r.Method {
		case http.MethodGet:
			ri.verb = "get"
		case http.MethodPut:
			ri.verb = "update"
		case http.MethodPatch:
			ri.verb = "patch"
		case http.MethodDelete:
			ri.verb = "delete"
		default:
			return nil, errMethodNotAllowed(r.Method)
		}
	case 3:
		ri.name, ri.subresource = segs[1], segs[2]
		if !s.hasSubresource(ri.res, ri.subresource) {
			return nil, errPathNotFound()
		}
		verb, ok := subresourceVerbs[ri.subresource][r.Method]
		if !ok {
			return nil, errMethodNotAllowed(r.Method)
		}
		ri.verb = verb
	default:
		return nil, errPathNotFound()
	}
	return ri, nil
}
