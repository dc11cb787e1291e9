package apiserver

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRawCreatorRequest checks that rawCreator's requests are what net/http's
// server reads as the in-process rows' create: POST to the namespace's pods
// with podJSON's body, byte for byte, on one kept-alive connection.
func TestRawCreatorRequest(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	conns := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/namespaces/ns-1/pods" || r.Header.Get("Content-Type") != "application/json" || r.ContentLength != int64(len(b)) {
			t.Errorf("request %s %s, Content-Type %q, Content-Length %d for %d bytes", r.Method, r.URL, r.Header.Get("Content-Type"), r.ContentLength, len(b))
		}
		mu.Lock()
		bodies = append(bodies, b)
		conns[r.RemoteAddr] = true
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		w.Write(bytes.Repeat([]byte("x"), 5000)) // more than net/http buffers before chunking
	}))
	defer srv.Close()
	cr, err := newRawCreator(srv.URL, "ns-1")
	if err != nil {
		t.Fatal(err)
	}
	cr.timeout = 10 * time.Second
	defer cr.close()
	for _, name := range []string{"a", "nginx-000-000001", "b"} {
		if err := cr.create(name); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	if len(bodies) != 3 || len(conns) != 1 {
		t.Fatalf("%d requests on %d connections, want 3 on 1", len(bodies), len(conns))
	}
	if want := podJSON("ns-1", "nginx-000-000001"); !bytes.Equal(bodies[1], want) {
		t.Errorf("body\n%s\nwant\n%s", bodies[1], want)
	}
}

// TestRawCreatorResponses checks rawCreator's reading of every way a server
// may frame its answer, and its errors for what it cannot read.
func TestRawCreatorResponses(t *testing.T) {
	cases := []struct {
		name     string
		response string // the server's bytes after reading one request
		wantErr  string // "" for a successful create
		closes   bool   // the client must dial again for the next request
	}{
		{"content-length", "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", "", false},
		{"chunked", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\n{\"a\r\n2\r\n\"}\r\n0\r\nX-Trailer: 1\r\n\r\n", "", false},
		{"close-delimited", "HTTP/1.1 201 Created\r\nConnection: close\r\n\r\n{}", "", true},
		{"http/1.0", "HTTP/1.0 201 Created\r\nContent-Length: 2\r\n\r\n{}", "", true},
		{"connection close", "HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", "", true},
		{"error status", "HTTP/1.1 409 Conflict\r\nContent-Length: 7\r\n\r\nexists!", "409 Conflict: exists!", false},
		{"no reason", "HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n", "", false},
		{"malformed status", "HTTP/1.1 20x Created\r\n\r\n", "malformed status line", true},
		{"not http", "SSH-2.0-OpenSSH\r\n\r\n", "malformed status line", true},
		{"interim skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", "", false},
		{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", "unexpected 101", true},
		{"connection options", "HTTP/1.1 201 Created\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\n{}", "", true},
		{"length and chunked", "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", "both Transfer-Encoding and Content-Length", true},
		{"signed length", "HTTP/1.1 201 Created\r\nContent-Length: +2\r\n\r\n{}", "bad Content-Length", true},
		{"space before colon", "HTTP/1.1 201 Created\r\nContent-Length : 2\r\n\r\n{}", "malformed header line", true},
		{"bad length", "HTTP/1.1 201 Created\r\nContent-Length: -1\r\n\r\n", "bad Content-Length", true},
		{"conflicting lengths", "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "bad Content-Length", true},
		{"bad chunk", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size", true},
		{"gzip", "HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding", true},
		{"header without colon", "HTTP/1.1 201 Created\r\nOops\r\n\r\n", "malformed header line", true},
		{"short body", "HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\n{}", "read body", true},
		{"eof in headers", "HTTP/1.1 201 Created\r\nContent-Len", "read header", true},
		{"nothing", "", "read status line", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			accepted := make(chan int, 1)
			go func() {
				n := 0
				defer func() { accepted <- n }()
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					n++
					serveRaw(c, tc.response, !tc.closes)
					if n == 2 {
						return
					}
				}
			}()
			cr, err := newRawCreator("http://"+ln.Addr().String(), "ns")
			if err != nil {
				t.Fatal(err)
			}
			cr.timeout = 10 * time.Second
			defer cr.close()
			err = cr.create("p")
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("create = %v, want error containing %q", err, tc.wantErr)
			}
			if (cr.conn == nil) != tc.closes {
				t.Errorf("connection kept = %v, want %v", cr.conn != nil, !tc.closes)
			}
			if tc.wantErr == "" && tc.closes {
				// The next create dials again.
				if err := cr.create("q"); err != nil {
					t.Fatalf("second create: %v", err)
				}
				ln.Close()
				if n := <-accepted; n != 2 {
					t.Errorf("%d connections, want 2", n)
				}
			}
		})
	}
}

// serveRaw reads one request (head and Content-Length body) from c, answers
// response and closes the connection, unless keep: a kept connection is
// served until the client closes it.
func serveRaw(c net.Conn, response string, keep bool) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		if _, err := io.WriteString(c, response); err != nil {
			return
		}
		if !keep {
			return
		}
	}
}

func TestNewPodCreatorRejects(t *testing.T) {
	if _, err := newPodCreator("curl", "http://127.0.0.1:1", "ns"); err == nil {
		t.Error("client curl: no error")
	}
	for _, base := range []string{"https://127.0.0.1:1", "http://127.0.0.1", "://"} {
		if _, err := newRawCreator(base, "ns"); err == nil {
			t.Errorf("newRawCreator(%q): no error", base)
		}
	}
}

// FuzzRawResponse feeds arbitrary bytes to rawCreator's response reader:
// it never panics, and a response it accepts has a 3-digit status of 200
// or more and a body no longer than what it was given.
func FuzzRawResponse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\n{}\r\n0\r\nT: 1\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nbody until close",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 201\r\nConnection: a, close\r\nContent-Length: 0\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cr := &rawCreator{br: bufio.NewReaderSize(bytes.NewReader(data), 16<<10)}
		code, body, _, err := cr.readResponse()
		if err != nil {
			return
		}
		if code < 200 || code > 999 {
			t.Fatalf("accepted status %d", code)
		}
		if len(body) > len(data) {
			t.Fatalf("a body of %d bytes from %d bytes of input", len(body), len(data))
		}
	})
}
