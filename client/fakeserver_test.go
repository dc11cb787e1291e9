package client

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/api/fields"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// fakeServer is a small in-memory Kubernetes REST server for the client's
// tests: objects as JSON maps, a revision counter, the full history of
// changes (so that lists and watches can be served at any revision not
// compacted away), watch fan-out, and the error behaviour the client must
// handle (404, 409 AlreadyExists and Conflict, 410 Expired, 415, 429).
type fakeServer struct {
	t *testing.T

	mu        sync.Mutex // guards everything below
	rev       int64
	compacted int64 // revisions <= compacted are gone
	objects   map[string]obj
	history   []change
	changed   chan struct{} // closed and replaced on every history append or closeWatches
	gen       int           // bumped by closeWatches: watches requested before end
	active    map[int]int   // watch requests being served, by the gen they arrived in
	idle      *sync.Cond    // signalled when active drops
	gate      chan struct{} // when not nil, watch requests wait for it to close
	watchRVs  []string      // resourceVersion of each watch request, in order
	requests  []recorded
	evictBusy bool
	// fail, when set, may answer a request instead of the server; it is
	// called with mu held.
	fail func(r *http.Request) (code int, retryAfter string, st *metav1.Status)
	uid  int
}

type obj = map[string]any

// change is one entry of the history: a write, or a bookmark.
type change struct {
	rev      int64
	typ      metav1.EventType
	resource string // "pods"
	ns, name string
	obj      obj // the object after (for DELETED: its last state, with the deletion's rv)
	prev     obj // the object before, nil for ADDED
}

type recorded struct {
	Method, Path, Query, ContentType, Body, Auth, UserAgent string
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{t: t, objects: map[string]obj{}, changed: make(chan struct{}), rev: 1, active: map[int]int{}}
	f.idle = sync.NewCond(&f.mu)
	return f
}

// start serves f over httptest on loopback and returns a client for it.
func (f *fakeServer) start(t *testing.T) *Client {
	srv := httptest.NewServer(f)
	t.Cleanup(func() {
		f.closeWatches()
		srv.Close()
	})
	c, err := New(Config{Host: srv.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func objKey(resource, ns, name string) string { return resource + "/" + ns + "/" + name }

func meta(o obj) map[string]any {
	m, _ := o["metadata"].(map[string]any)
	if m == nil {
		m = map[string]any{}
		o["metadata"] = m
	}
	return m
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func clone(o obj) obj {
	if o == nil {
		return nil
	}
	b, _ := json.Marshal(o)
	var c obj
	_ = json.Unmarshal(b, &c)
	return c
}

// path is a parsed request path.
type path struct {
	gv, ns, resource, name, sub string
}

func parsePath(p string) (path, bool) {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	var out path
	switch {
	case len(segs) >= 2 && segs[0] == "api":
		out.gv, segs = segs[1], segs[2:]
	case len(segs) >= 3 && segs[0] == "apis":
		out.gv, segs = segs[1]+"/"+segs[2], segs[3:]
	default:
		return out, false
	}
	if len(segs) >= 3 && segs[0] == "namespaces" {
		out.ns, segs = segs[1], segs[2:]
	}
	switch len(segs) {
	case 3:
		out.sub = segs[2]
		fallthrough
	case 2:
		out.name = segs[1]
		fallthrough
	case 1:
		out.resource = segs[0]
	default:
		return out, false
	}
	return out, true
}

func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string, details *metav1.StatusDetails) {
	st := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Code: int32(code), Reason: reason, Message: msg, Details: details,
	}
	if code < 300 {
		st.Status = metav1.StatusSuccess
	}
	writeJSON(w, code, st)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter, p path, name string) {
	writeStatus(w, 404, metav1.StatusReasonNotFound, fmt.Sprintf("%s %q not found", p.resource, name),
		&metav1.StatusDetails{Name: name, Kind: p.resource})
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, recorded{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"),
		Body: string(body), Auth: r.Header.Get("Authorization"), UserAgent: r.Header.Get("User-Agent"),
	})
	f.mu.Unlock()
	gen := 0
	if r.Method == http.MethodGet && r.URL.Query().Get("watch") == "true" {
		f.mu.Lock()
		f.watchRVs = append(f.watchRVs, r.URL.Query().Get("resourceVersion"))
		f.record(change{typ: "WATCH"}) // wake waiters on watchRVs
		gate := f.gate
		gen = f.gen
		f.active[gen]++
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.active[gen]--
			f.idle.Broadcast()
			f.mu.Unlock()
		}()
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
	}
	f.mu.Lock()
	if f.fail != nil {
		if code, ra, st := f.fail(r); code != 0 {
			f.mu.Unlock()
			if ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			if st == nil {
				http.Error(w, "injected failure", code)
				return
			}
			writeJSON(w, code, st)
			return
		}
	}
	p, ok := parsePath(r.URL.Path)
	if !ok {
		f.mu.Unlock()
		writeStatus(w, 404, metav1.StatusReasonNotFound, "the server could not find the requested resource", nil)
		return
	}
	q := r.URL.Query()
	if r.Method == http.MethodGet && p.name == "" && q.Get("watch") == "true" {
		f.mu.Unlock()
		f.serveWatch(w, r, p, gen)
		return
	}
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && p.name == "":
		f.list(w, p, q)
	case r.Method == http.MethodGet && p.sub == "":
		f.get(w, p)
	case r.Method == http.MethodPost && p.name == "":
		f.create(w, p, body)
	case r.Method == http.MethodPut && (p.sub == "" || p.sub == "status"):
		f.update(w, p, body)
	case r.Method == http.MethodPatch && (p.sub == "" || p.sub == "status"):
		f.patch(w, r, p, body)
	case r.Method == http.MethodDelete && p.name == "":
		f.deleteCollection(w, p, q, body)
	case r.Method == http.MethodDelete:
		f.delete(w, p, body)
	case r.Method == http.MethodPost && p.sub == "binding":
		f.bind(w, p, body)
	case p.sub == "scale":
		f.scale(w, r, p, body)
	case r.Method == http.MethodPost && p.sub == "eviction":
		f.evict(w, p, body)
	default:
		writeStatus(w, 405, metav1.StatusReasonMethodNotAllowed, "method not allowed", nil)
	}
}

// record appends a change, with mu held, and wakes the watches.
func (f *fakeServer) record(c change) {
	f.history = append(f.history, c)
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeServer) nextRev() string {
	f.rev++
	return strconv.FormatInt(f.rev, 10)
}

func (f *fakeServer) get(w http.ResponseWriter, p path) {
	o, ok := f.objects[objKey(p.resource, p.ns, p.name)]
	if !ok {
		notFound(w, p, p.name)
		return
	}
	writeJSON(w, 200, o)
}

// stateAt replays the history up to rev.
func (f *fakeServer) stateAt(rev int64) map[string]obj {
	s := map[string]obj{}
	for _, c := range f.history {
		if c.rev > rev {
			break
		}
		switch c.typ {
		case metav1.Added, metav1.Modified:
			s[objKey(c.resource, c.ns, c.name)] = c.obj
		case metav1.Deleted:
			delete(s, objKey(c.resource, c.ns, c.name))
		}
	}
	return s
}

type continueToken struct {
	Rev   int64  `json:"rev"`
	After string `json:"after"`
}

func expired(w http.ResponseWriter, msg string) {
	writeStatus(w, 410, metav1.StatusReasonExpired, msg, nil)
}

func (f *fakeServer) list(w http.ResponseWriter, p path, q map[string][]string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	rev, after := f.rev, ""
	if c := get("continue"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		var tok continueToken
		if err != nil || json.Unmarshal(b, &tok) != nil {
			writeStatus(w, 400, metav1.StatusReasonBadRequest, "invalid continue token", nil)
			return
		}
		if tok.Rev <= f.compacted {
			expired(w, "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
			return
		}
		rev, after = tok.Rev, tok.After
	} else if rv := get("resourceVersion"); rv != "" && rv != "0" && get("resourceVersionMatch") == "Exact" {
		n, _ := strconv.ParseInt(rv, 10, 64)
		if n <= f.compacted {
			expired(w, "too old resource version")
			return
		}
		rev = n
	}
	sel, err := selectorFor(get("labelSelector"), get("fieldSelector"))
	if err != nil {
		writeStatus(w, 400, metav1.StatusReasonBadRequest, err.Error(), nil)
		return
	}
	state := f.stateAt(rev)
	keys := slices.Sorted(maps.Keys(state))
	limit, _ := strconv.Atoi(get("limit"))
	items := []obj{}
	cont := ""
	for _, k := range keys {
		if !strings.HasPrefix(k, p.resource+"/") || k <= after {
			continue
		}
		o := state[k]
		if p.ns != "" && str(meta(o), "namespace") != p.ns {
			continue
		}
		if !sel(o) {
			continue
		}
		if limit > 0 && len(items) == limit {
			b, _ := json.Marshal(continueToken{Rev: rev, After: objKey(p.resource, str(meta(items[len(items)-1]), "namespace"), str(meta(items[len(items)-1]), "name"))})
			cont = base64.RawURLEncoding.EncodeToString(b)
			break
		}
		items = append(items, o)
	}
	md := map[string]any{"resourceVersion": strconv.FormatInt(rev, 10)}
	if cont != "" {
		md["continue"] = cont
	}
	writeJSON(w, 200, obj{"kind": "List", "apiVersion": "v1", "metadata": md, "items": items})
}

func selectorFor(ls, fs string) (func(obj) bool, error) {
	lsel, err := labels.Parse(ls)
	if err != nil {
		return nil, err
	}
	fsel, err := fields.ParseSelector(fs)
	if err != nil {
		return nil, err
	}
	return func(o obj) bool {
		if o == nil {
			return false
		}
		m := meta(o)
		set := labels.Set{}
		if l, ok := m["labels"].(map[string]any); ok {
			for k, v := range l {
				set[k], _ = v.(string)
			}
		}
		spec, _ := o["spec"].(map[string]any)
		fset := fields.Set{"metadata.name": str(m, "name"), "metadata.namespace": str(m, "namespace"), "spec.nodeName": str(spec, "nodeName")}
		return lsel.Matches(set) && fsel.Matches(fset)
	}, nil
}

func (f *fakeServer) create(w http.ResponseWriter, p path, body []byte) {
	var o obj
	if err := json.Unmarshal(body, &o); err != nil {
		writeStatus(w, 400, metav1.StatusReasonBadRequest, "decode: "+err.Error(), nil)
		return
	}
	m := meta(o)
	if ns := str(m, "namespace"); ns != "" && ns != p.ns {
		writeStatus(w, 400, metav1.StatusReasonBadRequest, "the namespace of the provided object does not match the namespace sent on the request", nil)
		return
	}
	name := str(m, "name")
	if name == "" && str(m, "generateName") != "" {
		f.uid++
		name = fmt.Sprintf("%s%05d", str(m, "generateName"), f.uid)
	}
	if name == "" {
		writeStatus(w, 422, metav1.StatusReasonInvalid, fmt.Sprintf("%s \"\" is invalid: metadata.name: Required value: name or generateName is required", p.resource),
			&metav1.StatusDetails{Kind: p.resource, Causes: []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueRequired, Field: "metadata.name", Message: "Required value: name or generateName is required"}}})
		return
	}
	k := objKey(p.resource, p.ns, name)
	if _, ok := f.objects[k]; ok {
		writeStatus(w, 409, metav1.StatusReasonAlreadyExists, fmt.Sprintf("%s %q already exists", p.resource, name), &metav1.StatusDetails{Name: name, Kind: p.resource})
		return
	}
	f.uid++
	m["name"] = name
	if p.ns != "" {
		m["namespace"] = p.ns
	}
	m["uid"] = fmt.Sprintf("uid-%d", f.uid)
	m["resourceVersion"] = f.nextRev()
	m["creationTimestamp"] = "2024-01-02T03:04:05Z"
	f.objects[k] = o
	f.record(change{rev: f.rev, typ: metav1.Added, resource: p.resource, ns: p.ns, name: name, obj: clone(o)})
	writeJSON(w, 201, o)
}

func conflict(w http.ResponseWriter, p path, name string) {
	writeStatus(w, 409, metav1.StatusReasonConflict,
		fmt.Sprintf("Operation cannot be fulfilled on %s %q: the object has been modified; please apply your changes to the latest version and try again", p.resource, name),
		&metav1.StatusDetails{Name: name, Kind: p.resource})
}

// put stores o as the new state of an existing object, with mu held.
func (f *fakeServer) put(p path, name string, old, o obj) obj {
	m := meta(o)
	om := meta(old)
	for _, k := range []string{"uid", "creationTimestamp", "name", "namespace"} {
		if v, ok := om[k]; ok {
			m[k] = v
		}
	}
	m["resourceVersion"] = f.nextRev()
	f.objects[objKey(p.resource, p.ns, name)] = o
	f.record(change{rev: f.rev, typ: metav1.Modified, resource: p.resource, ns: p.ns, name: name, obj: clone(o), prev: clone(old)})
	return o
}

func (f *fakeServer) update(w http.ResponseWriter, p path, body []byte) {
	var o obj
	if err := json.Unmarshal(body, &o); err != nil {
		writeStatus(w, 400, metav1.StatusReasonBadRequest, "decode: "+err.Error(), nil)
		return
	}
	old, ok := f.objects[objKey(p.resource, p.ns, p.name)]
	if !ok {
		notFound(w, p, p.name)
		return
	}
	if rv := str(meta(o), "resourceVersion"); rv != "" && rv != str(meta(old), "resourceVersion") {
		conflict(w, p, p.name)
		return
	}
	if p.sub == "status" {
		n := clone(old)
		n["status"] = o["status"]
		o = n
	} else if st, ok := old["status"]; ok {
		o["status"] = st
	} else {
		delete(o, "status")
	}
	writeJSON(w, 200, f.put(p, p.name, old, o))
}

// mergePatch applies an RFC 7386 merge patch.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergePatch(tm[k], v)
		}
	}
	return tm
}

func (f *fakeServer) patch(w http.ResponseWriter, r *http.Request, p path, body []byte) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != string(MergePatchType) && ct != string(StrategicMergePatchType) {
		writeStatus(w, 415, metav1.StatusReasonUnsupportedMediaType, fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s", MergePatchType, StrategicMergePatchType), nil)
		return
	}
	old, ok := f.objects[objKey(p.resource, p.ns, p.name)]
	if !ok {
		notFound(w, p, p.name)
		return
	}
	var patch any
	if err := json.Unmarshal(body, &patch); err != nil {
		writeStatus(w, 400, metav1.StatusReasonBadRequest, "decode patch: "+err.Error(), nil)
		return
	}
	n, _ := mergePatch(clone(old), patch).(map[string]any)
	if rv := str(meta(n), "resourceVersion"); rv != str(meta(old), "resourceVersion") {
		conflict(w, p, p.name)
		return
	}
	writeJSON(w, 200, f.put(p, p.name, old, n))
}

// remove deletes an object, with mu held, recording the deletion.
func (f *fakeServer) remove(p path, k string, o obj) obj {
	delete(f.objects, k)
	d := clone(o)
	meta(d)["resourceVersion"] = f.nextRev()
	f.record(change{rev: f.rev, typ: metav1.Deleted, resource: p.resource, ns: str(meta(o), "namespace"), name: str(meta(o), "name"), obj: d, prev: clone(o)})
	return d
}

func (f *fakeServer) delete(w http.ResponseWriter, p path, body []byte) {
	k := objKey(p.resource, p.ns, p.name)
	o, ok := f.objects[k]
	if !ok {
		notFound(w, p, p.name)
		return
	}
	var opts metav1.DeleteOptions
	if len(body) > 0 {
		if err := json.Unmarshal(body, &opts); err != nil {
			writeStatus(w, 400, metav1.StatusReasonBadRequest, "decode: "+err.Error(), nil)
			return
		}
	}
	if pc := opts.Preconditions; pc != nil {
		m := meta(o)
		if pc.UID != nil && string(*pc.UID) != str(m, "uid") {
			writeStatus(w, 409, metav1.StatusReasonConflict, fmt.Sprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s", *pc.UID, str(m, "uid")), nil)
			return
		}
		if pc.ResourceVersion != nil && *pc.ResourceVersion != str(m, "resourceVersion") {
			writeStatus(w, 409, metav1.StatusReasonConflict, fmt.Sprintf("Precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s", *pc.ResourceVersion, str(m, "resourceVersion")), nil)
			return
		}
	}
	writeJSON(w, 200, f.remove(p, k, o))
}

func (f *fakeServer) deleteCollection(w http.ResponseWriter, p path, q map[string][]string, body []byte) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	sel, err := selectorFor(get("labelSelector"), get("fieldSelector"))
	if err != nil {
		writeStatus(w, 400, metav1.StatusReasonBadRequest, err.Error(), nil)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(f.objects)) {
		o := f.objects[k]
		if strings.HasPrefix(k, p.resource+"/"+p.ns+"/") && sel(o) {
			f.remove(p, k, o)
		}
	}
	writeJSON(w, 200, obj{"kind": "List", "apiVersion": "v1", "metadata": obj{"resourceVersion": strconv.FormatInt(f.rev, 10)}, "items": []obj{}})
}

func (f *fakeServer) bind(w http.ResponseWriter, p path, body []byte) {
	var b struct {
		Metadata struct{ Name string } `json:"metadata"`
		Target   struct{ Kind, Name string }
	}
	if err := json.Unmarshal(body, &b); err != nil || b.Target.Name == "" {
		writeStatus(w, 400, metav1.StatusReasonBadRequest, "bad binding", nil)
		return
	}
	old, ok := f.objects[objKey("pods", p.ns, p.name)]
	if !ok {
		notFound(w, p, p.name)
		return
	}
	spec, _ := old["spec"].(map[string]any)
	if node := str(spec, "nodeName"); node != "" {
		writeStatus(w, 409, metav1.StatusReasonConflict, fmt.Sprintf("pod %s is already assigned to node %q", p.name, node), nil)
		return
	}
	n := clone(old)
	if n["spec"] == nil {
		n["spec"] = map[string]any{}
	}
	n["spec"].(map[string]any)["nodeName"] = b.Target.Name
	f.put(path{gv: p.gv, ns: p.ns, resource: "pods"}, p.name, old, n)
	writeStatus(w, 201, "", "", nil)
}

func (f *fakeServer) scale(w http.ResponseWriter, r *http.Request, p path, body []byte) {
	old, ok := f.objects[objKey(p.resource, p.ns, p.name)]
	if !ok {
		notFound(w, p, p.name)
		return
	}
	if r.Method == http.MethodPut {
		var s obj
		if err := json.Unmarshal(body, &s); err != nil {
			writeStatus(w, 400, metav1.StatusReasonBadRequest, "decode: "+err.Error(), nil)
			return
		}
		if rv := str(meta(s), "resourceVersion"); rv != "" && rv != str(meta(old), "resourceVersion") {
			conflict(w, p, p.name)
			return
		}
		n := clone(old)
		if n["spec"] == nil {
			n["spec"] = map[string]any{}
		}
		sspec, _ := s["spec"].(map[string]any)
		n["spec"].(map[string]any)["replicas"] = sspec["replicas"]
		old = f.put(p, p.name, old, n)
	}
	spec, _ := old["spec"].(map[string]any)
	status, _ := old["status"].(map[string]any)
	m := meta(old)
	writeJSON(w, 200, obj{
		"kind": "Scale", "apiVersion": "autoscaling/v1",
		"metadata": obj{"name": m["name"], "namespace": m["namespace"], "uid": m["uid"], "resourceVersion": m["resourceVersion"]},
		"spec":     obj{"replicas": spec["replicas"]},
		"status":   obj{"replicas": status["replicas"], "selector": "app=web"},
	})
}

func (f *fakeServer) evict(w http.ResponseWriter, p path, body []byte) {
	var ev struct {
		APIVersion, Kind string
		Metadata         struct{ Name, Namespace string }
	}
	if err := json.Unmarshal(body, &ev); err != nil || ev.Kind != "Eviction" || ev.APIVersion != "policy/v1" || ev.Metadata.Name != p.name {
		writeStatus(w, 400, metav1.StatusReasonBadRequest, "bad eviction: "+string(body), nil)
		return
	}
	k := objKey("pods", p.ns, p.name)
	o, ok := f.objects[k]
	if !ok {
		notFound(w, p, p.name)
		return
	}
	if f.evictBusy {
		w.Header().Set("Retry-After", "10")
		writeStatus(w, 429, metav1.StatusReasonTooManyRequests, "Cannot evict pod as it would violate the pod's disruption budget.",
			&metav1.StatusDetails{RetryAfterSeconds: 10})
		return
	}
	f.remove(path{ns: p.ns, resource: "pods"}, k, o)
	writeStatus(w, 201, "", "", nil)
}

// serveWatch streams the history after the requested resourceVersion, then
// live changes, until the client goes, closeWatches is called, or the
// history is compacted past the start (ERROR 410 Expired).
func (f *fakeServer) serveWatch(w http.ResponseWriter, r *http.Request, p path, gen int) {
	q := r.URL.Query()
	sel, err := selectorFor(q.Get("labelSelector"), q.Get("fieldSelector"))
	if err != nil {
		writeStatus(w, 400, metav1.StatusReasonBadRequest, err.Error(), nil)
		return
	}
	bookmarks := q.Get("allowWatchBookmarks") == "true"
	rvs := q.Get("resourceVersion")

	f.mu.Lock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	flusher := w.(http.Flusher)
	enc := json.NewEncoder(w)
	send := func(typ metav1.EventType, o any) bool {
		b, _ := json.Marshal(o)
		if err := enc.Encode(metav1.WatchEvent{Type: typ, Object: b}); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	var start int64
	var initial []obj
	switch rvs {
	case "", "0":
		start = f.rev
		state := f.stateAt(f.rev)
		for _, k := range slices.Sorted(maps.Keys(state)) {
			o := state[k]
			if strings.HasPrefix(k, p.resource+"/") && (p.ns == "" || str(meta(o), "namespace") == p.ns) && sel(o) {
				initial = append(initial, o)
			}
		}
	default:
		start, _ = strconv.ParseInt(rvs, 10, 64)
	}
	if compacted := f.compacted; start < compacted {
		f.mu.Unlock()
		flusher.Flush()
		send(metav1.Error, metav1.Status{
			TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusFailure,
			Code: 410, Reason: metav1.StatusReasonExpired, Message: fmt.Sprintf("too old resource version: %d (%d)", start, compacted),
		})
		return
	}
	cursor := 0
	for cursor < len(f.history) && (f.history[cursor].rev <= start) {
		cursor++
	}
	f.mu.Unlock()
	flusher.Flush()
	for _, o := range initial {
		if !send(metav1.Added, o) {
			return
		}
	}
	for {
		// Send what is pending before checking for closeWatches, so that
		// a change recorded before closeWatches is sent before the end.
		f.mu.Lock()
		stop := f.gen != gen
		pending := slices.Clone(f.history[cursor:])
		cursor = len(f.history)
		changed := f.changed
		f.mu.Unlock()
		for _, c := range pending {
			if c.typ == metav1.Bookmark {
				if bookmarks && c.resource == p.resource {
					send(metav1.Bookmark, obj{"kind": "Pod", "apiVersion": "v1", "metadata": obj{"resourceVersion": strconv.FormatInt(c.rev, 10)}})
				}
				continue
			}
			if c.resource != p.resource || (p.ns != "" && c.ns != p.ns) {
				continue
			}
			typ, o := c.typ, c.obj
			if c.typ == metav1.Modified {
				was, is := sel(c.prev), sel(c.obj)
				switch {
				case was && !is:
					typ = metav1.Deleted
				case !was && is:
					typ = metav1.Added
				case !was && !is:
					continue
				}
			} else if !sel(c.obj) {
				continue
			}
			if c.typ == "WATCH" {
				continue
			}
			if !send(typ, o) {
				return
			}
		}
		if stop {
			return
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		}
	}
}

// bookmark sends a BOOKMARK at the current revision to watches of resource
// that asked for them.
func (f *fakeServer) bookmark(resource string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(change{rev: f.rev, typ: metav1.Bookmark, resource: resource})
}

// closeWatches ends every watch requested before it, after each has sent
// the changes recorded so far, and returns once their handlers have
// returned. (It would wait for ever for a watch held by holdWatches.)
func (f *fakeServer) closeWatches() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen++
	close(f.changed)
	f.changed = make(chan struct{})
	for {
		n := 0
		for g, a := range f.active {
			if g < f.gen {
				n += a
			}
		}
		if n == 0 {
			return
		}
		f.idle.Wait()
	}
}

// compact forgets the history up to now: older revisions get 410.
func (f *fakeServer) compact() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.compacted = f.rev
}

// holdWatches makes new watch requests wait until the returned function is
// called.
func (f *fakeServer) holdWatches() (release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := make(chan struct{})
	f.gate = g
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.gate == g {
			f.gate = nil
		}
		close(g)
	}
}

// waitWatchRequests waits until the server has received n watch requests
// and returns their resourceVersions.
func (f *fakeServer) waitWatchRequests(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		f.mu.Lock()
		if len(f.watchRVs) >= n {
			out := slices.Clone(f.watchRVs)
			f.mu.Unlock()
			return out
		}
		changed := f.changed
		f.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("waited 20s for %d watch requests", n)
		}
	}
}

// events returns the history of resource as the watch events a watcher
// from revision 0 sees, bookmarks excluded.
func (f *fakeServer) events(resource string) []change {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []change
	for _, c := range f.history {
		if c.resource == resource && c.typ != metav1.Bookmark && c.typ != "WATCH" {
			out = append(out, c)
		}
	}
	return out
}

// lastRequest returns the last request recorded.
func (f *fakeServer) lastRequest() recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

func (f *fakeServer) setFail(fn func(r *http.Request) (int, string, *metav1.Status)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fn
}
