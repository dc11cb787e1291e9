package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/rigging-dev/rigging/internal/testwatch"
)

// TestMain lets the test binary serve as the demo's web server (and as the
// end-to-end tests' helper programs), as the command itself does: the
// kubelet starts this binary, found with os.Executable, as a container.
func TestMain(m *testing.M) {
	if serveDemoIfAsked() {
		return
	}
	testwatch.Run(m) // os.Exit(m.Run()), reporting a test that would time out
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root (the process runtime makes cgroups and namespaces), and CI must run it")
		}
		t.Skip("needs root")
	}
}

// syncBuffer is a bytes.Buffer safe for the cluster's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The README's first command: the whole cluster in one process, a
// 3-replica web server deployed, every pod answering with its own name.
func TestDemo(t *testing.T) {
	needRoot(t)
	var out, errs syncBuffer
	err := run(context.Background(), []string{"-demo", "-data-dir", t.TempDir(), "-demo-timeout", "3m", "-fake-nodes", "2"}, &out, &errs)
	t.Logf("output:\n%s", out.String())
	if err != nil {
		t.Fatalf("demo failed: %v\nstderr:\n%s", err, errs.String())
	}
	for _, want := range []string{"pods ready 3/3", "service/web has 3 ready endpoints", "through the eBPF proxy", "ClusterIP spread requests", "demo passed", "stopped cleanly"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if got := strings.Count(out.String(), "-> hello from"); got != demoReplicas {
		t.Errorf("%d pods answered, want %d", got, demoReplicas)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"-port", "70000"}, {"-fake-nodes", "-1"}, {"-demo-timeout", "0s"}, {"extra"}, {"-no-such-flag"}} {
		var out, errs syncBuffer
		if err := run(context.Background(), args, &out, &errs); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
