package apiserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// contentTypes records the Content-Type of each request body that reaches
// a handler.
type contentTypes struct {
	mu   sync.Mutex // guards seen
	seen map[string]int
}

func (c *contentTypes) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			c.mu.Lock()
			c.seen[r.Method+" "+ct]++
			c.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// kubectlBinaries are the kubectl builds on the machine image: the one on
// PATH and the Cloud SDK's versioned ones.
func kubectlBinaries(t *testing.T) map[string]string {
	t.Helper()
	bins := map[string]string{}
	if _, err := os.Stat("/usr/bin/kubectl"); err == nil {
		bins["default"] = "/usr/bin/kubectl"
	}
	more, _ := filepath.Glob("/usr/lib/google-cloud-sdk/bin/kubectl.1.*")
	for _, b := range more {
		bins[filepath.Base(b)] = b
	}
	if len(bins) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("no kubectl on the machine")
		}
		t.Skip("no kubectl on the machine")
	}
	return bins
}

// TestKubectlProtobuf runs kubectl's generator commands, which send
// Protocol Buffers bodies, with every kubectl build of the machine.
func TestKubectlProtobuf(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kubectl")
	}
	for name, bin := range kubectlBinaries(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, Options{})
			cts := &contentTypes{seen: map[string]int{}}
			ts := httptest.NewServer(cts.wrap(e.s))
			t.Cleanup(ts.Close)
			k := newKubectl(t, &env{t: t, s: e.s, st: e.st, ts: ts})
			k.bin = bin
			// kubectl 1.32 and later send the generators' objects in
			// protobuf; earlier ones in JSON.
			var v struct {
				ClientVersion struct{ Minor string } `json:"clientVersion"`
			}
			if err := json.Unmarshal([]byte(k.must("", []string{"version", "--client", "-o", "json"})), &v); err != nil {
				t.Fatalf("kubectl version: %v", err)
			}
			minor, err := strconv.Atoi(strings.TrimSuffix(v.ClientVersion.Minor, "+"))
			if err != nil {
				t.Fatalf("kubectl version: minor %q: %v", v.ClientVersion.Minor, err)
			}
			k.must("", []string{"create", "deployment", "web", "--image=nginx:1.27", "--replicas=2"}, "deployment.apps/web created")
			k.must("", []string{"get", "deployment", "web", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.selector.matchLabels.app}"}, "2 nginx:1.27 web")
			k.must("", []string{"create", "configmap", "cfg", "--from-literal=k=v", "--from-literal=x=y"}, "configmap/cfg created")
			k.must("", []string{"get", "configmap", "cfg", "-o", "jsonpath={.data.k} {.data.x}"}, "v y")
			k.must("", []string{"create", "secret", "generic", "pw", "--from-literal=password=s3cret"}, "secret/pw created")
			k.must("", []string{"get", "secret", "pw", "-o", "jsonpath={.data.password}"}, "czNjcmV0")
			k.must("", []string{"create", "service", "clusterip", "web", "--tcp=80:8080"}, "service/web created")
			k.must("", []string{"get", "service", "web", "-o", "jsonpath={.spec.ports[0].port} {.spec.ports[0].targetPort}"}, "80 8080")
			k.must("", []string{"create", "namespace", "team"}, "namespace/team created")
			k.must("", []string{"get", "namespace", "team", "-o", "name"}, "namespace/team")
			k.must("", []string{"scale", "deployment", "web", "--replicas=3"}, "deployment.apps/web scaled")
			k.must("", []string{"get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"}, "3")
			cts.mu.Lock()
			defer cts.mu.Unlock()
			if sent := cts.seen["POST "+pbCT] > 0; sent != (minor >= 32) {
				t.Errorf("kubectl 1.%d sent protobuf bodies: %v, want %v; request content types: %v", minor, sent, minor >= 32, cts.seen)
			}
		})
	}
}
