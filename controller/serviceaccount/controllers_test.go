package serviceaccount_test

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/serviceaccount"
)

// fixture is an API server with the service account and token controllers
// running.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	c       *client.Client
	issuer  *serviceaccount.Issuer
	nss     *client.Resource[corev1.Namespace]
	sas     *client.Resource[corev1.ServiceAccount]
	secrets *client.Resource[corev1.Secret]
}

const rootCA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func start(t *testing.T) *fixture {
	t.Helper()
	env := envtest.Start(t)
	ec, _ := keys(t)
	issuer, err := serviceaccount.NewIssuer(serviceaccount.IssuerOptions{Issuer: issuerURL, Key: ec})
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := serviceaccount.Add(mgr, env.Client, serviceaccount.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := serviceaccount.AddTokens(mgr, env.Client, serviceaccount.TokensOptions{Issuer: issuer, RootCA: []byte(rootCA)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("manager Start: %v", err)
		}
	})
	return &fixture{t: t, ctx: t.Context(), c: env.Client, issuer: issuer,
		nss:     mustResource[corev1.Namespace](t, env.Client),
		sas:     mustResource[corev1.ServiceAccount](t, env.Client),
		secrets: mustResource[corev1.Secret](t, env.Client),
	}
}

func mustResource[T any, PT client.Object[T]](t *testing.T, c *client.Client) *client.Resource[T] {
	t.Helper()
	r, err := client.For[T, PT](c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// waitFor polls cond until it holds, failing the test after 20 s with
// cond's last description of the state.
func (f *fixture) waitFor(what string, cond func() (bool, string)) {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond) // polling interval, not synchronisation
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		<-tick.C
	}
}

// defaultAccount waits for the default service account of ns and returns
// it.
func (f *fixture) defaultAccount(ns string, notUID types.UID) *corev1.ServiceAccount {
	f.t.Helper()
	var sa *corev1.ServiceAccount
	f.waitFor("service account default in "+ns, func() (bool, string) {
		got, err := f.sas.Namespace(ns).Get(f.ctx, "default", client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		sa = got
		return got.UID != notUID, "uid " + string(got.UID)
	})
	return sa
}

func TestDefaultServiceAccount(t *testing.T) {
	f := start(t)
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		f.defaultAccount(ns, "")
	}
	if _, err := f.nss.Create(f.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	first := f.defaultAccount("team", "")
	// Deleted, it comes back as a new object.
	if err := f.sas.Namespace("team").Delete(f.ctx, "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.defaultAccount("team", first.UID)
}

// TestNoAccountInTerminatingNamespace reconciles a namespace being deleted
// (no namespace controller runs, so it stays Terminating) whose default
// account was deleted: none is created.
func TestNoAccountInTerminatingNamespace(t *testing.T) {
	env := envtest.Start(t)
	ctx := t.Context()
	nss := mustResource[corev1.Namespace](t, env.Client)
	sas := mustResource[corev1.ServiceAccount](t, env.Client)
	if _, err := nss.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "leaving"}}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	nsInf := client.NewInformer(nss, client.InformerOptions{})
	saInf := client.NewInformer(sas, client.InformerOptions{})
	r, err := serviceaccount.NewReconciler(env.Client, nsInf, saInf, serviceaccount.Options{Names: []string{"default", "builder"}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = nsInf.Run(runCtx) })
	wg.Go(func() { _ = saInf.Run(runCtx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	if !client.WaitForCacheSync(ctx, nsInf, saInf) {
		t.Fatal("caches did not sync")
	}
	req := controller.Request{NamespacedName: types.NamespacedName{Name: "leaving"}}
	if _, err := r.Reconcile(ctx, req); err != nil {
		t.Fatal(err)
	}
	list, err := sas.Namespace("leaving").List(ctx, client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sa := range list.Items {
		got = append(got, sa.Name)
	}
	if diff := cmp.Diff([]string{"builder", "default"}, got); diff != "" {
		t.Fatalf("accounts of an active namespace (-want +got):\n%s", diff)
	}

	if err := nss.Delete(ctx, "leaving", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sas.Namespace("leaving").Delete(ctx, "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t}
	f.waitFor("the caches to see the namespace terminating and the account gone", func() (bool, string) {
		ns, err := nsInf.Lister().Get("", "leaving")
		if err != nil {
			return false, err.Error()
		}
		_, saErr := saInf.Lister().Get("leaving", "default")
		return ns.DeletionTimestamp != nil && client.IsNotFound(saErr), fmt.Sprintf("namespace phase %s, account %v", ns.Status.Phase, saErr)
	})
	if _, err := r.Reconcile(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := sas.Namespace("leaving").Get(ctx, "default", client.GetOptions{}); !client.IsNotFound(err) {
		t.Errorf("account default in a terminating namespace: %v, want not found", err)
	}
}

func TestTokenSecrets(t *testing.T) {
	f := start(t)
	sa, err := f.sas.Namespace("default").Create(f.ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "builder"}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secrets := f.secrets.Namespace("default")
	for _, name := range []string{"builder-token", "orphan-token"} {
		account := "builder"
		if name == "orphan-token" {
			account = "nobody"
		}
		if _, err := secrets.Create(f.ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{corev1.ServiceAccountNameKey: account}},
			Type:       corev1.SecretTypeServiceAccountToken,
		}, client.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var filled *corev1.Secret
	f.waitFor("the token secret to be filled", func() (bool, string) {
		s, err := secrets.Get(f.ctx, "builder-token", client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		filled = s
		return len(s.Data[corev1.ServiceAccountTokenKey]) > 0, fmt.Sprintf("keys %v", len(s.Data))
	})
	if diff := cmp.Diff(map[string]string{corev1.ServiceAccountNameKey: "builder", corev1.ServiceAccountUIDKey: string(sa.UID)}, filled.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	if got := map[string]string{"ca.crt": string(filled.Data["ca.crt"]), "namespace": string(filled.Data["namespace"])}; !cmp.Equal(got, map[string]string{"ca.crt": rootCA, "namespace": "default"}) {
		t.Errorf("ca.crt and namespace: %v", got)
	}
	// A secret naming an account that does not exist is deleted.
	f.waitFor("the token secret of a missing account to be deleted", func() (bool, string) {
		_, err := secrets.Get(f.ctx, "orphan-token", client.GetOptions{})
		return client.IsNotFound(err), fmt.Sprint(err)
	})

	// The token authenticates while its secret and account exist.
	v, err := serviceaccount.NewVerifier(serviceaccount.VerifierOptions{
		Issuers: []string{issuerURL},
		Keys:    []crypto.PublicKey{f.issuer.PublicKey()},
		ServiceAccount: func(ctx context.Context, ns, name string) (*corev1.ServiceAccount, error) {
			return f.sas.Namespace(ns).Get(ctx, name, client.GetOptions{})
		},
		Secret: func(ctx context.Context, ns, name string) (*corev1.Secret, error) {
			return f.secrets.Namespace(ns).Get(ctx, name, client.GetOptions{})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	token := string(filled.Data[corev1.ServiceAccountTokenKey])
	u, ok, err := v.AuthenticateToken(f.ctx, token)
	if err != nil || !ok || u.Name != "system:serviceaccount:default:builder" || u.UID != string(sa.UID) {
		t.Fatalf("legacy token: %+v, %v, %v", u, ok, err)
	}
	// Deleting the account deletes its token secret, and the token no
	// longer authenticates.
	if err := f.sas.Namespace("default").Delete(f.ctx, "builder", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitFor("the token secret of a deleted account to be deleted", func() (bool, string) {
		_, err := secrets.Get(f.ctx, "builder-token", client.GetOptions{})
		return client.IsNotFound(err), fmt.Sprint(err)
	})
	if _, ok, err := v.AuthenticateToken(f.ctx, token); ok || err != nil {
		t.Errorf("token of a deleted account: ok %v, err %v", ok, err)
	}
}
