package kubelet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
)

// probeType names a probe.
type probeType string

const (
	liveness  probeType = "Liveness"
	readiness probeType = "Readiness"
	startup   probeType = "Startup"
)

// probeResult is the outcome of a probe as the worker sees it.
type probeResult int

const (
	probeUnknown probeResult = iota
	probeSuccess
	probeFailure
)

// containerProbes runs the probes of one container instance and holds
// their results. Its goroutines are owned by the pod worker, which stops
// them (stop) when the instance ends.
type containerProbes struct {
	k         *Kubelet
	pod       *corev1.Pod
	container *corev1.Container
	id        string
	podIP     string
	poke      func()

	cancel context.CancelFunc // nil when there are no probes to run
	wg     sync.WaitGroup

	mu      sync.Mutex                // guards results and started
	results map[probeType]probeResult // nil when there are no probes
	started bool                      // the startup probe passed (or there is none)
}

// newContainerProbes starts the probe goroutines of container instance id,
// which started at startedAt (on the kubelet's clock). poke is called when
// a result changes. A container without probes (most) costs one
// allocation: no context, results or goroutines.
func newContainerProbes(ctx context.Context, k *Kubelet, pod *corev1.Pod, c *corev1.Container, id, podIP string, startedAt time.Time, poke func()) *containerProbes {
	p := &containerProbes{k: k, pod: pod, container: c, id: id, podIP: podIP, poke: poke}
	p.started = c.StartupProbe == nil
	if c.LivenessProbe == nil && c.ReadinessProbe == nil && c.StartupProbe == nil {
		return p
	}
	pctx, cancel := context.WithCancel(ctx)
	p.cancel = cancel
	p.results = map[probeType]probeResult{}
	// Kubernetes' initial results: readiness fails until it passes,
	// liveness and startup are unknown (a pass for liveness).
	if c.ReadinessProbe != nil {
		p.results[readiness] = probeFailure
	}
	for _, x := range [...]struct {
		typ probeType
		pr  *corev1.Probe
	}{{liveness, c.LivenessProbe}, {readiness, c.ReadinessProbe}, {startup, c.StartupProbe}} {
		if x.pr == nil {
			continue
		}
		p.wg.Go(func() { p.run(pctx, x.typ, withProbeDefaults(x.pr), startedAt) })
	}
	return p
}

// withProbeDefaults fills Kubernetes' probe defaults: period 10 s,
// timeout 1 s, success threshold 1, failure threshold 3.
func withProbeDefaults(p *corev1.Probe) *corev1.Probe {
	q := *p
	if q.PeriodSeconds <= 0 {
		q.PeriodSeconds = 10
	}
	if q.TimeoutSeconds <= 0 {
		q.TimeoutSeconds = 1
	}
	if q.SuccessThreshold <= 0 {
		q.SuccessThreshold = 1
	}
	if q.FailureThreshold <= 0 {
		q.FailureThreshold = 3
	}
	return &q
}

func (p *containerProbes) stop() {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
}

// result returns the current result of a probe type and whether the
// container has started (startup probe passed).
func (p *containerProbes) result(typ probeType) probeResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.results[typ]
}

func (p *containerProbes) hasStarted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started
}

// run probes with Kubernetes' timing: the first probe initialDelaySeconds
// after the container started, then every periodSeconds; a result flips
// after successThreshold consecutive successes or failureThreshold
// consecutive failures. Liveness and readiness wait for the startup probe;
// the startup probe stops once it passed.
func (p *containerProbes) run(ctx context.Context, typ probeType, pr *corev1.Probe, startedAt time.Time) {
	clock := p.k.clock
	next := startedAt.Add(time.Duration(pr.InitialDelaySeconds) * time.Second)
	period := time.Duration(pr.PeriodSeconds) * time.Second
	successes, failures := 0, 0
	for {
		if d := next.Sub(clock.Now()); d > 0 {
			t := clock.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
			}
		} else if ctx.Err() != nil {
			return
		}
		next = clock.Now().Add(period)
		if typ != startup && !p.hasStarted() {
			continue
		}
		ok, err := p.probeOnce(ctx, pr)
		if ctx.Err() != nil {
			return
		}
		label := "successful"
		if !ok {
			label = "failed"
			p.k.log.V(1).Info("probe failed", "pod", p.pod.Namespace+"/"+p.pod.Name, "container", p.container.Name,
				"probe", string(typ), "error", errString(err))
			p.k.containerEventf(p.pod, p.container, corev1.EventTypeWarning, eventUnhealthy, "%s probe failed: %s", typ, errString(err))
		}
		p.k.metrics.probes.WithLabelValues(string(typ), label).Inc()
		if ok {
			successes, failures = successes+1, 0
		} else {
			successes, failures = 0, failures+1
		}
		var set probeResult
		switch {
		case ok && successes >= int(pr.SuccessThreshold):
			set = probeSuccess
		case !ok && failures >= int(pr.FailureThreshold):
			set = probeFailure
		default:
			continue
		}
		p.mu.Lock()
		changed := p.results[typ] != set
		p.results[typ] = set
		if typ == startup && set == probeSuccess {
			p.started = true
		}
		p.mu.Unlock()
		if changed {
			p.poke()
		}
		if typ == startup && set == probeSuccess {
			return
		}
		if set == probeFailure && (typ == liveness || typ == startup) {
			// The worker restarts the container; this instance's probing
			// is over.
			return
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// probeOnce runs one probe and reports whether it passed.
func (p *containerProbes) probeOnce(ctx context.Context, pr *corev1.Probe) (bool, error) {
	timeout := time.Duration(pr.TimeoutSeconds) * time.Second
	return runHandler(ctx, p.k, p.container, p.id, p.podIP, pr.Exec, pr.HTTPGet, pr.TCPSocket, timeout)
}

// runHandler runs an exec, httpGet or tcpSocket action against a container
// (probes and lifecycle hooks share it).
func runHandler(ctx context.Context, k *Kubelet, c *corev1.Container, id, podIP string,
	ex *corev1.ExecAction, hg *corev1.HTTPGetAction, ts *corev1.TCPSocketAction, timeout time.Duration) (bool, error) {
	switch {
	case ex != nil:
		res, err := k.cfg.Runtime.ExecSync(ctx, id, ex.Command, timeout)
		if err != nil {
			if !errors.Is(err, ErrExecTimeout) {
				k.runtimeErr("exec_sync", err)
			}
			return false, err
		}
		if res.ExitCode != 0 {
			return false, fmt.Errorf("command exited with %d: %s", res.ExitCode, res.Stdout)
		}
		return true, nil
	case hg != nil:
		port, err := resolvePort(hg.Port, c)
		if err != nil {
			return false, err
		}
		host := hg.Host
		if host == "" {
			host = podIP
		}
		scheme := "http"
		if hg.Scheme == corev1.URISchemeHTTPS {
			scheme = "https"
		}
		u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port))}
		path := hg.Path
		if path == "" {
			path = "/"
		}
		ref, err := url.Parse(path)
		if err != nil {
			return false, fmt.Errorf("httpGet path %q: %w", path, err)
		}
		u = u.ResolveReference(ref)
		rctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return false, err
		}
		req.Header.Set("User-Agent", "kube-probe/1.33")
		req.Header.Set("Accept", "*/*")
		for _, h := range hg.HTTPHeaders {
			if h.Name == "Host" {
				req.Host = h.Value
				continue
			}
			req.Header.Set(h.Name, h.Value)
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		if resp.StatusCode >= 200 && resp.StatusCode < 400 {
			return true, nil
		}
		return false, fmt.Errorf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	case ts != nil:
		port, err := resolvePort(ts.Port, c)
		if err != nil {
			return false, err
		}
		host := ts.Host
		if host == "" {
			host = podIP
		}
		d := net.Dialer{Timeout: timeout}
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return false, err
		}
		conn.Close()
		return true, nil
	}
	return false, errors.New("the probe has no exec, httpGet or tcpSocket action")
}

// probeClient follows no redirects off the host (Kubernetes treats a
// redirect as success) and skips TLS verification, as the kubelet does.
var probeClient = &http.Client{
	Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// resolvePort resolves a probe port: a number or the name of a container
// port.
func resolvePort(p intstr.IntOrString, c *corev1.Container) (int, error) {
	if p.Type == intstr.Int {
		if p.IntVal <= 0 || p.IntVal > 65535 {
			return 0, fmt.Errorf("invalid port %d", p.IntVal)
		}
		return int(p.IntVal), nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil && n > 0 && n <= 65535 {
		return n, nil
	}
	return 0, fmt.Errorf("couldn't find port %q in container %s", p.StrVal, c.Name)
}
