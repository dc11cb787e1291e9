// Package clientgo holds compatibility tests that drive Rigging's API
// server (package apiserver over store/mvcc) with the real Kubernetes
// client, k8s.io/client-go: typed clientsets, watches, shared informers,
// discovery and conflict retries. It is a module of its own so that
// client-go stays out of the library's go.mod; it exports nothing.
package clientgo
