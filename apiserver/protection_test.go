package apiserver

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestMaxInFlight(t *testing.T) {
	e := newEnv(t, Options{MaxReadInFlight: 2, MaxMutatingInFlight: 1})
	entered := make(chan string, 10)
	release := make(chan struct{})
	e.s.testHookInFlight = func(r *http.Request) {
		if r.Header.Get("X-Block") != "" {
			entered <- r.Method
			<-release
		}
	}
	var wg sync.WaitGroup
	block := func(method, path string, body any) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.do(method, path, body, "X-Block", "1")
		}()
		<-entered
	}
	block("GET", podsPath("default"), nil)
	block("GET", "/api/v1/namespaces", nil)
	block("POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"c"}}`)

	// Every slot is taken: reads and writes are refused with 429.
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/nodes", nil},
		{"GET", "/apis", nil},
		{"DELETE", "/api/v1/namespaces/default/configmaps/x", nil},
	} {
		req, _ := http.NewRequest(tc.method, e.ts.URL+tc.path, nil)
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("%s %s: %d Retry-After %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	// Watches and health checks are not limited.
	code, _ := e.do("GET", "/healthz", nil)
	if code != http.StatusOK {
		t.Errorf("healthz: %d", code)
	}
	w := e.watch(podsPath("default") + "?watch=1&resourceVersion=0")
	w.close()
	close(release)
	wg.Wait()
	e.must(http.StatusOK, "GET", "/api/v1/nodes", nil, nil)
	b := e.must(http.StatusOK, "GET", "/metrics", nil, nil)
	if !strings.Contains(string(b), `apiserver_request_total{code="429"`) {
		t.Errorf("429s not counted")
	}
}

func TestRequestTimeout(t *testing.T) {
	e := newEnv(t, Options{})
	// A timeout that has passed before the store is reached.
	code, b := e.do("GET", podsPath("default")+"?timeout=1ns", nil)
	if st := status(t, b); code != http.StatusGatewayTimeout || st.Reason != metav1.StatusReasonTimeout {
		t.Errorf("timed out list: %d %s", code, b)
	}
	code, _ = e.do("GET", podsPath("default")+"?timeout=soon", nil)
	if code != http.StatusBadRequest {
		t.Errorf("bad timeout: %d", code)
	}
}

func TestPanicRecovery(t *testing.T) {
	type Widget struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`
		Spec              struct{ Size int } `json:"spec"`
	}
	st := newEnvStoreOnly(t)
	s, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = Register(s, Resource{Group: "example.com", Version: "v1", Kind: "Widget", Plural: "widgets", Namespaced: true},
		Strategy[*Widget]{Validate: func(w *Widget) fieldErrorList {
			if w.Spec.Size == 13 {
				panic("unlucky")
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	e := startEnv(t, s, st)
	code, b := e.do("POST", "/apis/example.com/v1/namespaces/default/widgets", `{"metadata":{"name":"w"},"spec":{"Size":13}}`)
	if st := status(t, b); code != http.StatusInternalServerError || st.Reason != metav1.StatusReasonInternalError {
		t.Errorf("panicking strategy: %d %s", code, b)
	}
	e.must(http.StatusCreated, "POST", "/apis/example.com/v1/namespaces/default/widgets", `{"metadata":{"name":"w"},"spec":{"Size":1}}`, nil)
}
