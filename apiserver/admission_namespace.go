package apiserver

import (
	"context"
	"errors"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// immortalNamespaces may not be deleted.
var immortalNamespaces = map[string]bool{corev1.NamespaceDefault: true, "kube-system": true, "kube-public": true}

// namespaceLifecycle is Kubernetes' NamespaceLifecycle plugin: it refuses
// to create objects in a namespace that does not exist (404) or is being
// terminated (403, cause NamespaceTerminating), and to delete the
// namespaces default, kube-system and kube-public (403).
type namespaceLifecycle struct{ s *Server }

// Validate implements ValidatingAdmission.
func (p *namespaceLifecycle) Validate(ctx context.Context, a *Attributes) error {
	nsRes := p.s.lookup("", "namespaces")
	if nsRes == nil {
		return nil
	}
	if a.Operation == Delete && a.Group == "" && a.Resource == "namespaces" && immortalNamespaces[a.Name] {
		return errForbidden(nsRes, a.Name, errors.New("this namespace may not be deleted"))
	}
	if a.Operation != Create || a.Subresource != "" || a.Namespace == "" {
		return nil
	}
	obj, err := p.s.lookupObject(ctx, nsRes, "", a.Namespace)
	if err != nil {
		return err
	}
	if obj == nil {
		return errNotFound(nsRes, a.Namespace)
	}
	ns := obj.(*corev1.Namespace)
	if ns.DeletionTimestamp == nil && ns.Status.Phase != corev1.NamespaceTerminating {
		return nil
	}
	msg := fmt.Sprintf("unable to create new content in namespace %s because it is being terminated", a.Namespace)
	res := p.s.lookup(a.Group, a.Resource)
	if res == nil {
		res = nsRes
	}
	st := errForbidden(res, a.Name, errors.New(msg))
	st.Details.Causes = []metav1.StatusCause{{Type: corev1.NamespaceTerminatingCause, Message: msg, Field: "metadata.namespace"}}
	return st
}

// lookupObject returns an object for admission: from the watch cache, or,
// when the cache does not have it (it may not have caught up with a write
// just made), from the store. The cache is read only once it has caught up
// with this server's own last write of r (waiting up to
// consistentReadWait, else reading the store), so that a create right
// after this server marked a namespace terminating sees it terminating.
// It returns nil when the object does not exist. The object may be shared:
// it must not be modified.
func (s *Server) lookupObject(ctx context.Context, r *resource, ns, name string) (metav1.Object, error) {
	if r.cache != nil && s.cacheHasOwnWrites(ctx, r) {
		if co, _ := r.cache.get(r.key(ns, name)); co != nil {
			return co.object(r)
		}
	}
	obj, err := s.get(ctx, r, ns, name, "")
	if err != nil {
		if st := asStatus(err); st.Reason == metav1.StatusReasonNotFound {
			return nil, nil
		}
		return nil, err
	}
	return obj, nil
}

// cacheHasOwnWrites waits, up to consistentReadWait, until r's watch cache
// has applied this server's last write of r, and reports whether it has.
// It returns at once when the cache is current, the usual case.
func (s *Server) cacheHasOwnWrites(ctx context.Context, r *resource) bool {
	w := r.lastWrite.Load()
	if r.cache.revision() >= w {
		return true
	}
	wctx, cancel := context.WithTimeout(ctx, consistentReadWait)
	defer cancel()
	return r.cache.waitRev(wctx, w) == nil
}
