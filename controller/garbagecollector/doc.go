// Package garbagecollector is Kubernetes' garbage collector: it deletes
// objects whose owners (metadata.ownerReferences) are gone, and carries
// out the propagation policies a delete asks for.
//
// # Where to start
//
// Make a collector over a client with New and Run it until your program
// ends:
//
//	gc, err := garbagecollector.New(c, garbagecollector.Options{})
//	go gc.Run(ctx)
//
// It watches every built-in kind (DefaultResources) with informers of
// object metadata only; add your own kinds, served with apiserver.Register,
// with Options.ExtraResources. From what the informers report it keeps a
// graph of owners and dependents (graph.go, a synchronous core without
// I/O); workers act on the objects the graph's changes point at.
//
// # What it does
//
//   - Background (the default policy): once an owner is gone, each
//     dependent whose owners are all gone is deleted. Before calling an
//     owner gone the collector confirms it with a live GET (by name, in
//     the dependent's namespace for namespaced kinds, and comparing uids),
//     so that a lagging informer never causes a deletion. A dependent that
//     still has an owner loses only its references to the owners that are
//     gone.
//   - Foreground: the API server holds the owner with a deletionTimestamp
//     and the foregroundDeletion finalizer; the collector deletes its
//     dependents (those with dependents of their own in the foreground
//     too) and removes the finalizer once no dependent with
//     blockOwnerDeletion=true remains, so the owner goes last.
//   - Orphan: the API server holds the owner with the orphan finalizer; the
//     collector removes the owner's references from its dependents, then
//     the finalizer.
//
// Ownership cycles do not hang a foreground deletion: an object whose owner
// and dependent both wait for their dependents stops blocking its owners
// before it is deleted, as Kubernetes does. A cluster-scoped object that
// names a namespaced owner is never collected: the reference cannot
// resolve; the collector logs it and records a Warning Event with reason
// OwnerRefInvalidNamespace. References to kinds the collector does not
// watch count as present owners.
package garbagecollector
