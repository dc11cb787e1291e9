package controller

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus metrics of queues and controllers, under
// controller-runtime's names: workqueue_depth, workqueue_adds_total,
// workqueue_retries_total (label name), and
// controller_runtime_reconcile_total (labels controller, result),
// controller_runtime_reconcile_errors_total and
// controller_runtime_reconcile_time_seconds (label controller).
// A nil *Metrics records nothing.
type Metrics struct {
	depth      *prometheus.GaugeVec
	adds       *prometheus.CounterVec
	retries    *prometheus.CounterVec
	reconciles *prometheus.CounterVec
	errors     *prometheus.CounterVec
	latency    *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them on reg; it fails when
// one is already registered there.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "workqueue_depth", Help: "Current depth of the work queue.",
		}, []string{"name"}),
		adds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workqueue_adds_total", Help: "Total number of adds handled by the work queue.",
		}, []string{"name"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workqueue_retries_total", Help: "Total number of retries handled by the work queue.",
		}, []string{"name"}),
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "controller_runtime_reconcile_total", Help: "Total number of reconciliations per controller.",
		}, []string{"controller", "result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "controller_runtime_reconcile_errors_total", Help: "Total number of reconciliation errors per controller.",
		}, []string{"controller"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "controller_runtime_reconcile_time_seconds",
			Help:    "Length of time per reconciliation per controller.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"controller"}),
	}
	for _, c := range []prometheus.Collector{m.depth, m.adds, m.retries, m.reconciles, m.errors, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register controller metrics: %w", err)
		}
	}
	return m, nil
}

type queueMetrics struct {
	depth   prometheus.Gauge
	adds    prometheus.Counter
	retries prometheus.Counter
}

func (m *Metrics) queue(name string) queueMetrics {
	if m == nil {
		return queueMetrics{depth: noopGauge{}, adds: noopGauge{}, retries: noopGauge{}}
	}
	return queueMetrics{
		depth:   m.depth.WithLabelValues(name),
		adds:    m.adds.WithLabelValues(name),
		retries: m.retries.WithLabelValues(name),
	}
}

// noopGauge is a Gauge (and Counter) that records nothing.
type noopGauge struct{ prometheus.Gauge }

func (noopGauge) Inc()        {}
func (noopGauge) Dec()        {}
func (noopGauge) Add(float64) {}
