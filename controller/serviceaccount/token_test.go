package serviceaccount_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/serviceaccount"
)

const issuerURL = "https://kubernetes.default.svc"

var (
	keyOnce sync.Once
	ecKey   *ecdsa.PrivateKey
	rsaKey  *rsa.PrivateKey
)

// keys returns a P-256 and a 2048-bit RSA key, generated once per test
// binary.
func keys(t testing.TB) (*ecdsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return ecKey, rsaKey
}

// objects is an in-memory getter of service accounts, pods and secrets.
type objects struct {
	sas     map[string]*corev1.ServiceAccount
	pods    map[string]*corev1.Pod
	secrets map[string]*corev1.Secret
	fail    error
}

func notFound(kind, name string) error {
	return &client.APIError{Status: metav1.Status{Status: metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: 404, Message: kind + " " + name + " not found"}}
}

func lookup[T any](m map[string]*T, fail error, kind, ns, name string) (*T, error) {
	if fail != nil {
		return nil, fail
	}
	if o, ok := m[ns+"/"+name]; ok {
		return o, nil
	}
	return nil, notFound(kind, name)
}

func (o *objects) verifier(t *testing.T, now func() time.Time, keys ...crypto.PublicKey) *serviceaccount.Verifier {
	t.Helper()
	v, err := serviceaccount.NewVerifier(serviceaccount.VerifierOptions{
		Issuers:   []string{issuerURL},
		Audiences: []string{issuerURL, "vault"},
		Keys:      keys,
		ServiceAccount: func(_ context.Context, ns, name string) (*corev1.ServiceAccount, error) {
			return lookup(o.sas, o.fail, "serviceaccount", ns, name)
		},
		Pod: func(_ context.Context, ns, name string) (*corev1.Pod, error) {
			return lookup(o.pods, o.fail, "pod", ns, name)
		},
		Secret: func(_ context.Context, ns, name string) (*corev1.Secret, error) {
			return lookup(o.secrets, o.fail, "secret", ns, name)
		},
		Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// tamper replaces from with to in the token's payload, keeping the
// signature.
func tamper(tok, from, to string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), from, to, 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

func TestIssueAndVerify(t *testing.T) {
	ec, rs := keys(t)
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return issued }
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "builder", UID: "sa-uid"}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "job-1", UID: "pod-uid"}}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "builder-token", UID: "sec-uid"}}
	present := func() *objects {
		return &objects{
			sas:     map[string]*corev1.ServiceAccount{"ci/builder": sa},
			pods:    map[string]*corev1.Pod{"ci/job-1": pod},
			secrets: map[string]*corev1.Secret{"ci/builder-token": secret},
		}
	}
	groups := []string{"system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"}
	for _, key := range []crypto.Signer{ec, rs} {
		iss, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: issuerURL, Key: key, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		req := serviceaccount.TokenRequest{Namespace: "ci", Name: "builder", UID: "sa-uid"}
		plain := must(t)(iss.Issue(req))
		req.Pod = &serviceaccount.BoundObject{Name: "job-1", UID: "pod-uid"}
		req.Audiences = []string{"vault"}
		bound := must(t)(iss.Issue(req))
		req.Audiences = []string{"elsewhere"}
		foreign := must(t)(iss.Issue(req))
		legacy := must(t)(iss.IssueLegacy("ci", "builder", "sa-uid", "builder-token"))
		secret.Data = map[string][]byte{corev1.ServiceAccountTokenKey: []byte(legacy)}

		for _, tc := range []struct {
			name  string
			token string
			objs  func(*objects)
			now   time.Time
			key   crypto.PublicKey
			want  *serviceaccount.User // nil: not authenticated
			err   bool
		}{
			{name: "plain", token: plain, want: &serviceaccount.User{Name: "system:serviceaccount:ci:builder", UID: "sa-uid", Groups: groups}},
			{name: "bound", token: bound, want: &serviceaccount.User{Name: "system:serviceaccount:ci:builder", UID: "sa-uid", Groups: groups,
				Extra: map[string][]string{serviceaccount.ExtraPodName: {"job-1"}, serviceaccount.ExtraPodUID: {"pod-uid"}}}},
			{name: "legacy", token: legacy, want: &serviceaccount.User{Name: "system:serviceaccount:ci:builder", UID: "sa-uid", Groups: groups}},
			{name: "near expiry", token: plain, now: issued.Add(59 * time.Minute), want: &serviceaccount.User{Name: "system:serviceaccount:ci:builder", UID: "sa-uid", Groups: groups}},
			{name: "expired", token: plain, now: issued.Add(61 * time.Minute)},
			{name: "not yet valid", token: plain, now: issued.Add(-time.Minute)},
			{name: "other audience", token: foreign},
			{name: "tampered", token: tamper(plain, `"builder"`, `"admin00"`)},
			{name: "truncated signature", token: plain[:len(plain)-4]},
			{name: "garbage", token: "not-a-jwt"},
			{name: "other key", token: plain, key: otherKey.Public()},
			{name: "account deleted", token: plain, objs: func(o *objects) { delete(o.sas, "ci/builder") }},
			{name: "account replaced", token: plain, objs: func(o *objects) {
				o.sas["ci/builder"] = &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "builder", UID: "new-uid"}}
			}},
			{name: "pod deleted", token: bound, objs: func(o *objects) { delete(o.pods, "ci/job-1") }},
			{name: "pod replaced", token: bound, objs: func(o *objects) {
				o.pods["ci/job-1"] = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "job-1", UID: "other"}}
			}},
			{name: "legacy secret deleted", token: legacy, objs: func(o *objects) { delete(o.secrets, "ci/builder-token") }},
			{name: "legacy secret holds another token", token: legacy, objs: func(o *objects) {
				o.secrets["ci/builder-token"] = &corev1.Secret{ObjectMeta: secret.ObjectMeta, Data: map[string][]byte{corev1.ServiceAccountTokenKey: []byte("x")}}
			}},
			{name: "lookup fails", token: plain, objs: func(o *objects) { o.fail = errors.New("connection refused") }, err: true},
		} {
			t.Run(iss.Issuer()+"/"+algName(key)+"/"+tc.name, func(t *testing.T) {
				o := present()
				if tc.objs != nil {
					tc.objs(o)
				}
				now := issued
				if !tc.now.IsZero() {
					now = tc.now
				}
				pub := key.Public()
				if tc.key != nil {
					pub = tc.key
				}
				v := o.verifier(t, func() time.Time { return now }, pub)
				u, ok, err := v.AuthenticateToken(t.Context(), tc.token)
				if (err != nil) != tc.err {
					t.Fatalf("err = %v, want error %v", err, tc.err)
				}
				if tc.want == nil {
					if ok {
						t.Errorf("authenticated as %+v, want refused", u)
					}
					return
				}
				if !ok {
					t.Fatal("refused, want authenticated")
				}
				delete(u.Extra, serviceaccount.ExtraCredentialID)
				if len(u.Extra) == 0 {
					u.Extra = nil
				}
				if diff := cmp.Diff(*tc.want, u); diff != "" {
					t.Errorf("user (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func algName(k crypto.Signer) string {
	if _, ok := k.(*rsa.PrivateKey); ok {
		return "RS256"
	}
	return "ES256"
}

func must(t *testing.T) func(string, error) string {
	return func(s string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// TestClaims decodes a bound token's payload and header: Kubernetes'
// claims and a kid naming the key.
func TestClaims(t *testing.T) {
	ec, _ := keys(t)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	iss, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: issuerURL, Key: ec, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Issue(serviceaccount.TokenRequest{Namespace: "ci", Name: "builder", UID: "sa-uid", Expiration: 2 * time.Hour,
		Pod: &serviceaccount.BoundObject{Name: "job-1", UID: "pod-uid"}})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	var header map[string]any
	var payload map[string]any
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	kid, err := serviceaccount.KeyID(ec.Public())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"alg": "ES256", "typ": "JWT", "kid": kid}, header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if jti, ok := payload["jti"].(string); !ok || jti == "" {
		t.Errorf("jti %v", payload["jti"])
	}
	delete(payload, "jti")
	want := map[string]any{
		"iss": issuerURL, "sub": "system:serviceaccount:ci:builder", "aud": []any{issuerURL},
		"iat": float64(now.Unix()), "nbf": float64(now.Unix()), "exp": float64(now.Add(2 * time.Hour).Unix()),
		"kubernetes.io": map[string]any{
			"namespace":      "ci",
			"serviceaccount": map[string]any{"name": "builder", "uid": "sa-uid"},
			"pod":            map[string]any{"name": "job-1", "uid": "pod-uid"},
		},
	}
	if diff := cmp.Diff(want, payload); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func TestIssuerValidates(t *testing.T) {
	ec, _ := keys(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string]serviceaccount.IssuerOptions{
		"no issuer":     {Key: ec},
		"no key":        {Issuer: issuerURL},
		"P-384":         {Issuer: issuerURL, Key: p384},
		"small RSA key": {Issuer: issuerURL, Key: small},
	} {
		if _, err := serviceaccount.NewIssuer(opts); err == nil {
			t.Errorf("NewIssuer with %s succeeded", name)
		}
	}
	iss, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: issuerURL, Key: ec})
	if err != nil {
		t.Fatal(err)
	}
	ok := serviceaccount.TokenRequest{Namespace: "ci", Name: "builder", UID: "u"}
	for name, change := range map[string]func(*serviceaccount.TokenRequest){
		"bad namespace":    func(r *serviceaccount.TokenRequest) { r.Namespace = "Not_Valid" },
		"no name":          func(r *serviceaccount.TokenRequest) { r.Name = "" },
		"no uid":           func(r *serviceaccount.TokenRequest) { r.UID = "" },
		"short expiration": func(r *serviceaccount.TokenRequest) { r.Expiration = time.Minute },
		"empty audience":   func(r *serviceaccount.TokenRequest) { r.Audiences = []string{""} },
		"pod without uid":  func(r *serviceaccount.TokenRequest) { r.Pod = &serviceaccount.BoundObject{Name: "p"} },
	} {
		r := ok
		change(&r)
		if _, err := iss.Issue(r); err == nil {
			t.Errorf("Issue with %s succeeded", name)
		}
	}
	if _, err := iss.IssueLegacy("ci", "builder", types.UID("u"), ""); err == nil {
		t.Error("IssueLegacy without a secret name succeeded")
	}
	get := func(context.Context, string, string) (*corev1.ServiceAccount, error) { return nil, nil }
	for name, opts := range map[string]serviceaccount.VerifierOptions{
		"no issuers": {Keys: []crypto.PublicKey{ec.Public()}, ServiceAccount: get},
		"no keys":    {Issuers: []string{issuerURL}, ServiceAccount: get},
		"no getter":  {Issuers: []string{issuerURL}, Keys: []crypto.PublicKey{ec.Public()}},
		"bad key":    {Issuers: []string{issuerURL}, Keys: []crypto.PublicKey{"secret"}, ServiceAccount: get},
	} {
		if _, err := serviceaccount.NewVerifier(opts); err == nil {
			t.Errorf("NewVerifier with %s succeeded", name)
		}
	}
}

func TestUserNames(t *testing.T) {
	ns, name, err := serviceaccount.SplitUserName(serviceaccount.UserName("ci", "builder"))
	if err != nil || ns != "ci" || name != "builder" {
		t.Errorf("SplitUserName(UserName(ci, builder)) = %q, %q, %v", ns, name, err)
	}
	for _, bad := range []string{"alice", "system:serviceaccount:ci", "system:serviceaccount::x", "system:serviceaccount:a:b:c"} {
		if _, _, err := serviceaccount.SplitUserName(bad); err == nil {
			t.Errorf("SplitUserName(%q) succeeded", bad)
		}
	}
}
