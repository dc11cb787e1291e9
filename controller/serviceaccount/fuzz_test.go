package serviceaccount_test

import (
	"context"
	"crypto"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/controller/serviceaccount"
)

// FuzzAuthenticateToken feeds arbitrary strings, and mutations of a good
// token, to the verifier: it must never panic, and only the good token
// itself may authenticate.
func FuzzAuthenticateToken(f *testing.F) {
	ec, _ := keys(f)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	iss, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: issuerURL, Key: ec, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	good, err := iss.Issue(serviceaccount.TokenRequest{Namespace: "ci", Name: "builder", UID: "sa-uid"})
	if err != nil {
		f.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "builder", UID: "sa-uid"}}
	v, err := serviceaccount.NewVerifier(serviceaccount.VerifierOptions{
		Issuers: []string{issuerURL},
		Keys:    []crypto.PublicKey{ec.Public()},
		ServiceAccount: func(_ context.Context, ns, name string) (*corev1.ServiceAccount, error) {
			if ns == "ci" && name == "builder" {
				return sa, nil
			}
			return nil, notFound("serviceaccount", name)
		},
		Now: func() time.Time { return now },
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{good, good[:len(good)/2], "", ".", "..", "a.b.c", `{"alg":"none"}`, good + "x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		u, ok, err := v.AuthenticateToken(context.Background(), token)
		if err != nil {
			t.Fatalf("error for token %q: %v", token, err)
		}
		if ok && token != good {
			t.Fatalf("token %q authenticated as %+v", token, u)
		}
	})
}

func BenchmarkAuthenticateToken(b *testing.B) {
	ec, _ := keys(b)
	iss, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: issuerURL, Key: ec})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := iss.Issue(serviceaccount.TokenRequest{Namespace: "ci", Name: "builder", UID: "sa-uid"})
	if err != nil {
		b.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "builder", UID: "sa-uid"}}
	v, err := serviceaccount.NewVerifier(serviceaccount.VerifierOptions{
		Issuers: []string{issuerURL},
		Keys:    []crypto.PublicKey{ec.Public()},
		ServiceAccount: func(context.Context, string, string) (*corev1.ServiceAccount, error) {
			return sa, nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, ok, err := v.AuthenticateToken(context.Background(), tok); !ok || err != nil {
			b.Fatalf("ok %v err %v", ok, err)
		}
	}
}
