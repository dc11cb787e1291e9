package nftables_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/nftables"
)

// ExampleNew programs one service into the network namespace at
// /run/netns/node-1 (compiled, not run: it needs root and that
// namespace; the package's tests run the same against namespaces they
// create).
func ExampleNew() {
	dp, err := nftables.New(nftables.Options{NetNS: "/run/netns/node-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dp.Close() // the rules stay; dp.Uninstall removes them
	st := &proxy.State{Services: map[proxy.ServiceKey]*proxy.Service{
		{Addr: netip.MustParseAddr("10.96.0.10"), Port: 80, Protocol: proxy.TCP}: {
			Name:     "default/web:http",
			Backends: []proxy.Backend{{Addr: netip.MustParseAddr("10.0.0.1"), Port: 8080}},
		},
	}}
	if err := dp.Apply(context.Background(), st); err != nil {
		fmt.Println(err)
	}
}
