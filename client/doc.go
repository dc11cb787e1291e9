// Package client is the Go client of Rigging's Kubernetes-compatible API,
// used by every component: the scheduler, the controllers, the node agent
// and the proxy. It speaks Kubernetes' REST API (paths, Status errors, watch
// framing, list pagination, patch types, subresources), so it works against
// Rigging's apiserver and against a Kubernetes API server alike.
//
// # Where to start
//
// Make a Client: New(Config{Host: ..., BearerToken: ...}) for a server over
// the network (Config comes from a kubeconfig with LoadKubeconfig and
// Kubeconfig.ClientConfig), or NewInProcess(handler) to call an API
// server's http.Handler directly in the same process, with no socket.
// Both send every request through one http.RoundTripper, so everything
// below works the same over either.
//
// Then take a typed client for a resource, Resource[T]:
//
//	pods, err := client.For[corev1.Pod](c)        // a built-in kind
//	web, err := pods.Namespace("default").Get(ctx, "web", client.GetOptions{})
//
// For finds the resource of a built-in Go type in a table (Pods, Nodes,
// Deployments, ...: one ResourceInfo per kind in package api);
// NewResource takes any ResourceInfo. A Resource has every verb: Get, List,
// Watch, Create, Update, UpdateStatus, Patch, Delete, DeleteCollection, and
// the subresources Bind (pods/binding), GetScale and UpdateScale, and
// Evict (pods/eviction). Do sends any other request.
//
// # Errors
//
// A request the server refuses returns an *APIError carrying the server's
// metav1.Status. Test it with IsNotFound, IsAlreadyExists, IsConflict,
// IsGone, IsResourceExpired, IsInvalid, IsTooManyRequests, IsForbidden and
// the rest, or ReasonForError; they see through wrapping. A 429 with a
// Retry-After is retried a few times (Config.MaxRetries) after waiting as
// told, except for evictions, where 429 means a disruption budget said no.
//
// # Watching and caching
//
// Resource.Watch returns a Watcher whose channel delivers typed Events,
// BOOKMARK and ERROR included. Most components want an Informer instead:
// it lists, watches from the list's resourceVersion, resumes after a
// dropped stream without losing or repeating an event, lists again when
// the server says the version is gone (410), and keeps an Indexer (a
// thread-safe cache with indexes) current. Handlers added with
// AddEventHandler hear of every change, each on its own goroutine and in
// order; a Lister reads the cache. An InformerFactory shares one informer
// per resource among the parts of a program. Wait for caches with
// WaitForCacheSync before acting on them.
//
// Objects in a cache, given to handlers or returned by listers, are shared
// by every reader: never modify one; DeepCopy it first.
//
// # Concurrency
//
// Client, Resource, Informer, Indexer, Lister and InformerFactory may be
// used from any number of goroutines at once. Every call that blocks takes
// a context and returns when it is done; Informer.Run and the factory's
// Start own their goroutines and end them when their context ends.
package client
