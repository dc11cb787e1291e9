// Package apiserver serves a Kubernetes-compatible REST API over any
// store.Store, so that kubectl, client-go and Rigging's own client work
// against it: Kubernetes' paths, verbs, discovery documents, Status
// errors, resourceVersion semantics and watch framing.
//
// Start with New, which registers every kind of Rigging's api packages,
// then Start, which loads the watch caches and creates the built-in
// namespaces (default, kube-system, kube-public, kube-node-lease) and the
// system priority classes. The *Server is an http.Handler: mount it on an
// http.Server of your own (TLS is the caller's; Options.Authenticator
// authenticates requests, see authn.go). Close stops it. Register serves a kind of your own with the same
// machinery; its zero Strategy behaves like a Kubernetes custom resource
// with a status subresource.
//
// # Paths and verbs
//
//	/api, /apis, /apis/{group}                      discovery (APIVersions, APIGroupList, APIGroup)
//	/api/v1, /apis/{group}/{version}                APIResourceList: verbs, short names, categories, subresources
//	/version, /healthz, /livez, /readyz, /metrics   version.Info, health checks, Prometheus metrics
//	.../{plural}                                    list (GET), watch (GET ?watch=1), create (POST), deletecollection (DELETE)
//	.../{plural}/{name}                             get, update (PUT), patch (PATCH), delete
//	.../{plural}/{name}/status                      get, update, patch: status only
//	.../{plural}/{name}/scale                       get, update, patch an autoscaling/v1 Scale (Deployments, ReplicaSets, StatefulSets)
//	/api/v1/namespaces/{ns}/pods/{name}/binding     create a Binding: what a scheduler writes
//	/api/v1/namespaces/{ns}/pods/{name}/eviction    create an Eviction: a graceful delete (no PodDisruptionBudgets yet)
//	/api/v1/namespaces/{name}/finalize              update a namespace's spec.finalizers
//
// where "..." is /api/v1 or /apis/{group}/{version}, followed by
// /namespaces/{ns} for namespaced kinds; a namespaced kind is also listed
// and watched across all namespaces at /api/v1/{plural}. Bodies are JSON;
// PATCH takes application/merge-patch+json, application/json-patch+json and
// application/strategic-merge-patch+json (server-side apply is refused with
// 415). The query parameters dryRun=All, fieldValidation=Strict,
// labelSelector, fieldSelector (on the fields each kind allows, as
// Kubernetes), limit, continue, resourceVersion, resourceVersionMatch,
// allowWatchBookmarks, sendInitialEvents, timeoutSeconds, timeout,
// gracePeriodSeconds, propagationPolicy and orphanDependents are honoured.
// A get or list that asks for a meta.k8s.io Table (kubectl get does) gets
// one, with Kubernetes' columns for the common kinds. /openapi/v3 serves
// reduced documents, operations and parameters without
// schemas, which is what kubectl create, replace and apply need to leave
// field validation to the server; /openapi/v2 is 404 (kubectl explain has
// nothing to show). Bodies in Protocol Buffers are refused with 415, so
// kubectl's generator commands (kubectl create configmap, create
// deployment, ...), which send them, do not work; manifests do.
//
// # Storage
//
// Objects are stored as JSON under
// "/registry/<group, or core>/<plural>/<namespace>/<name>" (cluster-scoped
// kinds without the namespace). metadata.resourceVersion is not stored: it
// is the store's mod revision of the key, set on every read, and every
// write is a compare-and-swap on it, so a stale resourceVersion is a 409
// Conflict. Lists at resourceVersion 0 and all watches are served by a
// watch cache per resource, which keeps the objects and the last
// Options.WatchCacheSize events in memory, each object decoded once and
// encoded once however many clients list or watch it, and costs one store
// watch however many clients watch. A write hands the object it stored to
// the cache, which then does not decode the store's event again. The cache
// of a namespaced kind keeps an object decoded only while its write is
// among those recent events; after that it keeps the object's JSON and
// what selectors read, and decodes the JSON again for the few readers
// that need a typed object (see watchcache_packed.go). Lists
// without a resourceVersion are consistent reads from the cache, as in
// Kubernetes: the store's current revision is read and the cache waits
// until it has caught up with it (asking the store for a progress
// notification when the store is a store.ProgressRequester, as store/mvcc
// and store/raftstore are);
// otherwise they read the store. Paginated lists (limit and continue)
// read a snapshot of the cache at the first page's revision while that
// revision is within the cache's window of events, and the store
// otherwise.
// The server compacts the store's history every
// Options.CompactionInterval (5 minutes), keeping one interval.
//
// # Writes
//
// A create is defaulted (api/defaults), passed through mutating admission,
// prepared by the kind's Strategy (a new pod is Pending, a new namespace
// Active), given a uid, creationTimestamp, generation 1 and, for
// generateName, a name; then validated (api/validation), passed through
// validating admission and stored. An update keeps what the client may not
// change (the status through the main resource, everything but the status
// through /status), raises generation when the spec changed, and is
// validated against the stored object. Services get a cluster IP from
// Options.ServiceCIDR and node ports from Options.NodePortRange, reserved
// in the store so that no two services share one. Deletion follows
// Kubernetes: a
// positive grace period (pods bound to a node) or finalizers hold the
// object with a deletionTimestamp; removing the last finalizer, or a
// delete with grace period 0, removes it.
//
// Events expire, as with Kubernetes' --event-ttl: every create and update
// of a core/v1 Event attaches it to a store lease, and the store deletes
// it, with a DELETED to every watcher, Options.EventTTL (1 hour) after its
// last write. One lease serves the event writes of up to 60 s (or 5% of
// the TTL, when shorter) and lasts that much longer than the TTL, as
// Kubernetes' LeaseManager. An expired event gives back its ResourceQuota
// usage (count/events) as a deleted one does. Kinds of your own may expire
// the same way through Strategy.TTL.
//
// The built-in admission plugins are NamespaceLifecycle, ServiceAccount,
// DefaultTolerationSeconds, Priority and ResourceQuota; Options adds
// plugins of your own and disables built-in ones.
//
// # Protection
//
// Request bodies are limited to 3 MiB (413), requests other than watches
// to 60 s (504) and to 400 reading and 200 mutating at once (429 with
// Retry-After: 1); a panic in a handler is logged and answered with 500.
// Every figure is an Option.
//
// # Errors
//
// Every error is a metav1.Status with Kubernetes' reason, code and message
// text: `pods "web" not found` (404 NotFound), `Operation cannot be
// fulfilled on pods "web": the object has been modified; please apply your
// changes to the latest version and try again` (409 Conflict), `Pod "web" is
// invalid: spec.containers[0].image: Required value` (422 Invalid, with
// one cause per field error), and so on. A 500 means a fault of the server
// or its store, never of the request.
package apiserver
