package nodelifecycle

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the controller's own metrics; a nil *metrics records
// nothing.
type metrics struct {
	evictions *prometheus.CounterVec
	zoneSize  *prometheus.GaugeVec
	unhealthy *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rigging", Subsystem: "nodelifecycle", Name: "evictions_total",
			Help: "Pods deleted because they did not tolerate their node's NoExecute taints, by the node's zone.",
		}, []string{"zone"}),
		zoneSize: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "rigging", Subsystem: "nodelifecycle", Name: "zone_size",
			Help: "Nodes in the zone.",
		}, []string{"zone"}),
		unhealthy: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "rigging", Subsystem: "nodelifecycle", Name: "unhealthy_nodes_in_zone",
			Help: "Nodes in the zone that are not ready.",
		}, []string{"zone"}),
	}
	for _, c := range []prometheus.Collector{m.evictions, m.zoneSize, m.unhealthy} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) evicted(zone string) {
	if m != nil {
		m.evictions.WithLabelValues(zone).Inc()
	}
}

func (m *metrics) zone(zone string, size, notReady int) {
	if m != nil {
		m.zoneSize.WithLabelValues(zone).Set(float64(size))
		m.unhealthy.WithLabelValues(zone).Set(float64(notReady))
	}
}

func (m *metrics) dropZone(zone string) {
	if m != nil {
		m.zoneSize.DeleteLabelValues(zone)
		m.unhealthy.DeleteLabelValues(zone)
	}
}
