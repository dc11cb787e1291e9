// Package nodeipam is the node IPAM controller: it gives every Node a pod
// address range (spec.podCIDR, and spec.podCIDRs with one range per IP
// family for dual stack) from the cluster CIDRs, as Kubernetes' range
// allocator does.
//
// # Where to start
//
// Register it with a Manager through Add, naming the cluster CIDRs:
//
//	_, err := nodeipam.Add(mgr, c, nodeipam.Options{
//		ClusterCIDRs: []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16")},
//	})
//
// Each node gets a /24 (NodeCIDRMaskSizeIPv4) of an IPv4 cluster CIDR and
// a /64 (NodeCIDRMaskSizeIPv6) of an IPv6 one. CIDRSet, the bitmap
// allocator behind it, can be used on its own.
//
// # Guarantees
//
// A pod CIDR already set on a node is never changed, whoever set it; it is
// marked in use instead. Before its first allocation the controller marks
// the CIDRs of every existing node in use, so that a restarted controller
// never hands out a CIDR twice. A deleted node's CIDRs are released and
// handed out again (the search continues after the last CIDR handed out,
// so a released one is reused once the others are taken). When a range is
// exhausted the node gets one Warning Event with reason CIDRNotAvailable
// (ReasonCIDRNotAvailable) and waits until CIDRs are released.
//
// One controller must own the ranges: two instances would allocate from
// their own bitmaps. Run it with leader election when it is replicated.
package nodeipam
