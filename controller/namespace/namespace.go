package namespace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
)

// Name is the controller's name in logs and metrics.
const Name = "namespace"

// RequeueInterval is how long the controller waits before it looks again
// at a namespace whose content is still being deleted (objects in their
// grace period or held by finalizers): 1 second.
const RequeueInterval = time.Second

// Reconciler empties and releases namespaces being deleted. Make one with
// NewReconciler. Reconcile may be called from several goroutines at once.
type Reconciler struct {
	c      *client.Client
	nss    *client.Resource[corev1.Namespace]
	nsList *client.Lister[corev1.Namespace]
	clock  controller.Clock
}

var _ controller.Reconciler = (*Reconciler)(nil)

// NewReconciler returns a Reconciler that reads Namespaces from nsInf's
// cache and discovers, deletes and finalizes through c. clock, which
// stamps condition transitions, defaults to controller.RealClock when nil.
// It fails when c or nsInf is nil.
func NewReconciler(c *client.Client, nsInf *client.Informer[corev1.Namespace], clock controller.Clock) (*Reconciler, error) {
	if c == nil || nsInf == nil {
		return nil, errors.New("new namespace reconciler: nil client or informer")
	}
	nss, err := client.For[corev1.Namespace](c)
	if err != nil {
		return nil, fmt.Errorf("new namespace reconciler: %w", err)
	}
	if clock == nil {
		clock = controller.RealClock{}
	}
	return &Reconciler{c: c, nss: nss, nsList: nsInf.Lister(), clock: clock}, nil
}

// Add makes the namespace controller with mgr's Namespace informer,
// Watches Namespaces and adds it to mgr, which runs it on Start. opts are
// the controller's options; their Clock stamps condition transitions.
func Add(mgr *controller.Manager, c *client.Client, opts controller.Options) (*controller.Controller, error) {
	nsInf, err := client.InformerFor[corev1.Namespace](mgr.Informers())
	if err != nil {
		return nil, fmt.Errorf("add namespace controller: %w", err)
	}
	r, err := NewReconciler(c, nsInf, opts.Clock)
	if err != nil {
		return nil, fmt.Errorf("add namespace controller: %w", err)
	}
	ctrl, err := mgr.NewController(Name, r, opts)
	if err != nil {
		return nil, fmt.Errorf("add namespace controller: %w", err)
	}
	if err := controller.Watch(ctrl, nsInf); err != nil {
		return nil, fmt.Errorf("add namespace controller: %w", err)
	}
	return ctrl, nil
}

// Reconcile handles the namespace req names (req.Name; the namespace is
// cluster-scoped). For a namespace being deleted that still holds the
// "kubernetes" finalizer it deletes the content, updates the status
// conditions, and either requeues after RequeueInterval while content
// remains or removes the finalizer. Other namespaces are left alone.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	ns, err := r.nsList.Get("", req.Name)
	if client.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, fmt.Errorf("get namespace %s: %w", req.Name, err)
	}
	if ns.DeletionTimestamp == nil || !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		return controller.Result{}, nil
	}

	res := r.deleteContent(ctx, ns.Name)
	var errs []error
	if res.discoveryErr != nil {
		errs = append(errs, res.discoveryErr)
	}
	errs = append(errs, res.deleteErrs...)
	conds := conditions(ns.Status.Conditions, res, r.clock.Now())
	if !conditionsEqual(ns.Status.Conditions, conds) {
		upd := ns.DeepCopy()
		upd.Status.Conditions = conds
		got, uerr := r.nss.UpdateStatus(ctx, upd, client.UpdateOptions{})
		switch {
		case client.IsNotFound(uerr):
			return controller.Result{}, nil
		case uerr != nil:
			errs = append(errs, fmt.Errorf("update status of namespace %s: %w", ns.Name, uerr))
		default:
			ns = got
		}
	}
	if err := errors.Join(errs...); err != nil {
		return controller.Result{}, fmt.Errorf("delete content of namespace %s: %w", ns.Name, err)
	}
	if len(res.remaining) > 0 {
		return controller.Result{RequeueAfter: RequeueInterval}, nil
	}
	if err := r.finalize(ctx, ns); err != nil {
		return controller.Result{}, err
	}
	return controller.Result{}, nil
}

// finalize removes the "kubernetes" finalizer from ns through the
// finalize subresource; the API server then deletes ns.
func (r *Reconciler) finalize(ctx context.Context, ns *corev1.Namespace) error {
	upd := ns.DeepCopy()
	upd.APIVersion, upd.Kind = "v1", "Namespace"
	upd.Spec.Finalizers = slices.DeleteFunc(upd.Spec.Finalizers, func(f corev1.FinalizerName) bool { return f == corev1.FinalizerKubernetes })
	body, err := json.Marshal(upd)
	if err != nil {
		return fmt.Errorf("finalize namespace %s: encode: %w", ns.Name, err)
	}
	resp, err := r.c.Do(ctx, client.Request{
		Method: http.MethodPut,
		Path:   "/api/v1/namespaces/" + url.PathEscape(ns.Name) + "/finalize",
		Body:   body,
	})
	if client.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("finalize namespace %s: %w", ns.Name, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return nil
}

// resource is one namespaced resource the controller empties.
type resource struct {
	groupVersion     string // "v1" or "apps/v1"
	name             string // plural, "pods"
	deleteCollection bool   // the server offers deletecollection
}

func (r resource) String() string {
	if gv := r.groupVersion; strings.Contains(gv, "/") {
		return r.name + "." + gv[:strings.Index(gv, "/")]
	}
	return r.name
}

// collectionPath is the resource's collection path in namespace ns.
func (r resource) collectionPath(ns string) string {
	prefix := "/apis/" + r.groupVersion
	if r.groupVersion == "v1" {
		prefix = "/api/v1"
	}
	return prefix + "/namespaces/" + url.PathEscape(ns) + "/" + r.name
}

// deletable returns the resources of lists whose objects live in a
// namespace and can be listed and deleted: no subresources, no
// cluster-scoped kinds. The order is that of lists.
func deletable(lists []metav1.APIResourceList) []resource {
	var out []resource
	for _, l := range lists {
		for _, ar := range l.APIResources {
			if !ar.Namespaced || strings.Contains(ar.Name, "/") {
				continue
			}
			if !slices.Contains(ar.Verbs, "list") || (!slices.Contains(ar.Verbs, "delete") && !slices.Contains(ar.Verbs, "deletecollection")) {
				continue
			}
			out = append(out, resource{
				groupVersion:     l.GroupVersion,
				name:             ar.Name,
				deleteCollection: slices.Contains(ar.Verbs, "deletecollection"),
			})
		}
	}
	return out
}

// getJSON GETs path and decodes the JSON answer into out.
func (r *Reconciler) getJSON(ctx context.Context, path string, out any) error {
	resp, err := r.c.Do(ctx, client.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return nil
}

// discover returns the resource lists of /api/v1 and of the preferred
// version of every group under /apis.
func (r *Reconciler) discover(ctx context.Context) ([]metav1.APIResourceList, error) {
	var core metav1.APIResourceList
	if err := r.getJSON(ctx, "/api/v1", &core); err != nil {
		return nil, fmt.Errorf("discover resources: %w", err)
	}
	lists := []metav1.APIResourceList{core}
	var groups metav1.APIGroupList
	if err := r.getJSON(ctx, "/apis", &groups); err != nil {
		return nil, fmt.Errorf("discover resources: %w", err)
	}
	var errs []error
	for _, g := range groups.Groups {
		gv := g.PreferredVersion.GroupVersion
		if gv == "" && len(g.Versions) > 0 {
			gv = g.Versions[0].GroupVersion
		}
		if gv == "" {
			continue
		}
		var l metav1.APIResourceList
		if err := r.getJSON(ctx, "/apis/"+gv, &l); err != nil {
			errs = append(errs, fmt.Errorf("discover resources of %s: %w", gv, err))
			continue
		}
		if l.GroupVersion == "" {
			l.GroupVersion = gv
		}
		lists = append(lists, l)
	}
	return lists, errors.Join(errs...)
}

// result is what one pass over a namespace's content found.
type result struct {
	discoveryErr error
	deleteErrs   []error
	// remaining counts the objects left per resource ("pods",
	// "deployments.apps"); finalizers counts the finalizers on them by
	// finalizer name.
	remaining  map[string]int
	finalizers map[string]int
}

// partialList is the part of a list answer the controller reads.
type partialList struct {
	Items []struct {
		Metadata struct {
			Name       string   `json:"name"`
			Finalizers []string `json:"finalizers"`
		} `json:"metadata"`
	} `json:"items"`
}

// deleteContent deletes every object in namespace ns and reports what is
// left. A discovery failure of one group does not stop the deletion of the
// resources that were discovered.
func (r *Reconciler) deleteContent(ctx context.Context, ns string) result {
	res := result{remaining: map[string]int{}, finalizers: map[string]int{}}
	lists, err := r.discover(ctx)
	res.discoveryErr = err
	for _, rs := range deletable(lists) {
		if err := r.deleteAll(ctx, ns, rs); err != nil {
			res.deleteErrs = append(res.deleteErrs, err)
			continue
		}
		var left partialList
		if err := r.getJSON(ctx, rs.collectionPath(ns), &left); err != nil {
			res.deleteErrs = append(res.deleteErrs, fmt.Errorf("list %s in namespace %s: %w", rs, ns, err))
			continue
		}
		if n := len(left.Items); n > 0 {
			res.remaining[rs.String()] += n
		}
		for _, it := range left.Items {
			for _, f := range it.Metadata.Finalizers {
				res.finalizers[f]++
			}
		}
	}
	return res
}

// deleteAll deletes the objects of rs in ns, with deletecollection when the
// server offers it and one by one otherwise. Objects keep their own grace
// periods.
func (r *Reconciler) deleteAll(ctx context.Context, ns string, rs resource) error {
	path := rs.collectionPath(ns)
	if rs.deleteCollection {
		resp, err := r.c.Do(ctx, client.Request{Method: http.MethodDelete, Path: path})
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			return nil
		}
		if !client.IsMethodNotSupported(err) && !client.IsNotFound(err) {
			return fmt.Errorf("delete collection of %s in namespace %s: %w", rs, ns, err)
		}
	}
	var items partialList
	if err := r.getJSON(ctx, path, &items); err != nil {
		return fmt.Errorf("list %s in namespace %s: %w", rs, ns, err)
	}
	var errs []error
	for _, it := range items.Items {
		resp, err := r.c.Do(ctx, client.Request{Method: http.MethodDelete, Path: path + "/" + url.PathEscape(it.Metadata.Name)})
		if err != nil {
			if !client.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete %s %s/%s: %w", rs, ns, it.Metadata.Name, err))
			}
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return errors.Join(errs...)
}
