package ebpf_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/ebpf"
)

// Load balance the sockets of every process below a cgroup across two
// backends of a ClusterIP service. Needs root; the output is therefore not
// checked.
func ExampleNew() {
	ctx := context.Background()
	dp, err := ebpf.New(ctx, ebpf.Options{
		PinPath:    "/sys/fs/bpf/rigging",
		CgroupPath: "/sys/fs/cgroup/unified/pods",
		Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer dp.Close() // leaves the programs attached for the next start

	web := proxy.ServiceKey{Addr: netip.MustParseAddr("10.96.0.10"), Port: 80, Protocol: proxy.TCP}
	err = dp.Apply(ctx, &proxy.State{Services: map[proxy.ServiceKey]*proxy.Service{
		web: {
			Name: "default/web:http",
			Backends: []proxy.Backend{
				{Addr: netip.MustParseAddr("10.244.1.5"), Port: 8080},
				{Addr: netip.MustParseAddr("10.244.2.7"), Port: 8080},
			},
			Affinity: 3 * time.Hour,
		},
	}})
	fmt.Println(err)
}
