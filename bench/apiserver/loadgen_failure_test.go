package apiserver

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadgenFailures checks that every way an external load generator can
// go wrong fails its row with a message that says so, and that a generator
// that hangs is killed.
func TestLoadgenFailures(t *testing.T) {
	hang := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); hung.Close() })
	wrong := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such namespace", http.StatusNotFound)
	}))
	t.Cleanup(wrong.Close)
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://192.0.2.1/", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(moved.Close)

	cases := []struct {
		name  string
		cfg   loadgenConfig
		grace time.Duration
		want  string
	}{
		{"not loopback", loadgenConfig{URL: "http://192.0.2.1:80", Namespace: "x", Clients: 1, Duration: time.Second}, time.Minute, "not a loopback IP address"},
		{"host name", loadgenConfig{URL: "http://localhost:80", Namespace: "x", Clients: 1, Duration: time.Second}, time.Minute, "not a loopback IP address"},
		{"no clients", loadgenConfig{URL: wrong.URL, Namespace: "x", Duration: time.Second}, time.Minute, "clients 0"},
		{"non-201", loadgenConfig{URL: wrong.URL, Namespace: "x", Clients: 3, Duration: time.Second}, time.Minute, "3 of 3 clients failed; first: create pod x/nginx-00"},
		{"redirect not followed", loadgenConfig{URL: moved.URL, Namespace: "x", Clients: 1, Duration: time.Second}, time.Minute, "307 Temporary Redirect"},
		{"hang", loadgenConfig{URL: hung.URL, Namespace: "x", Clients: 2, Duration: 100 * time.Millisecond}, time.Second, "killed after"},
	}
	for _, client := range []string{clientRaw, clientNetHTTP} {
		for _, tc := range cases {
			t.Run(client+"/"+tc.name, func(t *testing.T) {
				tc.cfg.Client = client
				run, err := runLoadgen(t.Context(), tc.cfg, tc.grace)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("runLoadgen(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
				}
				if run.pid != 0 {
					if err := syscall.Kill(-run.pid, 0); !errors.Is(err, syscall.ESRCH) {
						t.Errorf("process group %d after runLoadgen: kill 0 = %v, want ESRCH", run.pid, err)
					}
				}
			})
		}
	}
}

// TestLoadgenMainRejects checks that the load generator itself refuses a
// configuration that does not point at a loopback server, before sending
// anything.
func TestLoadgenMainRejects(t *testing.T) {
	for _, cfg := range []string{
		`{"url":"http://192.0.2.1:80","namespace":"x","clients":1,"duration":1000000000}`,
		`{"url":"https://127.0.0.1:80","namespace":"x","clients":1,"duration":1000000000}`,
		`{"url":"http://127.0.0.1:80","namespace":"x","clients":1,"duration":0}`,
		`{"url":"http://127.0.0.1:80","namespace":"x","clients":1,"duration":1000000000,"client":"curl"}`,
		`not json`,
	} {
		if got := loadgenMain(cfg, strings.NewReader(""), io.Discard); got != 2 {
			t.Errorf("loadgenMain(%s) = %d, want 2", cfg, got)
		}
	}
}
