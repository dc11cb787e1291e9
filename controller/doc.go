// Package controller is Rigging's reconcile runtime, modelled on
// controller-runtime: a user implements Reconciler, one method
// Reconcile(ctx, Request) (Result, error), and the package does the rest:
// informers' events become Requests in a rate-limited, deduplicating Queue,
// workers call the Reconciler, errors are retried with exponential backoff
// and Result.RequeueAfter is honoured.
//
// # Where to start
//
// Make a Manager over a client, ask its informer factory for the informers
// you need, make a controller with Manager.NewController, connect it with
// Watch (the kind it reconciles), Owns (kinds whose controller owner is of
// that kind) and Watches (any mapping), and Start the manager:
//
//	mgr, _ := controller.NewManager(controller.ManagerOptions{Client: c, Addr: ":8080"})
//	cms, _ := client.InformerFor[corev1.ConfigMap](mgr.Informers())
//	secrets, _ := client.InformerFor[corev1.Secret](mgr.Informers())
//	ctrl, _ := mgr.NewController("configmap-secret", rec, controller.Options{})
//	_ = controller.Watch(ctrl, cms)
//	_ = controller.Owns(ctrl, secrets)
//	err := mgr.Start(ctx)
//
// The Manager serves /healthz, /readyz and Prometheus /metrics (queue
// depth, adds, retries; reconcile count, errors and latency), and with
// ManagerOptions.LeaderElection runs the controllers only while it holds a
// coordination/v1 Lease (LeaderElector), so that of several replicas one
// reconciles at a time.
//
// For tests, package controller/envtest starts a real API server
// in-process; FakeClock drives queues and leader election without sleeping.
package controller
