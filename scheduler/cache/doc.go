// Package cache is the scheduler's view of the cluster: a Cache of nodes and
// the pods on them, including "assumed" pods (placed by the scheduler but not
// yet bound), and the Snapshot each scheduling cycle reads.
//
// Where to start: NewSnapshot builds a Snapshot from plain nodes and pods,
// for tests and for embedders who schedule without a Cache. New builds a
// Cache; the scheduler feeds it node and pod events and calls
// UpdateSnapshot at the start of each cycle, which copies only the nodes
// that changed since the previous cycle.
//
// Nodes are listed in Kubernetes' order: interleaved by zone (the first node
// of each zone, then the second of each, ...), so that evaluating a prefix of
// the list, as adaptive sampling does, spreads over zones.
package cache
