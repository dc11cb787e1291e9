package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/cni"
	"github.com/rigging-dev/rigging/cni/bridge"
	"github.com/rigging-dev/rigging/cni/netns"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
	"github.com/rigging-dev/rigging/kubelet/runtime/process"
	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/ebpf"
)

// startNodes starts the kubelets: the real node (process runtime, bridge
// network) when running as root, and o.fakeNodes simulated ones; then waits
// until every node is registered and Ready.
func startNodes(ctx context.Context, c *cluster, o options) error {
	if os.Geteuid() == 0 {
		name := o.nodeName
		if name == "" {
			h, err := os.Hostname()
			if err != nil {
				return fmt.Errorf("node name: %w", err)
			}
			name = h
		}
		if err := startRealNode(c, o, name); err != nil {
			return err
		}
	} else {
		c.progress("not root: no node with real processes (the process runtime needs root for cgroups and namespaces)")
	}
	for i := range o.fakeNodes {
		if err := startFakeNode(c, o, fmt.Sprintf("fake-node-%04d", i)); err != nil {
			return err
		}
	}
	if len(c.nodes) == 0 {
		c.progress("no nodes: pods will stay Pending")
		return nil
	}
	return waitNodesReady(ctx, c)
}

func startRealNode(c *cluster, o options, name string) error {
	root := filepath.Join(o.dataDir, "nodes", name)
	cgRoot, err := ebpf.Cgroup2Root()
	if err != nil {
		return fmt.Errorf("find cgroup v2: %w", err)
	}
	podCgroups := filepath.Join(cgRoot, "rigging")
	rt, err := process.New(process.Options{
		RootDir:    filepath.Join(root, "runtime"),
		CgroupRoot: podCgroups,
		Logger:     c.log.WithName("runtime").WithValues("node", name),
	})
	if err != nil {
		return fmt.Errorf("process runtime: %w", err)
	}
	// Closed last, after the proxy detached from the pod cgroup root:
	// closing removes the root when New made it.
	c.closers = append(c.closers, rt.Close)
	if err := startProxy(c, name, podCgroups); err != nil {
		return err
	}
	netnsDir := filepath.Join(root, "netns")
	network := &nodeNetwork{c: c.cp.client, node: name, dataDir: filepath.Join(root, "cni")}
	k, err := kubelet.New(kubelet.Config{
		NodeName:      name,
		Client:        c.cp.client,
		Runtime:       rt,
		NetworkPlugin: network,
		NetNSDir:      netnsDir,
		RootDir:       filepath.Join(root, "kubelet"),
		Logger:        c.log.WithName("kubelet").WithValues("node", name),
	})
	if err != nil {
		return fmt.Errorf("kubelet %s: %w", name, err)
	}
	c.g.Go(func() error {
		if err := k.Run(c.gctx); err != nil && c.gctx.Err() == nil {
			return fmt.Errorf("kubelet %s: %w", name, err)
		}
		return nil
	})
	c.closers = append(c.closers, network.teardown, func() error { return removePods(rt, netnsDir) })
	c.nodes = append(c.nodes, name)
	c.realNode = name
	c.progress("kubelet %s started (process runtime, bridge network, server %s)", name, k.Addr())
	return nil
}

func startFakeNode(c *cluster, o options, name string) error {
	rt := fake.New(fake.Options{})
	k, err := kubelet.New(kubelet.Config{
		NodeName: name,
		Client:   c.cp.client,
		Runtime:  rt,
		RootDir:  filepath.Join(o.dataDir, "nodes", name),
		Labels:   map[string]string{"type": "fake"},
		Logger:   c.log.WithName("kubelet").WithValues("node", name),
	})
	if err != nil {
		return fmt.Errorf("kubelet %s: %w", name, err)
	}
	c.g.Go(func() error {
		if err := k.Run(c.gctx); err != nil && c.gctx.Err() == nil {
			return fmt.Errorf("kubelet %s: %w", name, err)
		}
		return nil
	})
	c.nodes = append(c.nodes, name)
	return nil
}

// waitNodesReady waits until every started node is registered and Ready.
func waitNodesReady(ctx context.Context, c *cluster) error {
	nodes, err := client.For[corev1.Node](c.cp.client)
	if err != nil {
		return err
	}
	want := make(map[string]bool, len(c.nodes))
	for _, n := range c.nodes {
		want[n] = true
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	last := -1
	for {
		list, err := nodes.List(wctx, client.ListOptions{})
		if err != nil {
			return fmt.Errorf("list nodes: %w", err)
		}
		ready := 0
		for i := range list.Items {
			n := &list.Items[i]
			if !want[n.Name] {
				continue
			}
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		if ready != last {
			c.progress("nodes ready %d/%d", ready, len(want))
			last = ready
		}
		if ready == len(want) {
			return nil
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("nodes not ready in time (%d/%d): %w", ready, len(want), context.Cause(wctx))
		case <-c.gctx.Done():
			return fmt.Errorf("a component stopped while nodes registered: %w", c.g.Wait())
		case <-tick.C:
		}
	}
}

// nodeNetwork is the real node's cni.NetworkPlugin: the bridge plugin on
// the node's pod subnet. The subnet is the Node's spec.podCIDR, which the
// node IPAM controller sets after the kubelet registers the node, so the
// bridge is made on the first Add (as Kubernetes' kubenet did).
type nodeNetwork struct {
	c       *client.Client
	node    string
	dataDir string

	mu     sync.Mutex // guards plugin
	plugin *bridge.Plugin
}

var _ cni.NetworkPlugin = (*nodeNetwork)(nil)

// fallbackPodCIDR is used when no IPAM controller sets the node's podCIDR.
var fallbackPodCIDR = netip.MustParsePrefix("10.88.0.0/24")

func (n *nodeNetwork) get(ctx context.Context) (*bridge.Plugin, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.plugin != nil {
		return n.plugin, nil
	}
	subnet, err := n.podCIDR(ctx)
	if err != nil {
		return nil, err
	}
	p, err := bridge.New(bridge.Options{Subnet: subnet, DataDir: n.dataDir})
	if err != nil {
		return nil, err
	}
	n.plugin = p
	return p, nil
}

func (n *nodeNetwork) podCIDR(ctx context.Context) (netip.Prefix, error) {
	nodes, err := client.For[corev1.Node](n.c)
	if err != nil {
		return netip.Prefix{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		node, err := nodes.Get(wctx, n.node, client.GetOptions{})
		if err == nil && node.Spec.PodCIDR != "" {
			return netip.ParsePrefix(node.Spec.PodCIDR)
		}
		select {
		case <-wctx.Done():
			if errors.Is(wctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
				return fallbackPodCIDR, nil
			}
			return netip.Prefix{}, wctx.Err()
		case <-tick.C:
		}
	}
}

func (n *nodeNetwork) Add(ctx context.Context, att cni.Attachment) (*cni.Result, error) {
	p, err := n.get(ctx)
	if err != nil {
		return nil, &cni.Error{Code: cni.ErrTryAgainLater, Msg: "pod network not ready", Details: err.Error()}
	}
	return p.Add(ctx, att)
}

func (n *nodeNetwork) Del(ctx context.Context, att cni.Attachment) error {
	n.mu.Lock()
	p := n.plugin
	n.mu.Unlock()
	if p == nil {
		return nil // nothing was ever added
	}
	return p.Del(ctx, att)
}

func (n *nodeNetwork) Check(ctx context.Context, att cni.Attachment, prev *cni.Result) error {
	p, err := n.get(ctx)
	if err != nil {
		return err
	}
	return p.Check(ctx, att, prev)
}

func (n *nodeNetwork) Status(ctx context.Context) error {
	if os.Geteuid() != 0 {
		return &cni.Error{Code: cni.ErrPluginNotAvailable, Msg: "the bridge network needs root"}
	}
	return nil
}

func (n *nodeNetwork) GC(ctx context.Context, valid []cni.AttachmentKey) error {
	n.mu.Lock()
	p := n.plugin
	n.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.GC(ctx, valid)
}

// teardown removes the bridge when the cluster stops.
func (n *nodeNetwork) teardown() error {
	n.mu.Lock()
	p := n.plugin
	n.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.Teardown(context.Background())
}

// removePods stops and removes every pod sandbox the runtime holds and the
// network namespaces made for them: a kubelet leaves its containers
// running when it stops (as Kubernetes' does), but this program owns the
// whole node and leaves nothing behind.
func removePods(rt kubelet.Runtime, netnsDir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sandboxes, err := rt.ListPodSandbox(ctx, nil)
	if err != nil {
		return fmt.Errorf("list pods to remove: %w", err)
	}
	var errs []error
	for _, sb := range sandboxes {
		if err := rt.StopPodSandbox(ctx, sb.ID); err != nil {
			errs = append(errs, err)
		}
		if err := rt.RemovePodSandbox(ctx, sb.ID); err != nil {
			errs = append(errs, err)
		}
	}
	ents, _ := os.ReadDir(netnsDir)
	for _, e := range ents {
		if err := netns.Delete(filepath.Join(netnsDir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// startProxy runs the service proxy with the eBPF dataplane attached to
// the cgroup under which the process runtime puts every pod: connections
// from pods (and from anything else started in that cgroup tree) to a
// Service's ClusterIP are sent to one of its ready endpoints, as Cilium's
// kube-proxy replacement does. The programs and maps are removed at stop.
func startProxy(c *cluster, node, cgroup string) error {
	if err := os.MkdirAll(cgroup, 0o755); err != nil {
		return fmt.Errorf("pod cgroup root: %w", err)
	}
	dp, err := ebpf.New(context.Background(), ebpf.Options{
		PinPath:    "/sys/fs/bpf/rigging-cluster-" + fmt.Sprint(os.Getpid()),
		CgroupPath: cgroup,
		Logger:     c.log.WithName("dataplane"),
	})
	if err != nil {
		return fmt.Errorf("eBPF service dataplane: %w", err)
	}
	px, err := proxy.New(proxy.Options{
		Client:    c.cp.client,
		Dataplane: dp,
		NodeName:  node,
		Logger:    c.log.WithName("proxy"),
	})
	if err != nil {
		_ = dp.Uninstall(context.Background())
		return fmt.Errorf("proxy: %w", err)
	}
	c.g.Go(func() error {
		if err := px.Run(c.gctx); err != nil && c.gctx.Err() == nil {
			return fmt.Errorf("proxy: %w", err)
		}
		return nil
	})
	c.closers = append(c.closers, func() error { return dp.Uninstall(context.Background()) })
	c.podCgroup = cgroup
	c.progress("service proxy started (eBPF socket load balancing on cgroup %s)", cgroup)
	return nil
}
