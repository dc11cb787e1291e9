package apiserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

// OpenAPI v3, reduced to what kubectl needs: the operations of each
// resource with the query parameters they accept, tagged with the kind
// they act on. kubectl create, replace and apply read it to learn that the
// server validates fields itself (fieldValidation=Strict), and then leave
// validation to the server; without it they refuse to run unless told
// --validate=false. The documents carry no schemas, so kubectl explain has
// nothing to show, PATCH operations do not offer strategic merge patch
// (kubectl apply then computes its patches from its built-in types, as it
// does with servers that publish no schemas), and /openapi/v2 is 404.

// openAPIDiscovery is the body of /openapi/v3.
type openAPIDiscovery struct {
	Paths map[string]openAPIPath `json:"paths"`
}

// openAPIPath locates one group version's document.
type openAPIPath struct {
	ServerRelativeURL string `json:"serverRelativeURL"`
}

// openAPIParam is one query parameter of an operation.
type openAPIParam struct {
	Name   string            `json:"name"`
	In     string            `json:"in"`
	Schema map[string]string `json:"schema"`
}

// openAPIOperation is one operation of a path.
type openAPIOperation struct {
	OperationID string            `json:"operationId"`
	Parameters  []openAPIParam    `json:"parameters,omitempty"`
	RequestBody *openAPIBody      `json:"requestBody,omitempty"`
	Responses   map[string]any    `json:"responses"`
	Action      string            `json:"x-kubernetes-action"`
	GVK         map[string]string `json:"x-kubernetes-group-version-kind"`
}

// openAPIBody lists the media types a request body may have.
type openAPIBody struct {
	Content map[string]map[string]any `json:"content"`
}

// openAPIDocument builds the OpenAPI v3 document of a group version.
func (s *Server) openAPIDocument(gv *groupVersion) []byte {
	queryParams := func(names ...string) []openAPIParam {
		out := make([]openAPIParam, len(names))
		for i, n := range names {
			out[i] = openAPIParam{Name: n, In: "query", Schema: map[string]string{"type": "string"}}
		}
		return out
	}
	writeParams := queryParams("dryRun", "fieldManager", "fieldValidation", "pretty")
	body := func(types ...string) *openAPIBody {
		b := &openAPIBody{Content: map[string]map[string]any{}}
		for _, t := range types {
			b.Content[t] = map[string]any{"schema": map[string]any{"type": "object"}}
		}
		return b
	}
	ok := map[string]any{"200": map[string]any{"description": "OK"}}
	paths := map[string]map[string]*openAPIOperation{}
	for _, r := range gv.resources {
		gvk := map[string]string{"group": r.info.Group, "version": r.info.Version, "kind": r.info.Kind}
		op := func(id, action string, params []openAPIParam, b *openAPIBody) *openAPIOperation {
			return &openAPIOperation{OperationID: id + r.info.Kind, Parameters: params, RequestBody: b,
				Responses: ok, Action: action, GVK: gvk}
		}
		base := gv.path()
		if r.info.Namespaced {
			base += "/namespaces/{namespace}"
		}
		collection, object := base+"/"+r.info.Plural, base+"/"+r.info.Plural+"/{name}"
		paths[collection] = map[string]*openAPIOperation{
			"get":    op("list", "list", queryParams("labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "resourceVersionMatch", "watch"), nil),
			"post":   op("create", "post", writeParams, body("application/json")),
			"delete": op("deleteCollection", "deletecollection", queryParams("labelSelector", "fieldSelector", "gracePeriodSeconds", "propagationPolicy", "dryRun"), nil),
		}
		paths[object] = map[string]*openAPIOperation{
			"get":    op("read", "get", nil, nil),
			"put":    op("replace", "put", writeParams, body("application/json")),
			"patch":  op("patch", "patch", append(queryParams("force"), writeParams...), body(patchMediaTypesList...)),
			"delete": op("delete", "delete", queryParams("gracePeriodSeconds", "propagationPolicy", "dryRun"), nil),
		}
	}
	doc := map[string]any{
		"openapi":    "3.0.0",
		"info":       map[string]string{"title": "Kubernetes", "version": s.opts.GitVersion},
		"paths":      paths,
		"components": map[string]any{"schemas": map[string]any{}},
	}
	b, _ := json.Marshal(doc) // maps of strings and the types above cannot fail
	return b
}

// patchMediaTypesList are the PATCH media types offered in OpenAPI; see
// the comment at the top of this file on strategic merge patch.
var patchMediaTypesList = []string{"application/json-patch+json", "application/merge-patch+json"}

// serveOpenAPI answers /openapi/v3 and /openapi/v3/{api/v1, apis/g/v};
// anything else under /openapi is 404.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request, rest string) {
	if r.Method != http.MethodGet {
		s.writeError(w, errMethodNotAllowed(r.Method))
		return
	}
	if rest == "" {
		d := openAPIDiscovery{Paths: map[string]openAPIPath{}}
		for _, key := range s.gvOrder {
			gv := s.groupVersions[key]
			p := strings.TrimPrefix(gv.path(), "/")
			sum := sha256.Sum256(s.openAPIDocument(gv))
			d.Paths[p] = openAPIPath{ServerRelativeURL: "/openapi/v3/" + p + "?hash=" + strings.ToUpper(hex.EncodeToString(sum[:]))}
		}
		writeJSON(w, http.StatusOK, d)
		return
	}
	for _, key := range s.gvOrder {
		gv := s.groupVersions[key]
		if strings.TrimPrefix(gv.path(), "/") == rest {
			writeRaw(w, http.StatusOK, s.openAPIDocument(gv))
			return
		}
	}
	s.writeError(w, errPathNotFound())
}
