package bridge_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/rigging-dev/rigging/cni"
	"github.com/rigging-dev/rigging/cni/bridge"
	"github.com/rigging-dev/rigging/cni/netns"
)

// A pod's namespace wired to the node's bridge (needs root; not run as a
// test because it changes the machine's network).
func Example() {
	ctx := context.Background()
	plugin, err := bridge.New(bridge.Options{Subnet: netip.MustParsePrefix("10.88.0.0/24")})
	if err != nil {
		panic(err)
	}
	if err := netns.Create("/var/run/netns/pod1"); err != nil {
		panic(err)
	}
	att := cni.Attachment{ContainerID: "pod1", NetNS: "/var/run/netns/pod1", IfName: cni.DefaultIfName}
	res, err := plugin.Add(ctx, att)
	if err != nil {
		panic(err)
	}
	fmt.Println("pod address:", res.PrimaryIPs()[0]) // 10.88.0.2
	_ = plugin.Del(ctx, att)
	_ = netns.Delete(att.NetNS)
}
