package nodeipam_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/nodeipam"
)

// ExampleAdd runs the node IPAM controller against an in-process API
// server with a dual-stack pair of cluster CIDRs; a new node gets a /24
// and a /64.
func ExampleAdd() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := envtest.New(ctx, envtest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()

	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = nodeipam.Add(mgr, env.Client, nodeipam.Options{ClusterCIDRs: []netip.Prefix{
		netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("fd00:244::/56"),
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	stopped := make(chan error, 1)
	go func() { stopped <- mgr.Start(ctx) }()
	defer func() { cancel(); <-stopped }()

	nodes, _ := client.For[corev1.Node](env.Client)
	if _, err := nodes.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1"}}, client.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		n, err := nodes.Get(ctx, "worker-1", client.GetOptions{})
		if err == nil && n.Spec.PodCIDR != "" {
			fmt.Println("podCIDR:", n.Spec.PodCIDR)
			fmt.Println("podCIDRs:", n.Spec.PodCIDRs)
			return
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	fmt.Println("timed out")
	// Output:
	// podCIDR: 10.244.0.0/24
	// podCIDRs: [10.244.0.0/24 fd00:244::/64]
}

// ExampleCIDRSet uses the allocator on its own.
func ExampleCIDRSet() {
	s, err := nodeipam.NewCIDRSet(netip.MustParsePrefix("10.0.0.0/23"), 24)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = s.Occupy(netip.MustParsePrefix("10.0.0.0/24")) // already used by an existing node
	p, _ := s.AllocateNext()
	fmt.Println(p)
	_, err = s.AllocateNext()
	fmt.Println(err)
	// Output:
	// 10.0.1.0/24
	// allocate a /24 from 10.0.0.0/23: CIDR range exhausted
}
