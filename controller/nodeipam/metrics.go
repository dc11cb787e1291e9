package nodeipam

import (
	"fmt"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the controller's metrics; a nil *metrics records nothing.
type metrics struct {
	usageRatio  *prometheus.GaugeVec
	allocations *prometheus.CounterVec
	exhaustions *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		usageRatio: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "rigging", Subsystem: "nodeipam", Name: "cidrset_usage_ratio",
			Help: "Share of the cluster CIDR's node subnets in use.",
		}, []string{"cluster_cidr"}),
		allocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rigging", Subsystem: "nodeipam", Name: "allocations_total",
			Help: "Node subnets allocated from the cluster CIDR.",
		}, []string{"cluster_cidr"}),
		exhaustions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rigging", Subsystem: "nodeipam", Name: "exhausted_total",
			Help: "Allocations that failed because the cluster CIDR had no free subnet.",
		}, []string{"cluster_cidr"}),
	}
	for _, c := range []prometheus.Collector{m.usageRatio, m.allocations, m.exhaustions} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) usage(s *CIDRSet) {
	if m != nil {
		m.usageRatio.WithLabelValues(s.Cluster().String()).Set(float64(s.InUse()) / float64(s.Size()))
	}
}

func (m *metrics) allocated(s *CIDRSet) {
	if m != nil {
		m.allocations.WithLabelValues(s.Cluster().String()).Inc()
		m.usage(s)
	}
}

func (m *metrics) exhausted(cluster netip.Prefix) {
	if m != nil {
		m.exhaustions.WithLabelValues(cluster.String()).Inc()
	}
}
