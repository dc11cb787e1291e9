// Package dataplanetest is the behaviour suite every proxy.Dataplane
// passes, as storetest is for store.Store.
//
// # Where to start
//
// In a test of your dataplane, call Run with a function that makes one
// for an Env:
//
//	func TestBehaviour(t *testing.T) {
//		dataplanetest.Run(t, func(t *testing.T, env *dataplanetest.Env) proxy.Dataplane {
//			dp, err := mydataplane.New(...)  // program env.NetNS, or attach to env.Cgroup
//			...
//			t.Cleanup(func() { dp.Close() })
//			return dp
//		})
//	}
//
// Every subtest makes a fresh Env (NewEnv): a network namespace of its own
// (Env.NetNS, a path) with lo up carrying the backend addresses
// 10.200.0.1-10 (BackendAddr) and the virtual range 10.201.0.0/16
// (VIPPrefix, VIP) routed locally, and a cgroup of its own under
// /sys/fs/cgroup/unified (Env.Cgroup). Servers (Env.Serve) listen in the
// namespace and answer with their own address. Clients (Env.Dial) run in a
// child process, the test binary re-executed with an environment variable
// that this package's init recognises: it is started inside Env.Cgroup
// (clone into the cgroup with SysProcAttr.UseCgroupFD) and enters
// Env.NetNS on its only dialling thread before it connects. So a dataplane
// that works per network namespace (nftables: program Env.NetNS) and one
// that attaches eBPF programs to a cgroup (attach to Env.Cgroup, whose
// sockets live in Env.NetNS) both see the client's connections. Importing
// this package is all that is needed; no TestMain.
//
// The suite checks: TCP and UDP to a virtual address reach its backends;
// every backend gets connections, within 5 standard deviations of uniform;
// a removed backend gets no new connections; a deleted service's address
// refuses connections; a service with no endpoints refuses them; ClientIP
// affinity keeps one client on one backend; the client's peer address is
// the virtual one; applying the same State again changes nothing; 10,000
// services of 10 endpoints are programmed and a sample answers.
//
// The tests need root; see Require for how they skip, or fail under
// CI=true.
package dataplanetest
