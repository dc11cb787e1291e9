package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// retryServer answers each request with the next of answers (code and
// Retry-After; code 0 is 201 with the body echoed), then with the last,
// and records every body it was sent.
type retryServer struct {
	mu      sync.Mutex
	answers []retryAnswer
	bodies  []string // guarded by mu
}

type retryAnswer struct {
	code       int
	retryAfter string
}

func (s *retryServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(body))
	a := s.answers[min(len(s.bodies), len(s.answers))-1]
	s.mu.Unlock()
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	if a.code == 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
		return
	}
	w.WriteHeader(a.code)
	_, _ = io.WriteString(w, "busy")
}

func (s *retryServer) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func TestRetries(t *testing.T) {
	const body = `{"kind":"Pod","metadata":{"name":"p"}}`
	tests := []struct {
		name       string
		cfg        Config
		answers    []retryAnswer
		wantWaits  []time.Duration
		wantSent   int
		wantCode   int // 0: success
		noRetryReq bool
	}{
		{
			name:      "429 twice then created",
			answers:   []retryAnswer{{429, "1"}, {429, "3"}, {0, ""}},
			wantWaits: []time.Duration{time.Second, 3 * time.Second},
			wantSent:  3,
		},
		{
			name:      "503 with Retry-After is retried",
			answers:   []retryAnswer{{503, "2"}, {0, ""}},
			wantWaits: []time.Duration{2 * time.Second},
			wantSent:  2,
		},
		{
			name:     "500 without Retry-After is not",
			answers:  []retryAnswer{{500, ""}, {0, ""}},
			wantSent: 1,
			wantCode: 500,
		},
		{
			name:     "429 without Retry-After is not",
			answers:  []retryAnswer{{429, ""}, {0, ""}},
			wantSent: 1,
			wantCode: 429,
		},
		{
			name:     "409 with Retry-After is not",
			answers:  []retryAnswer{{409, "1"}, {0, ""}},
			wantSent: 1,
			wantCode: 409,
		},
		{
			name:       "NoRetry",
			answers:    []retryAnswer{{429, "1"}, {0, ""}},
			wantSent:   1,
			wantCode:   429,
			noRetryReq: true,
		},
		{
			name:      "gives up after the default MaxRetries",
			answers:   []retryAnswer{{429, "1"}},
			wantWaits: repeatN(time.Second, DefaultMaxRetries),
			wantSent:  DefaultMaxRetries + 1,
			wantCode:  429,
		},
		{
			name:      "gives up after MaxRetries",
			cfg:       Config{MaxRetries: 2},
			answers:   []retryAnswer{{429, "1"}},
			wantWaits: repeatN(time.Second, 2),
			wantSent:  3,
			wantCode:  429,
		},
		{
			name:     "retries off",
			cfg:      Config{MaxRetries: -1},
			answers:  []retryAnswer{{429, "1"}, {0, ""}},
			wantSent: 1,
			wantCode: 429,
		},
		{
			name:      "Retry-After capped by the default",
			answers:   []retryAnswer{{429, "3600"}, {0, ""}},
			wantWaits: []time.Duration{DefaultMaxRetryWait},
			wantSent:  2,
		},
		{
			name:      "Retry-After capped by MaxRetryWait",
			cfg:       Config{MaxRetryWait: 5 * time.Second},
			answers:   []retryAnswer{{429, "3600"}, {503, "0"}, {0, ""}},
			wantWaits: []time.Duration{5 * time.Second, 0},
			wantSent:  3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := &retryServer{answers: tc.answers}
			ts := httptest.NewServer(srv) // 127.0.0.1:0
			t.Cleanup(ts.Close)
			cfg := tc.cfg
			cfg.Host, cfg.QPS = ts.URL, -1
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var waits []time.Duration
			c.wait = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			resp, err := c.Do(t.Context(), Request{Method: "POST", Path: "/api/v1/namespaces/a/pods", Body: []byte(body), NoRetry: tc.noRetryReq})
			if tc.wantCode == 0 {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(got) != body {
					t.Errorf("response %q, want %q", got, body)
				}
			} else {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Status.Code != int32(tc.wantCode) {
					t.Fatalf("Do: got %v, want an APIError with code %d", err, tc.wantCode)
				}
			}
			if diff := cmp.Diff(tc.wantWaits, waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			// Every attempt carried the whole body.
			if diff := cmp.Diff(repeatN(body, tc.wantSent), srv.sent()); diff != "" {
				t.Errorf("bodies sent (-want +got):\n%s", diff)
			}
		})
	}
}

func repeatN[T any](v T, n int) []T {
	var out []T
	for range n {
		out = append(out, v)
	}
	return out
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	srv := &retryServer{answers: []retryAnswer{{429, "20"}}}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c, err := New(Config{Host: ts.URL, QPS: -1, MaxRetryWait: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// The real wait, for the 20 s the server asks; the test cancels the
	// context once the client is waiting.
	waiting := make(chan time.Duration, 1)
	c.wait = func(ctx context.Context, d time.Duration) error {
		waiting <- d
		return sleepCtx(ctx, d)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, Request{Method: "POST", Path: "/api/v1/namespaces/a/pods", Body: []byte("{}")})
		done <- err
	}()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	select {
	case d := <-waiting:
		if d != 20*time.Second {
			t.Errorf("waiting %v, want 20s", d)
		}
	case <-deadline.C:
		t.Fatal("the client did not start waiting in 10 s")
	}
	cancel()
	select {
	case err := <-done:
		if !IsTooManyRequests(err) || !errors.Is(err, context.Canceled) {
			t.Errorf("Do cancelled while waiting: got %v, want TooManyRequests and context.Canceled", err)
		}
	case <-deadline.C:
		t.Fatal("Do did not return within 10 s of the cancellation of its context")
	}
	if n := len(srv.sent()); n != 1 {
		t.Errorf("%d requests sent, want 1", n)
	}
}
