package controller

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestManagerServesHealthReadinessAndMetrics(t *testing.T) {
	env := envtest.Start(t)
	mgr, err := NewManager(ManagerOptions{Client: env.Client, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	c, err := mgr.NewController("cm-counter", ReconcilerFunc(func(context.Context, Request) (Result, error) {
		n.Add(1)
		return Result{}, nil
	}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	inf, _ := client.InformerFor[corev1.ConfigMap](mgr.Informers())
	if err := Watch(c, inf); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager Start: %v", err)
		}
	})
	waitFor(t, "endpoint bound", func() bool { return mgr.Addr() != nil })
	base := "http://" + mgr.Addr().String()

	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d, want 200", code)
	}
	waitFor(t, "/readyz 200", func() bool { code, _ := get(t, base+"/readyz"); return code == http.StatusOK })

	cms := client.NewResource[corev1.ConfigMap](env.Client, client.ConfigMaps).Namespace("default")
	if _, err := cms.Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a reconcile", func() bool { return n.Load() > 0 })
	waitFor(t, "reconcile metrics", func() bool {
		_, body := get(t, base+"/metrics")
		return strings.Contains(body, `controller_runtime_reconcile_total{controller="cm-counter",result="success"}`)
	})
	_, body := get(t, base+"/metrics")
	for _, want := range []string{
		`workqueue_adds_total{name="cm-counter"}`,
		`workqueue_depth{name="cm-counter"}`,
		`controller_runtime_reconcile_time_seconds_count{controller="cm-counter"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if err := mgr.Add(c); err == nil {
		t.Error("Add after Start: no error")
	}
}

func TestNewManagerRejectsBadOptions(t *testing.T) {
	if _, err := NewManager(ManagerOptions{}); err == nil {
		t.Error("NewManager without Client succeeded")
	}
	c := client.NewInProcess(nil)
	if _, err := NewManager(ManagerOptions{Client: c, LeaderElection: &LeaderElectionOptions{Namespace: "ns", Name: "l"}}); err == nil {
		t.Error("NewManager with a leader election without Identity succeeded")
	}
}
