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
//
// # Pods that run
//
// Controllers that wait for pods to become ready (ReplicaSet, Deployment,
// EndpointSlice) need something to play the kubelet. FakeKubelet does:
//
//	env.StartFakeKubelet(t, envtest.FakeKubeletOptions{})
//
// binds unbound pods to a node ("fake-node" by default), marks them
// Running and Ready with container statuses, and removes pods that are
// deleted. Its Ready filter and ReadyDelay hold pods back (to test a
// rollout that waits for availability); Nodes restricts it to pods bound
// to given nodes. For real processes, run a kubelet (package kubelet) with
// kubelet/runtime/process; for thousands of simulated nodes, kubelets with
// kubelet/runtime/fake.
//
// # A controller test in full
//
// Start the Env, a controller.Manager on env.Client with the controllers
// under test added (replicaset.Add, deployment.Add, ...), the fake kubelet,
// then create objects and wait on conditions read through env.Client (or a
// watch), never on sleeps. controller/deployment's tests are a worked
// example: a 10-replica rolling update checked on every pod event.
package envtest
