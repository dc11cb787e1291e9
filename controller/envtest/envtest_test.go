package envtest_test

import (
	"net/http"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
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
