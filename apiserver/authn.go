package apiserver

import (
	"context"
	"net/http"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The user and groups of authentication, as Kubernetes names them.
const (
	// UserAnonymous is the user of a request without credentials when
	// Options.AllowAnonymous is set.
	UserAnonymous = "system:anonymous"
	// GroupUnauthenticated is the group of UserAnonymous.
	GroupUnauthenticated = "system:unauthenticated"
	// GroupAuthenticated is the group Kubernetes gives every
	// authenticated user; authenticators add it themselves.
	GroupAuthenticated = "system:authenticated"
)

// UserInfo is who made a request, as an Authenticator says: a user name
// ("system:serviceaccount:default:builder", "alice"), its uid, the groups
// it belongs to and any extra attributes. Holders of a UserInfo must not
// modify its slices and map: they may be shared.
type UserInfo struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// Authenticator finds who made a request from its credentials (a bearer
// token in the Authorization header, a client certificate, ...).
//
// Authenticate reports ok == true with the user when the credentials are
// good; ok == false when the request carries no credentials it knows or
// they are not good (a bad signature, an expired token, an account that no
// longer exists); and an error only when it could not decide (a lookup
// failed), which the server answers with 401 as well and logs.
// Authenticate is called for every request, from many goroutines at once,
// and must not read the request body.
type Authenticator interface {
	Authenticate(r *http.Request) (UserInfo, bool, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (UserInfo, bool, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (UserInfo, bool, error) { return f(r) }

var _ Authenticator = AuthenticatorFunc(nil)

type userKey struct{}

// WithUser returns a copy of ctx carrying u, as the server does for an
// authenticated request; handlers and admission plugins read it back with
// UserFrom.
func WithUser(ctx context.Context, u UserInfo) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user of the request whose context is ctx, and
// false when there is none: when the server has no Options.Authenticator
// every request is served without a user.
func UserFrom(ctx context.Context) (UserInfo, bool) {
	u, ok := ctx.Value(userKey{}).(UserInfo)
	return u, ok
}

// authenticate runs the configured Authenticator on r. It returns r with
// the user in its context, or false after answering 401 Unauthorized: for
// credentials the authenticator does not accept, and for a request
// without credentials unless Options.AllowAnonymous is set (the request
// then runs as UserAnonymous). A request it authenticates has its
// Authorization header removed, as Kubernetes does, so that the token goes
// no further. Without an authenticator r is returned unchanged.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	a := s.opts.Authenticator
	if a == nil {
		return r, true
	}
	u, ok, err := a.Authenticate(r)
	if err != nil {
		s.log.Error(err, "authentication failed", "method", r.Method, "path", r.URL.Path)
		ok = false
	}
	if !ok {
		hasCredentials := r.Header.Get("Authorization") != "" || (r.TLS != nil && len(r.TLS.PeerCertificates) > 0)
		if hasCredentials || err != nil || !s.opts.AllowAnonymous {
			s.writeError(w, newStatus(http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "Unauthorized", nil))
			return nil, false
		}
		u = UserInfo{Name: UserAnonymous, Groups: []string{GroupUnauthenticated}}
	} else {
		r = r.Clone(r.Context())
		r.Header.Del("Authorization")
	}
	return r.WithContext(WithUser(r.Context(), u)), true
}
