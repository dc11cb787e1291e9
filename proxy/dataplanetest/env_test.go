package dataplanetest_test

import (
	"net/netip"
	"os"
	"testing"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
)

// TestEnvWithoutDataplane checks the world the suite builds: backends
// answer with their address from inside the namespace and cgroup, and a
// VIP refuses connections when nothing programs it.
func TestEnvWithoutDataplane(t *testing.T) {
	env := dataplanetest.NewEnv(t)
	for _, p := range []string{env.NetNS, env.Cgroup} {
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
	}
	b := dataplanetest.BackendAddr(3)
	env.Serve(t, proxy.TCP, dataplanetest.TCPPort, b)
	env.Serve(t, proxy.UDP, dataplanetest.UDPPort, b)
	for _, c := range []struct {
		proto proxy.Protocol
		port  uint16
	}{{proxy.TCP, dataplanetest.TCPPort}, {proxy.UDP, dataplanetest.UDPPort}} {
		to := netip.AddrPortFrom(b, c.port)
		for _, r := range env.Dial(t, c.proto, to, 3) {
			if r.Err != "" || r.Got != to.String() || r.Remote != to.String() {
				t.Errorf("%v to %s: %+v", c.proto, to, r)
			}
		}
		for _, r := range env.Dial(t, c.proto, netip.AddrPortFrom(dataplanetest.VIP(0), 80), 1) {
			if r.Err == "" {
				t.Errorf("%v to an unprogrammed VIP answered %+v", c.proto, r)
			}
		}
	}
}
