package serviceaccount

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
)

// TokensName is the token controller's name in logs and metrics.
const TokensName = "serviceaccount-token"

// TokensOptions configure AddTokens and NewTokensReconciler.
type TokensOptions struct {
	// Issuer signs the tokens. Required.
	Issuer *Issuer
	// RootCA, when set, is stored under "ca.crt" in every token Secret:
	// the PEM certificates a pod needs to trust the API server. Default
	// nil: no ca.crt.
	RootCA []byte
	// Controller are the controller's options. Default: the zero
	// controller.Options.
	Controller controller.Options
}

// TokensReconciler fills Secrets of type kubernetes.io/service-account-
// token, as Kubernetes' token controller does for the ones users create:
// a Secret annotated with kubernetes.io/service-account.name gets a legacy
// token of that service account under "token", "namespace", "ca.crt" (when
// configured) and the annotation kubernetes.io/service-account.uid. A token
// Secret whose service account does not exist, or exists with another uid
// than the annotation says, is deleted, after a live read confirms it.
// Requests name a Secret. Reconcile may be called from several goroutines
// at once.
type TokensReconciler struct {
	opts    TokensOptions
	secrets *client.Resource[corev1.Secret]
	sas     *client.Resource[corev1.ServiceAccount]
	secList *client.Lister[corev1.Secret]
	saList  *client.Lister[corev1.ServiceAccount]
}

var _ controller.Reconciler = (*TokensReconciler)(nil)

// NewTokensReconciler returns a TokensReconciler reading Secrets and
// ServiceAccounts from the informers' caches and writing through c. It
// fails when an argument or opts.Issuer is nil.
func NewTokensReconciler(c *client.Client, secInf *client.Informer[corev1.Secret], saInf *client.Informer[corev1.ServiceAccount], opts TokensOptions) (*TokensReconciler, error) {
	if c == nil || secInf == nil || saInf == nil {
		return nil, errors.New("new token reconciler: nil client or informer")
	}
	if opts.Issuer == nil {
		return nil, errors.New("new token reconciler: nil Issuer")
	}
	secrets, err := client.For[corev1.Secret](c)
	if err != nil {
		return nil, fmt.Errorf("new token reconciler: %w", err)
	}
	sas, err := client.For[corev1.ServiceAccount](c)
	if err != nil {
		return nil, fmt.Errorf("new token reconciler: %w", err)
	}
	return &TokensReconciler{opts: opts, secrets: secrets, sas: sas, secList: secInf.Lister(), saList: saInf.Lister()}, nil
}

// AddTokens makes the token controller with mgr's Secret and
// ServiceAccount informers and adds it to mgr, which runs it on Start.
func AddTokens(mgr *controller.Manager, c *client.Client, opts TokensOptions) (*controller.Controller, error) {
	secInf, err := client.InformerFor[corev1.Secret](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add token controller: %w", err)
	}
	saInf, err := client.InformerFor[corev1.ServiceAccount](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add token controller: %w", err)
	}
	r, err := NewTokensReconciler(c, secInf, saInf, opts)
	if err != nil {
		return nil, err
	}
	ctrl, err := mgr.NewController(TokensName, r, opts.Controller)
	if err != nil {
		return nil, fmt.Errorf("add token controller: %w", err)
	}
	if err := controller.Watch(ctrl, secInf); err != nil {
		return nil, fmt.Errorf("add token controller: %w", err)
	}
	// A service account's change (created, replaced, deleted) concerns
	// the token Secrets that name it.
	err = controller.Watches(ctrl, saInf, func(sa *corev1.ServiceAccount) []controller.Request {
		var out []controller.Request
		for _, s := range r.secList.ListNamespace(sa.Namespace, nil) {
			if s.Type == corev1.SecretTypeServiceAccountToken && s.Annotations[corev1.ServiceAccountNameKey] == sa.Name {
				out = append(out, controller.Request{NamespacedName: types.NamespacedName{Namespace: s.Namespace, Name: s.Name}})
			}
		}
		return out
	})
	if err != nil {
		return nil, fmt.Errorf("add token controller: %w", err)
	}
	return ctrl, nil
}

// Reconcile fills or deletes the token Secret req names.
func (r *TokensReconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	sec, err := r.secList.Get(req.Namespace, req.Name)
	if client.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, fmt.Errorf("get secret %s: %w", req.NamespacedName, err)
	}
	saName := sec.Annotations[corev1.ServiceAccountNameKey]
	if sec.Type != corev1.SecretTypeServiceAccountToken || sec.DeletionTimestamp != nil || saName == "" {
		return controller.Result{}, nil
	}
	wantUID := types.UID(sec.Annotations[corev1.ServiceAccountUIDKey])
	sa, err := r.saList.Get(sec.Namespace, saName)
	if err != nil && !client.IsNotFound(err) {
		return controller.Result{}, fmt.Errorf("get service account %s/%s: %w", sec.Namespace, saName, err)
	}
	if err != nil || (wantUID != "" && sa.UID != wantUID) {
		// The cache may lag: read the service account live before
		// deleting anything.
		sa, err = r.sas.Namespace(sec.Namespace).Get(ctx, saName, client.GetOptions{})
		if err != nil && !client.IsNotFound(err) {
			return controller.Result{}, fmt.Errorf("get service account %s/%s: %w", sec.Namespace, saName, err)
		}
		if err != nil || (wantUID != "" && sa.UID != wantUID) {
			return controller.Result{}, r.deleteSecret(ctx, sec)
		}
	}

	upd := sec.DeepCopy()
	if upd.Data == nil {
		upd.Data = map[string][]byte{}
	}
	if upd.Annotations == nil {
		upd.Annotations = map[string]string{}
	}
	changed := false
	if upd.Annotations[corev1.ServiceAccountUIDKey] != string(sa.UID) {
		upd.Annotations[corev1.ServiceAccountUIDKey] = string(sa.UID)
		changed = true
	}
	if len(upd.Data[corev1.ServiceAccountTokenKey]) == 0 {
		tok, err := r.opts.Issuer.IssueLegacy(sa.Namespace, sa.Name, sa.UID, sec.Name)
		if err != nil {
			return controller.Result{}, fmt.Errorf("secret %s: %w", req.NamespacedName, err)
		}
		upd.Data[corev1.ServiceAccountTokenKey] = []byte(tok)
		changed = true
	}
	if string(upd.Data[corev1.ServiceAccountNamespaceKey]) != sec.Namespace {
		upd.Data[corev1.ServiceAccountNamespaceKey] = []byte(sec.Namespace)
		changed = true
	}
	if len(r.opts.RootCA) > 0 && !bytes.Equal(upd.Data[corev1.ServiceAccountRootCAKey], r.opts.RootCA) {
		upd.Data[corev1.ServiceAccountRootCAKey] = bytes.Clone(r.opts.RootCA)
		changed = true
	}
	if !changed {
		return controller.Result{}, nil
	}
	_, err = r.secrets.Namespace(sec.Namespace).Update(ctx, upd, client.UpdateOptions{})
	switch {
	case client.IsNotFound(err):
		return controller.Result{}, nil
	case client.IsConflict(err):
		// The cache is behind: the newer version's event requeues it.
		return controller.Result{Requeue: true}, nil
	case err != nil:
		return controller.Result{}, fmt.Errorf("fill token secret %s: %w", req.NamespacedName, err)
	}
	return controller.Result{}, nil
}

// deleteSecret deletes a token Secret whose service account is gone.
func (r *TokensReconciler) deleteSecret(ctx context.Context, sec *corev1.Secret) error {
	uid := sec.UID
	err := r.secrets.Namespace(sec.Namespace).Delete(ctx, sec.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !client.IsNotFound(err) && !client.IsConflict(err) {
		return fmt.Errorf("delete token secret %s/%s of a missing service account: %w", sec.Namespace, sec.Name, err)
	}
	return nil
}
