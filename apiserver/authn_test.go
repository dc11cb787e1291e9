package apiserver

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store"
)

// tokenAuthenticator accepts "Bearer good" as alice and fails to decide
// on "Bearer broken".
var tokenAuthenticator = AuthenticatorFunc(func(r *http.Request) (UserInfo, bool, error) {
	switch r.Header.Get("Authorization") {
	case "Bearer good":
		return UserInfo{Name: "alice", UID: "u-1", Groups: []string{"devs", GroupAuthenticated}}, true, nil
	case "Bearer broken":
		return UserInfo{}, false, errors.New("token lookup failed")
	}
	return UserInfo{}, false, nil
})

// userRecorder is a validating admission plugin that records the user and
// the Authorization header each create ran with.
type userRecorder struct {
	mu    sync.Mutex // guards users
	users map[string]recordedUser
}

type recordedUser struct {
	User  UserInfo
	Found bool
}

func (u *userRecorder) Validate(ctx context.Context, a *Attributes) error {
	if a.Operation != Create {
		return nil
	}
	user, ok := UserFrom(ctx)
	u.mu.Lock()
	defer u.mu.Unlock()
	u.users[a.Name] = recordedUser{User: user, Found: ok}
	return nil
}

func (u *userRecorder) get(name string) recordedUser {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.users[name]
}

func TestAuthentication(t *testing.T) {
	for _, tc := range []struct {
		name      string
		anonymous bool
		header    string
		code      int
		want      recordedUser
	}{
		{name: "good-token", header: "Bearer good", code: http.StatusCreated,
			want: recordedUser{User: UserInfo{Name: "alice", UID: "u-1", Groups: []string{"devs", GroupAuthenticated}}, Found: true}},
		{name: "bad-token", header: "Bearer bad", code: http.StatusUnauthorized},
		{name: "bad-token-anonymous-allowed", anonymous: true, header: "Bearer bad", code: http.StatusUnauthorized},
		{name: "undecided", anonymous: true, header: "Bearer broken", code: http.StatusUnauthorized},
		{name: "no-credentials", code: http.StatusUnauthorized},
		{name: "no-credentials-anonymous-allowed", anonymous: true, code: http.StatusCreated,
			want: recordedUser{User: UserInfo{Name: UserAnonymous, Groups: []string{GroupUnauthenticated}}, Found: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &userRecorder{users: map[string]recordedUser{}}
			e := newEnv(t, Options{Authenticator: tokenAuthenticator, AllowAnonymous: tc.anonymous, Validating: []ValidatingAdmission{rec}})
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Authorization", tc.header}
			}
			code, b := e.do("POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"c"}}`, hdr...)
			if code != tc.code {
				t.Fatalf("create: code %d, want %d: %s", code, tc.code, b)
			}
			if code == http.StatusUnauthorized {
				st := status(t, b)
				want := metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusFailure,
					Message: "Unauthorized", Reason: metav1.StatusReasonUnauthorized, Code: http.StatusUnauthorized}
				if diff := cmp.Diff(want, st); diff != "" {
					t.Errorf("401 Status (-want +got):\n%s", diff)
				}
				if _, err := e.s.store.Get(context.Background(), "/registry/core/configmaps/default/c", store.ReadOptions{}); err == nil {
					t.Error("the refused create was stored")
				}
				return
			}
			if diff := cmp.Diff(tc.want, rec.get("c")); diff != "" {
				t.Errorf("user seen by admission (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoAuthenticatorServesWithoutUser(t *testing.T) {
	rec := &userRecorder{users: map[string]recordedUser{}}
	e := newEnv(t, Options{Validating: []ValidatingAdmission{rec}})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"c"}}`, nil,
		"Authorization", "Bearer anything")
	if got := rec.get("c"); got.Found {
		t.Errorf("a server without an authenticator put user %+v in the context", got.User)
	}
	var cm corev1.ConfigMap
	e.must(http.StatusOK, "GET", "/api/v1/namespaces/default/configmaps/c", nil, &cm)
}

func TestAuthenticatedRequestLosesAuthorizationHeader(t *testing.T) {
	e := newEnv(t, Options{Authenticator: tokenAuthenticator})
	// Every endpoint is authenticated, health checks included.
	e.must(http.StatusOK, "GET", "/healthz", nil, nil, "Authorization", "Bearer good")
	if code, b := e.do("GET", "/healthz", nil); code != http.StatusUnauthorized {
		t.Errorf("GET /healthz without credentials: %d %s", code, b)
	}
	// What follows authentication sees the user, not the token.
	req := mustRequest(t, "GET", "/api/v1/namespaces/default/configmaps")
	req.Header.Set("Authorization", "Bearer good")
	out, ok := e.s.authenticate(newRecorder(), req)
	if !ok {
		t.Fatal("authenticate refused a good token")
	}
	got := []string{out.Header.Get("Authorization"), req.Header.Get("Authorization")}
	if diff := cmp.Diff([]string{"", "Bearer good"}, got); diff != "" {
		t.Errorf("Authorization header after, before authentication (-want +got):\n%s", diff)
	}
	u, ok := UserFrom(out.Context())
	if diff := cmp.Diff(UserInfo{Name: "alice", UID: "u-1", Groups: []string{"devs", GroupAuthenticated}}, u); !ok || diff != "" {
		t.Errorf("UserFrom found %v (-want +got):\n%s", ok, diff)
	}
}
