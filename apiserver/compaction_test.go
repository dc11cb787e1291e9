package apiserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestCompaction(t *testing.T) {
	st := newEnvStoreOnly(t)
	s, err := New(st, Options{CompactionInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	compacted := make(chan int64, 1000)
	s.testHookCompacted = func(rev int64, err error) {
		if err == nil {
			compacted <- rev
		}
	}
	e := startEnv(t, s, st)
	var a corev1.ConfigMap
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"a"}}`, &a)
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"b"}}`, nil)
	deadline := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case rev := <-compacted:
			done = rev > mustRV(t, a.ResourceVersion)
		case <-deadline:
			t.Fatal("no compaction past the first write within 10 s")
		}
	}
	code, b := e.do("GET", "/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact&resourceVersion="+a.ResourceVersion, nil)
	if st := status(t, b); code != http.StatusGone || st.Reason != metav1.StatusReasonExpired {
		t.Errorf("list at a compacted revision: %d %s", code, b)
	}
	e.must(http.StatusOK, "GET", "/api/v1/namespaces/default/configmaps/a", nil, nil)
	if m := e.must(http.StatusOK, "GET", "/metrics", nil, nil); !strings.Contains(string(m), "apiserver_storage_compactions_total") {
		t.Error("compactions not counted")
	}
}
