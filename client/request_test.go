package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// seenRequest is what a handler saw of a request.
type seenRequest struct {
	Method, URI, Host, Body string
	ContentLength           int64
	TransferEncoding        []string
	Header                  map[string]string
}

// recordingHandler records every request it serves, reading its body
// whole, and answers 200 with an empty object.
type recordingHandler struct {
	mu   sync.Mutex // guards seen
	seen []seenRequest
}

func (h *recordingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s := seenRequest{Method: r.Method, URI: r.RequestURI, Host: r.Host, Body: string(body),
		ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Header: map[string]string{}}
	for _, k := range []string{"Accept", "User-Agent", "Content-Type"} {
		s.Header[k] = strings.Join(r.Header[k], ",")
	}
	h.mu.Lock()
	h.seen = append(h.seen, s)
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, "{}")
}

func (h *recordingHandler) last() seenRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[len(h.seen)-1]
}

// TestRequestOnTheWire checks what Do sends, over HTTP and in-process:
// method, URI with the query encoded in key order, headers, a body with
// its length (not chunked), and the same for a method Do builds through
// http.NewRequestWithContext.
func TestRequestOnTheWire(t *testing.T) {
	h := &recordingHandler{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	overHTTP, err := New(Config{Host: srv.URL + "/prefix/", QPS: -1, UserAgent: "test-agent"})
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	cases := []struct {
		req  Request
		want seenRequest
	}{
		{
			Request{Method: http.MethodGet, Path: "/api/v1/namespaces/a b/pods/x?y"},
			seenRequest{Method: "GET", URI: "/prefix/api/v1/namespaces/a%20b/pods/x%3Fy",
				Header: map[string]string{"Accept": "application/json", "User-Agent": "test-agent", "Content-Type": ""}},
		},
		{
			Request{Method: http.MethodPost, Path: "/api/v1/pods", Query: url.Values{"z": {"1"}, "a": {"x y", "&"}}, Body: []byte(`{"a":1}`)},
			seenRequest{Method: "POST", URI: "/prefix/api/v1/pods?a=x+y&a=%26&z=1", Body: `{"a":1}`, ContentLength: 7,
				Header: map[string]string{"Accept": "application/json", "User-Agent": "test-agent", "Content-Type": "application/json"}},
		},
		{
			Request{Method: http.MethodPatch, Path: "/api/v1/pods/p", Body: []byte{}, ContentType: string(MergePatchType)},
			seenRequest{Method: "PATCH", URI: "/prefix/api/v1/pods/p",
				Header: map[string]string{"Accept": "application/json", "User-Agent": "test-agent", "Content-Type": string(MergePatchType)}},
		},
		{
			// Not a method newRequest builds itself.
			Request{Method: "PROPFIND", Path: "/x", Body: []byte("b")},
			seenRequest{Method: "PROPFIND", URI: "/prefix/x", Body: "b", ContentLength: -1, TransferEncoding: []string{"chunked"},
				Header: map[string]string{"Accept": "application/json", "User-Agent": "test-agent", "Content-Type": "application/json"}},
		},
	}
	for _, tt := range cases {
		resp, err := overHTTP.Do(t.Context(), tt.req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.req.Method, tt.req.Path, err)
		}
		resp.Body.Close()
		want := tt.want
		want.Host = host
		if diff := cmp.Diff(want, h.last()); diff != "" {
			t.Errorf("%s %s over HTTP (-want +got):\n%s", tt.req.Method, tt.req.Path, diff)
		}
	}

	// In-process, the handler sees the body's length too.
	inproc := NewInProcess(h)
	for _, tt := range cases[:3] {
		resp, err := inproc.Do(t.Context(), tt.req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.req.Method, tt.req.Path, err)
		}
		resp.Body.Close()
		want := tt.want
		want.Host = "in-process"
		want.URI = strings.TrimPrefix(want.URI, "/prefix")
		want.Header["User-Agent"] = DefaultUserAgent
		if diff := cmp.Diff(want, h.last()); diff != "" {
			t.Errorf("%s %s in-process (-want +got):\n%s", tt.req.Method, tt.req.Path, diff)
		}
	}
}

// TestRequestBuildErrors checks that a bad method or a nil context get
// net/http's errors, as before Do built requests itself.
func TestRequestBuildErrors(t *testing.T) {
	c := NewInProcess(&recordingHandler{})
	for _, tt := range []struct {
		ctx    context.Context
		method string
		want   string
	}{
		{t.Context(), "BAD METHOD", `BAD METHOD /x: net/http: invalid method "BAD METHOD"`},
		{nil, http.MethodGet, "GET /x: net/http: nil Context"},
	} {
		//nolint:staticcheck // a nil context on purpose
		_, err := c.Do(tt.ctx, Request{Method: tt.method, Path: "/x", NoRetry: true})
		if err == nil || err.Error() != tt.want {
			t.Errorf("Do(%q) error %v, want %s", tt.method, err, tt.want)
		}
	}
}

// TestStatusLine checks the in-process responses' Status.
func TestStatusLine(t *testing.T) {
	for code, want := range map[int]string{200: "200 OK", 201: "201 Created", 409: "409 Conflict", 299: "299 ", 999: "999 "} {
		if got := statusLine(code); got != want {
			t.Errorf("statusLine(%d) = %q, want %q", code, got, want)
		}
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestEncodedBodyReferences checks the life of a typed write's pooled
// body: every body made from it, the first and those GetBody makes, holds
// a reference until closed, and the request holds one until Do returns;
// the buffer is given back only when all are gone. A body read after
// Close fails, and a second Close changes nothing.
func TestEncodedBodyReferences(t *testing.T) {
	var bodies []io.ReadCloser
	var enc *encoded
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b := r.Body.(*requestBody)
		enc = b.enc
		again, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, r.Body, again)
		if got := enc.refs.Load(); got != 3 {
			t.Errorf("during RoundTrip, %d references, want 3 (the request and two bodies)", got)
		}
		for _, body := range []io.Reader{r.Body, again} {
			if data, err := io.ReadAll(body); err != nil || !strings.Contains(string(data), `"name":"web"`) {
				t.Errorf("body read %q, %v", data, err)
			}
		}
		return &http.Response{StatusCode: http.StatusCreated, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"metadata":{"name":"web"}}`))}, nil
	})
	c, err := New(Config{Host: "http://example.invalid", Transport: rt, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mustFor[corev1.Pod](t, c).Namespace("a").Create(t.Context(), pod("", "web", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := enc.refs.Load(); got != 2 {
		t.Fatalf("after Create, %d references, want 2 (the bodies not closed yet)", got)
	}
	bodies[0].Close()
	bodies[0].Close()
	if got := enc.refs.Load(); got != 1 {
		t.Fatalf("after one body closed twice, %d references, want 1", got)
	}
	if _, err := bodies[0].Read(make([]byte, 1)); !errors.Is(err, errBodyReadAfterClose) {
		t.Errorf("Read after Close: %v, want errBodyReadAfterClose", err)
	}
	bodies[1].Close()
	if got := enc.refs.Load(); got != 0 {
		t.Fatalf("after every body closed, %d references, want 0", got)
	}
}

// TestInProcessClosesBodies checks that the in-process transport closes
// the request body it is given, and the handler's when the handler
// returns, as net/http's server does: a handler that keeps the body
// cannot read it afterwards.
func TestInProcessClosesBodies(t *testing.T) {
	kept := make(chan io.Reader, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kept <- r.Body
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"metadata":{"name":"web"}}`)
	})
	var given *requestBody
	rt := &handlerTransport{h: h}
	c, err := New(Config{Host: "http://in-process", QPS: -1, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		given = r.Body.(*requestBody)
		return rt.RoundTrip(r)
	})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mustFor[corev1.Pod](t, c).Namespace("a").Create(t.Context(), pod("", "web", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	given.mu.Lock()
	closed := given.closed
	given.mu.Unlock()
	if !closed {
		t.Error("the request's own body was not closed")
	}
	// The handler has returned: Create read its whole response, which
	// ends when the handler returns.
	if _, err := (<-kept).Read(make([]byte, 1)); !errors.Is(err, errBodyReadAfterClose) {
		t.Errorf("the handler's body read after the handler returned: %v, want errBodyReadAfterClose", err)
	}
}
