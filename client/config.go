package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The defaults of Config, applied to zero fields.
const (
	// DefaultQPS is the sustained request rate a client allows itself,
	// requests per second. Kubernetes' client-go defaults to 5, which is too
	// low for controllers in the same process as the server; 50 matches what
	// kube-controller-manager and the scheduler configure.
	DefaultQPS = 50
	// DefaultBurst is the number of requests a client may make at once
	// above DefaultQPS.
	DefaultBurst = 100
	// DefaultMaxRetries is how many times a request answered 429 Too Many
	// Requests (or a 5xx) with a Retry-After is retried, waiting as told
	// each time: 10, as client-go.
	DefaultMaxRetries = 10
	// DefaultMaxRetryWait caps the wait a Retry-After asks for before a
	// retry: 30 s.
	DefaultMaxRetryWait = 30 * time.Second
	// DefaultUserAgent is the User-Agent header when Config.UserAgent is
	// empty.
	DefaultUserAgent = "rigging-client"
	// tokenFileReread is how long a token read from BearerTokenFile is used
	// before the file is read again, so that rotated tokens are picked up,
	// as client-go does.
	tokenFileReread = time.Minute
)

// Config says how to reach and authenticate to an API server. The zero value
// of every field but Host is usable; New validates it and reads the files it
// names.
type Config struct {
	// Host is the server's base URL: "https://127.0.0.1:6443", or with a
	// path prefix, "https://example.com/cluster-a". Scheme http or https;
	// a bare "host:port" means https.
	Host string

	// BearerToken is sent as "Authorization: Bearer <token>". It wins over
	// BearerTokenFile, as in kubeconfig.
	BearerToken string
	// BearerTokenFile names a file holding the token; it is read at New
	// and again at most once a minute, so that a rotated token is used.
	BearerTokenFile string
	// Username and Password are sent as HTTP basic authentication when no
	// bearer token is set.
	Username, Password string

	// TLS configures the connection to an https Host.
	TLS TLSConfig

	// Timeout bounds each request apart from watches, including reading its
	// response. 0 means no bound other than the caller's context.
	Timeout time.Duration

	// QPS and Burst rate-limit the requests this client sends (watches
	// count once, when they start), with a token bucket: QPS tokens a
	// second, at most Burst at once. 0 means DefaultQPS (50) and
	// DefaultBurst (100); a negative QPS turns limiting off.
	QPS   float64
	Burst int

	// MaxRetries is how many times a request is sent again after an
	// answer that says it was not executed and when to try again, as
	// client-go does: a 429 Too Many Requests with a Retry-After header
	// (or retryAfterSeconds in its Status), which the API server's
	// max-in-flight and priority filters send before running anything,
	// or a 5xx with a Retry-After header. It waits that long (at most
	// MaxRetryWait) first; the wait ends early when the context is done,
	// with an error that is both the last answer's *APIError and the
	// context's error. The body is sent again, whole. 0 means
	// DefaultMaxRetries (10); a negative value turns retrying off.
	// Request.NoRetry turns it off for one request.
	MaxRetries int

	// MaxRetryWait caps the wait before a retry, whatever Retry-After
	// asks. 0 means DefaultMaxRetryWait (30 s); negative is an error.
	MaxRetryWait time.Duration

	// UserAgent is sent on every request; empty means DefaultUserAgent.
	UserAgent string

	// Transport, when set, carries the requests instead of a transport
	// built from TLS (TLS is then ignored): NewInProcess uses one that
	// calls a handler directly. Authentication headers are still added.
	// It must keep http.RoundTripper's contract: it closes every request
	// body it is given, and reads none after closing it, as the client
	// reuses the memory of a closed body.
	Transport http.RoundTripper
}

// TLSConfig is the TLS part of a Config. Each certificate or key may be
// given inline (…Data, PEM) or as a file (…File); inline wins, as in
// kubeconfig.
type TLSConfig struct {
	// Insecure skips verification of the server's certificate. For tests
	// only.
	Insecure bool
	// ServerName overrides the name the server's certificate is checked
	// against (default: Host's host name).
	ServerName string
	// CAData or CAFile hold the PEM certificates of the authorities that
	// sign the server's certificate; empty means the system roots.
	CAData []byte
	CAFile string
	// CertData/CertFile and KeyData/KeyFile hold the PEM client
	// certificate and key, for servers that authenticate clients by
	// certificate. Both or neither must be given.
	CertData []byte
	CertFile string
	KeyData  []byte
	KeyFile  string
}

// Client sends requests to one API server. It is safe for use by many
// goroutines at once; share one per server rather than making many, so that
// they share connections and the rate limit. Typed access to objects is
// through Resource (NewResource, For); Do sends a raw request.
type Client struct {
	base       *url.URL
	http       *http.Client
	limiter    *rate.Limiter // nil: unlimited
	maxRetries int
	// maxWait caps each wait before a retry.
	maxWait   time.Duration
	userAgent string
	timeout   time.Duration

	// reqHost is base.Host as http.NewRequest would set a request's Host
	// (and its URL's) from it; userAgentHeader is the User-Agent header's
	// value, shared by every request.
	reqHost         string
	userAgentHeader []string

	// wait blocks for d or until ctx is done; tests replace it to observe
	// Retry-After handling without sleeping.
	wait func(ctx context.Context, d time.Duration) error
}

// New returns a client for the server cfg describes. It fails, saying which
// field, when Host does not parse or a certificate, key or token file cannot
// be read or parsed. It makes no request.
func New(cfg Config) (*Client, error) {
	base, err := parseHost(cfg.Host)
	if err != nil {
		return nil, err
	}
	rt := cfg.Transport
	if rt == nil {
		t, err := httpTransport(base, cfg.TLS)
		if err != nil {
			return nil, err
		}
		rt = t
	}
	rt, err = withAuth(rt, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("client config: Timeout %v is negative", cfg.Timeout)
	}
	if cfg.MaxRetryWait < 0 {
		return nil, fmt.Errorf("client config: MaxRetryWait %v is negative", cfg.MaxRetryWait)
	}
	c := newClient(base, rt, cfg.MaxRetries, cfg.UserAgent)
	c.timeout = cfg.Timeout
	if cfg.MaxRetryWait > 0 {
		c.maxWait = cfg.MaxRetryWait
	}
	if cfg.QPS >= 0 {
		qps, burst := cfg.QPS, cfg.Burst
		if qps == 0 {
			qps = DefaultQPS
		}
		if burst == 0 {
			burst = DefaultBurst
		}
		if burst < 0 {
			return nil, fmt.Errorf("client config: Burst %d is negative", cfg.Burst)
		}
		c.limiter = rate.NewLimiter(rate.Limit(qps), burst)
	}
	return c, nil
}

// NewInProcess returns a client that calls h directly, with no socket: each
// request is served by h on a goroutine of its own, and the response body
// streams what h writes as it writes it (h sees a ResponseWriter that is an
// http.Flusher), so watches work as over the network. Requests carry no
// credentials and are not rate-limited; 429 retries are as in New. Cancel a
// request's context or close its body to cancel h's request context.
//
// This is how the components of a single-process cluster talk to the API
// server's handler.
func NewInProcess(h http.Handler) *Client {
	return newClient(&url.URL{Scheme: "http", Host: "in-process"}, &handlerTransport{h: h}, 0, "")
}

// newClient applies the defaults of MaxRetries and UserAgent; the rate
// limiter and timeout are the caller's to set.
func newClient(base *url.URL, rt http.RoundTripper, maxRetries int, userAgent string) *Client {
	c := &Client{
		base:       base,
		http:       &http.Client{Transport: rt},
		maxRetries: maxRetries,
		maxWait:    DefaultMaxRetryWait,
		userAgent:  userAgent,
		wait:       sleepCtx,
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	c.userAgentHeader = []string{c.userAgent}
	c.reqHost = base.Host
	if req, err := http.NewRequest(http.MethodGet, base.String(), nil); err == nil {
		c.reqHost = req.Host
	}
	return c
}

// Host returns the base URL the client sends requests to.
func (c *Client) Host() string { return c.base.String() }

func parseHost(host string) (*url.URL, error) {
	if host == "" {
		return nil, errors.New("client config: Host is empty")
	}
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("client config: Host %q: %w", host, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("client config: Host %q: scheme %q is not http or https", host, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client config: Host %q has no host name", host)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client config: Host %q has a query or fragment", host)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// httpTransport is http.DefaultTransport's settings with the TLS config.
func httpTransport(base *url.URL, cfg TLSConfig) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	tc, err := cfg.build()
	if err != nil {
		return nil, err
	}
	if base.Scheme == "https" {
		t.TLSClientConfig = tc
	}
	return t, nil
}

// build turns c into a *tls.Config, reading the files it names.
func (c TLSConfig) build() (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         c.ServerName,
		InsecureSkipVerify: c.Insecure, //nolint:gosec // the caller asked for it, documented as tests only
	}
	ca, err := dataOrFile(c.CAData, c.CAFile, "CA")
	if err != nil {
		return nil, err
	}
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("client config: TLS CA %s holds no PEM certificate", describe(c.CAData, c.CAFile))
		}
		tc.RootCAs = pool
	}
	cert, err := dataOrFile(c.CertData, c.CertFile, "client certificate")
	if err != nil {
		return nil, err
	}
	key, err := dataOrFile(c.KeyData, c.KeyFile, "client key")
	if err != nil {
		return nil, err
	}
	switch {
	case len(cert) > 0 && len(key) > 0:
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("client config: TLS client certificate %s and key %s: %w",
				describe(c.CertData, c.CertFile), describe(c.KeyData, c.KeyFile), err)
		}
		tc.Certificates = []tls.Certificate{pair}
	case len(cert) > 0:
		return nil, errors.New("client config: TLS client certificate given without a key")
	case len(key) > 0:
		return nil, errors.New("client config: TLS client key given without a certificate")
	}
	return tc, nil
}

func dataOrFile(data []byte, file, what string) ([]byte, error) {
	if len(data) > 0 {
		return data, nil
	}
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("client config: read TLS %s: %w", what, err)
	}
	return b, nil
}

func describe(data []byte, file string) string {
	if len(data) > 0 {
		return "(inline data)"
	}
	return fmt.Sprintf("%q", file)
}

// withAuth wraps rt so that it adds cfg's credentials to every request.
func withAuth(rt http.RoundTripper, cfg Config) (http.RoundTripper, error) {
	switch {
	case cfg.BearerToken != "":
		return &authTransport{next: rt, token: staticToken(cfg.BearerToken)}, nil
	case cfg.BearerTokenFile != "":
		ft := &fileToken{path: cfg.BearerTokenFile, now: time.Now}
		if _, err := ft.token(); err != nil {
			return nil, err
		}
		return &authTransport{next: rt, token: ft.token}, nil
	case cfg.Username != "" || cfg.Password != "":
		return &authTransport{next: rt, user: cfg.Username, password: cfg.Password, basic: true}, nil
	}
	return rt, nil
}

// authTransport adds an Authorization header to requests that have none.
type authTransport struct {
	next           http.RoundTripper
	token          func() (string, error)
	basic          bool
	user, password string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" {
		return t.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	if t.basic {
		req.SetBasicAuth(t.user, t.password)
	} else {
		tok, err := t.token()
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return t.next.RoundTrip(req)
}

func staticToken(tok string) func() (string, error) {
	return func() (string, error) { return tok, nil }
}

// fileToken reads a bearer token from a file, again after tokenFileReread.
type fileToken struct {
	path string
	now  func() time.Time

	mu     sync.Mutex // guards tok and readAt
	tok    string
	readAt time.Time
}

func (f *fileToken) token() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if f.tok != "" && now.Sub(f.readAt) < tokenFileReread {
		return f.tok, nil
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		if f.tok != "" {
			return f.tok, nil // keep using the last good token
		}
		return "", fmt.Errorf("client config: read bearer token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		if f.tok != "" {
			return f.tok, nil
		}
		return "", fmt.Errorf("client config: bearer token file %q is empty", f.path)
	}
	f.tok, f.readAt = tok, now
	return tok, nil
}
