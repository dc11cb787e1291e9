package serviceaccount_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/serviceaccount"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// adminToken is the test's own credential for the verifier's lookups,
// accepted next to service-account tokens.
const adminToken = "admin-token-for-the-test"

// authnServer is an API server that authenticates service-account tokens
// with a Verifier, reached over loopback.
type authnServer struct {
	url   string
	admin *client.Client
	mu    sync.Mutex // guards users
	users map[string]apiserver.UserInfo
}

// startAuthn starts the server; anonymous requests are refused.
func startAuthn(t *testing.T, issuer *serviceaccount.Issuer) *authnServer {
	t.Helper()
	st, err := mvcc.Open(t.Context(), mvcc.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	a := &authnServer{users: map[string]apiserver.UserInfo{}}
	var verifier *serviceaccount.Verifier // set once the admin client exists
	auth := apiserver.AuthenticatorFunc(func(r *http.Request) (apiserver.UserInfo, bool, error) {
		if r.Header.Get("Authorization") == "Bearer "+adminToken {
			return apiserver.UserInfo{Name: "admin", Groups: []string{"system:masters", apiserver.GroupAuthenticated}}, true, nil
		}
		u, ok, err := verifier.AuthenticateRequest(r)
		return apiserver.UserInfo{Name: u.Name, UID: u.UID, Groups: u.Groups, Extra: u.Extra}, ok, err
	})
	record := apiserver.ValidatingAdmissionFunc(func(ctx context.Context, at *apiserver.Attributes) error {
		if at.Operation == apiserver.Create && at.Resource == "configmaps" {
			u, _ := apiserver.UserFrom(ctx)
			a.mu.Lock()
			a.users[at.Name] = u
			a.mu.Unlock()
		}
		return nil
	})
	srv, err := apiserver.New(st, apiserver.Options{Authenticator: auth, Validating: []apiserver.ValidatingAdmission{record}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		ts.Close()
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	a.url = ts.URL
	if a.admin, err = client.New(client.Config{Host: ts.URL, BearerToken: adminToken}); err != nil {
		t.Fatal(err)
	}
	sas := mustResource[corev1.ServiceAccount](t, a.admin)
	verifier, err = serviceaccount.NewVerifier(serviceaccount.VerifierOptions{
		Issuers: []string{issuerURL},
		Keys:    []crypto.PublicKey{issuer.PublicKey()},
		ServiceAccount: func(ctx context.Context, ns, name string) (*corev1.ServiceAccount, error) {
			return sas.Namespace(ns).Get(ctx, name, client.GetOptions{})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// createConfigMap creates a ConfigMap with token (none when empty) and
// returns the HTTP status.
func (a *authnServer) createConfigMap(t *testing.T, token, name string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, a.url+"/api/v1/namespaces/default/configmaps",
		strings.NewReader(`{"metadata":{"name":"`+name+`"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTokensAuthenticateAgainstAPIServer is the end-to-end proof: a token
// issued for a ServiceAccount authenticates requests to an API server
// whose authenticator is the Verifier; tampered, expired and foreign-key
// tokens, requests without one, and the token once its account is
// deleted, get 401.
func TestTokensAuthenticateAgainstAPIServer(t *testing.T) {
	ec, _ := keys(t)
	issuer, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: issuerURL, Key: ec})
	if err != nil {
		t.Fatal(err)
	}
	a := startAuthn(t, issuer)
	sas := mustResource[corev1.ServiceAccount](t, a.admin).Namespace("default")
	robot, err := sas.Create(t.Context(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "robot"}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	token, err := issuer.Issue(serviceaccount.TokenRequest{Namespace: "default", Name: "robot", UID: robot.UID})
	if err != nil {
		t.Fatal(err)
	}

	if code := a.createConfigMap(t, token, "by-robot"); code != http.StatusCreated {
		t.Fatalf("create with a good token: %d, want 201", code)
	}
	a.mu.Lock()
	got := a.users["by-robot"]
	a.mu.Unlock()
	want := apiserver.UserInfo{Name: "system:serviceaccount:default:robot", UID: string(robot.UID),
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Extra" }, cmp.Ignore())); diff != "" {
		t.Errorf("user seen by the server (-want +got):\n%s", diff)
	}

	past, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: issuerURL, Key: ec,
		Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := past.Issue(serviceaccount.TokenRequest{Namespace: "default", Name: "robot", UID: robot.UID})
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	forger, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: issuerURL, Key: otherKey})
	if err != nil {
		t.Fatal(err)
	}
	forged, err := forger.Issue(serviceaccount.TokenRequest{Namespace: "default", Name: "robot", UID: robot.UID})
	if err != nil {
		t.Fatal(err)
	}
	badSignature := token[:len(token)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(token, "AA")]
	for name, tok := range map[string]string{
		"expired":       expired,
		"tampered":      tamper(token, `"robot"`, `"admin"`),
		"bad signature": badSignature,
		"forged":        forged,
		"none":          "",
	} {
		if code := a.createConfigMap(t, tok, "refused"); code != http.StatusUnauthorized {
			t.Errorf("create with %s token: %d, want 401", name, code)
		}
	}

	if err := sas.Delete(t.Context(), "robot", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if code := a.createConfigMap(t, token, "after-delete"); code != http.StatusUnauthorized {
		t.Errorf("create with the token of a deleted account: %d, want 401", code)
	}
	// The same name again is another account: the old token stays
	// refused.
	if _, err := sas.Create(t.Context(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "robot"}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if code := a.createConfigMap(t, token, "after-recreate"); code != http.StatusUnauthorized {
		t.Errorf("create with the token of a replaced account: %d, want 401", code)
	}
}
