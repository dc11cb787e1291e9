package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// The demo's web server is this program itself, started by the kubelet
// with demoServeArg as its first argument; it listens on $DEMO_ADDR and
// answers with its pod's name.
const (
	demoServeArg = "serve-demo"
	// demoClientArg starts this program as the demo's client of the
	// Service: it runs in the pods' cgroup, where the service proxy's
	// programs translate the ClusterIP.
	demoClientArg = "demo-client"
	demoPort      = 8080
	demoReplicas  = 3
	demoName      = "web"
)

// serveDemoIfAsked runs the demo web server and reports true when the
// program was started as one.
func serveDemoIfAsked() bool {
	if len(os.Args) >= 4 && os.Args[1] == demoClientArg {
		os.Exit(demoClient(os.Args[2], os.Args[3]))
	}
	if len(os.Args) < 2 || os.Args[1] != demoServeArg {
		return false
	}
	addr := os.Getenv("DEMO_ADDR")
	pod := os.Getenv("POD_NAME")
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s (%s)\n", pod, addr)
	})
	fmt.Printf("demo web server of pod %s listening on %s\n", pod, addr)
	err := http.ListenAndServe(addr, mux)
	fmt.Fprintln(os.Stderr, "demo web server:", err)
	os.Exit(1)
	return true
}

// demoObjects are the Deployment and Service the demo creates.
func demoObjects(exe string) (*appsv1.Deployment, *corev1.Service) {
	labels := map[string]string{"app": demoName}
	replicas := int32(demoReplicas)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: demoName, Namespace: "default", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:    "web",
						Image:   "rigging.dev/demo-web:1",
						Command: []string{exe, demoServeArg},
						Env: []corev1.EnvVar{
							{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
							{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
							{Name: "DEMO_ADDR", Value: fmt.Sprintf("$(POD_IP):%d", demoPort)},
						},
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: demoPort, Protocol: corev1.ProtocolTCP}},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(demoPort)}},
							PeriodSeconds: 1,
						},
					}},
				},
			},
		},
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: demoName, Namespace: "default", Labels: labels},
		Spec: corev1.ServiceSpec{
			Selector: labels,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
		},
	}
	return dep, svc
}

// runDemo deploys the web server, waits for it, and checks every pod.
func runDemo(ctx context.Context, c *cluster, o options, out io.Writer) error {
	if c.realNode == "" {
		return errors.New("demo: no node runs real processes (the kubelet with the process runtime needs root)")
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("demo: find this program to run it as the web server: %w", err)
	}
	deps, err := client.For[appsv1.Deployment](c.cp.client)
	if err != nil {
		return err
	}
	svcs, err := client.For[corev1.Service](c.cp.client)
	if err != nil {
		return err
	}
	dep, svc := demoObjects(exe)
	// Only the real node can run the web server's process.
	dep.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": c.realNode}
	if _, err := deps.Namespace("default").Create(ctx, dep, client.CreateOptions{}); err != nil {
		return fmt.Errorf("demo: create deployment: %w", err)
	}
	created, err := svcs.Namespace("default").Create(ctx, svc, client.CreateOptions{})
	if err != nil {
		return fmt.Errorf("demo: create service: %w", err)
	}
	c.progress("created deployment/%s (%d replicas) and service/%s (clusterIP %s)", demoName, demoReplicas, demoName, created.Spec.ClusterIP)

	wctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	pods, err := waitReady(wctx, c)
	if err != nil {
		return err
	}
	if err := checkEndpoints(wctx, c); err != nil {
		return err
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	seen := map[string]bool{}
	for _, p := range pods {
		url := fmt.Sprintf("http://%s/", net.JoinHostPort(p.Status.PodIP, fmt.Sprint(demoPort)))
		body, err := get(wctx, hc, url)
		if err != nil {
			return fmt.Errorf("demo: request to pod %s at %s: %w", p.Name, url, err)
		}
		if !strings.Contains(body, p.Name) {
			return fmt.Errorf("demo: pod %s at %s answered %q, not its own name", p.Name, url, body)
		}
		seen[p.Name] = true
		c.progress("GET %s -> %s", url, strings.TrimSpace(body))
	}
	if len(seen) != demoReplicas {
		return fmt.Errorf("demo: %d distinct pods answered, want %d", len(seen), demoReplicas)
	}
	if c.podCgroup != "" {
		if err := checkService(wctx, c, exe, created.Spec.ClusterIP, seen); err != nil {
			return err
		}
	}
	via := ""
	if c.podCgroup != "" {
		via = ", and the Service's ClusterIP spread requests over them"
	}
	fmt.Fprintf(out, "demo passed: %d pods of deployment/%s ready on node %s, each answered with its own name%s\n", demoReplicas, demoName, c.realNode, via)
	return nil
}

func get(ctx context.Context, hc *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %s: %s", resp.Status, b)
	}
	return string(b), nil
}

// waitReady waits until the Deployment reports every replica available and
// as many pods are Ready, printing progress whenever it changes.
func waitReady(ctx context.Context, c *cluster) ([]corev1.Pod, error) {
	podsRes, err := client.For[corev1.Pod](c.cp.client)
	if err != nil {
		return nil, err
	}
	deps, err := client.For[appsv1.Deployment](c.cp.client)
	if err != nil {
		return nil, err
	}
	last := ""
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		list, err := podsRes.Namespace("default").List(ctx, client.ListOptions{LabelSelector: "app=" + demoName})
		if err != nil {
			return nil, fmt.Errorf("demo: list pods: %w", err)
		}
		var ready []corev1.Pod
		var states []string
		for _, p := range list.Items {
			if p.DeletionTimestamp != nil {
				continue
			}
			st := string(p.Status.Phase)
			if p.Spec.NodeName == "" {
				st = "Unscheduled"
			}
			for _, cs := range p.Status.ContainerStatuses {
				if cs.State.Waiting != nil && cs.State.Waiting.Reason != "" {
					st = cs.State.Waiting.Reason
				}
			}
			if podReady(&p) {
				ready = append(ready, p)
				st = "Ready"
			}
			states = append(states, p.Name+"="+st)
		}
		sort.Strings(states)
		d, err := deps.Namespace("default").Get(ctx, demoName, client.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("demo: get deployment: %w", err)
		}
		line := fmt.Sprintf("pods ready %d/%d, deployment available %d/%d  [%s]", len(ready), demoReplicas, d.Status.AvailableReplicas, demoReplicas, strings.Join(states, " "))
		if line != last {
			c.progress("%s", line)
			last = line
		}
		if len(ready) == demoReplicas && d.Status.AvailableReplicas == demoReplicas {
			sort.Slice(ready, func(i, j int) bool { return ready[i].Name < ready[j].Name })
			return ready, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("demo: pods not ready in time (%s): %w", line, ctx.Err())
		case <-tick.C:
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// checkEndpoints waits until the Service's EndpointSlices list every pod as
// ready.
func checkEndpoints(ctx context.Context, c *cluster) error {
	slices, err := client.For[discoveryv1.EndpointSlice](c.cp.client)
	if err != nil {
		return err
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		list, err := slices.Namespace("default").List(ctx, client.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + demoName})
		if err != nil {
			return fmt.Errorf("demo: list endpointslices: %w", err)
		}
		var addrs []string
		for _, s := range list.Items {
			for _, e := range s.Endpoints {
				if e.Conditions.Ready != nil && *e.Conditions.Ready {
					addrs = append(addrs, e.Addresses...)
				}
			}
		}
		if len(addrs) == demoReplicas {
			sort.Strings(addrs)
			c.progress("service/%s has %d ready endpoints: %s", demoName, len(addrs), strings.Join(addrs, ", "))
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: service/%s has %d ready endpoints, want %d: %w", demoName, len(addrs), demoReplicas, ctx.Err())
		case <-tick.C:
		}
	}
}

// demoClient GETs url n times, each on a new connection, and prints each
// answer on a line; it returns the exit code.
func demoClient(url, n string) int {
	var count int
	if _, err := fmt.Sscan(n, &count); err != nil || count <= 0 {
		fmt.Fprintf(os.Stderr, "demo client: bad count %q\n", n)
		return 2
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range count {
		body, err := get(context.Background(), hc, url)
		if err != nil {
			fmt.Fprintln(os.Stderr, "demo client:", err)
			return 1
		}
		fmt.Print(body)
	}
	return 0
}

// checkService sends requests to the Service's ClusterIP from a process in
// the pods' cgroup (where the eBPF service proxy is attached) and checks
// that they reach the Deployment's pods, more than one of them.
func checkService(ctx context.Context, c *cluster, exe, clusterIP string, pods map[string]bool) error {
	const requests = 12
	dir := filepath.Join(c.podCgroup, fmt.Sprintf("demo-client-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("demo: cgroup for the service client: %w", err)
	}
	defer os.Remove(dir)
	cg, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("demo: cgroup for the service client: %w", err)
	}
	defer cg.Close()
	url := fmt.Sprintf("http://%s/", net.JoinHostPort(clusterIP, "80"))
	// The proxy programs endpoints within its batching interval (1 s) of
	// their becoming ready: until then the service may have fewer
	// backends, so the batch of requests is repeated until they spread.
	var hits map[string]int
	var lastErr error
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		cmd := exec.CommandContext(ctx, exe, demoClientArg, url, fmt.Sprint(requests))
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		hits = map[string]int{}
		if err != nil {
			// Not programmed yet (no backend: connect is refused with
			// EPERM): try again until the deadline.
			lastErr = fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
			out = nil
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line == "" {
				continue
			}
			var pod string
			if _, err := fmt.Sscanf(line, "hello from %s", &pod); err != nil || !pods[pod] {
				return fmt.Errorf("demo: service/%s answered %q, not one of its pods", demoName, line)
			}
			hits[pod]++
		}
		if len(hits) == len(pods) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: %d requests to service/%s at %s reached only %v (last error: %v): %w", requests, demoName, url, hits, lastErr, ctx.Err())
		case <-tick.C:
		}
	}
	names := make([]string, 0, len(hits))
	for p, n := range hits {
		names = append(names, fmt.Sprintf("%s×%d", p, n))
	}
	sort.Strings(names)
	c.progress("GET %s (service/%s, %d requests through the eBPF proxy) -> %s", url, demoName, requests, strings.Join(names, " "))
	return nil
}
