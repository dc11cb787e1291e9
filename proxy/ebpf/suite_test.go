package ebpf

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
)

// TestBehaviourSuite runs the behaviour suite every dataplane passes (the
// same one proxy/nftables runs), with the programs attached to the suite's
// cgroup, whose client sockets live in the suite's network namespace.
func TestBehaviourSuite(t *testing.T) {
	dataplanetest.Run(t, func(t *testing.T, env *dataplanetest.Env) proxy.Dataplane {
		dp, err := New(t.Context(), Options{PinPath: filepath.Join(dataplanetest.BPFFS(t), "rigging"), CgroupPath: env.Cgroup})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := dp.Uninstall(context.Background()); err != nil {
				t.Errorf("uninstall: %v", err)
			}
		})
		return dp
	})
}
