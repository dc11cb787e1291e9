package kubelet

import (
	"bytes"
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigging-dev/rigging/api/jsoncodec"
)

// The kubelet's metrics (registered on Config.Metrics):
//
//	rigging_kubelet_running_pods                       gauge: pods with a running sandbox
//	rigging_kubelet_pod_start_duration_seconds         histogram: pod seen by the kubelet to all containers running
//	rigging_kubelet_prober_probe_total{probe_type,result}  counter: probe results (successful, failed)
//	rigging_kubelet_runtime_operations_errors_total{operation_type}  counter: failed Runtime calls
type metrics struct {
	runningPods   prometheus.Gauge
	podStart      prometheus.Histogram
	probes        *prometheus.CounterVec
	runtimeErrors *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		runningPods: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rigging_kubelet_running_pods",
			Help: "Number of pods that have a running pod sandbox."}),
		podStart: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rigging_kubelet_pod_start_duration_seconds",
			Help:    "Duration from the kubelet seeing a pod to all its containers running.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60}}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rigging_kubelet_prober_probe_total",
			Help: "Cumulative number of liveness, readiness and startup probes, by result."}, []string{"probe_type", "result"}),
		runtimeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rigging_kubelet_runtime_operations_errors_total",
			Help: "Cumulative number of failed runtime operations, by operation."}, []string{"operation_type"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.runningPods, m.podStart, m.probes, m.runtimeErrors} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, errors.New("the kubelet's metrics are already registered on this registry (one registry per kubelet)")
			}
			return nil, err
		}
	}
	return m, nil
}

// runtimeErr counts a failed runtime operation and returns err.
func (k *Kubelet) runtimeErr(op string, err error) error {
	if err != nil {
		k.metrics.runtimeErrors.WithLabelValues(op).Inc()
	}
	return err
}

// jsonBufs holds pairs of encoding buffers for jsonEqual.
var jsonBufs = sync.Pool{New: func() any { return new([2][]byte) }}

// jsonEqual reports whether a and b encode to the same JSON (so times are
// compared at the precision the API keeps). It encodes with the api
// types' generated code (byte-identical to encoding/json) into pooled
// buffers.
func jsonEqual(a, b any) bool {
	bufs := jsonBufs.Get().(*[2][]byte)
	x, err1 := jsoncodec.Append(bufs[0][:0], a)
	y, err2 := jsoncodec.Append(bufs[1][:0], b)
	eq := err1 == nil && err2 == nil && bytes.Equal(x, y)
	if cap(x) <= 1<<16 && cap(y) <= 1<<16 {
		bufs[0], bufs[1] = x, y
		jsonBufs.Put(bufs)
	}
	return eq
}
