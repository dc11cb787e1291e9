package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// env is a started Server on a fresh mvcc store, served over loopback.
type env struct {
	t  testing.TB
	s  *Server
	st *mvcc.Store
	ts *httptest.Server
}

// newEnv starts a server with opts; everything is closed at the end of
// the test.
func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	return newEnvWith(t, opts, nil)
}

// newEnvWith is newEnv with the server's store wrapped by wrap.
func newEnvWith(t testing.TB, opts Options, wrap func(store.Store) store.Store) *env {
	t.Helper()
	st := newEnvStoreOnly(t)
	var served store.Store = st
	if wrap != nil {
		served = wrap(st)
	}
	s, err := New(served, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return startEnv(t, s, st)
}

// newEnvStoreOnly opens a store in a temporary directory, closed at the
// end of the test.
func newEnvStoreOnly(t testing.TB) *mvcc.Store {
	t.Helper()
	st, err := mvcc.Open(context.Background(), mvcc.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("mvcc.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// startEnv starts s and serves it over loopback until the end of the test.
func startEnv(t testing.TB, s *Server, st *mvcc.Store) *env {
	t.Helper()
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	ts := httptest.NewServer(s)
	ts.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 200
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, s: s, st: st, ts: ts}
}

// fieldErrorList is field.ErrorList, for strategies in tests.
type fieldErrorList = field.ErrorList

// do sends a request; body is sent as is when it is a string or []byte,
// else as JSON. hdr are header name, value pairs. It returns the status
// code and the body.
func (e *env) do(method, path string, body any, hdr ...string) (int, []byte) {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal body: %v", err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, r)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// must sends a request and fails the test unless the answer has code; it
// decodes the answer into out when out is not nil.
func (e *env) must(code int, method, path string, body any, out any, hdr ...string) []byte {
	e.t.Helper()
	got, b := e.do(method, path, body, hdr...)
	if got != code {
		e.t.Fatalf("%s %s: code %d, want %d: %s", method, path, got, code, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return b
}

// status decodes a Status answer.
func status(t testing.TB, b []byte) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("decode Status %s: %v", b, err)
	}
	return st
}

// testPod returns a minimal valid pod.
func testPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}},
		},
	}
}

// podsPath returns the pods collection path of ns.
func podsPath(ns string) string { return "/api/v1/namespaces/" + ns + "/pods" }

// newRecorder returns a response recorder.
func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// mustRequest returns a server request without a body.
func mustRequest(t *testing.T, method, path string) *http.Request {
	t.Helper()
	return httptest.NewRequest(method, path, nil)
}

// waitCache waits until the watch cache of group/plural has applied rv.
func (e *env) waitCache(group, plural, rv string) {
	e.t.Helper()
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil {
		e.t.Fatalf("resourceVersion %q: %v", rv, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.s.lookup(group, plural).cache.waitRev(ctx, n); err != nil {
		e.t.Fatalf("watch cache of %s did not reach %d: %v", plural, n, err)
	}
}

// jsonUnmarshal decodes JSON.
func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
