package serviceaccount

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
)

// The keys of User.Extra for a token bound to a pod, as Kubernetes names
// them.
const (
	ExtraPodName      = "authentication.kubernetes.io/pod-name"
	ExtraPodUID       = "authentication.kubernetes.io/pod-uid"
	ExtraCredentialID = "authentication.kubernetes.io/credential-id"
)

// User is who a token authenticates: the service account's user name
// (see UserName), its uid, its groups (AllGroup, the namespace's group and
// AuthenticatedGroup) and extra attributes (the bound pod, the token's
// id). It has the shape of the API server's user information, so that
// adapting one to the other is a field-by-field copy.
type User struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// Getter functions look objects up for the Verifier, from a cache (a
// client.Lister's Get fits) or from the server. They report an object that
// does not exist with an error for which client.IsNotFound is true, are
// called from the goroutines that authenticate, and must not modify what
// they return.
type (
	// ServiceAccountGetter returns the service account namespace/name.
	ServiceAccountGetter func(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error)
	// PodGetter returns the pod namespace/name.
	PodGetter func(ctx context.Context, namespace, name string) (*corev1.Pod, error)
	// SecretGetter returns the secret namespace/name.
	SecretGetter func(ctx context.Context, namespace, name string) (*corev1.Secret, error)
)

// VerifierOptions configure NewVerifier.
type VerifierOptions struct {
	// Issuers are the accepted "iss" of bound tokens. Required.
	Issuers []string
	// Audiences are the accepted audiences: a bound token must name at
	// least one of them. Default: Issuers, as Kubernetes' --api-audiences
	// defaults to the issuer.
	Audiences []string
	// Keys verify the signatures: *ecdsa.PublicKey (ES256) or
	// *rsa.PublicKey (RS256). Required.
	Keys []crypto.PublicKey
	// ServiceAccount looks up the token's service account, which must
	// exist with the token's uid. Required.
	ServiceAccount ServiceAccountGetter
	// Pod looks up the pod a token is bound to, which must exist with the
	// token's uid. Default nil: tokens bound to pods are refused.
	Pod PodGetter
	// Secret looks up the Secret of a legacy token, which must still hold
	// it. Default nil: legacy tokens are refused.
	Secret SecretGetter
	// Now is the clock of exp and nbf. Default time.Now.
	Now func() time.Time
}

// Verifier authenticates service-account tokens: the signature, the
// issuer, the audience, the expiry and that what the token names (service
// account, bound pod, legacy Secret) still exists with the same uid. Make
// one with NewVerifier; any goroutine may call its methods.
type Verifier struct {
	opts VerifierOptions
	keys []jwt.VerificationKey
	kids map[string]jwt.VerificationKey
}

// NewVerifier checks opts and returns a verifier. It fails when Issuers,
// Keys or ServiceAccount is missing, or a key is not ECDSA or RSA.
func NewVerifier(opts VerifierOptions) (*Verifier, error) {
	if len(opts.Issuers) == 0 || slices.Contains(opts.Issuers, "") {
		return nil, errors.New("new token verifier: Issuers are required and may not be empty")
	}
	if len(opts.Audiences) == 0 {
		opts.Audiences = opts.Issuers
	}
	if slices.Contains(opts.Audiences, "") {
		return nil, errors.New("new token verifier: empty audience")
	}
	if len(opts.Keys) == 0 {
		return nil, errors.New("new token verifier: no Keys")
	}
	if opts.ServiceAccount == nil {
		return nil, errors.New("new token verifier: nil ServiceAccount getter")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	v := &Verifier{opts: opts, kids: map[string]jwt.VerificationKey{}}
	for i, k := range opts.Keys {
		switch k.(type) {
		case *ecdsa.PublicKey, *rsa.PublicKey:
		default:
			return nil, fmt.Errorf("new token verifier: key %d of type %T: want *ecdsa.PublicKey or *rsa.PublicKey", i, k)
		}
		kid, err := KeyID(k)
		if err != nil {
			return nil, fmt.Errorf("new token verifier: key %d: %w", i, err)
		}
		v.keys = append(v.keys, k)
		v.kids[kid] = k
	}
	return v, nil
}

// AuthenticateRequest authenticates the bearer token of r's Authorization
// header, as AuthenticateToken; a request without one is not
// authenticated (ok false, no error).
func (v *Verifier) AuthenticateRequest(r *http.Request) (User, bool, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return User{}, false, nil
	}
	return v.AuthenticateToken(r.Context(), strings.TrimSpace(token))
}

// AuthenticateToken reports who token authenticates. ok is false, with no
// error, for a token that is not good: not a JWT, signed by another key,
// another issuer, no accepted audience, expired or not yet valid, or
// naming a service account, pod or Secret that is gone or was replaced
// (another uid). err is set only when a lookup failed for another reason
// than NotFound, so that the caller cannot decide.
func (v *Verifier) AuthenticateToken(ctx context.Context, token string) (User, bool, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, v.keyFunc,
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg(), jwt.SigningMethodRS256.Alg()}),
		jwt.WithTimeFunc(v.opts.Now))
	if err != nil {
		return User{}, false, nil
	}
	if c.Issuer == LegacyIssuer {
		return v.legacy(ctx, token, &c)
	}
	if !slices.Contains(v.opts.Issuers, c.Issuer) || c.ExpiresAt == nil || c.Kubernetes == nil {
		return User{}, false, nil
	}
	if !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(v.opts.Audiences, a) }) {
		return User{}, false, nil
	}
	k := c.Kubernetes
	if c.Subject != UserName(k.Namespace, k.ServiceAccount.Name) {
		return User{}, false, nil
	}
	if ok, err := v.accountExists(ctx, k.Namespace, k.ServiceAccount); !ok || err != nil {
		return User{}, false, err
	}
	u := newUser(k.Namespace, k.ServiceAccount.Name, string(k.ServiceAccount.UID))
	if p := k.Pod; p != nil {
		if v.opts.Pod == nil {
			return User{}, false, nil
		}
		pod, err := v.opts.Pod(ctx, k.Namespace, p.Name)
		switch {
		case client.IsNotFound(err):
			return User{}, false, nil
		case err != nil:
			return User{}, false, fmt.Errorf("authenticate token: get pod %s/%s: %w", k.Namespace, p.Name, err)
		case pod.UID != p.UID:
			return User{}, false, nil
		}
		u.Extra[ExtraPodName] = []string{p.Name}
		u.Extra[ExtraPodUID] = []string{string(p.UID)}
	}
	if c.ID != "" {
		u.Extra[ExtraCredentialID] = []string{"JTI=" + c.ID}
	}
	return u, true, nil
}

// legacy checks a legacy token's claims: its service account exists with
// its uid, and its Secret holds exactly this token.
func (v *Verifier) legacy(ctx context.Context, token string, c *claims) (User, bool, error) {
	if v.opts.Secret == nil || c.LegacyNamespace == "" || c.LegacyName == "" || c.LegacySecretName == "" ||
		c.Subject != UserName(c.LegacyNamespace, c.LegacyName) {
		return User{}, false, nil
	}
	sec, err := v.opts.Secret(ctx, c.LegacyNamespace, c.LegacySecretName)
	switch {
	case client.IsNotFound(err):
		return User{}, false, nil
	case err != nil:
		return User{}, false, fmt.Errorf("authenticate token: get secret %s/%s: %w", c.LegacyNamespace, c.LegacySecretName, err)
	}
	if subtle.ConstantTimeCompare(sec.Data[corev1.ServiceAccountTokenKey], []byte(token)) != 1 {
		return User{}, false, nil
	}
	if ok, err := v.accountExists(ctx, c.LegacyNamespace, objectRef{Name: c.LegacyName, UID: c.LegacyUID}); !ok || err != nil {
		return User{}, false, err
	}
	return newUser(c.LegacyNamespace, c.LegacyName, string(c.LegacyUID)), true, nil
}

func (v *Verifier) accountExists(ctx context.Context, namespace string, sa objectRef) (bool, error) {
	got, err := v.opts.ServiceAccount(ctx, namespace, sa.Name)
	switch {
	case client.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("authenticate token: get service account %s/%s: %w", namespace, sa.Name, err)
	}
	return got.UID == sa.UID && got.DeletionTimestamp == nil, nil
}

func newUser(namespace, name, uid string) User {
	return User{
		Name:   UserName(namespace, name),
		UID:    uid,
		Groups: []string{AllGroup, NamespaceGroupPrefix + namespace, AuthenticatedGroup},
		Extra:  map[string][]string{},
	}
}

// keyFunc picks the key named by the token's kid, or tries every key.
func (v *Verifier) keyFunc(t *jwt.Token) (any, error) {
	if kid, ok := t.Header["kid"].(string); ok {
		if k, ok := v.kids[kid]; ok {
			return k, nil
		}
	}
	return jwt.VerificationKeySet{Keys: v.keys}, nil
}
