package kubelet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/names"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/client/events"
	"github.com/rigging-dev/rigging/cni"
	"github.com/rigging-dev/rigging/cni/netns"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/csi"
)

// Defaults of Config, with their figures.
const (
	// DefaultMaxPods is the pods capacity when Config.Capacity has none.
	DefaultMaxPods = 110
	// DefaultListenAddress is where the kubelet's HTTP server listens.
	DefaultListenAddress = "127.0.0.1:0"
	// DefaultLeaseDuration is the Lease's leaseDurationSeconds (40 s).
	DefaultLeaseDuration = 40 * time.Second
	// DefaultLeaseRenewInterval is how often the Lease is renewed (10 s).
	DefaultLeaseRenewInterval = 10 * time.Second
	// DefaultNodeStatusUpdateFrequency is how often node conditions are
	// checked and written when they changed (10 s).
	DefaultNodeStatusUpdateFrequency = 10 * time.Second
	// DefaultNodeStatusReportFrequency is how often node status is written
	// even when nothing changed (1 min).
	DefaultNodeStatusReportFrequency = time.Minute
	// DefaultRelistPeriod is how often each pod worker polls the Runtime
	// for container state changes (1 s, as Kubernetes' PLEG relists).
	DefaultRelistPeriod = time.Second
	// DefaultKubeletVersion is reported in nodeInfo.kubeletVersion.
	DefaultKubeletVersion = "v1.33.0+rigging"
	// NodeLeaseNamespace is where node Leases live.
	NodeLeaseNamespace = "kube-node-lease"
	// DefaultEventRecordQPS and DefaultEventBurst limit the writes of the
	// default Recorder's Events: 50 a second in bursts of 100, as
	// Kubernetes' kubelet (eventRecordQPS, eventBurst).
	DefaultEventRecordQPS = 50
	DefaultEventBurst     = 100
	// CrashLoopBackOffInitial and CrashLoopBackOffMax bound the delay
	// before restarting a container that keeps failing: 10 s doubling to
	// 5 min; the delay resets once a container has run
	// CrashLoopBackOffReset (10 min) without a restart.
	CrashLoopBackOffInitial = 10 * time.Second
	CrashLoopBackOffMax     = 5 * time.Minute
	CrashLoopBackOffReset   = 10 * time.Minute
)

// Config configures a Kubelet. NodeName, Client and Runtime are required;
// every other field has a documented default, so a Config with just those
// three works.
type Config struct {
	// NodeName is the Node's name (a DNS subdomain); required.
	NodeName string
	// Client reaches the API server; required.
	Client *client.Client
	// Runtime runs the pods' containers; required.
	Runtime Runtime
	// NetworkPlugin, when set, gives each pod that is not hostNetwork its
	// own network namespace and address. Default nil: every pod uses the
	// node's network and its pod IP is the node's InternalIP.
	NetworkPlugin cni.NetworkPlugin
	// NetNSDir is where the kubelet makes pod network namespaces
	// ("<NetNSDir>/rigging-<pod-uid>-<sandbox-attempt>"). Default
	// "/var/run/netns". Used only with a NetworkPlugin.
	NetNSDir string
	// NetNS makes and removes the pods' network namespaces when a
	// NetworkPlugin is set: as a CNI runtime does, the kubelet makes the
	// namespace and the plugin wires it. Default: named namespaces
	// bind-mounted on their path, as `ip netns` makes them (package
	// cni/netns; needs root).
	NetNS NetNS
	// VolumePlugin is the CSI driver for csi volumes. Default nil: pods
	// with csi volumes fail to start with a clear message. (The built-in
	// emptyDir, hostPath, secret and configMap volumes need no plugin.)
	VolumePlugin csi.VolumePlugin
	// RootDir holds the container logs,
	// <RootDir>/logs/<pod-uid>_<container>_<attempt>.log, and the
	// directories of pods with volumes, <RootDir>/pods/<pod-uid>/volumes
	// (see the package doc). Default
	// <os.TempDir()>/rigging-kubelet-<NodeName>. Each kubelet needs its
	// own: at start a kubelet removes the pod directories and logs of pods
	// it does not know.
	RootDir string
	// Capacity is the node's capacity. Resources missing from it are
	// measured: cpu = the number of CPUs Go can use, memory = MemTotal of
	// /proc/meminfo, pods = DefaultMaxPods (110), ephemeral-storage = the
	// size of RootDir's filesystem.
	Capacity corev1.ResourceList
	// Reserved is subtracted from Capacity to give Allocatable (system
	// and kube reserved together). Default: nothing reserved.
	Reserved corev1.ResourceList
	// Labels are added to the Node's labels, after the standard
	// kubernetes.io/hostname, kubernetes.io/os and kubernetes.io/arch.
	Labels map[string]string
	// Taints are registered with the Node (only when the kubelet creates
	// it; later changes are the administrator's).
	Taints []corev1.Taint
	// Addresses are the Node's addresses. Default: InternalIP 127.0.0.1
	// and Hostname os.Hostname(). The first InternalIP is the pods'
	// hostIP and the host-network pods' podIP, and the address the API
	// server's pods/log reaches the kubelet's server at.
	Addresses []corev1.NodeAddress
	// ListenAddress is the TCP address of the kubelet's HTTP server
	// (/healthz, /containerLogs, /stats/summary). Default "127.0.0.1:0":
	// a free loopback port, reported in the Node's
	// daemonEndpoints.kubeletEndpoint.Port.
	ListenAddress string
	// LeaseDuration is the Lease's leaseDurationSeconds. Default 40 s.
	LeaseDuration time.Duration
	// LeaseRenewInterval is how often the Lease is renewed. Default 10 s.
	LeaseRenewInterval time.Duration
	// NodeStatusUpdateFrequency is how often node conditions are computed
	// and written if they changed. Default 10 s.
	NodeStatusUpdateFrequency time.Duration
	// NodeStatusReportFrequency is how often node status is written even
	// unchanged (refreshing lastHeartbeatTime). Default 1 min.
	NodeStatusReportFrequency time.Duration
	// RelistPeriod is how often each pod worker polls the Runtime for
	// container state changes. It runs on the wall clock, not Clock,
	// because containers exit on the runtime's time. Default 1 s.
	RelistPeriod time.Duration
	// KubeletVersion is reported in the Node's nodeInfo.kubeletVersion.
	// Default DefaultKubeletVersion.
	KubeletVersion string
	// Logger receives the kubelet's logs. Default: discard.
	Logger logr.Logger
	// Metrics, when set, receives the kubelet's metrics (see Metrics
	// names in metrics.go). Default nil: not registered.
	Metrics prometheus.Registerer
	// Clock times leases, status reports, probes, crash-loop back-off,
	// grace periods and active deadlines. Default controller.RealClock.
	// Tests pass a *controller.FakeClock.
	Clock controller.Clock
	// Recorder receives the kubelet's Events (Created, Started, Killing,
	// BackOff, Unhealthy, Failed, FailedMount, and the node's Starting).
	// Default: an events.APIRecorder on Client with source "kubelet" and
	// host NodeName, stamped by Clock, writing at most EventRecordQPS
	// Events a second in bursts of EventBurst, which Run stops when it
	// returns.
	Recorder events.Recorder
	// EventRecordQPS limits the default Recorder's writes, so that a
	// burst of pod starts does not put two Event writes per pod beside
	// each pod's status write. Default DefaultEventRecordQPS (50); a
	// negative value means no limit. Unused with a Recorder of your own.
	EventRecordQPS float64
	// EventBurst is how many Events the default Recorder may write at
	// once after a quiet spell. Default DefaultEventBurst (100).
	EventBurst int
}

// Kubelet is a running node agent. Make one with New and Run it once.
type Kubelet struct {
	cfg     Config
	log     logr.Logger
	clock   controller.Clock
	metrics *metrics

	nodeIP      string // first InternalIP
	listener    net.Listener
	port        int
	server      *http.Server
	serveCtx    context.Context // the base context of the server's requests
	serveCancel context.CancelFunc

	pods     *client.Resource[corev1.Pod]
	nodes    *client.Resource[corev1.Node]
	informer *client.Informer[corev1.Pod]

	runtimeName string // for containerID "<runtime>://<id>"

	mu      sync.Mutex // guards workers, closed
	workers map[string]*podWorker
	closed  bool

	// sandboxesAtStart holds the UIDs of the pods that had a sandbox of
	// this node in the Runtime when Run started (made by an earlier
	// kubelet): only their workers look for one to adopt. nil when the
	// list failed: then every worker looks. Written before the informer
	// starts the workers, read-only after.
	sandboxesAtStart map[string]bool

	stats *statsCache
	// volSources watches the Secrets and ConfigMaps of pods' volumes.
	volSources *volumeSources

	runOnce sync.Once
}

// New validates cfg, fills in its defaults and returns a Kubelet whose HTTP
// server is already listening (so Port is known before Run); Run serves it
// and closes it when it returns. A Kubelet that is never Run must be
// Closed.
func New(cfg Config) (*Kubelet, error) {
	if err := names.IsDNS1123Subdomain(cfg.NodeName); len(err) > 0 {
		return nil, fmt.Errorf("kubelet: invalid NodeName %q: %s", cfg.NodeName, strings.Join(err, "; "))
	}
	if cfg.Client == nil {
		return nil, errors.New("kubelet: Client is required")
	}
	if cfg.Runtime == nil {
		return nil, errors.New("kubelet: Runtime is required")
	}
	if cfg.RootDir == "" {
		cfg.RootDir = filepath.Join(os.TempDir(), "rigging-kubelet-"+cfg.NodeName)
	}
	if cfg.NetNSDir == "" {
		cfg.NetNSDir = "/var/run/netns"
	}
	if cfg.NetNS == nil {
		cfg.NetNS = NetNSFuncs{CreateFunc: netns.Create, DeleteFunc: netns.Delete}
	}
	if cfg.ListenAddress == "" {
		cfg.ListenAddress = DefaultListenAddress
	}
	for name, d := range map[string]*time.Duration{
		"LeaseDuration": &cfg.LeaseDuration, "LeaseRenewInterval": &cfg.LeaseRenewInterval,
		"NodeStatusUpdateFrequency": &cfg.NodeStatusUpdateFrequency, "NodeStatusReportFrequency": &cfg.NodeStatusReportFrequency,
		"RelistPeriod": &cfg.RelistPeriod,
	} {
		if *d < 0 {
			return nil, fmt.Errorf("kubelet: %s must not be negative, got %v", name, *d)
		}
	}
	setDur(&cfg.LeaseDuration, DefaultLeaseDuration)
	setDur(&cfg.LeaseRenewInterval, DefaultLeaseRenewInterval)
	setDur(&cfg.NodeStatusUpdateFrequency, DefaultNodeStatusUpdateFrequency)
	setDur(&cfg.NodeStatusReportFrequency, DefaultNodeStatusReportFrequency)
	setDur(&cfg.RelistPeriod, DefaultRelistPeriod)
	if cfg.KubeletVersion == "" {
		cfg.KubeletVersion = DefaultKubeletVersion
	}
	if cfg.Logger.GetSink() == nil {
		cfg.Logger = logr.Discard()
	}
	if cfg.Clock == nil {
		cfg.Clock = controller.RealClock{}
	}
	if err := setDefaultRecorder(&cfg); err != nil {
		return nil, err
	}
	if len(cfg.Addresses) == 0 {
		cfg.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
		if h, err := os.Hostname(); err == nil && h != "" {
			cfg.Addresses = append(cfg.Addresses, corev1.NodeAddress{Type: corev1.NodeHostName, Address: h})
		}
	}
	k := &Kubelet{cfg: cfg, log: cfg.Logger.WithValues("node", cfg.NodeName), clock: cfg.Clock,
		workers: map[string]*podWorker{}, stats: newStatsCache()}
	k.volSources = newVolumeSources(cfg.Client)
	for _, a := range cfg.Addresses {
		if a.Type == corev1.NodeInternalIP {
			if net.ParseIP(a.Address) == nil {
				return nil, fmt.Errorf("kubelet: InternalIP %q is not an IP address", a.Address)
			}
			if k.nodeIP == "" {
				k.nodeIP = a.Address
			}
		}
	}
	if k.nodeIP == "" {
		return nil, errors.New("kubelet: Addresses must include an InternalIP")
	}
	for name, q := range cfg.Capacity {
		if q.Sign() < 0 {
			return nil, fmt.Errorf("kubelet: capacity %s is negative: %s", name, q.String())
		}
	}
	for name, q := range cfg.Reserved {
		if q.Sign() < 0 {
			return nil, fmt.Errorf("kubelet: reserved %s is negative: %s", name, q.String())
		}
	}
	var err error
	if k.pods, err = client.For[corev1.Pod](cfg.Client); err != nil {
		return nil, fmt.Errorf("kubelet: %w", err)
	}
	if k.nodes, err = client.For[corev1.Node](cfg.Client); err != nil {
		return nil, fmt.Errorf("kubelet: %w", err)
	}
	k.informer = client.NewInformer(k.pods, client.InformerOptions{FieldSelector: "spec.nodeName=" + cfg.NodeName})
	k.metrics, err = newMetrics(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("kubelet: register metrics: %w", err)
	}
	for _, dir := range []string{"pods", "logs"} {
		if err := os.MkdirAll(filepath.Join(cfg.RootDir, dir), 0o755); err != nil {
			return nil, fmt.Errorf("kubelet: create root directory: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.ListenAddress)
	if err != nil {
		return nil, fmt.Errorf("kubelet: listen on %s: %w", cfg.ListenAddress, err)
	}
	k.listener = ln
	k.port = ln.Addr().(*net.TCPAddr).Port
	// Requests' contexts end when Run stops, so that followed log streams
	// do not hold up the shutdown.
	k.serveCtx, k.serveCancel = context.WithCancel(context.Background())
	k.server = &http.Server{Handler: k.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return k.serveCtx }}
	return k, nil
}

func setDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// NodeName returns the node's name.
func (k *Kubelet) NodeName() string { return k.cfg.NodeName }

// Port returns the port of the kubelet's HTTP server.
func (k *Kubelet) Port() int { return k.port }

// Addr returns the host:port of the kubelet's HTTP server.
func (k *Kubelet) Addr() string { return k.listener.Addr().String() }

// Close releases the HTTP listener of a Kubelet that was never Run. It is
// harmless after Run.
func (k *Kubelet) Close() error {
	k.serveCancel()
	err := k.listener.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Run registers the Node, starts the Lease and node status loops, the HTTP
// server and the pod informer and workers, and blocks until ctx ends. It
// then stops every goroutine it started and returns; the pods' containers
// keep running in the Runtime (as when a real kubelet restarts), and a new
// Kubelet for the same node picks them up. It returns ctx's end as nil, or
// the error that stopped it early (the Node could not be registered, the
// server failed). Run may be called once.
func (k *Kubelet) Run(ctx context.Context) error {
	ran := false
	k.runOnce.Do(func() { ran = true })
	if !ran {
		return errors.New("kubelet: Run called twice")
	}
	defer k.listener.Close()
	defer k.startEvents()()
	if v, err := k.cfg.Runtime.Version(ctx); err == nil {
		k.runtimeName = v.RuntimeName
	} else {
		return fmt.Errorf("kubelet: runtime version: %w", err)
	}
	if err := k.registerNode(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		err := k.server.Serve(k.listener)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("kubelet: serve: %w", err)
	})
	g.Go(func() error {
		<-gctx.Done()
		k.serveCancel()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = k.server.Shutdown(sctx)
		return nil
	})
	g.Go(func() error { k.leaseLoop(gctx); return nil })
	g.Go(func() error { k.nodeStatusLoop(gctx); return nil })
	g.Go(func() error { return k.runPods(gctx) })
	err := g.Wait()
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// machineCapacity returns the node's capacity: cfg.Capacity with the
// missing resources measured.
func (k *Kubelet) machineCapacity() corev1.ResourceList {
	out := corev1.ResourceList{}
	for n, q := range k.cfg.Capacity {
		out[n] = q.DeepCopy()
	}
	if _, ok := out[corev1.ResourceCPU]; !ok {
		out[corev1.ResourceCPU] = *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI)
	}
	if _, ok := out[corev1.ResourceMemory]; !ok {
		if m := memTotal(); m > 0 {
			out[corev1.ResourceMemory] = *resource.NewQuantity(m, resource.BinarySI)
		}
	}
	if _, ok := out[corev1.ResourcePods]; !ok {
		out[corev1.ResourcePods] = *resource.NewQuantity(DefaultMaxPods, resource.DecimalSI)
	}
	if _, ok := out[corev1.ResourceEphemeralStorage]; !ok {
		if s := fsSize(k.cfg.RootDir); s > 0 {
			out[corev1.ResourceEphemeralStorage] = *resource.NewQuantity(s, resource.BinarySI)
		}
	}
	return out
}

// allocatable returns capacity minus reserved, never below zero.
func allocatable(capacity, reserved corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for n, q := range capacity {
		a := q.DeepCopy()
		if r, ok := reserved[n]; ok {
			a.Sub(r)
			if a.Sign() < 0 {
				a = *resource.NewQuantity(0, q.Format())
			}
		}
		out[n] = a
	}
	return out
}

// NetNS makes and removes named network namespaces: a namespace kept alive
// by a file it is bind-mounted on, that processes join by opening the
// path. Implementations must allow calls from many goroutines at once.
type NetNS interface {
	// Create makes a new namespace at path; it fails if path exists.
	Create(path string) error
	// Delete removes the namespace at path; a missing path succeeds.
	Delete(path string) error
}

// NetNSFuncs adapts two functions to NetNS.
type NetNSFuncs struct {
	CreateFunc func(path string) error
	DeleteFunc func(path string) error
}

// Create calls CreateFunc.
func (f NetNSFuncs) Create(path string) error { return f.CreateFunc(path) }

// Delete calls DeleteFunc.
func (f NetNSFuncs) Delete(path string) error { return f.DeleteFunc(path) }
