package client

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Kubeconfig is a kubeconfig file in Kubernetes' format (apiVersion v1,
// kind Config), the file kubectl reads: named clusters, users and contexts,
// and the current context. Fields Rigging does not use (exec and
// auth-provider plugins, impersonation, proxy-url, extensions) are not
// carried: they are dropped when a file is read and rewritten.
type Kubeconfig struct {
	APIVersion     string         `json:"apiVersion,omitempty"`
	Kind           string         `json:"kind,omitempty"`
	Preferences    map[string]any `json:"preferences"`
	Clusters       []NamedCluster `json:"clusters"`
	Users          []NamedUser    `json:"users"`
	Contexts       []NamedContext `json:"contexts"`
	CurrentContext string         `json:"current-context"`
}

// NamedCluster is an entry of Kubeconfig.Clusters.
type NamedCluster struct {
	Name    string  `json:"name"`
	Cluster Cluster `json:"cluster"`
}

// Cluster says how to reach an API server.
type Cluster struct {
	// Server is the server's URL, "https://host:port".
	Server string `json:"server"`
	// TLSServerName is the name the server's certificate is checked
	// against, when not the host of Server.
	TLSServerName string `json:"tls-server-name,omitempty"`
	// InsecureSkipTLSVerify skips checking the server's certificate; it
	// may not be set together with a certificate authority.
	InsecureSkipTLSVerify bool `json:"insecure-skip-tls-verify,omitempty"`
	// CertificateAuthority is a PEM file of the CA certificates;
	// CertificateAuthorityData the same inline (base64 in the file). Data
	// wins.
	CertificateAuthority     string `json:"certificate-authority,omitempty"`
	CertificateAuthorityData []byte `json:"certificate-authority-data,omitempty"`
}

// NamedUser is an entry of Kubeconfig.Users.
type NamedUser struct {
	Name string `json:"name"`
	User User   `json:"user"`
}

// User holds credentials (Kubernetes calls it AuthInfo). Each certificate
// and key may be a file or inline data, not both.
type User struct {
	ClientCertificate     string `json:"client-certificate,omitempty"`
	ClientCertificateData []byte `json:"client-certificate-data,omitempty"`
	ClientKey             string `json:"client-key,omitempty"`
	ClientKeyData         []byte `json:"client-key-data,omitempty"`
	// Token is a bearer token; it wins over TokenFile.
	Token     string `json:"token,omitempty"`
	TokenFile string `json:"tokenFile,omitempty"`
	// Username and Password are for HTTP basic authentication.
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// NamedContext is an entry of Kubeconfig.Contexts.
type NamedContext struct {
	Name    string  `json:"name"`
	Context Context `json:"context"`
}

// Context ties a cluster to a user and a default namespace.
type Context struct {
	Cluster   string `json:"cluster"`
	User      string `json:"user"`
	Namespace string `json:"namespace,omitempty"`
}

// RecommendedKubeconfigEnv is the environment variable that lists
// kubeconfig files, separated by the OS path list separator (":" on Unix).
const RecommendedKubeconfigEnv = "KUBECONFIG"

// ParseKubeconfig reads a kubeconfig from YAML or JSON. Relative file paths
// in it are left as they are. It fails when data is not a kubeconfig: not
// YAML, a kind other than Config, or an entry without a name.
func ParseKubeconfig(data []byte) (*Kubeconfig, error) {
	k := new(Kubeconfig)
	if err := yaml.Unmarshal(data, k); err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	if k.Kind != "" && k.Kind != "Config" {
		return nil, fmt.Errorf("parse kubeconfig: kind is %q, want Config", k.Kind)
	}
	if k.APIVersion != "" && k.APIVersion != "v1" {
		return nil, fmt.Errorf("parse kubeconfig: apiVersion is %q, want v1", k.APIVersion)
	}
	for i, c := range k.Clusters {
		if c.Name == "" {
			return nil, fmt.Errorf("parse kubeconfig: clusters[%d] has no name", i)
		}
	}
	for i, u := range k.Users {
		if u.Name == "" {
			return nil, fmt.Errorf("parse kubeconfig: users[%d] has no name", i)
		}
	}
	for i, c := range k.Contexts {
		if c.Name == "" {
			return nil, fmt.Errorf("parse kubeconfig: contexts[%d] has no name", i)
		}
	}
	return k, nil
}

// LoadKubeconfig reads the kubeconfig kubectl would: the file at path when
// path is not empty; otherwise the files listed in $KUBECONFIG, merged;
// otherwise ~/.kube/config. Merging is kubectl's: the first file to define a
// cluster, user or context name wins, and so does the first to set
// current-context; files in the list that do not exist are skipped.
// Relative file paths in each file are made absolute against that file's
// directory.
func LoadKubeconfig(path string) (*Kubeconfig, error) {
	if path != "" {
		return loadKubeconfigFile(path)
	}
	if env := os.Getenv(RecommendedKubeconfigEnv); env != "" {
		var merged *Kubeconfig
		for _, p := range filepath.SplitList(env) {
			if p == "" {
				continue
			}
			k, err := loadKubeconfigFile(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if merged == nil {
				merged = k
			} else {
				merged.merge(k)
			}
		}
		if merged == nil {
			return nil, fmt.Errorf("load kubeconfig: none of the files in $%s (%q) exists", RecommendedKubeconfigEnv, env)
		}
		return merged, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: no path given, $%s is empty, and %w", RecommendedKubeconfigEnv, err)
	}
	return loadKubeconfigFile(filepath.Join(home, ".kube", "config"))
}

func loadKubeconfigFile(path string) (*Kubeconfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	k, err := ParseKubeconfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
	}
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	for i := range k.Clusters {
		abs(&k.Clusters[i].Cluster.CertificateAuthority)
	}
	for i := range k.Users {
		u := &k.Users[i].User
		abs(&u.ClientCertificate)
		abs(&u.ClientKey)
		abs(&u.TokenFile)
	}
	return k, nil
}

// merge adds to k what other defines and k does not.
func (k *Kubeconfig) merge(other *Kubeconfig) {
	for _, c := range other.Clusters {
		if _, ok := k.cluster(c.Name); !ok {
			k.Clusters = append(k.Clusters, c)
		}
	}
	for _, u := range other.Users {
		if _, ok := k.user(u.Name); !ok {
			k.Users = append(k.Users, u)
		}
	}
	for _, c := range other.Contexts {
		if _, ok := k.context(c.Name); !ok {
			k.Contexts = append(k.Contexts, c)
		}
	}
	if k.CurrentContext == "" {
		k.CurrentContext = other.CurrentContext
	}
	if k.Preferences == nil {
		k.Preferences = other.Preferences
	}
}

func (k *Kubeconfig) cluster(name string) (*Cluster, bool) {
	for i := range k.Clusters {
		if k.Clusters[i].Name == name {
			return &k.Clusters[i].Cluster, true
		}
	}
	return nil, false
}

func (k *Kubeconfig) user(name string) (*User, bool) {
	for i := range k.Users {
		if k.Users[i].Name == name {
			return &k.Users[i].User, true
		}
	}
	return nil, false
}

func (k *Kubeconfig) context(name string) (*Context, bool) {
	for i := range k.Contexts {
		if k.Contexts[i].Name == name {
			return &k.Contexts[i].Context, true
		}
	}
	return nil, false
}

// ClientConfig returns the Config for the named context (the current
// context when name is empty) and the context's namespace ("default" when
// it sets none). It fails, naming what is missing, when the context, its
// cluster or its user is not defined, the cluster has no server, or a
// setting contradicts another (a CA with insecure-skip-tls-verify; a
// certificate or key given both as a file and inline). Files named are not
// read here but by New.
func (k *Kubeconfig) ClientConfig(name string) (Config, string, error) {
	if name == "" {
		name = k.CurrentContext
		if name == "" {
			return Config{}, "", errors.New("kubeconfig: no context given and current-context is not set")
		}
	}
	ctx, ok := k.context(name)
	if !ok {
		return Config{}, "", fmt.Errorf("kubeconfig: context %q not found", name)
	}
	cl, ok := k.cluster(ctx.Cluster)
	if !ok {
		return Config{}, "", fmt.Errorf("kubeconfig: context %q: cluster %q not found", name, ctx.Cluster)
	}
	if cl.Server == "" {
		return Config{}, "", fmt.Errorf("kubeconfig: cluster %q has no server", ctx.Cluster)
	}
	if cl.InsecureSkipTLSVerify && (cl.CertificateAuthority != "" || len(cl.CertificateAuthorityData) > 0) {
		return Config{}, "", fmt.Errorf("kubeconfig: cluster %q: a certificate authority may not be given with insecure-skip-tls-verify", ctx.Cluster)
	}
	cfg := Config{
		Host: cl.Server,
		TLS: TLSConfig{
			Insecure:   cl.InsecureSkipTLSVerify,
			ServerName: cl.TLSServerName,
			CAData:     cl.CertificateAuthorityData,
			CAFile:     cl.CertificateAuthority,
		},
	}
	if ctx.User != "" {
		u, ok := k.user(ctx.User)
		if !ok {
			return Config{}, "", fmt.Errorf("kubeconfig: context %q: user %q not found", name, ctx.User)
		}
		if u.ClientCertificate != "" && len(u.ClientCertificateData) > 0 {
			return Config{}, "", fmt.Errorf("kubeconfig: user %q: client-certificate and client-certificate-data are both set", ctx.User)
		}
		if u.ClientKey != "" && len(u.ClientKeyData) > 0 {
			return Config{}, "", fmt.Errorf("kubeconfig: user %q: client-key and client-key-data are both set", ctx.User)
		}
		cfg.TLS.CertData, cfg.TLS.CertFile = u.ClientCertificateData, u.ClientCertificate
		cfg.TLS.KeyData, cfg.TLS.KeyFile = u.ClientKeyData, u.ClientKey
		cfg.BearerToken = u.Token
		if u.Token == "" {
			cfg.BearerTokenFile = u.TokenFile
		}
		cfg.Username, cfg.Password = u.Username, u.Password
	}
	ns := ctx.Namespace
	if ns == "" {
		ns = "default"
	}
	return cfg, ns, nil
}

// NewKubeconfig returns a kubeconfig with one cluster, one user and one
// context, all called name, made current, that reach the server cfg
// describes with cfg's credentials and namespace ns: what a single-process
// cluster writes for kubectl. Inline TLS data and files are carried as they
// are; so is a token file.
func NewKubeconfig(name string, cfg Config, ns string) *Kubeconfig {
	return &Kubeconfig{
		APIVersion:  "v1",
		Kind:        "Config",
		Preferences: map[string]any{},
		Clusters: []NamedCluster{{Name: name, Cluster: Cluster{
			Server:                   cfg.Host,
			TLSServerName:            cfg.TLS.ServerName,
			InsecureSkipTLSVerify:    cfg.TLS.Insecure,
			CertificateAuthority:     cfg.TLS.CAFile,
			CertificateAuthorityData: cfg.TLS.CAData,
		}}},
		Users: []NamedUser{{Name: name, User: User{
			ClientCertificate:     cfg.TLS.CertFile,
			ClientCertificateData: cfg.TLS.CertData,
			ClientKey:             cfg.TLS.KeyFile,
			ClientKeyData:         cfg.TLS.KeyData,
			Token:                 cfg.BearerToken,
			TokenFile:             cfg.BearerTokenFile,
			Username:              cfg.Username,
			Password:              cfg.Password,
		}}},
		Contexts:       []NamedContext{{Name: name, Context: Context{Cluster: name, User: name, Namespace: ns}}},
		CurrentContext: name,
	}
}

// Marshal returns k as YAML, with apiVersion v1, kind Config and empty
// preferences filled in when missing, as kubectl writes them.
func (k *Kubeconfig) Marshal() ([]byte, error) {
	cp := *k
	if cp.APIVersion == "" {
		cp.APIVersion = "v1"
	}
	if cp.Kind == "" {
		cp.Kind = "Config"
	}
	if cp.Preferences == nil {
		cp.Preferences = map[string]any{}
	}
	if cp.Clusters == nil {
		cp.Clusters = []NamedCluster{}
	}
	if cp.Users == nil {
		cp.Users = []NamedUser{}
	}
	if cp.Contexts == nil {
		cp.Contexts = []NamedContext{}
	}
	b, err := yaml.Marshal(&cp)
	if err != nil {
		return nil, fmt.Errorf("marshal kubeconfig: %w", err)
	}
	return b, nil
}

// WriteKubeconfig writes k as YAML to path, readable by its owner only
// (mode 0600, since it holds credentials). It writes a temporary file in
// the same directory and renames it over path, so that a reader never sees
// half a file.
func WriteKubeconfig(path string, k *Kubeconfig) error {
	data, err := k.Marshal()
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+strings.TrimPrefix(base, ".")+".tmp-*")
	if err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, it is gone already
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
