package nodeipam

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigging-dev/rigging/controller"
)

// Name is the controller's name in logs and metrics.
const Name = "nodeipam"

// The defaults of Options, as Kubernetes' --node-cidr-mask-size-ipv4 and
// --node-cidr-mask-size-ipv6.
const (
	DefaultNodeCIDRMaskSizeIPv4 = 24
	DefaultNodeCIDRMaskSizeIPv6 = 64
)

// ReasonCIDRNotAvailable is the reason of the Event recorded on a node
// that cannot get a pod CIDR because its range is exhausted.
const ReasonCIDRNotAvailable = "CIDRNotAvailable"

// EventComponent is the source component of the controller's events, as
// Kubernetes' node IPAM controller names it.
const EventComponent = "cidrAllocator"

// RetryExhausted is how often a node waiting for a free pod CIDR is tried
// again on the Clock, besides at once whenever a node's CIDRs are
// released.
const RetryExhausted = time.Minute

// Options configure Add and NewReconciler. ClusterCIDRs is required; the
// other fields' zero values take the defaults in their comments.
type Options struct {
	// Options are the controller runtime's; Clock (default
	// controller.RealClock) also stamps events and times RetryExhausted.
	controller.Options
	// ClusterCIDRs are the ranges pod CIDRs are taken from: one, or for
	// dual stack two of different IP families. Every node gets one
	// subnet of each, in this order (the first is spec.podCIDR).
	ClusterCIDRs []netip.Prefix
	// NodeCIDRMaskSizeIPv4 is the prefix length of the IPv4 subnets.
	// Default DefaultNodeCIDRMaskSizeIPv4 (24).
	NodeCIDRMaskSizeIPv4 int
	// NodeCIDRMaskSizeIPv6 is the prefix length of the IPv6 subnets.
	// Default DefaultNodeCIDRMaskSizeIPv6 (64).
	NodeCIDRMaskSizeIPv6 int
	// Registerer, when set, receives the controller's metrics
	// (rigging_nodeipam_cidrset_usage_ratio{cluster_cidr},
	// rigging_nodeipam_allocations_total{cluster_cidr},
	// rigging_nodeipam_exhausted_total{cluster_cidr}). Default nil: none.
	Registerer prometheus.Registerer
}

// sets checks o and returns one CIDRSet per cluster CIDR.
func (o *Options) sets() ([]*CIDRSet, error) {
	if len(o.ClusterCIDRs) == 0 {
		return nil, errors.New("no ClusterCIDRs")
	}
	if len(o.ClusterCIDRs) > 2 {
		return nil, fmt.Errorf("%d ClusterCIDRs: at most two (one per IP family) are allowed", len(o.ClusterCIDRs))
	}
	if o.NodeCIDRMaskSizeIPv4 == 0 {
		o.NodeCIDRMaskSizeIPv4 = DefaultNodeCIDRMaskSizeIPv4
	}
	if o.NodeCIDRMaskSizeIPv6 == 0 {
		o.NodeCIDRMaskSizeIPv6 = DefaultNodeCIDRMaskSizeIPv6
	}
	var out []*CIDRSet
	for _, p := range o.ClusterCIDRs {
		if !p.IsValid() {
			return nil, fmt.Errorf("cluster CIDR %v is not valid", p)
		}
		mask := o.NodeCIDRMaskSizeIPv4
		if p.Addr().Is6() && !p.Addr().Is4In6() {
			mask = o.NodeCIDRMaskSizeIPv6
		}
		s, err := NewCIDRSet(p, mask)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 2 && out[0].Cluster().Addr().BitLen() == out[1].Cluster().Addr().BitLen() {
		return nil, fmt.Errorf("cluster CIDRs %v and %v are of one IP family: dual stack needs one of each", out[0].Cluster(), out[1].Cluster())
	}
	return out, nil
}
