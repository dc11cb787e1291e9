package envtest_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/store/mvcc"
)

func TestStartServesInProcessAndHTTP(t *testing.T) {
	env := envtest.Start(t)
	httpClient, err := client.New(client.Config{Host: env.URL})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client.Client{"in-process": env.Client, "http": httpClient} {
		ns, err := client.For[corev1.Namespace](c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ns.Get(t.Context(), "default", client.GetOptions{}); err != nil {
			t.Errorf("%s: get namespace default: %v", name, err)
		}
	}
	resp, err := http.Get(env.URL + "/api/v1/namespaces/default/configmaps/none")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET missing configmap: status %d, want 404", resp.StatusCode)
	}
}

// TestStoreOptions opens the store with the options given: a file at
// Store.Path, with its write-ahead log beside it.
func TestStoreOptions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "custom.db")
	env, err := envtest.New(t.Context(), envtest.Options{Store: mvcc.Options{Path: path, WriteAheadLog: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := env.Store.Path(); got != path {
		t.Errorf("store path %q, want %q", got, path)
	}
	ns, err := client.For[corev1.Namespace](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	wal, err := filepath.Glob(path + ".wal.*")
	if err != nil || len(wal) == 0 {
		t.Errorf("no write-ahead log segment beside %s (%v): WriteAheadLog was not passed on", path, err)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("store file: %v", err)
	}
}
