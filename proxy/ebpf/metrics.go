package ebpf

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the dataplane's Prometheus collectors.
type metrics struct {
	services prometheus.Gauge
	backends prometheus.Gauge
	apply    prometheus.Histogram
	errors   prometheus.Counter
	repairs  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		services: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "rigging", Subsystem: "proxy_ebpf", Name: "services",
			Help: "Frontends (VIP, port, protocol) programmed in the eBPF dataplane.",
		}),
		backends: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "rigging", Subsystem: "proxy_ebpf", Name: "backends",
			Help: "(frontend, backend) pairs programmed in the eBPF dataplane.",
		}),
		apply: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "rigging", Subsystem: "proxy_ebpf", Name: "apply_duration_seconds",
			Help:    "Time taken by Apply and ApplyService.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "rigging", Subsystem: "proxy_ebpf", Name: "apply_errors_total",
			Help: "Apply calls that returned an error.",
		}),
		repairs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "rigging", Subsystem: "proxy_ebpf", Name: "repaired_entries_total",
			Help: "Map entries found differing from the programmed state and put right.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for i, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			for _, done := range m.collectors()[:i] {
				reg.Unregister(done)
			}
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, errors.New("ebpf: metrics already registered on this registry (one dataplane per registry)")
			}
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.services, m.backends, m.apply, m.errors, m.repairs}
}

// unregister removes the collectors from reg (nil: nothing), so that a
// dataplane restarted in the same process can register again.
func (m *metrics) unregister(reg prometheus.Registerer) {
	if reg == nil {
		return
	}
	for _, c := range m.collectors() {
		reg.Unregister(c)
	}
}
