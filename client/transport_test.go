package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestInProcessCRUD(t *testing.T) {
	f := newFakeServer(t)
	c := NewInProcess(f)
	t.Cleanup(f.closeWatches)
	pods := mustFor[corev1.Pod](t, c).Namespace("a")
	ctx := t.Context()
	if _, err := pods.Create(ctx, pod("a", "p", nil), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := pods.Get(ctx, "p", GetOptions{})
	if err != nil || got.Name != "p" {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if _, err := pods.Get(ctx, "q", GetOptions{}); !IsNotFound(err) {
		t.Errorf("Get missing: %v", err)
	}
	if r := f.lastRequest(); r.Auth != "" || r.UserAgent != DefaultUserAgent {
		t.Errorf("in-process request had auth %q user agent %q", r.Auth, r.UserAgent)
	}
}

// TestInProcessStreams checks that the in-process transport delivers what a
// handler flushes while the handler is still running, and that stopping the
// watch cancels the handler's context.
func TestInProcessStreams(t *testing.T) {
	release := make(chan struct{})
	handlerDone := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		_ = enc.Encode(metav1.WatchEvent{Type: metav1.Added, Object: json.RawMessage(`{"metadata":{"name":"a","resourceVersion":"5"}}`)})
		w.(http.Flusher).Flush()
		<-release // held until the client has seen the first event
		_ = enc.Encode(metav1.WatchEvent{Type: metav1.Bookmark, Object: json.RawMessage(`{"metadata":{"resourceVersion":"9"}}`)})
		w.(http.Flusher).Flush()
		<-r.Context().Done() // until the client stops
	})
	c := NewInProcess(h)
	pods := mustFor[corev1.Pod](t, c)
	w, err := pods.Watch(t.Context(), WatchOptions{AllowWatchBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	ev := <-w.ResultChan()
	if ev.Type != metav1.Added || ev.Object.Name != "a" || ev.Object.Kind != "Pod" {
		t.Fatalf("first event %+v", ev)
	}
	close(release)
	ev = <-w.ResultChan()
	if ev.Type != metav1.Bookmark || ev.Object.ResourceVersion != "9" {
		t.Fatalf("second event %+v", ev)
	}
	w.Stop()
	<-handlerDone
	if _, ok := <-w.ResultChan(); ok {
		t.Error("ResultChan open after Stop")
	}
	w.Stop() // twice is fine
}

func TestInProcessHandlerBehaviour(t *testing.T) {
	tests := []struct {
		name     string
		h        http.HandlerFunc
		wantCode int
		wantBody string
		wantCT   string
	}{
		{"no write", func(w http.ResponseWriter, r *http.Request) {}, 200, "", ""},
		{"sniffed", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }, 200, "<html>", "text/html; charset=utf-8"},
		{"echo", func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(202)
			_, _ = w.Write([]byte(r.Method + " " + r.URL.RequestURI() + " " + string(b)))
			w.Header().Set("Content-Type", "ignored/after-header")
		}, 202, "POST /x/y?a=b body", "text/plain"},
		{"panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") }, 500, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &handlerTransport{h: tt.h}
			req, _ := http.NewRequestWithContext(t.Context(), "POST", "http://in-process/x/y?a=b", strings.NewReader("body"))
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode || string(body) != tt.wantBody || resp.Header.Get("Content-Type") != tt.wantCT {
				t.Errorf("got %d %q %q, want %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"), tt.wantCode, tt.wantBody, tt.wantCT)
			}
		})
	}

	// A request cancelled before the handler answers returns the
	// context's error, and the handler sees its context cancelled.
	seen := make(chan struct{})
	rt := &handlerTransport{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(seen)
	})}
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://in-process/", nil)
	go cancel()
	if _, err := rt.RoundTrip(req); err == nil {
		t.Error("cancelled RoundTrip: no error")
	}
	<-seen
}

func TestAuthHeaders(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFakeServer(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"bearer", Config{BearerToken: "abc", BearerTokenFile: tokenFile}, "Bearer abc"},
		{"token file", Config{BearerTokenFile: tokenFile}, "Bearer file-token"},
		{"basic", Config{Username: "u", Password: "p"}, "Basic dTpw"},
		{"none", Config{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Host = srv.URL
			tt.cfg.UserAgent = "test/1"
			c, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = mustFor[corev1.Node](t, c).List(t.Context(), ListOptions{})
			if r := f.lastRequest(); r.Auth != tt.want || r.UserAgent != "test/1" {
				t.Errorf("sent Authorization %q User-Agent %q, want %q", r.Auth, r.UserAgent, tt.want)
			}
		})
	}

	// A rotated token file is read again after a minute.
	now := time.Unix(1000, 0)
	ft := &fileToken{path: tokenFile, now: func() time.Time { return now }}
	if tok, _ := ft.token(); tok != "file-token" {
		t.Fatalf("token %q", tok)
	}
	if err := os.WriteFile(tokenFile, []byte("rotated"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, _ := ft.token(); tok != "file-token" {
		t.Errorf("token re-read too soon: %q", tok)
	}
	now = now.Add(time.Minute)
	if tok, _ := ft.token(); tok != "rotated" {
		t.Errorf("token after a minute: %q", tok)
	}
	if err := os.Remove(tokenFile); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if tok, err := ft.token(); tok != "rotated" || err != nil {
		t.Errorf("token after the file went: %q, %v; want the last one", tok, err)
	}
	if _, err := New(Config{Host: srv.URL, BearerTokenFile: filepath.Join(dir, "missing")}); err == nil {
		t.Error("missing token file: no error")
	}
}

func TestTLS(t *testing.T) {
	pki := newTestPKI(t)
	f := newFakeServer(t)
	srv := httptest.NewUnstartedServer(f)
	srv.TLS = pki.serverTLS(t)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caFile, certFile, keyFile := write("ca.crt", pki.CA), write("client.crt", pki.ClientCert), write("client.key", pki.ClientKey)

	tests := []struct {
		name    string
		tls     TLSConfig
		wantErr string // from the request; "" for success
		newErr  string // from New
	}{
		{"inline", TLSConfig{CAData: pki.CA, CertData: pki.ClientCert, KeyData: pki.ClientKey}, "", ""},
		{"files", TLSConfig{CAFile: caFile, CertFile: certFile, KeyFile: keyFile}, "", ""},
		{"insecure with client cert", TLSConfig{Insecure: true, CertData: pki.ClientCert, KeyData: pki.ClientKey}, "", ""},
		{"unknown CA", TLSConfig{CertData: pki.ClientCert, KeyData: pki.ClientKey}, "certificate", ""},
		{"no client cert", TLSConfig{CAData: pki.CA}, "certificate", ""},
		{"cert without key", TLSConfig{CAData: pki.CA, CertData: pki.ClientCert}, "", "client certificate given without a key"},
		{"bad CA", TLSConfig{CAData: []byte("junk")}, "", "holds no PEM certificate"},
		{"missing file", TLSConfig{CAFile: filepath.Join(dir, "nope")}, "", "read TLS CA"},
		{"mismatched pair", TLSConfig{CertData: pki.ClientCert, KeyData: pki.ServerKey}, "", "client certificate (inline data) and key (inline data)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config{Host: srv.URL, TLS: tt.tls, MaxRetries: -1})
			if tt.newErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.newErr) {
					t.Fatalf("New: got %v, want %q", err, tt.newErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = mustFor[corev1.Node](t, c).List(t.Context(), ListOptions{})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("List: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("List: got %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "client config: Host is empty"},
		{Config{Host: "ftp://x"}, `client config: Host "ftp://x": scheme "ftp" is not http or https`},
		{Config{Host: "http://"}, `client config: Host "http://" has no host name`},
		{Config{Host: "http://x?y=1"}, `client config: Host "http://x?y=1" has a query or fragment`},
		{Config{Host: "http://x", Timeout: -1}, "client config: Timeout -1ns is negative"},
		{Config{Host: "http://x", Burst: -2}, "client config: Burst -2 is negative"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || err.Error() != tt.want {
			t.Errorf("New(%+v): got %v, want %s", tt.cfg, err, tt.want)
		}
	}
	c, err := New(Config{Host: "127.0.0.1:6443/prefix/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Host() != "https://127.0.0.1:6443/prefix" {
		t.Errorf("Host() = %q", c.Host())
	}
}

func TestHostPrefix(t *testing.T) {
	f := newFakeServer(t)
	mux := http.NewServeMux()
	mux.Handle("/cluster-a/", http.StripPrefix("/cluster-a", f))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := New(Config{Host: srv.URL + "/cluster-a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mustFor[corev1.Node](t, c).Get(t.Context(), "n", GetOptions{}); !IsNotFound(err) {
		t.Errorf("Get through a prefix: %v", err)
	}
	if r := f.lastRequest(); r.Path != "/api/v1/nodes/n" {
		t.Errorf("path %q", r.Path)
	}
}

func TestTimeout(t *testing.T) {
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hold); srv.Close() })
	c, err := New(Config{Host: srv.URL, Timeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = mustFor[corev1.Node](t, c).List(t.Context(), ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("List past its timeout: %v", err)
	}
}
