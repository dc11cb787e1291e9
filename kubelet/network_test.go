package kubelet_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/cni"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

// recordingPlugin is a cni.NetworkPlugin that hands out 10.1.0.N and
// records its calls. It makes no namespaces.
type recordingPlugin struct {
	mu   sync.Mutex
	adds []cni.Attachment
	dels []cni.Attachment
}

func (p *recordingPlugin) Add(_ context.Context, att cni.Attachment) (*cni.Result, error) {
	if err := att.Validate("ADD"); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.adds = append(p.adds, att)
	ip := net.IPv4(10, 1, 0, byte(len(p.adds)+4))
	return &cni.Result{CNIVersion: cni.SpecVersion, IPs: []cni.IPConfig{{Address: net.IPNet{IP: ip, Mask: net.CIDRMask(24, 32)}}}}, nil
}

func (p *recordingPlugin) Del(_ context.Context, att cni.Attachment) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dels = append(p.dels, att)
	return nil
}

func (p *recordingPlugin) Check(context.Context, cni.Attachment, *cni.Result) error { return nil }
func (p *recordingPlugin) Status(context.Context) error                             { return nil }
func (p *recordingPlugin) GC(context.Context, []cni.AttachmentKey) error            { return nil }

func TestNetworkPlugin(t *testing.T) {
	plugin := &recordingPlugin{}
	var nsMu sync.Mutex
	namespaces := map[string]bool{}
	h := newHarness(t, harnessOpts{cfg: func(c *kubelet.Config) {
		c.NetworkPlugin = plugin
		c.NetNSDir = "/run/test-netns"
		c.NetNS = kubelet.NetNSFuncs{
			CreateFunc: func(path string) error {
				nsMu.Lock()
				defer nsMu.Unlock()
				if namespaces[path] {
					return errors.New("exists")
				}
				namespaces[path] = true
				return nil
			},
			DeleteFunc: func(path string) error {
				nsMu.Lock()
				defer nsMu.Unlock()
				delete(namespaces, path)
				return nil
			},
		}
	}})
	h.createPod(simplePod("net", ctr("app", "server")))
	hostNet := simplePod("hostnet", ctr("app", "server"))
	hostNet.Spec.HostNetwork = true
	h.createPod(hostNet)
	p := h.waitPod("net", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if p.Status.PodIP != "10.1.0.5" || p.Status.HostIP != "127.0.0.1" {
		t.Errorf("podIP %q hostIP %q", p.Status.PodIP, p.Status.HostIP)
	}
	hp := h.waitPod("hostnet", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if hp.Status.PodIP != "127.0.0.1" {
		t.Errorf("host network pod IP %q", hp.Status.PodIP)
	}
	plugin.mu.Lock()
	adds := append([]cni.Attachment(nil), plugin.adds...)
	plugin.mu.Unlock()
	if len(adds) != 1 || adds[0].Pod.Name != "net" || adds[0].IfName != "eth0" || adds[0].NetNS == "" {
		t.Fatalf("adds %+v", adds)
	}
	nsMu.Lock()
	made := namespaces[adds[0].NetNS]
	nsMu.Unlock()
	if !made {
		t.Errorf("the namespace %s was not made before Add", adds[0].NetNS)
	}
	sbs, _ := h.rt.ListPodSandbox(context.Background(), nil)
	if len(sbs) != 2 {
		t.Fatalf("sandboxes %d", len(sbs))
	}
	if err := h.pods.Delete(context.Background(), "net", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h.eventually("network released", func() (bool, string) {
		plugin.mu.Lock()
		defer plugin.mu.Unlock()
		return len(plugin.dels) == 1 && plugin.dels[0].ContainerID == adds[0].ContainerID, ""
	}, func() { h.clock.Step(time.Second) })
	h.eventually("namespace removed", func() (bool, string) {
		nsMu.Lock()
		defer nsMu.Unlock()
		return len(namespaces) == 0, ""
	}, nil)
}

func TestHTTPAndTCPProbes(t *testing.T) {
	var healthy atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || r.Header.Get("X-Probe") != "yes" || !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	_, portStr, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portStr)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	h := newHarness(t, harnessOpts{})
	c := ctr("app", "server")
	c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: int32(port)}}
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/healthz", Port: intstr.FromString("http"), HTTPHeaders: []corev1.HTTPHeader{{Name: "X-Probe", Value: "yes"}}}},
		PeriodSeconds: 1, FailureThreshold: 1}
	c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{
		Port: intstr.FromInt32(int32(ln.Addr().(*net.TCPAddr).Port))}}, PeriodSeconds: 1, FailureThreshold: 1}
	h.createPod(simplePod("httpprobe", c))
	h.waitPod("httpprobe", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	healthy.Store(true)
	h.waitPodStepping("httpprobe", "ready via httpGet", time.Second, func(p *corev1.Pod) bool {
		return cond(p, corev1.PodReady) == corev1.ConditionTrue
	})
	healthy.Store(false)
	h.waitPodStepping("httpprobe", "unready via httpGet", time.Second, func(p *corev1.Pod) bool {
		return cond(p, corev1.PodReady) == corev1.ConditionFalse
	})
	// The tcpSocket liveness probe passes while the listener is up...
	p := h.waitPod("httpprobe", "", func(p *corev1.Pod) bool { return true })
	if cstatus(p, "app").RestartCount != 0 {
		t.Fatalf("tcp liveness failed with the listener up: %s", statusString(p))
	}
	// ...and restarts the container once it is gone.
	ln.Close()
	h.waitPodStepping("httpprobe", "restarted by tcpSocket liveness", time.Second, func(p *corev1.Pod) bool {
		return cstatus(p, "app").RestartCount >= 1
	})
}

func TestPreStopHookAndGracePeriod(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Images: map[string]fake.Behavior{
		"stubborn": {IgnoreStopSignal: true},
	}}})
	c := ctr("app", "stubborn")
	c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"drain"}}}}
	p := simplePod("graceful", c)
	p.Spec.TerminationGracePeriodSeconds = new(int64(5))
	h.createPod(p)
	h.waitPod("graceful", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	h.rt.ResetCalls()
	if err := h.pods.Delete(context.Background(), "graceful", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The container ignores SIGTERM: StopContainer waits the grace period
	// on the fake clock, then kills it, and the pod object goes.
	h.eventually("StopContainer waiting", func() (bool, string) {
		return len(h.rt.CallsTo("StopContainer")) == 1 && h.clock.Waiters() > 0, ""
	}, nil)
	if _, err := h.pods.Get(context.Background(), "graceful", client.GetOptions{}); err != nil {
		t.Fatalf("pod gone before the grace period ended: %v", err)
	}
	h.clock.Step(5 * time.Second)
	h.eventually("pod gone", func() (bool, string) {
		_, err := h.pods.Get(context.Background(), "graceful", client.GetOptions{})
		return client.IsNotFound(err), errString(err)
	}, nil)
	calls := h.rt.Calls()
	var order []string
	for _, c := range calls {
		switch c.Method {
		case "ExecSync":
			order = append(order, "exec:"+c.Cmd[0])
		case "StopContainer":
			order = append(order, "stop:"+c.Timeout.String())
		}
	}
	if len(order) < 2 || order[0] != "exec:drain" || order[1] != "stop:5s" {
		t.Errorf("calls %v, want preStop exec then StopContainer(5s)", order)
	}
}

// TestNetworkAdoptedAfterRestart: a restarted kubelet keeps a pod's IP
// and attachment and releases both when the pod goes.
func TestNetworkAdoptedAfterRestart(t *testing.T) {
	plugin := &recordingPlugin{}
	netNS := kubelet.NetNSFuncs{CreateFunc: func(string) error { return nil }, DeleteFunc: func(string) error { return nil }}
	h := newHarness(t, harnessOpts{noStart: true, cfg: func(c *kubelet.Config) {
		c.NetworkPlugin, c.NetNS = plugin, netNS
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.k.Run(ctx) }()
	h.createPod(simplePod("net", ctr("app", "server")))
	h.waitPod("net", "running", func(p *corev1.Pod) bool { return p.Status.PodIP == "10.1.0.5" })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	k2, err := kubelet.New(kubelet.Config{NodeName: testNode, Client: h.env.Client, Runtime: h.rt, RootDir: h.rootDir,
		Clock: h.clock, RelistPeriod: 5 * time.Millisecond, NetworkPlugin: plugin, NetNS: netNS})
	if err != nil {
		t.Fatal(err)
	}
	h.k = k2
	h.run()
	h.rt.ResetCalls()
	// Five ListContainers calls: the worker's first sync (two), and its
	// status write, are done.
	h.eventually("new kubelet synced", func() (bool, string) { return len(h.rt.CallsTo("ListContainers")) >= 5, "" }, nil)
	p, err := h.pods.Get(context.Background(), "net", client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status.PodIP != "10.1.0.5" {
		t.Fatalf("pod IP after the restart: %q, want 10.1.0.5", p.Status.PodIP)
	}
	if err := h.pods.Delete(context.Background(), "net", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h.eventually("network released", func() (bool, string) {
		plugin.mu.Lock()
		defer plugin.mu.Unlock()
		return len(plugin.dels) == 1, ""
	}, nil)
	plugin.mu.Lock()
	defer plugin.mu.Unlock()
	if len(plugin.adds) != 1 {
		t.Errorf("Add called %d times, want 1", len(plugin.adds))
	}
}
