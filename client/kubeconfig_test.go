package client

import (
	"encoding/base64"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// kubectlStyle is a kubeconfig as kubectl writes one, with fields Rigging
// does not carry (exec, extensions, proxy-url).
const kubectlStyle = `apiVersion: v1
kind: Config
preferences: {}
clusters:
- cluster:
    certificate-authority-data: %CA%
    server: https://127.0.0.1:6443
    proxy-url: http://proxy:3128
  name: kind-kind
- cluster:
    insecure-skip-tls-verify: true
    server: https://10.0.0.1
    tls-server-name: api.internal
  name: lab
contexts:
- context:
    cluster: kind-kind
    user: kind-kind
  name: kind-kind
- context:
    cluster: lab
    namespace: team-a
    user: tokenfile
  name: lab
current-context: kind-kind
users:
- name: kind-kind
  user:
    client-certificate-data: %CERT%
    client-key-data: %KEY%
- name: tokenfile
  user:
    tokenFile: secrets/token
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
`

func kubectlStyleConfig(p *testPKI) string {
	enc := base64.StdEncoding.EncodeToString
	return strings.NewReplacer("%CA%", enc(p.CA), "%CERT%", enc(p.ClientCert), "%KEY%", enc(p.ClientKey)).Replace(kubectlStyle)
}

func TestParseKubeconfig(t *testing.T) {
	pki := newTestPKI(t)
	k, err := ParseKubeconfig([]byte(kubectlStyleConfig(pki)))
	if err != nil {
		t.Fatal(err)
	}
	want := &Kubeconfig{
		APIVersion:  "v1",
		Kind:        "Config",
		Preferences: map[string]any{},
		Clusters: []NamedCluster{
			{Name: "kind-kind", Cluster: Cluster{Server: "https://127.0.0.1:6443", CertificateAuthorityData: pki.CA}},
			{Name: "lab", Cluster: Cluster{Server: "https://10.0.0.1", InsecureSkipTLSVerify: true, TLSServerName: "api.internal"}},
		},
		Users: []NamedUser{
			{Name: "kind-kind", User: User{ClientCertificateData: pki.ClientCert, ClientKeyData: pki.ClientKey}},
			{Name: "tokenfile", User: User{TokenFile: "secrets/token"}},
			{Name: "exec"},
		},
		Contexts: []NamedContext{
			{Name: "kind-kind", Context: Context{Cluster: "kind-kind", User: "kind-kind"}},
			{Name: "lab", Context: Context{Cluster: "lab", User: "tokenfile", Namespace: "team-a"}},
		},
		CurrentContext: "kind-kind",
	}
	if diff := cmp.Diff(want, k); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	cfg, ns, err := k.ClientConfig("")
	if err != nil {
		t.Fatal(err)
	}
	wantCfg := Config{Host: "https://127.0.0.1:6443", TLS: TLSConfig{CAData: pki.CA, CertData: pki.ClientCert, KeyData: pki.ClientKey}}
	if diff := cmp.Diff(wantCfg, cfg); diff != "" || ns != "default" {
		t.Errorf("current context: namespace %q (-want +got):\n%s", ns, diff)
	}
	cfg, ns, err = k.ClientConfig("lab")
	if err != nil {
		t.Fatal(err)
	}
	wantCfg = Config{Host: "https://10.0.0.1", BearerTokenFile: "secrets/token", TLS: TLSConfig{Insecure: true, ServerName: "api.internal"}}
	if diff := cmp.Diff(wantCfg, cfg); diff != "" || ns != "team-a" {
		t.Errorf("lab: namespace %q (-want +got):\n%s", ns, diff)
	}
}

func TestKubeconfigErrors(t *testing.T) {
	parse := []struct {
		in, want string
	}{
		{"kind: Pod", `parse kubeconfig: kind is "Pod", want Config`},
		{"apiVersion: v2", `parse kubeconfig: apiVersion is "v2", want v1`},
		{"clusters: [{cluster: {server: x}}]", "parse kubeconfig: clusters[0] has no name"},
		{"users: [{}]", "parse kubeconfig: users[0] has no name"},
		{"contexts: [{name: a}, {}]", "parse kubeconfig: contexts[1] has no name"},
		{"clusters: 3", "parse kubeconfig: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go struct field Kubeconfig.clusters of type []client.NamedCluster"},
	}
	for _, tt := range parse {
		if _, err := ParseKubeconfig([]byte(tt.in)); err == nil || err.Error() != tt.want {
			t.Errorf("ParseKubeconfig(%q):\n got %v\nwant %s", tt.in, err, tt.want)
		}
	}
	k := &Kubeconfig{
		Clusters: []NamedCluster{
			{Name: "ok", Cluster: Cluster{Server: "https://x"}},
			{Name: "noserver"},
			{Name: "both", Cluster: Cluster{Server: "https://x", InsecureSkipTLSVerify: true, CertificateAuthority: "/ca"}},
		},
		Users: []NamedUser{
			{Name: "certs", User: User{ClientCertificate: "/c", ClientCertificateData: []byte("x")}},
			{Name: "keys", User: User{ClientKey: "/k", ClientKeyData: []byte("x")}},
		},
		Contexts: []NamedContext{
			{Name: "nocluster", Context: Context{Cluster: "gone"}},
			{Name: "noserver", Context: Context{Cluster: "noserver"}},
			{Name: "both", Context: Context{Cluster: "both"}},
			{Name: "nouser", Context: Context{Cluster: "ok", User: "gone"}},
			{Name: "certs", Context: Context{Cluster: "ok", User: "certs"}},
			{Name: "keys", Context: Context{Cluster: "ok", User: "keys"}},
		},
	}
	contexts := []struct {
		name, want string
	}{
		{"", "kubeconfig: no context given and current-context is not set"},
		{"gone", `kubeconfig: context "gone" not found`},
		{"nocluster", `kubeconfig: context "nocluster": cluster "gone" not found`},
		{"noserver", `kubeconfig: cluster "noserver" has no server`},
		{"both", `kubeconfig: cluster "both": a certificate authority may not be given with insecure-skip-tls-verify`},
		{"nouser", `kubeconfig: context "nouser": user "gone" not found`},
		{"certs", `kubeconfig: user "certs": client-certificate and client-certificate-data are both set`},
		{"keys", `kubeconfig: user "keys": client-key and client-key-data are both set`},
	}
	for _, tt := range contexts {
		if _, _, err := k.ClientConfig(tt.name); err == nil || err.Error() != tt.want {
			t.Errorf("ClientConfig(%q):\n got %v\nwant %s", tt.name, err, tt.want)
		}
	}
}

// TestKubeconfigEndToEnd loads a kubeconfig with inline certificates and
// one with files and a token file, and talks through each to a TLS server
// that requires the client certificate.
func TestKubeconfigEndToEnd(t *testing.T) {
	pki := newTestPKI(t)
	f := newFakeServer(t)
	srv := httptest.NewUnstartedServer(f)
	srv.TLS = pki.serverTLS(t)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	inline := NewKubeconfig("rigging", Config{
		Host: srv.URL, BearerToken: "t0k3n",
		TLS: TLSConfig{CAData: pki.CA, CertData: pki.ClientCert, KeyData: pki.ClientKey},
	}, "team-b")
	inlinePath := filepath.Join(dir, "inline.yaml")
	if err := WriteKubeconfig(inlinePath, inline); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(inlinePath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("kubeconfig mode %v, %v; want 0600", fi.Mode(), err)
	}
	raw, _ := os.ReadFile(inlinePath)
	for _, s := range []string{"certificate-authority-data: ", "client-key-data: ", "token: t0k3n", "current-context: rigging", "namespace: team-b"} {
		if !strings.Contains(string(raw), s) {
			t.Errorf("written kubeconfig lacks %q:\n%s", s, raw)
		}
	}

	// The same with files, referred to relative to the kubeconfig.
	sub := filepath.Join(dir, "conf")
	if err := os.MkdirAll(filepath.Join(sub, "pki"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"pki/ca.crt": pki.CA, "pki/admin.crt": pki.ClientCert, "pki/admin.key": pki.ClientKey, "token": []byte("file-t0k3n\n")} {
		if err := os.WriteFile(filepath.Join(sub, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files := NewKubeconfig("files", Config{
		Host: srv.URL, BearerTokenFile: "token",
		TLS: TLSConfig{CAFile: "pki/ca.crt", CertFile: "pki/admin.crt", KeyFile: "pki/admin.key"},
	}, "")
	filesPath := filepath.Join(sub, "config")
	if err := WriteKubeconfig(filesPath, files); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		path, wantAuth, wantNS string
	}{
		{inlinePath, "Bearer t0k3n", "team-b"},
		{filesPath, "Bearer file-t0k3n", "default"},
	} {
		k, err := LoadKubeconfig(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, ns, err := k.ClientConfig("")
		if err != nil {
			t.Fatal(err)
		}
		c, err := New(cfg)
		if err != nil {
			t.Fatalf("%s: New: %v", tt.path, err)
		}
		if _, err := mustFor[corev1.Pod](t, c).Namespace(ns).List(t.Context(), ListOptions{}); err != nil {
			t.Errorf("%s: List: %v", tt.path, err)
		}
		if r := f.lastRequest(); r.Auth != tt.wantAuth || r.Path != "/api/v1/namespaces/"+tt.wantNS+"/pods" {
			t.Errorf("%s: sent %s with %q", tt.path, r.Path, r.Auth)
		}
	}

	// Round trip: what was written is what is read, but for the relative
	// paths, which loading makes absolute.
	k, err := LoadKubeconfig(inlinePath)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inline, k); diff != "" {
		t.Errorf("round trip (-written +read):\n%s", diff)
	}
	k, err = LoadKubeconfig(filesPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Users[0].User.ClientKey; got != filepath.Join(sub, "pki/admin.key") {
		t.Errorf("client-key resolved to %q", got)
	}
}

func TestKubeconfigMerge(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := write("first", `
clusters:
- name: shared
  cluster: {server: https://first}
users:
- name: u
  user: {token: first-token}
contexts:
- name: a
  context: {cluster: shared, user: u}
`)
	second := write("second", `
current-context: b
clusters:
- name: shared
  cluster: {server: https://second}
- name: own
  cluster: {server: https://own, certificate-authority: ca.pem}
users:
- name: u
  user: {token: second-token}
contexts:
- name: a
  context: {cluster: own, user: u}
- name: b
  context: {cluster: own, user: u, namespace: nb}
`)
	third := write("third", "current-context: a\n")
	t.Setenv(RecommendedKubeconfigEnv, strings.Join([]string{first, filepath.Join(dir, "missing"), "", second, third}, string(os.PathListSeparator)))
	k, err := LoadKubeconfig("")
	if err != nil {
		t.Fatal(err)
	}
	want := &Kubeconfig{
		Clusters: []NamedCluster{
			{Name: "shared", Cluster: Cluster{Server: "https://first"}},
			{Name: "own", Cluster: Cluster{Server: "https://own", CertificateAuthority: filepath.Join(dir, "ca.pem")}},
		},
		Users:          []NamedUser{{Name: "u", User: User{Token: "first-token"}}},
		Contexts:       []NamedContext{{Name: "a", Context: Context{Cluster: "shared", User: "u"}}, {Name: "b", Context: Context{Cluster: "own", User: "u", Namespace: "nb"}}},
		CurrentContext: "b",
	}
	if diff := cmp.Diff(want, k); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
	cfg, ns, err := k.ClientConfig("")
	if err != nil || cfg.Host != "https://own" || cfg.BearerToken != "first-token" || ns != "nb" {
		t.Errorf("ClientConfig = %+v, %q, %v", cfg, ns, err)
	}

	t.Setenv(RecommendedKubeconfigEnv, filepath.Join(dir, "missing"))
	if _, err := LoadKubeconfig(""); err == nil || !strings.Contains(err.Error(), "none of the files") {
		t.Errorf("only missing files: %v", err)
	}
	t.Setenv(RecommendedKubeconfigEnv, "")
	t.Setenv("HOME", dir)
	if _, err := LoadKubeconfig(""); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ".kube", "config")) {
		t.Errorf("no KUBECONFIG: %v, want an error about ~/.kube/config", err)
	}
	if _, err := LoadKubeconfig(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing path: no error")
	}
	bad := write("bad", "kind: Secret")
	if _, err := LoadKubeconfig(bad); err == nil || !strings.HasPrefix(err.Error(), bad+": ") {
		t.Errorf("bad file: %v", err)
	}
}

func FuzzParseKubeconfig(f *testing.F) {
	f.Add([]byte(kubectlStyle))
	f.Add([]byte("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: 'https://h', certificate-authority-data: 'aGk='}}]"))
	f.Add([]byte("users: [{name: u, user: {client-key-data: '!!'}}]"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseKubeconfig(data)
		if err != nil {
			return
		}
		for _, c := range k.Contexts {
			_, _, _ = k.ClientConfig(c.Name)
		}
		out, err := k.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed kubeconfig: %v", err)
		}
		k2, err := ParseKubeconfig(out)
		if err != nil {
			t.Fatalf("re-parse: %v\n%s", err, out)
		}
		k.APIVersion, k.Kind = "v1", "Config"
		if diff := cmp.Diff(k, k2, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("round trip (-first +second):\n%s", diff)
		}
	})
}
