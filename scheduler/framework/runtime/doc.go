// Package runtime runs a profile's plugins: Framework builds each plugin of
// a Profile from a Registry, sorts them by extension point, and runs each
// extension point with Kubernetes' semantics (order, short-circuits,
// parallelism over nodes, score normalisation and weights, Permit waiting).
// A Framework is also the framework.Handle its plugins receive.
//
// Where to start: NewFramework(ctx, registry, profile, options...). Plugin
// tests build one over a cache.Snapshot with WithSnapshotSharedLister and
// call the Run* methods.
package runtime
