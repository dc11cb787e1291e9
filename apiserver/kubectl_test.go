package apiserver

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubectl runs kubectl against the env's server and returns its output.
type kubectlRunner struct {
	t          *testing.T
	bin        string
	kubeconfig string
	cacheDir   string
	dir        string
}

// newKubectl returns a runner for the kubectl on PATH, or skips the test
// (fails it in CI, where the machine image carries kubectl).
func newKubectl(t *testing.T, e *env) *kubectlRunner {
	t.Helper()
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kubectl is not on PATH: %v", err)
		}
		t.Skip("kubectl is not on PATH")
	}
	dir := t.TempDir()
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: rigging
  cluster:
    server: ` + e.ts.URL + `
contexts:
- name: rigging
  context:
    cluster: rigging
    user: nobody
    namespace: default
current-context: rigging
users:
- name: nobody
  user: {}
`
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &kubectlRunner{t: t, bin: bin, kubeconfig: kc, cacheDir: filepath.Join(dir, "cache"), dir: dir}
}

// run runs kubectl with args (stdin as input when not empty) and returns
// its combined output and whether it succeeded.
func (k *kubectlRunner) run(stdin string, args ...string) (string, bool) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args = append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", k.cacheDir, "--request-timeout", "30s"}, args...)
	cmd := exec.CommandContext(ctx, k.bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+k.dir, "KUBECONFIG="+k.kubeconfig)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err == nil
}

// must runs kubectl and fails the test unless it succeeds and its output
// contains every want.
func (k *kubectlRunner) must(stdin string, args []string, want ...string) string {
	k.t.Helper()
	out, ok := k.run(stdin, args...)
	if !ok {
		k.t.Fatalf("kubectl %s failed:\n%s", strings.Join(args, " "), out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			k.t.Errorf("kubectl %s: output lacks %q:\n%s", strings.Join(args, " "), w, out)
		}
	}
	return out
}

func TestKubectl(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kubectl")
	}
	e := newEnv(t, Options{})
	k := newKubectl(t, e)
	k.must("", []string{"version", "-o", "json"}, `"gitVersion": "v1.33.0+rigging"`)
	k.must("", []string{"api-resources"}, "pods", "deployments", "apps/v1", "priorityclasses")
	k.must("", []string{"get", "namespaces"}, "default", "kube-system")
	pod := `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: app
    image: nginx:1.27
`
	k.must(pod, []string{"create", "-f", "-"}, "pod/web created")
	k.must("", []string{"get", "pods"}, "NAME", "READY", "STATUS", "RESTARTS", "web", "0/1", "Pending")
	k.must("", []string{"get", "pod", "web", "-o", "jsonpath={.spec.serviceAccountName}"}, "default")
	k.must("", []string{"label", "pod", "web", "tier=front"}, "pod/web labeled")
	k.must("", []string{"get", "pods", "-l", "tier=front", "-o", "name"}, "pod/web")
	k.must("", []string{"patch", "pod", "web", "-p", `{"metadata":{"annotations":{"a":"b"}}}`}, "pod/web patched")
	deploy := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
`
	k.must(deploy, []string{"apply", "-f", "-"}, "deployment.apps/web created")
	k.must(strings.Replace(deploy, "nginx:1.27", "nginx:1.28", 1), []string{"apply", "-f", "-"}, "deployment.apps/web configured")
	k.must("", []string{"scale", "deployment", "web", "--replicas=3"}, "deployment.apps/web scaled")
	k.must("", []string{"get", "deployment", "web", "-o", "jsonpath={.spec.replicas} {.metadata.generation} {.spec.template.spec.containers[0].image}"}, "3 3 nginx:1.28")
	k.must("", []string{"get", "all"}, "pod/web", "deployment.apps/web")
	k.must("", []string{"describe", "pod", "web"}, "Name:", "web", "Service Account:  default", "BestEffort")
	k.must("", []string{"run", "box", "--image=busybox", "--restart=Never"}, "pod/box created")
	// Manifests, in JSON after kubectl's conversion; kubectl's generators
	// (create configmap, ...), which send Protocol Buffers from 1.32 on,
	// are tested in kubectl_protobuf_test.go.
	k.must("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {k: v}\n", []string{"create", "-f", "-"}, "configmap/cfg created")
	k.must("", []string{"get", "configmap", "cfg", "-o", "yaml"}, "k: v", "resourceVersion:")
	k.must("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n", []string{"apply", "-f", "-"}, "namespace/team created")
	k.must("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2, namespace: team}\n", []string{"apply", "-f", "-"}, "configmap/c2 created")
	k.must("", []string{"get", "configmaps", "-A"}, "team", "c2", "default", "cfg")
	// kubectl wait watches.
	e.must(http.StatusCreated, "POST", podsPath("default")+"/web/binding", `{"metadata":{"name":"web"},"target":{"name":"n1"}}`, nil)
	k.must("", []string{"wait", "--for=condition=PodScheduled", "pod/web", "--timeout=20s"}, "pod/web condition met")
	k.must("", []string{"delete", "pod", "web", "--wait=false"}, `pod "web" deleted`)
	k.must("", []string{"get", "pod", "web", "-o", "jsonpath={.metadata.deletionGracePeriodSeconds}"}, "30")
	k.must("", []string{"delete", "pod", "web", "--grace-period=0", "--force"}, `pod "web" force deleted`)
	k.must("", []string{"delete", "pod", "box", "--wait=true"}, `pod "box" deleted`)
	k.must("", []string{"get", "pods"}, "No resources found")
	k.must("", []string{"delete", "deployment", "web"}, `deployment.apps "web" deleted`)
}
