package apiserver

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the server's Prometheus metrics, named as Kubernetes names
// its own so that existing dashboards read them:
//
//	apiserver_request_total{verb,group,resource,subresource,code}
//	apiserver_request_duration_seconds{verb,group,resource,subresource}
//	apiserver_current_inflight_requests{request_kind}  (readOnly, mutating)
//	apiserver_longrunning_requests{verb,group,resource} (open watches)
//	apiserver_watch_cache_events_total{group,resource} (events received from the store)
//	apiserver_terminated_watchers_total{group,resource} (watches ended for being too slow)
//	apiserver_storage_compactions_total (compactions of the store's history)
//
// verb is Kubernetes' upper-case request verb: GET, LIST, WATCH, POST, PUT,
// PATCH, DELETE, DELETECOLLECTION; requests outside the resource paths
// (discovery, health) have an empty group and resource.
type metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	inflight    *prometheus.GaugeVec
	longRunning *prometheus.GaugeVec
	cacheEvents *prometheus.CounterVec
	terminated  *prometheus.CounterVec
	compactions prometheus.Counter

	// inflightKinds are the gauges of apiserver_current_inflight_requests
	// for readOnly (0) and mutating (1), looked up on first use.
	inflightOnce  [2]sync.Once
	inflightKinds [2]prometheus.Gauge

	// byRequest caches the request counter and latency observer of each
	// request kind seen: requestKey → *requestMetrics. The label values
	// come from registered resources, a fixed set of verbs and
	// subresources and the status codes, so it stays small.
	byRequest sync.Map
}

// requestKey is what selects a request's metrics.
type requestKey struct {
	res       *resource // nil outside the resource paths
	verb, sub string    // requestInfo's
	code      int
}

// requestMetrics are the metrics of one request kind.
type requestMetrics struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// newMetrics creates the metrics and registers them on reg.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_request_total",
			Help: "Counter of apiserver requests broken out by verb, group, resource, subresource and HTTP response code.",
		}, []string{"verb", "group", "resource", "subresource", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apiserver_request_duration_seconds",
			Help:    "Response latency distribution in seconds by verb, group, resource and subresource.",
			Buckets: []float64{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60},
		}, []string{"verb", "group", "resource", "subresource"}),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiserver_current_inflight_requests",
			Help: "Number of requests being served, by kind (readOnly or mutating); watches are not counted.",
		}, []string{"request_kind"}),
		longRunning: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiserver_longrunning_requests",
			Help: "Number of open watches by verb, group and resource.",
		}, []string{"verb", "group", "resource"}),
		cacheEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_watch_cache_events_total",
			Help: "Events the watch caches received from the store, by group and resource.",
		}, []string{"group", "resource"}),
		terminated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_terminated_watchers_total",
			Help: "Watches ended because their client could not keep up, by group and resource.",
		}, []string{"group", "resource"}),
		compactions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "apiserver_storage_compactions_total",
			Help: "Compactions of the store's history done by this server.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.inflight, m.longRunning, m.cacheEvents, m.terminated, m.compactions} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("apiserver: register metrics: %w", err)
		}
	}
	return m, nil
}

// metricVerb returns Kubernetes' metric verb of a request.
func metricVerb(ri *requestInfo) string {
	if ri == nil {
		return ""
	}
	switch ri.verb {
	case "create":
		return "POST"
	case "update":
		return "PUT"
	}
	return strings.ToUpper(ri.verb)
}

// inflightGauge returns the in-flight gauge of mutating or read-only
// requests.
func (m *metrics) inflightGauge(mutating bool) prometheus.Gauge {
	i, kind := 0, "readOnly"
	if mutating {
		i, kind = 1, "mutating"
	}
	m.inflightOnce[i].Do(func() { m.inflightKinds[i] = m.inflight.WithLabelValues(kind) })
	return m.inflightKinds[i]
}

// observe counts one finished request that answered code (0 when it
// wrote nothing). ri is nil for a path that named nothing.
func (m *metrics) observe(ri *requestInfo, code int, d time.Duration) {
	var key requestKey
	if ri != nil {
		key = requestKey{res: ri.res, verb: ri.verb, sub: ri.subresource, code: code}
	} else {
		key.code = code
	}
	v, ok := m.byRequest.Load(key)
	if !ok {
		v, _ = m.byRequest.LoadOrStore(key, m.newRequestMetrics(ri, code))
	}
	rm := v.(*requestMetrics)
	rm.count.Inc()
	rm.latency.Observe(d.Seconds())
}

// newRequestMetrics looks up the metrics of a request kind.
func (m *metrics) newRequestMetrics(ri *requestInfo, code int) *requestMetrics {
	verb, group, res, sub := "", "", "", ""
	if ri != nil {
		verb = metricVerb(ri)
		sub = ri.subresource
		if ri.res != nil {
			group, res = ri.res.info.Group, ri.res.info.Plural
		}
	}
	return &requestMetrics{
		count:   m.requests.WithLabelValues(verb, group, res, sub, strconv.Itoa(code)),
		latency: m.latency.WithLabelValues(verb, group, res, sub),
	}
}
