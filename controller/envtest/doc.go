// Package envtest starts a real Rigging API server in-process for tests of
// controllers, as controller-runtime's envtest does for Kubernetes: a
// store/mvcc store in a temporary directory, the apiserver started on it,
// an in-process client and a loopback HTTP URL, all in one call.
//
// # Where to start
//
// In a test, call Start(t); everything is stopped and removed by t.Cleanup:
//
//	env := envtest.Start(t)
//	cms, _ := client.For[corev1.ConfigMap](env.Client)
//	_, err := cms.Namespace("default").Create(t.Context(), cm, client.CreateOptions{})
//
// Outside tests (examples, demos), call New(ctx, Options{}) and Close the Env
// when done.
//
// The server is Rigging's real apiserver: validation, defaulting,
// resourceVersions, watches and optimistic concurrency behave as in a
// cluster. There are no controllers (no garbage collector, no scheduler)
// unless the test runs them.
package envtest
