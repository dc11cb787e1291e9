// Package namespace is the namespace controller: it empties a namespace that
// is being deleted and then releases it, as Kubernetes' namespace
// controller does.
//
// Deleting a Namespace does not remove it at once: the API server sets its
// deletionTimestamp, reports it as Terminating and keeps it while
// spec.finalizers holds the "kubernetes" finalizer. For such a namespace
// the controller
//
//  1. discovers every namespaced resource the API server serves
//     (/api/v1 and the preferred version of each group under /apis), so
//     users' own kinds are included;
//  2. deletes every object of each resource in the namespace, with one
//     deletecollection call where discovery lists that verb and object by
//     object otherwise; objects keep their own grace period (a bound pod
//     stays until its kubelet finishes it);
//  3. lists each resource again and, while objects remain, writes the
//     namespace's status conditions and requeues after RequeueInterval;
//  4. when nothing remains, removes "kubernetes" from spec.finalizers through
//     the finalize subresource (PUT /api/v1/namespaces/{name}/finalize), and
//     the API server deletes the namespace.
//
// The conditions are Kubernetes' five (NamespaceDeletionDiscoveryFailure,
// NamespaceDeletionGroupVersionParsingFailure,
// NamespaceDeletionContentFailure, NamespaceContentRemaining,
// NamespaceFinalizersRemaining) with Kubernetes' reasons; their messages are
// simplified. Namespaces that are not being deleted, or whose spec.finalizers
// no longer hold "kubernetes", are left alone.
//
// Register it with a Manager through Add.
package namespace
