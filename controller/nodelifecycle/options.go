package nodelifecycle

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigging-dev/rigging/controller"
)

// Name is the controller's name in logs and metrics.
const Name = "nodelifecycle"

// The defaults of Options, Kubernetes' kube-controller-manager defaults.
const (
	// DefaultNodeMonitorGracePeriod is how long a node may go without a
	// heartbeat (Lease renewal or Ready condition update) before it is
	// judged unreachable: 40 s.
	DefaultNodeMonitorGracePeriod = 40 * time.Second
	// DefaultNodeStartupGracePeriod is how long a new node that never
	// posted a Ready condition is left alone: 60 s from its creation.
	DefaultNodeStartupGracePeriod = 60 * time.Second
	// DefaultNodeMonitorPeriod is how often every node is checked again
	// even when nothing about it changed: 5 s.
	DefaultNodeMonitorPeriod = 5 * time.Second
	// DefaultEvictionRate is how many nodes per second of one zone may
	// be tainted NoExecute (which starts the eviction of their pods) while
	// the zone is healthy or fully disrupted: 0.1, one node every 10 s.
	DefaultEvictionRate = 0.1
	// DefaultSecondaryEvictionRate is that rate for a zone in partial
	// disruption that has more than LargeClusterSizeThreshold nodes:
	// 0.01, one node every 100 s. Smaller zones in partial disruption
	// taint no node.
	DefaultSecondaryEvictionRate = 0.01
	// DefaultUnhealthyZoneThreshold is the share of not-ready nodes (with
	// more than 2 of them) at which a zone is in partial disruption: 0.55.
	DefaultUnhealthyZoneThreshold = 0.55
	// DefaultLargeClusterSizeThreshold is the zone size above which a
	// partially disrupted zone still evicts, at SecondaryEvictionRate: 50.
	DefaultLargeClusterSizeThreshold = 50
)

// Options configure Add and NewReconciler. The zero value works: every
// zero field takes the default named in its comment.
type Options struct {
	// Options are the controller runtime's. Clock (default
	// controller.RealClock) also times the grace periods, eviction
	// deadlines and rate limits, so that tests drive everything with a
	// controller.FakeClock. RateLimiter, which delays retries after
	// errors, defaults to controller.DefaultRateLimiter on the real clock
	// whatever Clock is, so that a fake clock does not stall retries.
	controller.Options

	// NodeMonitorGracePeriod: see DefaultNodeMonitorGracePeriod (40 s).
	NodeMonitorGracePeriod time.Duration
	// NodeStartupGracePeriod: see DefaultNodeStartupGracePeriod (60 s).
	NodeStartupGracePeriod time.Duration
	// NodeMonitorPeriod: see DefaultNodeMonitorPeriod (5 s). It must not
	// exceed NodeMonitorGracePeriod.
	NodeMonitorPeriod time.Duration
	// EvictionRate: see DefaultEvictionRate (0.1 nodes/s per zone).
	EvictionRate float64
	// SecondaryEvictionRate: see DefaultSecondaryEvictionRate (0.01
	// nodes/s per zone).
	SecondaryEvictionRate float64
	// UnhealthyZoneThreshold: see DefaultUnhealthyZoneThreshold (0.55);
	// in (0, 1].
	UnhealthyZoneThreshold float64
	// LargeClusterSizeThreshold: see DefaultLargeClusterSizeThreshold (50).
	LargeClusterSizeThreshold int
	// Registerer, when set, receives the controller's own metrics
	// (rigging_nodelifecycle_evictions_total{zone},
	// rigging_nodelifecycle_zone_size{zone},
	// rigging_nodelifecycle_unhealthy_nodes_in_zone{zone}). Default nil:
	// none are exported.
	Registerer prometheus.Registerer
}

// withDefaults checks o and returns it with the defaults filled in.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	neg := func(name string, bad bool, v any) {
		if bad {
			errs = append(errs, fmt.Errorf("%s %v is negative", name, v))
		}
	}
	neg("NodeMonitorGracePeriod", o.NodeMonitorGracePeriod < 0, o.NodeMonitorGracePeriod)
	neg("NodeStartupGracePeriod", o.NodeStartupGracePeriod < 0, o.NodeStartupGracePeriod)
	neg("NodeMonitorPeriod", o.NodeMonitorPeriod < 0, o.NodeMonitorPeriod)
	neg("EvictionRate", o.EvictionRate < 0, o.EvictionRate)
	neg("SecondaryEvictionRate", o.SecondaryEvictionRate < 0, o.SecondaryEvictionRate)
	neg("LargeClusterSizeThreshold", o.LargeClusterSizeThreshold < 0, o.LargeClusterSizeThreshold)
	if o.UnhealthyZoneThreshold < 0 || o.UnhealthyZoneThreshold > 1 {
		errs = append(errs, fmt.Errorf("UnhealthyZoneThreshold %v is not in (0, 1]", o.UnhealthyZoneThreshold))
	}
	if len(errs) > 0 {
		return o, fmt.Errorf("invalid node lifecycle options: %w", errors.Join(errs...))
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.NodeMonitorGracePeriod, DefaultNodeMonitorGracePeriod)
	def(&o.NodeStartupGracePeriod, DefaultNodeStartupGracePeriod)
	def(&o.NodeMonitorPeriod, DefaultNodeMonitorPeriod)
	if o.NodeMonitorPeriod > o.NodeMonitorGracePeriod {
		return o, fmt.Errorf("invalid node lifecycle options: NodeMonitorPeriod %v exceeds NodeMonitorGracePeriod %v", o.NodeMonitorPeriod, o.NodeMonitorGracePeriod)
	}
	if o.EvictionRate == 0 {
		o.EvictionRate = DefaultEvictionRate
	}
	if o.SecondaryEvictionRate == 0 {
		o.SecondaryEvictionRate = DefaultSecondaryEvictionRate
	}
	if o.UnhealthyZoneThreshold == 0 {
		o.UnhealthyZoneThreshold = DefaultUnhealthyZoneThreshold
	}
	if o.LargeClusterSizeThreshold == 0 {
		o.LargeClusterSizeThreshold = DefaultLargeClusterSizeThreshold
	}
	if o.Clock == nil {
		o.Clock = controller.RealClock{}
	}
	if o.RateLimiter == nil {
		o.RateLimiter = controller.DefaultRateLimiter(controller.RealClock{})
	}
	return o, nil
}
