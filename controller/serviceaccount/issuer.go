package serviceaccount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rigging-dev/rigging/api/names"
	"github.com/rigging-dev/rigging/api/types"
)

// The names Kubernetes gives service-account identities.
const (
	// UserPrefix starts the user name of a service account:
	// "system:serviceaccount:<namespace>:<name>".
	UserPrefix = "system:serviceaccount:"
	// AllGroup is the group of every service account.
	AllGroup = "system:serviceaccounts"
	// NamespaceGroupPrefix starts the group of the service accounts of a
	// namespace: "system:serviceaccounts:<namespace>".
	NamespaceGroupPrefix = "system:serviceaccounts:"
	// AuthenticatedGroup is the group of every authenticated user.
	AuthenticatedGroup = "system:authenticated"
	// LegacyIssuer is the issuer of legacy (Secret-based) tokens.
	LegacyIssuer = "kubernetes/serviceaccount"
)

// The defaults of TokenRequest.
const (
	// DefaultExpiration is how long a token is valid when the request
	// does not say: 1 hour, as a TokenRequest's default.
	DefaultExpiration = time.Hour
	// MinExpiration is the shortest validity a token may be issued with:
	// 10 minutes, as Kubernetes' TokenRequest.
	MinExpiration = 10 * time.Minute
)

// UserName returns the user name of the service account namespace/name.
func UserName(namespace, name string) string { return UserPrefix + namespace + ":" + name }

// SplitUserName splits a service-account user name into its namespace and
// name; it fails for other names.
func SplitUserName(user string) (namespace, name string, err error) {
	rest, ok := strings.CutPrefix(user, UserPrefix)
	if !ok {
		return "", "", fmt.Errorf("user %q is not a service account: no prefix %q", user, UserPrefix)
	}
	namespace, name, ok = strings.Cut(rest, ":")
	if !ok || namespace == "" || name == "" || strings.Contains(name, ":") {
		return "", "", fmt.Errorf("user %q is not a service account: want %s<namespace>:<name>", user, UserPrefix)
	}
	return namespace, name, nil
}

// kubernetesClaims is the private claim "kubernetes.io" of a bound token.
type kubernetesClaims struct {
	Namespace      string     `json:"namespace"`
	ServiceAccount objectRef  `json:"serviceaccount"`
	Pod            *objectRef `json:"pod,omitempty"`
}

type objectRef struct {
	Name string    `json:"name"`
	UID  types.UID `json:"uid"`
}

// claims are the claims of both kinds of token: a bound token has the
// registered claims and "kubernetes.io"; a legacy one the "kubernetes.io/
// serviceaccount/..." claims, iss and sub.
type claims struct {
	jwt.RegisteredClaims
	Kubernetes *kubernetesClaims `json:"kubernetes.io,omitempty"`

	LegacyNamespace  string    `json:"kubernetes.io/serviceaccount/namespace,omitempty"`
	LegacySecretName string    `json:"kubernetes.io/serviceaccount/secret.name,omitempty"`
	LegacyName       string    `json:"kubernetes.io/serviceaccount/service-account.name,omitempty"`
	LegacyUID        types.UID `json:"kubernetes.io/serviceaccount/service-account.uid,omitempty"`
}

// IssuerOptions configure NewIssuer.
type IssuerOptions struct {
	// Issuer is the "iss" claim of the tokens, a URL as Kubernetes'
	// --service-account-issuer ("https://kubernetes.default.svc").
	// Required.
	Issuer string
	// Key signs the tokens: an *ecdsa.PrivateKey on P-256 (ES256) or an
	// *rsa.PrivateKey of at least 2048 bits (RS256). Required.
	Key crypto.Signer
	// Now is the clock of iat, nbf and exp. Default time.Now.
	Now func() time.Time
}

// Issuer issues service-account tokens: JWTs signed with one key. Make
// one with NewIssuer; any goroutine may call its methods.
type Issuer struct {
	iss    string
	key    crypto.Signer
	method jwt.SigningMethod
	kid    string
	now    func() time.Time
}

// NewIssuer checks opts and returns an issuer. It fails when Issuer is
// empty or Key is neither a P-256 ECDSA key nor an RSA key of 2048 bits or
// more.
func NewIssuer(opts IssuerOptions) (*Issuer, error) {
	if opts.Issuer == "" {
		return nil, errors.New("new token issuer: empty Issuer")
	}
	method, err := signingMethod(opts.Key)
	if err != nil {
		return nil, fmt.Errorf("new token issuer: %w", err)
	}
	kid, err := KeyID(opts.Key.Public())
	if err != nil {
		return nil, fmt.Errorf("new token issuer: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Issuer{iss: opts.Issuer, key: opts.Key, method: method, kid: kid, now: opts.Now}, nil
}

func signingMethod(key crypto.Signer) (jwt.SigningMethod, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA key on %s: only P-256 (ES256) is supported", k.Curve.Params().Name)
		}
		return jwt.SigningMethodES256, nil
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA key of %d bits: at least 2048 are required", k.N.BitLen())
		}
		return jwt.SigningMethodRS256, nil
	case nil:
		return nil, errors.New("nil Key")
	}
	return nil, fmt.Errorf("key of type %T: want *ecdsa.PrivateKey (P-256) or *rsa.PrivateKey", key)
}

// KeyID returns the "kid" header of tokens signed by the private key of
// pub, as Kubernetes computes it: the unpadded URL-safe base64 of the
// SHA-256 of the key's PKIX DER encoding.
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("key id: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// Issuer returns the "iss" of the tokens.
func (i *Issuer) Issuer() string { return i.iss }

// PublicKey returns the key that verifies the issuer's tokens.
func (i *Issuer) PublicKey() crypto.PublicKey { return i.key.Public() }

// TokenRequest says what token to issue.
type TokenRequest struct {
	// Namespace, Name and UID are the service account's. Required.
	Namespace, Name string
	UID             types.UID
	// Audiences are the "aud" of the token: the services that are to
	// accept it. Default: the issuer.
	Audiences []string
	// Expiration is how long the token is valid, at least MinExpiration.
	// Default DefaultExpiration (1 hour).
	Expiration time.Duration
	// Pod, when set, binds the token to a pod of the service account:
	// the token is valid only while that pod exists with that uid.
	Pod *BoundObject
}

// BoundObject names the object a token is bound to.
type BoundObject struct {
	Name string
	UID  types.UID
}

// Issue returns a signed token for req, with Kubernetes' claims: iss, sub
// ("system:serviceaccount:<ns>:<name>"), aud, exp, iat, nbf, jti and
// "kubernetes.io" (namespace, serviceaccount name and uid, and pod name
// and uid when bound). It fails when req is incomplete or invalid.
func (i *Issuer) Issue(req TokenRequest) (string, error) {
	if err := checkAccount(req.Namespace, req.Name, req.UID); err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	if req.Expiration == 0 {
		req.Expiration = DefaultExpiration
	}
	if req.Expiration < MinExpiration {
		return "", fmt.Errorf("issue token for %s/%s: expiration %v is shorter than %v", req.Namespace, req.Name, req.Expiration, MinExpiration)
	}
	aud := req.Audiences
	if len(aud) == 0 {
		aud = []string{i.iss}
	}
	for _, a := range aud {
		if a == "" {
			return "", fmt.Errorf("issue token for %s/%s: empty audience", req.Namespace, req.Name)
		}
	}
	kc := &kubernetesClaims{Namespace: req.Namespace, ServiceAccount: objectRef{Name: req.Name, UID: req.UID}}
	if p := req.Pod; p != nil {
		if p.Name == "" || p.UID == "" {
			return "", fmt.Errorf("issue token for %s/%s: bound pod needs a name and a uid", req.Namespace, req.Name)
		}
		kc.Pod = &objectRef{Name: p.Name, UID: p.UID}
	}
	jti, err := newJTI()
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	now := i.now().Truncate(time.Second)
	return i.sign(&claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    i.iss,
			Subject:   UserName(req.Namespace, req.Name),
			Audience:  jwt.ClaimStrings(aud),
			ExpiresAt: jwt.NewNumericDate(now.Add(req.Expiration)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        jti,
		},
		Kubernetes: kc,
	})
}

// IssueLegacy returns a legacy token for the service account
// namespace/name with uid, to be stored in the Secret secretName: the
// claims of Kubernetes' Secret-based tokens, with no audience and no
// expiry. A Verifier accepts it only while that Secret holds it.
func (i *Issuer) IssueLegacy(namespace, name string, uid types.UID, secretName string) (string, error) {
	if err := checkAccount(namespace, name, uid); err != nil {
		return "", fmt.Errorf("issue legacy token: %w", err)
	}
	if secretName == "" {
		return "", fmt.Errorf("issue legacy token for %s/%s: empty secret name", namespace, name)
	}
	return i.sign(&claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: LegacyIssuer, Subject: UserName(namespace, name)},
		LegacyNamespace:  namespace,
		LegacySecretName: secretName,
		LegacyName:       name,
		LegacyUID:        uid,
	})
}

func (i *Issuer) sign(c *claims) (string, error) {
	t := jwt.NewWithClaims(i.method, c)
	t.Header["kid"] = i.kid
	s, err := t.SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

func checkAccount(namespace, name string, uid types.UID) error {
	if msgs := names.IsDNS1123Label(namespace); len(msgs) > 0 {
		return fmt.Errorf("namespace %q: %s", namespace, strings.Join(msgs, "; "))
	}
	if msgs := names.IsDNS1123Subdomain(name); len(msgs) > 0 {
		return fmt.Errorf("service account name %q: %s", name, strings.Join(msgs, "; "))
	}
	if uid == "" {
		return fmt.Errorf("service account %s/%s: empty uid", namespace, name)
	}
	return nil
}

func newJTI() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
