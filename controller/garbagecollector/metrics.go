package garbagecollector

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the collector's Prometheus metrics:
// garbagecollector_graph_nodes (the objects in the ownership graph,
// virtual owners included), garbagecollector_deleted_total (labels group,
// kind: objects deleted), garbagecollector_orphaned_total (dependents
// whose reference to a deleted owner was removed) and
// garbagecollector_errors_total (label queue: failed attempts, retried).
type metrics struct {
	deleted  *prometheus.CounterVec
	orphaned prometheus.Counter
	errors   *prometheus.CounterVec
}

// newMetrics makes the metrics and registers them on reg, unless reg is
// nil; it fails when they are already registered there.
func newMetrics(reg prometheus.Registerer, g *graph) (*metrics, error) {
	m := &metrics{
		deleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "garbagecollector_deleted_total", Help: "Objects the garbage collector deleted because their owners were gone or being deleted in the foreground.",
		}, []string{"group", "kind"}),
		orphaned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "garbagecollector_orphaned_total", Help: "Dependents whose owner reference the garbage collector removed for an owner deleted with propagationPolicy Orphan.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "garbagecollector_errors_total", Help: "Failed garbage collection attempts, which are retried.",
		}, []string{"queue"}),
	}
	if reg == nil {
		return m, nil
	}
	nodes := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "garbagecollector_graph_nodes", Help: "Objects in the garbage collector's ownership graph, absent owners named by dependents included.",
	}, func() float64 { return float64(g.size()) })
	for _, c := range []prometheus.Collector{m.deleted, m.orphaned, m.errors, nodes} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register garbage collector metrics: %w", err)
		}
	}
	return m, nil
}
