// Package rigging is an SDK of composable control-plane building blocks: the
// parts of a Kubernetes-style cluster as importable Go packages, each behind
// a narrow interface with a real reference implementation, for people who
// build their own orchestrators, embed a scheduler or a replicated store in
// another product, or want a whole cluster in one process.
//
// # The packages
//
//	api/...        the object model: Kubernetes-shaped types with identical JSON,
//	               quantities, selectors, defaulting and validation
//	store          the Store interface (revisioned key-value with etcd v3 semantics)
//	store/mvcc     durable embedded MVCC engine on bbolt (the default)
//	store/etcd     adapter onto an existing etcd cluster
//	store/storetest the conformance suite any Store can run
//	apiserver      Kubernetes-compatible REST API over any Store (kubectl and client-go work)
//	client         typed Go client over HTTP or in-process, informers, kubeconfig
//	scheduler      scheduling framework, default plugins, preemption; embeddable
//	controller     reconcile runtime: work queue, leader election, manager
//
// The node agent, service proxy, and the CNI and CSI plugins follow the same
// pattern; see the README and ARCHITECTURE.md for the map and the order they
// arrive in.
//
// # Assembling a cluster
//
// A cluster is wiring in a main package: open a Store, serve the API over
// it, and start the components against a client of that API.
//
//	st, err := mvcc.Open(ctx, mvcc.Options{Dir: "data"})  // or raftstore, or etcd
//	srv, err := apiserver.New(st, apiserver.Options{})      // REST over any Store
//	err = srv.Start(ctx)
//	c := client.NewInProcess(srv)                          // or client.New over HTTP
//	go scheduler.Run(ctx, c)
//	go controller.NewManager(c, ...).Run(ctx)
//	go kubelet.Run(ctx, c, kubelet.Options{Runtime: process.New(...)})
//
// Each component depends only on interfaces (store.Store, the client, its
// own plugin interfaces), so any piece can be replaced by the user's own.
package rigging
