package serviceaccount_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/serviceaccount"
)

// ExampleNewIssuer issues a token for a service account and verifies it,
// looking the account up through a lister.
func ExampleNewIssuer() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fmt.Println(err)
		return
	}
	issuer, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: "https://kubernetes.default.svc", Key: key})
	if err != nil {
		fmt.Println(err)
		return
	}
	builder := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "builder", UID: "5b3c"}}
	token, err := issuer.Issue(serviceaccount.TokenRequest{Namespace: "ci", Name: "builder", UID: builder.UID})
	if err != nil {
		fmt.Println(err)
		return
	}

	// An informer's lister would do; here is a cache filled by hand.
	cache, err := client.NewIndexer[corev1.ServiceAccount](nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = cache.Add(builder)
	accounts := client.NewLister(cache, "serviceaccounts")
	verifier, err := serviceaccount.NewVerifier(serviceaccount.VerifierOptions{
		Issuers: []string{issuer.Issuer()},
		Keys:    []crypto.PublicKey{issuer.PublicKey()},
		ServiceAccount: func(_ context.Context, ns, name string) (*corev1.ServiceAccount, error) {
			return accounts.Get(ns, name)
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	user, ok, err := verifier.AuthenticateToken(context.Background(), token)
	fmt.Println(ok, err)
	fmt.Println(user.Name)
	fmt.Println(user.Groups)
	// Output:
	// true <nil>
	// system:serviceaccount:ci:builder
	// [system:serviceaccounts system:serviceaccounts:ci system:authenticated]
}

// ExampleAdd runs the ServiceAccounts controller in a Manager against an
// in-process API server: a new namespace gets its default account.
func ExampleAdd() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := envtest.New(ctx, envtest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := serviceaccount.Add(mgr, env.Client, serviceaccount.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	stopped := make(chan error, 1)
	go func() { stopped <- mgr.Start(ctx) }()
	defer func() { cancel(); <-stopped }()

	nss, _ := client.For[corev1.Namespace](env.Client)
	sas, _ := client.For[corev1.ServiceAccount](env.Client)
	if _, err := nss.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}, client.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if sa, err := sas.Namespace("team").Get(ctx, "default", client.GetOptions{}); err == nil {
			fmt.Println(serviceaccount.UserName(sa.Namespace, sa.Name))
			return
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	fmt.Println("timed out")
	// Output: system:serviceaccount:team:default
}
