// Package serviceaccount gives pods an identity: the ServiceAccounts
// controller, service-account tokens (signed JWTs) and their verifier,
// and the token controller that fills legacy token Secrets.
//
// # Where to start
//
// Run the controllers in a controller.Manager:
//
//	issuer, _ := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: "https://kubernetes.default.svc", Key: key})
//	_, _ = serviceaccount.Add(mgr, c, serviceaccount.Options{})                                // a "default" account in every namespace
//	_, _ = serviceaccount.AddTokens(mgr, c, serviceaccount.TokensOptions{Issuer: issuer, RootCA: caPEM}) // fill token Secrets
//
// Issue tokens with Issuer.Issue (Kubernetes' bound tokens: iss, sub
// "system:serviceaccount:<ns>:<name>", aud, exp, iat, nbf, jti and the
// "kubernetes.io" claim with the namespace, the service account and, when
// bound, the pod), signed ES256 (P-256 keys) or RS256 (RSA keys).
//
// Verify them with a Verifier, which checks the signature, issuer,
// audience and expiry, and that the service account (and the bound pod,
// or the legacy token's Secret) still exists with the same uid, through
// getter functions that can read informers' caches. Its AuthenticateToken
// and AuthenticateRequest give the user "system:serviceaccount:<ns>:<name>"
// in the groups system:serviceaccounts, system:serviceaccounts:<ns> and
// system:authenticated. Controllers do not import the API server, so the
// Verifier does not know its types; wire it in with a few lines:
//
//	auth := apiserver.AuthenticatorFunc(func(r *http.Request) (apiserver.UserInfo, bool, error) {
//		u, ok, err := verifier.AuthenticateRequest(r)
//		return apiserver.UserInfo{Name: u.Name, UID: u.UID, Groups: u.Groups, Extra: u.Extra}, ok, err
//	})
//	srv, _ := apiserver.New(st, apiserver.Options{Authenticator: auth})
package serviceaccount
