package proxy

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the proxy's Prometheus metrics.
type metrics struct {
	syncDuration prometheus.Histogram
	syncErrors   prometheus.Counter
	services     prometheus.Gauge
	endpoints    prometheus.Gauge
	lastSuccess  prometheus.Gauge
}

// newMetrics makes the metrics and registers them on reg when it is not
// nil:
//
//   - rigging_proxy_sync_duration_seconds: histogram of the time to
//     compute and apply the State;
//   - rigging_proxy_sync_errors_total: applies that failed;
//   - rigging_proxy_services_programmed: frontends in the last applied
//     State;
//   - rigging_proxy_endpoints_programmed: backends summed over them;
//   - rigging_proxy_last_sync_success_timestamp_seconds: when the last
//     apply succeeded.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		syncDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rigging_proxy_sync_duration_seconds",
			Help:    "Time to compute the desired State and apply it to the dataplane.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		syncErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rigging_proxy_sync_errors_total",
			Help: "Applies of the desired State that failed.",
		}),
		services: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rigging_proxy_services_programmed",
			Help: "Frontends (address, port, protocol) in the last applied State.",
		}),
		endpoints: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rigging_proxy_endpoints_programmed",
			Help: "Backends, summed over the frontends of the last applied State.",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rigging_proxy_last_sync_success_timestamp_seconds",
			Help: "Unix time of the last successful apply.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.syncDuration, m.syncErrors, m.services, m.endpoints, m.lastSuccess} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("proxy: register metrics: %w", err)
			}
		}
	}
	return m, nil
}
