// Package sandbox runs service-proxy behaviour tests in isolation: a
// network namespace (Netns) holding the backends and the client's view of
// the network, a cgroup v2 directory (Cgroup) that a dataplane attaches to,
// servers that answer with their name (Server), and clients started as
// child processes inside both (Client), so a dataplane under test touches
// no socket outside the test.
//
// Start with Require (skip unless root; fail instead when CI=true), then
// NewNetns, NewCgroup and Client. The test binary must call ClientMain at
// the top of its TestMain: a Client re-executes the binary, and ClientMain
// turns that child into the client.
//
// It is internal to proxy/ebpf for now and written to move unchanged into
// a shared behaviour suite for every proxy.Dataplane.
package sandbox
