package serviceaccount

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/names"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
)

// Name is the ServiceAccounts controller's name in logs and metrics.
const Name = "serviceaccount"

// DefaultName is the service account every namespace gets: "default".
const DefaultName = "default"

// Options configure Add and NewReconciler; the zero value works.
type Options struct {
	// Names are the service accounts every active namespace gets.
	// Default []string{DefaultName}.
	Names []string
	// Controller are the controller's options. Default: the zero
	// controller.Options.
	Controller controller.Options
}

// Reconciler makes sure every active namespace has the service accounts
// Options.Names: it creates those missing, again when one is deleted, and
// none in a namespace being deleted. Requests name a namespace (Name).
// Reconcile may be called from several goroutines at once.
type Reconciler struct {
	names  []string
	sas    *client.Resource[corev1.ServiceAccount]
	nsList *client.Lister[corev1.Namespace]
	saList *client.Lister[corev1.ServiceAccount]
}

var _ controller.Reconciler = (*Reconciler)(nil)

// NewReconciler returns a Reconciler that reads Namespaces and
// ServiceAccounts from the informers' caches and creates through c. It
// fails when an argument is nil or a name is not a valid object name.
func NewReconciler(c *client.Client, nsInf *client.Informer[corev1.Namespace], saInf *client.Informer[corev1.ServiceAccount], opts Options) (*Reconciler, error) {
	if c == nil || nsInf == nil || saInf == nil {
		return nil, errors.New("new service account reconciler: nil client or informer")
	}
	accounts := opts.Names
	if len(accounts) == 0 {
		accounts = []string{DefaultName}
	}
	for _, n := range accounts {
		if msgs := names.IsDNS1123Subdomain(n); len(msgs) > 0 {
			return nil, fmt.Errorf("new service account reconciler: name %q: %s", n, strings.Join(msgs, "; "))
		}
	}
	sas, err := client.For[corev1.ServiceAccount](c)
	if err != nil {
		return nil, fmt.Errorf("new service account reconciler: %w", err)
	}
	return &Reconciler{names: slices.Clone(accounts), sas: sas, nsList: nsInf.Lister(), saList: saInf.Lister()}, nil
}

// Add makes the ServiceAccounts controller with mgr's Namespace and
// ServiceAccount informers and adds it to mgr, which runs it on Start.
func Add(mgr *controller.Manager, c *client.Client, opts Options) (*controller.Controller, error) {
	nsInf, err := client.InformerFor[corev1.Namespace](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add service account controller: %w", err)
	}
	saInf, err := client.InformerFor[corev1.ServiceAccount](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add service account controller: %w", err)
	}
	r, err := NewReconciler(c, nsInf, saInf, opts)
	if err != nil {
		return nil, err
	}
	ctrl, err := mgr.NewController(Name, r, opts.Controller)
	if err != nil {
		return nil, fmt.Errorf("add service account controller: %w", err)
	}
	if err := controller.Watch(ctrl, nsInf); err != nil {
		return nil, fmt.Errorf("add service account controller: %w", err)
	}
	err = controller.Watches(ctrl, saInf, func(sa *corev1.ServiceAccount) []controller.Request {
		if !slices.Contains(r.names, sa.Name) {
			return nil
		}
		return []controller.Request{{NamespacedName: types.NamespacedName{Name: sa.Namespace}}}
	})
	if err != nil {
		return nil, fmt.Errorf("add service account controller: %w", err)
	}
	return ctrl, nil
}

// Reconcile creates the missing service accounts of the namespace
// req.Name, if it exists and is active.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	ns, err := r.nsList.Get("", req.Name)
	if client.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, fmt.Errorf("get namespace %s: %w", req.Name, err)
	}
	if ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return controller.Result{}, nil
	}
	var errs []error
	for _, name := range r.names {
		if _, err := r.saList.Get(ns.Name, name); err == nil {
			continue
		} else if !client.IsNotFound(err) {
			errs = append(errs, err)
			continue
		}
		_, err := r.sas.Namespace(ns.Name).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, client.CreateOptions{})
		switch {
		case err == nil, client.IsAlreadyExists(err):
		case client.IsForbidden(err):
			// The namespace began terminating meanwhile: its update
			// will be seen next.
		default:
			errs = append(errs, fmt.Errorf("create service account %s/%s: %w", ns.Name, name, err))
		}
	}
	return controller.Result{}, errors.Join(errs...)
}
